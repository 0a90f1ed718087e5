"""Start one sandbox child, feed it, watch it, kill it: the parent side of a single child process.

:func:`run_child` makes the child's cgroup (:mod:`polards.sandbox.cgroups`), writes the config into a memfd,
starts ``python -I`` with the harness in a new session (its own process group), and then multiplexes,
without threads and without blocking:

* writing the test input to the child's stdin (then closing it),
* reading stdout and stderr (the first ``max_output_bytes`` kept, the rest drained and dropped, so a program
  printing gigabytes neither blocks nor fills the parent's memory),
* reading the harness's JSON events (``start``/``end`` per test) from a separate pipe,
* watching the clock: a test that overruns its limit by ``grace`` seconds, or the program's total budget,
  gets the whole process group killed,
* watching the cgroup's out-of-memory events (cgroup v1): the first one kills the whole program,
* noticing the child's exit through a pidfd.

The child forks the program's PID namespace init, which forks the program (see :mod:`harness`), so killing the
child kills everything: the init dies with it (parent-death signal) and the kernel kills every process of the
namespace with the init. Afterwards the parent empties and removes the cgroup; without a PID namespace it also
sweeps every process left running under the sandbox uid. Nothing of a child is left on the host's disk: the
config travels in a memfd and the work directory is a tmpfs of the child's own mount namespace (only with
``private_fs=False`` is a host temporary directory made, and removed).
"""

from __future__ import annotations

import json
import marshal
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from polards.exceptions import SandboxError
from polards.sandbox import cgroups, confine, harness
from polards.sandbox.limits import kill_uid, minimal_env, site_packages

_MODULES: dict[bool, list] = {}

#: Most bytes the parent reads from one child's event channel; a child that sends more (a flood, a line
#: without end) is killed and its running test becomes a ``runtime_error``.
MAX_EVENT_BYTES = 16 * 1024 * 1024


def _read_sources() -> list[tuple[str, str, str]]:
    out = []
    for name, module in (("_polards_sandbox_confine", confine), ("_polards_sandbox_harness", harness)):
        path = os.path.abspath(module.__file__)
        with open(path, encoding="utf-8") as fh:
            out.append((name, path, fh.read()))
    return out


# read at import: a process that later confines itself (private mounts) may no longer see its own package files
_SOURCES = _read_sources()


def _child_modules(same_interpreter: bool) -> list:
    """``(name, path, code)`` of the modules the child runs: code objects for this interpreter (compiled once
    per process), source text for another one."""
    if same_interpreter not in _MODULES:
        _MODULES[same_interpreter] = [
            (name, path, compile(source, path, "exec", dont_inherit=True) if same_interpreter else source)
            for name, path, source in _SOURCES
        ]
    return _MODULES[same_interpreter]


@dataclass
class ChildOutcome:
    """What one child did: its events, output, exit status, and whether the parent had to kill it."""

    events: list[dict] = field(default_factory=list)
    stdout: bytes = b""
    stderr: bytes = b""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    returncode: int | None = None
    killed: str | None = None  # "test_timeout", "total_timeout" or "stopped"
    duration: float = 0.0
    stray_processes: list[int] = field(default_factory=list)
    channel_error: str | None = None  # why the event channel was given up (flood), else None
    cgroup: str | None = None  # "v1" / "v2" when the child had its own cgroup
    oom: bool = False  # the kernel hit the cgroup's memory limit (the program was killed for it)
    peak_memory: int | None = None  # bytes, all the child's processes together (where the kernel tells)

    def event(self, kind: str) -> dict | None:
        for ev in self.events:
            if ev.get("ev") == kind:
                return ev
        return None


class _Sink:
    """Keeps the first ``cap`` bytes of a stream and counts the rest."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.buf = bytearray()
        self.dropped = 0

    def add(self, data: bytes) -> None:
        room = self.cap - len(self.buf)
        if room > 0:
            self.buf += data[:room]
        self.dropped += max(len(data) - max(room, 0), 0)


def _kill(proc: subprocess.Popen) -> None:
    """SIGKILL the child's whole process group, and the child itself (in case it left the group)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.kill()
    except ProcessLookupError:  # pragma: no cover - already reaped
        pass


