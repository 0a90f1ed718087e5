"""Cached results of Python ``map``/``filter`` steps, stored as Arrow IPC under the plan's fingerprint.

As in ``datasets``, the result of a Python function over a file-backed dataset is written once and reused by
any later identical pipeline (same files, same earlier steps, same function code and parameters). The handle
stays lazy: a cached step compiles to ``pl.scan_ipc`` of its file (memory-mapped), and a missing entry is
written by the first full collection of the dataset (``to_polars``, ``to_list``, ``ds[:]``, ``take(n)`` ...:
:func:`materialize`, every Python step in full, as ``datasets`` does at ``map()`` time) or as a by-product of
the first iteration that runs the step over every row: its outputs are streamed to a temporary file as they
are made and renamed into place at the end, so an iteration that stops early (``break``) computes no more
rows than it needs and leaves no entry. Disk cost: one uncompressed Arrow IPC file of the step's output per cached step, as
``datasets``' map cache.

Cache folder (:func:`maps_root`), like ``datasets``' "beside the dataset's cache files": the ``cache_dir`` the
source files were downloaded to (``load_dataset(..., cache_dir=...)``) + ``/polards-maps``, else
``<polards cache>/maps`` (:func:`polards._paths.cache_root`: ``$POLARDS_CACHE``, else
``$HF_DATASETS_CACHE/polards``, else ``$HF_HOME/datasets/polards``).
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import polars as pl

from polards.core import steps as st
from polards.core.fingerprint import fingerprint_plan, has_file_sources, is_caching_enabled

OPTIONS = "cache"  # key in PythonMap.memo: {"load": bool, "file": str | None, "dir": str | None}
WRITTEN = "cache_written"  # key in PythonMap.memo: the file this handle's step was written to
CACHE_TARGET = "cache_target"  # key in PythonMap.memo: where a full pass writes the step's results (compiler sets)


def cache_root(cache_dir: str | None = None, sub: str = "maps") -> str:
    """The folder of one kind of cache file (created on demand): ``cache_dir/sub``, else under
    :func:`polards._paths.cache_root`."""
    from polards._paths import cache_root as polards_root

    path = os.path.join(cache_dir or str(polards_root()), sub)
    os.makedirs(path, exist_ok=True)
    return path


def _download_cache_dir(prefix: tuple[Any, ...]) -> str | None:
    """The Hub cache folder (``<cache_dir>/datasets--owner--name/...``) the plan's first source file lives in,
    when it is not the default one (a ``cache_dir=`` given to ``load_dataset``)."""
    root = prefix[0]
    while isinstance(root, st.Concat) and root.plans:
        root = root.plans[0][0]
    files = getattr(root, "files", ())
    if not files:
        return None
    parts = os.path.abspath(str(files[0])).split(os.sep)
    hits = [i for i, p in enumerate(parts) if p.startswith("datasets--")]
    if not hits:
        return None
    folder = os.sep.join(parts[: hits[-1]]) or os.sep
    from polards._paths import hf_home

    default = (
        os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE") or str(hf_home() / "hub")
    )
    return None if os.path.abspath(folder) == os.path.abspath(os.path.expanduser(default)) else folder


def maps_root(prefix: tuple[Any, ...] | None = None, cache_dir: str | None = None) -> str:
    """Where Python-map results of ``prefix`` are cached (see the module docstring; created on demand)."""
    from polards._paths import cache_root as polards_root

    if cache_dir:
        path = os.path.join(cache_dir, "polards-maps")
    elif prefix is not None and (beside := _download_cache_dir(prefix)) is not None:
        path = os.path.join(beside, "polards-maps")
    else:
        path = os.path.join(str(polards_root()), "maps")
    os.makedirs(path, exist_ok=True)
    return path


def set_options(
    step: st.PythonMap,
    load_from_cache_file: bool | None,
    cache_file_name: str | None,
    cache_dir: str | None = None,
    *,
    keep_in_memory: bool = False,
    fingerprint: str | None = None,
    suffix_template: str | None = None,
) -> None:
    """Record ``datasets``' caching arguments on a step (``None`` = the default: reuse).

    ``keep_in_memory``: never write a cache file; ``fingerprint``: ``datasets``' ``new_fingerprint`` (the
    cache key)."""
    load = load_from_cache_file if load_from_cache_file is not None else is_caching_enabled()
    step.memo[OPTIONS] = {
        "load": load is not False,
        "file": str(cache_file_name) if cache_file_name is not None else None,
        "dir": cache_dir,
        "memory": bool(keep_in_memory),
        "suffix": suffix_template,
    }
    if fingerprint is not None:
        step.memo["fingerprint"] = fingerprint


def cache_path(prefix: tuple[Any, ...]) -> str | None:
    """Where the result of ``prefix`` (ending in a PythonMap step) is cached, or ``None`` if it is not cacheable."""
    step = prefix[-1]
    opts = step.memo.get(OPTIONS, {})
    if opts.get("memory"):
        return None
    if opts.get("file"):
        return str(opts["file"])
    if not is_caching_enabled() or not has_file_sources(prefix):
        return None
    if "fingerprint" not in step.memo:
        step.memo["fingerprint"] = fingerprint_plan(prefix)
    fp = step.memo["fingerprint"]
    return None if fp is None else os.path.join(maps_root(prefix, opts.get("dir")), f"{fp}.arrow")


def hit(prefix: tuple[Any, ...]) -> str | None:
    """The cache file holding the result of ``prefix`` (ending in a PythonMap step), if present and allowed."""
    step = prefix[-1]
    written = step.memo.get(WRITTEN)
    if written and os.path.exists(written):
        return str(written)
    if not step.memo.get(OPTIONS, {}).get("load", True):
        return None
    path = cache_path(prefix)
    return path if path is not None and os.path.exists(path) else None


def lookup(prefix: tuple[Any, ...]) -> pl.LazyFrame | None:
    """A scan of the cached result of ``prefix``, if present and allowed."""
    path = hit(prefix)
    return None if path is None else pl.scan_ipc(path)


def read_ipc(path: str) -> pl.DataFrame:
    """A whole cache file as a DataFrame through pyarrow's memory map (2-5x faster than ``pl.read_ipc``:
    numeric buffers are not copied, strings are converted once)."""
    import pyarrow as pa

    source = pa.memory_map(path)
    try:
        table = pa.ipc.open_file(source).read_all()
    except pa.ArrowInvalid:  # an Arrow *stream* file (datasets' save_to_disk / cache layout)
        source.seek(0)
        table = pa.ipc.open_stream(source).read_all()
    df = pl.from_arrow(table, rechunk=False)
    assert isinstance(df, pl.DataFrame)
    return df


def whole_file(plan: tuple[Any, ...]) -> str | None:
    """The cache file whose rows are exactly the plan's result (a ``cache()`` source or a Python step's
    cached result with nothing after it), if any: the plan can be read without Polars' IPC reader."""
    last = plan[-1]
    if len(plan) == 1 and isinstance(last, st.Source) and last.format == "arrow" and len(last.files) == 1:
        return last.files[0]
    if len(plan) > 1 and isinstance(last, st.PythonMap):
        return hit(plan)
    return None


