"""The code that runs inside the sandbox child: confinement, then the tests of one program.

The parent starts ``python -I -S -c BOOTSTRAP CONFIG_FD EVENT_FD``. ``CONFIG_FD`` is a memfd holding, in
``marshal`` format, the code objects of :mod:`confine` and of this module (compiled once in the parent, so the
child neither imports ``polards`` nor compiles anything) and the run's config. The bootstrap executes the two
modules and calls :func:`main`, which

1. removes the bootstrap's names from ``__main__`` (nothing of the config stays reachable there; expected
   outputs are never sent anyway),
2. confines the process (:func:`confine_self`): the process the parent started becomes a *relay* that waits
   outside; its child, the *init* of a new PID namespace, enters new mount/network/IPC namespaces, joins the
   program's cgroup, builds the allowlist root and forks the *program*, which sets rlimits, drops to the
   unprivileged uid, locks down and reports what it achieved (``{"ev": "ready", "isolation": ...}``); with
   ``strict`` it stops here if anything is weaker than requested. The init reaps, and when the program ends
   it exits, so the kernel kills whatever the program left; the relay then ends the way the program ended
   (exit code or signal), so the parent sees the program's status. Relay and init die with their parent
   (``PR_SET_PDEATHSIG``), so a SIGKILLed grader takes everything with it;
3. compiles and runs the program, then the tests, writing one JSON line per event to ``EVENT_FD``:
   ``start`` / ``end`` per test. Call tests (and the calls an assert check was converted into) send back the
   returned values as JSON text; the parent decodes and compares them. Only an assert check the parent could
   not convert runs here (its verdict is reported ``forgeable``).

Two modes:

* ``"calls"`` - assert and call tests run one after another in this process (each under a ``SIGALRM``
  timeout, stdout/stderr captured per test and capped);
* ``"stdio"`` - one stdin/stdout test: the program runs as ``__main__`` on the real stdin/stdout pipes; the
  parent compares the output.

Only the original process writes events: forked children of the program that fall back into this code
exit silently.
"""

from __future__ import annotations

import _signal as signal  # the C module: `signal` would import enum (~10 ms per child)
import builtins
import io
import marshal
import os
import sys
import time
from _json import encode_basestring_ascii as _json_str  # `json` would import re (~15 ms per child)

confine = sys.modules.get("_polards_sandbox_confine")
if confine is None:  # imported in the parent (tests, docs)
    from polards.sandbox import confine

MAIN_PID = os.getpid()
_EVENT_FD = -1
_TOKEN = ""
_DEFAULT_RECURSION = sys.getrecursionlimit()


class _TestTimeout(BaseException):
    """Raised by the SIGALRM handler when a test runs past its time limit."""


def _emit(event: dict) -> None:
    if os.getpid() != MAIN_PID or _EVENT_FD < 0:
        return
    event["tok"] = _TOKEN
    try:
        text = dumps(event)
    except (TypeError, ValueError, RecursionError):  # pragma: no cover - events are built from plain data
        text = dumps({"ev": event.get("ev"), "i": event.get("i"), "status": "runtime_error", "tok": _TOKEN})
    data = (text + "\n").encode()
    while data:
        try:
            n = os.write(_EVENT_FD, data)
        except InterruptedError:
            continue
        except OSError:
            return
        data = data[n:]


_INF = float("inf")


def _json_key(k) -> str:
    if isinstance(k, str):
        return k
    if k is True or k is False or k is None:
        return {True: "true", False: "false", None: "null"}[k]
    if isinstance(k, int | float):
        return _json_number(k)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(k).__name__}")


def _json_number(x) -> str:
    if isinstance(x, int):
        return int.__repr__(x)
    if x != x:
        return "NaN"
    if x in (_INF, -_INF):
        return "Infinity" if x > 0 else "-Infinity"
    return float.__repr__(x)