def run_child(
    config: dict,
    *,
    stdin: bytes | None,
    test_timeout: float,
    grace: float,
    deadline: float,
    max_output_bytes: int,
    uid: int | None,
    extra_env: dict[str, str] | None = None,
    python: str | None = None,
    stop: Callable[[dict], bool] | None = None,
    memory_bytes: int | None = None,
    max_pids: int | None = None,
) -> ChildOutcome:
    """Run the harness once with ``config`` (see :mod:`polards.sandbox.harness`) and collect everything.

    Parameters
    ----------
    config
        The harness config; its ``isolation`` part gets the work dir, cgroup and parent pid filled in here.
    stdin
        Bytes for the child's stdin (closed after writing), or ``None`` for ``/dev/null``.
    test_timeout, grace
        A test (or the program's module-level code) running longer than ``test_timeout + grace`` seconds
        after its ``start`` event gets the process group killed.
    deadline
        ``time.monotonic()`` value after which the child is killed whatever it is doing.
    uid
        The sandbox uid (owner of a host work dir, target of the final sweep), or ``None``.
    stop
        Called with each event; returning True kills the child at once (``killed == "stopped"``).
    extra_env
        Variables added to the minimal environment (see :func:`polards.sandbox.limits.minimal_env`).
    memory_bytes, max_pids
        Limits of the child's cgroup (memory of all its processes together, processes and threads); ``None``
        makes no cgroup.
    """
    t0 = time.monotonic()
    iso = config["isolation"]
    workdir = None
    if not iso.get("private_fs", True):
        workdir = tempfile.mkdtemp(prefix="polards-sandbox-")
    out = ChildOutcome()
    proc = group = None
    read_fd = write_fd = config_fd = -1
    try:
        if workdir is not None:
            os.chmod(workdir, 0o700)
            if uid is not None:
                os.chown(workdir, uid, uid)
        iso["workdir"] = workdir
        iso["parent_pid"] = os.getpid()
        if memory_bytes is not None and max_pids is not None:
            group, reason = cgroups.create(memory_bytes, max_pids)
            iso["cgroup"] = group.kind if group is not None else None
            iso["cgroup_procs"] = group.procs_files if group is not None else []
            iso["cgroup_error"] = reason
            out.cgroup = iso["cgroup"]
        token = secrets.token_hex(16)  # events without it (forged by the program) are ignored
        config["token"] = token
        if not python:
            config["sys_path"] = site_packages()
        config_fd = os.memfd_create("polards-sandbox-config", os.MFD_CLOEXEC)
        with os.fdopen(os.dup(config_fd), "wb") as fh:
            fh.write(marshal.dumps({**config, "modules": _child_modules(python is None)}))
        os.lseek(config_fd, 0, os.SEEK_SET)
        read_fd, write_fd = os.pipe()
        # Our own interpreter starts without `site` (no .pth processing: ~3x faster start); the harness puts
        # site-packages back on sys.path. Another interpreter gets its normal `site`.
        flags = ["-I"] if python else ["-I", "-S"]
        argv = [python or sys.executable, *flags, "-c", harness.BOOTSTRAP, str(config_fd), str(write_fd)]
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(write_fd, config_fd),
                cwd=workdir or "/",
                env=minimal_env(workdir or "/tmp", extra_env),
                start_new_session=True,
                close_fds=True,
            )
        except OSError as exc:
            raise SandboxError(f"Could not start the sandbox interpreter {argv[0]!r}: {exc}") from exc
        for fd in (write_fd, config_fd):
            os.close(fd)
        write_fd = config_fd = -1
        oom_fd = group.oom_eventfd if group is not None else -1
        _watch(
            proc, out, read_fd, stdin, test_timeout, grace, deadline, max_output_bytes, stop, token, oom_fd
        )
    finally:
        if proc is not None:
            _kill(proc)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
                pass
            out.returncode = proc.returncode
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                if stream is not None:
                    try:
                        stream.close()
                    except OSError:
                        pass
        for fd in (read_fd, write_fd, config_fd):
            if fd >= 0:
                os.close(fd)
        if group is not None:
            out.oom = out.oom or group.oom_kills() > 0
            out.peak_memory = group.peak_bytes()
            out.stray_processes = group.remove()
        ready = out.event("ready")
        in_pid_ns = bool(
            ready and isinstance(ready.get("isolation"), dict) and ready["isolation"].get("pid_namespace")
        )
        if uid is not None and (not in_pid_ns or proc is None):
            out.stray_processes += kill_uid(uid)
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
        out.duration = time.monotonic() - t0
    return out


def _parse_event(line: bytes, token: str) -> dict | None:
    """The event in one line of the channel, or ``None`` for anything malformed or without the token.

    >>> _parse_event(b"[" * 200_000, "t") is None, _parse_event(b'{"ev": "end", "tok": "t"}', "t")
    (True, {'ev': 'end'})
    """
    try:
        event = json.loads(line)
    except (ValueError, RecursionError, MemoryError):  # UnicodeDecodeError is a ValueError
        return None
    if not isinstance(event, dict) or event.pop("tok", None) != token:
        return None
    return event


def _safe_stop(stop: Callable[[dict], bool], event: dict) -> bool:
    try:
        return bool(stop(event))
    except Exception:  # noqa: BLE001 - a malformed event must not break the run; the parent judges it later
        return False


