"""Lazy readers for local files and http(s) URLs: parquet, JSON lines / JSON, CSV, text (optionally compressed).

Every format ends as one ``pl.LazyFrame``. JSON lines go through ``scan_ndjson`` (streaming); a JSON document
(a records array or ``{"data": [...]}``) is converted record by record to JSON lines once (cached), then scanned.
A ``.zip`` archive is extracted once (like ``.bz2``/``.xz``) and its members are read as data files.

Schema drift between the files of one split follows ``datasets`` (measured with ``datasets`` 5.2): the split's
schema is its **first file's**; a later file missing a column gets nulls there; a later file with an extra
column is a :class:`~polards.exceptions.CastError`; a column of another dtype is cast to the first file's dtype
when every value survives the round trip (``int -> string``, ``float 3.0 -> int``) and is an
:class:`~polards.exceptions.ArrowCastError` naming file, column and value otherwise (``3.5 -> int``,
``"x" -> int``, an int64 overflowing int32). Parquet files are compared by their footers (no data read) and the
values of drifted columns only are checked, eagerly, so the error comes at load time. See :func:`conform_frame`.

>>> import tempfile, os
>>> d = tempfile.mkdtemp(); p = os.path.join(d, "x.jsonl")
>>> _ = open(p, "w").write('{"a": 1}\\n{"a": 2}\\n')
>>> scan_files([p]).collect()["a"].to_list()
[1, 2]
"""

from __future__ import annotations

import glob as _glob
import os
import threading
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


def expand_url(pattern: str, storage_options: dict[str, Any] | None) -> list[str]:
    """The files an fsspec URL or glob names, listed with ``storage_options`` (a folder: the files under it).

    >>> import fsspec
    >>> with fsspec.open("memory://polards-doc/a.txt", "w") as f:
    ...     _ = f.write("x")
    >>> expand_url("memory://polards-doc/*.txt", {})
    ['memory://polards-doc/a.txt']
    """
    from fsspec.core import url_to_fs

    fs, path = url_to_fs(pattern, **(storage_options or {}))
    protocol = pattern.split("://", 1)[0]
    if any(c in path for c in "*?["):
        found = sorted(p for p in fs.glob(path) if fs.isfile(p))
    elif fs.isdir(path):
        found = sorted(p for p in fs.find(path) if fs.isfile(p))
    else:
        found = [path] if fs.exists(path) else []
    return [p if "://" in p else f"{protocol}://{p.lstrip('/') if protocol != 'file' else p}" for p in found]