def dumps(obj, _depth: int = 0) -> str:
    """``json.dumps`` for plain data, without importing ``json``; numpy-like scalars/arrays become numbers/lists.

    >>> dumps({"a": [1, 2.5, None, True, "x\\n"], 3: (float("nan"),)})
    '{"a":[1,2.5,null,true,"x\\\\n"],"3":[NaN]}'
    """
    if _depth > 500:
        raise ValueError("value nested too deeply")
    if obj is None:
        return "null"
    if obj is True:
        return "true"
    if obj is False:
        return "false"
    if isinstance(obj, str):
        return _json_str(obj)
    if isinstance(obj, int | float):
        return _json_number(obj)
    if isinstance(obj, list | tuple):
        return "[" + ",".join([dumps(x, _depth + 1) for x in obj]) + "]"
    if isinstance(obj, dict):
        items = [_json_str(_json_key(k)) + ":" + dumps(v, _depth + 1) for k, v in obj.items()]
        return "{" + ",".join(items) + "}"
    if hasattr(obj, "tolist"):  # numpy arrays and scalars
        return dumps(obj.tolist(), _depth + 1)
    if hasattr(obj, "__index__"):
        return int.__repr__(obj.__index__())
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def _exit(code: int = 0) -> None:
    os._exit(code)


class _Capped(io.TextIOBase):
    """A text sink that keeps the first ``cap`` characters and counts the rest."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.parts: list[str] = []
        self.size = 0
        self.truncated = False
        self.buffer = _BytesTo(self)

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        s = str(s)
        room = self.cap - self.size
        if room > 0:
            self.parts.append(s[:room])
            self.size += min(len(s), room)
        if len(s) > max(room, 0):
            self.truncated = True
        return len(s)

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def getvalue(self) -> str:
        return "".join(self.parts)


class _BytesTo(io.RawIOBase):
    """``sys.stdout.buffer`` of a :class:`_Capped`: bytes are decoded into it."""

    def __init__(self, text: _Capped) -> None:
        self.text = text

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.text.write(bytes(b).decode("utf-8", "replace"))
        return len(b)


def _describe(exc: BaseException, limit: int = 2000) -> str:
    if isinstance(exc, _TestTimeout):
        return "time limit exceeded"
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, SyntaxError) and exc.lineno:
        text = f"{type(exc).__name__}: {exc.msg} (line {exc.lineno})"
    return text[:limit]


def _classify(exc: BaseException) -> str:
    if isinstance(exc, _TestTimeout):
        return "timeout"
    if isinstance(exc, MemoryError):
        return "memory_exceeded"
    if isinstance(exc, AssertionError):
        return "failed"
    return "runtime_error"


def _on_alarm(signum, frame):  # noqa: ARG001
    raise _TestTimeout("time limit exceeded")


def _alarm(seconds: float) -> None:
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.0))


# ------------------------------------------------------------------------------------------------- confinement
def _count_uid_processes(uid: int) -> int:
    n = 0
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                n += os.stat(f"/proc/{name}").st_uid == uid
            except OSError:
                pass
    return n


def _close_quietly(*fds: int) -> None:
    for fd in fds:
        if fd is not None and fd >= 0:
            try:
                os.close(fd)
            except OSError:
                pass


def _mirror(status: int) -> None:
    """End this process the way a child with wait status ``status`` ended (exit code, or the same signal)."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # SIGXCPU/SIGSEGV would dump core
            signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)
        except (OSError, ValueError):
            pass
        _exit(128 + sig)
    _exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def _wait_for(pid: int) -> int:
    while True:
        try:
            return os.waitpid(pid, 0)[1]
        except InterruptedError:  # pragma: no cover - PEP 475 retries
            continue
        except ChildProcessError:
            return 0


def _relay(init_pid: int, status_r: int, workdir: str | None) -> None:
    """The process the parent started, after the fork: wait for the init, then end as the program ended.

    It stays outside the program's PID namespace, as root, holding nothing the program could use: its pipes to
    the parent are closed (the program has its own copies) and it never reads what the program writes.
    """
    global _EVENT_FD
    _close_quietly(0, 1, _EVENT_FD)
    _EVENT_FD = -1
    status = _wait_for(init_pid)
    program_status = None
    try:
        data = os.read(status_r, 64)
        if data.strip():
            program_status = int(data)
    except (OSError, ValueError):
        pass
    if workdir and os.path.lexists(workdir):  # a host work dir (no mount namespace): remove it now
        _remove_tree(workdir)
    _mirror(status if program_status is None else program_status)