def _watch(
    proc: subprocess.Popen,
    out: ChildOutcome,
    event_fd: int,
    stdin: bytes | None,
    test_timeout: float,
    grace: float,
    deadline: float,
    cap: int,
    stop: Callable[[dict], bool] | None = None,
    token: str = "",
    oom_fd: int = -1,
) -> None:
    sel = selectors.DefaultSelector()
    sinks = {proc.stdout.fileno(): _Sink(cap), proc.stderr.fileno(): _Sink(cap)}
    for fd in sinks:
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ, "out")
    os.set_blocking(event_fd, False)
    sel.register(event_fd, selectors.EVENT_READ, "ev")
    pending = memoryview(stdin or b"")
    if proc.stdin is not None:
        if pending:
            os.set_blocking(proc.stdin.fileno(), False)
            sel.register(proc.stdin.fileno(), selectors.EVENT_WRITE, "in")
        else:
            proc.stdin.close()
    if oom_fd >= 0:
        sel.register(oom_fd, selectors.EVENT_READ, "oom")
    pidfd = -1
    if hasattr(os, "pidfd_open"):
        try:
            pidfd = os.pidfd_open(proc.pid)
            sel.register(pidfd, selectors.EVENT_READ, "exit")
        except OSError:
            pidfd = -1
    ev_buf = bytearray()
    ev_total = 0
    test_deadline: float | None = None
    exited_at: float | None = None
    open_reads = 3
    try:
        while True:
            now = time.monotonic()
            if exited_at is None and proc.poll() is not None:
                exited_at = now
            if exited_at is not None and (open_reads == 0 or now - exited_at > 0.2):
                break  # exited, and its pipes are closed (or held open by a stray: the sweep gets it)
            if exited_at is None:
                if now >= deadline:
                    out.killed = "total_timeout"
                    _kill(proc)
                    exited_at = time.monotonic()
                    continue
                if test_deadline is not None and now >= test_deadline:
                    out.killed = "test_timeout"
                    _kill(proc)
                    exited_at = time.monotonic()
                    continue
            limits = [deadline - now] + ([test_deadline - now] if test_deadline is not None else [])
            wait = 0.05 if exited_at is not None or pidfd < 0 else max(min(limits), 0.0) + 0.001
            ready = sel.select(timeout=min(wait, 1.0))
            ready.sort(key=lambda item: item[0].data == "oom")  # drain the pipes before acting on an OOM
            for key, _ in ready:
                kind, fd = key.data, key.fd
                if kind == "exit":
                    sel.unregister(fd)
                    continue
                if kind == "oom":
                    sel.unregister(fd)
                    out.oom = True
                    if exited_at is None:
                        _kill(proc)  # the whole program goes, not just the process the kernel would pick
                        exited_at = time.monotonic()
                    continue
                if kind == "in":
                    try:
                        n = os.write(fd, pending[:65536])
                        pending = pending[n:]
                    except BlockingIOError:
                        continue
                    except OSError:  # the program closed stdin or exited
                        pending = pending[:0]
                    if not pending:
                        sel.unregister(fd)
                        proc.stdin.close()
                    continue
                try:
                    data = os.read(fd, 1 << 16)
                except BlockingIOError:
                    continue
                if not data:
                    sel.unregister(fd)
                    open_reads -= 1
                    continue
                if kind == "out":
                    sinks[fd].add(data)
                    continue
                ev_total += len(data)
                if out.channel_error is not None:
                    continue
                if ev_total > MAX_EVENT_BYTES:
                    out.channel_error = (
                        f"the program flooded the event channel (over {MAX_EVENT_BYTES} bytes)"
                    )
                    ev_buf = bytearray()
                    if exited_at is None:
                        _kill(proc)
                        exited_at = time.monotonic()
                    continue
                ev_buf += data
                while b"\n" in ev_buf:
                    line, _, rest = ev_buf.partition(b"\n")
                    ev_buf = bytearray(rest)
                    event = _parse_event(line, token)
                    if event is None:
                        continue
                    out.events.append(event)
                    kind_ev = event.get("ev")
                    if kind_ev in ("start", "loading"):
                        test_deadline = time.monotonic() + test_timeout + grace
                    elif kind_ev in ("end", "loaded", "load_error"):
                        test_deadline = None
                    if stop is not None and exited_at is None and _safe_stop(stop, event):
                        out.killed = "stopped"
                        _kill(proc)
                        exited_at = time.monotonic()
    finally:
        sel.close()
        if pidfd >= 0:
            os.close(pidfd)
        so, se = sinks[proc.stdout.fileno()], sinks[proc.stderr.fileno()]
        out.stdout, out.stdout_truncated = bytes(so.buf), so.dropped > 0
        out.stderr, out.stderr_truncated = bytes(se.buf), se.dropped > 0
