"""One cgroup per sandbox child: memory (all its processes together, tmpfs, memfd and shared memory included)
and process count limits the kernel enforces, and the out-of-memory events the parent classifies by.

The parent makes the cgroup before starting a child and removes it afterwards; the child's PID namespace init
joins it (as root, before anything else runs) by writing ``0`` to the listed ``cgroup.procs`` files, so every
process of the program starts inside and cannot leave.

* **cgroup v2** is used where the unified hierarchy has the ``memory`` and ``pids`` controllers for this
  process's cgroup (``memory.max``, ``memory.swap.max = 0``, ``memory.oom.group = 1`` so an OOM kills the whole
  program, ``pids.max``; ``memory.events`` counts the OOM kills);
* **cgroup v1** otherwise, where the ``memory`` and ``pids`` hierarchies are mounted and writable
  (``memory.limit_in_bytes`` and ``memory.memsw.limit_in_bytes``, ``pids.max``; an ``eventfd`` registered on
  ``memory.oom_control`` tells the parent about an OOM at once, so it kills the whole program instead of
  letting the kernel pick one process);
* neither: :func:`availability` says why, the child reports it as weaker isolation, and ``strict=True``
  refuses to run.

Cgroups are made below this process's own cgroup (``<own>/polards-sandbox/<pid>-<n>-<random>``), so they stay
inside whatever limits the grader itself runs under; the ``polards-sandbox`` directory is removed again whenever
it is empty (a leftover child cgroup would keep the grader's own cgroup from being removed). A grader killed
with ``SIGKILL`` leaves empty cgroup directories; the next grader removes those older than a minute
(:func:`sweep_stale`).

Examples
--------
>>> kind, reason = availability()
>>> kind in ("v1", "v2", None) and (kind is None) == (reason is not None)
True
>>> _parse_flat("oom_kill_disable 0\\nunder_oom 0\\noom_kill 3\\n")["oom_kill"]
3
"""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time
from dataclasses import dataclass, field

#: Name of the directory below this process's cgroup that holds the per-child cgroups.
GROUP_DIR = "polards-sandbox"

#: Seconds after which an empty per-child cgroup left by a dead grader is removed.
STALE_AFTER = 60.0

_lock = threading.Lock()
_counter = itertools.count()
_detected: dict[int, tuple[str | None, dict[str, str], str | None]] = {}


def _parse_flat(text: str) -> dict[str, int]:
    """``key value`` lines (``memory.events``, ``memory.oom_control``) as a dict of ints."""
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("-").isdigit():
            out[parts[0]] = int(parts[1])
    return out


def _read(path: str) -> str:
    with open(path) as fh:
        return fh.read()


def _write(path: str, value: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)


def _mounts() -> list[tuple[str, str, str, set[str]]]:
    """``(mount point, root, fstype, super options)`` of the cgroup mounts of this mount namespace."""
    out = []
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            left, _, right = line.partition(" - ")
            fields, rest = left.split(), right.split()
            if len(fields) < 5 or len(rest) < 3 or rest[0] not in ("cgroup", "cgroup2"):
                continue
            point = fields[4].replace("\\040", " ")
            out.append((point, fields[3], rest[0], set(rest[2].split(","))))
    return out


def _own_paths() -> dict[str, str]:
    """This process's cgroup path per v1 controller, and under ``""`` the v2 path (``/proc/self/cgroup``)."""
    out = {}
    with open("/proc/self/cgroup") as fh:
        for line in fh:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for name in controllers.split(",") if controllers else [""]:
                out[name] = path
    return out


def _below(point: str, root: str, own: str) -> str:
    """The directory of cgroup ``own`` in a hierarchy mounted at ``point`` whose mount root is ``root``."""
    rel = own[len(root) :] if root != "/" and (own == root or own.startswith(root + "/")) else own
    return os.path.join(point, rel.lstrip("/"))