def _remove_tree(path: str) -> None:
    """``shutil.rmtree(path, ignore_errors=True)`` without importing ``shutil`` (~5 ms per child)."""
    try:
        entries = list(os.scandir(path))
    except NotADirectoryError:
        entries = None
    except OSError:
        return
    if entries is None:
        try:
            os.unlink(path)
        except OSError:
            pass
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            _remove_tree(entry.path)
        else:
            try:
                os.unlink(entry.path)
            except OSError:
                pass
    try:
        os.rmdir(path)
    except OSError:
        pass


def _init(program_pid: int, status_w: int) -> None:
    """The PID namespace init, after forking the program: reap every child; when the program itself ends,
    hand its wait status to the relay and exit, which makes the kernel kill whatever the program left."""
    global _EVENT_FD
    _close_quietly(0, 1, _EVENT_FD)
    _EVENT_FD = -1
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except InterruptedError:  # pragma: no cover
            continue
        except ChildProcessError:
            _exit(0)
        if pid == program_pid:
            try:
                os.write(status_w, str(status).encode())
            except OSError:
                pass
            _exit(0)


def confine_self(cfg: dict) -> dict:
    """Apply the isolation asked for in ``cfg``; return the isolation report (see ``IsolationReport``).

    Forks twice: the process the parent started becomes a relay (:func:`_relay`), its child the init of the
    program's PID namespace (:func:`_init`), and only the grandchild - the program - returns from here.
    """
    global MAIN_PID
    iso = cfg["isolation"]
    report: dict = {
        "separate_user": False,
        "network": "allowed",
        "filesystem": "shared",
        "rlimits": [],
        "pid_namespace": False,
        "cgroup": None,
    }
    weaker: list[str] = []
    is_root = os.geteuid() == 0
    want_user = bool(iso.get("separate_user"))
    want_net_ns = not iso["network"]
    want_mounts = bool(iso.get("private_fs", True))
    workdir = iso.get("workdir")
    # --- relay: dies with the grader; the next fork starts a new PID namespace
    confine.set_parent_death_signal(iso.get("parent_pid"))
    pid_error, in_userns = confine.unshare_pid_namespace()
    host_workdir = None
    if workdir is None and not want_mounts:  # pragma: no cover - the parent makes one in that case
        raise OSError("no work directory given")
    lifeline_r, lifeline_w = os.pipe()
    status_r, status_w = os.pipe()
    relay_pid = os.getpid()
    pid = os.fork()
    if pid:
        _close_quietly(lifeline_r, status_w)
        fallback = f"/tmp/polards-sandbox-{relay_pid}" if workdir is None else None
        _relay(pid, status_r, fallback)
    # --- init: pid 1 of the new PID namespace (when it could be made)
    MAIN_PID = os.getpid()
    _close_quietly(lifeline_w, status_r)
    confine.set_parent_death_signal(None)
    os.set_blocking(lifeline_r, False)
    try:
        os.read(lifeline_r, 1)
        _exit(5)  # end of file: the relay died before the death signal was armed
    except BlockingIOError:
        pass
    report["pid_namespace"] = pid_error is None
    if pid_error is not None:
        weaker.append(
            f"processes: no PID namespace ({pid_error}); the program sees the host's processes and what it "
            "leaves behind is only swept by uid"
        )
    ns = confine.unshare_namespaces(mount=want_mounts, network=want_net_ns, in_userns=in_userns)
    if iso.get("cgroup"):
        problems = confine.join_cgroups(iso.get("cgroup_procs", []))
        if problems:
            weaker.append(f"memory: could not join the program's cgroup ({'; '.join(problems)})")
        else:
            report["cgroup"] = iso["cgroup"]
    else:
        weaker.append(
            f"memory: no usable cgroup ({iso.get('cgroup_error') or 'not requested'}); memory is limited per "
            "process (RLIMIT_AS), not across child processes, memfd or shared memory, and processes per uid"
        )
    needed = iso.get("needed_paths", [])
    if want_mounts and ns["mount"] is None:
        try:
            workdir = confine.allowlist_root(
                needed,
                disk_mb=int(iso.get("disk_mb", iso["scratch_mb"])),
                max_files=int(iso.get("max_files", 4096)),
                uid=iso.get("uid") if is_root and want_user else os.getuid(),
                gid=iso.get("gid") if is_root and want_user else os.getgid(),
            )
            report["filesystem"] = "allowlist"
        except OSError as exc:
            weaker.append(f"filesystem: no allowlist root ({exc}); the host file system is visible read-only")
            try:
                problems = confine.private_mounts(workdir, needed, iso["scratch_mb"])
                workdir = workdir or "/tmp"
            except OSError as exc2:
                problems = [str(exc2)]
            if problems:
                weaker.append(f"filesystem: private mounts incomplete ({'; '.join(problems)})")
            else:
                report["filesystem"] = "private"
    elif want_mounts:
        weaker.append(
            f"filesystem: no private mount namespace ({ns['mount']}); /tmp and readable files are shared"
        )
    if workdir is None:  # no mount namespace: a fresh host directory, removed by the relay
        host_workdir = f"/tmp/polards-sandbox-{relay_pid}"
        os.mkdir(host_workdir, 0o700)
        if is_root and want_user and iso.get("uid") is not None:
            os.chown(host_workdir, int(iso["uid"]), int(iso["gid"]))
        workdir = host_workdir
    # --- fork the program; this process stays behind as its init
    pid = os.fork()
    if pid:
        _close_quietly(lifeline_r)
        _init(pid, status_w)
    MAIN_PID = os.getpid()
    _close_quietly(lifeline_r, status_w)
    os.setsid()  # the program's own session and process group (a killpg(0) stays inside)
    os.chdir(workdir)
    os.environ["HOME"] = os.environ["TMPDIR"] = workdir
    limits = dict(cfg["rlimits"])
    can_switch = is_root and want_user and iso.get("uid") is not None
    if can_switch and report["filesystem"] not in ("private", "allowlist"):
        blocked = [p for p in needed if confine._blocked_ancestor(p)]
        if blocked:
            can_switch = False
            weaker.append(
                f"user: the interpreter under {blocked[0]!r} is unreachable for an unprivileged uid without a "
                "mount namespace; the program runs with the parent's uid"
            )
    if "RLIMIT_NPROC" in limits and not can_switch:
        # NPROC counts every process of the real uid; leave room for the ones that already exist.
        limits["RLIMIT_NPROC"] = _count_uid_processes(os.getuid()) + int(limits["RLIMIT_NPROC"])
        if os.getuid() == 0:
            weaker.append("processes: RLIMIT_NPROC is not enforced for root")
    confine.apply_rlimits(limits)
    report["rlimits"] = [k for k in confine.rlimit_names() if k in limits]
    if can_switch:
        confine.drop_privileges(int(iso["uid"]), int(iso["gid"]))
        report["separate_user"] = True
    elif want_user and not is_root:
        weaker.append("user: not running as root, so the program keeps the parent's uid (it could signal it)")
    report["uid"] = os.getuid()
    try:
        confine.lock_down()
    except OSError as exc:
        weaker.append(f"lock-down: {exc}")
    if want_net_ns:
        if ns["network"] is None and not iso.get("force_socket_guard"):
            report["network"] = "namespace"
        else:
            confine.install_socket_guard()
            report["network"] = "socket_guard"
            reason = ns["network"] if ns["network"] is not None else "socket guard forced"
            weaker.append(f"network: no network namespace ({reason}); internet sockets are refused instead")
    report["weaker"] = weaker
    return report


