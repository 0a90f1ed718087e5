"""Fixture repos on disk, seen the way the Hub sees them: revisions, file oids, LFS sha256s and commit shas.

Layout of a root folder (one folder a repo)::

    <root>/<owner>/<name>/                       files of branch ``main``
    <root>/<owner>/<name>/.hub/settings.json     {"gated": false | "auto" | "manual", "private": false,
                                                  "tokens": ["hf_..."], "public_paths": ["README.md"]}
    <root>/<owner>/<name>/.hub/revisions/<ref percent-encoded>/   full tree of another revision

Hashes are cached per file on ``(size, mtime_ns, inode)`` and revisions are re-listed on every request (a
``stat`` walk), so tests may create or edit repos while an emulator is serving them.

Examples
--------
>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> _ = (root / "acme" / "tiny").mkdir(parents=True)
>>> _ = (root / "acme" / "tiny" / "README.md").write_text("---\\nlicense: mit\\n---\\n# Tiny\\n")
>>> store = RepoStore([root])
>>> rev = store.get_repo("acme/tiny").revision("main")
>>> sorted(rev.files), len(rev.sha)
(['README.md'], 40)
>>> store.get_repo("acme/tiny").card_data(rev)
{'license': 'mit'}
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, unquote

import yaml

DEFAULT_TOKEN = "hf_polards_test_token"
"""Token accepted by gated/private fixture repos whose settings list no ``tokens``."""

LFS_EXTENSIONS = frozenset(
    "parquet arrow feather gz zst bz2 xz lz4 zip tar tgz 7z png jpg jpeg gif webp bmp tif tiff wav mp3 flac ogg "
    "mp4 avi npy npz bin pt pth safetensors h5 hdf5 pkl pickle msgpack onnx".split()
)
"""File extensions the Hub's default ``.gitattributes`` stores in LFS (ETag is then the sha256)."""

LFS_THRESHOLD = 10 * 1024 * 1024
"""Files larger than this are LFS files whatever their extension (the Hub rejects larger non-LFS files)."""

PARQUET_REF = "refs/convert/parquet"
HIDDEN_TOP_LEVEL = frozenset({".hub", ".git"})
_SHA_RE = re.compile(r"^[0-9a-f]{40}$")
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


def git_blob_oid(data: bytes) -> str:
    """Git blob sha1 of ``data`` (what the Hub reports as ``oid`` and ETag of a non-LFS file).

    >>> git_blob_oid(b"")
    'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'
    """
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def commit_sha(oids: dict[str, str], ref: str) -> str:
    """Commit sha of a revision: sha1 of the sorted ``path\\0oid\\n`` lines plus the ref name.

    >>> commit_sha({"a.txt": "0" * 40}, "main") != commit_sha({"a.txt": "0" * 40}, "dev")
    True
    """
    h = hashlib.sha1()
    for path in sorted(oids):
        h.update(f"{path}\0{oids[path]}\n".encode())
    h.update(ref.encode())
    return h.hexdigest()


def parse_front_matter(text: str) -> dict:
    """The YAML front matter of a README as a dict (empty when absent or not a mapping).

    >>> parse_front_matter("---\\nconfigs:\\n- config_name: main\\n---\\nbody")
    {'configs': [{'config_name': 'main'}]}
    >>> parse_front_matter("no front matter")
    {}
    """
    match = _FRONT_MATTER_RE.match(text)
    if not match:
        return {}
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def is_lfs_path(path: str, size: int) -> bool:
    """Whether the Hub would store ``path`` (of ``size`` bytes) in LFS.

    >>> is_lfs_path("data/train.parquet", 10), is_lfs_path("README.md", 10)
    (True, False)
    """
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    return suffix in LFS_EXTENSIONS or size > LFS_THRESHOLD


@dataclass(frozen=True)
class FileEntry:
    """One file of a revision."""

    path: str
    abspath: Path
    size: int
    oid: str
    sha256: str | None
    """sha256 of the content for LFS files, else None."""

    @property
    def etag(self) -> str:
        """The ETag the Hub sends: the sha256 for LFS files, the git blob oid otherwise."""
        return self.sha256 or self.oid

    def to_json(self) -> dict:
        entry: dict = {"type": "file", "oid": self.oid, "size": self.size, "path": self.path}
        if self.sha256 is not None:
            entry["lfs"] = {"oid": self.sha256, "size": self.size, "pointerSize": 134}
        return entry


