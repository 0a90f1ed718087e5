"""Incremental reading of JSON *documents* (a records array, or ``{"data": [...]}``) without loading them whole.

Polars scans JSON Lines lazily but a single JSON document only eagerly. A records file such as
Feedback-Collection's is therefore converted **once**, record by record, into JSON Lines in a polards cache
folder (``<polards cache root>/converted/``) and scanned from there with ``scan_ndjson``. Memory stays at one
read chunk plus one record; ``pyarrow.json`` was not used because it reads JSON Lines only, and a third-party
incremental parser (``ijson``) would be a new dependency for a ~60-line job.

>>> import io
>>> list(iter_records(io.BytesIO(b'{"version": 1, "data": [{"a": 1}, {"a": [2, "]"]}]}')))
[{'a': 1}, {'a': [2, ']']}]
>>> list(iter_records(io.BytesIO(b' [ {"x": "y"} , {"x": null} ] ')))
[{'x': 'y'}, {'x': None}]
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from filelock import FileLock

from polards.exceptions import MalformedFileError

_DECODER = json.JSONDecoder()
_WS = b" \t\r\n"
CHUNK = 1 << 20


class _Buffer:
    """A growing text window over a binary stream."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream, self.text, self.pos, self.eof = stream, "", 0, False
        self._tail = b""

    def more(self) -> bool:
        if self.eof:
            return False
        data = self._tail + self.stream.read(CHUNK)
        if len(data) == len(self._tail):
            self.eof = True
            data, self._tail = self._tail, b""
            self.text = self.text[self.pos :] + data.decode("utf-8")
            self.pos = 0
            return bool(data)
        cut = len(data)
        while cut > 0 and (data[cut - 1] & 0xC0) == 0x80:  # keep a split UTF-8 sequence for the next read
            cut -= 1
        if cut > 0 and data[cut - 1] >= 0xC0:
            cut -= 1
        data, self._tail = data[:cut], data[cut:]
        self.text = self.text[self.pos :] + data.decode("utf-8")
        self.pos = 0
        return True

    def skip_ws(self, extra: str = "") -> str:
        """The next non-blank character (``""`` at end of input), skipping ``extra`` characters too."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n" + extra:
                self.pos += 1
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return ""

    def decode(self) -> Any:
        """Decode one JSON value at the cursor, reading more input while it is incomplete."""
        self.skip_ws()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as err:
                if self.more():
                    continue
                raise MalformedFileError(f"Invalid JSON near character {err.pos}: {err.msg}") from err
            if end == len(self.text) and not self.eof and not isinstance(value, dict | list | str):
                if self.more():  # a number may continue in the next chunk
                    continue
            self.pos = end
            return value


def _iter_array(buf: _Buffer) -> Iterator[Any]:
    buf.pos += 1  # "["
    while True:
        c = buf.skip_ws(",")
        if c == "]":
            buf.pos += 1
            return
        if c == "":
            raise MalformedFileError("JSON array not closed before the end of the file.")
        yield buf.decode()


def iter_records(stream: IO[bytes], field: str | None = None) -> Iterator[Any]:
    """Yield the records of a JSON array document, or of the array under ``field`` (default ``"data"``)."""
    buf = _Buffer(stream)
    c = buf.skip_ws()
    if c == "[":
        yield from _iter_array(buf)
        return
    if c != "{":
        raise MalformedFileError(f"Expected a JSON array or object, found {c!r}.")
    key_wanted = field or "data"
    buf.pos += 1
    keys = []
    while True:
        c = buf.skip_ws(",")
        if c == "}" or c == "":
            break
        key = buf.decode()
        keys.append(key)
        if buf.skip_ws() != ":":
            raise MalformedFileError(f"Expected ':' after key {key!r}.")
        buf.pos += 1
        if key == key_wanted and buf.skip_ws() == "[":
            yield from _iter_array(buf)
            return
        buf.decode()
    raise MalformedFileError(f"JSON object has no records list under {key_wanted!r} (keys: {keys[:10]}).")


def is_json_document(path: str | Path) -> bool:
    """True for a ``.json`` file holding one document (array or multi-line object) rather than JSON Lines."""
    p = str(path).lower()
    if not (p.endswith(".json") or p.endswith(".json.gz")):
        return False
    opener = gzip.open if p.endswith(".gz") else open
    with opener(path, "rb") as f:
        head = f.read(1 << 16).lstrip(_WS)
    if head[:1] == b"[":
        return True
    if head[:1] == b"{":
        first = head.split(b"\n", 1)[0].strip()
        try:
            json.loads(first)
            return False  # a whole object on the first line: JSON Lines
        except ValueError:
            return True
    return False


def converted_folder() -> Path:
    """``<polards cache>/converted`` (see :func:`polards._paths.cache_root`)."""
    from polards._paths import cache_root

    return cache_root() / "converted"


def _converted_once(path: str | Path, tag: str, records: Callable[[Path], Iterator[str]]) -> Path:
    """The JSON Lines copy of ``path`` made by ``records`` (one JSON text per record), written once per file
    version (real path, size, mtime) and ``tag`` into the converted folder, under a lock, atomically."""
    real = Path(path).resolve()
    st = real.stat()
    key = hashlib.sha256(f"{real}\0{st.st_size}\0{st.st_mtime_ns}\0{tag}".encode()).hexdigest()[:32]
    out = converted_folder() / f"{key}.jsonl"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(out) + ".lock"):
        if out.exists():
            return out
        tmp = out.with_name(f".{out.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
        try:
            with tmp.open("w", encoding="utf-8") as dst:
                for text in records(real):
                    dst.write(text)
                    dst.write("\n")
            os.replace(tmp, out)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return out


def to_json_lines(path: str | Path, field: str | None = None) -> Path:
    """Convert a JSON document to JSON Lines once (keyed on its real path, size and mtime); return the copy."""

    def records(real: Path) -> Iterator[str]:
        opener = gzip.open if str(real).lower().endswith(".gz") else open
        with opener(real, "rb") as src:
            for rec in iter_records(src, field):
                yield json.dumps(rec, ensure_ascii=False)

    return _converted_once(path, str(field), records)


# ------------------------------------------------------------------- datasets' on_mixed_types="use_json"
FIRST_CHUNK = 10 << 20  # datasets' JsonConfig.chunksize: mixed types are looked for in the first chunk only


def _open_lines(path: str | Path) -> IO[bytes]:
    return gzip.open(path, "rb") if str(path).lower().endswith(".gz") else open(path, "rb")  # noqa: SIM115


def mixed_json_paths(path: str | Path) -> list[list[Any]]:
    """The field paths ``datasets``' JSON builder stores as ``Json`` for a JSON Lines file: fields whose objects
    differ in keys (or are empty), or that mix objects/lists with other values, in the file's first 10 MB.

    Like ``datasets``, a first chunk that does not parse line by line disables the detection.

    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "x.jsonl")
    >>> _ = open(p, "w").write('{"id": 1, "p": {"a": 1}}\\n{"id": 2, "p": {"b": "x"}}\\n')
    >>> mixed_json_paths(p)
    [['p']]
    """
    with _open_lines(path) as f:
        return mixed_json_paths_in(f)


def mixed_json_paths_in(stream: IO[bytes]) -> list[list[Any]]:
    """:func:`mixed_json_paths` of the JSON Lines read from ``stream`` (its first 10 MB and the line after)."""
    from polards.features.json_type import mixed_type_paths

    rows = first_chunk_rows(stream)
    return [] if rows is None else mixed_type_paths(rows, allow_root=False)


def first_chunk_rows(stream: IO[bytes]) -> list[Any] | None:
    """The records of the first 10 MB of a JSON Lines stream (``None`` if a line there does not parse)."""
    from polards.features.json_type import json_loads

    batch = stream.read(FIRST_CHUNK)
    batch += stream.readline()
    if batch.startswith(b"\xef\xbb\xbf"):
        batch = batch[3:]
    try:
        return [json_loads(line) for line in batch.splitlines()]
    except ValueError:
        return None


def encode_json_fields(path: str | Path, paths: list[list[Any]]) -> Path:
    """A JSON Lines copy of ``path`` with the fields at ``paths`` as JSON text (``datasets``' re-encoding: each
    record re-written by pandas' ujson), made once per file version and paths in the converted folder."""
    from polards.features.json_type import encode_json_field, json_dumps, json_loads

    def records(real: Path) -> Iterator[str]:
        with _open_lines(real) as src:
            for n, line in enumerate(src):
                if n == 0 and line.startswith(b"\xef\xbb\xbf"):
                    line = line[3:]
                if not line.strip():
                    continue
                try:
                    rec = json_loads(line)
                except ValueError as err:
                    raise MalformedFileError(f"Invalid JSON on line {n + 1} of {path}: {err}") from err
                for p in paths:
                    rec = encode_json_field(rec, p)
                yield json_dumps(rec)

    return _converted_once(path, f"json:{paths!r}", records)