def _detect() -> tuple[str | None, dict[str, str], str | None]:
    """``(kind, {controller: parent dir}, reason)`` for this process (not cached)."""
    if os.geteuid() != 0:
        return None, {}, "the grader does not run as root, so it cannot make cgroups"
    try:
        mounts, own = _mounts(), _own_paths()
    except OSError as exc:
        return None, {}, f"cannot read /proc/self/mountinfo or /proc/self/cgroup: {exc}"
    problems = []
    for point, root, fstype, _ in mounts:
        if fstype != "cgroup2" or "" not in own:
            continue
        here = _below(point, root, own[""])
        try:
            available = set(_read(os.path.join(here, "cgroup.controllers")).split())
        except OSError as exc:
            problems.append(f"cgroup v2 at {here}: {exc.strerror}")
            continue
        if not {"memory", "pids"} <= available:
            problems.append(f"cgroup v2 at {point} lacks the memory/pids controllers")
            continue
        base = os.path.join(here, GROUP_DIR)
        try:
            enabled = set(_read(os.path.join(here, "cgroup.subtree_control")).split())
            if not {"memory", "pids"} <= enabled:
                _write(os.path.join(here, "cgroup.subtree_control"), "+memory +pids")
        except OSError as exc:
            problems.append(f"cgroup v2 at {here}: cannot enable memory/pids below it ({exc.strerror})")
            continue
        return "v2", {"": base}, None
    dirs = {}
    for controller in ("memory", "pids"):
        found = [(p, r) for p, r, t, opts in mounts if t == "cgroup" and controller in opts]
        if not found or controller not in own:
            problems.append(f"no cgroup v1 {controller} hierarchy is mounted")
            continue
        point, root = found[0]
        here = _below(point, root, own[controller])
        if not os.access(here, os.W_OK) or not os.path.isfile(os.path.join(here, "cgroup.procs")):
            problems.append(f"cgroup v1 {controller} at {here} is not writable")
            continue
        dirs[controller] = os.path.join(here, GROUP_DIR)
    if len(dirs) == 2:
        return "v1", dirs, None
    return None, {}, "; ".join(problems) or "no cgroup hierarchy found"


def availability() -> tuple[str | None, str | None]:
    """``("v1" | "v2", None)`` when per-program cgroups can be made here, else ``(None, reason)`` (cached)."""
    kind, _, reason = _setup()
    return kind, reason


def _setup() -> tuple[str | None, dict[str, str], str | None]:
    pid = os.getpid()
    with _lock:
        known = _detected.get(pid)
        if known is not None and known[0] is not None and not all(map(os.path.isdir, known[1].values())):
            known = None  # our own cgroup went away (the process was moved): look again
        if known is None:
            _detected.clear()
            _detected[pid] = _detect()
            if _detected[pid][0] is not None:
                sweep_stale(_detected[pid][1].values())
        return _detected[pid]


def sweep_stale(bases, older_than: float = STALE_AFTER) -> int:
    """Remove empty per-child cgroups below ``bases`` not changed for ``older_than`` seconds; return how many.

    Only empty cgroups are touched (the kernel refuses to remove one with processes), and only old ones, so a
    cgroup another grader has just made for a child that has not joined it yet is left alone.
    """
    removed = 0
    now = time.time()
    for base in bases:
        try:
            names = os.listdir(base)
        except OSError:
            continue
        for name in names:
            path = os.path.join(base, name)
            try:
                if not os.path.isdir(path) or now - os.stat(path).st_mtime < older_than:
                    continue
                if _read(os.path.join(path, "cgroup.procs")).strip():
                    continue
                os.rmdir(path)
                removed += 1
            except OSError:
                continue
        try:
            os.rmdir(base)  # only when empty
        except OSError:
            pass
    return removed


