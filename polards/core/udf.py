"""Running a user's Python ``map``/``filter`` function with ``datasets`` 5.2 semantics.

- The function sees python values: a dict of lists per batch of exactly ``batch_size`` rows (the last one
  shorter, ``None``/``<= 0`` = the whole dataset) when ``batched``, else one dict per row. Batches run in order,
  one call each, whatever Polars' thread count; ``async def`` functions are awaited.
- Output columns merge as ``{**inputs minus remove_columns, **outputs}``; all must have the same length.
  A returned column that existed in the input keeps the input's type when the values cast to it losslessly
  (``try_original_type``); otherwise its type is inferred. Later batches are cast to the first batch's types.
- The user's exceptions reach the caller as themselves.
- A formatted dataset (``with_format("numpy")``, pandas, polars, arrow, a transform) passes its rows/batches in
  that format, as ``datasets``; then a returned input keeps the columns named in ``remove_columns``.
- Unformatted rows: a value the function set or changed in place in its input row is kept even when it does
  not return it (``datasets`` merges the row as the function left it).

The output schema of a lazy plan is the first batch's *real* output: that batch (and every later one, up to
:data:`REPLAY_LIMIT_BYTES`) is kept on the step and replayed, so the function is called once per batch.

>>> import polards as pds
>>> ds = pds.Dataset.from_dict({"n": [1, 2, 3, 4, 5]})
>>> sizes = []
>>> out = ds.map(lambda b: sizes.append(len(b["n"])) or {"m": [x * 2 for x in b["n"]]}, batched=True, batch_size=2)
>>> out["m"], sizes
([2, 4, 6, 8, 10], [2, 2, 1])
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import inspect
import os
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from polards._paths import remove_dead_temps
from polards.core import live_streams
from polards.core import steps as st
from polards.core.map_cache import CACHE_TARGET, WRITTEN, is_mask_file
from polards.core.pybridge import columns_to_python
from polards.exceptions import UDFOutputError, UDFOutputTypeError

REPLAY_LIMIT_BYTES = 256 * 1024 * 1024  # outputs kept per step so that reruns do not call the function again
#: Outputs kept by a pass that also writes the step's cache file: a finished pass replays from the file, so only
#: an abandoned one would use more (S5's map held 256 MB of frames while writing them: twice datasets' RSS).
REPLAY_LIMIT_WHILE_CACHING_BYTES = 16 * 1024 * 1024
_STATE = threading.local()  # .unchanged: the last map_batch call's function returned None
INPUT_FORMAT = "input_format"  # key in PythonMap.memo: (format, features) of a formatted dataset's inputs
_STRING_TYPES = (pa.types.is_string, pa.types.is_large_string, pa.types.is_string_view)


def as_exprs(function: Any) -> list[pl.Expr] | None:
    """The expressions of an expression-style ``map`` (a dict name -> expr, one expr, or a list), else None."""
    if isinstance(function, dict):
        return [e.alias(k) for k, e in function.items()]
    if isinstance(function, pl.Expr):
        return [function]
    if isinstance(function, list | tuple) and function and all(isinstance(e, pl.Expr) for e in function):
        return list(function)
    return None


def make_step(
    fn: Any,
    *,
    features: Any,
    with_indices: bool,
    input_columns: str | list[str] | tuple[str, ...] | None,
    batched: bool,
    batch_size: int | None,
    fn_kwargs: dict[str, Any] | None,
    remove: tuple[str, ...] = (),
    is_filter: bool = False,
    drop_last_batch: bool = False,
    with_rank: bool = False,
    try_original_type: bool | None = True,
    writer_batch_size: int | None = 1000,
    num_proc: int | None = None,
    on_mixed_types: str | None = None,
    input_format: Any = None,
) -> st.PythonMap:
    """A :class:`PythonMap` step for ``map``/``filter`` of either dataset kind (``features`` may be None).

    ``on_mixed_types="use_json"`` (``Dataset.map``'s default, as ``datasets``): an output column whose values
    mix types (dicts with differing keys, mixed scalars) is stored as ``Json`` (see :class:`MapFeatures`)."""
    from polards.exceptions import ColumnNotFoundError

    cols = (
        [input_columns]
        if isinstance(input_columns, str)
        else (list(input_columns) if input_columns is not None else None)
    )
    if features is not None:
        missing = [c for c in (cols or []) if c not in features]
        if missing:
            msg = (
                f"Input column {missing} not in the dataset. Current columns in the dataset: {list(features)}"
            )
            raise ColumnNotFoundError.with_hint(msg, missing[0], list(features))
    decoders = tuple(features.decoders().items()) if features is not None else ()
    step = st.PythonMap(
        fn,
        batched,
        batch_size if batch_size is not None and batch_size > 0 else None,
        with_indices,
        tuple(cols) if cols is not None else None,
        tuple(remove),
        tuple((fn_kwargs or {}).items()),
        decoders,
        is_filter,
        drop_last_batch,
        with_rank,
        try_original_type is not False,
        writer_batch_size if writer_batch_size and writer_batch_size > 0 else 1000,
        num_proc if num_proc and num_proc >= 1 else None,  # num_proc=1: one worker process, as datasets
    )
    if on_mixed_types == "use_json":
        step.memo["use_json"] = True
    if features is not None:  # an input Json column returned again keeps Json (datasets' try_original_type)
        from polards.features.json_type import json_paths_of

        kept = {k: (f, json_paths_of(f)) for k, f in features.items()}
        step.memo["input_json"] = {k: v for k, v in kept.items() if v[1]}
    if input_format is not None and str(input_format[0]) != "python":
        step.memo[INPUT_FORMAT] = input_format
    return step


class MapFeatures:
    """The features of a ``map``'s output (a dataset's ``features_hint``): what the function's first batch
    fixed (``Json`` columns, the Arrow types of returned tables: ``large_string`` for Polars/pandas frames, as
    ``datasets``), else the input's features where a column's dtype is unchanged, else inferred."""

    def __init__(self, parent: Any, step: st.PythonMap) -> None:
        self.parent = parent
        self.step = step

    def reconcile(self, schema: Mapping[str, pl.DataType]) -> Any:
        from polards.features import Features
        from polards.features.types import to_polars_dtype

        base = self.parent.features.reconcile(schema)
        fixed = self.step.memo.get("output_features") or {}
        out = {}
        for name, feature in base.items():
            got = fixed.get(name)
            out[name] = got if got is not None and to_polars_dtype(got) == schema[name] else feature
        return Features(out)


def _record_features(step: st.PythonMap, features: Mapping[str, Any]) -> None:
    """Remember the features the first batch gave its columns (later batches are cast to its types)."""
    fixed = step.memo.setdefault("output_features", {})
    for name, feature in features.items():
        fixed.setdefault(name, feature)


# ----------------------------------------------------------------------------------------- calling the function
def _await_all(coros: list[Any]) -> list[Any]:
    """Results of awaitables, run concurrently (``datasets`` runs up to 1000 calls at once), in order."""

    async def gather() -> list[Any]:
        return list(await asyncio.gather(*coros))

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(gather())
    box: dict[str, Any] = {}  # called from inside a running loop: run ours on another thread

    def target() -> None:
        try:
            box["out"] = asyncio.run(gather())
        except BaseException as e:  # noqa: BLE001 - re-raised below as itself
            box["err"] = e

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "err" in box:
        raise box["err"]
    return box["out"]


def _inputs(step: st.PythonMap, df: pl.DataFrame) -> dict[str, list[Any]]:
    cols = (
        step.input_columns
        if step.input_columns is not None
        else [c for c in df.columns if c != st.INDEX_COLUMN]
    )
    data = columns_to_python(df, cols)
    for name, decode in step.decoders:
        if name in data:
            data[name] = [decode(v) for v in data[name]]
    return data


def _extra(step: st.PythonMap, indices: Any, rank: int | None) -> tuple[Any, ...]:
    out: tuple[Any, ...] = ()
    if step.with_indices:
        out += (indices,)
    if step.with_rank:
        out += (rank,)
    return out


def _call_batch(step: st.PythonMap, data: dict[str, list[Any]], indices: list[int], rank: int | None) -> Any:
    args = [data[c] for c in step.input_columns] if step.input_columns is not None else [data]
    res = step.fn(*args, *_extra(step, indices, rank), **dict(step.fn_kwargs))
    res = _await_all([res])[0] if inspect.isawaitable(res) else res
    if res is data and step.input_columns is None:  # the input batch returned: removed columns stay removed
        res = {k: v for k, v in res.items() if k not in step.remove_columns}
    return res


def _call_rows(
    step: st.PythonMap, data: dict[str, list[Any]], n: int, indices: list[int], rank: int | None
) -> list[Any]:
    kwargs = dict(step.fn_kwargs)
    keys = list(data)
    if step.input_columns is not None:
        argss = [list(vals) for vals in zip(*data.values(), strict=True)] if keys else [[]] * n
    else:
        argss = [[dict(zip(keys, vals, strict=True))] for vals in zip(*data.values(), strict=True)]
        argss = argss if keys else [[{}] for _ in range(n)]
    fn = step.fn
    if not (step.with_indices or step.with_rank) and not kwargs:
        results = [fn(*a) for a in argss]
    else:
        results = [fn(*a, *_extra(step, indices[i], rank), **kwargs) for i, a in enumerate(argss)]
    if results and inspect.isawaitable(results[0]):
        results = _await_all(results)
    if step.input_columns is None and step.remove_columns:
        # datasets: a returned input row (modified in place) does not bring back the removed columns
        for a, r in zip(argss, results, strict=True):
            if r is a[0]:
                for c in step.remove_columns:
                    r.pop(c, None)
    if step.input_columns is None:  # the rows as the function left them (datasets merges those)
        _STATE.rows, _STATE.data = [a[0] for a in argss], data
    return results


def _as_left(step: st.PythonMap, base: pl.DataFrame, name: str) -> list[Any]:
    """Column ``name`` as the function left it in its input rows: ``datasets`` merges the values of the row
    (a value set or changed in place stays; a column never touched is the input's), not the input column.
    A decoded column (images ...) keeps its stored value unless the function replaced it."""
    stored = base.get_column(name).to_list()
    rows, data = getattr(_STATE, "rows", None), getattr(_STATE, "data", None)
    if rows is None or data is None or name not in data:
        return stored
    decoded = name in dict(step.decoders)
    given = data[name]
    return [
        r[name] if name in r and (not decoded or r[name] is not given[i]) else stored[i]
        for i, r in enumerate(rows)
    ]


def _call_formatted(
    step: st.PythonMap, base: pl.DataFrame, fmt: tuple[Any, Any], indices: list[int], rank: int | None
) -> Any:
    """``datasets``' inputs for a formatted dataset (numpy, pandas, polars, arrow, a transform): each row or
    batch in that format, every column (or ``input_columns``) formatted whatever the format's ``columns``. The
    function gets a plain dict, so a returned input keeps a column listed in ``remove_columns`` (``datasets``
    removes those only from the lazy row of an unformatted dataset)."""
    from polards.dataset import formatting

    kind, features = fmt
    spec = formatting.FormatSpec(str(kind), None, False, getattr(kind, "kwargs", {}))
    part = base.select(list(step.input_columns)) if step.input_columns is not None else base
    kwargs = dict(step.fn_kwargs)

    def call(data: Any, ix: Any) -> Any:
        args = [data[c] for c in step.input_columns] if step.input_columns is not None else [data]
        return step.fn(*args, *_extra(step, ix, rank), **kwargs)

    if step.batched:
        res = call(formatting.format_batch(part, spec, features), indices)
        return _await_all([res])[0] if inspect.isawaitable(res) else res
    results = [
        call(formatting.format_row(part.slice(i, 1), spec, features), indices[i]) for i in range(base.height)
    ]
    if results and inspect.isawaitable(results[0]):
        results = _await_all(results)
    return results


# ---------------------------------------------------------------------------------------- python -> Arrow
def _to_arrow(values: Any, name: str) -> pa.Array | pa.ChunkedArray:
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values
    if isinstance(values, pl.Series):
        return values.to_arrow()
    if isinstance(values, np.ndarray):
        return pa.array(values) if values.ndim == 1 else pa.array(values.tolist())
    if not isinstance(values, list):
        values = list(values)
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as e:
        if values and any(isinstance(v, np.ndarray | pl.Series) or _is_pandas_series(v) for v in values):
            # arrays and Series per row: their values, as datasets' cast_to_python_objects
            return pa.array(
                [
                    v.to_list() if isinstance(v, pl.Series) else v.tolist() if hasattr(v, "tolist") else v
                    for v in values
                ]
            )
        msg = (
            f"Column {name!r} returned by the map function has values of mixed types ({e}). Hint: "
            "map(on_mixed_types='use_json') stores such a new column as Json; or return one type per column."
        )
        # the class of pyarrow's error, as datasets raises it (ArrowInvalid is a ValueError)
        raise (UDFOutputError if isinstance(e, pa.ArrowInvalid) else UDFOutputTypeError)(msg) from None


def _arrow_type(dtype: pl.DataType) -> pa.DataType:
    return pl.Series([], dtype=dtype).to_arrow().type


def _try_type(arr: pa.Array | pa.ChunkedArray, dtype: pl.DataType) -> pa.Array | pa.ChunkedArray:
    """``datasets``' ``try_type``: the original type if the values cast to it losslessly (never to string)."""
    target = _arrow_type(dtype)
    if arr.type == target:
        return arr
    if any(f(target) for f in _STRING_TYPES) and not any(f(arr.type) for f in _STRING_TYPES):
        if not pa.types.is_null(arr.type):
            return arr
    if not _same_shape(arr.type, target):  # a struct cast by field name would fill other fields with nulls
        return arr
    try:
        return arr.cast(target, safe=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, TypeError, ValueError):
        return arr


def _same_shape(src: pa.DataType, target: pa.DataType) -> bool:
    """Whether ``src`` and ``target`` nest alike (same struct field names, lists where lists): else no cast."""
    if pa.types.is_null(src):
        return True
    if pa.types.is_struct(target) or pa.types.is_struct(src):
        if not (pa.types.is_struct(target) and pa.types.is_struct(src)):
            return False
        names = [src.field(i).name for i in range(src.num_fields)]
        if sorted(names) != sorted(target.field(i).name for i in range(target.num_fields)):
            return False
        return all(_same_shape(src.field(n).type, target.field(n).type) for n in names)
    nested = (pa.types.is_list, pa.types.is_large_list, pa.types.is_fixed_size_list)
    if any(f(target) for f in nested) or any(f(src) for f in nested):
        if not (any(f(target) for f in nested) and any(f(src) for f in nested)):
            return False
        return _same_shape(src.value_type, target.value_type)
    return True


def _fits_fields(src: pa.DataType, target: pa.DataType) -> bool:
    """Whether every struct field of ``src`` (at any depth) exists in ``target``: ``datasets`` casts a later
    batch's struct to the first batch's type with the missing fields null, and refuses extra ones."""
    if pa.types.is_struct(src) and pa.types.is_struct(target):
        names = {target.field(i).name: target.field(i).type for i in range(target.num_fields)}
        return all(
            src.field(i).name in names and _fits_fields(src.field(i).type, names[src.field(i).name])
            for i in range(src.num_fields)
        )
    nested = (pa.types.is_list, pa.types.is_large_list, pa.types.is_fixed_size_list)
    if any(f(src) for f in nested) and any(f(target) for f in nested):
        return _fits_fields(src.value_type, target.value_type)
    return True


def _series(arrays: dict[str, Any]) -> dict[str, pl.Series]:
    """Output columns as Polars series (Arrow arrays converted in one table; series kept)."""
    out = {c: a for c, a in arrays.items() if isinstance(a, pl.Series)}
    rest = {c: a for c, a in arrays.items() if c not in out}
    if rest:
        frame = pl.from_arrow(pa.table(rest))
        assert isinstance(frame, pl.DataFrame)
        out.update({c: frame.get_column(c) for c in frame.columns})
    return out


#: Python value types whose lists become one Polars column directly, typed as ``pa.array`` types them
#: (``str`` -> string, ``int`` -> int64, ``float`` -> float64, ``bool`` -> bool; ``None`` -> null).
_PLAIN_TYPES: dict[type, pl.DataType] = {
    str: pl.String(),
    int: pl.Int64(),
    float: pl.Float64(),
    bool: pl.Boolean(),
}


def _plain_series(values: Any, name: str) -> pl.Series | None:
    """A returned list of one plain Python type (``None`` allowed) as a Polars column, without ``pa.array``
    (which costs more, the Polars copy after it, and its first call imports pandas: 0.3-0.6 s); None when the
    list is anything else (mixed types, containers, arrays, out-of-range ints), for the Arrow path to type."""
    if type(values) is not list or not values:
        return None
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if len(kinds) != 1:
        return None
    dtype = _PLAIN_TYPES.get(kinds.pop())
    if dtype is None:
        return None
    try:
        return pl.Series(name, values, dtype=dtype, strict=True)
    except (OverflowError, TypeError, ValueError, pl.exceptions.PolarsError):
        return None


def _check_lengths(lengths: list[tuple[str, int]]) -> None:
    """``pyarrow.Table.from_arrays``' rule and message (what ``datasets`` raises)."""
    if not lengths:
        return
    expected = lengths[0][1]
    for i, (name, n) in enumerate(lengths):
        if n != expected:
            msg = f"Column {i} named {name} expected length {expected} but got length {n}"
            raise UDFOutputError(msg)


def _validate(step: st.PythonMap, res: Any) -> None:
    """``datasets``' ``validate_function_output`` (same TypeError messages)."""
    tables = (Mapping, pa.Table, pl.DataFrame)
    if res is not None and not isinstance(res, tables) and not _is_pandas_frame(res):
        msg = (
            f"Provided `function` which is applied to all elements of table returns a variable of type {type(res)}. "
            "Make sure provided `function` returns a variable of type `dict` (or a pyarrow table) to update the "
            "dataset or `None` if you are only interested in side effects."
        )
        raise UDFOutputTypeError(msg)
    if step.batched and isinstance(res, Mapping):
        ok = (list, np.ndarray, pl.Series, pl.DataFrame, pa.Array, pa.ChunkedArray, tuple)
        if not all(isinstance(v, ok) or _is_pandas_series(v) for v in res.values()):
            msg = (
                "Provided `function` which is applied to all elements of table returns a `dict` of types "
                f"{[type(x) for x in res.values()]}. When using `batched=True`, make sure provided `function` "
                "returns a `dict` of types like `(<class 'list'>, <class 'numpy.ndarray'>, <class 'pandas.Series'>)`."
            )
            raise UDFOutputTypeError(msg)


def _is_pandas_frame(x: Any) -> bool:
    return type(x).__name__ == "DataFrame" and type(x).__module__.startswith("pandas")


def _is_pandas_series(x: Any) -> bool:
    return type(x).__name__ == "Series" and type(x).__module__.startswith("pandas")


def _table_frame(res: Any, step: st.PythonMap | None = None) -> pl.DataFrame:
    """A returned table as a frame; its columns' features are those of its Arrow types (``datasets``)."""
    from polards.features import Features

    if isinstance(res, pl.DataFrame):
        if step is not None:
            _record_features(step, Features.from_arrow_schema(res.head(0).to_arrow().schema))
        return res
    table = pa.Table.from_pandas(res, preserve_index=False) if _is_pandas_frame(res) else res
    out = pl.from_arrow(table)
    assert isinstance(out, pl.DataFrame)
    if step is not None:
        _record_features(step, Features.from_arrow_schema(table.schema.remove_metadata()))
    return out


def _has_struct(t: pa.DataType) -> bool:
    if pa.types.is_struct(t):
        return True
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return _has_struct(t.value_type)
    return False


_JSON_TYPES = (dict, list, tuple, str, int, float, bool)


def _json_column(step: st.PythonMap, values: Any, name: str) -> tuple[pa.Array | None, bool]:
    """``datasets``' ``on_mixed_types="use_json"`` for one output column: ``(column, True)`` with its mixed-type
    fields as JSON text (and its ``Json`` feature recorded); ``(column or None, False)`` when it needs no
    ``Json`` (the column when it was built on the way).

    Cheap for the usual column: the mixed-type walk runs only when Arrow refuses the values, finds a struct
    in them (dicts may differ in keys), or an earlier batch stored the column as ``Json``."""
    from polards.features.json_type import encode_json_field, mixed_type_paths, set_json_at
    from polards.features.types import feature_from_arrow

    if not isinstance(values, list | tuple):
        return None, False
    original = step.memo.get("input_json", {}).get(name) if step.try_original_type else None
    if original is not None:
        try:
            for path in original[1]:
                values = [encode_json_field(v, path) for v in values]
            arr = pa.array(values)
        except (pa.ArrowException, TypeError, ValueError):
            return None, False
        _record_features(step, {name: original[0]})
        return arr, True
    if not step.memo.get("use_json"):
        return None, False
    values = list(values)
    known = step.memo.get("json_paths", {}).get(name)
    # [] : the first batch fixed a struct type without Json, and later batches are cast to it (as datasets)
    if known == []:
        return None, False
    if known is None:
        arr = None
        try:
            arr = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError) as e:
            if isinstance(e, OverflowError) and not any(isinstance(v, dict | list | tuple) for v in values):
                raise  # an int out of int64 range is no mixed type: datasets' writer raises this error
            if not all(v is None or type(v) in _JSON_TYPES for v in values):  # arrays, Series: not JSON
                return None, False
        if arr is not None and not _has_struct(arr.type):
            return arr, False
        paths = mixed_type_paths(values)
        if not paths:
            if arr is not None:  # walked once, as datasets' writer does before it knows the column's type
                step.memo.setdefault("json_paths", {})[name] = []
            return arr, False
        step.memo.setdefault("json_paths", {})[name] = paths
    else:
        paths = known
    for path in paths:
        values = [encode_json_field(v, path) for v in values]
    arr = pa.array(values)
    _record_features(step, {name: set_json_at(feature_from_arrow(arr.type), paths)})
    return arr, True


