"""Parent-side limits and process hygiene: the :class:`Limits` a program runs under, the per-slot sandbox uids,
the minimal environment, and the sweep that kills every process a sandbox uid left behind.

Each concurrently running program gets its *own* unprivileged uid (when the parent is root). That uid

* makes ``RLIMIT_NPROC`` meaningful (it counts processes per real uid, and is not enforced for root),
* keeps the program from signalling the parent or other sandboxes (``os.kill`` needs the same uid),
* lets :func:`kill_uid` find and kill every process the program started, even ones that left the process
  group with ``setsid()``.

Examples
--------
>>> lim = Limits(timeout=2, memory_mb=512)
>>> lim.rlimits(cpu_seconds=3)["RLIMIT_AS"] == 512 * 1024 * 1024
True
>>> sorted(minimal_env("/tmp/x"))[:3]
['HOME', 'LANG', 'LC_ALL']
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from polards.exceptions import InvalidArgumentError

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed program.

    Attributes
    ----------
    timeout
        Wall-clock seconds per test (the child stops the test with ``SIGALRM``; the parent kills the whole
        program ``grace`` seconds later if that did not work).
    memory_mb
        Memory of all the program's processes together, including what it holds in tmpfs files (its work
        dir), memfd and SysV/POSIX shared memory: the limit of its own cgroup (where the kernel offers one;
        going over it kills the whole program). Also the address-space limit (``RLIMIT_AS``) of each process.
        Exceeding either gives ``memory_exceeded``.
    max_file_mb
        Largest file the program may write (``RLIMIT_FSIZE``); also the size of each private scratch tmpfs of
        the fallback file system view.
    max_processes
        Processes (and threads) the program may have: its cgroup's ``pids.max`` and ``RLIMIT_NPROC`` of the
        sandbox uid.
    max_open_files
        ``RLIMIT_NOFILE``.
    max_output_bytes
        Bytes of stdout and of stderr kept per test / per program; the rest is drained and dropped.
    total_timeout
        Wall-clock seconds for the whole program; ``None`` means ``(timeout + 1) * n_tests + 5``.
    grace
        Extra seconds the parent waits after a test's time limit before it kills the process group.
    max_disk_mb
        Size of the program's writable tmpfs (its work dir, ``/tmp``, ``/var/tmp`` and ``/dev/shm`` share it).
    max_files
        Inodes of that tmpfs (files, directories and links the program may create).
    """

    timeout: float = 6.0
    memory_mb: int = 1024
    max_file_mb: int = 64
    max_processes: int = 32
    max_open_files: int = 256
    max_output_bytes: int = 64 * 1024
    total_timeout: float | None = None
    grace: float = 0.5
    max_disk_mb: int = 128
    max_files: int = 4096

    def __post_init__(self) -> None:
        for name in (
            "timeout",
            "memory_mb",
            "max_file_mb",
            "max_processes",
            "max_open_files",
            "max_output_bytes",
            "max_disk_mb",
            "max_files",
        ):
            if getattr(self, name) <= 0:
                raise InvalidArgumentError(f"Limits.{name} must be positive, got {getattr(self, name)!r}.")
        if self.total_timeout is not None and self.total_timeout <= 0:
            raise InvalidArgumentError(f"Limits.total_timeout must be positive, got {self.total_timeout!r}.")

    def total_for(self, n_tests: int) -> float:
        """The program's wall-clock budget for ``n_tests`` tests."""
        if self.total_timeout is not None:
            return float(self.total_timeout)
        return (self.timeout + 1.0) * max(n_tests, 1) + 5.0

    def rlimits(self, cpu_seconds: float) -> dict[str, int]:
        """The ``setrlimit`` values for a child allowed ``cpu_seconds`` of CPU time."""
        return {
            "RLIMIT_CPU": max(1, int(cpu_seconds + 0.999)),
            "RLIMIT_AS": int(self.memory_mb) * MB,
            "RLIMIT_FSIZE": int(self.max_file_mb) * MB,
            "RLIMIT_NPROC": int(self.max_processes),
            "RLIMIT_NOFILE": int(self.max_open_files),
            "RLIMIT_CORE": 0,
        }


