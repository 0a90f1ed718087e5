"""Sizes of a loaded dataset as ``datasets`` reports them, and the ``keep_in_memory`` default built on them.

``datasets`` records, per split, ``num_bytes``: the Arrow size of its rows in ``datasets``' own types (``string``
with 32-bit offsets, ``list``...), ``dataset_size`` (their sum), ``download_size`` (the bytes of the data files)
and ``size_in_bytes`` (both). polards reads its sources lazily, so ``num_bytes`` is measured on first use (one
streaming pass over each split, batch by batch) and kept; ``download_size`` is the size of the local files.
``load_dataset(keep_in_memory=None)`` keeps a dataset in memory when ``0 < dataset_size < IN_MEMORY_MAX_SIZE``
(``datasets.config.IN_MEMORY_MAX_SIZE`` under the compat layer, else ``$HF_DATASETS_IN_MEMORY_MAX_SIZE``;
default 0: never), as ``datasets``' ``is_small_dataset``. Only the splits that were loaded are measured.

>>> import os, tempfile
>>> from polards import load_dataset
>>> d = tempfile.mkdtemp()
>>> for split in ("train", "test"):
...     _ = open(os.path.join(d, f"{split}.txt"), "w").write("foo\\n" * 10)
>>> ds = load_dataset(d, split="train")
>>> ds.dataset_size, ds.info.splits["train"].num_bytes, ds.download_size, ds.size_in_bytes
(70, 70, 40, 110)
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

from polards.hub.info import DatasetInfo, SplitInfo


class _Measure:
    """The split datasets of one load, measured once (shared by the infos of every split; never copied)."""

    def __init__(self, datasets: dict[str, Any]) -> None:
        self.datasets = datasets
        self.sizes: dict[str, tuple[int, int]] = {}
        self.lock = threading.Lock()

    def __deepcopy__(self, memo: dict[int, Any]) -> _Measure:
        return self

    def __getstate__(self) -> dict[str, Any]:  # pickled with its datasets (num_proc workers, Pool.map)
        return {"datasets": self.datasets, "sizes": self.sizes}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.lock = threading.Lock()

    def size(self, name: str) -> tuple[int, int]:
        """``(num_examples, num_bytes)`` of one split."""
        with self.lock:
            if name not in self.sizes:
                self.sizes[name] = split_size(self.datasets[name])
            return self.sizes[name]


def split_size(ds: Any) -> tuple[int, int]:
    """``(num_examples, num_bytes)`` of a dataset: its rows and their Arrow size in ``datasets``' types."""
    from polards.io.write import to_hf_arrow

    rows = nbytes = 0
    features = ds.features
    for batch in ds.lazy().collect_batches(chunk_size=10_000, lazy=True):
        rows += batch.height
        nbytes += to_hf_arrow(batch, features).nbytes
    return rows, nbytes


@dataclass
class LoadedDatasetInfo(DatasetInfo):
    """The info of a ``load_dataset`` split: ``splits[...].num_bytes`` and the sizes filled on first use."""

    measure: Any = field(default=None, compare=False, repr=False)

    def _fill(self) -> None:
        if self.measure is None:
            return
        for name, split in self.splits.items():
            if split.num_bytes is None and name in self.measure.datasets:
                split.num_examples, split.num_bytes = self.measure.size(name)

    @property
    def dataset_size(self) -> int | None:
        self._fill()
        return DatasetInfo.dataset_size.fget(self)  # type: ignore[attr-defined]

    @property
    def size_in_bytes(self) -> int | None:
        size = self.dataset_size
        return (
            None if size is None and self.download_size is None else (size or 0) + (self.download_size or 0)
        )


def _file_size(path: Any) -> int:
    try:
        return os.path.getsize(os.fspath(path))
    except (OSError, TypeError):
        return 0


def attach_infos(datasets: dict[str, Any], config_name: str, dataset_name: str) -> None:
    """Give every loaded split its :class:`LoadedDatasetInfo` (one per split, sharing one measurement)."""
    from polards.core import steps as st

    measure = _Measure(dict(datasets))
    download = 0
    for ds in datasets.values():
        root = ds._plan[0]
        download += sum(_file_size(f) for f in (root.files if isinstance(root, st.Source) else ()))
    for ds in datasets.values():
        ds.info = LoadedDatasetInfo(
            config_name=config_name,
            dataset_name=dataset_name,
            splits={n: SplitInfo(name=n, dataset_name=dataset_name) for n in datasets},
            download_size=download,
            measure=measure,
        )


def in_memory_max_size() -> float:
    """``datasets.config.IN_MEMORY_MAX_SIZE``: the compat layer's setting when it is loaded and set, else
    ``$HF_DATASETS_IN_MEMORY_MAX_SIZE`` (bytes; default 0)."""
    config = sys.modules.get("polards.compat.config")
    value = getattr(config, "IN_MEMORY_MAX_SIZE", 0) if config is not None else 0
    if not value:
        value = os.environ.get("HF_DATASETS_IN_MEMORY_MAX_SIZE", 0)
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def is_small_dataset(info: Any) -> bool:
    """``datasets``' ``is_small_dataset``: ``dataset_size < IN_MEMORY_MAX_SIZE`` when both are set (the size
    is measured only then)."""
    limit = in_memory_max_size()
    if not limit:
        return False
    size = getattr(info, "dataset_size", None)
    return bool(size) and size < limit
