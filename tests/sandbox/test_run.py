"""The three test styles end to end, statuses, output capture, pools and the column version."""

from __future__ import annotations

import polars as pl
import pytest

from polards.exceptions import ColumnNotFoundError, InvalidArgumentError
from polards.sandbox import AssertTest, CallTest, Limits, StdioTest, run, run_column, run_many

ADD = "def add(a, b):\n    return a + b\n"


# ------------------------------------------------------------------------------------------------ assert style
def test_humaneval_style_check_candidate():
    test = "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(-1, 1) == 0\n"
    assert run(ADD, {"test": test, "entry_point": "add"}).all_passed
    bad = run("def add(a, b):\n    return a - b\n", {"test": test, "entry_point": "add"})
    assert bad.statuses == ["failed"]
    assert "AssertionError" in bad.first_error


def test_mbpp_style_assert_lines_each_a_test():
    r = run(ADD, ["assert add(1, 1) == 2", "assert add(2, 2) == 5", "assert add(0, 0) == 0"])
    assert r.statuses == ["passed", "failed", "passed"]
    assert not r.all_passed and r.num_passed == 2


def test_missing_entry_point_is_runtime_error():
    r = run("x = 1", AssertTest("def check(c):\n    pass\n", "add"))
    assert r.statuses == ["runtime_error"]
    assert "entry point 'add'" in r.first_error


# -------------------------------------------------------------------------------------------------- call style
def test_call_based_lcb_and_taco_formats():
    lcb = [
        {"input": "1\n2", "output": "3", "testtype": "functional"},
        {"input": "5\n5", "output": "11", "testtype": "functional"},
    ]
    r = run(ADD, lcb, fn_name="add")
    assert r.statuses == ["passed", "failed"]
    assert "expected 11, got 10" in r.tests[1].error
    taco = {"inputs": [[[3, 1, 2]], [[]]], "outputs": [[[1, 2, 3]], [[]]], "fn_name": "srt"}
    assert run("def srt(xs):\n    return sorted(xs)\n", taco).all_passed


def test_call_based_class_solution_and_tuple_results():
    code = (
        "class Solution:\n"
        "    def twoSum(self, nums, target):\n"
        "        seen = {}\n"
        "        for i, x in enumerate(nums):\n"
        "            if target - x in seen:\n"
        "                return (seen[target - x], i)\n"
        "            seen[x] = i\n"
    )
    tests = [
        {"input": "[2, 7, 11, 15]\n9", "output": "[0, 1]", "testtype": "functional", "fn_name": "twoSum"}
    ]
    assert run(code, tests).all_passed


def test_call_tests_get_a_fresh_argument_copy_and_unserialisable_results_fail():
    code = "def grow(xs):\n    xs.append(1)\n    return len(xs)\ndef odd(x):\n    return {x}\n"
    tests = [CallTest("grow", [[0]], 2), CallTest("grow", [[0]], 2), CallTest("odd", [1], [1])]
    r = run(code, tests)
    assert r.statuses == ["passed", "passed", "failed"]
    assert "got {1}" in r.tests[2].error


def test_undefined_function_and_exceptions():
    r = run("def f(x):\n    return 1 // x\n", [CallTest("f", [0], 0), CallTest("g", [1], 1)])
    assert r.statuses == ["runtime_error", "runtime_error"]
    assert "ZeroDivisionError" in r.tests[0].error
    assert "'g' is not defined" in r.tests[1].error


def test_sys_exit_in_a_test_is_not_a_pass():
    r = run("import sys\ndef f():\n    sys.exit(0)\n", [CallTest("f", [], None), "assert f() is None"])
    assert r.statuses == ["runtime_error", "runtime_error"]


def test_per_test_stdout_is_captured_and_capped():
    code = "def f(n):\n    print('hello', n)\n    print('x' * 5000)\n    return n\n"
    r = run(code, [CallTest("f", [7], 7)], max_output_bytes=100)
    t = r.tests[0]
    assert t.passed and t.stdout.startswith("hello 7\n") and len(t.stdout) == 100 and t.truncated


# ------------------------------------------------------------------------------------------------- stdio style
def test_stdio_tests_compare_normalised_output():
    code = "n = int(input())\nxs = list(map(int, input().split()))\nprint(sum(xs[:n]))\n"
    tests = [
        {"input": "3\n1 2 3\n", "output": "6\n", "testtype": "stdin"},
        {"input": "2\n5 5 100\n", "output": "  10  \n\n", "testtype": "stdin"},
        {"input": "1\n4\n", "output": "5", "testtype": "stdin"},
    ]
    r = run(code, tests)
    assert r.statuses == ["passed", "passed", "failed"]
    assert r.tests[2].error == "expected '5', got '4'"
    assert r.tests[0].stdout == "6\n"


