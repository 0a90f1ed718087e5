"""Verified, resumable, atomic downloads into the ``huggingface_hub`` cache.

Layout (shared with ``huggingface_hub``)::

    <cache>/datasets--<owner>--<name>/blobs/<etag>            verified content
    <cache>/datasets--<owner>--<name>/blobs/<etag>.incomplete  partial download, resumed with Range
    <cache>/datasets--<owner>--<name>/snapshots/<sha>/<path>   -> ../../blobs/<etag>
    <cache>/datasets--<owner>--<name>/refs/<revision>          commit sha
    <cache>/.locks/datasets--<owner>--<name>/<etag>.lock       file lock (the one huggingface_hub takes too)

A blob enters ``blobs/`` only after its checksum matched the Hub's: sha256 for LFS files (the ``ETag``/LFS
oid), the git blob sha1 otherwise. The move from ``.incomplete`` is an atomic ``os.replace``. A cached blob is
re-hashed when its size or mtime changed since it was verified (a stamp next to the lock file records them), and
refetched when the hash no longer matches.

>>> git_blob_sha1(b"hello\\n")
'ce013625030ba8dba906f756967f9e9ca394464a'
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock

from polards.exceptions import IntegrityError, OfflineCacheMissError
from polards.hub.client import HubSettings, raise_for_status, session, translate_error
from polards.hub.retry import RetryableError, check_response, retry_call

CHUNK = 1 << 20


@dataclass(frozen=True)
class FileEntry:
    """One file of a repo tree: its size, git blob oid and, for LFS files, sha256."""

    path: str
    size: int
    blob_id: str
    lfs_sha256: str | None = None

    @property
    def etag(self) -> str:
        """The cache key and checksum: the LFS sha256 if any, else the git blob oid."""
        return self.lfs_sha256 or self.blob_id


def git_blob_sha1(data: bytes) -> str:
    """The git blob oid of ``data`` (what the Hub reports as the ETag of a non-LFS file)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def file_checksum(path: Path, etag: str) -> str:
    """Hash ``path`` the way ``etag`` was computed: sha256 (64 hex digits) or git blob sha1 (40)."""
    size = path.stat().st_size
    h = hashlib.sha256() if len(etag) == 64 else hashlib.sha1(b"blob %d\0" % size)
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def repo_folder(cache_dir: str, repo_id: str) -> Path:
    """``<cache>/datasets--<owner>--<name>``."""
    return Path(cache_dir) / ("datasets--" + repo_id.replace("/", "--"))


def _lock_dir(cache_dir: str, repo_id: str) -> Path:
    return Path(cache_dir) / ".locks" / repo_folder(cache_dir, repo_id).name


def lock_for(cache_dir: str, repo_id: str, name: str) -> FileLock:
    """A file lock under ``<cache>/.locks/<repo folder>/``."""
    folder = _lock_dir(cache_dir, repo_id)
    folder.mkdir(parents=True, exist_ok=True)
    return FileLock(str(folder / f"{name}.lock"))


def snapshot_path(cache_dir: str, repo_id: str, sha: str, path: str) -> Path:
    """Where the snapshot symlink of ``path`` at commit ``sha`` lives."""
    return repo_folder(cache_dir, repo_id) / "snapshots" / sha / path


# --------------------------------------------------------------------------------------------------- verification
def _stamp_path(cache_dir: str, repo_id: str, etag: str) -> Path:
    return _lock_dir(cache_dir, repo_id) / f"{etag}.polards-verified"


