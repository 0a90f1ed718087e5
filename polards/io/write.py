"""Writers behind ``Dataset.to_parquet`` / ``to_json`` / ``to_csv``, with ``datasets``' signatures and results.

Each takes a path (local, or any ``fsspec`` URL with ``storage_options``) or a binary buffer, writes batch by
batch under a ``Creating ... from Arrow format`` progress bar, and returns what ``datasets`` returns (bytes
written; for parquet the Arrow bytes of the rows, as ``datasets`` counts them). A local path is written to a
``<path>.tmp-<pid>`` file and renamed into place, so a failed write never leaves a half-written file.

Keyword arguments go where ``datasets`` sends them (``pyarrow.parquet.ParquetWriter``, ``pandas.DataFrame.to_json``,
``pandas.DataFrame.to_csv``); one neither knows raises ``TypeError`` before anything is written.

>>> import io, polards as pds
>>> buf = io.BytesIO()
>>> pds.Dataset.from_dict({"a": [1, 2]}).to_json(buf)
16
>>> buf.getvalue()
b'{"a":1}\\n{"a":2}\\n'
"""

from __future__ import annotations

import contextlib
import inspect
import os
import re
from collections.abc import Iterator
from typing import Any

import polars as pl

DEFAULT_BATCH_SIZE = 1000  # datasets.config.DEFAULT_MAX_BATCH_SIZE
PARQUET_BATCH_SIZE = 100_000  # polards' row group size when batch_size is not given
_JSON_COMPRESSIONS = (None, "infer", "gzip", "bz2", "xz")
# dtypes whose JSON lines Polars writes exactly as pandas does (datetimes, binary, decimals go through pandas)
_NDJSON_SAFE = (
    pl.Boolean,
    pl.String,
    pl.Null,
    pl.Int8,
    pl.Int16,
    pl.Int32,
    pl.Int64,
    pl.UInt8,
    pl.UInt16,
    pl.UInt32,
    pl.UInt64,
    pl.Float32,
    pl.Float64,
)


def to_hf_arrow(df: pl.DataFrame, features: Any) -> Any:
    """The frame as a ``pyarrow.Table`` typed exactly as ``datasets`` would type it."""
    table = df.to_arrow()
    schema = features.to_arrow_schema()
    return (
        table.cast(schema)
        if table.schema.remove_metadata() != schema.remove_metadata()
        else table.replace_schema_metadata(schema.metadata)
    )


def _is_path(target: Any) -> bool:
    return isinstance(target, str | bytes | os.PathLike)


