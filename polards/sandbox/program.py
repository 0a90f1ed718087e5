"""One program, all its tests: the orchestration between test specs, child processes and results.

:class:`ProgramRun` groups consecutive assert/call tests into one child (restarting a fresh child after the
test that killed the previous one), runs each stdin/stdout test in its own child, classifies children that
died without reporting (timeout, memory, signal), compares call results and stdout with the expected values
(which never leave the parent), and checks the isolation each child reports (warning once, or raising with
``strict=True``).
"""

from __future__ import annotations

import ast
import functools
import json
import marshal
import os
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterable

from polards.exceptions import InvalidArgumentError, IsolationError, IsolationWarning, SandboxError
from polards.sandbox import results as R
from polards.sandbox.checks import CheckPlan, decode_value, plan_checks
from polards.sandbox.limits import UIDS, Limits, interpreter_paths
from polards.sandbox.results import IsolationReport, ProgramResult, TestResult
from polards.sandbox.runner import ChildOutcome, run_child
from polards.sandbox.specs import AssertTest, CallTest, StdioTest, Test, stdout_matches, values_match

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


@functools.lru_cache(maxsize=512)
def _plan(code: str, entry_point: str | None) -> CheckPlan | None:
    if not entry_point:
        entry_point = _called_name(code)
    return plan_checks(code, entry_point)


