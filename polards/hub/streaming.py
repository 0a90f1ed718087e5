"""Remote shard readers for ``load_dataset(..., streaming=True)``: nothing is downloaded whole.

- parquet: a LazyFrame (Polars IO-source plugin) over the resolve URL pinned to the commit sha; row groups are
  read through pyarrow from a :class:`~polards.hub.remote_file.RemoteFile`, so only the footer and the column
  chunks a query needs travel (range requests), with auth, timeouts and bounded retries on each. (Measured:
  ``pl.scan_parquet`` over http has no request timeout -- a stalled server hangs it -- and drops
  ``Authorization`` headers, so it serves neither the 60 s error bound nor gated repos.)
- JSON Lines / CSV / text (optionally .gz/.zst/.bz2/.xz), and JSON documents: the file is read block by block
  (each block a retried range request), decompressed as a stream and parsed into ``pl.DataFrame`` batches.

A tqdm bar counts finished shards of a split (quiet with ``HF_HUB_DISABLE_PROGRESS_BARS``).

Never wrong rows -- what is verified when, at what cost:

- **Files up to ``POLARDS_STREAM_VERIFY_BYTES``** (default 16 MiB): fetched whole (range requests, 8 MiB each)
  and checked against the tree's sha256 / git blob oid before a single row is parsed; a mismatch is refetched
  once, then an :class:`~polards.exceptions.IntegrityError`. Cost: the whole file travels even when a query
  needs one column or ``take(5)``, and is held in memory while its shard streams.
- **Larger files**: every range response is checked (see :mod:`polards.hub.remote_file`); text files are read
  sequentially and hashed as they stream, so the checksum is compared before the last block is used
  (corruption is reported at the end of that shard: earlier rows of the shard have already been handed out);
  parquet pages are checked against their CRCs when the writer stored them (pyarrow
  ``page_checksum_verification``). A block that fails to decode is read once more from fresh requests, then
  raises :class:`~polards.exceptions.MalformedFileError` naming repo, commit and file.
- **Deadline**: the shards of one split share a :class:`~polards.hub.retry.FaultBudget` of
  ``POLARDS_HUB_DEADLINE`` seconds of failed attempts and retry waits, started afresh on each pass over the
  split; past it the stream ends with :class:`~polards.exceptions.HubConnectionError`.
- **Schema drift** between the files of a split follows ``datasets``: see :func:`polards.io.read.conform_frame`.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from collections.abc import Callable, Iterator
from typing import IO, Any

import polars as pl

from polards.core import live_streams
from polards.exceptions import MalformedFileError, PolardsError
from polards.hub.client import HubSettings, _env_float
from polards.hub.download import where
from polards.hub.remote_file import RemoteFile
from polards.hub.repo import RepoSnapshot
from polards.hub.resolve import split_extension
from polards.hub.retry import FaultBudget
from polards.io.read import ReferenceSchema, conform_frame

BATCH_ROWS = 10_000


def verify_limit() -> int:
    """Files up to this many bytes are verified whole before streaming (``POLARDS_STREAM_VERIFY_BYTES``)."""
    return int(_env_float("POLARDS_STREAM_VERIFY_BYTES", 16 << 20))


class SplitStream(ReferenceSchema):
    """State shared by the shards of one streamed split: the fault budget and the reference schema
    (:class:`~polards.io.read.ReferenceSchema`). The budget restarts when shard 0 starts (a new pass over the
    split).
    """

    def __init__(self, settings: HubSettings, schema: pl.Schema | None = None) -> None:
        super().__init__(schema)
        self.budget = FaultBudget(settings.retry.deadline)

    def started(self, index: int) -> None:
        if index == 0:
            self.budget.reset()


def _name(snap: RepoSnapshot, path: str) -> str:
    return where(snap.repo_id, snap.sha, path)


def _decompressed(raw: IO[bytes], compression: str | None) -> IO[bytes]:
    if compression == "gz":
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    if compression == "zst":
        import zstandard

        return zstandard.ZstdDecompressor().stream_reader(raw)  # type: ignore[return-value]
    if compression == "bz2":
        return bz2.BZ2File(raw)  # type: ignore[return-value]
    if compression == "xz":
        return lzma.LZMAFile(raw)  # type: ignore[return-value]
    return raw


def _remote(
    settings: HubSettings, snap: RepoSnapshot, path: str, budget: FaultBudget | None, block_size: int
) -> RemoteFile:
    """A checked remote reader of ``path``; verified whole first when it is small enough."""
    entry = snap.files[path]
    url = settings.resolve_url(snap.repo_id, snap.sha, path)
    remote = RemoteFile(
        settings,
        snap.repo_id,
        url,
        entry.size,
        block_size,
        etag=entry.etag,
        name=_name(snap, path),
        budget=budget,
    )
    if entry.size <= verify_limit():
        remote.load_verified()
    return remote


def _open(
    settings: HubSettings, snap: RepoSnapshot, path: str, budget: FaultBudget | None = None
) -> IO[bytes]:
    raw = io.BufferedReader(_remote(settings, snap, path, budget, 1 << 20), buffer_size=1 << 20)
    stream = _decompressed(raw, split_extension(path)[1])
    return stream if hasattr(stream, "peek") else io.BufferedReader(stream, 1 << 20)  # type: ignore[arg-type]


def _conform(first: pl.DataFrame | None, df: pl.DataFrame) -> pl.DataFrame:
    """Give later batches the first batch's columns and dtypes where they can take them."""
    if first is None or df.schema == first.schema:
        return df
    return pl.concat([first.clear(), df], how="diagonal_relaxed")