@dataclass(frozen=True)
class Revision:
    """A snapshot of one ref: its files, folders and commit sha."""

    ref: str
    files: dict[str, FileEntry]
    sha: str
    last_modified: datetime
    folders: dict[str, str] = field(default_factory=dict)
    """folder path -> tree oid."""

    def children(self, folder: str, recursive: bool) -> list[dict]:
        """Tree entries under ``folder`` ("" for the root), folders first then files, each sorted by path."""
        prefix = f"{folder}/" if folder else ""
        out_dirs, out_files = [], []
        for path, oid in self.folders.items():
            if path.startswith(prefix) and (recursive or "/" not in path[len(prefix) :]):
                out_dirs.append({"type": "directory", "oid": oid, "size": 0, "path": path})
        for path, entry in self.files.items():
            if path.startswith(prefix) and (recursive or "/" not in path[len(prefix) :]):
                out_files.append(entry.to_json())
        if recursive:
            return sorted(out_dirs + out_files, key=lambda e: e["path"])
        return sorted(out_dirs, key=lambda e: e["path"]) + sorted(out_files, key=lambda e: e["path"])

    def entry(self, path: str) -> dict | None:
        """The tree entry (file or folder) at ``path``, or None."""
        if path in self.files:
            return self.files[path].to_json()
        if path in self.folders:
            return {"type": "directory", "oid": self.folders[path], "size": 0, "path": path}
        return None


@dataclass(frozen=True)
class RepoSettings:
    """Contents of ``.hub/settings.json``."""

    gated: bool | str = False
    private: bool = False
    tokens: tuple[str, ...] = (DEFAULT_TOKEN,)
    public_paths: tuple[str, ...] = ()
    """Files of a gated repo that anyone may download (none by default)."""

    @classmethod
    def load(cls, repo_dir: Path) -> RepoSettings:
        path = repo_dir / ".hub" / "settings.json"
        if not path.is_file():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
        return cls(
            gated=data.get("gated", False) or False,
            private=bool(data.get("private", False)),
            tokens=tuple(data.get("tokens") or (DEFAULT_TOKEN,)),
            public_paths=tuple(data.get("public_paths") or ()),
        )

    @property
    def restricted(self) -> bool:
        return bool(self.gated) or self.private


