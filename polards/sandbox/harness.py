"""The code that runs inside the sandbox child: confinement, then the tests of one program.

The parent starts ``python -I -S -c BOOTSTRAP CONFIG EVENT_FD``. ``CONFIG`` is a root-only ``marshal`` file
holding the code objects of :mod:`confine` and of this module (compiled once in the parent, so the child
neither imports ``polards`` nor compiles anything) and the run's config. The bootstrap executes the two modules
and calls :func:`main`, which

1. deletes the config file (code, tests, limits; expected outputs are never sent),
2. confines the process (namespaces, private mounts, rlimits, unprivileged uid, no-new-privs, socket guard)
   and reports what it achieved (``{"ev": "ready", "isolation": ...}``); with ``strict`` it stops here if
   anything is weaker than requested,
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


def confine_self(cfg: dict) -> dict:
    """Apply the isolation asked for in ``cfg``; return the isolation report (see ``IsolationReport``)."""
    iso = cfg["isolation"]
    report: dict = {"separate_user": False, "network": "allowed", "filesystem": "shared", "rlimits": []}
    weaker: list[str] = []
    is_root = os.geteuid() == 0
    want_user = bool(iso.get("separate_user"))
    want_net_ns = not iso["network"]
    want_mounts = bool(iso.get("private_fs", True))
    ns = confine.unshare_namespaces(mount=want_mounts, network=want_net_ns)
    if want_mounts and ns["mount"] is None:
        try:
            problems = confine.private_mounts(iso["workdir"], iso.get("needed_paths", []), iso["scratch_mb"])
        except OSError as exc:
            problems = [str(exc)]
        if problems:
            weaker.append(f"filesystem: private mounts incomplete ({'; '.join(problems)})")
        else:
            report["filesystem"] = "private"
    elif want_mounts:
        weaker.append(
            f"filesystem: no private mount namespace ({ns['mount']}); /tmp and readable files are shared"
        )
    os.chdir(iso["workdir"])
    limits = dict(cfg["rlimits"])
    can_switch = is_root and want_user and iso.get("uid") is not None
    if can_switch and report["filesystem"] != "private":
        blocked = [p for p in iso.get("needed_paths", []) if confine._blocked_ancestor(p)]
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


def main(cfg: dict, config_path: str, event_fd: str) -> None:
    """Entry point of the child (see the module docstring); ``cfg`` was read from ``config_path``."""
    global _EVENT_FD, _TOKEN
    _EVENT_FD = int(event_fd)
    sys.dont_write_bytecode = True
    os.unlink(config_path)
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


BOOTSTRAP = (
    "import sys, marshal\n"
    "with open(sys.argv[1], 'rb') as f:\n"
    "    c = marshal.load(f)\n"
    "for n, p, code in c.pop('modules'):\n"
    "    m = type(sys)(n); m.__file__ = p; sys.modules[n] = m\n"
    "    exec(compile(code, p, 'exec') if isinstance(code, str) else code, m.__dict__)\n"
    "del f, n, p, code, m\n"
    "sys.modules['_polards_sandbox_harness'].main(c, sys.argv[1], sys.argv[2])\n"
)