def _line_batches(stream: IO[bytes], n: int) -> Iterator[list[bytes]]:
    lines: list[bytes] = []
    for line in stream:
        if line.strip():
            lines.append(line)
        if len(lines) >= n:
            yield lines
            lines = []
    if lines:
        yield lines


def _read_text_batches(stream: IO[bytes], fmt: str, columns: list[str] | None) -> Iterator[pl.DataFrame]:
    first: pl.DataFrame | None = None
    header = b""
    if fmt == "csv":
        header = stream.readline()
    for lines in _line_batches(stream, BATCH_ROWS):
        if fmt == "json":
            df = pl.read_ndjson(io.BytesIO(b"".join(lines)), infer_schema_length=None)
        elif fmt == "csv":
            df = pl.read_csv(io.BytesIO(header + b"".join(lines)))
        else:
            df = pl.DataFrame({"text": [ln.decode("utf-8").rstrip("\r\n") for ln in lines]})
        df = _conform(first, df)
        first = df if first is None else first
        yield df.select(columns) if columns else df


def _read_json_document(stream: IO[bytes], columns: list[str] | None) -> Iterator[pl.DataFrame]:
    from polards.io.json_records import iter_records

    first: pl.DataFrame | None = None
    rows: list[Any] = []

    def flush() -> pl.DataFrame:
        nonlocal first
        df = _conform(first, pl.DataFrame(rows, infer_schema_length=None))
        first = df if first is None else first
        return df.select(columns) if columns else df

    for rec in iter_records(stream):
        rows.append(rec)
        if len(rows) >= BATCH_ROWS:
            yield flush()
            rows = []
    if rows:
        yield flush()


class ShardProgress:
    """A tqdm bar over the shards of one split, opened when the first shard starts streaming.

    A bar made at ``load_dataset`` time would print before anything streams; this one appears on first read,
    counts finished shards and starts over when the dataset is iterated again.
    """

    def __init__(self, settings: HubSettings, total: int, desc: str) -> None:
        self.enabled = settings.progress and total > 1
        self.total, self.desc, self.bar, self.done = total, desc, None, 0

    def started(self) -> None:
        if not self.enabled or self.bar is not None:
            return
        from tqdm.auto import tqdm

        self.bar, self.done = tqdm(total=self.total, unit="shard", desc=self.desc, leave=False), 0

    def finished(self) -> None:
        if self.bar is None:
            return
        self.bar.update(1)
        self.done += 1
        if self.done >= self.total:
            self.bar.close()
            self.bar = None


