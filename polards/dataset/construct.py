"""Building Polars frames from python values, through Arrow (fast, and no silently dropped struct keys).

NaN stays NaN (never turned into null), and a column mixing types raises as ``datasets`` does (pyarrow's
``ArrowInvalid``/``ArrowTypeError``, here as polards subclasses naming the column) instead of becoming strings.

>>> frame_from_columns({"x": [1.0, float("nan"), None]})["x"].to_list()
[1.0, nan, None]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from polards import exceptions
from polards.exceptions import FeatureNotFoundError, FeatureTypeError, InvalidArgumentError
from polards.features import Features
from polards.features.features import encode_nested, needs_encoding
from polards.features.types import to_arrow_type


def _arrow_error(name: str, err: Exception) -> Exception:
    """pyarrow's conversion error as the polards subclass of the same pyarrow class, naming the column."""
    msg = f"Column {name!r}: {err}"
    if isinstance(err, pa.ArrowTypeError):
        return exceptions.ArrowTypeMismatchError(msg)
    if isinstance(err, pa.ArrowInvalid):
        return exceptions.ArrowValueError(msg)
    if isinstance(err, OverflowError):
        return exceptions.ValueOverflowError(msg)
    return FeatureTypeError(msg)


def _values(values: Any) -> Any:
    """What ``pa.array`` takes: 1-d numpy arrays as they are (NaN kept), anything else as a list."""
    if isinstance(values, np.ndarray) and values.ndim == 1 and values.dtype != object:
        return values
    if isinstance(values, np.ndarray):
        return [v.tolist() if isinstance(v, np.ndarray) else v for v in values]
    if isinstance(values, pl.Series):
        return values.to_arrow()
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values
    return [v.tolist() if isinstance(v, np.ndarray) else v for v in values]


def column_to_arrow(name: str, values: Any, feature: Any = None) -> pa.Array | pa.ChunkedArray:
    """One column as Arrow, typed by ``feature`` when given (encoding labels/media and, when Arrow refuses the
    raw values, applying ``datasets``' per-value ``encode_example``: ``str(1)``, ``int("3")``...)."""
    values = _values(values)
    if isinstance(values, pa.Array | pa.ChunkedArray):
        if feature is None:
            return values
        try:
            return values.cast(to_arrow_type(feature))
        except pa.ArrowException as e:
            raise _arrow_error(name, e) from e
    if feature is None:
        try:
            return pa.array(values)
        except (pa.ArrowException, OverflowError) as e:
            raise _arrow_error(name, e) from e
    typ = to_arrow_type(feature)
    if not needs_encoding(feature):
        try:
            return pa.array(values, type=typ)
        except (pa.ArrowException, OverflowError, TypeError, ValueError):
            pass  # fall back to per-value encoding, as datasets always does
    encoded = [
        encode_nested(feature, v) for v in (values.tolist() if isinstance(values, np.ndarray) else values)
    ]
    try:
        return pa.array(encoded, type=typ)
    except (pa.ArrowException, OverflowError) as e:
        raise _arrow_error(name, e) from e


def frame_from_columns(
    columns: Mapping[str, Iterable[Any]], features: Features | None = None
) -> pl.DataFrame:
    """A DataFrame from a dict of columns; ``features`` fix the types and encode labels and images."""
    if features is not None:
        extra = [k for k in columns if k not in features]
        if extra:
            raise FeatureNotFoundError(
                f"Column {extra[0]!r} is not in the features {list(features)}. "
                "Hint: the features must describe every column."
            )
        missing = [k for k in features if k not in columns]
        if missing:
            raise InvalidArgumentError(
                f"Keys mismatch: the features have {missing} that the data does not have (columns: {list(columns)})."
            )
    arrays = {
        name: column_to_arrow(name, values, features[name] if features is not None else None)
        for name, values in columns.items()
    }
    lengths = {k: len(v) for k, v in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise exceptions.ArrowValueError(f"Columns have different lengths: {lengths}")
    frame = pl.from_arrow(pa.table(arrays)) if arrays else pl.DataFrame()
    assert isinstance(frame, pl.DataFrame)
    return frame


def rows_to_columns(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """``datasets``' ``from_list``: the first row's keys are the columns; a missing key is ``None``.

    >>> rows_to_columns([{"a": 1}, {"a": 2, "b": 3}])
    {'a': [1, 2]}
    """
    rows = list(rows)
    keys = list(rows[0]) if rows else []
    return {k: [r.get(k) for r in rows] for k in keys}


def features_for(features: Any, info: Any) -> Features | None:
    """The features a constructor uses: ``features``, else ``info.features``; both given must agree."""
    info_features = getattr(info, "features", None) if info is not None else None
    if features is not None and info_features is not None and Features(info_features) != Features(features):
        msg = f"Features specified in `features` and `info.features` can't be different:\n{features}\n{info_features}"
        raise InvalidArgumentError(msg)
    chosen = features if features is not None else info_features
    return None if chosen is None else chosen if isinstance(chosen, Features) else Features(chosen)


def cast_arrow_table(table: pa.Table, features: Features) -> pa.Table:
    """``table`` typed as ``features`` (columns in the table's order), failing like a safe pyarrow cast."""
    missing = [k for k in features if k not in table.column_names]
    extra = [k for k in table.column_names if k not in features]
    if missing or extra:
        raise InvalidArgumentError(
            f"Keys mismatch between the table's columns {table.column_names} and the features {list(features)}."
        )
    arrays = [column_to_arrow(name, table.column(name), features[name]) for name in table.column_names]
    return pa.table(arrays, names=table.column_names)


def generate_rows(
    generator: Any, gen_kwargs: Mapping[str, Any] | None, num_proc: int | None
) -> list[Mapping[str, Any]]:
    """All rows of ``generator(**gen_kwargs)``; list-valued kwargs are shards and must have equal lengths when
    ``num_proc`` > 1 (as ``datasets`` requires). One call over all shards yields the rows in the same order."""
    kwargs = dict(gen_kwargs or {})
    if num_proc is not None and num_proc < 1:
        raise InvalidArgumentError(f"num_proc must be >= 1, got {num_proc}.")
    lists = {k: len(v) for k, v in kwargs.items() if isinstance(v, list)}
    if num_proc is not None and num_proc > 1 and len(set(lists.values())) > 1:
        msg = (
            "Sharding is ambiguous for this dataset: we found several data sources lists of different lengths, "
            f"and we don't know over which list we should parallelize: {lists}"
        )
        raise RuntimeError(msg)
    rows = []
    for row in generator(**kwargs):
        if not isinstance(row, Mapping):
            raise FeatureTypeError(f"The generator must yield dicts (one per row), got {type(row).__name__}.")
        rows.append(row)
    return rows
