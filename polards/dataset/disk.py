"""``save_to_disk`` / ``load_from_disk``: parquet shards + ``dataset_info.json``, per split for a dict."""

from __future__ import annotations

import json
import os
import shutil
from typing import Any

from polards.exceptions import DatasetNotFoundError

INFO = "dataset_info.json"
DICT_INFO = "dataset_dict.json"


def _save_one(ds: Any, path: str) -> None:
    from polards.io.write import write_parquet

    os.makedirs(path, exist_ok=True)
    write_parquet(ds, os.path.join(path, "data-00000-of-00001.parquet"))
    with open(os.path.join(path, INFO), "w", encoding="utf-8") as f:
        json.dump({"features": ds.features.to_dict(), "num_rows": len(ds), "builder": "polards"}, f)


def save_to_disk(obj: Any, path: str) -> None:
    """Write to a temporary folder next to ``path`` and swap it in, so a crash never leaves half a dataset."""
    from polards.dataset.dataset_dict import DatasetDict

    tmp = f"{path.rstrip(os.sep)}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    if isinstance(obj, DatasetDict):
        for split, ds in obj.items():
            _save_one(ds, os.path.join(tmp, split))
        with open(os.path.join(tmp, DICT_INFO), "w", encoding="utf-8") as f:
            json.dump({"splits": list(obj)}, f)
    else:
        _save_one(obj, tmp)
    if os.path.exists(path):
        shutil.rmtree(path)
    os.replace(tmp, path)


def load_from_disk(dataset_path: str, keep_in_memory: bool | None = None, **kw: Any) -> Any:
    """Load what :func:`save_to_disk` wrote (lazily, as a parquet scan)."""
    from polards.dataset.dataset import Dataset
    from polards.dataset.dataset_dict import DatasetDict
    from polards.features import Features

    if os.path.exists(os.path.join(dataset_path, DICT_INFO)):
        with open(os.path.join(dataset_path, DICT_INFO), encoding="utf-8") as f:
            splits = json.load(f)["splits"]
        return DatasetDict({s: load_from_disk(os.path.join(dataset_path, s)) for s in splits})
    info_path = os.path.join(dataset_path, INFO)
    if not os.path.exists(info_path):
        raise DatasetNotFoundError(
            f"Directory {dataset_path} is neither a `Dataset` directory nor a `DatasetDict` directory."
        )
    with open(info_path, encoding="utf-8") as f:
        info = json.load(f)
    ds = Dataset.from_parquet(
        os.path.join(dataset_path, "*.parquet"), features=Features.from_dict(info["features"])
    )
    return ds
