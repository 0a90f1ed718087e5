"""Hostile programs: each is contained, classified, leaves nothing behind, and the test process stays healthy."""

from __future__ import annotations

import os
import socket
import time

import pytest

from polards.sandbox import CallTest, StdioTest, run
from polards.sandbox.limits import uid_processes

ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="separate uid / namespaces need root")


def _no_strays(result) -> None:
    uid = result.isolation.uid
    if result.isolation.separate_user:
        assert uid_processes(uid) == []


def test_infinite_loop_is_a_timeout():
    t0 = time.monotonic()
    r = run("def f():\n    while True:\n        pass\n", [CallTest("f", [], None)], timeout=0.5)
    assert r.statuses == ["timeout"]
    assert time.monotonic() - t0 < 5


def test_infinite_loop_at_module_level_is_a_timeout():
    r = run("while True:\n    pass\n", ["assert True", "assert True"], timeout=0.5)
    assert r.statuses == ["timeout", "timeout"]


def test_sleep_past_the_limit_in_stdio_mode():
    t0 = time.monotonic()
    r = run("import time\ntime.sleep(60)\nprint(1)", [StdioTest("", "1")], timeout=0.5)
    assert r.statuses == ["timeout"]
    assert time.monotonic() - t0 < 5


def test_cpu_burning_c_call_is_killed_by_the_parent():
    # sum() over a huge range runs in C: SIGALRM cannot interrupt it, the parent's kill must
    r = run("def f():\n    return sum(range(10**13))\n", [CallTest("f", [], 0)], timeout=0.5)
    assert r.statuses == ["timeout"]


@needs_root
def test_fork_bomb_is_contained_and_leaves_no_process():
    code = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    t0 = time.monotonic()
    r = run(code, "assert True", timeout=1, max_processes=16)
    assert r.statuses == ["timeout"]
    assert time.monotonic() - t0 < 10
    _no_strays(r)


@needs_root
def test_daemon_that_leaves_the_process_group_is_killed():
    code = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(120)\n"
        "    os._exit(0)\n"
        "def f():\n"
        "    return 1\n"
    )
    r = run(code, [CallTest("f", [], 1)])
    assert r.all_passed
    _no_strays(r)


def test_huge_allocation_is_memory_exceeded():
    r = run(
        "def f():\n    x = bytearray(10 * 1024**3)\n    return 1\n", [CallTest("f", [], 1)], memory_mb=512
    )
    assert r.statuses == ["memory_exceeded"]
    r = run("x = [0] * (10 * 1024**3 // 8)\nprint(1)", [StdioTest("", "1")], memory_mb=512)
    assert r.statuses == ["memory_exceeded"]


def test_writing_a_gigabyte_hits_the_file_size_limit():
    code = "with open('big.bin', 'wb') as f:\n    for _ in range(1024):\n        f.write(b'0' * (1 << 20))\n"
    r = run(code, "assert True", max_file_mb=8)
    assert r.statuses == ["runtime_error"]
    assert "File too large" in r.first_error


@needs_root
def test_writing_outside_the_temp_dir_is_refused(tmp_path):
    import polards.sandbox

    inside_package = os.path.join(os.path.dirname(polards.sandbox.__file__), f"pwned-{os.getpid()}.txt")
    world_writable = tmp_path / "pwned.txt"
    os.chmod(tmp_path, 0o777)  # even a world-writable directory of the parent is out of reach
    try:
        for target in (inside_package, str(world_writable)):
            code = f"def f():\n    open({target!r}, 'w').write('x')\n    return 1\n"
            r = run(code, [CallTest("f", [], 1)])
            assert r.statuses == ["runtime_error"]
            assert any(
                e in r.first_error for e in ("Read-only file system", "Permission denied", "No such file")
            )
            assert not os.path.exists(target)
    finally:
        if os.path.exists(inside_package):
            os.unlink(inside_package)