def test_stdio_main_guard_exit_codes_and_stderr():
    code = (
        "import sys\n"
        "def main():\n"
        "    data = sys.stdin.read().split()\n"
        "    if data[0] == 'bad':\n"
        "        print('oops', file=sys.stderr)\n"
        "        sys.exit(2)\n"
        "    print(data[0].upper())\n"
        "    sys.exit(0)\n"
        "if __name__ == '__main__':\n"
        "    main()\n"
    )
    r = run(code, [StdioTest("abc", "ABC"), StdioTest("bad", "")])
    assert r.statuses == ["passed", "runtime_error"]
    assert r.tests[1].stderr == "oops\n" and "exit(2)" in r.tests[1].error


def test_stdio_os_exit_after_correct_output_still_passes():
    code = (
        "import os, sys\nsys.stdout.write(str(int(input()) + 1) + '\\n')\nsys.stdout.flush()\nos._exit(0)\n"
    )
    assert run(code, [StdioTest("41", "42")]).all_passed


def test_mixed_styles_keep_test_order():
    code = "def double(x):\n    return 2 * x\nif __name__ == '__main__':\n    print(double(int(input())))\n"
    tests = [CallTest("double", [2], 4), StdioTest("5", "10"), "assert double(3) == 7", StdioTest("1", "2")]
    r = run(code, tests)
    assert [t.index for t in r.tests] == [0, 1, 2, 3]
    assert r.statuses == ["passed", "passed", "failed", "passed"]


# ----------------------------------------------------------------------------------------- program-level errors
def test_compile_error_marks_every_test():
    r = run("def f(:\n    pass", [StdioTest("", ""), CallTest("f", [], None), "assert True"])
    assert r.statuses == ["compile_error"] * 3
    assert r.status == "compile_error" and "SyntaxError" in r.error


def test_error_at_import_time_marks_the_batch():
    r = run("import no_such_module_xyz\n", ["assert True", "assert True"])
    assert r.statuses == ["runtime_error", "runtime_error"]
    assert "No module named 'no_such_module_xyz'" in r.first_error


def test_timeout_in_one_test_does_not_cost_the_others():
    code = "import time\ndef f(x):\n    if x == 1:\n        time.sleep(30)\n    return x\n"
    tests = [CallTest("f", [0], 0), CallTest("f", [1], 1), CallTest("f", [2], 2)]
    r = run(code, tests, timeout=0.5)
    assert r.statuses == ["passed", "timeout", "passed"]
    assert r.duration < 5


def test_uncatchable_hang_is_killed_by_the_parent_and_later_tests_rerun():
    # the SIGALRM handler is replaced, so only the parent's kill stops this test
    code = (
        "import signal, time\n"
        "def f(x):\n"
        "    if x == 1:\n"
        "        signal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
        "        time.sleep(30)\n"
        "    return x\n"
    )
    r = run(code, [CallTest("f", [1], 1), CallTest("f", [2], 2)], timeout=0.5)
    assert r.statuses == ["timeout", "passed"]
    assert "killed after exceeding the time limit" in r.tests[0].error


def test_fail_fast_skips_the_rest():
    r = run(ADD, ["assert add(1, 1) == 3", "assert add(1, 1) == 2"], fail_fast=True)
    assert r.statuses == ["failed", "skipped"]


def test_total_timeout_stops_the_program():
    code = "import time\ndef f():\n    time.sleep(0.4)\n    return 1\n"
    r = run(code, [CallTest("f", [], 1)] * 10, timeout=2, total_timeout=1.0)
    assert r.statuses[0] == "passed"
    assert r.statuses[-1] == "timeout"
    assert r.duration < 3


def test_no_tests_still_runs_and_reports():
    r = run("x = 1", [])
    assert r.tests == [] and not r.all_passed and r.isolation is not None


def test_argument_validation():
    with pytest.raises(InvalidArgumentError, match="code must be a str"):
        run(b"x", [])
    with pytest.raises(InvalidArgumentError, match="timeout must be positive"):
        run("x", [], timeout=0)
    with pytest.raises(InvalidArgumentError, match="must be plain data"):
        run("def f(x): pass", [CallTest("f", [object()], None)])
    assert run(ADD, "assert add(1, 2) == 3", limits=Limits(memory_mb=512)).all_passed


# ------------------------------------------------------------------------------------------------ many / column
def test_run_many_keeps_input_order():
    programs = [
        (f"import time\ntime.sleep({0.3 if i % 2 == 0 else 0})\nx = {i}", f"assert x == {i}")
        for i in range(6)
    ]
    programs.append(
        {"code": ADD, "tests": [{"input": "1\n2", "output": "4", "testtype": "functional"}], "fn_name": "add"}
    )
    results = run_many(programs, workers=2, progress=False)
    assert [r.all_passed for r in results] == [True] * 6 + [False]
    with pytest.raises(InvalidArgumentError, match="Program 0"):
        run_many([{"tests": []}])


