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

from polards.core.fingerprint import fingerprint_plan
from polards.core.map_cache import cache_root, plan_cache_files, write_atomic


def cache_dataset(ds: Any, cache_dir: str | None = None) -> Any:
    """A new handle reading ``ds``'s rows from an Arrow IPC file in the cache (written if missing)."""
    from polards.core import steps as st
    from polards.dataset.dataset import Dataset

    key = fingerprint_plan(ds._plan) or f"unhashable-{uuid.uuid4().hex}"
    path = os.path.join(cache_root(cache_dir, "materialized"), f"{key}.arrow")
    if not os.path.exists(path):
        from polards.core.compile import compile_plan
        from polards.core.map_cache import materialize

        materialize(ds._plan, compile_plan)  # Python steps' own cache entries first
        write_atomic(ds.lazy(), path, for_arrow=True)  # epoch 2+ Arrow batches are zero-copy slices  # epoch 2+ Arrow batches are zero-copy slices
    lf = pl.scan_ipc(path)
    out = Dataset(
        (st.Source(lf, f"cache {path}", (path,), "arrow"),),
        ds.features,
        format=ds._format,
        split=ds.split,
        info=ds.info,
    )
    out._memo["cache_files"] = [path]
    return out


def cache_files(ds: Any) -> list[str]:
    """The cache files a dataset reads or wrote: its ``cache()`` file and its Python steps' results."""
    files = list(ds._memo.get("cache_files", []))
    return files + [f for f in plan_cache_files(ds._plan) if f not in files]


def cleanup_cache_files(ds: Any) -> int:
    """Delete the dataset's cache files (as ``datasets``); returns how many were removed."""
    removed = 0
    for f in cache_files(ds):
        if os.path.exists(f):
            os.remove(f)
            removed += 1
    return removed