def _merge(
    step: st.PythonMap, base: pl.DataFrame, new: dict[str, Any], lengths: dict[str, int]
) -> pl.DataFrame:
    """``{**inputs minus removed, **new}`` in ``datasets``' column order (input order first, then new names)."""
    kept = [c for c in base.columns if c not in step.remove_columns]
    order = [c for c in base.columns if c in new or c in kept] + [c for c in new if c not in base.columns]
    _check_lengths([(c, lengths[c] if c in new else base.height) for c in order])
    arrays = {}
    for c, values in new.items():
        keep_type = step.try_original_type and c in base.columns  # datasets tries the old type, no Json
        known_json = c in step.memo.get("input_json", {})
        plain = None if known_json else _plain_series(values, c)
        if plain is not None and (not keep_type or base.schema[c] == plain.dtype):
            arrays[c] = plain
            continue
        arr, is_json = (None, False) if keep_type and not known_json else _json_column(step, values, c)
        if not is_json:
            arr = arr if arr is not None else _to_arrow(values, c)
            if step.try_original_type and c in base.columns:
                arr = _try_type(arr, base.schema[c])
        arrays[c] = arr
    series = _series(arrays)
    return pl.DataFrame([series[c] if c in series else base.get_column(c) for c in order])


def _call_step(step: st.PythonMap, df: pl.DataFrame, base: pl.DataFrame, rank: int | None) -> Any:
    """The function's result on one batch (``df`` with the index column, ``base`` without)."""
    n = base.height
    idx = df.get_column(st.INDEX_COLUMN).to_list() if step.with_indices else list(range(n))
    _STATE.rows = _STATE.data = _STATE.batch_inputs = None
    try:
        if (fmt := step.memo.get(INPUT_FORMAT)) is not None:
            return _call_formatted(step, base, fmt, idx, rank)
        data = _inputs(step, df)
        _STATE.batch_inputs = dict(data)  # the inputs before the call (datasets' copy), for map_batch_python
        return _call_batch(step, data, idx, rank) if step.batched else _call_rows(step, data, n, idx, rank)
    except Exception as e:  # the user's exception, as itself, with a note naming the function
        note = f"(raised by the function {getattr(step.fn, '__qualname__', repr(step.fn))} passed to " + (
            "filter)" if step.is_filter else "map)"
        )
        if note not in getattr(e, "__notes__", ()):
            e.add_note(note)
        raise


