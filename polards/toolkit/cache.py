"""Cache management: list, size, prune and remove what polards keeps on disk.

Two places are managed:

- **Hub cache** (``huggingface_hub``'s, resolved from ``HF_HUB_CACHE`` / ``HF_HOME`` / ``XDG_CACHE_HOME`` at call
  time): dataset repos that polards downloaded (their lock folder holds ``*.polards-verified`` stamps or their
  ``trees/*.json`` records carry a ``"polards"`` key). Other repos are listed only with ``include_foreign=True``
  and are never deleted unless asked for by name.
- **polards' own cache** (one root, :func:`polards._paths.cache_root`: ``$POLARDS_CACHE``, else
  ``$HF_DATASETS_CACHE/polards``, else ``$HF_HOME/datasets/polards``): one entry per top-level folder
  (``maps``, ``materialized``, ``converted``...).

Deleting is safe while another process loads: a repo is removed only while holding every file lock of its
``.locks/`` folder (the locks downloads take), after an atomic rename out of the cache, so a concurrent reader
sees the repo either whole or absent; a repo whose lock is held raises :class:`CacheBusyError` after ``timeout``.

Examples
--------
>>> import os, tempfile
>>> os.environ["HF_HUB_CACHE"] = tempfile.mkdtemp(); os.environ["POLARDS_CACHE"] = tempfile.mkdtemp()
>>> ls().height, du()["total"]
(0, 0)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl
from filelock import FileLock, Timeout

from polards._paths import cache_root, hf_home
from polards.exceptions import CacheBusyError, DatasetNotFoundError, InvalidArgumentError

__all__ = [
    "CacheEntry",
    "clear",
    "du",
    "entries",
    "format_size",
    "hub_cache_dir",
    "ls",
    "parse_age",
    "polards_cache_dirs",
    "prune",
    "remove",
    "repo_lock",
]

REPO_LOCK = "polards-repo"  # .locks/<repo folder>/polards-repo.lock: held by whoever deletes a whole repo


# ------------------------------------------------------------------------------------------------ locations
def hub_cache_dir() -> Path:
    """The ``huggingface_hub`` cache folder, from the environment as it is now."""
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(name):
            return Path(os.environ[name]).expanduser()
    return _hf_home() / "hub"


def _hf_home() -> Path:
    return hf_home()


def polards_cache_dirs() -> list[Path]:
    """polards' own cache folder (:func:`polards._paths.cache_root`), as a one-item list."""
    return [cache_root()]


# ------------------------------------------------------------------------------------------------ entries
@dataclass
class CacheEntry:
    """One cache entry: a Hub repo or a folder of polards' own cache."""

    kind: str  # "hub" or "polards"
    name: str  # repo id ("openai/gsm8k") or folder name ("materialized")
    path: str
    size_bytes: int
    nb_files: int
    last_accessed: dt.datetime
    last_modified: dt.datetime
    repo_type: str | None = None
    revisions: list[str] = field(default_factory=list)
    polards: bool = True

    @property
    def last_used(self) -> dt.datetime:
        return max(self.last_accessed, self.last_modified)


def _ts(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)


def _lock_dir(cache: Path, folder_name: str) -> Path:
    return cache / ".locks" / folder_name


def _made_by_polards(cache: Path, repo_path: Path) -> bool:
    locks = _lock_dir(cache, repo_path.name)
    if locks.is_dir() and any(p.name.endswith(".polards-verified") for p in locks.iterdir()):
        return True
    trees = repo_path / "trees"
    if trees.is_dir():
        for record in trees.glob("*.json"):
            with contextlib.suppress(OSError):
                if '"polards"' in record.read_text(errors="replace"):
                    return True
    return False


def _hub_entries(include_foreign: bool) -> list[CacheEntry]:
    cache = hub_cache_dir()
    if not cache.is_dir():
        return []
    from huggingface_hub import scan_cache_dir

    info = scan_cache_dir(cache)
    out = []
    for repo in info.repos:
        path = Path(repo.repo_path)
        mine = repo.repo_type == "dataset" and _made_by_polards(cache, path)
        if not (mine or include_foreign):
            continue
        refs = sorted(ref for rev in repo.revisions for ref in rev.refs) or sorted(
            rev.commit_hash[:12] for rev in repo.revisions
        )
        out.append(
            CacheEntry(
                kind="hub",
                name=repo.repo_id,
                path=str(path),
                size_bytes=int(repo.size_on_disk),
                nb_files=int(repo.nb_files),
                last_accessed=_ts(repo.last_accessed),
                last_modified=_ts(repo.last_modified),
                repo_type=repo.repo_type,
                revisions=refs,
                polards=mine,
            )
        )
    return sorted(out, key=lambda e: (e.repo_type or "", e.name))


def _walk_files(root: Path) -> Iterator[Path]:
    for dirpath, _, files in os.walk(root):
        for name in files:
            yield Path(dirpath) / name