def minimal_env(workdir: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The child's whole environment: nothing is inherited from the parent (no tokens, no proxies)."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": workdir,
        "TMPDIR": workdir,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    env.update(extra or {})
    return env


def interpreter_paths(python: str | None = None) -> list[str]:
    """Directories the child interpreter must be able to read (prefixes, stdlib, site-packages).

    For another interpreter (``python``), its own prefixes and ``sys.path`` are asked once (and cached).
    """
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    # compared unresolved: a venv's python is a symlink to its base interpreter, but has its own prefix
    if python is None or os.path.abspath(python) == os.path.abspath(sys.executable):
        paths.update(p for p in sys.path if p and os.path.isdir(p) and "site-packages" in p)
        paths.add(os.path.dirname(os.path.realpath(sys.executable)))
    else:
        paths.update(_foreign_paths(os.path.abspath(python)))
    return sorted(paths)


@functools.lru_cache(maxsize=16)
def _foreign_paths(python: str) -> tuple[str, ...]:
    real = os.path.realpath(python)
    guess = {
        os.path.dirname(real),
        os.path.dirname(os.path.dirname(real)),
        os.path.dirname(os.path.dirname(python)),
    }
    probe = (
        "import sys, os\n"
        "print('\\0'.join([sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, "
        "os.path.dirname(os.path.realpath(sys.executable)), "
        "*[p for p in sys.path if p and 'site-packages' in p or 'dist-packages' in p]]))\n"
    )
    try:
        done = subprocess.run(
            [python, "-I", "-c", probe], capture_output=True, text=True, timeout=30, env={}, check=False
        )
        if done.returncode == 0:
            guess.update(p for p in done.stdout.strip().split("\0") if p and os.path.isabs(p))
    except (OSError, subprocess.SubprocessError):
        pass
    return tuple(sorted(p for p in guess if p != os.sep))


def site_packages() -> list[str]:
    """This interpreter's site-packages directories (added back to ``sys.path`` of a child started ``-S``)."""
    return [p for p in sys.path if p and os.path.basename(p) in ("site-packages", "dist-packages")]


# ----------------------------------------------------------------------------------------------- sandbox uids
def _uid_range() -> tuple[int, int]:
    """``(first, count)`` of the uids this process may switch to, in the upper half of the mapped range."""
    best = (0, 65536)
    try:
        with open("/proc/self/uid_map") as fh:
            ranges = [tuple(int(x) for x in line.split()) for line in fh if line.strip()]
        if ranges:
            inside, _, count = max(ranges, key=lambda r: r[2])
            best = (inside, count)
    except OSError:
        pass
    inside, count = best
    offset = min(count // 2, 1 << 30)
    span = max(min(count - offset - 2, 1 << 30), 1)
    return inside + offset, span


def uid_processes(uid: int) -> list[int]:
    """Pids of live (non-zombie) processes whose real uid is ``uid``."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as fh:
                status = fh.read(2048)
        except OSError:
            continue
        state = uid_line = None
        for line in status.split(b"\n"):
            if line.startswith(b"State:"):
                state = line.split()[1:2]
            elif line.startswith(b"Uid:"):
                uid_line = line.split()
                break
        if uid_line and int(uid_line[1]) == uid and state != [b"Z"]:
            pids.append(int(name))
    return pids


_KILL = shutil.which("kill", path="/usr/bin:/bin")


def kill_uid(uid: int, timeout: float = 5.0) -> list[int]:
    """Kill every process running as ``uid`` (repeat until none is left); return the pids still alive.

    ``kill(-1, SIGKILL)`` sent *as that uid* reaches all its processes in one kernel pass, so a fork bomb
    cannot outrun it; without ``kill(1)`` the pids are killed one by one, round after round.
    """
    if uid == 0 or uid == os.getuid():
        raise InvalidArgumentError(f"Refusing to kill all processes of uid {uid} (the parent's own uid).")
    end = time.monotonic() + timeout
    while True:
        pids = uid_processes(uid)
        if not pids or time.monotonic() > end:
            return pids
        if _KILL and os.geteuid() == 0:
            subprocess.run(
                [_KILL, "-KILL", "-1"],
                user=uid,
                group=uid,
                extra_groups=[],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env={},
                check=False,
            )
        else:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        time.sleep(0.005)


class UidPool:
    """Hands out one unused unprivileged uid per concurrently running program (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._free: list[int] = []
        self._next = 0
        self._pid = -1

    def acquire(self) -> int:
        with self._lock:
            if self._pid != os.getpid():  # after a fork, start over with this process's own block
                self._free, self._next, self._pid = [], 0, os.getpid()
            if self._free:
                return self._free.pop()
            first, span = _uid_range()
            for _ in range(4096):
                uid = first + (os.getpid() * 256 + self._next) % span
                self._next += 1
                if uid in (65534, 65535) or uid_processes(uid):
                    continue
                return uid
        raise RuntimeError("no free sandbox uid found")  # pragma: no cover

    def release(self, uid: int) -> None:
        with self._lock:
            if self._pid == os.getpid():
                self._free.append(uid)


UIDS = UidPool()