def _batched_output(step: st.PythonMap, base: pl.DataFrame, res: Any) -> pl.DataFrame:
    """A batched map's result as the output frame (``None``: the batch unchanged)."""
    _validate(step, res)
    if res is None:
        _STATE.unchanged = True
        return base
    if not isinstance(res, Mapping):
        return _table_frame(res, step)
    return _merge(step, base, dict(res), {k: len(v) for k, v in res.items()})


def map_batch_python(step: st.PythonMap, df: pl.DataFrame) -> dict[str, list[Any]] | pl.DataFrame:
    """A batched map over one batch whose rows are read as Python objects next: the columns as the function
    returned them, merged with the kept inputs (``{**inputs, **outputs}``, ``datasets``' streaming map, which
    never converts them), or the output frame when the result is not a dict of lists or numpy arrays.

    Only for plain-valued inputs (no decoding, no formatted inputs): the kept columns are read with
    ``to_list`` and passed through."""
    base = df.drop(st.INDEX_COLUMN) if st.INDEX_COLUMN in df.columns else df
    res = _call_step(step, df, base, None)
    if not isinstance(res, Mapping) or not all(
        type(v) is list or isinstance(v, np.ndarray) for v in res.values()
    ):
        return _batched_output(step, base, res)
    _validate(step, res)
    data: dict[str, list[Any]] = _STATE.batch_inputs or {}
    kept = [c for c in base.columns if c not in step.remove_columns]
    fresh = columns_to_python(base, [c for c in kept if c not in data])
    out = {c: data[c] if c in data else fresh[c] for c in kept}
    out.update(res)
    _check_lengths([(c, len(v)) for c, v in out.items()])
    return out


