"""Output formats (``with_format``): how rows, batches and columns are returned to the caller."""

from __future__ import annotations

from typing import Any

import polars as pl

from polards.exceptions import InvalidArgumentError
from polards.features import Features

FORMATS = ("python", "numpy", "polars", "arrow", "pandas")


def check_format(kind: str | None) -> str:
    kind = "python" if kind is None else kind
    if kind in ("np", "pl", "pa", "pd"):
        kind = {"np": "numpy", "pl": "polars", "pa": "arrow", "pd": "pandas"}[kind]
    if kind not in FORMATS:
        msg = f"Unknown format type {kind!r}. Hint: use one of {list(FORMATS)} or None."
        raise InvalidArgumentError(msg)
    return kind


def _decode(df: pl.DataFrame, features: Features) -> dict[str, list[Any]]:
    data = {c: df.get_column(c).to_list() for c in df.columns}
    for name, decode in features.decoders().items():
        if name in data:
            data[name] = [decode(v) for v in data[name]]
    return data


def format_row(df: pl.DataFrame, kind: str, features: Features) -> Any:
    """One row (a 1-row frame) in the given format."""
    if kind == "python":
        return {k: v[0] for k, v in _decode(df, features).items()}
    if kind == "numpy":
        return {c: _np(df.get_column(c))[0] for c in df.columns}
    return format_batch(df, kind, features)


def format_batch(df: pl.DataFrame, kind: str, features: Features) -> Any:
    """A batch (dict of columns for python/numpy; a table for polars/arrow/pandas)."""
    if kind == "python":
        return _decode(df, features)
    if kind == "numpy":
        return {c: _np(df.get_column(c)) for c in df.columns}
    if kind == "polars":
        return df
    if kind == "arrow":
        return arrow_table(df)
    return df.to_pandas()


def arrow_table(df: pl.DataFrame) -> Any:
    """``df.to_arrow()`` with the usual large types, without converting a slice's whole parent buffer: export
    as views (zero-copy for slices) and cast just this batch (20x faster on batches cut from a big frame)."""
    target = df.head(0).to_arrow().schema
    return df.to_arrow(compat_level=pl.CompatLevel.newest()).cast(target)


def format_column(s: pl.Series, kind: str, features: Features) -> Any:
    if kind == "python":
        return _decode(s.to_frame(), features)[s.name]
    if kind == "numpy":
        return _np(s)
    if kind == "polars":
        return s
    if kind == "arrow":
        return s.to_arrow()
    return s.to_pandas()


def _np(s: pl.Series) -> Any:
    import numpy as np

    if s.dtype.is_numeric() or s.dtype == pl.Boolean:
        return s.to_numpy()
    if isinstance(s.dtype, pl.Array | pl.List):
        try:
            return np.array(s.to_list())
        except ValueError:
            return np.array(s.to_list(), dtype=object)
    return np.array(s.to_list(), dtype=object)