def test_run_column_with_expressions_and_entry_points():
    df = pl.DataFrame(
        {
            "prompt": ["def inc(x):\n", "def inc(x):\n"],
            "completion": ["    return x + 1\n", "    return x\n"],
            "test": ["def check(candidate):\n    assert candidate(1) == 2\n"] * 2,
            "entry_point": ["inc", "inc"],
        }
    )
    out = run_column(
        df.lazy(), pl.col("prompt") + pl.col("completion"), "test", entry_point_col="entry_point", workers=2
    )
    assert out.columns == [
        "all_passed",
        "num_passed",
        "num_tests",
        "status",
        "statuses",
        "durations",
        "first_error",
        "duration",
        "forgeable",
    ]
    assert out["all_passed"].to_list() == [True, False]
    assert out["status"].to_list() == ["passed", "failed"]
    assert out.schema["statuses"] == pl.List(pl.String)
    assert out["forgeable"].to_list() == [False, False]  # `assert candidate(1) == 2` is judged by the parent
    loop = df.with_columns(
        test=pl.lit("def check(candidate):\n    for x in [1]:\n        assert candidate(x) == 2\n")
    )
    out = run_column(loop, pl.col("prompt") + pl.col("completion"), "test", entry_point_col="entry_point")
    assert out["forgeable"].to_list() == [True, True] and out["all_passed"].to_list() == [True, False]
    with pytest.raises(ColumnNotFoundError, match="nope"):
        run_column(df, "nope", "test")


def test_run_column_on_code_task_structs():
    tests_dtype = pl.List(
        pl.Struct({"input": pl.String, "output": pl.String, "testtype": pl.String, "fn_name": pl.String})
    )
    df = pl.DataFrame(
        {
            "code": ["print(int(input()) * 2)", ADD],
            "tests": [
                [{"input": "2", "output": "4", "testtype": "stdin", "fn_name": None}],
                [{"input": "2\n3", "output": "5", "testtype": "functional", "fn_name": "add"}],
            ],
        },
        schema={"code": pl.String, "tests": tests_dtype},
    )
    out = run_column(df, workers=2)
    assert out["all_passed"].to_list() == [True, True]
    assert out["num_tests"].to_list() == [1, 1]


def test_parent_leaks_no_fds_threads_or_children():
    import os
    import threading

    def fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    def children() -> list[str]:
        me = str(os.getpid())
        out = []
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    with open(f"/proc/{pid}/stat") as fh:
                        if fh.read().rsplit(")", 1)[1].split()[1] == me:
                            out.append(pid)
                except OSError:
                    pass
        return out

    run("x = 1", "assert x == 1")  # warm up (imports, uid pool)
    before_fds, before_threads = fds(), threading.active_count()
    before_children = set(children())  # other suites may own long-lived workers (e.g. the sympy pool)
    progs = [
        ("print(input())", [StdioTest("a", "a")]),
        ("while True: pass", "assert True"),
        (ADD, "assert add(1, 2) == 3"),
    ]
    run_many(progs * 3, workers=3, timeout=0.3)
    assert fds() == before_fds
    assert threading.active_count() == before_threads
    assert set(children()) - before_children == set()


def test_another_interpreter_gets_source_modules_and_its_site():
    import sys

    r = run(ADD, "assert add(2, 2) == 4", python=sys.executable)
    assert r.all_passed, r.first_error


def test_binary_stdout_in_call_tests_is_captured():
    code = "import sys\ndef f():\n    sys.stdout.buffer.write(b'raw bytes\\n')\n    print('text')\n    return 1\n"
    r = run(code, [CallTest("f", [], 1)])
    assert r.all_passed, r.first_error
    assert r.tests[0].stdout == "raw bytes\ntext\n"


def test_code_task_mapper_output_runs_as_is():
    import json

    code_mappers = pytest.importorskip("polards.mappers.code")
    lcb = json.dumps(
        [
            {"input": "1\n2", "output": "3", "testtype": "functional", "metadata": {"func_name": "add"}},
            {"input": "5\n5", "output": "10", "testtype": "functional", "metadata": {"func_name": "add"}},
        ]
    )
    assert run(ADD, code_mappers.normalize_tests(lcb)).statuses == ["passed", "passed"]
    taco_stdio = json.dumps({"inputs": ["1 2\n", "3 4\n"], "outputs": ["3\n", "8\n"]})
    tests = code_mappers.normalize_tests(taco_stdio)
    assert run("print(sum(map(int, input().split())))", tests).statuses == ["passed", "failed"]