# ----------------------------------------------------------------------------------------------------- running
# Bound now, before any program runs: a program that swaps ``builtins.exec`` or ``builtins.callable`` must not
# be able to turn the test code into a no-op.
_exec, _callable, _builtin_compile = exec, callable, compile


def _compile(code: str, name: str):
    return _builtin_compile(code, name, "exec", dont_inherit=True)


def _resolve(ns: dict, fn_name: str):
    sol = ns.get("Solution")
    if isinstance(sol, type) and hasattr(sol, fn_name):
        return getattr(sol(), fn_name)
    if fn_name in ns:
        return ns[fn_name]
    raise NameError(f"function {fn_name!r} is not defined by the program")


def _value_payload(value) -> dict:
    try:
        return {"value": dumps(value)}
    except Exception:  # noqa: BLE001 - hostile __repr__/tolist included
        try:
            return {"repr": repr(value)[:2000]}
        except Exception:  # noqa: BLE001
            return {"repr": f"<unprintable {type(value).__name__}>"}


def _run_one(test: dict, ns: dict, timeout: float, cap: int) -> dict:
    out, err = _Capped(cap), _Capped(cap)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    result: dict = {}
    t0 = time.perf_counter()
    _alarm(timeout)
    try:
        if test["kind"] == "assert":
            _exec(_compile(test["code"], "<test>"), ns)
            ep = test.get("entry_point")
            if ep:
                if ep not in ns:
                    raise NameError(f"entry point {ep!r} is not defined by the program")
                if _callable(ns.get("check")):
                    ns["check"](ns[ep])
            result["status"] = "passed"  # trusted only for checks the parent could not convert (forgeable)
        elif test["kind"] == "checks":
            # the calls an assert check boils down to; the parent holds the expected values and judges
            fn = _resolve(ns, test["fn_name"])
            values: list = []
            result["values"] = values
            for args in test["args_list"]:
                values.append(_value_payload(fn(*marshal.loads(args))))
            result["status"] = "returned"
        else:
            fn = _resolve(ns, test["fn_name"])
            value = fn(*marshal.loads(test["args"]))  # a fresh copy of the arguments for every call
            result.update(status="returned", **_value_payload(value))
    except SystemExit as exc:
        result.update(status="runtime_error", error=f"the program called exit({exc.code!r}) during the test")
    except BaseException as exc:  # noqa: BLE001 - everything the program raises is a test outcome
        result.update(status=_classify(exc), error=_describe(exc))
    finally:
        _alarm(0)
        result["duration"] = time.perf_counter() - t0
        sys.stdout, sys.stderr = saved
    if os.getpid() != MAIN_PID:
        _exit(0)
    sys.setrecursionlimit(_DEFAULT_RECURSION)
    result.update(stdout=out.getvalue(), stderr=err.getvalue(), truncated=out.truncated or err.truncated)
    return result


