"""Run untrusted programs against their tests, isolated and in parallel.

Each program runs in a fresh ``python -I -S`` child that forks the init of a new PID namespace, which forks the
program: its own unprivileged uid (when the parent is root; one uid per concurrently running program), its own
PID namespace (its ``/proc`` lists only its own processes; when the init dies - with the program, or because
the grader was SIGKILLed - the kernel kills everything the program started), its own cgroup (memory of all its
processes together, tmpfs files, memfd and shared memory included; process count), empty network and IPC
namespaces (a socket-refusing audit hook where namespaces are not permitted), an allowlist file system (an
empty read-only root holding only the interpreter, its standard library and site-packages, the system
libraries, a few devices, a fresh ``/proc`` and a tmpfs work dir at ``/tmp`` capped in bytes and inodes;
nothing of the checkout, ``HOME``, the host's ``/tmp`` or other programs), resource limits (CPU, address
space, file size, processes, open files, no core dumps), ``PR_SET_NO_NEW_PRIVS``, a minimal environment, stdin
closed or fed the test input, capped output, and a wall-clock kill. Weaker isolation is reported once with an
:class:`~polards.exceptions.IsolationWarning`; ``strict=True`` raises :class:`~polards.exceptions.IsolationError`
instead of running.

Modules: :mod:`~polards.sandbox.api` (``run``, ``run_many``, ``run_column``), :mod:`~polards.sandbox.specs`
(test formats, output comparison), :mod:`~polards.sandbox.program` (one program across child processes),
:mod:`~polards.sandbox.runner` (one child: pipes, clock, kill, cleanup), :mod:`~polards.sandbox.cgroups` (the
per-child cgroup), :mod:`~polards.sandbox.harness` and :mod:`~polards.sandbox.confine` (the code inside the
child), :mod:`~polards.sandbox.limits` (limits, uids, process sweep), :mod:`~polards.sandbox.pool`,
:mod:`~polards.sandbox.results`, :mod:`~polards.sandbox.bench`.

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
