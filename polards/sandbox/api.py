"""Public entry points: :func:`run` (one program), :func:`run_many` (a batch on a worker pool) and
:func:`run_column` (a column of programs in a DataFrame or dataset).

Examples
--------
>>> from polards.sandbox import run
>>> r = run("def add(a, b):\\n    return a + b", [{"input": "1\\n2", "output": "3", "testtype": "functional"}],
...         fn_name="add", timeout=5)
>>> r.all_passed, r.statuses
(True, ['passed'])
>>> r = run("print(int(input()) * 2)", [{"input": "21", "output": "42", "testtype": "stdin"},
...                                     {"input": "1", "output": "3", "testtype": "stdin"}])
>>> r.statuses
['passed', 'failed']
>>> run("def f(:", "assert f() == 1").status
'compile_error'
"""

from __future__ import annotations

import json
import marshal
import os
import signal
import threading
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from polards.exceptions import InvalidArgumentError, IsolationError, IsolationWarning, SandboxError
from polards.sandbox import results as R
from polards.sandbox.limits import UIDS, Limits, interpreter_paths
from polards.sandbox.results import IsolationReport, ProgramResult, TestResult
from polards.sandbox.runner import ChildOutcome, run_child
from polards.sandbox.specs import (
    AssertTest,
    CallTest,
    StdioTest,
    Test,
    parse_tests,
    stdout_matches,
    values_match,
)

_warned: set[str] = set()
_warn_lock = threading.Lock()


def _warn_once(report: IsolationReport) -> None:
    key = "; ".join(report.weaker)
    with _warn_lock:
        if key in _warned:
            return
        _warned.add(key)
    warnings.warn(
        "The polards sandbox isolation is weaker than requested: "
        + "; ".join(report.weaker)
        + ". Pass strict=True to refuse to run instead.",
        IsolationWarning,
        stacklevel=4,
    )


def _clip(text: str, n: int = 200) -> str:
    return text if len(text) <= n else text[:n] + "..."


def _death(outcome: ChildOutcome, limits: Limits) -> tuple[str, str]:
    """Status and reason for a child that ended without reporting the test it was running."""
    if outcome.killed == "test_timeout":
        return R.TIMEOUT, f"killed after exceeding the time limit of {limits.timeout:g}s"
    if outcome.killed == "total_timeout":
        return R.TIMEOUT, "killed after exceeding the program's total time limit"
    rc = outcome.returncode
    err = outcome.stderr.decode("utf-8", "replace")
    if rc == -signal.SIGXCPU:
        return R.TIMEOUT, "CPU time limit exceeded"
    if "MemoryError" in err or "Cannot allocate memory" in err or "out of memory" in err.lower():
        return R.MEMORY_EXCEEDED, "out of memory"
    if rc == -signal.SIGKILL:
        return R.MEMORY_EXCEEDED, "killed by SIGKILL (out of memory?)"
    if rc is not None and rc < 0:
        try:
            name = signal.Signals(-rc).name
        except ValueError:
            name = str(-rc)
        return R.RUNTIME_ERROR, f"killed by signal {name}"
    return R.RUNTIME_ERROR, f"the process exited with code {rc} before the test finished"


