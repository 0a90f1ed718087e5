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
from collections.abc import Callable, Iterable, Iterator
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


def python_frame(
    make: Callable[[list[str] | None, int | None], Iterator[Any]], schema: Any, name: str
) -> Any:
    """A ``pl.LazyFrame`` read from the frames ``make(columns, rows)`` yields (a Python source, counted by
    :func:`python_source`), with Polars' pushdowns applied: the projection, the predicate, and a row limit
    that stops asking for frames once it is reached. ``make`` may use the hints (the columns asked for, the
    rows wanted when no predicate comes first) or ignore them.

    >>> import polars as pl
    >>> lf = python_frame(lambda cols, n: iter([pl.DataFrame({"a": [1, 2]}), pl.DataFrame({"a": [3]})]), {"a": pl.Int64}, "X")
    >>> lf.head(2).collect()["a"].to_list()
    [1, 2]
    """
    from polars.io.plugins import register_io_source

    def source(
        with_columns: list[str] | None, predicate: Any, n_rows: int | None, _batch: int | None
    ) -> Iterator[Any]:
        left = n_rows
        if left is not None and left <= 0:
            return
        for out in python_source(make(with_columns or None, n_rows if predicate is None else None)):
            if with_columns:
                out = out.select(with_columns)
            if predicate is not None:
                out = out.filter(predicate)
            if left is not None:
                out = out.head(left)
                left -= out.height
            if out.height:
                yield out
            if left is not None and left <= 0:
                return  # no further frame is made

    return register_io_source(source, schema=schema, explain_name=name)


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