def map_batch(step: st.PythonMap, df: pl.DataFrame, rank: int | None = None) -> pl.DataFrame:
    """Apply the step to one batch (``df`` carries :data:`INDEX_COLUMN` when ``with_indices``).

    A map returns its output columns (types not yet aligned with other batches); a filter returns the
    input with a boolean :data:`MASK_COLUMN`. A function returning ``None`` leaves the batch unchanged.
    """
    base = df.drop(st.INDEX_COLUMN) if st.INDEX_COLUMN in df.columns else df
    n = base.height
    res = _call_step(step, df, base, rank)
    if step.batched:
        if step.is_filter:
            if isinstance(res, pa.Array | pa.ChunkedArray | pl.Series):
                res = res.to_list() if isinstance(res, pl.Series) else res.to_pylist()
            mask = [bool(x) for x in res][:n]  # datasets zips: a short mask drops the rest
            return base.with_columns(pl.Series(st.MASK_COLUMN, mask + [False] * (n - len(mask)), pl.Boolean))
        return _batched_output(step, base, res)
    results = res
    if step.is_filter:
        return base.with_columns(pl.Series(st.MASK_COLUMN, [bool(r) for r in results], pl.Boolean))
    if not results:
        return base.drop([c for c in step.remove_columns if c in base.columns])
    for r in results:
        _validate(step, r)
    first = results[0]
    if first is None:
        _STATE.unchanged = True
        return base
    if not isinstance(first, Mapping):
        frames = [_table_frame(r, step) for r in results]
        for f in frames:
            if f.height != 1:  # datasets: a row function returns one row
                msg = f"Only single-row pyarrow tables are allowed but got table with {f.height} rows."
                raise UDFOutputError(msg)
        return pl.concat(frames, how="vertical_relaxed")
    kept = [c for c in base.columns if c not in step.remove_columns]
    new: dict[str, list[Any]] = {}
    for k in first:  # the first row's keys decide the columns, as datasets' writer
        try:
            new[k] = [r[k] for r in results]
        except (KeyError, TypeError):
            if k not in kept:
                raise
            fallback = _as_left(step, base, k)
            new[k] = [r.get(k, fallback[i]) if r is not None else fallback[i] for i, r in enumerate(results)]
    rows, data = getattr(_STATE, "rows", None), getattr(_STATE, "data", None)
    if rows is not None and data is not None:
        for c in kept:  # a column the function reassigned in its input row (and did not return)
            if (
                c not in new
                and c in data
                and any(c in r and r[c] is not data[c][i] for i, r in enumerate(rows))
            ):
                new[c] = _as_left(step, base, c)
    return _merge(step, base, new, {k: n for k in new})


