"""``Dataset.cache()``: materialise a plan once to Arrow IPC and scan it memory-mapped afterwards."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import polars as pl


def cache_root(cache_dir: str | None = None) -> str:
    root = (
        cache_dir
        or os.environ.get("POLARDS_CACHE")
        or os.path.join(os.path.expanduser("~"), ".cache", "polards")
    )
    os.makedirs(os.path.join(root, "materialized"), exist_ok=True)
    return os.path.join(root, "materialized")


def cache_dataset(ds: Any, cache_dir: str | None = None) -> Any:
    from polards.core import steps as st
    from polards.dataset.dataset import Dataset

    plan_text = ds.explain(optimized=False)
    key = hashlib.sha256(plan_text.encode()).hexdigest()[:24]
    path = os.path.join(cache_root(cache_dir), f"{key}.arrow")
    if not os.path.exists(path):
        tmp = f"{path}.tmp-{os.getpid()}"
        try:
            ds.lazy().sink_ipc(tmp, compression="uncompressed")
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    out = Dataset(
        (st.Source(pl.scan_ipc(path), f"cache {path}", (path,), "arrow"),),
        ds.features,
        format=ds._format,
        split=ds.split,
        info=ds.info,
    )
    out._memo["cache_files"] = [path]
    return out


def cleanup_cache_files(ds: Any) -> int:
    files = ds._memo.get("cache_files", [])
    removed = 0
    for f in files:
        if os.path.exists(f):
            os.remove(f)
            removed += 1
    return removed
