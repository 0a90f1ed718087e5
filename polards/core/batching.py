"""``batch(batch_size)`` as a stream: each run of ``batch_size`` rows becomes one row of lists, chunk by chunk.

A ``group_by`` over the row number // ``batch_size`` is one Polars expression, but a group-by waits for its
whole input: the first batch of ``concatenate_datasets(parts).batch(256)`` came only after every row of every
part was read and grouped (all of it in memory at once). Here the input streams through in chunks of a whole
number of batches; each chunk is grouped on its own (the same rows, order and types as the one group-by), so
the first batches are out as soon as their rows are, and memory holds a chunk, not the dataset.

>>> import polars as pl
>>> lf = pl.LazyFrame({"a": [1, 2, 3, 4, 5]})
>>> fixed_batches(lf, 2, drop_last_batch=False).collect()["a"].to_list()
[[1, 2], [3, 4], [5]]
>>> fixed_batches(lf, 2, drop_last_batch=True).collect()["a"].to_list()
[[1, 2], [3, 4]]
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from polards.core import live_streams
from polards.core.udf import rebatch

#: Rows read and grouped at a time (rounded down to whole batches, at least one batch).
CHUNK_ROWS = 65_536
_GROUP = "__polards_batch__"


def _group(df: pl.DataFrame, batch_size: int) -> pl.DataFrame:
    cols = df.columns
    grp = (pl.int_range(pl.len(), dtype=pl.UInt32) // batch_size).alias(_GROUP)
    return df.with_columns(grp).group_by(_GROUP, maintain_order=True).agg(cols).drop(_GROUP)


def fixed_batches(lf: pl.LazyFrame, batch_size: int, drop_last_batch: bool) -> pl.LazyFrame:
    """``lf`` with each run of ``batch_size`` rows as one row (every column a list), streamed; the last, shorter
    run is dropped with ``drop_last_batch``."""
    schema = lf.collect_schema()
    out_schema = pl.Schema({c: pl.List(dt) for c, dt in schema.items()})
    chunk = max(batch_size, CHUNK_ROWS // batch_size * batch_size)

    def frames(columns: list[str] | None, rows: int | None) -> Iterator[pl.DataFrame]:
        upstream = lf.select(columns) if columns else lf
        if rows is not None:
            upstream = upstream.head(rows * batch_size)
        chunks = live_streams.tracked(upstream.collect_batches(chunk_size=chunk, lazy=True))
        for df in rebatch(chunks, chunk, drop_last=False):
            if drop_last_batch and df.height % batch_size:
                df = df.head(df.height - df.height % batch_size)
            if not df.height:
                return
            yield _group(df, batch_size)

    return live_streams.python_frame(frames, out_schema, f"BATCH {batch_size}")
