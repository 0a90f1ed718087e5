"""polards: the Hugging Face ``datasets`` API on lazy Polars plans.

>>> import polards as pds
>>> ds = pds.Dataset.from_dict({"a": [3, 1, 2]})
>>> ds.sort("a")["a"]
[1, 2, 3]
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what a type checker sees; at run time the names below are imported on first use
    from polards.catalog import dataset_info, list_datasets
    from polards.core.fingerprint import disable_caching, enable_caching, is_caching_enabled
    from polards.dataset.combine import concatenate_datasets, interleave_datasets
    from polards.dataset.dataset import Dataset
    from polards.dataset.dataset_dict import DatasetDict, IterableDatasetDict
    from polards.dataset.disk import load_from_disk
    from polards.dataset.iterable import IterableDataset
    from polards.distributed import from_ray, split_dataset_by_node
    from polards.features import (
        Audio,
        ClassLabel,
        Features,
        Image,
        LargeList,
        List,
        Sequence,
        Translation,
        Value,
    )
    from polards.loading import (
        get_dataset_config_names,
        get_dataset_infos,
        get_dataset_split_names,
        load_dataset,
    )
    from polards.progress import (
        are_progress_bars_disabled,
        disable_progress_bar,
        disable_progress_bars,
        enable_progress_bar,
        enable_progress_bars,
        is_progress_bar_enabled,
    )

__version__ = "0.1.0"

# name -> module that defines it; imported on first use so `import polards` stays cheap and layered.
_LAZY = {
    "Dataset": "polards.dataset.dataset",
    "IterableDataset": "polards.dataset.iterable",
    "DatasetDict": "polards.dataset.dataset_dict",
    "IterableDatasetDict": "polards.dataset.dataset_dict",
    "concatenate_datasets": "polards.dataset.combine",
    "interleave_datasets": "polards.dataset.combine",
    "load_from_disk": "polards.dataset.disk",
    "Features": "polards.features",
    "Value": "polards.features",
    "ClassLabel": "polards.features",
    "List": "polards.features",
    "Sequence": "polards.features",
    "LargeList": "polards.features",
    "Image": "polards.features",
    "Audio": "polards.features",
    "Translation": "polards.features",
    "load_dataset": "polards.loading",
    "get_dataset_config_names": "polards.loading",
    "get_dataset_split_names": "polards.loading",
    "get_dataset_infos": "polards.loading",
    "split_dataset_by_node": "polards.distributed",
    "from_ray": "polards.distributed",
    "list_datasets": "polards.catalog",
    "dataset_info": "polards.catalog",
    "disable_progress_bars": "polards.progress",
    "enable_progress_bars": "polards.progress",
    "are_progress_bars_disabled": "polards.progress",
    "is_progress_bar_enabled": "polards.progress",
    "disable_progress_bar": "polards.progress",
    "enable_progress_bar": "polards.progress",
    "disable_caching": "polards.core.fingerprint",
    "enable_caching": "polards.core.fingerprint",
    "is_caching_enabled": "polards.core.fingerprint",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name == "logging":  # ``polards.logging`` like ``datasets.logging``
        return importlib.import_module("polards.logging")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'polards' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
