"""One program, all its tests: the orchestration between test specs, child processes and results.

:class:`ProgramRun` groups consecutive assert/call tests into one child (restarting a fresh child after the
test that killed the previous one), runs each stdin/stdout test in its own child, classifies children that
died without reporting (timeout, memory, signal), compares call results and stdout with the expected values
(which never leave the parent), and checks the isolation each child reports (warning once, or raising with
``strict=True``).
"""

from __future__ import annotations

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
