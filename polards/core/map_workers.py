"""``num_proc``: a Python ``map``/``filter`` run by worker processes over contiguous shards, as ``datasets``.

The input is written once to an uncompressed Arrow IPC file; worker ``rank`` memory-maps rows
``[start, start + len)`` of it (``datasets``' contiguous ``shard``: the first ``n % num_proc`` shards get one row
more), runs the step over that shard exactly as a single process would (batches restart at the shard's start,
``with_indices`` counts from ``start``, ``with_rank`` passes ``rank``), and writes its output to an IPC file. The
step's lazy frame is the scan of those files in rank order, so rows come back in ``datasets``' order.

Workers are started with ``forkserver`` (``spawn`` where unavailable; never ``fork``: Polars' thread pool is not
fork-safe) and kept for later calls. The function travels with ``cloudpickle`` when installed (lambdas and
closures work), else ``pickle``. An exception raised in a worker reaches the caller as the same exception type;
a worker that dies (killed, out of memory) raises ``datasets``' RuntimeError. The workers run when the step is
compiled, which ``map``/``filter`` do at call time (``datasets`` runs them there); ``num_proc=1`` is one worker
process, as ``datasets``' ``Pool(1)``. A cacheable map's shards are written straight to ``datasets``' shard cache
files (:func:`polards.core.map_cache.shard_file`) and reused as ``datasets`` does: the shard count of the most
complete cached set, only missing shards recomputed (in this process when ``num_proc`` is not given); INFO log
lines as ``datasets``' ("Spawning 2 processes", "Reprocessing 1/2 shards ...", "Loading cached processed
dataset at ...").
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
from polards.exceptions import InvalidArgumentError, UDFError

_POOLS: dict[int, ProcessPoolExecutor] = {}
_WORKER_MEMO = ("input_format", "use_json")  # PythonMap.memo keys that change what a batch returns
_POOL_LOCK = threading.Lock()


def check_map_options(
    keep_in_memory: bool, cache_file_name: Any, num_proc: int | None, suffix_template: str
) -> int | None:
    """``datasets``' argument checks for ``map``/``filter`` (raised at the call, as ``datasets``); returns the
    effective ``num_proc``."""
    if keep_in_memory and cache_file_name is not None:
        raise InvalidArgumentError("Please use either `keep_in_memory` or `cache_file_name` but not both.")
    if cache_file_name is not None and not os.path.splitext(os.fspath(cache_file_name))[1]:
        raise InvalidArgumentError(
            f"Expected cache_file_name to have an extension, but got: {cache_file_name}"
        )
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
    tmp = f"{out}.tmp-{os.getpid()}"  # a killed worker leaves no partial shard (a cached one is reused)
    frame.write_ipc(tmp, compression="uncompressed")
    os.replace(tmp, out)
    return frame.height


@dataclasses.dataclass
class ParallelResult:
    files: list[str]
    schema: pl.Schema
    folder: str


def _shard_plan(step: st.PythonMap, procs: int | None, folder: str) -> tuple[list[str], list[int], bool]:
    """``(shard files, ranks to compute, cached)``: a cacheable step's shards are ``datasets``' cache files
    (``<cache file stem>_{rank:05d}_of_{num_proc:05d}.arrow``), reused when present (with the number of
    shards they were written with, as ``datasets``); others are temporary files."""
    from polards.core import map_cache

    target = step.memo.get(map_cache.CACHE_TARGET)
    opts = step.memo.get(map_cache.OPTIONS, {})
    if not target or step.is_filter:  # a filter's result is cached as one file (datasets' indices)
        n = procs or 1
        return [os.path.join(folder, f"rank-{r:05d}.arrow") for r in range(n)], list(range(n)), False
    suffix = opts.get("suffix") or map_cache.DEFAULT_SUFFIX
    load = opts.get("load", True)
    found = map_cache.existing_shards(target, suffix) if load else {}
    num_shards = map_cache.choose_num_shards(found, procs or 1)
    if num_shards == 1:  # datasets: one shard is the cache file itself (no suffix)
        return [target], [] if load and os.path.exists(target) else [0], True
    files = [map_cache.shard_file(target, suffix, r, num_shards) for r in range(num_shards)]
    todo = [r for r, f in enumerate(files) if not (load and os.path.exists(f))]
    return files, todo, True


def _run(step: st.PythonMap, upstream: pl.LazyFrame) -> ParallelResult:
    from polards.core import map_cache
    from polards.core.udf import _empty_result
    from polards.logging import get_logger

    log = get_logger(__name__)
    folder = tempfile.mkdtemp(prefix="polards-num-proc-")
    weakref.finalize(step, shutil.rmtree, folder, True)
    procs = step.num_proc
    files, todo, cached = _shard_plan(step, procs, folder)
    if cached and not todo:  # every shard is in the cache: the function does not run
        target = step.memo[map_cache.CACHE_TARGET]
        shown = (
            files[0]
            if files == [target]
            else map_cache.shard_file(
                target,
                step.memo.get(map_cache.OPTIONS, {}).get("suffix") or map_cache.DEFAULT_SUFFIX,
                "*",
                len(files),
            )
        )
        log.info(f"Loading cached processed dataset at {shown}")
        step.memo[map_cache.LOGGED] = True
        return _finish(step, files, folder)
    src = os.path.join(folder, "input.arrow")
    upstream.sink_ipc(src, compression="uncompressed")
    n = pl.scan_ipc(src).select(pl.len()).collect().item()
    if n == 0:
        os.remove(src)
        return ParallelResult([], _empty_result(step, upstream), folder)
    if len(files) > n:  # datasets: num_proc <= len(dataset)
        files, todo, cached = _shard_plan(step, min(len(files), n), folder)
    if cached and len(todo) != len(files):
        log.info(
            f"Reprocessing {len(todo)}/{len(files)} shards because some of them were missing from the cache."
        )
    kept = {k: v for k, v in step.memo.items() if k in _WORKER_MEMO}  # options the workers need
    blob = _dumps(dataclasses.replace(step, memo=kept, num_proc=None))
    bounds = shard_bounds(n, len(files))
    try:
        if procs is None:  # shards cached by an earlier num_proc run: the missing ones are computed here
            for rank in todo:
                _work(blob, src, *bounds[rank], rank, files[rank])
        else:
            workers = min(procs, n)
            pool = _pool(workers)
            log.info(f"Spawning {workers} processes")
            try:
                futures = [pool.submit(_work, blob, src, *bounds[r], r, files[r]) for r in todo]
                for f in futures:
                    f.result()
            except BrokenProcessPool as e:  # a worker died (killed, segfault, out of memory): datasets' error
                _drop_pool(workers)
                raise UDFError(
                    "One of the subprocesses has abruptly died during map operation."
                    "To debug the error, disable multiprocessing."
                ) from e
    finally:
        os.remove(src)
    if cached and len(files) == 1:  # this run wrote the step's cache file itself
        step.memo[map_cache.WRITTEN] = files[0]
    return _finish(step, files, folder)


def _finish(step: st.PythonMap, files: list[str], folder: str) -> ParallelResult:
    from polards.core import map_cache

    schemas = [pl.scan_ipc(f).collect_schema() for f in files]
    schema = schemas[0]
    for f, s in zip(files, schemas, strict=True):
        if s != schema:  # a shard inferred other types: align it with the first one (datasets concatenates)
            pl.read_ipc(f, memory_map=False).cast(dict(schema)).write_ipc(f + ".tmp")
            os.replace(f + ".tmp", f)
    if not files[0].startswith(folder + os.sep):
        step.memo[map_cache.SHARDS] = list(files)
    return ParallelResult(files, schema, folder)


def parallel_frame(step: st.PythonMap, upstream: pl.LazyFrame) -> pl.LazyFrame:
    """The lazy frame of a ``num_proc`` step: the workers run once (on first need), then their files are read."""
    res: ParallelResult | None = step.memo.get("parallel")
    if res is None or not all(
        os.path.exists(f) for f in res.files
    ):  # (a step without num_proc: cached shards)
        res = _run(step, upstream)
        step.memo["parallel"] = res
        step.memo["schema"] = res.schema
    if not res.files:
        return upstream.head(0).select(list(res.schema))
    return pl.concat([pl.scan_ipc(f) for f in res.files], how="vertical")
