"""``num_proc``: a Python ``map``/``filter`` run by worker processes over contiguous shards, as ``datasets``.

The input is written once to an uncompressed Arrow IPC file; worker ``rank`` memory-maps rows
``[start, start + len)`` of it (``datasets``' contiguous ``shard``: the first ``n % num_proc`` shards get one row
more), runs the step over that shard exactly as a single process would (batches restart at the shard's start,
``with_indices`` counts from ``start``, ``with_rank`` passes ``rank``), and writes its output to an IPC file. The
step's lazy frame is the scan of those files in rank order, so rows come back in ``datasets``' order.

Workers are started with ``forkserver`` (``spawn`` where unavailable; never ``fork``: Polars' thread pool is not
fork-safe) and kept for later calls. The function travels with ``cloudpickle`` when installed (lambdas and
closures work), else ``pickle``. An exception raised in a worker reaches the caller as the same exception type.
"""

from __future__ import annotations

import atexit
import dataclasses
import multiprocessing as mp
import os
import pickle
import shutil
import string
import tempfile
import threading
import weakref
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import polars as pl

from polards.core import steps as st
from polards.exceptions import InvalidArgumentError

_POOLS: dict[int, ProcessPoolExecutor] = {}
_POOL_LOCK = threading.Lock()


def check_map_options(
    keep_in_memory: bool, cache_file_name: Any, num_proc: int | None, suffix_template: str
) -> int | None:
    """``datasets``' argument checks for ``map``/``filter``; returns the effective ``num_proc``."""
    if keep_in_memory and cache_file_name is not None:
        raise InvalidArgumentError("Please use either `keep_in_memory` or `cache_file_name` but not both.")
    if num_proc is not None and not isinstance(num_proc, int):
        raise InvalidArgumentError(f"num_proc must be an int or None, got {num_proc!r}")
    if num_proc is not None and num_proc < 0:
        raise InvalidArgumentError("num_proc must be >= 0 or None.")
    fields = {name for _, name, _, _ in string.Formatter().parse(suffix_template) if name}
    if fields != {"rank", "num_proc"}:
        raise InvalidArgumentError(
            f"suffix_template must contain exactly the fields 'rank' and 'num_proc', got: {fields}"
        )
    return num_proc or None


def shard_bounds(n: int, num_shards: int) -> list[tuple[int, int]]:
    """``(start, length)`` of each contiguous shard (``datasets.Dataset.shard(contiguous=True)``).

    >>> shard_bounds(10, 3)
    [(0, 4), (4, 3), (7, 3)]
    """
    div, mod = divmod(n, num_shards)
    return [(div * i + min(i, mod), div + (1 if i < mod else 0)) for i in range(num_shards)]


def _dumps(obj: Any) -> bytes:
    try:
        import cloudpickle
    except ImportError:  # pragma: no cover - cloudpickle is installed with polards' test extras
        return pickle.dumps(obj)
    return cloudpickle.dumps(obj)


def _context() -> Any:
    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    # the server must not import polars/pyarrow (both start threads at import: forking them is unsafe), nor
    # re-run the user's __main__ (forkserver's default): each worker imports polards itself
    ctx.set_forkserver_preload([])
    return ctx


def _pool(workers: int) -> ProcessPoolExecutor:
    with _POOL_LOCK:
        pool = _POOLS.get(workers)
        if pool is None:
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=_context())
            _POOLS[workers] = pool
        return pool


def _drop_pool(workers: int) -> None:
    with _POOL_LOCK:
        pool = _POOLS.pop(workers, None)
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


@atexit.register
def _shutdown() -> None:
    for workers in list(_POOLS):
        _drop_pool(workers)


def _work(blob: bytes, src: str, start: int, length: int, rank: int, out: str) -> int:
    """One worker's shard: read memory-mapped, run the step, write the output; returns the output rows."""
    from polards.core.udf import run_batches

    step = pickle.loads(blob)  # noqa: S301 - our own parent process pickled it
    shard = pl.scan_ipc(src).slice(start, length).collect()
    results = list(run_batches(step, [shard], offset=start, rank=rank))
    outs = [o for _, o in results if o is not None]
    if not results:  # no batch ran (drop_last_batch): datasets returns the shard unchanged
        outs = [shard]
    elif not outs:  # every output was empty: no rows
        outs = [shard.clear()]
    frame = pl.concat(outs, how="vertical") if len(outs) > 1 else outs[0]
    frame.write_ipc(out, compression="uncompressed")
    return frame.height


@dataclasses.dataclass
class ParallelResult:
    files: list[str]
    schema: pl.Schema
    folder: str


def _run(step: st.PythonMap, upstream: pl.LazyFrame) -> ParallelResult:
    from polards.core.udf import _empty_result

    folder = tempfile.mkdtemp(prefix="polards-num-proc-")
    weakref.finalize(step, shutil.rmtree, folder, True)
    src = os.path.join(folder, "input.arrow")
    upstream.sink_ipc(src, compression="uncompressed")
    n = pl.scan_ipc(src).select(pl.len()).collect().item()
    if n == 0:
        os.remove(src)
        return ParallelResult([], _empty_result(step, upstream), folder)
    workers = min(step.num_proc or 1, n)
    blob = _dumps(dataclasses.replace(step, memo={}, num_proc=None))
    outs = [os.path.join(folder, f"rank-{r:05d}.arrow") for r in range(workers)]
    pool = _pool(workers)
    try:
        futures = [
            pool.submit(_work, blob, src, start, length, rank, outs[rank])
            for rank, (start, length) in enumerate(shard_bounds(n, workers))
        ]
        for f in futures:
            f.result()
    except BrokenProcessPool:
        _drop_pool(workers)
        raise
    finally:
        os.remove(src)
    schemas = [pl.scan_ipc(f).collect_schema() for f in outs]
    schema = schemas[0]
    for f, s in zip(outs, schemas, strict=True):
        if s != schema:  # a shard inferred other types: align it with the first one (datasets concatenates)
            pl.read_ipc(f, memory_map=False).cast(dict(schema)).write_ipc(f + ".tmp")
            os.replace(f + ".tmp", f)
    return ParallelResult(outs, schema, folder)


def parallel_frame(step: st.PythonMap, upstream: pl.LazyFrame) -> pl.LazyFrame:
    """The lazy frame of a ``num_proc`` step: the workers run once (on first need), then their files are read."""
    res: ParallelResult | None = step.memo.get("parallel")
    if res is None or not all(os.path.exists(f) for f in res.files):
        res = _run(step, upstream)
        step.memo["parallel"] = res
        step.memo["schema"] = res.schema
    if not res.files:
        return upstream.head(0).select(list(res.schema))
    return pl.concat([pl.scan_ipc(f) for f in res.files], how="vertical")
