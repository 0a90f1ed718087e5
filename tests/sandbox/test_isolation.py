"""What isolation the child gets, how weaker isolation is reported, and strict mode."""

from __future__ import annotations

import json
import os
import socket
import sys
import warnings

import pytest

from polards.exceptions import IsolationError, IsolationWarning
from polards.sandbox import CallTest, StdioTest, isolation_report, run
from polards.sandbox import program as sandbox_program

ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="separate uid / namespaces need root")


@needs_root
def test_full_isolation_as_root():
    report = isolation_report()
    assert report.separate_user and report.uid not in (None, 0)
    assert report.network == "namespace"
    assert report.filesystem == "allowlist"
    assert report.pid_namespace
    assert report.cgroup in ("v1", "v2")
    assert report.rlimits == [
        "RLIMIT_CPU",
        "RLIMIT_AS",
        "RLIMIT_FSIZE",
        "RLIMIT_NPROC",
        "RLIMIT_NOFILE",
        "RLIMIT_CORE",
    ]
    assert report.weaker == []


@needs_root
def test_limits_are_in_force_inside_the_child():
    code = (
        "import os, resource\n"
        "def limits():\n"
        "    names = ['RLIMIT_AS', 'RLIMIT_FSIZE', 'RLIMIT_NPROC', 'RLIMIT_NOFILE', 'RLIMIT_CORE']\n"
        "    return [resource.getrlimit(getattr(resource, n))[0] for n in names]\n"
        "def ids():\n"
        "    return [os.getuid() != 0, os.geteuid() != 0, os.getgroups(), os.getpgid(0) == os.getpid()]\n"
        "def nnp():\n"
        "    return [l.split()[1] for l in open('/proc/self/status') if l.startswith('NoNewPrivs')][0]\n"
    )
    tests = [
        CallTest("limits", [], [300 * 2**20, 5 * 2**20, 7, 256, 0]),
        CallTest("ids", [], [True, True, [], True]),  # own uid, no groups, own process group
        CallTest("nnp", [], "1"),
    ]
    r = run(code, tests, memory_mb=300, max_file_mb=5, max_processes=7)
    assert r.all_passed, [t.error for t in r.tests]


def test_minimal_environment():
    r = run("import os\nprint(' '.join(sorted(os.environ)))", [StdioTest("", "")], env={"MY_FLAG": "1"})
    keys = set(r.tests[0].stdout.split())
    assert keys == {
        "PATH",
        "HOME",
        "TMPDIR",
        "LANG",
        "LC_ALL",
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "MY_FLAG",
    }


def test_stdin_is_closed_when_not_fed():
    r = run("def f():\n    import sys\n    return sys.stdin.read()\n", [CallTest("f", [], "")])
    assert r.all_passed, r.first_error


@needs_root
def test_network_true_reaches_the_listener_so_the_negative_test_means_something():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    try:
        code = f"import socket\ndef f():\n    socket.create_connection(('127.0.0.1', {port}), timeout=2).close()\n    return 1\n"
        assert run(code, [CallTest("f", [], 1)], network=True).all_passed
        listener.settimeout(2)
        conn, _ = listener.accept()
        conn.close()
        r = run(code, [CallTest("f", [], 1)])
        assert r.statuses == ["runtime_error"] and "unreachable" in r.first_error
    finally:
        listener.close()


@pytest.fixture
def fresh_warnings(monkeypatch):
    monkeypatch.setattr(sandbox_program, "_warned", set())


def test_socket_guard_fallback_refuses_sockets_and_warns_once(fresh_warnings):
    code = "import socket\ndef f():\n    socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n    return 1\ndef g():\n    a, b = socket.socketpair()\n    return 1\n"
    with pytest.warns(IsolationWarning, match="no network namespace"):
        r = run(code, [CallTest("f", [], 1), CallTest("g", [], 1)], _force_socket_guard=True)
    assert r.isolation.network == "socket_guard"
    assert r.statuses == ["runtime_error", "passed"]
    assert "network access is disabled" in r.first_error
    with warnings.catch_warnings():
        warnings.simplefilter("error", IsolationWarning)
        run(code, [CallTest("f", [], 1)], _force_socket_guard=True)  # second time: no warning


def test_dns_lookups_are_refused_by_the_socket_guard(fresh_warnings):
    code = "import socket\ndef f():\n    return socket.getaddrinfo('localhost', 80)\n"
    with pytest.warns(IsolationWarning):
        r = run(code, [CallTest("f", [], [])], _force_socket_guard=True)
    assert r.statuses == ["runtime_error"] and "disabled" in r.first_error