def _stat_key(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _write_stamp(cache_dir: str, repo_id: str, etag: str, blob: Path) -> None:
    stamp = _stamp_path(cache_dir, repo_id, etag)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    tmp = stamp.with_suffix(f".{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(json.dumps(_stat_key(blob)))
    os.replace(tmp, stamp)


def cached_blob_is_valid(cache_dir: str, repo_id: str, entry: FileEntry, blob: Path) -> bool:
    """Whether ``blob`` holds ``entry``'s bytes; hashes only when the blob changed since its last check."""
    try:
        if blob.stat().st_size != entry.size:
            return False
        stamp = _stamp_path(cache_dir, repo_id, entry.etag)
        if os.environ.get("POLARDS_VERIFY_CACHE", "").lower() not in ("1", "always"):
            try:
                if json.loads(stamp.read_text()) == _stat_key(blob):
                    return True
            except (OSError, ValueError):
                pass
        if file_checksum(blob, entry.etag) != entry.etag:
            return False
    except OSError:
        return False
    _write_stamp(cache_dir, repo_id, entry.etag, blob)
    return True


# --------------------------------------------------------------------------------------------------- fetch
def _link_snapshot(blob: Path, pointer: Path) -> None:
    pointer.parent.mkdir(parents=True, exist_ok=True)
    target = os.path.relpath(blob, pointer.parent)
    if pointer.is_symlink() and os.readlink(pointer) == target:
        return
    tmp = pointer.with_name(f".{pointer.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    os.symlink(target, tmp)
    os.replace(tmp, pointer)


def _stream_into(
    settings: HubSettings, repo_id: str, url: str, part: Path, entry: FileEntry, bar: Any
) -> None:
    """One attempt: append the missing bytes of ``url`` to ``part`` (Range resume)."""
    have = part.stat().st_size if part.exists() else 0
    if have > entry.size:
        part.unlink()
        have = 0
    if have == entry.size and entry.size > 0:
        return
    headers = settings.headers()
    headers["Accept-Encoding"] = "identity"
    if have:
        headers["Range"] = f"bytes={have}-"
    timeout = settings.retry.timeout
    with session().stream("GET", url, headers=headers, timeout=timeout, follow_redirects=True) as resp:
        check_response(resp)
        if resp.status_code == 416:
            part.unlink(missing_ok=True)
            raise RetryableError(f"HTTP 416 resuming {url}; restarting from byte 0")
        raise_for_status(resp, repo_id, settings, what=entry.path)
        served = (resp.headers.get("X-Linked-Etag") or resp.headers.get("ETag") or "").strip('"')
        if served.startswith("W/"):
            served = served[2:].strip('"')
        if served and len(served) in (40, 64) and served != entry.etag:
            msg = (
                f"The Hub reports ETag {served!r} for {repo_id}/{entry.path} but its tree lists "
                f"{entry.etag!r}: the file changed under a pinned commit. Nothing was cached."
            )
            raise IntegrityError(msg)
        mode = "ab" if (have and resp.status_code == 206) else "wb"
        if mode == "wb" and have and bar is not None:
            bar.update(-have)  # the server ignored Range: those bytes are fetched again
        with part.open(mode) as f:
            for chunk in resp.iter_bytes():
                f.write(chunk)
                if bar is not None:
                    bar.update(len(chunk))
    got = part.stat().st_size
    if got < entry.size:
        raise RetryableError(f"body of {url} ended after {got} of {entry.size} bytes")


def _fetch_verified(
    settings: HubSettings, repo_id: str, url: str, entry: FileEntry, blob: Path, bar: Any
) -> None:
    part = blob.with_name(blob.name + ".incomplete")
    blob.parent.mkdir(parents=True, exist_ok=True)
    for fresh in (False, True):
        if fresh:
            part.unlink(missing_ok=True)
        resumed = part.exists() and part.stat().st_size > 0
        retry_call(
            lambda attempt: _stream_into(settings, repo_id, url, part, entry, bar),
            settings.retry,
            what=f"download of {repo_id}/{entry.path}",
            on_give_up=lambda exc: _give_up(exc, repo_id, settings, entry, part),
        )
        size = part.stat().st_size
        digest = file_checksum(part, entry.etag) if size == entry.size else None
        if digest == entry.etag:
            os.replace(part, blob)
            return
        if resumed and not fresh:
            continue  # the old partial bytes may have been bad: one clean retry
        part.unlink(missing_ok=True)
        msg = (
            f"Checksum mismatch for {repo_id}/{entry.path}: expected {entry.etag} ({entry.size} bytes), "
            f"got {digest or 'a file of ' + str(size) + ' bytes'}. The download was discarded; nothing was cached."
        )
        raise IntegrityError(msg)


def _give_up(
    exc: BaseException, repo_id: str, settings: HubSettings, entry: FileEntry, part: Path
) -> Exception:
    # Giving up cleanly leaves no partial file behind (a killed process leaves one; the next call resumes it).
    part.unlink(missing_ok=True)
    return translate_error(exc, repo_id, settings, what=f"download of {entry.path}")


def download_file(
    settings: HubSettings,
    repo_id: str,
    sha: str,
    entry: FileEntry,
    *,
    force: bool = False,
    bar: Any = None,
) -> Path:
    """Return the verified snapshot path of ``entry`` at commit ``sha``, downloading it if needed.

    Parameters
    ----------
    settings
        Endpoint, token, cache folder, retry policy.
    repo_id, sha
        The dataset repo and the commit every URL is pinned to.
    entry
        The file, with the size and checksum the Hub's tree reports.
    force
        Refetch even when a verified copy is cached (``download_mode="force_redownload"``).
    bar
        A tqdm bar updated with downloaded bytes.

    Raises
    ------
    IntegrityError
        The bytes served do not match the checksum; nothing is cached.
    OfflineCacheMissError
        Offline mode is on and the file is not cached.
    """
    force = force and not settings.offline  # offline, a verified cached copy is the only possible source
    folder = repo_folder(settings.cache_dir, repo_id)
    blob = folder / "blobs" / entry.etag
    pointer = snapshot_path(settings.cache_dir, repo_id, sha, entry.path)
    if not force and cached_blob_is_valid(settings.cache_dir, repo_id, entry, blob):
        _link_snapshot(blob, pointer)
        return pointer
    if settings.offline:
        msg = (
            f"Offline mode is on (HF_HUB_OFFLINE/HF_DATASETS_OFFLINE) and {repo_id}/{entry.path} at {sha[:12]} "
            f"is not in the cache {settings.cache_dir} (or failed verification). Run once online to cache it."
        )
        raise OfflineCacheMissError(msg)
    with lock_for(settings.cache_dir, repo_id, entry.etag):
        if not force and cached_blob_is_valid(settings.cache_dir, repo_id, entry, blob):
            _link_snapshot(blob, pointer)
            return pointer
        url = settings.resolve_url(repo_id, sha, entry.path)
        _fetch_verified(settings, repo_id, url, entry, blob, bar)
        _write_stamp(settings.cache_dir, repo_id, entry.etag, blob)
        _link_snapshot(blob, pointer)
    return pointer