class _Program:
    """Runs the tests of one program, child after child, until every test has a result."""

    def __init__(
        self,
        code: str,
        tests: list[Test],
        limits: Limits,
        *,
        network: bool,
        strict: bool,
        fail_fast: bool,
        separate_user: bool,
        private_fs: bool,
        env: dict[str, str] | None,
        python: str | None,
        force_socket_guard: bool = False,
    ) -> None:
        self.code, self.tests, self.limits = code, tests, limits
        self.network, self.strict, self.fail_fast = network, strict, fail_fast
        self.separate_user, self.private_fs = separate_user, private_fs
        self.env, self.python = env, python
        self.force_socket_guard = force_socket_guard
        self.results: list[TestResult | None] = [None] * len(tests)
        self.report: IsolationReport | None = None
        self.stdout = bytearray()
        self.stderr = bytearray()
        self.error: str | None = None

    # ------------------------------------------------------------------------------------------ helpers
    def _config(self, mode: str, start: int, tests: list[dict], uid: int | None, deadline: float) -> dict:
        lim = self.limits
        cpu = min(deadline - time.monotonic(), lim.timeout * max(len(tests), 1) + lim.timeout) + 1
        return {
            "mode": mode,
            "code": self.code,
            "tests": tests,
            "start": start,
            "timeout": lim.timeout,
            "max_output_bytes": lim.max_output_bytes,
            "rlimits": lim.rlimits(cpu_seconds=max(cpu, 1)),
            "isolation": {
                "uid": uid,
                "gid": uid,
                "separate_user": self.separate_user,
                "network": self.network,
                "private_fs": self.private_fs,
                "needed_paths": interpreter_paths(self.python),
                "scratch_mb": lim.max_file_mb,
                "strict": self.strict,
                "force_socket_guard": self.force_socket_guard,
            },
        }

    def _launch(
        self, config: dict, stdin: bytes | None, uid: int | None, deadline: float, stop=None
    ) -> ChildOutcome:
        outcome = run_child(
            config,
            stdin=stdin,
            test_timeout=self.limits.timeout,
            grace=self.limits.grace,
            deadline=deadline,
            max_output_bytes=self.limits.max_output_bytes,
            uid=uid,
            extra_env=self.env,
            python=self.python,
            stop=stop,
        )
        if outcome.stray_processes:
            raise SandboxError(
                f"Processes {outcome.stray_processes} of sandbox uid {uid} survived the kill sweep."
            )
        ready = outcome.event("ready")
        if ready is None:
            err = outcome.event("confine_error")
            reason = err["error"] if err else outcome.stderr.decode("utf-8", "replace")[-2000:]
            raise SandboxError(
                f"The sandbox child could not be set up (exit code {outcome.returncode}): {reason}"
            )
        if self.report is None:
            self.report = IsolationReport.from_dict(ready["isolation"])
            if self.report.weaker:
                if self.strict:
                    raise IsolationError(
                        "The sandbox cannot provide the requested isolation: "
                        + "; ".join(self.report.weaker)
                        + ". Refusing to run the program (strict=True)."
                    )
                _warn_once(self.report)
        return outcome

    def _keep_output(self, outcome: ChildOutcome) -> None:
        cap = self.limits.max_output_bytes
        self.stdout += outcome.stdout[: max(cap - len(self.stdout), 0)]
        self.stderr += outcome.stderr[: max(cap - len(self.stderr), 0)]

    def _set(self, i: int, result: TestResult) -> None:
        self.results[i] = result

    def _fill(self, indices: Iterable[int], status: str, error: str | None) -> None:
        for i in indices:
            if self.results[i] is None:
                self.results[i] = TestResult(i, status, 0.0, error=error)

    def _failed(self) -> bool:
        return any(r is not None and r.status != R.PASSED for r in self.results)

    # ------------------------------------------------------------------------------------------ running
    def run(self) -> ProgramResult:
        t0 = time.monotonic()
        deadline = t0 + self.limits.total_for(len(self.tests))
        want_uid = self.separate_user and os.geteuid() == 0
        uid = UIDS.acquire() if want_uid else None
        try:
            if not self.tests:
                # Still run the program once (compile + module level) so the report says something useful.
                self._run_calls([], 0, uid, deadline)
            i = 0
            while i < len(self.tests):
                if self.fail_fast and self._failed():
                    self._fill(range(i, len(self.tests)), R.SKIPPED, "skipped after an earlier failure")
                    break
                if time.monotonic() >= deadline:
                    self._fill(
                        range(i, len(self.tests)), R.TIMEOUT, "the program's total time limit was reached"
                    )
                    break
                if isinstance(self.tests[i], StdioTest):
                    self._run_stdio(i, uid, deadline)
                    i += 1
                    continue
                j = i
                while j < len(self.tests) and not isinstance(self.tests[j], StdioTest):
                    j += 1
                self._run_calls(list(range(i, j)), i, uid, deadline)
                i = j
                if self.error and self.error.startswith("compile_error"):
                    break
        finally:
            if uid is not None:
                UIDS.release(uid)
        self._fill(
            range(len(self.tests)), R.COMPILE_ERROR if self._compile_failed() else R.SKIPPED, self.error
        )
        if self.fail_fast:
            # tests that finished after the first failure (the child was faster than the kill) count as skipped
            bad = next(
                (k for k, r in enumerate(self.results) if r is not None and r.status != R.PASSED), None
            )
            if bad is not None:
                for k in range(bad + 1, len(self.results)):
                    if getattr(self.results[k], "status", None) != R.COMPILE_ERROR:
                        self.results[k] = TestResult(
                            k, R.SKIPPED, 0.0, error="skipped after an earlier failure"
                        )
        return ProgramResult(
            tests=[r for r in self.results if r is not None],
            duration=time.monotonic() - t0,
            stdout=self.stdout.decode("utf-8", "replace"),
            stderr=self.stderr.decode("utf-8", "replace"),
            isolation=self.report,
            error=self.error,
        )

    def _compile_failed(self) -> bool:
        return bool(self.error and self.error.startswith("compile_error"))

    def _payload(self, test: Test) -> dict:
        if isinstance(test, AssertTest):
            return {"kind": "assert", "code": test.code, "entry_point": test.entry_point}
        assert isinstance(test, CallTest)
        try:
            args = marshal.dumps(list(test.args))
        except ValueError as exc:
            raise InvalidArgumentError(
                f"Arguments of the call test for {test.fn_name!r} must be plain data "
                f"(None, bool, int, float, str, bytes, list, tuple, dict, set): {exc}"
            ) from exc
        return {"kind": "call", "fn_name": test.fn_name, "args": args}

    def _run_calls(self, indices: list[int], start: int, uid: int | None, deadline: float) -> None:
        """Assert/call tests ``indices`` (consecutive) in as few children as possible."""
        todo = list(indices)
        first = True
        while todo or first:
            first = False
            if time.monotonic() >= deadline:
                self._fill(todo, R.TIMEOUT, "the program's total time limit was reached")
                return
            if self.fail_fast and self._failed():
                self._fill(todo, R.SKIPPED, "skipped after an earlier failure")
                return
            config = self._config(
                "calls",
                todo[0] if todo else start,
                [self._payload(self.tests[i]) for i in todo],
                uid,
                deadline,
            )
            outcome = self._launch(
                config, None, uid, deadline, self._stop_on_failure if self.fail_fast else None
            )
            self._keep_output(outcome)
            load_error = outcome.event("load_error")
            if load_error is not None:
                status, err = load_error["status"], load_error.get("error")
                if status == R.COMPILE_ERROR:
                    self.error = f"compile_error: {err}"
                    self._fill(range(len(self.tests)), R.COMPILE_ERROR, err)
                else:
                    self.error = f"{status} while loading the program: {err}"
                    self._fill(todo, status, f"while loading the program: {err}")
                return
            if outcome.event("loaded") is None:
                status, err = _death(outcome, self.limits)
                self.error = f"{status} while loading the program: {err}"
                self._fill(todo, status, f"while loading the program: {err}")
                return
            running: int | None = None
            for ev in outcome.events:
                if ev.get("ev") == "start":
                    running = int(ev["i"])
                elif ev.get("ev") == "end":
                    i = int(ev["i"])
                    self._set(i, self._call_result(i, ev))
                    running = None
            if running is not None:
                status, err = _death(outcome, self.limits)
                self._set(running, TestResult(running, status, 0.0, error=err))
            todo = [i for i in todo if self.results[i] is None]
            if todo and outcome.killed == "stopped":
                self._fill(todo, R.SKIPPED, "skipped after an earlier failure")
                return
            if todo and running is None:
                # the child stopped between tests without reporting (e.g. a forked copy took over): give up
                status, err = _death(outcome, self.limits)
                self._fill(todo, status, err)
                return

    def _stop_on_failure(self, ev: dict) -> bool:
        return ev.get("ev") == "end" and self._call_result(int(ev["i"]), ev).status != R.PASSED

    def _call_result(self, i: int, ev: dict) -> TestResult:
        test = self.tests[i]
        status = ev.get("status", R.RUNTIME_ERROR)
        error = ev.get("error")
        if status == "returned":
            assert isinstance(test, CallTest)
            if "value" in ev:
                actual = json.loads(ev["value"])
                ok = values_match(actual, test.expected)
                shown = ev["value"]
            else:
                ok, shown = False, ev.get("repr", "?")
            status = R.PASSED if ok else R.FAILED
            error = (
                None
                if ok
                else f"expected {_clip(json.dumps(test.expected, default=repr))}, got {_clip(shown)}"
            )
        elif status == R.FAILED and not error:
            error = "AssertionError"
        if status not in R.STATUSES:
            status, error = R.RUNTIME_ERROR, f"unknown status {status!r} from the harness"
        return TestResult(
            i,
            status,
            float(ev.get("duration", 0.0)),
            stdout=ev.get("stdout", ""),
            stderr=ev.get("stderr", ""),
            error=error,
            truncated=bool(ev.get("truncated")),
        )

    def _run_stdio(self, i: int, uid: int | None, deadline: float) -> None:
        test = self.tests[i]
        assert isinstance(test, StdioTest)
        config = self._config("stdio", i, [], uid, deadline)
        outcome = self._launch(config, test.input.encode("utf-8"), uid, deadline)
        load_error = outcome.event("load_error")
        if load_error is not None:
            err = load_error.get("error")
            self.error = f"compile_error: {err}"
            self._fill(range(len(self.tests)), R.COMPILE_ERROR, err)
            return
        out = outcome.stdout.decode("utf-8", "replace")
        err_text = outcome.stderr.decode("utf-8", "replace")
        truncated = outcome.stdout_truncated or outcome.stderr_truncated
        end = outcome.event("end")
        start = outcome.event("start")
        duration = float(end["duration"]) if end else outcome.duration
        clean_exit = outcome.killed is None and outcome.returncode == 0
        if end is not None and end.get("status") != "ok":
            status, error = end["status"], end.get("error")
            if status not in R.STATUSES:
                status = R.RUNTIME_ERROR
        elif end is not None or (start is not None and clean_exit):
            # compared here, in the parent: the child never sees the expected output
            if not outcome.stdout_truncated and stdout_matches(out, test.output):
                status, error = R.PASSED, None
            else:
                status = R.FAILED
                error = f"expected {_clip(test.output.strip())!r}, got {_clip(out.strip())!r}"
                if outcome.stdout_truncated:
                    error += f" (output cut at {self.limits.max_output_bytes} bytes)"
        else:
            status, error = _death(outcome, self.limits)
        self._set(
            i, TestResult(i, status, duration, stdout=out, stderr=err_text, error=error, truncated=truncated)
        )