def test_strict_refuses_weaker_isolation_before_running(fresh_warnings, tmp_path):
    with pytest.raises(IsolationError, match="Refusing to run the program"):
        run("print('ran')", [StdioTest("", "ran")], strict=True, _force_socket_guard=True)


@needs_root
def test_strict_accepts_full_isolation():
    # a call test: its verdict is the parent's (strict=True refuses assert checks the parent cannot judge)
    assert run("def f():\n    return 1", [CallTest("f", [], 1)], strict=True).all_passed


@needs_root
def test_running_as_root_without_a_separate_user_is_reported(fresh_warnings):
    with pytest.warns(IsolationWarning, match="RLIMIT_NPROC is not enforced for root"):
        r = run("import os\nuid = os.getuid()", "assert uid == 0", separate_user=False, private_fs=False)
    assert r.all_passed and not r.isolation.separate_user
    assert r.isolation.filesystem == "shared"
    with pytest.raises(IsolationError):
        run("def f():\n    return 1", [CallTest("f", [], 1)], separate_user=False, strict=True)


NON_ROOT_PARENT = """
import json, os, sys, warnings
uid, workdir = int(sys.argv[1]), sys.argv[2]
from polards.sandbox import confine, limits
# become an ordinary user that can still reach the interpreter (which lives under /root here)
confine.unshare_namespaces(mount=True, network=False)
# keep the polards package itself reachable too (an editable install may live under /tmp, which becomes tmpfs)
package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(confine.__file__))))
confine.private_mounts(workdir, [*limits.interpreter_paths(), package_root], 64)
os.setgroups([]); os.setresgid(uid, uid, uid); os.setresuid(uid, uid, uid)
from polards.exceptions import IsolationError
from polards.sandbox import CallTest, run
code = "import os, socket\\ndef me():\\n    return os.getuid()\\ndef net():\\n    socket.create_connection(('10.0.0.1', 80), timeout=1)\\n"
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    r = run(code, [CallTest("me", [], uid), CallTest("net", [], None)])
try:
    run("def f():\\n    return 1", [CallTest("f", [], 1)], strict=True)
    strict = "ran"
except IsolationError:
    strict = "refused"
print(json.dumps({"statuses": r.statuses, "iso": r.isolation.__dict__, "warned": len(caught), "strict": strict}))
"""


_SCRATCH = ("/tmp/", "/var/tmp/", "/dev/shm/")


@needs_root
@pytest.mark.skipif(
    any(os.path.realpath(p).startswith(_SCRATCH) or p.startswith(_SCRATCH) for p in (sys.prefix, __file__)),
    reason="this test confines its own parent with fresh tmpfs scratch dirs, which would hide an interpreter or "
    "checkout that lives under /tmp",
)
def test_unprivileged_parent_gets_namespaces_and_reports_the_shared_uid(tmp_path):
    import json
    import subprocess
    import sys

    from polards.sandbox.limits import UIDS, kill_uid

    uid = UIDS.acquire()
    try:
        os.chown(tmp_path, uid, uid)
        proc = subprocess.run(
            [sys.executable, "-I", "-c", NON_ROOT_PARENT, str(uid), str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        kill_uid(uid)
        UIDS.release(uid)
    assert out["statuses"] == ["passed", "runtime_error"]
    iso = out["iso"]
    assert not iso["separate_user"] and iso["uid"] == uid
    # where unprivileged user namespaces are allowed, network and file system are still private
    assert iso["network"] in {"namespace", "socket_guard"}
    assert any(w.startswith("user: not running as root") for w in iso["weaker"])
    assert out["warned"] == 1
    assert out["strict"] == "refused"


@needs_root
def test_only_the_work_and_scratch_dirs_are_writable_mounts():
    code = (
        "import os\n"
        "def rw():\n"
        "    top = {}\n"  # the last mount on a point hides the ones below it
        "    for line in open('/proc/self/mountinfo'):\n"
        "        top[line.split()[4]] = line.split()[5].split(',')\n"
        "    cwd = os.getcwd()\n"
        "    return sorted('WORKDIR' if p == cwd else p for p, o in top.items() if 'rw' in o and not p.startswith('/proc'))\n"
    )
    r = run(code, [CallTest("rw", [], [])])
    writable = set(json.loads(r.tests[0].error.split("got ", 1)[1]))
    assert writable <= {"WORKDIR", "/tmp", "/var/tmp", "/dev/shm"}
    assert "WORKDIR" in writable and "/" not in writable
