"""Streams of Polars batches and Python batch sources that an interpreter exit must stop first.

A stream abandoned part-way (``it = ds.iter(5); next(it)`` at the end of a script) still owns a running Polars
query. When that query reads through a Python source (a ``map`` step, a remote shard), a Polars thread keeps
calling into Python in the background; if it does so while the interpreter finalises, the process aborts
(``FATAL: exception not rethrown``). So every stream polards hands out is registered with :func:`tracked`, every
Python source runs inside :func:`python_source`, and at exit, while Python still works, :func:`close_all` closes
the streams, tells the sources to stop at their next batch and waits (a few seconds at most) until none is left.

>>> frames = tracked(iter([1, 2, 3]))
>>> next(frames)
1
>>> frames.close()  # what close_all() does to each live stream at exit
>>> list(frames)
[]
>>> exiting()
False
"""

from __future__ import annotations

import atexit
import gc
import threading
import time
import weakref
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

_LIVE: weakref.WeakSet[Any] = weakref.WeakSet()
_STOP = threading.Event()
_SOURCES = [0]  # Python sources started and not yet finished (closed, exhausted or failed)
_SOURCES_LOCK = threading.Lock()


def tracked(items: Iterable[T]) -> Iterator[T]:
    """``items`` as a generator that :func:`close_all` closes at exit (releasing what it holds)."""
    gen = _pass_through(items)
    _LIVE.add(gen)
    return gen


def track(gen: Iterator[Any]) -> None:
    """Register a generator of the caller's own for :func:`close_all`."""
    _LIVE.add(gen)


def _pass_through(items: Iterable[T]) -> Iterator[T]:
    yield from items


def exiting() -> bool:
    """Whether the interpreter is shutting down (sources should stop before their next batch)."""
    return _STOP.is_set()


def python_source(batches: Iterator[T]) -> Iterator[T]:
    """The batches of a Python source that a Polars thread pulls, counted while the source is unfinished and
    ended before the next batch once the interpreter exits."""
    with _SOURCES_LOCK:
        _SOURCES[0] += 1
    try:
        if _STOP.is_set():
            return
        for batch in batches:
            yield batch
            if _STOP.is_set():
                return
    finally:
        try:
            close = getattr(batches, "close", None)
            if close is not None:
                close()
        finally:
            with _SOURCES_LOCK:
                _SOURCES[0] -= 1


@atexit.register
def close_all(timeout: float = 5.0) -> None:
    """Stop every Python source at its next batch, close every live stream (a running one, i.e. the caller's
    own, is left alone), then wait up to ``timeout`` seconds for the sources to finish."""
    _STOP.set()
    live = list(_LIVE)
    if not live and not _SOURCES[0]:
        return  # nothing to stop (a full collection of a big heap costs most of a second)
    for gen in live:
        try:
            gen.close()
        except ValueError:  # "generator already executing": it is on the stack that called us
            pass
    del live
    gc.collect()  # queries held in reference cycles are dropped now
    deadline = time.monotonic() + timeout
    while _SOURCES[0] and time.monotonic() < deadline:
        time.sleep(0.01)