class _HashCache:
    """Thread-safe cache of (blob oid, sha256) per file, keyed on its stat signature."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[tuple[int, int, int], str, str]] = {}
        self.revisions: dict[tuple[str, str], tuple[tuple, Revision]] = {}
        """(folder, ref) -> (stat signature, revision); dict item access is atomic under the GIL."""

    def hashes(self, path: Path, st: os.stat_result) -> tuple[str, str]:
        key = str(path)
        sig = (st.st_size, st.st_mtime_ns, st.st_ino)
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and hit[0] == sig:
            return hit[1], hit[2]
        sha1 = hashlib.sha1(b"blob %d\0" % st.st_size)
        sha256 = hashlib.sha256()
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                sha1.update(chunk)
                sha256.update(chunk)
        oid, digest = sha1.hexdigest(), sha256.hexdigest()
        with self._lock:
            self._cache[key] = (sig, oid, digest)
        return oid, digest


def _walk(base: Path, top_level: bool) -> tuple[list[tuple[str, Path, os.stat_result]], set[str]]:
    files: list[tuple[str, Path, os.stat_result]] = []
    folders: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(base, followlinks=True):
        rel_dir = Path(dirpath).relative_to(base).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        if top_level and not rel_dir:
            dirnames[:] = [d for d in dirnames if d not in HIDDEN_TOP_LEVEL]
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        if rel_dir:
            folders.add(rel_dir)
        for name in filenames:
            abspath = Path(dirpath) / name
            files.append((f"{rel_dir}/{name}" if rel_dir else name, abspath, abspath.stat()))
    return files, folders


def _scan_tree(base: Path, ref: str, hashes: _HashCache, top_level: bool) -> Revision:
    """The revision stored in folder ``base``; rebuilt only when a file or folder changed (stat walk)."""
    listing, folders = _walk(base, top_level)
    signature = (
        tuple(sorted((rel, st.st_size, st.st_mtime_ns, st.st_ino) for rel, _, st in listing)),
        tuple(sorted(folders)),
    )
    key = (str(base), ref)
    cached = hashes.revisions.get(key)
    if cached is not None and cached[0] == signature:
        return cached[1]
    files: dict[str, FileEntry] = {}
    newest = 0.0
    for rel, abspath, st in listing:
        oid, digest = hashes.hashes(abspath, st)
        files[rel] = FileEntry(
            rel, abspath, st.st_size, oid, digest if is_lfs_path(rel, st.st_size) else None
        )
        newest = max(newest, st.st_mtime)
    oids = {p: e.oid for p, e in files.items()}
    folder_oids = {}
    for folder in folders:
        inner = {p: o for p, o in oids.items() if p.startswith(folder + "/")}
        folder_oids[folder] = commit_sha(inner, "tree")
    revision = Revision(
        ref=ref,
        files=dict(sorted(files.items())),
        sha=commit_sha(oids, ref),
        last_modified=datetime.fromtimestamp(newest or 0, tz=timezone.utc),
        folders=folder_oids,
    )
    hashes.revisions[key] = (signature, revision)
    return revision


def normalize_ref(rev: str) -> str:
    """Canonical ref name of a revision given by a user: ``~parquet`` and ``refs/heads/x`` resolved.

    >>> normalize_ref("~parquet"), normalize_ref("refs/heads/main"), normalize_ref("refs%2Fconvert%2Fparquet")
    ('refs/convert/parquet', 'main', 'refs/convert/parquet')
    """
    rev = unquote(rev)
    if rev == "~parquet":
        return PARQUET_REF
    if rev.startswith("refs/heads/"):
        return rev[len("refs/heads/") :]
    return rev


class Repo:
    """One dataset repo folder."""

    def __init__(self, repo_id: str, path: Path, hashes: _HashCache) -> None:
        self.repo_id = repo_id
        self.path = path
        self._hashes = hashes

    @property
    def settings(self) -> RepoSettings:
        return RepoSettings.load(self.path)

    def refs(self) -> list[str]:
        """All ref names: ``main`` first, then the ones under ``.hub/revisions`` sorted."""
        rev_dir = self.path / ".hub" / "revisions"
        extra = sorted(unquote(p.name) for p in rev_dir.iterdir() if p.is_dir()) if rev_dir.is_dir() else []
        return ["main"] + [normalize_ref(r) for r in extra if normalize_ref(r) != "main"]

    def _ref_dir(self, ref: str) -> Path | None:
        if ref == "main":
            return self.path
        rev_dir = self.path / ".hub" / "revisions"
        if not rev_dir.is_dir():
            return None
        for p in rev_dir.iterdir():
            if p.is_dir() and normalize_ref(p.name) == ref:
                return p
        return None

    def revision(self, rev: str) -> Revision | None:
        """The revision named ``rev`` (branch, ref, ``~parquet``, percent-encoded ref or 40-hex commit sha)."""
        ref = normalize_ref(rev)
        folder = self._ref_dir(ref)
        if folder is not None:
            return _scan_tree(folder, ref, self._hashes, top_level=ref == "main")
        if _SHA_RE.match(ref):
            for other in self.refs():
                found = self.revision(other)
                if found is not None and found.sha == ref:
                    return found
        return None

    def card_data(self, revision: Revision) -> dict | None:
        """The README YAML front matter of ``revision`` (None when there is no README.md)."""
        readme = revision.files.get("README.md")
        if readme is None:
            return None
        return parse_front_matter(readme.abspath.read_text(encoding="utf-8", errors="replace"))


class RepoStore:
    """Finds repos under one or more root folders (the first root holding a repo wins)."""

    def __init__(self, roots: list[Path]) -> None:
        self.roots = [Path(r) for r in roots]
        self._hashes = _HashCache()
        self._blobs: dict[str, Path] = {}
        self._blob_lock = threading.Lock()

    def get_repo(self, repo_id: str) -> Repo | None:
        parts = repo_id.split("/")
        if len(parts) != 2 or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
            return None
        for root in self.roots:
            path = root / parts[0] / parts[1]
            if path.is_dir():
                return Repo(repo_id, path, self._hashes)
        return None

    def register_blob(self, entry: FileEntry) -> None:
        """Remember where the bytes of an LFS file live, for the ``/cdn/<sha256>`` route."""
        if entry.sha256:
            with self._blob_lock:
                self._blobs[entry.sha256] = entry.abspath

    def blob(self, sha256: str) -> Path | None:
        with self._blob_lock:
            return self._blobs.get(sha256)


def quote_revision(rev: str) -> str:
    """A revision as the Hub expects it in a URL path segment (``/`` encoded).

    >>> quote_revision("refs/convert/parquet")
    'refs%2Fconvert%2Fparquet'
    """
    return quote(rev, safe="")
