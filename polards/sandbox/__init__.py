"""Run untrusted programs against their tests, isolated and in parallel.

Each program runs in a fresh ``python -I`` child: its own session/process group, its own unprivileged uid
(when the parent is root), its own empty network namespace, a read-only file system with private scratch
directories, resource limits (CPU, memory, file size, processes, open files), a minimal environment, capped
output, and a wall-clock kill of the whole process group. See :func:`run`, :func:`run_many`,
:func:`run_column`.

>>> from polards import sandbox
>>> sandbox.run("def sq(x):\\n    return x * x", {"inputs": [[3]], "outputs": [9], "fn_name": "sq"}).all_passed
True
"""

from __future__ import annotations

from polards.sandbox.api import isolation_report, run, run_column, run_many
from polards.sandbox.limits import Limits
from polards.sandbox.results import STATUSES, IsolationReport, ProgramResult, TestResult
from polards.sandbox.specs import AssertTest, CallTest, StdioTest, parse_tests

__all__ = [
    "STATUSES",
    "AssertTest",
    "CallTest",
    "IsolationReport",
    "Limits",
    "ProgramResult",
    "StdioTest",
    "TestResult",
    "isolation_report",
    "parse_tests",
    "run",
    "run_column",
    "run_many",
]