# --------------------------------------------------------------------------------- batches of a whole dataset
def rebatch(
    frames: Iterable[pl.DataFrame], size: int | None, drop_last: bool = False
) -> Iterator[pl.DataFrame]:
    """Consecutive batches of exactly ``size`` rows (the last shorter unless dropped); None: one batch."""
    pending: list[pl.DataFrame] = []
    have = 0
    for df in frames:
        if df.height == 0:
            continue
        pending.append(df)
        have += df.height
        while size is not None and have >= size:
            buf = pl.concat(pending, rechunk=False) if len(pending) > 1 else pending[0]
            yield buf.slice(0, size)
            rest = buf.slice(size)
            pending, have = ([rest] if rest.height else []), rest.height
    if pending and not (drop_last and size is not None and have < size):
        yield pl.concat(pending) if len(pending) > 1 else pending[0]


def chunk_rows(step: st.PythonMap) -> int | None:
    """Rows per call (batched) or per chunk of row calls (the writer's batch: it sets the output types)."""
    return step.batch_size if step.batched else step.writer_batch_size


def conform(step: st.PythonMap, out: pl.DataFrame, schema: pl.Schema) -> pl.DataFrame:
    """A later batch's output cast to the first batch's schema (``datasets`` casts to the writer's schema)."""
    if out.schema == schema:
        return out
    if set(out.columns) != set(schema):
        msg = (
            f"The map function returned columns {out.columns} for one batch but {list(schema)} for the first "
            "batch; every batch must return the same columns."
        )
        raise UDFOutputError(msg)
    cols = []
    for name, dtype in schema.items():
        s = out.get_column(name)
        if s.dtype == dtype:
            cols.append(s)
        elif dtype == pl.Null:
            if s.null_count() < s.len():
                msg = (
                    f"Couldn't write column '{name}': its type in this file is null, because the first values "
                    f"written for it were all None. Set the type of '{name}' with features=, or make sure the "
                    "first batch written contains a value that is not None."
                )
                raise UDFOutputTypeError(msg)
            cols.append(pl.Series(name, [None] * s.len(), pl.Null))
        else:
            try:
                target = _arrow_type(dtype)
                arr = s.to_arrow()
                if not _fits_fields(arr.type, target):  # a struct cast by name would drop the extra fields
                    msg = f"Couldn't cast array of type {arr.type} to {target}"
                    raise pa.ArrowTypeError(msg)
                arr = arr.cast(target, safe=True)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as e:
                raise UDFOutputError(
                    f"Column {name!r} of a later batch does not fit its type {dtype}: {e}"
                ) from e
            cols.append(pl.Series(name, arr).cast(dtype))
    return pl.DataFrame(cols)