# ------------------------------------------------------------------------------------------------- public API
def _limits(limits: Limits | None, **given: Any) -> Limits:
    values = {k: v for k, v in given.items() if v is not None}
    if limits is None:
        return Limits(**values)
    if values:
        from dataclasses import replace

        return replace(limits, **values)
    return limits


def run(
    code: str,
    tests: Any,
    *,
    timeout: float | None = None,
    memory_mb: int | None = None,
    total_timeout: float | None = None,
    max_processes: int | None = None,
    max_file_mb: int | None = None,
    max_output_bytes: int | None = None,
    limits: Limits | None = None,
    fn_name: str | None = None,
    network: bool = False,
    strict: bool = False,
    fail_fast: bool = False,
    separate_user: bool = True,
    private_fs: bool = True,
    env: Mapping[str, str] | None = None,
    python: str | None = None,
    _force_socket_guard: bool = False,
) -> ProgramResult:
    """Run an untrusted Python program against its tests in an isolated child process.

    Parameters
    ----------
    code
        The program's source code.
    tests
        The tests, in any format :func:`polards.sandbox.specs.parse_tests` reads: the code-task ``tests`` list
        of ``{input, output, testtype, fn_name}``, a TACO/APPS ``{inputs, outputs, fn_name?}`` dict, a
        HumanEval-like ``{test, entry_point}`` dict, assert code, or test objects.
    timeout
        Seconds per test (default 6, as LiveCodeBench).
    memory_mb
        Address-space limit per process (default 1024).
    total_timeout
        Seconds for the whole program (default ``(timeout + 1) * n_tests + 5``).
    max_processes, max_file_mb, max_output_bytes
        See :class:`polards.sandbox.limits.Limits`.
    limits
        A :class:`Limits` to start from; the keyword limits above override its fields.
    fn_name
        Default function name for call-based tests (and entry point for plain assert strings).
    network
        Allow network access. By default the program gets its own empty network namespace, or, where the
        kernel refuses that, internet sockets are refused by an audit hook (with a one-time warning).
    strict
        Raise :class:`~polards.exceptions.IsolationError` instead of running when the isolation that can be
        set up is weaker than requested (no namespace, no separate uid, ...).
    fail_fast
        Stop at the first test that does not pass; later tests get status ``"skipped"``.
    separate_user
        Run the program under its own unprivileged uid (only possible when the parent is root).
    private_fs
        Give the program a read-only root, private scratch dirs and a hidden home (needs root).
    env
        Extra environment variables for the program (nothing is inherited).
    python
        Interpreter to run the program with (default: this one).

    Returns
    -------
    ProgramResult
        Per-test statuses, durations and output, plus ``all_passed``.

    Raises
    ------
    IsolationError
        With ``strict=True``, when the requested isolation cannot be set up.
    SandboxError
        When the child could not be started or confined at all.
    """
    if not isinstance(code, str):
        raise InvalidArgumentError(f"code must be a str, got {type(code).__name__}.")
    lim = _limits(
        limits,
        timeout=timeout,
        memory_mb=memory_mb,
        total_timeout=total_timeout,
        max_processes=max_processes,
        max_file_mb=max_file_mb,
        max_output_bytes=max_output_bytes,
    )
    program = _Program(
        code,
        parse_tests(tests, fn_name),
        lim,
        network=network,
        strict=strict,
        fail_fast=fail_fast,
        separate_user=separate_user,
        private_fs=private_fs,
        env=dict(env or {}),
        python=python,
        force_socket_guard=_force_socket_guard,
    )
    return program.run()


