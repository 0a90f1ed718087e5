"""Programs that try to forge a pass or break a batch: every one gets a non-pass verdict, the batch goes on."""

from __future__ import annotations

from polards.sandbox import AssertTest, CallTest, StdioTest, run, run_many

CHECK = "def check(candidate):\n    assert candidate(3) == 9\n    assert candidate(4) == 16\n"
FORGE_END = (
    "import sys, os\n"
    "def sq(x):\n"
    "    f = sys._getframe(1)\n"
    "    while f is not None:\n"
    "        g = f.f_globals\n"
    "        if '_TOKEN' in g:\n"
    '            line = \'{"ev":"end","i":0,"status":"passed","tok":"%s"}\\n\' % g[\'_TOKEN\']\n'
    "            os.write(g['_EVENT_FD'], line.encode())\n"
    "            g['_run_one'] = lambda *a, **k: {'status': 'passed', 'duration': 0.0}\n"
    "        f = f.f_back\n"
    "    return x + 1\n"
)
ALWAYS_EQUAL = (
    "class E(int):\n    def __eq__(self, o):\n        return True\n    __hash__ = int.__hash__\n"
    "class A:\n    def __eq__(self, o):\n        return True\n"
    "def sq(x):\n    return A()\n"
)


def test_forged_events_and_patched_harness_do_not_pass_call_or_check_tests():
    for tests in ([CallTest("sq", [3], 9)], AssertTest(CHECK, "sq")):
        r = run(FORGE_END, tests, strict=False)
        assert not r.all_passed and r.status in ("failed", "runtime_error"), r.first_error
        assert not r.forgeable


def test_always_equal_objects_fail():
    assert run(ALWAYS_EQUAL, AssertTest(CHECK, "sq")).status == "failed"
    assert run(ALWAYS_EQUAL, [CallTest("sq", [3], 9)]).status == "failed"


def test_expected_values_never_reach_the_child():
    # the program prints every string it can find in the frames and its work dir; 4242 is only expected
    code = (
        "import os, gc\n"
        "def sq(x):\n"
        "    seen = repr([o for o in gc.get_objects() if isinstance(o, (dict, list, tuple))])\n"
        "    for name in os.listdir('.'):\n"
        "        try:\n"
        "            seen += open(name, 'rb').read().decode('latin-1')\n"
        "        except OSError:\n"
        "            pass\n"
        "    key = ''.join(['answer-', 'q7z'])  # no folded constant in this program\n"
        "    return key if key in seen else 'nothing'\n"
    )
    check = "def check(candidate):\n    assert candidate(3) == 'answer-' + 'q7z'\n"
    r = run(code, AssertTest(check, "sq"))
    assert r.status == "failed" and "nothing" in r.first_error


def test_unconvertible_checks_are_forgeable_and_refused_when_strict():
    check = "def check(candidate):\n    for x in range(3):\n        assert candidate(x) == x * x\n"
    ok = run("def sq(x):\n    return x * x\n", AssertTest(check, "sq"))
    assert ok.all_passed and ok.forgeable
    refused = run("def sq(x):\n    return x * x\n", AssertTest(check, "sq"), strict=False, fail_fast=False)
    assert refused.tests[0].forgeable
    strict = run(
        "def sq(x):\n    return x * x\n", AssertTest(check, "sq"), strict=True, _force_socket_guard=False
    )
    assert strict.status == "runtime_error" and "refused" in strict.first_error


def test_a_stdio_program_cannot_report_its_own_pass():
    code = "import sys\nf = sys._getframe(0)\nprint('wrong')\n"
    assert run(code, [StdioTest("", "right")]).status == "failed"


BREAKERS = [
    "import os\nfor fd in range(3, 20):\n    try:\n        os.write(fd, b'[' * 200000 + b'\\n')\n    except OSError:\n        pass\n"
    "def sq(x):\n    return x\n",
    'def sq(x):\n    raise ValueError("\\ud800 \\x1b[31mred")\n',
    "import os\nfor fd in range(3, 20):\n    try:\n        os.write(fd, b'x' * (20 * 1024 * 1024))\n    except OSError:\n        pass\n"
    "def sq(x):\n    return x\n",
    "import sys, os\n"
    "g = [f for f in [sys._getframe(0)]][0].f_back.f_globals\n"
    'for bad in (\'{"ev":"end","i":99,"status":"returned","value":"["}\','
    ' \'{"ev":"end","i":"x","status":"passed"}\', \'{"ev":"start","i":[1]}\'):\n'
    "    os.write(g['_EVENT_FD'], (bad[:-1] + ',\"tok\":\"' + g['_TOKEN'] + '\"}\\n').encode())\n"
    "def sq(x):\n    return x\n",
]


def test_batch_breakers_are_each_a_non_pass_and_the_batch_goes_on():
    good = ("def sq(x):\n    return x * x\n", [CallTest("sq", [3], 9)])
    programs = [good] + [(code, [CallTest("sq", [3], 9)]) for code in BREAKERS] + [good]
    results = run_many(programs, workers=2)
    assert results[0].all_passed and results[-1].all_passed
    for r in results[1:-1]:
        assert not r.all_passed
        text = r.first_error or ""
        assert "\x1b" not in text and len(text) <= 2003
        text.encode("utf-8")  # no lone surrogates


def test_the_bootstrap_leaves_no_config_in_main_globals():
    code = (
        "import sys\n"
        "def f():\n"
        "    g = vars(sys.modules['__main__'])\n"
        "    return sorted(k for k, v in g.items() if k == 'c' or isinstance(v, dict) and 'tests' in v)\n"
    )
    for tests in (
        [CallTest("f", [], [])],
        AssertTest("def check(candidate):\n    assert candidate() == []\n", "f"),
    ):
        r = run(code, tests)
        assert r.all_passed, r.first_error
