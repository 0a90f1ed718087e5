"""``Dataset.cache()``: materialise a plan once to Arrow IPC and scan it memory-mapped afterwards.

The file is named by the plan's fingerprint (:mod:`polards.core.fingerprint`: source file identities or an
in-memory frame's bytes, step parameters, function code), so ``cache()`` on an identical pipeline, in this
process or a later one, reuses it instead of recomputing. Epoch 2+ iteration and random access then read the
memory-mapped file (zero-copy) and the handle keeps the lazy API (it is a ``scan_ipc``).

>>> import tempfile, polars as pl
>>> from polards import Dataset
>>> d = tempfile.mkdtemp()
>>> ds = Dataset.from_dict({"a": [1, 2, 3]}).filter(pl.col("a") > 1)
>>> c1, c2 = ds.cache(d), ds.cache(d)
>>> c1.cache_files == c2.cache_files, c1["a"]
(True, [2, 3])
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import polars as pl

from polards.core import steps as st
from polards.core.fingerprint import fingerprint_plan
from polards.core.map_cache import cache_root, materialize, plan_cache_files, table_files, write_atomic

CACHE_LABEL = "cache "  # label of the Source a cache() handle reads


def cache_dataset(ds: Any, cache_dir: str | None = None) -> Any:
    """A new handle reading ``ds``'s rows from an Arrow IPC file in the cache (written if missing)."""
    from polards.dataset.dataset import Dataset

    key = fingerprint_plan(ds._plan) or f"unhashable-{uuid.uuid4().hex}"
    path = os.path.join(cache_root(cache_dir, "materialized"), f"{key}.arrow")
    if not os.path.exists(path):
        from polards.core.compile import compile_plan

        materialize(ds._plan, compile_plan)  # Python steps' own cache entries first
        write_atomic(ds.lazy(), path, for_arrow=True)  # epoch 2+ Arrow batches are zero-copy slices
    lf = pl.scan_ipc(path)
    out = Dataset(
        (st.Source(lf, f"{CACHE_LABEL}{path}", (path,), "arrow"),),
        ds.features,
        format=ds._format,
        split=ds.split,
        info=ds.info,
    )
    return out


def arrow_in_memory(frame: pl.DataFrame) -> tuple[Any, pl.DataFrame]:
    """``frame``'s rows copied into one buffer of pyarrow's memory pool, and a DataFrame over that buffer
    (zero-copy: Polars keeps the buffer alive and frees it with the frame).

    The copy is an uncompressed Arrow IPC stream written into a pyarrow buffer, so the result holds no
    reference to files or to ``frame``."""
    import pyarrow as pa

    table = frame.to_arrow(compat_level=pl.CompatLevel.oldest())  # large types: Polars imports them as-is
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    del table
    copied = pa.ipc.open_stream(sink.getvalue()).read_all()
    out = pl.from_arrow(copied, rechunk=False)
    assert isinstance(out, pl.DataFrame)
    return copied, out


def load_into_memory(ds: Any) -> Any:
    """``keep_in_memory=True``: the dataset's rows read now into Arrow memory (``datasets``' in-memory table).

    The result reads no file (its source files may be deleted; ``cache_files`` is empty) and keeps the
    features, format, split and info of ``ds``. Costs the dataset's Arrow size in memory, like ``datasets``.

    >>> import os, tempfile
    >>> from polards import Dataset
    >>> path = os.path.join(tempfile.mkdtemp(), "a.csv")
    >>> _ = open(path, "w").write("a\\n1\\n2\\n")
    >>> ds = Dataset.from_csv(path, keep_in_memory=True)
    >>> os.remove(path)
    >>> ds["a"], ds.cache_files
    ([1, 2], [])
    """
    from polards.dataset.dataset import Dataset

    table, frame = arrow_in_memory(ds._frame())
    out = Dataset(
        (st.Source(frame.lazy(), "in-memory table"),),
        ds.features,
        format=ds._format,
        split=ds.split,
        info=ds.info,
    )
    out._memo.update({"arrow_table": table, "frame": frame, "len": frame.height})
    return out


def to_cache_file(parent: Any, out: Any, path: str, load_from_cache_file: bool | None) -> Any:
    """``map(fn, cache_file_name=path)``: as ``datasets``, the rows are written to ``path`` at ``map()`` time
    (an Arrow IPC stream file with the features in its schema metadata, readable by ``datasets``) and the result
    reads that file; an existing file is reused (not recomputed) unless ``load_from_cache_file=False`` or
    caching is disabled."""
    from polards.core.fingerprint import is_caching_enabled
    from polards.core.map_cache import log_cache_hit
    from polards.dataset.dataset import Dataset
    from polards.dataset.disk import write_arrow_stream

    load = load_from_cache_file if load_from_cache_file is not None else is_caching_enabled()
    if load and os.path.exists(path):
        log_cache_hit(path)
    else:
        write_arrow_stream(out, path)
    written = Dataset.from_file(path, split=parent.split)
    result = Dataset(
        written._plan, written.features, format=parent._format, split=parent.split, info=parent.info
    )
    result._memo.update(written._memo)
    return result


def cache_files(ds: Any) -> list[str]:
    """``datasets``' ``cache_files``: the Arrow files the dataset's rows are read from (see
    :func:`polards.core.map_cache.table_files`).

    ``datasets`` has written a map's cache file by the time ``map()`` returns; polards writes it at the first
    full collection, so asking for the files first writes the pending entries of cacheable Python steps
    (:func:`polards.core.map_cache.materialize`: file-backed datasets only; nothing runs for in-memory ones).
    """
    from polards.core.compile import compile_plan

    materialize(ds._plan, compile_plan)
    return table_files(ds._plan)


def own_cache_files(ds: Any) -> list[str]:
    """The files polards itself wrote for the dataset: its ``cache()`` file and its Python steps' results
    (never a file the user gave: ``from_file``'s or ``load_from_disk``'s)."""
    root = ds._plan[0]
    files = list(root.files) if isinstance(root, st.Source) and root.label.startswith(CACHE_LABEL) else []
    return files + [f for f in plan_cache_files(ds._plan) if f not in files]


def cleanup_cache_files(ds: Any) -> int:
    """Delete the cache files polards wrote for the dataset (:func:`own_cache_files`); returns how many were
    removed. (``datasets`` instead deletes the *other* ``cache-*.arrow`` files beside the current ones.)"""
    removed = 0
    for f in own_cache_files(ds):
        if os.path.exists(f):
            os.remove(f)
            removed += 1
    return removed
