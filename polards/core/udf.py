"""Running a user's Python ``map``/``filter`` function over Polars batches, with ``datasets`` semantics.

The function sees python values (dict of lists when batched, a dict per row otherwise), exactly as in
``datasets``; its outputs are converted back through Arrow in one go per batch.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pyarrow as pa

from polards.core import steps as st
from polards.exceptions import UDFError

SCHEMA_SAMPLE_ROWS = 64


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
) -> st.PythonMap:
    """A :class:`PythonMap` step for ``map``/``filter`` of either dataset kind (``features`` may be None)."""
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
    return st.PythonMap(
        fn,
        batched,
        batch_size if batch_size and batch_size > 0 else None,
        with_indices,
        tuple(cols) if cols is not None else None,
        remove,
        tuple((fn_kwargs or {}).items()),
        decoders,
        is_filter,
        drop_last_batch,
    )


def _inputs(step: st.PythonMap, df: pl.DataFrame) -> dict[str, list[Any]]:
    cols = (
        step.input_columns
        if step.input_columns is not None
        else [c for c in df.columns if c != st.INDEX_COLUMN]
    )
    data = {c: df.get_column(c).to_list() for c in cols}
    for name, decode in step.decoders:
        if name in data:
            data[name] = [decode(v) for v in data[name]]
    return data


def _call(step: st.PythonMap, args: list[Any], indices: Any) -> Any:
    kwargs = dict(step.fn_kwargs)
    if step.with_indices:
        return step.fn(*args, indices, **kwargs)
    return step.fn(*args, **kwargs)


def _run_fn(step: st.PythonMap, df: pl.DataFrame) -> tuple[dict[str, list[Any]] | None, list[bool] | None]:
    """Call the user function over ``df``: returns (new columns, filter mask)."""
    data = _inputs(step, df)
    idx = df.get_column(st.INDEX_COLUMN).to_list() if step.with_indices else [None] * df.height
    n = df.height
    try:
        if step.batched:
            bs = step.batch_size or max(n, 1)
            outs, mask = [], []
            for start in range(0, n, bs):
                chunk = {k: v[start : start + bs] for k, v in data.items()}
                if step.drop_last_batch and len(next(iter(chunk.values()), [])) < bs:
                    continue
                args = [chunk[c] for c in step.input_columns] if step.input_columns is not None else [chunk]
                res = _call(step, args, idx[start : start + bs])
                if step.is_filter:
                    mask.extend(bool(x) for x in res)
                elif res is not None:
                    outs.append(res)
            if step.is_filter:
                return None, mask
            if not outs:
                return ({}, None) if n == 0 else (None, None)
            merged = {k: [v for o in outs for v in o[k]] for k in outs[0]}
            return merged, None
        rows = (
            [dict(zip(data, vals, strict=True)) for vals in zip(*data.values(), strict=True)]
            if data
            else [{}] * n
        )
        results = []
        for i, row in enumerate(rows):
            args = [row[c] for c in step.input_columns] if step.input_columns is not None else [row]
            results.append(_call(step, args, idx[i]))
    except UDFError:
        raise
    except Exception as e:
        name = getattr(step.fn, "__qualname__", repr(step.fn))
        raise UDFError(
            f"The function {name} passed to {'filter' if step.is_filter else 'map'} raised {e!r}"
        ) from e
    if step.is_filter:
        return None, [bool(r) for r in results]
    if all(r is None for r in results):
        return None, None
    keys: dict[str, None] = {}
    for r in results:
        if not isinstance(r, dict):
            msg = f"map function must return a dict or None, got {type(r).__name__}"
            raise UDFError(msg)
        keys.update(dict.fromkeys(r))
    return {k: [r.get(k) for r in results] for k in keys}, None


def _to_frame(columns: dict[str, list[Any]]) -> pl.DataFrame:
    try:
        table = pa.table({k: pa.array(v) for k, v in columns.items()})
        out = pl.from_arrow(table)
        assert isinstance(out, pl.DataFrame)
        return out
    except (pa.ArrowException, TypeError, ValueError):
        return pl.DataFrame(columns, strict=False, infer_schema_length=None)


def _keep_type(new: pl.Series, original: pl.DataType) -> pl.Series:
    """``datasets``' ``try_original_type``: an overwritten column keeps its type when its new values fit."""
    if new.dtype == original:
        return new
    try:
        return new.cast(original, strict=True)
    except (pl.exceptions.PolarsError, TypeError, ValueError):
        return new


def map_batch(step: st.PythonMap, df: pl.DataFrame) -> pl.DataFrame:
    """Apply the step to one batch; the result has the step's output columns (no schema cast)."""
    new, mask = _run_fn(step, df)
    base = df.drop(st.INDEX_COLUMN) if st.INDEX_COLUMN in df.columns else df
    if step.is_filter:
        return base.with_columns(pl.Series(st.MASK_COLUMN, mask, dtype=pl.Boolean))
    if new is None:
        return base.drop([c for c in step.remove_columns if c in base.columns])
    out = _to_frame(new)
    if out.height != base.height:
        kept = [c for c in base.columns if c not in step.remove_columns and c not in out.columns]
        if kept:
            msg = (
                f"map function returned {out.height} rows for a batch of {base.height}; a batched function may "
                f"change the number of rows only if the other columns are removed. Hint: remove_columns={kept}"
            )
            raise UDFError(msg)
        return out
    replaced = [
        _keep_type(out.get_column(c), base.schema[c]) if c in out.columns else base.get_column(c)
        for c in base.columns
    ]
    frame = pl.DataFrame(replaced) if replaced else pl.DataFrame()
    frame = (
        frame.with_columns([out.get_column(c) for c in out.columns if c not in base.columns])
        if base.width
        else out
    )
    return frame.drop([c for c in step.remove_columns if c in frame.columns and c not in new])


def udf_output_schema(step: st.PythonMap, lf: pl.LazyFrame) -> pl.Schema:
    """The output schema, inferred once by running the function on the first rows (then memoised)."""
    if "schema" not in step.memo:
        sample = lf.head(SCHEMA_SAMPLE_ROWS).collect()
        out = map_batch(step, sample)
        if sample.height == 0 or any(d == pl.Null for d in out.schema.values()):
            bigger = lf.head(SCHEMA_SAMPLE_ROWS * 16).collect()
            if bigger.height > sample.height:
                out = map_batch(step, bigger)
        step.memo["schema"] = out.schema
    return step.memo["schema"]


def run_python_map(step: st.PythonMap, df: pl.DataFrame, schema: pl.Schema) -> pl.DataFrame:
    if df.height == 0:
        return pl.DataFrame(schema=schema)
    out = map_batch(step, df)
    if list(out.columns) != list(schema):
        msg = f"map function returned columns {out.columns} for one batch but {list(schema)} for the first rows."
        raise UDFError(msg)
    bad = [c for c, d in out.schema.items() if d != schema[c] and d != pl.Null and schema[c] != pl.Null]
    try:
        return out.cast(dict(schema)) if out.schema != schema else out
    except pl.exceptions.PolarsError as e:
        raise UDFError(f"map function changed the type of columns {bad} between batches: {e}") from e