def _counted(
    reader: Callable[[], Iterator[pl.DataFrame]], bar: ShardProgress
) -> Callable[[], Iterator[pl.DataFrame]]:
    def shard() -> Iterator[pl.DataFrame]:
        bar.started()
        yield from reader()
        bar.finished()

    return shard


def _parquet_file(
    settings: HubSettings, snap: RepoSnapshot, path: str, budget: FaultBudget | None = None
) -> Any:
    import pyarrow.parquet as pq

    entry = snap.files[path]
    remote = _remote(settings, snap, path, budget, 64 << 10)
    remote.read_tail(min(entry.size, 64 << 10))  # footer (and often the whole metadata) in one request
    try:
        return pq.ParquetFile(remote, pre_buffer=False, page_checksum_verification=True)
    except PolardsError:
        raise
    except Exception as e:  # noqa: BLE001 - pyarrow's ArrowInvalid/OSError on a footer that does not decode
        raise MalformedFileError(
            f"{_name(snap, path)} is not a readable parquet file: {type(e).__name__}: {e}"
        ) from e


def _guarded(produce: Callable[[], Iterator[pl.DataFrame]], name: str, retry: bool) -> Iterator[pl.DataFrame]:
    """Batches of ``produce()``; a decode error restarts the file once from fresh requests (skipping the rows
    already yielded) when ``retry``, else -- or the second time -- raises MalformedFileError naming the file."""
    yielded, attempts = 0, 0
    while True:
        skip = yielded
        try:
            for df in produce():
                if skip:
                    if df.height <= skip:
                        skip -= df.height
                        continue
                    df, skip = df.slice(skip), 0
                yielded += df.height
                yield df
            return
        except PolardsError:
            raise
        except Exception as e:  # noqa: BLE001 - zlib/gzip/pyarrow/Polars decode errors, all named below
            if retry and attempts == 0:
                attempts += 1
                continue
            raise MalformedFileError(f"{name} does not decode: {type(e).__name__}: {e}") from e


def split_schema(settings: HubSettings, snap: RepoSnapshot, first: str) -> pl.Schema:
    """The Polars schema of a split, from its first shard's footer (the shards of a split share it)."""
    from polards.hub.info import _parquet_footer

    meta = _parquet_footer(settings, snap, first)
    return _polars_schema(meta.schema.to_arrow_schema())


def _polars_schema(arrow: Any) -> pl.Schema:
    frame = pl.DataFrame(arrow.empty_table())
    return frame.schema