def run_batches(
    step: st.PythonMap,
    frames: Iterable[pl.DataFrame],
    *,
    offset: int = 0,
    rank: int | None = None,
    schema: pl.Schema | None = None,
    with_mask: bool = False,
) -> Iterator[tuple[int, pl.DataFrame | None]]:
    """``(input rows, output)`` per batch of ``frames`` (the input of one shard), in order.

    Filters yield the kept rows (``with_mask``: every input row and the boolean :data:`MASK_COLUMN`); maps
    yield outputs cast to ``schema`` (else to the first non-empty batch's), and ``None`` for a batch whose
    output has no rows (``datasets`` ignores it: it fixes no column type)."""
    size = chunk_rows(step)
    drop = step.batched and step.drop_last_batch and size is not None
    updated = bool(step.memo.get("updated"))  # an earlier call (probe, replayed prefix) already updated
    for df in rebatch(frames, size):
        if drop and size is not None and df.height < size:
            if not updated and not step.is_filter:  # datasets: a map that never updated keeps every row
                yield df.height, df
            return
        arg = df.with_row_index(st.INDEX_COLUMN, offset=offset) if step.with_indices else df
        offset += df.height
        _STATE.unchanged = False
        out = map_batch(step, arg) if rank is None else map_batch(step, arg, rank=rank)
        if not _STATE.unchanged and not updated:
            updated = step.memo["updated"] = True
        if step.is_filter:
            if not with_mask:
                out = out.filter(pl.col(st.MASK_COLUMN)).drop(st.MASK_COLUMN)
        elif out.height == 0 and out.width:  # datasets' writer ignores an empty batch: no type, no row
            yield df.height, None
            continue
        elif schema is None:
            schema = out.schema
        else:
            out = conform(step, out, schema)
        yield df.height, out