def run_calls(cfg: dict) -> None:
    ns = {"__name__": "solution", "__builtins__": builtins}
    timeout = float(cfg["timeout"])
    try:
        code = _compile(cfg["code"], "<solution>")
    except BaseException as exc:  # noqa: BLE001 - SyntaxError, ValueError (null bytes), MemoryError, ...
        _emit({"ev": "load_error", "status": "compile_error", "error": _describe(exc)})
        return
    _emit({"ev": "loading"})
    _alarm(timeout)
    try:
        exec(code, ns)
    except BaseException as exc:  # noqa: BLE001
        _alarm(0)
        if os.getpid() != MAIN_PID:
            _exit(0)
        if isinstance(exc, SystemExit):
            _emit(
                {
                    "ev": "load_error",
                    "status": "runtime_error",
                    "error": f"the program called exit({exc.code!r})",
                }
            )
        else:
            _emit({"ev": "load_error", "status": _classify(exc), "error": _describe(exc)})
        return
    _alarm(0)
    if os.getpid() != MAIN_PID:
        _exit(0)
    _emit({"ev": "loaded"})
    for k, test in enumerate(cfg["tests"]):
        i = test.get("i", cfg["start"] + k)
        _emit({"ev": "start", "i": i})
        try:
            result = _run_one(test, ns, timeout, int(cfg["max_output_bytes"]))
        except _TestTimeout:  # the alarm fired just as the test ended, outside its try block
            _alarm(0)
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
            result = {"status": "timeout", "error": "time limit exceeded", "duration": timeout}
        _emit({"ev": "end", "i": i, **result})