@dataclass
class Cgroup:
    """The cgroup(s) of one sandbox child (one directory per v1 controller, one for v2)."""

    kind: str
    dirs: dict[str, str]
    oom_eventfd: int = -1
    _fds: list[int] = field(default_factory=list)

    @property
    def procs_files(self) -> list[str]:
        """The ``cgroup.procs`` files the child writes ``0`` to."""
        return [os.path.join(d, "cgroup.procs") for d in self.dirs.values()]

    def _memory_dir(self) -> str:
        return self.dirs["memory" if self.kind == "v1" else ""]

    def oom_kills(self) -> int:
        """How many processes the kernel killed for exceeding the memory limit (0 when unreadable)."""
        try:
            if self.kind == "v1":
                return _parse_flat(_read(os.path.join(self._memory_dir(), "memory.oom_control"))).get(
                    "oom_kill", 0
                )
            events = _parse_flat(_read(os.path.join(self._memory_dir(), "memory.events")))
            return max(events.get("oom_kill", 0), events.get("oom_group_kill", 0))
        except OSError:
            return 0

    def peak_bytes(self) -> int | None:
        """The most memory the child's processes used together, where the kernel reports it."""
        name = "memory.max_usage_in_bytes" if self.kind == "v1" else "memory.peak"
        try:
            return int(_read(os.path.join(self._memory_dir(), name)))
        except (OSError, ValueError):
            return None

    def pids(self) -> list[int]:
        out: set[int] = set()
        for path in self.procs_files:
            try:
                out.update(int(x) for x in _read(path).split())
            except (OSError, ValueError):
                pass
        return sorted(out)

    def kill_all(self, timeout: float = 5.0) -> list[int]:
        """SIGKILL every process left in the cgroup, until none is left; return the pids still there."""
        end = time.monotonic() + timeout
        while True:
            pids = self.pids()
            if not pids or time.monotonic() > end:
                return pids
            if self.kind == "v2":
                try:
                    _write(os.path.join(self.dirs[""], "cgroup.kill"), "1")
                except OSError:
                    pass
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.005)

    def remove(self) -> list[int]:
        """Kill what is left, close the event fds and remove the directories; return surviving pids."""
        left = self.kill_all()
        for fd in [self.oom_eventfd, *self._fds]:
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.oom_eventfd, self._fds = -1, []
        for path in self.dirs.values():
            for _ in range(200):
                try:
                    os.rmdir(path)
                    break
                except FileNotFoundError:
                    break
                except OSError:  # EBUSY while the last process is being reaped
                    time.sleep(0.005)
            # and the base once it is empty: a cgroup with a child cgroup cannot be removed, so a leftover base
            # would keep whoever made this process's cgroup from removing it
            try:
                os.rmdir(os.path.dirname(path))
            except OSError:
                pass
        return left


def _ensure_base(kind: str, base: str) -> None:
    if os.path.isdir(base):
        return
    os.makedirs(base, exist_ok=True)
    if kind == "v2":
        _write(os.path.join(base, "cgroup.subtree_control"), "+memory +pids")


def create(memory_bytes: int, max_pids: int) -> tuple[Cgroup | None, str | None]:
    """A fresh cgroup limited to ``memory_bytes`` (swap included) and ``max_pids`` processes/threads.

    Returns ``(cgroup, None)``, or ``(None, reason)`` when cgroups cannot be used here.
    """
    kind, bases, reason = _setup()
    if kind is None:
        return None, reason
    name = f"{os.getpid()}-{next(_counter)}-{os.urandom(3).hex()}"
    made: dict[str, str] = {}
    group = Cgroup(kind, made)
    try:
        for controller, base in bases.items():
            path = os.path.join(base, name)
            for attempt in range(5):  # another thread may just have removed the (then empty) base
                try:
                    _ensure_base(kind, base)
                    os.mkdir(path)
                    break
                except FileNotFoundError:
                    if attempt == 4:
                        raise
            made[controller] = path
        if kind == "v1":
            mem, pids = made["memory"], made["pids"]
            _write(os.path.join(mem, "memory.limit_in_bytes"), str(memory_bytes))
            try:
                _write(os.path.join(mem, "memory.memsw.limit_in_bytes"), str(memory_bytes))
            except OSError:  # no swap accounting: there is nothing to swap to then either
                pass
            _write(os.path.join(pids, "pids.max"), str(max_pids))
            efd = os.eventfd(0, os.EFD_CLOEXEC | os.EFD_NONBLOCK)
            group.oom_eventfd = efd
            ofd = os.open(os.path.join(mem, "memory.oom_control"), os.O_RDONLY | os.O_CLOEXEC)
            group._fds.append(ofd)
            _write(os.path.join(mem, "cgroup.event_control"), f"{efd} {ofd}")
        else:
            path = made[""]
            _write(os.path.join(path, "memory.max"), str(memory_bytes))
            for file, value in (("memory.swap.max", "0"), ("memory.oom.group", "1")):
                try:
                    _write(os.path.join(path, file), value)
                except OSError:
                    pass
            _write(os.path.join(path, "pids.max"), str(max_pids))
    except OSError as exc:
        group.remove()
        return None, f"cannot set up a cgroup below {next(iter(bases.values()))}: {exc.strerror or exc}"
    return group, None
