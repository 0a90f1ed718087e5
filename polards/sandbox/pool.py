"""A bounded worker pool that returns results in input order, with a progress bar for big batches.

Each worker thread only waits on its child process, so threads (not processes) are enough: the Python work in
the parent is small next to the children's.

Examples
--------
>>> map_ordered(lambda x: x * x, [3, 1, 2], workers=2)
[9, 1, 4]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import Any, TypeVar

from polards.exceptions import InvalidArgumentError

T = TypeVar("T")
R = TypeVar("R")

#: Batches at least this long get a progress bar when ``progress=None``.
PROGRESS_THRESHOLD = 64


def default_workers() -> int:
    """The number of cores this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def map_ordered(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    workers: int | None = None,
    progress: bool | None = None,
    desc: str = "running",
) -> list[R]:
    """``[fn(x) for x in items]`` on at most ``workers`` threads, in input order.

    The first exception raised by ``fn`` (or a ``KeyboardInterrupt``) cancels the items not yet started and
    is re-raised, with the index of the failing item in a note.
    """
    workers = default_workers() if workers is None else int(workers)
    if workers < 1:
        raise InvalidArgumentError(f"workers must be at least 1, got {workers}.")
    items = list(items)
    if not items:
        return []
    show = len(items) >= PROGRESS_THRESHOLD if progress is None else bool(progress)
    bar = None
    if show:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(items), desc=desc, unit="prog")
    results: list[Any] = [None] * len(items)
    ex = ThreadPoolExecutor(max_workers=min(workers, len(items)), thread_name_prefix="polards-sandbox")
    futures = {ex.submit(fn, item): i for i, item in enumerate(items)}
    pending = set(futures)
    try:
        while pending:
            done, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for fut in done:
                exc = fut.exception()
                if exc is not None:
                    exc.add_note(f"(while running item {futures[fut]} of {len(items)})")
                    raise exc
                results[futures[fut]] = fut.result()
                if bar is not None:
                    bar.update(1)
    finally:
        # on an error or Ctrl-C, items not started yet are dropped; running ones end within their time limits
        ex.shutdown(wait=True, cancel_futures=True)
        if bar is not None:
            bar.close()
    return results
