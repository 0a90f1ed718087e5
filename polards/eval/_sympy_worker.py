"""Sympy equivalence checks in worker processes with a hard wall-clock limit.

Sympy can hang (``simplify`` on a large expression) or eat all memory (``10**10**10**10``), and a thread cannot
be stopped, so every sympy call runs in a separate *process*:

* :class:`SympyPool` keeps ``workers`` processes alive (default 2) and reuses them for many tasks.
* Each task has a wall-clock deadline; when it passes, the worker is killed (``SIGKILL``) and replaced by a fresh
  one, and the task reports ``"timeout"``.
* Workers cap their address space with ``resource.RLIMIT_AS`` (``memory_mb``), so an explosion raises
  ``MemoryError`` inside the worker (reported as ``"error"``) instead of swapping the machine.
* Workers are plain subprocesses running this file (about 1 s to start, mostly the sympy import); a killed
  worker's replacement starts at once, in the background of the remaining tasks.

Inputs are sympy-syntax strings made by :func:`polards.eval.normalize.latex_to_sympy`. ``parse_expr`` uses
``eval``, so :func:`is_safe_expression` only lets through arithmetic, whitelisted function names and plain symbol
names (checked in the parent *and* again in the worker).

Examples
--------
>>> with SympyPool(workers=1, timeout=10) as pool:
...     [r.value for r in pool.run([[("2*sqrt(2)", "sqrt(8)")], [("x+1", "x+2")]])]
[True, False]
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as _wait
from typing import Any

__all__ = ["SympyPool", "TaskResult", "is_safe_expression"]

_FUNCS = frozenset(
    "sqrt sin cos tan cot sec csc asin acos atan sinh cosh tanh log exp Abs abs pi oo E I e i".split()
)
_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SAFE_CHARS_RE = re.compile(r"[A-Za-z0-9_+\-*/().,^ <>=!]*")
_SYMPY_NAMES: frozenset[str] | None = None


def _sympy_names() -> frozenset[str]:
    global _SYMPY_NAMES
    if _SYMPY_NAMES is None:
        import builtins

        import sympy

        # parse_expr evaluates in sympy's namespace plus the builtin functions (exec, open, __import__ ...)
        _SYMPY_NAMES = frozenset(vars(sympy)) | frozenset(vars(builtins))
    return _SYMPY_NAMES


def is_safe_expression(s: str, max_len: int = 2000, *, check_names: bool = True) -> bool:
    """True when ``s`` only holds arithmetic, whitelisted functions and plain symbol names.

    Examples
    --------
    >>> is_safe_expression("2*sqrt(x_1)+pi")
    True
    >>> is_safe_expression("__import__('os')")
    False
    >>> is_safe_expression("preview(x)")
    False
    """
    if len(s) > max_len or not _SAFE_CHARS_RE.fullmatch(s) or "__" in s:
        return False
    if not check_names:  # the character-level check only (no sympy import); workers check names too
        return True
    names = _sympy_names()
    for ident in _IDENT_RE.findall(s):
        if ident in _FUNCS:
            continue
        if ident.startswith("_") or ident in names or len(ident) > 12:
            # split_symbols turns "xy" into x*y; anything sympy knows by name could be a callable
            if not re.fullmatch(r"[A-Za-z]_[A-Za-z0-9]+", ident):
                return False
    return True


# ------------------------------------------------------------------------------------------------ worker side
def _parse(s: str) -> Any:
    import sympy
    from sympy.parsing.sympy_parser import (
        convert_xor,
        implicit_multiplication_application,
        parse_expr,
        rationalize,
        standard_transformations,
    )

    if not is_safe_expression(s):
        raise ValueError(f"unsafe or unsupported expression {s[:50]!r}")
    local = {"e": sympy.E, "i": sympy.I, "E": sympy.E, "I": sympy.I, "pi": sympy.pi, "oo": sympy.oo}
    local.update({"abs": sympy.Abs})
    # rationalize: decimals become exact rationals, so 0.1 + 0.2 == 0.3 and integers never meet a float
    transforms = standard_transformations + (implicit_multiplication_application, convert_xor, rationalize)
    return parse_expr(s, local_dict=local, transformations=transforms, evaluate=True)


def _close(x: Any, y: Any, rel_tol: float) -> bool:
    """Numeric closeness of two sympy numbers, without overflow (sympy Floats have unbounded exponents).

    Infinities and NaN are equal to nothing but themselves (``oo == oo``): ``inf <= inf`` must never make
    ``5`` equal ``\\infty`` or ``1`` equal ``10^{400}``.
    """
    import sympy

    if not (x.is_finite and y.is_finite):
        return bool(x == y) and not (x.has(sympy.nan) or x.has(sympy.zoo))
    diff = abs(sympy.N(x - y, 30))
    scale = max(sympy.Integer(1), abs(x), abs(y))
    return bool(diff <= rel_tol * scale)


def _value(e: Any) -> Any:
    """``e`` evaluated to 30 digits, or ``None`` when it is not a plain (possibly complex) number."""
    import sympy

    v = sympy.N(e, 30)
    if v.free_symbols or not v.is_number:
        return None
    if v.has(sympy.nan):
        return None
    re_, im_ = v.as_real_imag()
    if not (re_.is_number and im_.is_number):
        return None
    return v


def _equiv(a_s: str, b_s: str, rel_tol: float) -> bool:
    import sympy

    if a_s.startswith("EQ(") and b_s.startswith("EQ("):
        return _equiv_equations(_parse(a_s[2:]), _parse(b_s[2:]))
    a, b = _parse(a_s), _parse(b_s)
    if a == b:
        return True
    if isinstance(a, sympy.core.relational.Relational) or isinstance(b, sympy.core.relational.Relational):
        if type(a) is not type(b):
            return False
        return bool(sympy.simplify((a.lhs - a.rhs) - (b.lhs - b.rhs)) == 0)
    if not (isinstance(a, sympy.Expr) and isinstance(b, sympy.Expr)):
        return False
    if a.has(sympy.oo, -sympy.oo, sympy.zoo, sympy.nan) or b.has(sympy.oo, -sympy.oo, sympy.zoo, sympy.nan):
        return False  # infinities are settled before sympy; anything else holding one is not a number
    d = a - b
    if d == 0:
        return True
    if d.is_Rational:  # exact numbers that differ: never "close enough"
        return False
    syms = sorted(d.free_symbols, key=str)
    if not syms:
        va, vb = _value(a), _value(b)
        if va is None or vb is None:  # symbols cancelled out of the difference: compare the difference with 0
            vd = _value(d)
            return vd is not None and bool(abs(vd) <= rel_tol)
        if a.is_Rational and b.is_Rational:
            return False
        return _close(va, vb, rel_tol)
    # random-point test: a difference at any point proves inequality; agreement at all points is accepted
    rng = random.Random(0)
    agree = 0
    for _ in range(4):
        point = {s: sympy.Rational(rng.randint(11, 97), rng.randint(7, 19)) for s in syms}
        try:
            ea, eb = a.subs(point), b.subs(point)
            if ea.is_Rational and eb.is_Rational:  # exact values at a rational point: compare exactly
                if ea != eb:
                    return False
                agree += 1
                continue
            va, vb = _value(ea), _value(eb)
        except (TypeError, ValueError, ZeroDivisionError):
            continue
        if va is None or vb is None or not (va.is_finite and vb.is_finite):
            continue
        if not _close(va, vb, rel_tol):
            return False
        agree += 1
    if agree >= 2:
        return True
    return bool(sympy.simplify(d) == 0)


def _equiv_equations(da: Any, db: Any) -> bool:
    """``lhs_a - rhs_a`` and ``lhs_b - rhs_b`` define the same equation: their ratio is a nonzero constant."""
    import sympy

    if da == db:
        return True
    if db == 0 or da == 0:
        return False
    ratio = sympy.simplify(da / db)
    return bool(ratio.is_number and ratio != 0 and ratio.is_finite)


def _run_task(op: str, payload: Any) -> Any:
    if op == "equiv":
        pairs, rel_tol = payload
        return all(_equiv(a, b, rel_tol) for a, b in pairs)
    if op == "ping":
        return os.getpid()
    if op == "sleep":  # test hook: a task that only a kill can stop
        time.sleep(payload)
        return True
    if op == "alloc":  # test hook: allocate payload megabytes
        return len(bytearray(payload * 1024 * 1024))
    raise ValueError(f"unknown op {op!r}")


def _worker_main(conns: tuple[Any, Any], memory_mb: int | None) -> None:
    conn_in, conn_out = conns
    if memory_mb:
        try:
            import resource

            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ImportError, ValueError, OSError):  # pragma: no cover - platform without RLIMIT_AS
            pass
    try:  # warm the imports and caches that the first real task would otherwise pay for
        _equiv("x**(2)+2x+1", "(x+1)**(2)", 1e-9)
    except Exception:  # pragma: no cover
        pass

    conn_out.send(("ready", os.getpid()))

    while True:
        try:
            msg = conn_in.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        tid, op, payload = msg
        try:
            result = ("ok", _run_task(op, payload))
        except MemoryError:
            result = ("error", "MemoryError")
        except RecursionError:
            result = ("error", "RecursionError")
        except Exception as exc:  # any parse/sympy failure grades as not-equal
            result = ("error", f"{type(exc).__name__}: {str(exc)[:200]}")
        try:
            conn_out.send((tid, *result))
        except (MemoryError, OSError, EOFError):
            return


# ------------------------------------------------------------------------------------------------ parent side
@dataclass(frozen=True)
class TaskResult:
    """Outcome of one task: ``status`` is ``"ok"``, ``"timeout"`` or ``"error"``; ``value`` the result or message."""

    status: str
    value: Any
    seconds: float


class _Worker:
    """One worker: ``python _sympy_worker.py <rfd> <wfd> <memory_mb>`` talking over two pipes.

    A plain subprocess (not ``multiprocessing``) so the caller's ``__main__`` is never re-imported and no
    ``if __name__ == "__main__"`` guard is needed, and so a worker never inherits Polars' thread pool by fork.
    """

    def __init__(self, memory_mb: int | None) -> None:
        to_child_r, to_child_w = os.pipe()
        to_parent_r, to_parent_w = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, __file__, str(to_child_r), str(to_parent_w), str(memory_mb or 0)],
                pass_fds=(to_child_r, to_parent_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )
        finally:
            os.close(to_child_r)
            os.close(to_parent_w)
        self.send_conn = Connection(to_child_w, readable=False)
        self.conn = Connection(to_parent_r, writable=False)
        self.ready = False

    def wait_ready(self, timeout: float = 60.0) -> bool:
        """Block until the worker has imported sympy (task deadlines start after this)."""
        if not self.ready:
            try:
                if self.conn.poll(timeout):
                    self.ready = self.conn.recv()[0] == "ready"
            except (EOFError, OSError):
                self.ready = False
        return self.ready

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        try:
            self.proc.kill()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):  # pragma: no cover
            pass
        self.send_conn.close()
        self.conn.close()

    def stop(self) -> None:
        try:
            self.send_conn.send(None)
            self.proc.wait(timeout=1)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()


class SympyPool:
    """A bounded pool of sympy worker processes with per-task wall-clock kill.

    Parameters
    ----------
    workers
        Number of worker processes (at most this many tasks run at once).
    timeout
        Wall-clock seconds per task; a worker still busy at the deadline is killed and replaced.
    memory_mb
        Address-space limit of each worker (``RLIMIT_AS``); ``None`` for no limit.

    Attributes
    ----------
    started, killed, tasks, timeouts, errors : int
        Counters over the pool's life.
    """

    def __init__(self, workers: int = 2, timeout: float = 2.0, memory_mb: int | None = 1536) -> None:
        if workers < 1:
            from polards.exceptions import InvalidArgumentError

            raise InvalidArgumentError(f"workers must be >= 1, got {workers}")
        self.n_workers = workers
        self.timeout = float(timeout)
        self.memory_mb = memory_mb
        self._workers: list[_Worker | None] = [None] * workers
        self._lock = threading.Lock()
        self._tid = 0
        self.started = self.killed = self.tasks = self.timeouts = self.errors = 0

    # -- lifecycle
    def _ensure(self, k: int) -> _Worker:
        w = self._workers[k]
        if w is None or not w.alive():
            if w is not None:
                w.kill()
            w = _Worker(self.memory_mb)
            self._workers[k] = w
            self.started += 1
        return w

    def _replace(self, k: int) -> None:
        w = self._workers[k]
        if w is not None:
            w.kill()
            self.killed += 1
        self._workers[k] = None
        self._ensure(k)

    def pids(self) -> list[int]:
        """Process ids of the live workers (starting them if needed)."""
        with self._lock:
            return [self._ensure(k).pid for k in range(self.n_workers)]

    def close(self) -> None:
        """Stop all workers."""
        with self._lock:
            for k, w in enumerate(self._workers):
                if w is not None:
                    w.stop()
                self._workers[k] = None

    def __enter__(self) -> SympyPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - best effort
        try:
            self.close()
        except Exception:
            pass

    # -- running
    def run(
        self, payloads: list[Any], *, op: str = "equiv", rel_tol: float = 1e-9, timeout: float | None = None
    ) -> list[TaskResult]:
        """Run one task per payload; results come back in input order.

        For ``op="equiv"`` a payload is a list of ``(a, b)`` sympy-syntax pairs, true when all pairs are equal.
        """
        limit = self.timeout if timeout is None else float(timeout)
        results: list[TaskResult | None] = [None] * len(payloads)
        pending = deque(range(len(payloads)))
        busy: dict[int, tuple[int, float, float, int]] = {}  # worker -> (task index, start, deadline, tid)
        startup_failures = 0
        with self._lock:
            while pending or busy:
                for k in range(self.n_workers):
                    if k not in busy and pending:
                        self._ensure(k)  # start every needed worker before waiting for any
                for k in range(self.n_workers):
                    if k in busy or not pending:
                        continue
                    w = self._ensure(k)
                    if not w.wait_ready():
                        self._replace(k)
                        startup_failures += 1
                        if startup_failures > 3:  # workers cannot start at all: fail the rest, never spin
                            while pending:
                                results[pending.popleft()] = TaskResult(
                                    "error", "worker failed to start", 0.0
                                )
                                self.errors += 1
                        continue
                    i = pending.popleft()
                    self._tid += 1
                    body = (payloads[i], rel_tol) if op == "equiv" else payloads[i]
                    now = time.monotonic()
                    try:
                        w.send_conn.send((self._tid, op, body))
                    except (OSError, BrokenPipeError):
                        self._replace(k)
                        pending.appendleft(i)
                        continue
                    busy[k] = (i, now, now + limit, self._tid)
                    self.tasks += 1
                if not busy:
                    continue
                conns = {self._workers[k].conn: k for k in busy}  # type: ignore[union-attr]
                next_deadline = min(d for _, _, d, _ in busy.values())
                ready = _wait(list(conns), timeout=max(0.0, next_deadline - time.monotonic()))
                for c in ready:
                    k = conns[c]  # type: ignore[index]
                    i, start, _, tid = busy.pop(k)
                    try:
                        got_tid, status, value = c.recv()  # type: ignore[union-attr]
                        if got_tid != tid:
                            raise EOFError("out-of-order reply")
                    except (EOFError, OSError):
                        status, value = "error", "worker died"
                        self._replace(k)
                    if status == "error":
                        self.errors += 1
                    results[i] = TaskResult(status, value, time.monotonic() - start)
                now = time.monotonic()
                for k, (i, start, deadline, _) in list(busy.items()):
                    if now >= deadline:
                        busy.pop(k)
                        self._replace(k)
                        self.timeouts += 1
                        results[i] = TaskResult("timeout", None, now - start)
        return results  # type: ignore[return-value]


if __name__ == "__main__":
    sys.path.pop(0)  # this folder holds modules that must not shadow anything
    _worker_main(
        (Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False)),
        int(sys.argv[3]) or None,
    )