def write_atomic(lf: pl.LazyFrame, path: str, *, for_arrow: bool = False) -> None:
    """Stream ``lf`` to Arrow IPC at ``path`` through a temporary file (no partial file on failure).

    Written with Arrow's large types (what ``datasets`` and Arrow tools expect; pyarrow then hands out zero-copy
    batches); ``for_arrow`` is kept for callers that say so explicitly.
    """
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    # always Arrow's large types: Polars' string views after a gather point into the whole source buffer, which
    # IPC would write once per batch (a 14 GB file for 250k shuffled rows)
    compat = pl.CompatLevel.oldest()
    try:
        lf.sink_ipc(tmp, compression="uncompressed", compat_level=compat)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def materialize(plan: tuple[Any, ...], compile_plan: Any) -> list[str]:
    """Write the cache entry of every cacheable Python step of ``plan`` that has none (innermost first, the
    plans of a concatenation included), as ``datasets`` does at ``map()`` time.

    Called before a full collection (``to_list``, ``ds[:]``, ``take(n)`` ...), so each later step runs over a
    memory-mapped scan of the one before; returns the files written. A step writes its own entry while its
    results stream by (``polards.core.udf``), so this drains the step once; a step run by ``num_proc``
    workers is written here.
    """
    written = []
    for i, step in enumerate(plan):
        if isinstance(step, st.Concat):
            for sub in step.plans:
                written += materialize(sub, compile_plan)
        if i == 0 or not isinstance(step, st.PythonMap):
            continue
        prefix = plan[: i + 1]
        if lookup(prefix) is not None:
            continue
        path = cache_path(prefix)
        if path is None:
            continue
        lf = compile_plan(prefix)
        if step.num_proc:
            write_atomic(lf, path)
        else:
            for _ in lf.collect_batches(lazy=True):
                pass
            if not os.path.exists(path):  # nothing streamed (no input rows): nothing to cache
                continue
        step.memo[WRITTEN] = path
        written.append(path)
    return written


def set_target(prefix: tuple[Any, ...]) -> None:
    """Tell a Python step (the end of ``prefix``) where a full pass of it writes its cache entry."""
    step = prefix[-1]
    if not step.num_proc:
        step.memo[CACHE_TARGET] = cache_path(prefix)


def plan_cache_files(plan: tuple[Any, ...]) -> list[str]:
    """The cache files of the Python steps of ``plan`` (existing ones only)."""
    files = []
    for i, step in enumerate(plan):
        if isinstance(step, st.Concat):
            for p in step.plans:
                files.extend(plan_cache_files(p))
        elif i and isinstance(step, st.PythonMap):
            for path in (step.memo.get(WRITTEN), cache_path(plan[: i + 1])):
                if path and os.path.exists(path) and path not in files:
                    files.append(path)
    return files