def run_stdio(cfg: dict) -> None:
    i = cfg["start"]
    try:
        code = _compile(cfg["code"], "<solution>")
    except BaseException as exc:  # noqa: BLE001
        _emit({"ev": "load_error", "status": "compile_error", "error": _describe(exc)})
        return
    ns = {"__name__": "__main__", "__builtins__": builtins}
    _emit({"ev": "start", "i": i})
    status, error = "ok", None
    t0 = time.perf_counter()
    _alarm(float(cfg["timeout"]))
    try:
        exec(code, ns)
    except SystemExit as exc:
        if exc.code not in (None, 0):
            status, error = "runtime_error", f"the program called exit({exc.code!r})"
    except BaseException as exc:  # noqa: BLE001
        status, error = _classify(exc), _describe(exc)
        if status == "failed":
            status = "runtime_error"
    finally:
        _alarm(0)
    duration = time.perf_counter() - t0
    if os.getpid() != MAIN_PID:
        _exit(0)
    try:
        sys.stdout.flush()
    except BaseException as exc:  # noqa: BLE001 - e.g. the program closed stdout
        if status == "ok":
            status, error = "runtime_error", f"stdout could not be flushed: {_describe(exc)}"
    _emit({"ev": "end", "i": i, "status": status, "error": error, "duration": duration})


def main(cfg: dict, event_fd: str) -> None:
    """Entry point of the child (see the module docstring); ``cfg`` was read from the config descriptor."""
    global _EVENT_FD, _TOKEN
    main_globals = vars(sys.modules["__main__"])
    for name in ("c", "f", "marshal"):  # the bootstrap's names: nothing of the config stays reachable there
        main_globals.pop(name, None)
    _EVENT_FD = int(event_fd)
    sys.dont_write_bytecode = True
    _TOKEN = cfg.pop("token", "")
    sys.path.extend(p for p in cfg.get("sys_path", []) if p not in sys.path)
    sys.argv = ["solution.py"]
    signal.signal(signal.SIGALRM, _on_alarm)
    try:
        report = confine_self(cfg)
    except BaseException as exc:  # noqa: BLE001
        _emit({"ev": "confine_error", "error": _describe(exc)})
        _exit(4)
    _emit({"ev": "ready", "isolation": report})
    if cfg["isolation"].get("strict") and report["weaker"]:
        _emit({"ev": "refused"})
        _exit(3)
    del cfg["isolation"]
    # Out of the program's easy reach (it shares this interpreter). The program can still dig (frames, gc) and
    # forge events, but a forged event only carries data: every verdict is decided by the parent, except for
    # assert checks the parent could not convert, which are reported as forgeable.
    sys.modules.pop("_polards_sandbox_harness", None)
    sys.modules.pop("_polards_sandbox_confine", None)
    if cfg["mode"] == "stdio":
        run_stdio(cfg)
    else:
        run_calls(cfg)
    _emit({"ev": "done"})
    _exit(0)


#: ``python -I [-S] -c BOOTSTRAP CONFIG_FD EVENT_FD``: read the marshalled config from the (memfd) descriptor,
#: run the two modules' code, hand over to :func:`main`.
BOOTSTRAP = (
    "import sys, marshal\n"
    "with open(int(sys.argv[1]), 'rb') as f:\n"
    "    c = marshal.load(f)\n"
    "for n, p, code in c.pop('modules'):\n"
    "    m = type(sys)(n); m.__file__ = p; sys.modules[n] = m\n"
    "    exec(compile(code, p, 'exec') if isinstance(code, str) else code, m.__dict__)\n"
    "del f, n, p, code, m\n"
    "sys.modules['_polards_sandbox_harness'].main(c, sys.argv[2])\n"
)