def parquet_lazy_shard(
    settings: HubSettings,
    snap: RepoSnapshot,
    path: str,
    columns: list[str] | None,
    schema: pl.Schema,
    bar: ShardProgress | None = None,
    split: SplitStream | None = None,
    index: int = 0,
) -> pl.LazyFrame:
    """A LazyFrame over one remote parquet shard, read row group by row group through range requests.

    It is a Polars IO-source plugin: projections, predicates and ``head`` pushed down by Polars reach the reader,
    which fetches only the needed column chunks, with polards' retries, timeouts and auth on every request
    (Polars' own HTTP reader has neither a request timeout nor a way to send ``Authorization``). ``schema`` is
    the split's (its first file's); a shard whose own schema differs is conformed to it by ``datasets``' rules
    (:func:`polards.io.read.conform_frame`): nulls for missing columns, lossless casts, an error otherwise.
    """
    from polars.io.plugins import register_io_source

    split = split if split is not None else SplitStream(settings, schema)
    name = _name(snap, path)

    def source(
        with_columns: list[str] | None, predicate: Any, n_rows: int | None, batch_size: int | None
    ) -> Iterator[pl.DataFrame]:
        split.started(index)
        yield from live_streams.python_source(
            _guarded(lambda: _read(with_columns, predicate, n_rows), name, retry=True)
        )

    def _read(with_columns: list[str] | None, predicate: Any, n_rows: int | None) -> Iterator[pl.DataFrame]:
        if bar is not None:
            bar.started()
        pf = _parquet_file(settings, snap, path, split.budget)
        own = _polars_schema(pf.schema_arrow)
        extra = [c for c in own if c not in schema]
        if extra:
            conform_frame(pl.DataFrame(schema=own), schema, name)  # CastError naming the extra columns
        wanted = list(with_columns) if with_columns is not None else schema.names()
        needed = list(dict.fromkeys(wanted + (predicate.meta.root_names() if predicate is not None else [])))
        target = pl.Schema({c: schema[c] for c in needed})
        read = [c for c in needed if c in own]
        left = n_rows
        for i in range(pf.num_row_groups):
            if (left is not None and left <= 0) or live_streams.exiting():
                return
            table = pf.read_row_group(i, columns=read)
            df = pl.from_arrow(table) if read else pl.DataFrame(height=table.num_rows)
            assert isinstance(df, pl.DataFrame)
            df = conform_frame(df, target, name)
            if predicate is not None:
                df = df.filter(predicate)
            df = df.select(wanted)
            if left is not None:
                df = df.head(left)
                left -= df.height
            yield df
        if bar is not None:
            bar.finished()

    detail = f"{snap.repo_id}/{path}@{snap.sha[:12]}"
    lf = register_io_source(source, schema=schema, explain_name="polards-hub-parquet", explain_detail=detail)
    return lf.select(columns) if columns else lf


def text_shard(
    settings: HubSettings,
    snap: RepoSnapshot,
    path: str,
    fmt: str,
    columns: list[str] | None,
    split: SplitStream | None = None,
    index: int = 0,
) -> Callable[[], Iterator[pl.DataFrame]]:
    """Batches of a JSON Lines / JSON / CSV / text shard, decompressed as it streams, in the split's schema."""
    split = split if split is not None else SplitStream(settings)
    name = _name(snap, path)

    def batches() -> Iterator[pl.DataFrame]:
        stream = _open(settings, snap, path, split.budget)
        if fmt == "json" and split_extension(path)[0] == "json":
            head = stream.peek(1 << 16).lstrip()  # type: ignore[attr-defined]
            if head[:1] == b"[" or (head[:1] == b"{" and _multiline_object(head)):
                yield from _read_json_document(stream, None)
                return
        yield from _read_text_batches(stream, fmt, None)

    def shard() -> Iterator[pl.DataFrame]:
        split.started(index)
        verified = snap.files[path].size <= verify_limit()
        for df in _guarded(batches, name, retry=not verified):
            df = split.conform(df, name)
            if columns:
                missing = [c for c in columns if c not in df.columns]
                if missing:
                    from polards.exceptions import ColumnNotFoundError

                    raise ColumnNotFoundError.from_names(missing, df.columns)
                df = df.select(columns)
            yield df

    return shard


def _multiline_object(head: bytes) -> bool:
    import json

    first = head.lstrip().split(b"\n", 1)[0]
    try:
        json.loads(first)
        return False
    except ValueError:
        return True


def stream_shards(
    settings: HubSettings,
    snap: RepoSnapshot,
    files: list[str],
    fmt: str,
    columns: list[str] | None,
    desc: str,
) -> list[Any]:
    """One shard per file, in file order."""
    bar = ShardProgress(settings, len(files), desc)
    if fmt == "parquet":
        schema = split_schema(settings, snap, files[0])
        split = SplitStream(settings, schema)
        return [
            parquet_lazy_shard(settings, snap, f, columns, schema, bar, split, i) for i, f in enumerate(files)
        ]
    if fmt in ("json", "csv", "text"):
        split = SplitStream(settings)
        return [
            _counted(text_shard(settings, snap, f, fmt, columns, split, i), bar) for i, f in enumerate(files)
        ]
    from polards.exceptions import InvalidArgumentError

    raise InvalidArgumentError(
        f"Streaming {fmt!r} files from the Hub is not supported (dataset {snap.repo_id!r})."
    )
