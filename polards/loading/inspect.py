"""``get_dataset_config_names`` / ``get_dataset_split_names`` / ``get_dataset_infos`` for Hub repos and local data."""

from __future__ import annotations

import os
from typing import Any

from polards.hub import info as hub_info
from polards.hub.resolve import pick_config
from polards.loading.sources import BUILDERS, find_source


def _is_local(path: str) -> bool:
    return path in BUILDERS or os.path.isdir(path)


def _local_source(path: str, kwargs: dict[str, Any]) -> Any:
    """The resolved configs of a local folder (``data_files``/``data_dir`` from the caller's kwargs)."""
    return find_source(
        path,
        None,
        data_files=kwargs.get("data_files"),
        data_dir=kwargs.get("data_dir"),
        revision=None,
        token=None,
        cache_dir=None,
    )


def get_dataset_config_names(path: str, revision: str | None = None, **kwargs: Any) -> list[str]:
    """Config names, in README order (``["default"]`` when the dataset has no ``configs:`` block).

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "train.csv").write_text("a\\n1\\n")
    >>> get_dataset_config_names(str(d))
    ['default']
    """
    if _is_local(path):
        src = _local_source(path, kwargs)
        return [c.name for c in src.configs]
    return hub_info.get_dataset_config_names(path, revision, **kwargs)


def get_dataset_split_names(path: str, config_name: str | None = None, **kwargs: Any) -> list[str]:
    """Split names of a config (the default one when ``config_name`` is None)."""
    if _is_local(path):
        src = _local_source(path, kwargs)
        return list(pick_config(src.configs, config_name, path, src.files).splits)
    return hub_info.get_dataset_split_names(path, config_name, **kwargs)


def get_dataset_infos(path: str, revision: str | None = None, **kwargs: Any) -> dict[str, Any]:
    """config -> DatasetInfo with features and per-split ``num_examples`` (no data pages read)."""
    if _is_local(path):
        from polards.loading.load import load_dataset

        src = _local_source(path, kwargs)
        out = {}
        for cfg in src.configs:
            dd = load_dataset(
                path, cfg.name, data_files=kwargs.get("data_files"), data_dir=kwargs.get("data_dir")
            )
            first = next(iter(dd.values()))
            splits = {n: hub_info.SplitInfo(n, len(ds)) for n, ds in dd.items()}
            out[cfg.name] = hub_info.DatasetInfo(
                cfg.name, os.path.basename(path.rstrip("/")), first.features, splits
            )
        return out
    return hub_info.get_dataset_infos(path, revision, **kwargs)