def _called_name(code: str) -> str | None:
    """The function the first top-level ``assert`` calls (MBPP-style lines carry no entry point)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    for stmt in tree.body:
        if isinstance(stmt, ast.Assert):
            for node in ast.walk(stmt.test):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id != "abs":
                    return node.func.id
            return None
    return None


#: Statuses a child may report for a test it ran; ``passed`` is only believed for forgeable assert checks.
_CHILD_ERRORS = {R.FAILED, R.TIMEOUT, R.RUNTIME_ERROR, R.MEMORY_EXCEEDED}

REFUSED = (
    "refused (strict=True): this assert check cannot be turned into calls the sandbox judges itself, so its "
    "verdict could be forged by the program"
)


def _status(value: object, allowed: set[str]) -> str:
    return value if isinstance(value, str) and value in allowed else R.RUNTIME_ERROR


def _number(value: object) -> float:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return 0.0
    return x if x == x and abs(x) < 1e9 else 0.0


def _shown(item: object) -> str:
    if isinstance(item, dict):
        text = item.get("value", item.get("repr", "?"))
        return _clip(text if isinstance(text, str) else "?")
    return "?"


def _death(outcome: ChildOutcome, limits: Limits) -> tuple[str, str]:
    """Status and reason for a child that ended without reporting the test it was running."""
    if outcome.killed == "test_timeout":
        return R.TIMEOUT, f"killed after exceeding the time limit of {limits.timeout:g}s"
    if outcome.killed == "total_timeout":
        return R.TIMEOUT, "killed after exceeding the program's total time limit"
    if outcome.oom:
        return R.MEMORY_EXCEEDED, (
            f"the program's processes together used more than the memory limit of {limits.memory_mb} MB "
            "(its cgroup; tmpfs files, memfd and shared memory count)"
        )
    rc = outcome.returncode
    err = outcome.stderr.decode("utf-8", "replace")
    if rc == -signal.SIGXCPU:
        return R.TIMEOUT, "CPU time limit exceeded"
    if "MemoryError" in err or "Cannot allocate memory" in err or "out of memory" in err.lower():
        return R.MEMORY_EXCEEDED, "out of memory"
    if rc == -signal.SIGKILL and outcome.cgroup is None:
        return R.MEMORY_EXCEEDED, "killed by SIGKILL (out of memory?)"
    if rc is not None and rc < 0:
        try:
            name = signal.Signals(-rc).name
        except ValueError:
            name = str(-rc)
        return R.RUNTIME_ERROR, f"killed by signal {name}"
    return R.RUNTIME_ERROR, f"the process exited with code {rc} before the test finished"


class ProgramRun:
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
        # assert checks the parent can judge from returned values (None: only the child can run them)
        self.plans: dict[int, CheckPlan | None] = {
            i: _plan(t.code, t.entry_point) for i, t in enumerate(tests) if isinstance(t, AssertTest)
        }
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
                "disk_mb": lim.max_disk_mb,
                "max_files": lim.max_files,
                "strict": self.strict,
                "force_socket_guard": self.force_socket_guard,
            },
        }

    def _launch(
        self,
        config: dict,
        stdin: bytes | None,
        uid: int | None,
        deadline: float,
        stop: Callable[[dict], bool] | None = None,
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
            memory_bytes=self.limits.memory_mb * 1024 * 1024,
            max_pids=self.limits.max_processes + 1,  # + the PID namespace init
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
        if self.strict:
            for i, plan in self.plans.items():
                if plan is None:
                    self.results[i] = TestResult(i, R.RUNTIME_ERROR, 0.0, error=REFUSED, forgeable=True)
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
                todo = [k for k in range(i, j) if self.results[k] is None]
                if todo:
                    self._run_calls(todo, i, uid, deadline)
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

    def _payload(self, i: int) -> dict:
        test = self.tests[i]
        if isinstance(test, AssertTest):
            plan = self.plans.get(i)
            if plan is None:
                return {"i": i, "kind": "assert", "code": test.code, "entry_point": test.entry_point}
            # only the arguments travel: the expected values and the assert code stay here
            args_list = [marshal.dumps(list(c.args)) for c in plan.calls]
            return {"i": i, "kind": "checks", "fn_name": plan.fn_name, "args_list": args_list}
        assert isinstance(test, CallTest)
        try:
            args = marshal.dumps(list(test.args))
        except ValueError as exc:
            raise InvalidArgumentError(
                f"Arguments of the call test for {test.fn_name!r} must be plain data "
                f"(None, bool, int, float, str, bytes, list, tuple, dict, set): {exc}"
            ) from exc
        return {"i": i, "kind": "call", "fn_name": test.fn_name, "args": args}

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
                [self._payload(i) for i in todo],
                uid,
                deadline,
            )
            outcome = self._launch(
                config, None, uid, deadline, self._stop_on_failure if self.fail_fast else None
            )
            self._keep_output(outcome)
            load_error = outcome.event("load_error")
            if load_error is not None:
                status = _status(load_error.get("status"), _CHILD_ERRORS | {R.COMPILE_ERROR})
                err = R.clean_text(load_error.get("error"), R.MAX_ERROR_CHARS)
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
            mine = set(todo)
            for ev in outcome.events:
                i = ev.get("i")
                if type(i) is not int or i not in mine or self.results[i] is not None:
                    continue  # an index this child was not given (forged), or a second report
                if ev.get("ev") == "start":
                    running = i
                elif ev.get("ev") == "end":
                    self._set(i, self._call_result(i, ev))
                    running = None
            if outcome.channel_error is not None:
                # a flood: whatever the program was doing is its runtime error, and so are the tests left
                self._fill(todo, R.RUNTIME_ERROR, outcome.channel_error)
                return
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
        i = ev.get("i")
        if ev.get("ev") != "end" or type(i) is not int or not 0 <= i < len(self.tests):
            return False
        return self._call_result(i, ev).status != R.PASSED

    def _verdict(self, i: int, ev: dict) -> tuple[str, str | None, bool]:
        """``(status, error, forgeable)`` of test ``i`` from its ``end`` event, decided here.

        The child only contributes plain data (returned values as JSON text, exception text); a status it
        reports as ``passed`` is believed only for an assert check that has no plan (reported forgeable).
        """
        test = self.tests[i]
        reported = ev.get("status")
        error = ev.get("error") if isinstance(ev.get("error"), str) else None
        plan = self.plans.get(i) if isinstance(test, AssertTest) else None
        if isinstance(test, AssertTest) and plan is None:
            if reported == R.PASSED:
                return R.PASSED, None, True
            status = _status(reported, _CHILD_ERRORS)
            return status, error or ("AssertionError" if status == R.FAILED else status), True
        if isinstance(test, CallTest):
            if reported != "returned":
                return _status(reported, _CHILD_ERRORS), error or "the harness reported no value", False
            if not isinstance(ev.get("value"), str):
                return (
                    R.FAILED,
                    f"expected {_clip(json.dumps(test.expected, default=repr))}, got {_shown(ev)} (not plain JSON data)",
                    False,
                )
            ok, actual = decode_value(ev["value"])
            try:
                ok = ok and values_match(actual, test.expected)
            except (RecursionError, OverflowError, TypeError, ValueError):
                ok = False
            if ok:
                return R.PASSED, None, False
            return (
                R.FAILED,
                f"expected {_clip(json.dumps(test.expected, default=repr))}, got {_shown(ev)}",
                False,
            )
        assert plan is not None
        values = ev.get("values")
        values = values if isinstance(values, list) else []
        for item, call in zip(values, plan.calls, strict=False):
            ok, got = decode_value(item.get("value") if isinstance(item, dict) else None)
            try:
                ok = ok and bool(call.judge(got))
            except Exception:  # noqa: BLE001 - e.g. OverflowError of isclose on a huge int
                ok = False
            if not ok:
                return R.FAILED, f"AssertionError: {_clip(call.text)} (got {_shown(item)})", False
        if len(values) >= len(plan.calls) and reported == "returned":
            return R.PASSED, None, False
        if reported == "returned" or reported not in _CHILD_ERRORS:
            return R.RUNTIME_ERROR, "the harness reported fewer results than the check has calls", False
        return reported, error or reported, False

    def _call_result(self, i: int, ev: dict) -> TestResult:
        status, error, forgeable = self._verdict(i, ev)
        out, err = ev.get("stdout"), ev.get("stderr")
        return TestResult(
            i,
            status,
            _number(ev.get("duration", 0.0)),
            stdout=out if isinstance(out, str) else "",
            stderr=err if isinstance(err, str) else "",
            error=error,
            truncated=bool(ev.get("truncated")),
            forgeable=forgeable,
        )

    def _run_stdio(self, i: int, uid: int | None, deadline: float) -> None:
        test = self.tests[i]
        assert isinstance(test, StdioTest)
        config = self._config("stdio", i, [], uid, deadline)
        outcome = self._launch(config, test.input.encode("utf-8"), uid, deadline)
        load_error = outcome.event("load_error")
        if outcome.channel_error is not None:
            self._set(i, TestResult(i, R.RUNTIME_ERROR, outcome.duration, error=outcome.channel_error))
            return
        if load_error is not None:
            err = R.clean_text(load_error.get("error"), R.MAX_ERROR_CHARS)
            self.error = f"compile_error: {err}"
            self._fill(range(len(self.tests)), R.COMPILE_ERROR, err)
            return
        out = outcome.stdout.decode("utf-8", "replace")
        err_text = outcome.stderr.decode("utf-8", "replace")
        truncated = outcome.stdout_truncated or outcome.stderr_truncated
        end = outcome.event("end")
        start = outcome.event("start")
        duration = _number(end.get("duration")) if end else outcome.duration
        clean_exit = outcome.killed is None and outcome.returncode == 0
        if end is not None and end.get("status") != "ok":
            # the child may only report a problem here: a pass is decided by comparing stdout below
            status = _status(end.get("status"), _CHILD_ERRORS - {R.FAILED})
            error = end.get("error") if isinstance(end.get("error"), str) else status
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
