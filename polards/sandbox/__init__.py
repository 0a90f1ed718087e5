"""Run untrusted programs against their tests, isolated and in parallel.

Each program runs in a fresh ``python -I -S`` child: its own session/process group, its own unprivileged
uid (when the parent is root; one uid per concurrently running program), its own empty network namespace
(a socket-refusing audit hook where namespaces are not permitted), a read-only file system with private
size-capped ``/tmp``, ``/var/tmp``, ``/dev/shm`` and a hidden ``/root``, resource limits (CPU, address
space, file size, processes, open files, no core dumps), ``PR_SET_NO_NEW_PRIVS``, a minimal environment,
stdin closed or fed the test input, capped output, and a wall-clock kill of the whole process group followed
by a sweep of every process left under the sandbox uid. Weaker isolation is reported once with an
:class:`~polards.exceptions.IsolationWarning`; ``strict=True`` raises
:class:`~polards.exceptions.IsolationError` instead of running.

Modules: :mod:`~polards.sandbox.api` (``run``, ``run_many``, ``run_column``), :mod:`~polards.sandbox.specs`
(test formats, output comparison), :mod:`~polards.sandbox.program` (one program across child processes),
:mod:`~polards.sandbox.runner` (one child: pipes, clock, kill, cleanup), :mod:`~polards.sandbox.harness` and
:mod:`~polards.sandbox.confine` (the code inside the child), :mod:`~polards.sandbox.limits` (limits, uids,
process sweep), :mod:`~polards.sandbox.pool`, :mod:`~polards.sandbox.results`, :mod:`~polards.sandbox.bench`.

Trust: the parent decides every verdict. Expected outputs never enter the child: a call test's return value
comes back as plain JSON data (an object with its own ``__eq__`` cannot survive) and is compared in the parent;
stdout is compared in the parent. Assert-style checks (HumanEval ``check``) in the common forms are turned into
such call tests (:mod:`~polards.sandbox.checks`); one that cannot be is run in the child and reported
``forgeable=True``, and ``strict=True`` refuses it instead of trusting it.

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