def _polards_entries() -> list[CacheEntry]:
    out = []
    for base in polards_cache_dirs():
        if not base.is_dir():
            continue
        for child in sorted(base.iterdir()):
            files = [child] if child.is_file() else list(_walk_files(child))
            stats = [f.stat() for f in files if f.exists()]
            st = child.stat()
            out.append(
                CacheEntry(
                    kind="polards",
                    name=child.name,
                    path=str(child),
                    size_bytes=sum(s.st_size for s in stats),
                    nb_files=len(stats),
                    last_accessed=_ts(max([st.st_atime, *(s.st_atime for s in stats)])),
                    last_modified=_ts(max([st.st_mtime, *(s.st_mtime for s in stats)])),
                )
            )
    return out


def entries(*, include_foreign: bool = False) -> list[CacheEntry]:
    """Every cache entry: polards' Hub repos (all cached repos with ``include_foreign``), then its own folders."""
    return _hub_entries(include_foreign) + _polards_entries()


_LS_SCHEMA = {
    "kind": pl.String,
    "name": pl.String,
    "repo_type": pl.String,
    "revisions": pl.List(pl.String),
    "nb_files": pl.Int64,
    "size_bytes": pl.Int64,
    "size": pl.String,
    "last_accessed": pl.Datetime("us", "UTC"),
    "last_modified": pl.Datetime("us", "UTC"),
    "polards": pl.Boolean,
    "path": pl.String,
}


def ls(*, include_foreign: bool = False) -> pl.DataFrame:
    """The cache entries as a DataFrame (kind, name, revisions, nb_files, size, last_accessed, ... path)."""
    rows = [asdict(e) | {"size": format_size(e.size_bytes)} for e in entries(include_foreign=include_foreign)]
    return pl.DataFrame(rows, schema=_LS_SCHEMA).select(list(_LS_SCHEMA))


def du(*, include_foreign: bool = False) -> dict[str, int]:
    """Bytes on disk: ``{"hub": ..., "polards": ..., "total": ...}``."""
    sizes = {"hub": 0, "polards": 0}
    for e in entries(include_foreign=include_foreign):
        sizes[e.kind] += e.size_bytes
    return sizes | {"total": sizes["hub"] + sizes["polards"]}


def format_size(n: int) -> str:
    """Human-readable size.

    >>> format_size(0), format_size(1536), format_size(5 * 1024**3)
    ('0 B', '1.5 KiB', '5.0 GiB')
    """
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError  # unreachable


_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w|y)?\s*$", re.I)


def parse_age(value: str | float | dt.timedelta) -> dt.timedelta:
    """``"30d"``, ``"12h"``, ``"90m"``, ``"2w"``, seconds as a number, or a timedelta.

    >>> parse_age("2w"), parse_age("36h").total_seconds()
    (datetime.timedelta(days=14), 129600.0)
    """
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, (int, float)):
        return dt.timedelta(seconds=float(value))
    match = _AGE.match(value)
    if not match:
        raise InvalidArgumentError(
            f"Cannot read the age {value!r}. Hint: write it like '30d', '12h', '90m' or '2w'."
        )
    number, unit = float(match.group(1)), (match.group(2) or "d").lower()
    seconds = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}[unit]
    return dt.timedelta(seconds=number * seconds)


# ------------------------------------------------------------------------------------------------ deleting
def repo_lock(
    repo_id: str, *, cache_dir: str | os.PathLike[str] | None = None, timeout: float = -1
) -> FileLock:
    """The lock a cache deletion holds for ``repo_id`` (loaders may take it to keep a repo from being removed)."""
    cache = Path(cache_dir) if cache_dir is not None else hub_cache_dir()
    folder = _lock_dir(cache, "datasets--" + repo_id.replace("/", "--"))
    folder.mkdir(parents=True, exist_ok=True)
    return FileLock(str(folder / f"{REPO_LOCK}.lock"), timeout=timeout)


@contextlib.contextmanager
def _all_locks(cache: Path, folder_name: str, name: str, timeout: float) -> Iterator[None]:
    locks_dir = _lock_dir(cache, folder_name)
    locks_dir.mkdir(parents=True, exist_ok=True)
    held: list[FileLock] = []
    deadline = time.monotonic() + timeout
    try:
        paths = [
            locks_dir / f"{REPO_LOCK}.lock",
            *sorted(p for p in locks_dir.glob("*.lock") if p.name != f"{REPO_LOCK}.lock"),
        ]
        for path in paths:
            lock = FileLock(str(path))
            try:
                lock.acquire(timeout=max(0.0, deadline - time.monotonic()))
            except Timeout:
                raise CacheBusyError(
                    f"Cache entry {name!r} is in use by another process (lock {path.name} held); left it alone. "
                    "Hint: retry when the other load has finished."
                ) from None
            held.append(lock)
        yield
    finally:
        for lock in reversed(held):
            lock.release()


