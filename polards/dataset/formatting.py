"""Output formats (``with_format``): how rows, batches and columns are returned to the caller, as ``datasets``.

``numpy`` follows ``datasets``' ``NumpyFormatter`` (float32 stays float32, strings are ``<U`` arrays, timestamps
``datetime64``, ragged lists object arrays of arrays); ``arrow`` gives ``datasets``' Arrow types (``string``,
``list``, the stored timestamp unit) and a ``ChunkedArray`` for a column. ``columns=`` formats only those columns;
the others are left out of rows and batches unless ``output_all_columns=True`` (then they come as python values),
while the dataset itself keeps every column.

>>> import polars as pl
>>> from polards.features import Features
>>> df = pl.DataFrame({"x": [1.5], "s": ["a"]}, schema={"x": pl.Float32, "s": pl.String})
>>> spec = check_format("numpy", columns=["x"], output_all_columns=True)
>>> format_row(df, spec, Features.from_polars_schema(df.schema))
{'x': np.float32(1.5), 's': 'a'}
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any

import numpy as np
import polars as pl

from polards.core.pybridge import columns_to_python
from polards.exceptions import FeatureTypeError, InvalidArgumentError
from polards.features import Features
from polards.features.features import decode_json_pandas, decode_nested, requires_decoding
from polards.features.types import Audio, Image, LargeList, List, feature_from_polars

FORMATS = ("python", "numpy", "polars", "arrow", "pandas", "custom")
_SHORT = {"np": "numpy", "pl": "polars", "pa": "arrow", "pyarrow": "arrow", "pd": "pandas"}


class FormatSpec(str):
    """A format name (compares equal to ``"numpy"``...) carrying ``datasets``' ``columns``,
    ``output_all_columns`` and ``format_kwargs``, so it travels with the dataset like the plain name did.

    ``datasets`` re-applies a format after each transform with *new formatted columns = all columns - previously
    unformatted columns* (a column a ``map`` adds is formatted, a renamed one stays formatted). ``unformatted``
    holds the columns left out when the format was set, so the formatted ones follow the dataset's current
    columns without computing them at every step (a Python map's output columns are known only once it runs).
    """

    columns: list[str] | None
    output_all_columns: bool
    kwargs: dict[str, Any]
    unformatted: frozenset[str] | None

    def __new__(
        cls,
        kind: str,
        columns: Iterable[str] | None = None,
        output_all_columns: bool = False,
        kwargs: Mapping[str, Any] | None = None,
        unformatted: Iterable[str] | None = None,
    ) -> FormatSpec:
        out = super().__new__(cls, kind)
        out.columns = None if columns is None else list(columns)
        out.output_all_columns = bool(output_all_columns)
        out.kwargs = dict(kwargs or {})
        out.unformatted = None if unformatted is None or columns is None else frozenset(unformatted)
        return out

    def formatted(self, column_names: Iterable[str]) -> list[str] | None:
        """The formatted columns among ``column_names`` (in their order); ``None``: all of them."""
        if self.columns is None:
            return None
        if self.unformatted is None:
            return [c for c in column_names if c in self.columns]
        return [c for c in column_names if c not in self.unformatted]

    def renamed(self, mapping: Mapping[str, str]) -> FormatSpec:
        """The same format after ``rename_columns(mapping)``."""
        if self.columns is None:
            return self
        rename = [mapping.get(c, c) for c in self.columns]
        rest = None if self.unformatted is None else [mapping.get(c, c) for c in self.unformatted]
        return FormatSpec(str(self), rename, self.output_all_columns, self.kwargs, rest)

    def as_dict(self, column_names: list[str]) -> dict[str, Any]:
        """``datasets``' ``Dataset.format`` (the formatted columns in the order they were given while that set
        is unchanged, else sorted, as ``datasets``' ``transmit_format`` leaves them)."""
        columns = list(column_names)
        if self.columns is not None:
            kept = [c for c in self.columns if c in column_names]
            now = self.formatted(column_names) or []
            columns = kept if set(kept) == set(now) else sorted(now)
        return {
            "type": None if self == "python" else str(self),
            "format_kwargs": dict(self.kwargs),
            "columns": columns,
            "output_all_columns": self.output_all_columns,
        }


def check_format(
    kind: str | None,
    columns: Iterable[str] | str | None = None,
    output_all_columns: bool = False,
    column_names: Iterable[str] | None = None,
    **kwargs: Any,
) -> FormatSpec:
    """The format named ``kind`` (``None`` is python); ``columns`` checked against ``column_names`` when given.

    ``format_kwargs={...}`` is merged into the keywords (so ``set_format(**ds.format)`` round-trips, as in
    ``datasets``); ``"custom"`` (``set_transform``) needs a ``transform`` keyword.
    """
    kwargs.update(kwargs.pop("format_kwargs", None) or {})
    kind = "python" if kind is None else str(kind)
    kind = _SHORT.get(kind, kind)
    if kind not in FORMATS:
        msg = f"Unknown format type {kind!r}. Hint: use one of {list(FORMATS)} or None."
        raise InvalidArgumentError(msg)
    cols = [columns] if isinstance(columns, str) else None if columns is None else list(columns)
    if cols is not None and column_names is not None:
        known = list(column_names)
        missing = [c for c in cols if c not in known]
        if missing:
            raise InvalidArgumentError(
                f"Columns {missing} not in the dataset. Current columns in the dataset: {known}"
            )
    if kind == "custom" and "transform" not in kwargs:
        raise TypeError("The 'custom' format needs a 'transform' keyword argument (see set_transform).")
    rest = None if cols is None or column_names is None else [c for c in column_names if c not in cols]
    return FormatSpec(kind, cols, output_all_columns, kwargs, rest)


def _spec(kind: str) -> FormatSpec:
    return kind if isinstance(kind, FormatSpec) else check_format(kind)


def _requires_decoding(feature: Any) -> bool:
    if isinstance(feature, dict):
        return any(_requires_decoding(v) for v in feature.values())
    if isinstance(feature, list):
        return _requires_decoding(feature[0])
    if isinstance(feature, List | LargeList):
        return _requires_decoding(feature.feature)
    return isinstance(feature, Image | Audio) and feature.decode or requires_decoding(feature)


def _decode_columns(data: dict[str, Any], features: Features) -> dict[str, Any]:
    for name in data:
        feature = features.get(name)
        if feature is not None and _requires_decoding(feature):
            data[name] = [decode_nested(feature, v) for v in data[name]]
    return data


def _decode(df: pl.DataFrame, features: Features) -> dict[str, list[Any]]:
    return _decode_columns(columns_to_python(df, df.columns), features)


def _split(df: pl.DataFrame, spec: FormatSpec) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """The columns to format and (for ``output_all_columns``) the rest, in the table's order."""
    keep = spec.formatted(df.columns)
    if keep is None:
        return df, None
    rest = [c for c in df.columns if c not in keep]
    return df.select(keep), (df.select(rest) if spec.output_all_columns else None)


def _with_rest(out: Any, rest: pl.DataFrame | None, features: Features, row: bool) -> Any:
    if rest is None:
        return out
    if not isinstance(out, MutableMapping):
        raise FeatureTypeError(
            f"Custom formatting function must return a dict to work with output_all_columns=True, but got {out}"
        )
    extra = _decode(rest, features)
    out.update({k: v[0] for k, v in extra.items()} if row else extra)
    return out


def _custom_batch(df: pl.DataFrame, spec: FormatSpec, features: Features) -> Any:
    """``datasets``' ``CustomFormatter.format_batch``: the transform of the decoded python batch."""
    return spec.kwargs["transform"](_decode(df, features))


def _custom_row(df: pl.DataFrame, spec: FormatSpec, features: Features) -> Any:
    batch = _custom_batch(df, spec, features)
    try:
        return {k: v[0] for k, v in batch.items()}
    except Exception as exc:
        raise TypeError(
            f"Custom formatting function must return a dict of sequences to be able to pick a row, but got {batch}"
        ) from exc


def _custom_column(s: pl.Series, spec: FormatSpec, features: Features) -> Any:
    batch = _custom_batch(s.to_frame(), spec, features)
    if not hasattr(batch, "keys"):
        raise TypeError(
            f"Custom formatting function must return a dict to be able to pick a row, but got {batch}"
        )
    if len(batch.keys()) > 1:
        raise TypeError(
            "Tried to query a column but the custom formatting function returns too many columns. "
            f"Only one column was expected but got columns {list(batch.keys())}."
        )
    try:
        return batch[s.name]
    except Exception as exc:
        raise TypeError(
            f"Custom formatting function must return a dict to be able to pick a row, but got {batch}"
        ) from exc


def format_row(df: pl.DataFrame, kind: str, features: Features) -> Any:
    """One row (a 1-row frame) in the given format."""
    spec = _spec(kind)
    part, rest = _split(df, spec)
    if spec == "custom":
        out: Any = _custom_row(part, spec, features)
    elif spec == "python":
        out = {k: v[0] for k, v in _decode(part, features).items()}
    elif spec == "numpy":
        out = {k: _tensorize_nested(v[0]) for k, v in _numpy_batch(part, features).items()}
    else:
        out = _format_table(part, spec, features)
    return _with_rest(out, rest, features, row=True)


def format_batch(df: pl.DataFrame, kind: str, features: Features) -> Any:
    """A batch (dict of columns for python/numpy; a table for polars/arrow/pandas)."""
    spec = _spec(kind)
    part, rest = _split(df, spec)
    if spec == "custom":
        out: Any = _custom_batch(part, spec, features)
    elif spec == "python":
        out = _decode(part, features)
    elif spec == "numpy":
        out = {k: _consolidate(_tensorize_nested(v)) for k, v in _numpy_batch(part, features).items()}
    else:
        out = _format_table(part, spec, features)
    return _with_rest(out, rest, features, row=False)


def _format_table(df: pl.DataFrame, spec: str, features: Features) -> Any:
    if spec == "polars":
        return df
    if spec == "arrow":
        return hf_arrow_table(df, features)
    return decode_json_pandas(df.to_pandas(), features)  # Json columns decoded, as datasets


def format_column(s: pl.Series, kind: str, features: Features) -> Any:
    """One column; a column outside ``columns=`` comes as python values (as ``datasets``)."""
    spec = _spec(kind)
    if spec == "python" or spec.formatted([s.name]) == []:
        return _decode(s.to_frame(), features)[s.name]
    if spec == "custom":
        return _custom_column(s, spec, features)
    if spec == "numpy":
        return _consolidate(_tensorize_nested(_numpy_batch(s.to_frame(), features)[s.name]))
    if spec == "polars":
        return s
    if spec == "arrow":
        return hf_arrow_table(s.to_frame(), features).column(0)
    return decode_json_pandas(s.to_frame().to_pandas(), features)[s.name]


# ---------------------------------------------------------------------------------------- datasets' Arrow types
def _features_of(df: pl.DataFrame, features: Features) -> Features:
    return Features({c: features.get(c) or feature_from_polars(t) for c, t in df.schema.items()})


def hf_arrow_table(df: pl.DataFrame, features: Features) -> Any:
    """``df`` as a ``pyarrow.Table`` with ``datasets``' types for ``features`` (``string``, ``list``, the
    feature's timestamp unit); exported as views and cast in one step (no re-encoding of a slice's parent)."""
    feats = _features_of(df, features)
    try:
        schema = feats.to_arrow_schema()
        return df.to_arrow(compat_level=pl.CompatLevel.newest()).cast(schema)
    except Exception:  # noqa: BLE001 - features that do not describe this frame: Polars' own types
        return arrow_table(df)


# ---------------------------------------------------------------------------------------- numpy (datasets' rules)
def _numpy_batch(df: pl.DataFrame, features: Features) -> dict[str, Any]:
    """``datasets``' ``NumpyArrowExtractor.extract_batch`` + feature decoding, column by column."""
    table = hf_arrow_table(df, features)
    data = {c: _arrow_to_numpy(table.column(c)) for c in table.column_names}
    return _decode_columns(data, features)


def _arrow_to_numpy(arr: Any) -> Any:
    """``datasets``' ``NumpyArrowExtractor._arrow_array_to_numpy`` for a ``ChunkedArray``."""
    import pyarrow as pa

    t = arr.type
    zero_copy = (
        pa.types.is_primitive(t)
        and not (pa.types.is_boolean(t) or pa.types.is_temporal(t))
        and all(chunk.null_count == 0 for chunk in arr.chunks)
    )
    array: list[Any] = [row for chunk in arr.chunks for row in chunk.to_numpy(zero_copy_only=zero_copy)]
    if array:
        if any(isinstance(x, np.ndarray) for x in array) and any(
            (isinstance(x, np.ndarray) and (x.dtype == object or x.shape != array[0].shape))
            or (isinstance(x, float) and np.isnan(x))
            for x in array
        ):
            return np.asarray(array, dtype=object)
        for first in array:
            if isinstance(first, np.ndarray):
                if any(
                    (isinstance(x, np.ndarray) and (x.dtype == object or x.shape != first.shape))
                    or (((isinstance(x, float) and np.isnan(x)) or x is None) and first.ndim > 0)
                    for x in array
                ):
                    return np.asarray(array, dtype=object)
                break
    return np.asarray(array)


def _consolidate(column: Any) -> Any:
    if isinstance(column, list):
        if column and all(
            isinstance(x, np.ndarray | np.number | np.bool_)
            and x.shape == column[0].shape
            and x.dtype == column[0].dtype
            for x in column
        ):
            return np.stack(column)
        out = np.empty(len(column), dtype=object)
        out[:] = column
        return out
    return column


def _tensorize(value: Any) -> Any:
    if isinstance(value, str | bytes | type(None)):
        return value
    if isinstance(value, np.character | np.ndarray) and np.issubdtype(value.dtype, np.character):
        return value
    if isinstance(value, np.number):
        return value
    dtype: dict[str, Any] = {}
    if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.integer):
        dtype = {"dtype": np.int64}
    elif isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating):
        dtype = {"dtype": np.float32}
    if type(value).__module__.startswith("PIL."):
        return np.asarray(value)
    if type(value).__name__ == "AudioDecoder":
        return value
    return np.asarray(value, **dtype)


