"""Write small fixture repos in the layout the Hub emulator serves (for tests).

Examples
--------
>>> import tempfile, pathlib, polars as pl
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> path = write_repo(
...     root,
...     "acme/qa",
...     {"data/train.parquet": pl.DataFrame({"x": [1, 2]}), "notes.txt": "hi"},
...     card={"configs": [{"config_name": "default", "data_files": "data/*.parquet"}]},
...     revisions={"refs/convert/parquet": {"default/train/0000.parquet": pl.DataFrame({"x": [1, 2]})}},
...     settings={"gated": "auto"},
... )
>>> sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())  # doctest: +NORMALIZE_WHITESPACE
['.hub/revisions/refs%2Fconvert%2Fparquet/default/train/0000.parquet', '.hub/settings.json', 'README.md',
 'data/train.parquet', 'notes.txt']
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from polards.testing.hub.repo import quote_revision

FileContent = Any
"""``str``, ``bytes``, a ``polars.DataFrame``, a ``pyarrow.Table``, or a list of row dicts."""


def _rows_to_frame(rows: list[dict]):
    import polars as pl

    return pl.DataFrame(rows, infer_schema_length=None)


def render_file(path: str, content: FileContent) -> bytes:
    """The bytes of ``content`` written as the format ``path``'s extension names (``.gz``/``.bz2`` compressed).

    >>> render_file("a.jsonl", [{"x": 1}, {"x": 2}])
    b'{"x":1}\\n{"x":2}\\n'
    >>> import gzip; gzip.decompress(render_file("a.txt.gz", "hi"))
    b'hi'
    """
    lower = path.lower()
    if lower.endswith(".gz"):
        return gzip.compress(render_file(path[:-3], content), mtime=0)
    if lower.endswith(".bz2"):
        return bz2.compress(render_file(path[:-4], content))
    if lower.endswith(".zst"):
        import zstandard  # optional

        return zstandard.ZstdCompressor().compress(render_file(path[:-4], content))
    if isinstance(content, bytes):
        return content
    if isinstance(content, str):
        return content.encode()
    if isinstance(content, list):
        if lower.endswith(".json"):
            return json.dumps(content).encode()
        content = _rows_to_frame(content)
    if type(content).__module__.startswith("pyarrow"):
        import pyarrow.parquet as pq

        if lower.endswith(".parquet"):
            buf = io.BytesIO()
            pq.write_table(content, buf)
            return buf.getvalue()
        import polars as pl

        content = pl.from_arrow(content)
    buf = io.BytesIO()
    if lower.endswith(".parquet"):
        content.write_parquet(buf)
    elif lower.endswith(".jsonl"):
        content.write_ndjson(buf)
    elif lower.endswith(".json"):
        content.write_json(buf)
    elif lower.endswith(".csv"):
        content.write_csv(buf)
    else:
        raise ValueError(f"Cannot render a {type(content).__name__} as {path!r}: unknown extension.")
    return buf.getvalue()


def readme_text(card: Mapping | None, body: str = "") -> str:
    """README.md text with ``card`` as YAML front matter.

    >>> print(readme_text({"license": "mit"}, "# Title"))
    ---
    license: mit
    ---
    # Title
    """
    if not card:
        return body
    front = yaml.safe_dump(dict(card), sort_keys=False, allow_unicode=True).rstrip("\n")
    return f"---\n{front}\n---\n{body}"


def _write_tree(base: Path, files: Mapping[str, FileContent]) -> None:
    for rel, content in files.items():
        target = base / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(render_file(rel, content))


def write_repo(
    root: str | Path,
    repo_id: str,
    files: Mapping[str, FileContent] | None = None,
    *,
    card: Mapping | None = None,
    readme_body: str = "",
    revisions: Mapping[str, Mapping[str, FileContent]] | None = None,
    settings: Mapping | None = None,
) -> Path:
    """Create (or extend) the fixture repo ``repo_id`` under ``root`` and return its folder.

    Parameters
    ----------
    files
        Files of branch ``main``: path in repo -> content (see :func:`render_file`).
    card
        README YAML front matter; writes ``README.md`` unless ``files`` has one.
    revisions
        Other refs (``"refs/convert/parquet"``, ``"dev"``, ...) -> their complete file trees.
    settings
        ``.hub/settings.json`` content, e.g. ``{"gated": "auto"}`` or ``{"private": True, "tokens": [...]}``.
    """
    repo_dir = Path(root) / repo_id
    repo_dir.mkdir(parents=True, exist_ok=True)
    files = dict(files or {})
    if (card or readme_body) and "README.md" not in files:
        files["README.md"] = readme_text(card, readme_body)
    _write_tree(repo_dir, files)
    for ref, tree in (revisions or {}).items():
        _write_tree(repo_dir / ".hub" / "revisions" / quote_revision(ref), tree)
    if settings is not None:
        (repo_dir / ".hub").mkdir(exist_ok=True)
        (repo_dir / ".hub" / "settings.json").write_text(json.dumps(dict(settings), indent=2))
    return repo_dir
