"""Result records of sandboxed runs: one :class:`TestResult` per test, one :class:`ProgramResult` per program.

Examples
--------
>>> r = ProgramResult(tests=[TestResult(index=0, status="passed", duration=0.01)])
>>> r.all_passed, r.num_passed, r.status
(True, 1, 'passed')
>>> r = ProgramResult(tests=[TestResult(0, "passed", 0.0), TestResult(1, "timeout", 1.0)])
>>> r.all_passed, r.status, r.statuses
(False, 'timeout', ['passed', 'timeout'])
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

PASSED = "passed"
FAILED = "failed"
TIMEOUT = "timeout"
RUNTIME_ERROR = "runtime_error"
COMPILE_ERROR = "compile_error"
MEMORY_EXCEEDED = "memory_exceeded"
SKIPPED = "skipped"

#: Longest ``error`` message kept (characters); longer ones are cut with a marker.
MAX_ERROR_CHARS = 2000

_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(value: Any, limit: int | None = None) -> str:
    """Text that is safe to show and store: a ``str`` without lone surrogates (they become U+FFFD), and, when
    ``limit`` is given, without terminal escape sequences or control characters other than newline and tab,
    cut to ``limit`` characters.

    >>> clean_text("bad \\x1b[31mred\\x1b[0m \\ud800!", 40)
    'bad red \ufffd!'
    >>> clean_text(None), clean_text("x" * 10, 4)
    ('', 'xxxx...')
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value) if isinstance(value, int | float) else repr(type(value))
    value = _SURROGATE.sub("\ufffd", value)
    if limit is not None:
        value = _CONTROL.sub("", value)
        if len(value) > limit:
            value = value[:limit] + "..."
    return value


#: Every status a test can end with. ``skipped`` only appears with ``fail_fast=True``.
STATUSES = (PASSED, FAILED, TIMEOUT, RUNTIME_ERROR, COMPILE_ERROR, MEMORY_EXCEEDED, SKIPPED)


@dataclass
class TestResult:
    """The outcome of one test.

    Attributes
    ----------
    index
        Position of the test in the program's test list.
    status
        One of :data:`STATUSES`.
    duration
        Seconds the test ran (wall clock).
    stdout, stderr
        What the program printed during this test, cut to the output cap (``truncated`` says so).
    error
        A one-line reason for a non-passing status (exception, expected vs got, signal), else ``None``;
        sanitised (no terminal escapes or lone surrogates) and cut to :data:`MAX_ERROR_CHARS`.
    forgeable
        The verdict came from code running inside the program's own interpreter (an assert check that could not
        be turned into parent-judged calls), so the program could have forged it. ``strict=True`` refuses such
        tests instead of running them.
    """

    __test__ = False  # not a pytest class

    index: int
    status: str
    duration: float = 0.0
    stdout: str = ""
    stderr: str = ""
    error: str | None = None
    truncated: bool = False
    forgeable: bool = False

    def __post_init__(self) -> None:
        self.stdout, self.stderr = clean_text(self.stdout), clean_text(self.stderr)
        if self.error is not None:
            self.error = clean_text(self.error, MAX_ERROR_CHARS)

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class IsolationReport:
    """What the sandbox could actually set up for a program (as reported by the child).

    Attributes
    ----------
    separate_user
        The program ran as its own unprivileged uid (cannot signal the parent; process count limited).
    network
        ``"namespace"`` (own empty network namespace), ``"socket_guard"`` (internet sockets refused by an
        audit hook), or ``"allowed"`` (``network=True``).
    filesystem
        ``"allowlist"`` (an empty root with only the interpreter, its libraries, a few devices, a fresh
        ``/proc`` and a capped tmpfs work dir), ``"private"`` (the fallback: the host's root read-only, fresh
        tmpfs scratch dirs, private home hidden) or ``"shared"``.
    rlimits
        The resource limits that were set.
    uid
        The uid the program ran as.
    weaker
        Human-readable list of what is weaker than requested (empty when all was set up).
    pid_namespace
        The program ran in its own PID namespace (sees only its own processes; all die with it).
    cgroup
        ``"v1"`` or ``"v2"``: the program's processes shared one cgroup limiting their memory and count;
        ``None``: no cgroup could be used (memory is then limited per process only).
    """

    separate_user: bool = False
    network: str = "allowed"
    filesystem: str = "shared"
    rlimits: list[str] = field(default_factory=list)
    uid: int | None = None
    weaker: list[str] = field(default_factory=list)
    pid_namespace: bool = False
    cgroup: str | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> IsolationReport:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


@dataclass
class ProgramResult:
    """The outcome of one program over all its tests.

    Attributes
    ----------
    tests
        One :class:`TestResult` per test, in test order.
    duration
        Seconds for the whole program (all child processes).
    stdout, stderr
        Raw output of the child processes outside per-test capture, cut to the output cap.
    isolation
        What isolation was in force (see :class:`IsolationReport`).
    error
        A reason that applies to the whole program (e.g. the compile error), else ``None``.
    """

    tests: list[TestResult] = field(default_factory=list)
    duration: float = 0.0
    stdout: str = ""
    stderr: str = ""
    isolation: IsolationReport | None = None
    error: str | None = None

    @property
    def all_passed(self) -> bool:
        """True when there is at least one test and every test passed."""
        return bool(self.tests) and all(t.status == PASSED for t in self.tests)

    @property
    def forgeable(self) -> bool:
        """True when any test's verdict could have been forged by the program (see :class:`TestResult`)."""
        return any(t.forgeable for t in self.tests)

    @property
    def num_passed(self) -> int:
        return sum(t.status == PASSED for t in self.tests)

    @property
    def statuses(self) -> list[str]:
        return [t.status for t in self.tests]

    @property
    def status(self) -> str:
        """``"passed"`` if all passed, else the status of the first test that did not pass."""
        for t in self.tests:
            if t.status != PASSED:
                return t.status
        return PASSED if self.tests else FAILED

    @property
    def first_error(self) -> str | None:
        for t in self.tests:
            if t.status != PASSED:
                return t.error or t.status
        return self.error

    def __post_init__(self) -> None:
        self.stdout, self.stderr = clean_text(self.stdout), clean_text(self.stderr)
        if self.error is not None:
            self.error = clean_text(self.error, MAX_ERROR_CHARS)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(
            all_passed=self.all_passed,
            num_passed=self.num_passed,
            status=self.status,
            forgeable=self.forgeable,
        )
        return d
