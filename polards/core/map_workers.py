"""``num_proc``: a Python ``map``/``filter`` run by worker processes over contiguous shards, as ``datasets``.

The input is written once to an uncompressed Arrow IPC file; worker ``rank`` memory-maps rows
``[start, start + len)`` of it (``datasets``' contiguous ``shard``: the first ``n % num_proc`` shards get one row
more), runs the step over that shard exactly as a single process would (batches restart at the shard's start,
``with_indices`` counts from ``start``, ``with_rank`` passes ``rank``), and writes its output to an IPC file. The
step's lazy frame is the scan of those files in rank order, so rows come back in ``datasets``' order.

Workers are started with ``forkserver`` (``spawn`` where unavailable; never ``fork`` from the caller: Polars'
thread pool is not fork-safe). The forkserver imports polards' worker modules (Polars, pyarrow, numpy) once and
runs no query, so each worker forks with them imported (``POLARDS_FORKSERVER_PRELOAD=0``: each worker imports
them itself); it starts while the input is written. A pool is kept for the next map with the same ``num_proc``,
shut down when a map needs another size, after :data:`IDLE_SECONDS` without a map, by :func:`shutdown_workers`
and at interpreter exit. ``POLARDS_NUM_PROC_TRACE=1`` prints phase time stamps to stderr. The function travels with ``cloudpickle`` when installed (lambdas and
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
import contextlib
import dataclasses
import multiprocessing as mp
import os
import pickle
import shutil
import string
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import polars as pl

from polards.core import steps as st
from polards.exceptions import InvalidArgumentError, UDFError

IDLE_SECONDS = 60.0  # an idle pool's workers (~200 MB each) are shut down after this long without a map
_POOLS: dict[int, ProcessPoolExecutor] = {}
_IN_USE: dict[int, int] = {}  # maps running on each pool
_IDLE_GENERATION = 0  # bumped by every lease and release: a pending idle shut-down checks it
_WORKER_MEMO = ("input_format", "use_json")  # PythonMap.memo keys that change what a batch returns
_POOL_LOCK = threading.Lock()
_PRELOAD = ("polards.core.udf", "polards.core.map_workers")  # imported once by the forkserver


def _trace(what: str, **kw: Any) -> None:
    """A phase time stamp on stderr when ``POLARDS_NUM_PROC_TRACE`` is set (``bench/num_proc.py --phases``)."""
    if os.environ.get("POLARDS_NUM_PROC_TRACE"):
        import json
        import sys

        print("TRACE", json.dumps({"what": what, **kw}), file=sys.stderr, flush=True)


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
    # the server imports polards' worker modules once (polars, pyarrow, numpy: ~0.5 s a process) and every worker
    # forks from it with them imported. The server runs no Polars query, so no Polars thread pool exists when it
    # forks. Not the user's __main__ (forkserver's default): each worker's spawn preparation imports it.
    ctx.set_forkserver_preload(
        list(_PRELOAD) if os.environ.get("POLARDS_FORKSERVER_PRELOAD", "1") != "0" else []
    )
    return ctx


def _start_server() -> None:
    """Start the forkserver (it imports :data:`_PRELOAD`) while the caller writes the input."""
    if "forkserver" in mp.get_all_start_methods():
        from multiprocessing import forkserver

        _context()
        forkserver.ensure_running()


def _stop_server() -> None:
    """Stop the forkserver polards started (its preloaded Polars holds memory); the next pool restarts it."""
    if "forkserver" not in mp.get_all_start_methods():
        return
    from multiprocessing import forkserver

    server = forkserver._forkserver
    if getattr(server, "_forkserver_pid", None) is not None and list(server._preload_modules) == list(
        _PRELOAD
    ):
        server._stop()


@contextlib.contextmanager
def _leased_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """The pool of ``workers`` processes (started, or kept from an earlier map), in use for the block.

    Idle pools of another size are shut down first (one pool's workers at a time); when no pool is in use, the
    pools are shut down after :data:`IDLE_SECONDS` without a map."""
    global _IDLE_GENERATION
    with _POOL_LOCK:
        _IDLE_GENERATION += 1  # cancels a pending idle shut-down
        for other in [w for w in _POOLS if w != workers and not _IN_USE.get(w)]:
            _POOLS.pop(other).shutdown(wait=False, cancel_futures=True)
        pool = _POOLS.get(workers)
        if pool is None:
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=_context())
            _POOLS[workers] = pool
        _IN_USE[workers] = _IN_USE.get(workers, 0) + 1
    try:
        yield pool
    finally:
        with _POOL_LOCK:
            _IN_USE[workers] -= 1
            if not any(_IN_USE.values()):
                _IDLE_GENERATION += 1
                timer = threading.Timer(IDLE_SECONDS, _shutdown_if_idle, args=(_IDLE_GENERATION,))
                timer.daemon = True
                timer.start()


def _shutdown_if_idle(generation: int) -> None:
    with _POOL_LOCK:
        if generation != _IDLE_GENERATION or any(_IN_USE.values()):
            return  # a map ran since
    shutdown_workers()


def _drop_pool(workers: int) -> None:
    with _POOL_LOCK:
        pool = _POOLS.pop(workers, None)
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


def worker_pids() -> list[int]:
    """Process ids of the ``num_proc`` workers alive now (kept between maps until idle or shut down)."""
    with _POOL_LOCK:
        pools = list(_POOLS.values())
    return sorted(pid for pool in pools for pid in (getattr(pool, "_processes", None) or {}))


def shutdown_workers() -> None:
    """Shut down the ``num_proc`` worker pools not in use and polards' forkserver, waiting for them to exit.

    Runs by itself after :data:`IDLE_SECONDS` without a map and at interpreter exit; the next ``num_proc`` map
    starts new workers.

    >>> shutdown_workers(); worker_pids()
    []
    """
    with _POOL_LOCK:
        idle = [w for w in _POOLS if not _IN_USE.get(w)]
        pools = [_POOLS.pop(w) for w in idle]
        busy = bool(_POOLS)
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)
    if not busy:
        _stop_server()


atexit.register(shutdown_workers)


def _work(blob: bytes, src: str, start: int, length: int, rank: int, out: str) -> int:
    """One worker's shard: read memory-mapped, run the step, write the output; returns the output rows."""
    t0 = time.time()
    from polards.core.udf import run_batches

    _trace(
        "worker",
        rank=rank,
        pid=os.getpid(),
        entry=t0,
        udf_imported=time.time(),
        cpu0=time.process_time(),
    )
    step = pickle.loads(blob)  # noqa: S301 - our own parent process pickled it
    shard = pl.scan_ipc(src).slice(start, length).collect()
    _trace("worker-read", rank=rank, t=time.time())
    results = list(run_batches(step, [shard], offset=start, rank=rank, with_mask=True))
    _trace("worker-ran", rank=rank, t=time.time())
    if step.is_filter:  # a filter's shard is its mask over the shard's rows (rows not run: a dropped batch)
        if results:
            mask = pl.concat([o.get_column(st.MASK_COLUMN) for _, o in results if o is not None])
        else:  # no batch ran: the shard unchanged, as a map's
            mask = pl.repeat(True, shard.height, eager=True)
        rest = pl.repeat(False, shard.height - mask.len(), eager=True)
        frame = pl.DataFrame(
            {st.MASK_COLUMN: pl.concat([mask.alias(st.MASK_COLUMN), rest.alias(st.MASK_COLUMN)])}
        )
    else:
        outs = [o for _, o in results if o is not None]
        if not results:  # no batch ran (drop_last_batch): datasets returns the shard unchanged
            outs = [shard]
        elif not outs:  # every output was empty: no rows
            outs = [shard.clear()]
        frame = pl.concat(outs, how="vertical") if len(outs) > 1 else outs[0]
    tmp = f"{out}.tmp-{os.getpid()}"  # a killed worker leaves no partial shard (a cached one is reused)
    frame.write_ipc(tmp, compression="uncompressed")
    os.replace(tmp, out)
    _trace("worker-done", rank=rank, pid=os.getpid(), done=time.time(), cpu1=time.process_time())
    return frame.height


@dataclasses.dataclass
class ParallelResult:
    files: list[str]  # a map's output shards; a filter's mask shards (over ``source``)
    schema: pl.Schema
    folder: str
    source: str | None = None  # a filter's input, as the workers read it

    def shards(self) -> pl.LazyFrame:
        """The shard files, in rank order, as one frame."""
        return pl.concat([pl.scan_ipc(f) for f in self.files], how="vertical")

    def frame(self) -> pl.LazyFrame:
        """The step's result: the output shards, or the filter's input rows its masks keep."""
        if self.source is None:
            return self.shards()
        from polards.core.map_cache import apply_mask

        return apply_mask(pl.scan_ipc(self.source), self.shards())


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
    _trace("run-start", t=time.time())
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
    if procs is not None:
        _start_server()  # it imports polards' worker modules while the input is written
    src = os.path.join(folder, "input.arrow")
    _trace("plan", t=time.time())
    upstream.sink_ipc(src, compression="uncompressed")
    _trace("input-written", t=time.time())
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
            log.info(f"Spawning {workers} processes")
            try:
                with _leased_pool(workers) as pool:
                    _trace("pool", t=time.time())
                    futures = [pool.submit(_work, blob, src, *bounds[r], r, files[r]) for r in todo]
                    _trace("submitted", t=time.time())
                    for f in futures:
                        f.result()
                    _trace("results", t=time.time())
            except BrokenProcessPool as e:  # a worker died (killed, segfault, out of memory): datasets' error
                _drop_pool(workers)
                raise UDFError(
                    "One of the subprocesses has abruptly died during map operation."
                    "To debug the error, disable multiprocessing."
                ) from e
    finally:
        if not step.is_filter:  # a filter's result is its input rows under the masks: kept with the folder
            os.remove(src)
    _trace("run-end", t=time.time())
    if step.is_filter:
        return ParallelResult(files, upstream.collect_schema(), folder, source=src)
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
    return res.frame()
