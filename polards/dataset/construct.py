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
from polards.features.json_type import encode_json_field, mixed_type_paths, set_json_at
from polards.features.types import feature_from_arrow, to_polars_arrow_type


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


def _storage(arr: pa.Array) -> pa.Array:
    return arr.storage if isinstance(arr, pa.ExtensionArray) else arr


def column_to_arrow(name: str, values: Any, feature: Any = None) -> pa.Array | pa.ChunkedArray:
    """One column as Arrow, typed by ``feature`` when given (encoding labels/media and, when Arrow refuses the
    raw values, applying ``datasets``' per-value ``encode_example``: ``str(1)``, ``int("3")``...)."""
    raw = values
    values = _values(values)
    if isinstance(values, pa.Array | pa.ChunkedArray):
        if feature is None:
            return values
        try:
            if hasattr(feature, "cast_storage"):  # ClassLabel names, Json text: datasets' cast_storage
                chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
                cast = [_storage(feature.cast_storage(c)) for c in chunks]
                values = pa.chunked_array(cast) if cast else values
            return values.cast(to_polars_arrow_type(feature))
        except pa.ArrowException as e:
            raise _arrow_error(name, e) from e
    if feature is None:
        try:
            return pa.array(values)
        except (pa.ArrowException, OverflowError) as e:
            raise _arrow_error(name, e) from e
    typ = to_polars_arrow_type(feature)
    if not needs_encoding(feature):
        try:
            return pa.array(values, type=typ)
        except (pa.ArrowException, OverflowError, TypeError, ValueError):
            pass  # fall back to per-value encoding, as datasets always does
    items = values.tolist() if isinstance(values, np.ndarray) else values
    if isinstance(raw, list | tuple):  # a numpy array value (an image...) reaches encode_example as an array
        items = [r if isinstance(r, np.ndarray) else v for r, v in zip(raw, items, strict=True)]
    encoded = [encode_nested(feature, v) for v in items]
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


def json_column(name: str, values: Any) -> tuple[pa.Array | pa.ChunkedArray, Any]:
    """``datasets``' ``on_mixed_types="use_json"`` for one column: the fields whose values mix types (dicts with
    differing keys, dicts or lists mixed with scalars, mixed scalars) become ``Json``; the rest keep their
    Arrow type. Returns the column (as :func:`column_to_arrow` builds it) and its feature.

    >>> json_column("c", [{"x": 1, "y": {"a": 1}}, {"x": 2, "y": {"b": 1}}])[1]
    {'x': Value('int64'), 'y': Json(decode=True)}
    """
    values = _values(values)
    if isinstance(values, pa.Array | pa.ChunkedArray | np.ndarray):
        arr = column_to_arrow(name, values)
        return arr, feature_from_arrow(arr.type)
    paths = mixed_type_paths(list(values))
    if not paths:
        arr = column_to_arrow(name, values)
        return arr, feature_from_arrow(arr.type)
    encoded = list(values)
    for path in paths:
        encoded = [encode_json_field(v, path) for v in encoded]
    try:
        plain = pa.array(encoded)
    except (pa.ArrowException, OverflowError) as e:
        raise _arrow_error(name, e) from e
    feature = set_json_at(feature_from_arrow(plain.type), paths)
    return column_to_arrow(name, encoded, feature), feature


def frame_with_json(columns: Mapping[str, Iterable[Any]]) -> tuple[pl.DataFrame, Features]:
    """A DataFrame and its features from a dict of columns, mixed types stored as ``Json`` (see
    :func:`json_column`); ``datasets``' ``from_dict(..., on_mixed_types="use_json")``.

    >>> frame, features = frame_with_json({"a": [1, "x"], "b": [1, 2]})
    >>> features, frame["a"].to_list()
    ({'a': Json(decode=True), 'b': Value('int64')}, ['1', '"x"'])
    """
    built = {name: json_column(name, values) for name, values in columns.items()}
    lengths = {k: len(v[0]) for k, v in built.items()}
    if len(set(lengths.values())) > 1:
        raise exceptions.ArrowValueError(f"Columns have different lengths: {lengths}")
    frame = pl.from_arrow(pa.table({k: v[0] for k, v in built.items()})) if built else pl.DataFrame()
    assert isinstance(frame, pl.DataFrame)
    return frame, Features({k: v[1] for k, v in built.items()})


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


def polars_frame_features(schema: Mapping[str, pl.DataType]) -> Features:
    """The features ``datasets`` gives a Polars frame: those of its Arrow export, so strings are
    ``large_string``, lists ``LargeList`` and binary ``large_binary`` (the data reads back the same).

    >>> polars_frame_features(pl.Schema({"s": pl.String, "l": pl.List(pl.Int64), "n": pl.Int32}))
    {'s': Value('large_string'), 'l': LargeList(Value('int64')), 'n': Value('int32')}
    """
    try:
        arrow_schema = pl.DataFrame(schema=pl.Schema(schema)).to_arrow().schema
    except Exception:  # noqa: BLE001 - a dtype Arrow cannot hold (Object): Polars' own rule names it
        return Features.from_polars_schema(schema)
    return Features.from_arrow_schema(arrow_schema.remove_metadata())


def cast_frame(lf: pl.LazyFrame, features: Features) -> pl.LazyFrame:
    """``lf`` with its columns cast to ``features`` (``datasets``' ``from_polars(df, features=...)`` casts the
    table): nothing to do when the dtypes already match; ``TypeError``/``ValueError`` when a cast cannot be made,
    as ``datasets`` raises. Columns that do not match the features by name are left for the caller to refuse.

    >>> from polards.features import Value
    >>> cast_frame(pl.LazyFrame({"a": [1]}), Features({"a": Value("int32")})).collect_schema()
    Schema([('a', Int32)])
    """
    from polards.features.cast import plan_cast

    schema = lf.collect_schema()
    if list(schema) != list(features) or features.to_polars_schema() == schema:
        return lf
    wrapped = [c for c, t in schema.items() if hasattr(pl, "Extension") and isinstance(t, pl.Extension)]
    if wrapped:  # Arrow extension types (arrow.json, datasets' arrays): their storage, then the cast below
        lf = lf.with_columns(pl.col(c).ext.storage() for c in wrapped)
        schema = lf.collect_schema()
        if features.to_polars_schema() == schema:
            return lf
    plan = plan_cast(lf, Features.from_polars_schema(schema), features)
    plan.validate(lf)
    return lf.with_columns(plan.exprs) if plan.exprs else lf
