"""The program sees an allowlist of the file system: the interpreter, its standard library and site-packages
(read-only), the system libraries, a few devices, its own /proc and its own capped tmpfs work dir - nothing of
the checkout, HOME, the host's /tmp, other programs' dirs or reference solutions."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from polards.sandbox import CallTest, run, run_many
from polards.sandbox.confine import SYSTEM_PATHS
from polards.sandbox.limits import interpreter_paths

ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="the allowlist root needs root (mount and PID namespaces)")

CHECKOUT = Path(__file__).resolve().parents[2]
HUMANEVAL = CHECKOUT / "tests" / "data" / "humaneval" / "HumanEval.jsonl.gz"
# A venv under /tmp (a checkout made by `mktemp -d`) is bound at its own path, so the directories leading to it
# exist, empty but for it, in the program's /tmp: its first one is the only name a program may see there.
_UNDER_TMP = [p for p in interpreter_paths() if Path(p).is_relative_to("/tmp")]
VENV_SKELETON = sorted({Path(p).relative_to("/tmp").parts[0] for p in _UNDER_TMP})
VENV_IN_CHECKOUT = Path(sys.prefix).resolve().is_relative_to(CHECKOUT)

VISIBLE = """
import os
def visible(paths):
    return [p for p in paths if os.path.lexists(p)]
def top():
    return sorted(os.listdir("/"))
def writable(paths):
    out = []
    for p in paths:
        try:
            open(os.path.join(p, ".polards-probe"), "w").close()
            out.append(p)
        except OSError:
            pass
    return out
"""


@needs_root
def test_nothing_of_the_checkout_home_or_host_tmp_is_visible():
    marker = tempfile.NamedTemporaryFile(prefix="polards-host-marker-", dir="/tmp", delete=False)
    marker.close()
    home = os.path.expanduser("~")
    secrets = [
        # the checkout itself, or, where the venv lives inside it (so its path exists), one of its files
        str(CHECKOUT / "pyproject.toml") if VENV_IN_CHECKOUT else str(CHECKOUT),
        str(CHECKOUT / ".git"),
        str(CHECKOUT / "polards" / "sandbox" / "harness.py"),
        str(HUMANEVAL),  # reference solutions
        marker.name,
        "/etc/shadow",
        "/sys/fs/cgroup",
        *[os.path.join(home, n) for n in os.listdir(home) if n != ".pyenv"],
    ]
    # they exist on the host (a clone has .git, a copied tree may not): the test means something
    assert all(os.path.lexists(p) for i, p in enumerate(secrets[:5]) if i != 1)
    try:
        r = run(VISIBLE, [CallTest("visible", [secrets], []), CallTest("top", [], None)])
    finally:
        os.unlink(marker.name)
    assert r.isolation.filesystem == "allowlist"
    assert r.statuses[0] == "passed", r.first_error
    # the root holds only the system dirs, the interpreter's paths and the sandbox's own mounts
    allowed = {p.strip("/").split("/")[0] for p in [*SYSTEM_PATHS, *interpreter_paths()]}
    allowed |= {"dev", "proc", "tmp", "var", "etc"}
    top = r.tests[1].error.split("got ", 1)[1]
    names = {n.strip(' "[]') for n in top.split(",")}
    assert names <= allowed, names - allowed


@needs_root
def test_only_the_work_dir_is_writable():
    places = ["/tmp", "/var/tmp", "/dev/shm", "/", "/usr", "/etc", sys.prefix, os.path.dirname(os.__file__)]
    r = run(VISIBLE, [CallTest("writable", [places], ["/tmp", "/var/tmp", "/dev/shm"])])
    assert r.all_passed, r.first_error


@needs_root
def test_numpy_from_the_venv_imports():
    numpy = pytest.importorskip("numpy")
    code = "import numpy as np\ndef f():\n    return [float(np.linalg.norm(np.ones(4))), np.__file__]\n"
    r = run(code, [CallTest("f", [], [2.0, numpy.__file__])])
    assert r.all_passed, r.first_error


@needs_root
def test_a_venv_under_a_private_tmp_dir_stays_importable_and_its_siblings_stay_hidden():
    base = tempfile.mkdtemp(prefix="polards-venv-")  # 0700, as `mktemp -d` makes it
    try:
        venv = os.path.join(base, "venv")
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=60)
        python = os.path.join(venv, "bin", "python")
        site = subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        Path(site, "polards_probe_module.py").write_text("ANSWER = 42\n")
        secret = Path(base, "solutions.txt")
        secret.write_text("the answers\n")
        code = (
            "import os\nimport polards_probe_module\n"
            "def f(p):\n    return [polards_probe_module.ANSWER, os.path.exists(p)]\n"
        )
        r = run(code, [CallTest("f", [str(secret)], [42, False])], python=python)
        assert r.isolation.filesystem == "allowlist"
        assert r.all_passed, r.first_error
    finally:
        subprocess.run(["rm", "-rf", base], check=False)


@needs_root
def test_programs_running_at_the_same_time_do_not_see_each_other():
    name = f"mine-{os.getpid()}-{time.monotonic_ns()}"
    writer = f"import os, time\nopen({name!r}, 'w').write('x')\ndef f():\n    time.sleep(1.5)\n    return 1\n"
    reader = (
        "import os, time\n"
        "def f(name):\n"
        "    time.sleep(0.5)\n"
        "    return [os.path.exists(name), os.path.exists('/tmp/' + name), sorted(os.listdir('/tmp'))]\n"
    )
    results = run_many(
        [(writer, [CallTest("f", [], 1)]), (reader, [CallTest("f", [name], [False, False, VENV_SKELETON])])],
        workers=2,
    )
    assert [r.statuses for r in results] == [["passed"], ["passed"]], results[1].first_error
    assert not os.path.exists(os.path.join("/tmp", name))  # nor does anything reach the host's /tmp
