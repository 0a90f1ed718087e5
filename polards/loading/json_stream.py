"""Streaming JSON shards with ``datasets``' ``Json`` fields (``on_mixed_types="use_json"`` or ``Json`` features).

``datasets``' JSON builder re-encodes the fields it stores as ``Json`` into JSON text *before* Arrow parses a
batch, so a field whose objects differ in keys keeps each object as it was (no union of keys, no nulls added).
The same is done here for streaming: each record is decoded, its ``Json`` fields encoded, and the batch parsed
by Polars. Local files (a folder, ``data_files=``, or the verified Hub cache) and Hub files streamed remotely.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import IO, Any

import polars as pl

from polards.io.read import ReferenceSchema

BATCH_ROWS = 1000


def _records(stream: IO[bytes], is_document: bool) -> Iterator[Any]:
    from polards.features.json_type import json_loads
    from polards.io.json_records import iter_records

    if is_document:
        yield from iter_records(stream)
        return
    for n, line in enumerate(stream):
        if n == 0 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        if line.strip():
            yield json_loads(line)


def _batches(records: Iterator[Any], json_paths: list[list[Any]]) -> Iterator[pl.DataFrame]:
    from polards.features.json_type import encode_json_field, json_dumps

    rows: list[str] = []
    for rec in records:
        for p in json_paths:
            rec = encode_json_field(rec, p)
        rows.append(json_dumps(rec))
        if len(rows) >= BATCH_ROWS:
            yield pl.read_ndjson(io.StringIO("\n".join(rows)), infer_schema_length=None)
            rows = []
    if rows:
        yield pl.read_ndjson(io.StringIO("\n".join(rows)), infer_schema_length=None)


def _is_document(head: bytes) -> bool:
    import json

    head = head.lstrip()
    if head[:1] == b"[":
        return True
    if head[:1] != b"{":
        return False
    try:
        json.loads(head.split(b"\n", 1)[0])
    except ValueError:
        return True
    return False


def _conformed(batches: Iterator[pl.DataFrame], columns: list[str] | None) -> Iterator[pl.DataFrame]:
    first: pl.DataFrame | None = None
    for df in batches:
        if first is not None and df.schema != first.schema:
            df = pl.concat([first.clear(), df], how="diagonal_relaxed")
        first = df if first is None else first
        yield df.select(columns) if columns else df


def local_json_shards(
    paths: list[str], json_paths: list[list[Any]], columns: list[str] | None
) -> list[Callable[[], Iterator[pl.DataFrame]]]:
    """Streaming shards over local JSON / JSON Lines files (optionally ``.gz``), one per file."""
    from polards.io.json_records import _open_lines, is_json_document

    split = ReferenceSchema()

    def shard_of(path: str) -> Callable[[], Iterator[pl.DataFrame]]:
        def shard() -> Iterator[pl.DataFrame]:
            with _open_lines(path) as f:
                for df in _conformed(_batches(_records(f, is_json_document(path)), json_paths), None):
                    df = split.conform(df, path)
                    yield df.select(columns) if columns else df

        return shard

    return [shard_of(p) for p in paths]


def hub_json_shards(
    source: Any, cfg: Any, files: list[str], json_paths: list[list[Any]], columns: list[str] | None
) -> list[Callable[[], Iterator[pl.DataFrame]]]:
    """Streaming shards over a Hub repo's JSON files, read remotely (decompressed as they stream)."""
    from polards.hub import streaming as hs

    snap = source.repo.snapshot_of(cfg)
    split = hs.SplitStream(source.settings)

    def shard_of(index: int, path: str) -> Callable[[], Iterator[pl.DataFrame]]:
        name = hs._name(snap, path)

        def batches() -> Iterator[pl.DataFrame]:
            stream = hs._open(source.settings, snap, path, split.budget)
            head = stream.peek(1 << 16) if path.lower().endswith(".json") else b""  # type: ignore[attr-defined]
            yield from _conformed(_batches(_records(stream, _is_document(head)), json_paths), None)

        def shard() -> Iterator[pl.DataFrame]:
            split.started(index)
            verified = snap.files[path].size <= hs.verify_limit()
            for df in hs._guarded(batches, name, retry=not verified):
                df = split.conform(df, name)
                yield df.select(columns) if columns else df

        return shard

    return [shard_of(i, f) for i, f in enumerate(files)]


def _ranged_open(source: Any, cfg: Any, path: str) -> IO[bytes]:
    """A Hub file read by byte ranges only (no whole-file download), decompressed as it is read."""
    from polards.hub import streaming as hs
    from polards.hub.remote_file import RemoteFile
    from polards.hub.resolve import split_extension

    snap = source.repo.snapshot_of(cfg)
    entry = snap.files[path]
    url = source.settings.resolve_url(snap.repo_id, snap.sha, path)
    remote = RemoteFile(
        source.settings, snap.repo_id, url, entry.size, 1 << 20, etag=entry.etag, name=hs._name(snap, path)
    )
    stream = hs._decompressed(io.BufferedReader(remote, buffer_size=1 << 20), split_extension(path)[1])
    return stream if hasattr(stream, "peek") else io.BufferedReader(stream, 1 << 20)  # type: ignore[arg-type]


def first_rows(stream: IO[bytes], is_json_file: bool) -> list[Any] | None:
    """The records ``datasets``' JSON builder infers a split's features from: the first 10 MB of JSON Lines, or
    a whole records array (``None`` for a ``{"data": [...]}`` document or lines that do not parse)."""
    from polards.io.json_records import first_chunk_rows, iter_records

    head = stream.peek(1 << 16).lstrip() if is_json_file else b""  # type: ignore[attr-defined]
    if head[:1] == b"[":
        return list(iter_records(stream))
    if head[:1] == b"{" and _is_document(head):
        return None
    return first_chunk_rows(stream)


def hub_first_rows(source: Any, cfg: Any, path: str) -> list[Any] | None:
    """:func:`first_rows` of a Hub file, read by byte ranges."""
    stream = _ranged_open(source, cfg, path)
    try:
        return first_rows(stream, path.lower().endswith(".json"))
    finally:
        stream.close()


def local_first_rows(path: str) -> list[Any] | None:
    """:func:`first_rows` of a local JSON / JSON Lines file (optionally ``.gz``)."""
    from polards.io.json_records import _open_lines

    with _open_lines(path) as f:
        reader = f if hasattr(f, "peek") else io.BufferedReader(f)  # type: ignore[arg-type]
        return first_rows(reader, path.lower().endswith(".json") or path.lower().endswith(".json.gz"))


def features_of_rows(rows: list[Any], json_paths: list[list[Any]]) -> Any:
    """The features of ``rows`` once their ``Json`` fields are JSON text (those fields typed ``Json``)."""
    from polards.features import Features
    from polards.features.json_type import encode_json_field, json_dumps, set_json_at

    if not rows:
        return None
    lines = []
    for rec in rows:
        for p in json_paths:
            rec = encode_json_field(rec, p)
        lines.append(json_dumps(rec))
    batch = pl.read_ndjson(io.StringIO("\n".join(lines)), infer_schema_length=None)
    return Features(set_json_at(dict(Features.from_polars_schema(batch.schema)), json_paths))
