"""Writers: parquet (with ``datasets``' Arrow types and ``huggingface`` metadata), JSON lines, CSV."""

from __future__ import annotations

import os
from typing import Any

import polars as pl


def to_hf_arrow(df: pl.DataFrame, features: Any) -> Any:
    """The frame as a ``pyarrow.Table`` typed exactly as ``datasets`` would type it."""
    table = df.to_arrow()
    schema = features.to_arrow_schema()
    return (
        table.cast(schema)
        if table.schema.remove_metadata() != schema.remove_metadata()
        else table.replace_schema_metadata(schema.metadata)
    )


def _atomic_target(path: str) -> str:
    os.makedirs(os.path.dirname(os.path.abspath(path)) or ".", exist_ok=True)
    return f"{path}.tmp-{os.getpid()}"


def write_parquet(
    ds: Any, path: str, *, row_group_size: int = 100_000, compression: str = "zstd", **kw: Any
) -> None:
    """Stream the plan to parquet batch by batch, then rename into place (never a half-written file)."""
    import pyarrow.parquet as pq

    tmp = _atomic_target(path)
    schema = ds.features.to_arrow_schema()
    try:
        with pq.ParquetWriter(tmp, schema, compression=compression) as writer:
            for df in ds._batches(row_group_size):
                writer.write_table(to_hf_arrow(df, ds.features), row_group_size=row_group_size)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_json(ds: Any, path: str, *, lines: bool = True) -> None:
    tmp = _atomic_target(path)
    try:
        if lines:
            ds.lazy().sink_ndjson(tmp)
        else:
            ds.to_polars().write_json(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_csv(ds: Any, path: str, **kw: Any) -> None:
    tmp = _atomic_target(path)
    try:
        ds.lazy().sink_csv(tmp, separator=kw.get("sep", ","))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