@contextlib.contextmanager
def _sink(
    target: Any, storage_options: dict[str, Any] | None, compression: str | None = None
) -> Iterator[Any]:
    """A binary file object for ``target``; a local path is written atomically (temp file, then rename)."""
    if not _is_path(target):
        if compression:
            raise NotImplementedError(
                f"The compression parameter is not supported when writing to a buffer, but compression={compression}"
                " was passed. Please provide a local path instead."
            )
        yield target
        return
    import fsspec

    path = os.fsdecode(os.fspath(target))
    if "://" in path and not path.startswith("file://"):
        with fsspec.open(path, "wb", compression=compression, **(storage_options or {})) as f:
            yield f
        return
    path = path.removeprefix("file://")
    os.makedirs(os.path.dirname(os.path.abspath(path)) or ".", exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    if compression == "infer":
        from fsspec.utils import infer_compression

        compression = infer_compression(path)
    try:
        with fsspec.open(tmp, "wb", compression=compression) as f:
            yield f
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _escape_non_ascii(text: str) -> str:
    """``\\uXXXX`` escapes (UTF-16 units, lowercase hex) for non-ASCII, as pandas' JSON writer does."""
    if text.isascii():
        return text

    def esc(m: re.Match[str]) -> str:
        units = m.group().encode("utf-16-be")
        return "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2))

    return _NON_ASCII.sub(esc, text)


def _check_kwargs(kwargs: dict[str, Any], function: Any, what: str, own: tuple[str, ...] = ()) -> None:
    known = set(inspect.signature(function).parameters) - {"self", "path_or_buf", *own}
    unknown = sorted(set(kwargs) - known)
    if unknown:
        raise TypeError(f"{what} got unexpected keyword argument(s) {unknown}; it accepts {sorted(known)}.")


def _check_num_proc(num_proc: int | None) -> None:
    if num_proc is not None and num_proc <= 0:
        raise ValueError(f"num_proc {num_proc} must be an integer > 0.")


def _batches(ds: Any, batch_size: int, desc: str) -> Iterator[pl.DataFrame]:
    from polards.progress import progress_bar

    n = len(ds)
    bar = progress_bar(total=-(-n // batch_size), desc=desc, unit="ba")
    try:
        for df in ds._batches(batch_size):
            yield df
            bar.update(1)
    finally:
        bar.close()


def write_parquet(
    ds: Any,
    path_or_buf: Any,
    batch_size: int | None = None,
    storage_options: dict[str, Any] | None = None,
    **parquet_writer_kwargs: Any,
) -> int:
    """Stream the plan to parquet, one row group per batch, with ``datasets``' Arrow types and metadata."""
    import pyarrow.parquet as pq

    parquet_writer_kwargs.pop("path_or_buf", None)
    parquet_writer_kwargs.setdefault("compression", "zstd")
    schema = ds.features.to_arrow_schema()
    size = batch_size or PARQUET_BATCH_SIZE
    written = 0
    with _sink(path_or_buf, storage_options) as f:
        with pq.ParquetWriter(f, schema, **parquet_writer_kwargs) as writer:  # TypeError on unknown kwargs
            for df in _batches(ds, size, "Creating parquet from Arrow format"):
                table = to_hf_arrow(df, ds.features)
                writer.write_table(table, row_group_size=size)
                written += table.nbytes
    return written


def write_json(
    ds: Any,
    path_or_buf: Any,
    batch_size: int | None = None,
    num_proc: int | None = None,
    storage_options: dict[str, Any] | None = None,
    **to_json_kwargs: Any,
) -> int:
    """JSON lines by default (``orient="records"``), otherwise what ``pandas.DataFrame.to_json`` writes.

    Plain columns (numbers, strings, booleans) in the default layout are written by Polars: the same bytes as
    ``datasets`` except for floats, which keep every digit (``datasets`` goes through pandas, which keeps 10
    decimals, so ``0.1 + 0.2`` is read back as ``0.3`` and ``-0.0`` as ``0.0``); everything else goes through
    pandas as in ``datasets``.
    """
    import pandas as pd

    _check_num_proc(num_proc)
    to_json_kwargs.pop("path_or_buf", None)
    _check_kwargs(to_json_kwargs, pd.DataFrame.to_json, "to_json()")
    orient = to_json_kwargs.pop("orient", "records")
    lines = to_json_kwargs.pop("lines", orient == "records")
    if "index" not in to_json_kwargs and orient in ("split", "table"):
        to_json_kwargs["index"] = False
    compression = to_json_kwargs.pop("compression", "infer" if _is_path(path_or_buf) else None)
    if compression not in _JSON_COMPRESSIONS:
        raise NotImplementedError(f"`datasets` currently does not support {compression} compression")
    size = batch_size or DEFAULT_BATCH_SIZE
    if not lines and size < len(ds):
        raise NotImplementedError(
            "Output JSON will not be formatted correctly when lines = False and batch_size < number of rows in "
            "the dataset. Use pandas.DataFrame.to_json() instead."
        )
    dtypes = ds.features.to_polars_schema().dtypes()
    fast = (
        orient == "records"
        and lines
        and not to_json_kwargs
        and all(isinstance(t, _NDJSON_SAFE) for t in dtypes)
    )
    written = 0
    with _sink(path_or_buf, storage_options, compression) as f:
        if len(ds) == 0 and not lines:
            return f.write(
                pd.DataFrame({c: [] for c in ds.column_names}).to_json(orient=orient).encode() + b"\n"
            )
        for df in _batches(ds, size, "Creating json from Arrow format"):
            if fast:
                data = _escape_non_ascii(df.write_ndjson()).encode("ascii")
            else:
                text = (
                    to_hf_arrow(df, ds.features)
                    .to_pandas(integer_object_nulls=True)
                    .to_json(orient=orient, lines=lines, **to_json_kwargs)
                )
                data = (text if text.endswith("\n") else text + "\n").encode("utf-8")
            written += f.write(data)
    return written


def write_csv(
    ds: Any,
    path_or_buf: Any,
    batch_size: int | None = None,
    num_proc: int | None = None,
    storage_options: dict[str, Any] | None = None,
    **to_csv_kwargs: Any,
) -> int:
    """CSV exactly as ``datasets`` writes it (pandas' ``to_csv`` per batch, header once, no index)."""
    import pandas as pd

    _check_num_proc(num_proc)
    to_csv_kwargs.pop("path_or_buf", None)
    _check_kwargs(to_csv_kwargs, pd.DataFrame.to_csv, "to_csv()")
    header = to_csv_kwargs.pop("header", True)
    index = to_csv_kwargs.pop("index", False)
    size = batch_size or DEFAULT_BATCH_SIZE
    written = 0
    with _sink(path_or_buf, storage_options) as f:

        def one(df: pl.DataFrame, first: bool) -> int:
            text = (
                to_hf_arrow(df, ds.features)
                .to_pandas(integer_object_nulls=True)
                .to_csv(path_or_buf=None, header=header if first else False, index=index, **to_csv_kwargs)
            )
            return f.write(text.encode("utf-8"))

        if len(ds) == 0:
            return one(ds._frame(), True)
        for i, df in enumerate(_batches(ds, size, "Creating CSV from Arrow format")):
            written += one(df, i == 0)
    return written
