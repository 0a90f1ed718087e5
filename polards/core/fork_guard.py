"""Polars' thread pool does not survive ``fork()``: in a process forked after Polars ran a query, the next
lazy query waits forever for pool threads that were never copied (``multiprocessing``'s ``"fork"`` start
method, the Linux default before Python 3.14, and ``torch.utils.data.DataLoader`` workers by default).
polards raises :class:`~polards.exceptions.ForkedAfterPolarsError` there instead of hanging, naming the fix:
the ``"spawn"`` or ``"forkserver"`` start method.

A process that had not run a query yet forks safely (the pool starts in the child), so the guard only fires
in children of a process that had used it.

>>> from polards.core import fork_guard
>>> fork_guard.check()  # this process was not forked after a query: nothing happens
"""

from __future__ import annotations

import os

_used = False  # this process has run (or is about to run) a Polars query
_forked_after_use = False  # this process was forked from one that had


def note_use() -> None:
    """Record that this process runs Polars queries (called where polards compiles or streams a plan)."""
    global _used
    _used = True


def check() -> None:
    """Raise :class:`~polards.exceptions.ForkedAfterPolarsError` in a child forked after a query."""
    if _forked_after_use:
        from polards.exceptions import ForkedAfterPolarsError

        raise ForkedAfterPolarsError(
            f"This process (pid {os.getpid()}) was forked after polards had run a Polars query in its parent; "
            "Polars' thread pool does not survive fork(), so a query here would hang forever. Start worker "
            "processes with the 'spawn' or 'forkserver' method: multiprocessing.get_context('spawn'), "
            "torch.utils.data.DataLoader(..., multiprocessing_context='spawn'), or "
            "multiprocessing.set_start_method('spawn') at the top of the script."
        )


def _after_fork_in_child() -> None:
    global _forked_after_use
    _forked_after_use = _forked_after_use or _used


os.register_at_fork(after_in_child=_after_fork_in_child)