@needs_root
def test_scratch_dirs_are_private_and_vanish():
    marker = f"/tmp/polards-sandbox-marker-{os.getpid()}"
    code = f"open({marker!r}, 'w').write('x')\nimport os\nassert os.path.exists({marker!r})\n"
    r = run(code, "assert True")
    assert r.all_passed, r.first_error
    assert not os.path.exists(marker)


def test_working_dir_is_writable_and_removed():
    name = f"notes-{os.getpid()}-{time.monotonic_ns()}.txt"
    code = f"import os\nopen({name!r}, 'w').write('hi')\ncwd = os.getcwd()\n"
    r = run(
        code,
        [
            f"assert open({name!r}).read() == 'hi'",
            "import os\nassert os.environ['HOME'] == os.environ['TMPDIR'] == cwd",
        ],
    )
    assert r.all_passed, r.first_error
    code_dir = "import os\nprint(os.getcwd())"
    r2 = run(code_dir, [StdioTest("", "x")])
    cwd = r2.tests[0].stdout.strip()
    if r2.isolation.filesystem == "allowlist":
        # the work dir is the program's own tmpfs at /tmp: nothing of it reaches the host's /tmp
        assert cwd == "/tmp"
        assert not os.path.exists(os.path.join("/tmp", name))
    else:
        assert os.path.basename(cwd).startswith("polards-sandbox-")
        assert not os.path.exists(cwd)