# ------------------------------------------------------------------------------------------ the lazy frame
class _Replay:
    """The outputs of a step's first batches, in order, so that reruns replay instead of calling again."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.frames: list[pl.DataFrame] = []
        self.masks: list[pl.DataFrame] = []  # a filter's: the mask of each recorded batch (its cache entry)
        self.rows_in = 0  # input rows consumed by the recorded batches
        self.bytes = 0
        self.complete = False
        self.full = False  # over the memory limit: stop recording
        self.passthrough = False  # no batch ran: the input is the output


def _replay(step: st.PythonMap) -> _Replay:
    rec = step.memo.get("replay")
    if rec is None:
        rec = step.memo.setdefault("replay", _Replay())
    return rec


def small_offsets(t: pa.DataType) -> pa.DataType:
    """``t`` with 32-bit offsets at every depth (``large_string`` -> ``string``, ``large_list`` -> ``list``).

    >>> small_offsets(pa.large_list(pa.struct([("c", pa.large_string())])))
    ListType(list<item: struct<c: string>>)
    """
    if pa.types.is_large_string(t):
        return pa.string()
    if pa.types.is_large_binary(t):
        return pa.binary()
    if pa.types.is_large_list(t) or pa.types.is_list(t):
        return pa.list_(t.value_field.with_type(small_offsets(t.value_type)))
    if pa.types.is_fixed_size_list(t):
        return pa.list_(t.value_field.with_type(small_offsets(t.value_type)), t.list_size)
    if pa.types.is_struct(t):
        return pa.struct([t.field(i).with_type(small_offsets(t.field(i).type)) for i in range(t.num_fields)])
    return t


class _CacheTee:
    """Writes a step's outputs to its cache file while they stream by: a full pass leaves the cache entry
    (renamed into place at the end, as ``datasets`` writes its map cache), an abandoned pass leaves nothing."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.tmp = f"{path}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.writer: Any = None
        self.sink: Any = None
        self.schema: pa.Schema | None = None
        self.failed = False  # a batch did not fit the file's types: the entry is dropped at close
        _OPEN_TEES.add(self.tmp)  # Polars may never close an abandoned source: removed at exit at the latest

    def write(self, df: pl.DataFrame) -> None:
        if self.failed:
            return
        # Arrow's large types, not Polars' string views: a view column made by a gather (shuffle, select) still
        # points into the whole source buffer, and IPC writes that buffer again for every batch (250k shuffled
        # chat rows became a 14 GB cache file).
        # Then 32-bit offsets, the types datasets writes (string, list): a reader in datasets' types maps the file
        # as it is, where large types were cast (a copy of the whole table) each time it was read.
        table = df.to_arrow(compat_level=pl.CompatLevel.oldest())
        if self.writer is None:
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
            self.schema = pa.schema([f.with_type(small_offsets(f.type)) for f in table.schema])
            self.sink = pa.OSFile(self.tmp, "wb")
            self.writer = pa.ipc.new_file(self.sink, self.schema)
        if table.schema != self.schema:
            try:
                table = table.cast(self.schema)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # > 2 GB in one batch: no cache entry
                self.failed = True
                return
        self.writer.write_table(table)

    def close(self, keep: bool) -> bool:
        """Finish (``keep``: rename into place) or discard; whether the entry was written."""
        try:
            if self.writer is not None:
                self.writer.close()
                self.sink.close()
                if keep and not self.failed:
                    os.replace(self.tmp, self.path)
                    return True
            return False
        finally:
            _OPEN_TEES.discard(self.tmp)
            if os.path.exists(self.tmp):
                os.remove(self.tmp)


_OPEN_TEES: set[str] = set()


@atexit.register
def _remove_open_tees() -> None:
    for tmp in list(_OPEN_TEES):
        with contextlib.suppress(OSError):
            os.remove(tmp)


def _tee(step: st.PythonMap) -> _CacheTee | None:
    """A writer for the step's cache entry when one is due (set by the compiler; see ``map_cache``)."""
    path = step.memo.get(CACHE_TARGET)
    if not path:
        return None
    if os.path.exists(path) and not (step.is_filter and not is_mask_file(path)):
        return None  # written already (a filter's file of the older layout, its kept rows, is replaced)
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in _SWEPT:
        _SWEPT.add(folder)
        with contextlib.suppress(OSError):
            remove_dead_temps([os.path.join(folder, n) for n in os.listdir(folder)])
    return _CacheTee(path)


_SWEPT: set[str] = set()


