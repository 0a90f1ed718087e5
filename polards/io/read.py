"""Lazy readers for local files and http(s) URLs: parquet, JSON lines / JSON, CSV, text (optionally compressed).

Every format ends as one ``pl.LazyFrame``. JSON lines go through ``scan_ndjson`` (streaming); a JSON document
(a records array or ``{"data": [...]}``) is converted record by record to JSON lines once (cached), then scanned.

>>> import tempfile, os
>>> d = tempfile.mkdtemp(); p = os.path.join(d, "x.jsonl")
>>> _ = open(p, "w").write('{"a": 1}\\n{"a": 2}\\n')
>>> scan_files([p]).collect()["a"].to_list()
[1, 2]
"""

from __future__ import annotations

import glob as _glob
import os
from collections.abc import Sequence
from typing import Any

import polars as pl

from polards.exceptions import DataFilesNotFoundError, InvalidArgumentError, MalformedFileError

COMPRESSIONS = (".gz", ".zst", ".zstd", ".bz2", ".xz")
_EXT_FORMAT = {
    ".parquet": "parquet",
    ".jsonl": "json",
    ".ndjson": "json",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "text",
    ".text": "text",
    ".arrow": "arrow",
    ".ipc": "arrow",
}


def strip_compression(path: str) -> tuple[str, str | None]:
    for ext in COMPRESSIONS:
        if path.endswith(ext):
            return path[: -len(ext)], ext
    return path, None


def infer_format(path: str) -> str | None:
    """The builder name for a file name (``data/train.jsonl.gz`` -> ``json``)."""
    base, _ = strip_compression(path.split("?")[0])
    return _EXT_FORMAT.get(os.path.splitext(base)[1].lower())


def is_url(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def expand_paths(paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> list[str]:
    """Local globs expanded and sorted; URLs kept as they are. Raises when a local pattern matches nothing."""
    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    out: list[str] = []
    for p in map(os.fspath, items):
        p = p.removeprefix("file://")
        if is_url(p):
            out.append(p)
            continue
        p = os.path.expanduser(p)
        if any(ch in p for ch in "*?["):
            matches = sorted(m for m in _glob.glob(p, recursive=True) if os.path.isfile(m))
            if not matches:
                raise DataFilesNotFoundError(f"Unable to find any data file matching {p!r}.")
            out.extend(matches)
        elif os.path.isdir(p):
            found = sorted(
                m
                for m in _glob.glob(os.path.join(p, "**", "*"), recursive=True)
                if os.path.isfile(m) and infer_format(m)
            )
            if not found:
                raise DataFilesNotFoundError(f"No data files found in directory {p!r}.")
            out.extend(found)
        elif not os.path.exists(p):
            raise DataFilesNotFoundError(f"Unable to find data file {p!r}.")
        else:
            out.append(p)
    return out


def _decompressed(path: str, ext: str) -> str:
    """Polars reads gzip (and zstd) itself; other compressions are decoded once into a temp file."""
    import bz2
    import lzma
    import tempfile

    opener = {".bz2": bz2.open, ".xz": lzma.open}[ext]
    fd, tmp = tempfile.mkstemp(suffix=os.path.basename(strip_compression(path)[0]))
    with os.fdopen(fd, "wb") as out, opener(path, "rb") as src:
        while chunk := src.read(1 << 20):
            out.write(chunk)
    return tmp


def _readable(path: str) -> str:
    _, ext = strip_compression(path)
    if ext in (".bz2", ".xz") and not is_url(path):
        return _decompressed(path, ext)
    return path


NATIVE_PROTOCOLS = (
    "http://",
    "https://",
    "s3://",
    "s3a://",
    "gs://",
    "gcs://",
    "az://",
    "abfs://",
    "abfss://",
    "hf://",
)


def _fetch_fsspec(url: str) -> str:
    """Any other fsspec URL (``memory://``, ``zip::``, ``ftp://`` ...): copy it to a local temp file once."""
    import tempfile

    import fsspec

    suffix = "".join(os.path.basename(url.split("::")[-1]).partition(".")[1:])
    fd, tmp = tempfile.mkstemp(suffix=suffix)
    with os.fdopen(fd, "wb") as out, fsspec.open(url, "rb") as src:
        while chunk := src.read(1 << 20):
            out.write(chunk)
    return tmp


def scan_one_format(files: list[str], fmt: str, **opts: Any) -> pl.LazyFrame:
    files = [_fetch_fsspec(f) if is_url(f) and not f.startswith(NATIVE_PROTOCOLS) else f for f in files]
    files = [_readable(f) for f in files]
    if fmt == "parquet":
        return pl.scan_parquet(files, missing_columns="insert", extra_columns="ignore")
    if fmt == "json":
        from polards.io.json_records import is_json_document, to_json_lines

        field = opts.get("field")
        files = [
            str(to_json_lines(f, field)) if not is_url(f) and (field or is_json_document(f)) else f
            for f in files
        ]
        return pl.scan_ndjson(files, infer_schema_length=opts.get("infer_schema_length", 10000))
    if fmt == "csv":
        sep = (
            opts.get("sep")
            or opts.get("delimiter")
            or ("\t" if strip_compression(files[0])[0].endswith(".tsv") else ",")
        )
        return pl.scan_csv(files, separator=sep)
    if fmt == "text":
        return pl.scan_lines(files, name="text")
    if fmt == "arrow":
        return pl.scan_ipc(files)
    raise InvalidArgumentError(
        f"Unknown data file format {fmt!r}. Hint: one of parquet, json, csv, text, arrow."
    )


def scan_files(paths: Sequence[str], format: str | None = None, **opts: Any) -> pl.LazyFrame:
    """One lazy frame over files of one or more formats (files of each format scanned together, in order)."""
    files = list(paths)
    if not files:
        raise DataFilesNotFoundError("No data files given.")
    fmts = [format or infer_format(f) for f in files]
    unknown = [f for f, k in zip(files, fmts, strict=True) if k is None]
    if unknown:
        raise InvalidArgumentError(
            f"Cannot tell the format of {unknown[0]!r}. Hint: pass the builder name, e.g. 'json'."
        )
    groups: list[tuple[str, list[str]]] = []
    for f, k in zip(files, fmts, strict=True):
        if groups and groups[-1][0] == k:
            groups[-1][1].append(f)
        else:
            groups.append((str(k), [f]))
    frames = [scan_one_format(fs, k, **opts) for k, fs in groups]
    return frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal_relaxed")


def parquet_features(path: str) -> Any:
    """Features from a parquet footer (the ``huggingface`` metadata when present); reads no data pages.

    The Arrow schema that Arrow writers store in the footer (``ARROW:schema``) is decoded directly, which avoids
    importing ``pyarrow.parquet`` (~30 ms) on the first load; other files go through ``pyarrow.parquet``.
    """
    import base64

    import pyarrow as pa

    from polards.features import Features

    if is_url(path):
        return None
    try:
        meta = pl.read_parquet_metadata(path)
        encoded = meta.get("ARROW:schema")
        if encoded:
            schema = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(encoded)))
            if meta.get(HF_KEY) and not (schema.metadata or {}).get(HF_KEY.encode()):
                schema = schema.with_metadata({**(schema.metadata or {}), HF_KEY: meta[HF_KEY]})
        else:
            import pyarrow.parquet as pq

            schema = pq.read_schema(path)
    except Exception as e:
        raise MalformedFileError(f"{path} is not a readable parquet file: {e}") from e
    return Features.from_arrow_schema(schema)


HF_KEY = "huggingface"
