"""Shared plumbing of the catalog loaders: option splitting and applying a mapper to any dataset kind."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["apply_mapper", "load_raw", "split_options"]


def split_options(
    factory: Callable[..., Any], kw: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(options the mapper factory accepts, the rest for ``load_dataset``)."""
    params = inspect.signature(factory).parameters
    mine = {k: v for k, v in kw.items() if k in params}
    return mine, {k: v for k, v in kw.items() if k not in params}


def apply_mapper(data: Any, mapper: Callable[[Any], Any]) -> Any:
    """``map_schema`` on a Dataset/IterableDataset, or on every split of a (Iterable)DatasetDict."""
    if isinstance(data, dict):
        return type(data)({split: apply_mapper(ds, mapper) for split, ds in data.items()})
    return data.map_schema(mapper)


def load_raw(repo_id: str, config: str | None, split: str | None, streaming: bool, **kw: Any) -> Any:
    """``polards.load_dataset`` with the catalog's argument conventions."""
    from polards import load_dataset

    return load_dataset(repo_id, config, split=split, streaming=streaming, **kw)