def isolation_report(**kwargs: Any) -> IsolationReport:
    """Run an empty program and return the isolation the sandbox can provide here.

    >>> isolation_report().network in {"namespace", "socket_guard"}
    True
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IsolationWarning)
        result = run("", [], **kwargs)
    assert result.isolation is not None
    return result.isolation


def _as_pair(item: Any, position: int) -> tuple[str, Any, str | None]:
    if isinstance(item, Mapping):
        if "code" not in item:
            raise InvalidArgumentError(f"Program {position} has no 'code' key (keys: {sorted(item)}).")
        return item["code"], item.get("tests"), item.get("fn_name")
    if isinstance(item, Sequence) and not isinstance(item, str) and len(item) in (2, 3):
        return item[0], item[1], item[2] if len(item) == 3 else None
    raise InvalidArgumentError(
        f"Program {position} must be a (code, tests) pair or a dict with 'code' and 'tests', "
        f"got {type(item).__name__}."
    )


def run_many(
    programs: Iterable[Any],
    *,
    workers: int | None = None,
    progress: bool | None = None,
    **kwargs: Any,
) -> list[ProgramResult]:
    """Run many programs on a bounded worker pool; results come back in input order.

    Parameters
    ----------
    programs
        ``(code, tests)`` or ``(code, tests, fn_name)`` tuples, or dicts with ``code``, ``tests`` and optionally
        ``fn_name``.
    workers
        Programs running at the same time (default: ``os.cpu_count()``).
    progress
        Show a tqdm progress bar (default: only for 64 programs or more).
    **kwargs
        Passed to :func:`run` (``timeout``, ``memory_mb``, ``strict``, ...).

    >>> [r.all_passed for r in run_many([("x = 1", "assert x == 1"), ("x = 2", "assert x == 1")], workers=2)]
    [True, False]
    """
    from polards.sandbox.pool import map_ordered

    items = [_as_pair(p, i) for i, p in enumerate(programs)]
    default_fn = kwargs.pop("fn_name", None)

    def one(item: tuple[str, Any, str | None]) -> ProgramResult:
        code, tests, fn = item
        return run(code, tests, fn_name=fn or default_fn, **kwargs)

    return map_ordered(one, items, workers=workers, progress=progress, desc="sandbox")


def _frame(data: Any):
    import polars as pl

    if isinstance(data, pl.DataFrame):
        return data
    if isinstance(data, pl.LazyFrame):
        return data.collect()
    for attr in ("to_polars", "lazy"):
        fn = getattr(data, attr, None)
        if callable(fn):
            out = fn()
            return out.collect() if isinstance(out, pl.LazyFrame) else out
    if isinstance(data, Mapping):
        return pl.DataFrame(dict(data))
    raise InvalidArgumentError(
        f"run_column needs a polars DataFrame/LazyFrame or a dataset, got {type(data).__name__}."
    )


def run_column(
    data: Any,
    code_col: Any = "code",
    tests_col: Any = "tests",
    *,
    fn_name_col: Any = None,
    entry_point_col: Any = None,
    workers: int | None = None,
    progress: bool | None = None,
    **kwargs: Any,
):
    """Run the program of every row against that row's tests; one result row per input row, in order.

    Parameters
    ----------
    data
        A ``pl.DataFrame``, ``pl.LazyFrame``, a polards/`datasets` ``Dataset`` (anything with ``to_polars()``),
        or a dict of columns.
    code_col, tests_col
        Column names or Polars expressions giving the program and its tests (e.g.
        ``pl.col("prompt") + pl.col("completion")``). Test cells may be any format :func:`run` accepts.
    fn_name_col
        Column (or expression) with a per-row function name for call-based tests.
    entry_point_col
        Column with a per-row entry point; the test cell is then assert code (HumanEval ``check``).
    workers, progress, **kwargs
        As for :func:`run_many` / :func:`run`.

    Returns
    -------
    pl.DataFrame
        Columns ``all_passed`` (bool), ``num_passed``, ``num_tests`` (int), ``status`` (the first
        non-passing status, or ``"passed"``), ``statuses`` (list of str), ``durations`` (list of float),
        ``first_error`` (str), ``duration`` (float, seconds).

    >>> import polars as pl
    >>> df = pl.DataFrame({"code": ["def f(x):\\n    return x + 1", "def f(x):\\n    return x"],
    ...                    "tests": ["assert f(1) == 2", "assert f(1) == 2"]})
    >>> run_column(df, "code", "tests", workers=2)["all_passed"].to_list()
    [True, False]
    """
    import polars as pl

    frame = _frame(data)

    def expr(col: Any, name: str) -> pl.Expr:
        return (pl.col(col) if isinstance(col, str) else col).alias(name)

    cols = [expr(code_col, "__code"), expr(tests_col, "__tests")]
    if fn_name_col is not None:
        cols.append(expr(fn_name_col, "__fn"))
    if entry_point_col is not None:
        cols.append(expr(entry_point_col, "__ep"))
    try:
        rows = frame.select(cols).to_dicts()
    except pl.exceptions.ColumnNotFoundError as exc:
        from polards.exceptions import ColumnNotFoundError

        raise ColumnNotFoundError(f"run_column: {exc}. Current columns: {frame.columns}.") from exc
    items = []
    for row in rows:
        tests = row["__tests"]
        if entry_point_col is not None and isinstance(tests, str):
            tests = AssertTest(tests, row["__ep"])
        items.append({"code": row["__code"] or "", "tests": tests, "fn_name": row.get("__fn")})
    results = run_many(items, workers=workers, progress=progress, **kwargs)
    return pl.DataFrame(
        {
            "all_passed": [r.all_passed for r in results],
            "num_passed": [r.num_passed for r in results],
            "num_tests": [len(r.tests) for r in results],
            "status": [r.status for r in results],
            "statuses": [r.statuses for r in results],
            "durations": [[t.duration for t in r.tests] for r in results],
            "first_error": [r.first_error for r in results],
            "duration": [r.duration for r in results],
        },
        schema={
            "all_passed": pl.Boolean,
            "num_passed": pl.Int32,
            "num_tests": pl.Int32,
            "status": pl.String,
            "statuses": pl.List(pl.String),
            "durations": pl.List(pl.Float64),
            "first_error": pl.String,
            "duration": pl.Float64,
        },
    )