def _rmtree_atomic(path: Path) -> None:
    """Rename ``path`` out of the way (atomic), then delete it: readers see it whole or not at all."""
    trash = path.with_name(f".trash-{path.name}-{uuid.uuid4().hex[:8]}")
    try:
        os.replace(path, trash)
    except FileNotFoundError:
        return
    shutil.rmtree(trash, ignore_errors=True)


def _remove_hub(entry: CacheEntry, timeout: float) -> None:
    cache = hub_cache_dir()
    path = Path(entry.path)
    with _all_locks(cache, path.name, entry.name, timeout):
        recent = time.time() - 60
        busy = (
            [p for p in (path / "blobs").glob("*.incomplete") if p.stat().st_mtime > recent]
            if (path / "blobs").is_dir()
            else []
        )
        if busy:
            raise CacheBusyError(
                f"Cache entry {entry.name!r} has a download in progress ({busy[0].name}); left it alone."
            )
        _rmtree_atomic(path)
        for stamp in _lock_dir(cache, path.name).glob("*.polards-verified"):
            with contextlib.suppress(OSError):
                stamp.unlink()


def _remove_polards(entry: CacheEntry, *, older_than: dt.datetime | None = None) -> int:
    """Delete files of a polards cache folder (all, or those unused since ``older_than``); returns bytes freed."""
    root = Path(entry.path)
    freed = 0
    files = [root] if root.is_file() else list(_walk_files(root))
    young_tmp = time.time() - 3600
    for f in files:
        try:
            st = f.stat()
        except FileNotFoundError:
            continue
        if f.suffix == ".lock" or (".tmp" in f.name and st.st_mtime > young_tmp):
            continue  # lock files stay (another process may wait on them); fresh temp files are being written
        if older_than is not None and _ts(max(st.st_atime, st.st_mtime)) >= older_than:
            continue
        lock_path = Path(str(f) + ".lock")
        lock = FileLock(str(lock_path)) if lock_path.exists() else contextlib.nullcontext()
        try:
            with lock:  # type: ignore[attr-defined]
                f.unlink()
                freed += st.st_size
        except (FileNotFoundError, Timeout):
            continue
    if older_than is None and root.is_dir():
        for dirpath, _dirs, _files in sorted(
            os.walk(root), reverse=True
        ):  # drop empty folders, deepest first
            with contextlib.suppress(OSError):
                os.rmdir(dirpath)  # fails (and stays) if another process just wrote into it
    return freed


def remove(repo_id: str, *, timeout: float = 10.0, include_foreign: bool = True) -> CacheEntry:
    """Remove one dataset repo from the Hub cache (every revision). Returns the removed entry."""
    found = [e for e in _hub_entries(include_foreign) if e.name == repo_id and e.repo_type == "dataset"]
    if not found:
        cached = sorted({e.name for e in _hub_entries(True) if e.repo_type == "dataset"})
        raise DatasetNotFoundError(
            f"Dataset {repo_id!r} is not in the Hub cache {str(hub_cache_dir())!r}. Cached datasets: {cached}."
        )
    _remove_hub(found[0], timeout)
    return found[0]


def prune(
    older_than: str | float | dt.timedelta, *, dry_run: bool = False, timeout: float = 10.0
) -> list[CacheEntry]:
    """Remove polards' Hub repos unused for ``older_than`` and older files of its own cache.

    Returns the entries affected (for the own cache, with ``size_bytes`` set to the bytes freed).
    Busy entries are skipped, not waited for beyond ``timeout``.
    """
    cutoff = dt.datetime.now(dt.timezone.utc) - parse_age(older_than)
    done = []
    for e in _hub_entries(False):
        if e.last_used < cutoff:
            if not dry_run:
                with contextlib.suppress(CacheBusyError):
                    _remove_hub(e, timeout)
                    done.append(e)
            else:
                done.append(e)
    for e in _polards_entries():
        if dry_run:
            if e.last_used < cutoff:
                done.append(e)
            continue
        freed = _remove_polards(e, older_than=cutoff)
        if freed:
            e.size_bytes = freed
            done.append(e)
    return done


def clear(*, dry_run: bool = False, timeout: float = 10.0) -> list[CacheEntry]:
    """Remove every polards Hub repo and everything in polards' own cache. Busy repos raise CacheBusyError."""
    all_entries = entries()
    if dry_run:
        return all_entries
    busy = []
    for e in all_entries:
        if e.kind == "hub":
            try:
                _remove_hub(e, timeout)
            except CacheBusyError:
                busy.append(e.name)
        else:
            _remove_polards(e)
    if busy:
        raise CacheBusyError(
            f"Cleared the cache except {busy}, in use by another process. Hint: retry later."
        )
    return all_entries