def test_parent_environment_is_not_visible(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_polards_secret_value")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "also-secret")
    code = "import os\nprint(sorted(os.environ))\nprint(repr(os.environ.get('HF_TOKEN')))\n"
    r = run(code, [StdioTest("", "")])
    out = r.tests[0].stdout
    assert "hf_polards_secret_value" not in out and "AWS_SECRET" not in out and "None" in out


@needs_root
def test_parent_proc_environ_is_unreadable(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_polards_secret_value")
    code = "import os\ndef f():\n    return open(f'/proc/{os.getppid()}/environ', 'rb').read().decode('latin1')\n"
    r = run(code, [CallTest("f", [], "")])
    assert r.statuses == ["runtime_error"]
    assert "Permission denied" in r.first_error
    assert "hf_polards_secret" not in (r.tests[0].error or "")


@needs_root
def test_home_directory_is_hidden():
    r = run(
        "import os\ndef f():\n    return sorted(os.listdir(os.path.expanduser('~root')))\n",
        [CallTest("f", [], [])],
    )
    # /root only shows what the interpreter needs (e.g. ['.pyenv']); nothing else (tokens, caches) is there
    got = r.tests[0].error or ""
    visible = os.listdir("/root") if os.access("/root", os.R_OK) else []
    assert not any(name in got for name in visible if name not in (".pyenv",) and len(name) > 3)


def test_socket_to_loopback_never_reaches_a_parent_listener():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    try:
        code = (
            "import socket\n"
            "def f():\n"
            f"    s = socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
            "    s.sendall(b'stolen')\n"
            "    return 'connected'\n"
        )
        r = run(code, [CallTest("f", [], "connected")])
        assert r.statuses == ["runtime_error"]
        assert any(word in r.first_error for word in ("unreachable", "refused", "disabled", "Permission"))
        listener.settimeout(0.3)
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()


@needs_root
def test_killing_the_parent_fails_and_the_parent_lives():
    code = (
        "import os, signal\n"
        "def f():\n"
        "    os.kill(os.getppid(), signal.SIGKILL)\n"
        "    return 1\n"
        "def g():\n"
        "    os.kill(-1, signal.SIGKILL)\n"  # everything it may signal: only itself
        "    return 1\n"
    )
    r = run(code, [CallTest("f", [], 1), CallTest("g", [], 1)])
    assert r.statuses[0] == "runtime_error" and "Operation not permitted" in r.first_error
    assert r.statuses[1] in {"runtime_error", "memory_exceeded", "passed"}
    os.kill(os.getpid(), 0)  # still here


def test_closing_stdout_is_contained():
    r = run("import os\nos.close(1)\nos.close(2)\nprint('x')\n", [StdioTest("", "x")])
    assert r.statuses in (["runtime_error"], ["failed"])
    r = run("import os, sys\nos.close(1)\ndef f():\n    print('hi')\n    return 1\n", [CallTest("f", [], 1)])
    assert r.statuses == ["passed"]  # per-test output goes to the harness, not to fd 1


def test_printing_100_mb_is_capped_and_drained():
    code = "import sys\nchunk = 'x' * (1 << 20)\nfor _ in range(100):\n    sys.stdout.write(chunk)\n    sys.stderr.write(chunk)\n"
    t0 = time.monotonic()
    r = run(code, [StdioTest("", "x")], timeout=20, max_output_bytes=1000)
    assert r.statuses == ["failed"]
    t = r.tests[0]
    assert t.truncated and len(t.stdout) == 1000 and len(t.stderr) == 1000
    assert "output cut at 1000 bytes" in t.error
    assert time.monotonic() - t0 < 20


def test_recursion_bombs():
    r = run("def f(n):\n    return f(n + 1)\n", [CallTest("f", [0], 0)])
    assert r.statuses == ["runtime_error"] and "RecursionError" in r.first_error
    deep = "import sys\nsys.setrecursionlimit(10**9)\ndef f(n):\n    return f(n + 1) + 1\n"
    r = run(deep, [CallTest("f", [0], 0)], timeout=1, memory_mb=256)
    assert r.statuses[0] in {"runtime_error", "memory_exceeded", "timeout"}


def test_forged_harness_events_do_not_fake_a_stdio_pass():
    # the program writes a fake 'end ok' event on every fd; stdio verdicts come from the parent's comparison
    code = (
        "import os, json\n"
        "for fd in range(3, 20):\n"
        "    try:\n"
        "        os.write(fd, (json.dumps({'ev': 'end', 'i': 0, 'status': 'ok', 'duration': 0}) + '\\n').encode())\n"
        "    except OSError:\n"
        "        pass\n"
        "print('wrong')\n"
    )
    r = run(code, [StdioTest("", "right")])
    assert r.statuses == ["failed"]


def test_exit_before_tests_is_not_a_pass():
    for code in ("import sys\nsys.exit(0)\n", "import os\nos._exit(0)\n"):
        r = run(code, ["assert False", "assert False"])
        assert not r.all_passed
        assert set(r.statuses) == {"runtime_error"}


def test_forged_assert_events_are_ignored():
    # the program forges a 'passed' event on every fd, then leaves before the real test runs
    code = (
        "import os, json\n"
        "for fd in range(3, 30):\n"
        "    for ev in ({'ev': 'loaded'}, {'ev': 'start', 'i': 0}, {'ev': 'end', 'i': 0, 'status': 'passed'}):\n"
        "        try:\n"
        "            os.write(fd, (json.dumps(ev) + '\\n').encode())\n"
        "        except OSError:\n"
        "            pass\n"
        "os._exit(0)\n"
    )
    r = run(code, "assert False")
    assert r.statuses == ["runtime_error"]


@needs_root
def test_process_limit_caps_forks():
    code = (
        "import os, time\n"
        "def f():\n"
        "    n = 0\n"
        "    try:\n"
        "        while n < 1000:\n"
        "            if os.fork() == 0:\n"
        "                time.sleep(30)\n"
        "                os._exit(0)\n"
        "            n += 1\n"
        "    except OSError:\n"
        "        pass\n"
        "    return n\n"
    )
    r = run(code, [CallTest("f", [], 0)], max_processes=12)
    forks = int(r.tests[0].error.rsplit("got ", 1)[1])
    assert 1 <= forks <= 11  # the harness itself is one of the 12
    _no_strays(r)


def test_swapping_builtins_does_not_skip_the_assert_test():
    code = "import builtins\nbuiltins.exec = lambda *a, **k: None\nbuiltins.callable = lambda x: False\ndef f():\n    return 0\n"
    r = run(code, {"test": "def check(candidate):\n    assert candidate() == 1\n", "entry_point": "f"})
    assert r.statuses == ["failed"]