def fetch_url(url: str, storage_options: dict[str, Any] | None) -> str:
    """A local copy of the fsspec file ``url`` opened with ``storage_options`` (``datasets`` passes them to
    fsspec the same way), made once per URL, options, size and modification time under the polards cache."""
    import hashlib

    from filelock import FileLock
    from fsspec.core import url_to_fs

    from polards._paths import cache_root

    fs, path = url_to_fs(url, **(storage_options or {}))
    try:
        info = fs.info(path)
    except FileNotFoundError as e:
        raise DataFilesNotFoundError(f"Unable to find {url!r} (storage_options={storage_options!r}).") from e
    stamp = f"{info.get('size')}\0{info.get('mtime') or info.get('LastModified') or info.get('created')}"
    options = repr(sorted((k, repr(v)) for k, v in (storage_options or {}).items()))
    key = hashlib.sha256(f"{url}\0{options}\0{stamp}".encode()).hexdigest()[:32]
    out = cache_root() / "fetched" / key / os.path.basename(path.rstrip("/"))
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(out.parent) + ".lock"):
            if not out.exists():
                tmp = out.with_name(out.name + ".incomplete")
                with fs.open(path, "rb") as src, open(tmp, "wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
                os.replace(tmp, out)
    return str(out)


# --------------------------------------------------------------------------------------------------- schema drift
def _lossless(values: pl.Series, target: pl.DataType) -> tuple[pl.Series, Any]:
    """``values`` cast to ``target``, and the first value that does not survive the round trip (or None)."""
    cast = values.cast(target, strict=False)
    lost = values.is_not_null() & cast.is_null()
    try:
        back = cast.cast(values.dtype, strict=False)
        lost = lost | (values.is_not_null() & ~back.eq_missing(values).fill_null(False))
    except Exception:  # noqa: BLE001 - no round trip for this pair: nulls introduced are the only test
        pass
    bad = values.filter(lost)
    return cast, (bad[0] if len(bad) else None)


def conform_frame(df: pl.DataFrame, reference: pl.Schema, where: str) -> pl.DataFrame:
    """``df`` in the split's ``reference`` schema, by ``datasets``' rules (see the module docstring).

    >>> ref = pl.Schema({"a": pl.Int64, "b": pl.String})
    >>> conform_frame(pl.DataFrame({"a": [1.0, 2.0]}), ref, "f2.parquet").to_dicts()
    [{'a': 1, 'b': None}, {'a': 2, 'b': None}]
    >>> conform_frame(pl.DataFrame({"a": [1.5]}), ref, "f2.parquet")
    Traceback (most recent call last):
    ...
    polards.exceptions.ArrowCastError: f2.parquet: column 'a' of dtype Float64 cannot be cast losslessly to Int64 (the dtype of the split's first file): value 1.5 would change. Cast the files to one schema, or pass features= to load_dataset.
    """
    from polards.exceptions import ArrowCastError, CastError

    if df.schema == reference:
        return df
    extra = [c for c in df.columns if c not in reference]
    if extra:
        msg = (
            f"{where}: column(s) {extra} are not in the split's schema {list(reference)} (taken from its first "
            "file, as datasets does). Hint: give every file of a split the same columns, or list them with "
            "data_files= per config."
        )
        raise CastError(msg)
    out = []
    for name, dtype in reference.items():
        if name not in df.columns:
            out.append(pl.Series(name, [None] * df.height, dtype=dtype))
            continue
        values = df.get_column(name)
        if values.dtype == dtype:
            out.append(values)
            continue
        cast, bad = _lossless(values, dtype)
        if bad is not None or (
            values.dtype != pl.Null and dtype == pl.Null and values.null_count() < len(values)
        ):
            msg = (
                f"{where}: column {name!r} of dtype {values.dtype} cannot be cast losslessly to {dtype} (the dtype "
                f"of the split's first file): value {bad!r} would change. Cast the files to one schema, or pass "
                "features= to load_dataset."
            )
            raise ArrowCastError(msg)
        out.append(cast)
    return pl.DataFrame(out)


def _drift_casts(file: str, schema: pl.Schema, reference: pl.Schema, read: Any) -> list[pl.Expr]:
    """Cast expressions bringing ``file`` (of ``schema``) to ``reference``; value checks read drifted columns."""
    from polards.exceptions import CastError

    extra = [c for c in schema if c not in reference]
    if extra:
        conform_frame(pl.DataFrame(schema=schema), reference, file)  # raises CastError naming the columns
    drifted = [c for c in reference if c in schema and schema[c] != reference[c]]
    if drifted:
        sample = read(file, drifted)
        conform_frame(sample, pl.Schema({c: reference[c] for c in drifted}), file)  # raises on a lossy value
    exprs = []
    for name, dtype in reference.items():
        if name not in schema:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
        elif name in drifted:
            exprs.append(pl.col(name).cast(dtype, strict=False))
        else:
            exprs.append(pl.col(name))
    if not exprs:
        raise CastError(f"{file}: no columns")
    return exprs


def _file_schemas(files: list[str], fmt: str, infer: int) -> list[pl.Schema]:
    try:
        if fmt == "parquet":
            return [pl.read_parquet_schema(f) for f in files]
        return [pl.scan_ndjson(f, infer_schema_length=infer).collect_schema() for f in files]
    except Exception as e:  # noqa: BLE001 - a local file whose footer / first lines do not decode
        raise MalformedFileError(f"Cannot read the schema of the {fmt} files {files[:3]}...: {e}") from e


def _scan_single(f: str, fmt: str, infer: int) -> pl.LazyFrame:
    return pl.scan_parquet(f) if fmt == "parquet" else pl.scan_ndjson(f, infer_schema_length=infer)


def scan_conformed(files: list[str], fmt: str, infer: int = 10000) -> list[pl.LazyFrame] | None:
    """One lazy frame per file, each in the first file's schema (see the module docstring); None if no drift.

    Only parquet (footers) and JSON Lines (inferred schemas) are compared; other formats return None.
    """
    if fmt not in ("parquet", "json") or len(files) < 2 or any(is_url(f) for f in files):
        return None
    schemas = _file_schemas(files, fmt, infer)
    reference = schemas[0]
    if all(s == reference for s in schemas[1:]):
        return None

    def read(f: str, cols: list[str]) -> pl.DataFrame:
        return _scan_single(f, fmt, infer).select(cols).collect()

    return [
        _scan_single(f, fmt, infer)
        if s == reference
        else _scan_single(f, fmt, infer).select(_drift_casts(f, s, reference, read))
        for f, s in zip(files, schemas, strict=True)
    ]


# --------------------------------------------------------------------------------------------------- archives
def _zip_members(path: str) -> list[str]:
    """Extract a zip archive once (keyed on its path, size and mtime) and return its data files, sorted."""
    import hashlib
    import zipfile

    from filelock import FileLock

    from polards._paths import cache_root

    real = os.path.realpath(path)
    st = os.stat(real)
    key = hashlib.sha256(f"{real}\0{st.st_size}\0{st.st_mtime_ns}".encode()).hexdigest()[:32]
    out = cache_root() / "extracted" / key
    done = out / ".polards-complete"
    if not done.exists():
        out.mkdir(parents=True, exist_ok=True)
        with FileLock(str(out) + ".lock"):
            if not done.exists():
                try:
                    with zipfile.ZipFile(real) as zf:
                        for member in zf.infolist():
                            name = member.filename
                            if (
                                member.is_dir()
                                or name.startswith(("/", "__MACOSX"))
                                or ".." in name.split("/")
                            ):
                                continue
                            zf.extract(member, out)
                except zipfile.BadZipFile as e:
                    raise MalformedFileError(f"{path} is not a readable zip archive: {e}") from e
                done.write_text("ok")
    members = sorted(
        str(p)
        for p in out.rglob("*")
        if p.is_file() and p.name != done.name and not p.name.startswith(".") and infer_format(str(p))
    )
    if not members:
        raise DataFilesNotFoundError(f"The zip archive {path} holds no data file (parquet, json, csv, txt).")
    return members


def expand_archives(files: list[str]) -> list[str]:
    """Local ``.zip`` data files replaced by the data files they hold (extracted once into the polards cache)."""
    out: list[str] = []
    for f in files:
        if f.lower().endswith(".zip") and not is_url(f):
            out.extend(_zip_members(f))
        else:
            out.append(f)
    return out


def _json_lines(path: str) -> Any:
    """The lines of a local (optionally gzip-compressed) JSON Lines file, or ``None`` if it cannot be read."""
    import gzip

    _, ext = strip_compression(path)
    if is_url(path) or ext not in (None, ".gz"):
        return None
    try:
        return gzip.open(path, "rb") if ext == ".gz" else open(path, "rb")  # noqa: SIM115 - caller closes
    except OSError:
        return None


def in_first_appearance_order(lf: pl.LazyFrame, files: list[str], limit: int | None) -> pl.LazyFrame:
    """JSON Lines columns in the order their keys first appear in the rows, as ``datasets`` (pyarrow) gives
    them. Polars' inference puts the keys of the widest row first (``{"a", "v"}`` then ``{"a", "t", "m"}``
    gives ``a, t, m, v``); the rows are read only until every column has been seen (at most ``limit``).

    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "x.jsonl")
    >>> _ = open(p, "w").write('{"a": 1, "v": 2}\\n{"a": 3, "t": 4, "m": 5}\\n')
    >>> in_first_appearance_order(pl.scan_ndjson(p), [p], None).collect_schema().names()
    ['a', 'v', 't', 'm']
    """
    import json

    names = lf.collect_schema().names()
    want, seen, rows = set(names), dict[str, None](), 0
    for f in files:
        stream = _json_lines(f)
        if stream is None:
            return lf
        with stream:
            for line in stream:
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except ValueError:
                    return lf  # not one record per line: leave it to the reader's own errors
                if isinstance(obj, dict):
                    seen.update(dict.fromkeys(k for k in obj if k in want))
                rows += 1
                if len(seen) == len(want) or (limit is not None and rows >= limit):
                    break
        if len(seen) == len(want) or (limit is not None and rows >= limit):
            break
    order = [*seen, *(n for n in names if n not in seen)]
    return lf if order == names else lf.select(order)


def scan_one_format(files: list[str], fmt: str, **opts: Any) -> pl.LazyFrame:
    files = [_fetch_fsspec(f) if is_url(f) and not f.startswith(NATIVE_PROTOCOLS) else f for f in files]
    files = [_readable(f) for f in expand_archives(files)]
    if fmt in ("parquet", "json"):
        conformed = (
            scan_conformed(files, fmt, opts.get("infer_schema_length", 10000)) if fmt == "parquet" else None
        )
        if conformed is not None:
            return pl.concat(conformed, how="vertical")
    if fmt == "parquet":
        return pl.scan_parquet(files)
    if fmt == "json":
        from polards.io.json_records import is_json_document, to_json_lines

        field = opts.get("field")
        files = [
            str(to_json_lines(f, field)) if not is_url(f) and (field or is_json_document(f)) else f
            for f in files
        ]
        infer = opts.get("infer_schema_length", 10000)
        conformed = scan_conformed(files, "json", infer)
        if conformed is not None:
            return pl.concat(conformed, how="vertical")
        return in_first_appearance_order(pl.scan_ndjson(files, infer_schema_length=infer), files, infer)
    if fmt == "csv":
        sep = (
            opts.get("sep")
            or opts.get("delimiter")
            or ("\t" if strip_compression(files[0])[0].endswith(".tsv") else ",")
        )
        overrides = opts.get("schema_overrides")
        return pl.scan_csv(files, separator=sep, schema_overrides=overrides)
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
    fmts = [
        format or infer_format(f[:-4] if f.lower().endswith(".zip") else f) or _zip_format(f) for f in files
    ]
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


def _zip_format(path: str) -> str | None:
    if not path.lower().endswith(".zip") or is_url(path):
        return None
    kinds = {infer_format(m) for m in _zip_members(path)}
    return kinds.pop() if len(kinds) == 1 else None


def parquet_features(path: str) -> Any:
    """Features from a parquet footer (the ``huggingface`` metadata when present); reads no data pages.

    The Arrow schema that Arrow writers store in the footer (``ARROW:schema``) is decoded directly, which avoids
    importing ``pyarrow.parquet`` (~30 ms) on the first load; other files go through ``pyarrow.parquet``.
    """
    import base64

    import pyarrow as pa

    from polards.features import Features

    if is_url(path) or path.lower().endswith(".zip"):
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


class ReferenceSchema:
    """The reference schema of one streamed split: its first batch's (the first file's, as in ``datasets``); a
    column all-null there takes the first real dtype seen later (a null-only first batch is not drift). Later
    batches are conformed to it with :func:`conform_frame` (a column outside it raises ``CastError``)."""

    def __init__(self, schema: pl.Schema | None = None) -> None:
        self.reference = schema
        self._lock = threading.Lock()

    def conform(self, df: pl.DataFrame, name: str) -> pl.DataFrame:
        with self._lock:
            if self.reference is None:
                self.reference = df.schema
                return df
            ref = self.reference
            widened = {
                c: df.schema[c]
                for c, t in ref.items()
                if t == pl.Null and df.schema.get(c, pl.Null) != pl.Null
            }
            if widened:
                self.reference = ref = pl.Schema({c: widened.get(c, t) for c, t in ref.items()})
        return conform_frame(df, ref, name)