def _tensorize_nested(data: Any) -> Any:
    """``datasets``' ``NumpyFormatter._recursive_tensorize``."""
    if hasattr(data, "__array__") and not isinstance(data, np.ndarray | np.character | np.number):
        if not type(data).__module__.startswith("PIL."):
            data = data.__array__()
    if isinstance(data, np.ndarray) and data.dtype == object:
        return _consolidate([_tensorize_nested(x) for x in data])
    if isinstance(data, list | tuple):
        return _consolidate([_tensorize_nested(x) for x in data])
    if isinstance(data, dict):
        return {k: _tensorize_nested(v) for k, v in data.items()}
    return _tensorize(data)


def arrow_table(df: pl.DataFrame) -> Any:
    """``df.to_arrow()`` with the usual large types, without converting a slice's whole parent buffer: export
    as views (zero-copy for slices) and cast just this batch (20x faster on batches cut from a big frame)."""
    target = df.head(0).to_arrow().schema
    return df.to_arrow(compat_level=pl.CompatLevel.newest()).cast(target)


ARROW_CHUNK = 32_768  # rows per Polars -> Arrow conversion when streaming Arrow batches


def arrow_batches(frames: Iterable[pl.DataFrame], batch_size: int, drop_last: bool = False) -> Iterator[Any]:
    """Exact ``batch_size``-row ``pyarrow.Table`` batches from a stream of (large) frames.

    Each frame is converted to Arrow once (``to_arrow()``, the usual large types) and cut into zero-copy slices; a
    batch that straddles two frames is a two-chunk table. Converting whole chunks instead of 1024-row slices is
    what makes this fast: a slice's ``to_arrow()`` re-encodes its parent's string buffers (3-4x slower in all).
    Feed it frames of about :data:`ARROW_CHUNK` rows (``collect_batches(chunk_size=...)``).
    """
    import pyarrow as pa

    rest: Any = None
    for df in frames:
        if df.height == 0:
            continue
        table = df.rechunk().to_arrow()  # rechunk first: 2x faster on frames cut from a gathered one
        if rest is not None and rest.num_rows:
            table = pa.concat_tables([rest, table])
        off = 0
        while table.num_rows - off >= batch_size:
            yield table.slice(off, batch_size)
            off += batch_size
        rest = table.slice(off)
    if rest is not None and rest.num_rows and not drop_last:
        yield rest