def _outputs(step: st.PythonMap, upstream: pl.LazyFrame) -> Iterator[pl.DataFrame]:
    """Every output batch of the step over ``upstream``: the recorded ones, then new calls (recorded too).

    A pass from the first row to the last also writes the step's cache entry (see :class:`_CacheTee`)."""
    rec = _replay(step)
    with rec.lock:
        done, masks, start, complete = list(rec.frames), list(rec.masks), rec.rows_in, rec.complete
    tee = _tee(step)
    kept = False
    try:
        for i, out in enumerate(done):
            if tee is not None:
                tee.write(masks[i] if step.is_filter else out)
            yield out
        if not complete:
            yield from _new_outputs(step, upstream, rec, start, tee)
        if tee is not None:
            kept = tee.close(keep=True)
            if kept:
                step.memo[WRITTEN] = tee.path
                with rec.lock:  # the file replays the step from now on: its outputs need not stay in memory
                    rec.frames, rec.masks, rec.rows_in, rec.bytes = [], [], 0, 0
                    rec.complete, rec.full = False, True
    finally:
        if tee is not None and not kept:
            tee.close(keep=False)


def _new_outputs(
    step: st.PythonMap, upstream: pl.LazyFrame, rec: _Replay, start: int, tee: _CacheTee | None
) -> Iterator[pl.DataFrame]:
    lf = upstream.slice(start) if start else upstream
    frames = lf.collect_batches(chunk_size=chunk_rows(step), lazy=True)
    pos = start
    bar = _progress_bar(step)
    limit = REPLAY_LIMIT_BYTES if tee is None else REPLAY_LIMIT_WHILE_CACHING_BYTES
    try:
        batches = run_batches(step, frames, offset=start, schema=step.memo.get("schema"), with_mask=True)
        for rows, out in batches:
            mask = None
            if step.is_filter and out is not None:  # a filter's cache entry is its mask over the input
                mask = out.select(st.MASK_COLUMN)
                out = out.filter(pl.col(st.MASK_COLUMN)).drop(st.MASK_COLUMN)
            if out is None:  # an empty output: no rows, no type
                with rec.lock:
                    if not rec.full and not rec.complete and rec.rows_in == pos:
                        rec.rows_in += rows
                pos += rows
                bar.update(rows)
                continue
            if not step.is_filter and "schema" not in step.memo:
                step.memo["schema"] = out.schema
            with rec.lock:
                if not rec.full and not rec.complete and rec.rows_in == pos:
                    rec.frames.append(out)
                    if mask is not None:
                        rec.masks.append(mask)
                    rec.rows_in += rows
                    rec.bytes += out.estimated_size()
                    rec.full = rec.bytes > limit
            pos += rows
            bar.update(rows)
            if tee is not None:
                tee.write(out if mask is None else mask)
            yield out
    finally:
        bar.close()
    with rec.lock:
        if not rec.full and rec.rows_in == pos:
            rec.complete = True


#: Seconds of work before a map/filter shows its bar (schema probes and small maps stay quiet).
PROGRESS_DELAY_S = 0.5


def _progress_bar(step: st.PythonMap) -> Any:
    """``Map: 120000 examples [00:03, 41230.1 examples/s]`` (``desc=`` of ``map``/``filter`` when given), shown
    once the work has taken :data:`PROGRESS_DELAY_S`; off with ``disable_progress_bars()``."""
    from polards.progress import progress_bar

    desc = step.memo.get("desc") or ("Filter" if step.is_filter else "Map")
    return progress_bar(total=None, desc=desc, delay=PROGRESS_DELAY_S)


def _empty_result(step: st.PythonMap, upstream: pl.LazyFrame) -> pl.Schema:
    """No batch ran (no rows, or ``drop_last_batch`` dropped the only one): ``datasets`` returns the input
    unchanged, minus ``remove_columns`` when the dataset is empty."""
    schema = upstream.collect_schema()
    has_rows = upstream.head(1).collect().height > 0
    if has_rows:
        return schema
    return pl.Schema({c: d for c, d in schema.items() if c not in step.remove_columns})


def output_schema(step: st.PythonMap, upstream: pl.LazyFrame) -> pl.Schema:
    """The step's output schema: the input's for a filter, else its first batch's real output (kept)."""
    if "schema" in step.memo:
        return step.memo["schema"]
    if step.is_filter:
        step.memo["schema"] = upstream.collect_schema()
        return step.memo["schema"]
    gen = _outputs(step, upstream)
    try:
        first = next(gen, None)
    finally:
        gen.close()
    if first is None:
        step.memo["schema"] = _empty_result(step, upstream)
        rec = _replay(step)
        with rec.lock:
            rec.passthrough = rec.rows_in == 0
    return step.memo["schema"]


def python_map_frame(step: st.PythonMap, upstream: pl.LazyFrame) -> pl.LazyFrame:
    """The lazy frame of a Python map/filter step over ``upstream`` (compile rule of :class:`PythonMap`)."""
    from polards.core.map_cache import has_shards

    if step.num_proc or has_shards(step):  # worker processes, or the shards an earlier num_proc run cached
        from polards.core.map_workers import parallel_frame

        return parallel_frame(step, upstream)
    schema = output_schema(step, upstream)
    if _replay(step).passthrough:
        return upstream.select(list(schema))

    return live_streams.python_frame(lambda _cols, _rows: _outputs(step, upstream), schema, "PYTHON MAP")


# -------------------------------------------------------------------------- kept for existing callers
def udf_output_schema(step: st.PythonMap, lf: pl.LazyFrame) -> pl.Schema:
    """The output schema (see :func:`output_schema`)."""
    return output_schema(step, lf)
