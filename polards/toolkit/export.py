"""Exporters for datasets and results: CSV, JSONL, Parquet (streamed, atomic), Markdown tables.

Data may be a :class:`polards.Dataset`, :class:`polards.IterableDataset`, ``pl.DataFrame`` or ``pl.LazyFrame``.
Files are written batch by batch to a temporary name beside the target and renamed into place, so a reader
never sees half a file. Nested columns (lists, structs) become JSON text in CSV and Markdown.
The HTML report lives in :mod:`polards.toolkit.report`.

Examples
--------
>>> import polars as pl
>>> print(to_markdown(pl.DataFrame({"q": ["1+1 | <b>?</b>"], "a": [2]})))
| q | a |
| --- | ---: |
| 1+1 \\| &lt;b&gt;?&lt;/b&gt; | 2 |
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import polars as pl

from polards.exceptions import InvalidArgumentError

__all__ = ["FORMATS", "export", "infer_format", "iter_frames", "to_markdown", "write_batches"]

FORMATS = ("parquet", "jsonl", "csv", "md")
_SUFFIXES = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".md": "md",
    ".markdown": "md",
}


def infer_format(path: str | os.PathLike[str], format: str | None = None) -> str:
    """The export format named by ``format`` or by the file's suffix.

    >>> infer_format("out/train.jsonl"), infer_format("x.bin", "csv")
    ('jsonl', 'csv')
    """
    if format is not None:
        fmt = format.lower().lstrip(".")
        fmt = {"json": "jsonl", "ndjson": "jsonl", "markdown": "md", "pq": "parquet"}.get(fmt, fmt)
        if fmt not in FORMATS:
            raise InvalidArgumentError(f"Unknown export format {format!r}. Hint: use one of {list(FORMATS)}.")
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIXES:
        raise InvalidArgumentError(
            f"Cannot tell the export format of {str(path)!r} from its suffix {suffix!r}. "
            f"Hint: end it in one of {sorted(_SUFFIXES)} or pass format=."
        )
    return _SUFFIXES[suffix]


# ------------------------------------------------------------------------------------------------ sources
def iter_frames(data: Any, batch_size: int = 10_000) -> Iterator[pl.DataFrame]:
    """Stream ``data`` as ``pl.DataFrame`` batches without materialising it whole."""
    if isinstance(data, pl.DataFrame):
        yield from data.iter_slices(batch_size)
    elif isinstance(data, pl.LazyFrame):
        yield from data.collect_batches(chunk_size=batch_size, lazy=True)
    elif hasattr(data, "with_format") and hasattr(data, "iter"):
        yield from data.with_format("polars").iter(batch_size=batch_size)
    elif hasattr(data, "to_polars"):
        yield from data.to_polars().iter_slices(batch_size)
    else:
        raise InvalidArgumentError(f"Cannot export an object of type {type(data).__name__}.")


def _target_schema(data: Any) -> pl.Schema | None:
    if isinstance(data, pl.DataFrame):
        return data.schema
    if isinstance(data, pl.LazyFrame):
        return data.collect_schema()
    if hasattr(data, "lazy"):
        with contextlib.suppress(Exception):
            return data.lazy().collect_schema()
    features = getattr(data, "features", None)
    if features is not None and hasattr(features, "to_polars_schema"):
        with contextlib.suppress(Exception):
            return pl.Schema(features.to_polars_schema())
    return None


def _total_rows(data: Any) -> int | None:
    if isinstance(data, pl.DataFrame):
        return data.height
    if isinstance(data, pl.LazyFrame) or not hasattr(data, "__len__"):
        return None
    try:
        return len(data)
    except TypeError:
        return None


# ------------------------------------------------------------------------------------------------ encoding
def _is_nested(dtype: pl.DataType) -> bool:
    return isinstance(dtype, (pl.List, pl.Array, pl.Struct, pl.Object)) or dtype == pl.Binary


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def flatten_for_text(df: pl.DataFrame) -> pl.DataFrame:
    """Nested and binary columns as JSON text, so a flat text format can hold them."""
    nested = [c for c, t in df.schema.items() if _is_nested(t)]
    if not nested:
        return df
    return df.with_columns(
        pl.Series(
            c,
            [
                None if v is None else json.dumps(v, default=_json_default, ensure_ascii=False)
                for v in df[c].to_list()
            ],
            dtype=pl.String,
        )
        for c in nested
    )


# ------------------------------------------------------------------------------------------------ writing
class _Writer:
    def __init__(self, fmt: str, fh: Any) -> None:
        self.fmt, self.fh, self.first, self.pq = fmt, fh, True, None

    def write(self, df: pl.DataFrame) -> None:
        if self.fmt == "parquet":
            import pyarrow.parquet as pq

            table = df.to_arrow()
            if self.pq is None:
                self.pq = pq.ParquetWriter(self.fh, table.schema, compression="zstd")
            elif table.schema != self.pq.schema:
                table = table.cast(self.pq.schema)
            self.pq.write_table(table)
        elif self.fmt == "jsonl":
            df.write_ndjson(self.fh)
        elif self.fmt == "csv":
            flatten_for_text(df).write_csv(self.fh, include_header=self.first)
        else:
            self.fh.write(to_markdown(df, header=self.first).encode() + b"\n")
        self.first = False

    def close(self, schema: pl.Schema | None) -> None:
        if self.fmt == "parquet" and self.pq is None:  # no batch at all: still a valid, empty file
            import pyarrow.parquet as pq

            table = pl.DataFrame(schema=schema or {}).to_arrow()
            self.pq = pq.ParquetWriter(self.fh, table.schema)
        if self.fmt == "csv" and self.first and schema:
            pl.DataFrame(schema=schema).pipe(flatten_for_text).write_csv(self.fh)
        if self.fmt == "md" and self.first and schema:
            self.fh.write(to_markdown(pl.DataFrame(schema=schema)).encode() + b"\n")
        if self.pq is not None:
            self.pq.close()


def write_batches(
    batches: Iterable[pl.DataFrame],
    path: str | os.PathLike[str],
    format: str | None = None,
    *,
    schema: pl.Schema | None = None,
    on_batch: Callable[[pl.DataFrame], None] | None = None,
) -> Path:
    """Write batches to ``path`` atomically (temporary file, fsync, rename). Returns the path.

    Batches are cast to ``schema`` (or the first batch's schema) so a batch holding only nulls cannot change
    a column's type half way through.
    """
    path = Path(path)
    fmt = infer_format(path, format)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:6]}.tmp")
    try:
        with open(tmp, "wb") as fh:
            writer = _Writer(fmt, fh)
            for df in batches:
                if schema is None:
                    schema = df.schema
                elif df.schema != schema:
                    df = df.select(
                        pl.col(n).cast(t, strict=False) if n in df.columns else pl.lit(None, t).alias(n)
                        for n, t in schema.items()
                    )
                writer.write(df)
                if on_batch is not None:
                    on_batch(df)
            writer.close(schema)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return path


def export(
    data: Any,
    path: str | os.PathLike[str],
    format: str | None = None,
    *,
    batch_size: int = 10_000,
    progress: bool = False,
    total: int | None = None,
    desc: str | None = None,
) -> Path:
    """Stream ``data`` to a CSV, JSONL, Parquet or Markdown file (format from ``format`` or the suffix).

    Parameters
    ----------
    progress
        Show a tqdm bar counting rows (``total`` rows if given, else the dataset's length when cheap to know).

    >>> import tempfile, polars as pl
    >>> p = export(pl.DataFrame({"a": [1, 2]}), tempfile.mkdtemp() + "/out.jsonl")
    >>> p.read_text()
    '{"a":1}\\n{"a":2}\\n'
    """
    fmt = infer_format(path, format)
    schema = _target_schema(data)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        if total is None and not isinstance(data, pl.LazyFrame) and hasattr(data, "lazy"):
            total = _total_rows(data)
        bar = tqdm(
            total=total if total is not None else _total_rows(data),
            unit=" rows",
            desc=desc or f"→ {Path(path).name}",
        )
    try:
        return write_batches(
            iter_frames(data, batch_size),
            path,
            fmt,
            schema=schema,
            on_batch=(lambda df: bar.update(df.height)) if bar is not None else None,
        )
    finally:
        if bar is not None:
            bar.close()


# ------------------------------------------------------------------------------------------------ markdown
def _md_cell(value: Any, max_chars: int) -> str:
    if value is None:
        return ""
    text = (
        value
        if isinstance(value, str)
        else json.dumps(value, default=_json_default, ensure_ascii=False)
        if isinstance(value, (list, dict, tuple))
        else str(value)
    )
    if len(text) > max_chars:
        text = text[: max_chars - 1] + "…"
    text = html.escape(text, quote=False).replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")
    return text.replace("`", "\\`")


def to_markdown(data: Any, *, max_rows: int | None = None, max_chars: int = 200, header: bool = True) -> str:
    """A GitHub-flavoured Markdown table; text is escaped (``|``, ``<``, ``>``, ``&``, backticks, newlines).

    >>> import polars as pl
    >>> print(to_markdown(pl.DataFrame({"x": [1.5, None]})))
    | x |
    | ---: |
    | 1.5 |
    |  |
    """
    if isinstance(data, pl.LazyFrame):
        data = data.head(max_rows).collect() if max_rows is not None else data.collect()
    elif not isinstance(data, pl.DataFrame):
        data = (
            pl.concat(list(iter_frames(data)), how="vertical_relaxed")
            if max_rows is None
            else next(iter_frames(data, max_rows), pl.DataFrame())
        )
    df: pl.DataFrame = data if max_rows is None else data.head(max_rows)
    lines = []
    if header:
        lines.append("| " + " | ".join(_md_cell(c, max_chars) for c in df.columns) + " |")
        lines.append(
            "| " + " | ".join("---:" if t.is_numeric() else "---" for t in df.schema.values()) + " |"
        )
    for row in df.iter_rows():
        lines.append("| " + " | ".join(_md_cell(v, max_chars) for v in row) + " |")
    return "\n".join(lines)


def __getattr__(name: str) -> Any:
    # The HTML report lives in polards.toolkit.report (which imports this module); re-export it lazily.
    if name in ("html_report", "write_html_report"):
        from polards.toolkit import report

        return getattr(report, name)
    raise AttributeError(f"module 'polards.toolkit.export' has no attribute {name!r}")