def as_hf_types(table: Any, features: Features) -> Any | None:
    """A ``pyarrow.Table`` in ``datasets``' Arrow types for ``features`` (``string``, ``list``; the features
    metadata), or None when the features do not describe it. A memory-mapped table stays mapped where the
    types already agree."""
    try:
        schema = Features({c: features[c] for c in table.column_names}).to_arrow_schema()
    except (KeyError, TypeError, ValueError):
        return None
    if table.schema.remove_metadata() == schema.remove_metadata():
        return table.replace_schema_metadata(schema.metadata)
    try:
        return table.cast(schema)
    except Exception:  # noqa: BLE001 - pyarrow's cast errors vary: the caller converts instead
        return None


def ipc_table(path: str) -> Any | None:
    """The whole Arrow IPC file as a memory-mapped ``pyarrow.Table`` (no row is read until used), or ``None`` if
    its types would need converting (string views)."""
    import pyarrow as pa

    reader = pa.ipc.open_file(pa.memory_map(path))
    if any(_has_view(f.type) for f in reader.schema):
        return None
    return reader.read_all()


def _has_view(t: Any) -> bool:
    import pyarrow as pa

    if pa.types.is_string_view(t) or pa.types.is_binary_view(t) or pa.types.is_list_view(t):
        return True
    if pa.types.is_struct(t):
        return any(_has_view(t.field(i).type) for i in range(t.num_fields))
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return _has_view(t.value_type)
    return False
