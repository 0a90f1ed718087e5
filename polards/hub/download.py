"""Verified, resumable, atomic downloads into the ``huggingface_hub`` cache.

Layout (shared with ``huggingface_hub``)::

    <cache>/datasets--<owner>--<name>/blobs/<etag>            verified content
    <cache>/datasets--<owner>--<name>/blobs/<etag>.incomplete  partial download, resumed with Range
    <cache>/datasets--<owner>--<name>/snapshots/<sha>/<path>   -> ../../blobs/<etag>
    <cache>/datasets--<owner>--<name>/refs/<revision>          commit sha
    <cache>/.locks/datasets--<owner>--<name>/<etag>.lock       file lock (the one huggingface_hub takes too)

A blob enters ``blobs/`` only after its checksum matched the Hub's: sha256 for LFS files (the ``ETag``/LFS
oid), the git blob sha1 otherwise. The move from ``.incomplete`` is an atomic ``os.replace``.

What is verified when, and at what cost:

- **Every download** is hashed once as it lands (sha256 runs at ~1.4 GB/s on one core here). A body that is
  not the file -- ``Content-Type: text/html`` (an error or login page), an ETag other than the tree's, a
  ``Content-Range`` that does not continue the partial file, more bytes than the file has -- is discarded and
  never used as a resume prefix; a complete file whose hash does not match gets **one fresh download** from
  byte 0, then :class:`~polards.exceptions.IntegrityError` naming repo, commit and file. Nothing unverified
  enters ``blobs/``.
- **Cached blobs** are re-hashed only when their stamp changed: size, mtime, inode **and ctime**, recorded when
  the blob was last verified (``.locks/<repo>/<etag>.polards-verified``). Any write to the blob -- even one that
  restores the mtime with ``os.utime`` -- moves its ctime, which user space cannot set back, so tampered or
  partially rewritten blobs are re-hashed and refetched. The cost is one ``stat`` per file per load; hashing
  every load instead (``POLARDS_VERIFY_CACHE=1``) costs ~0.7 s per GB per load and is only needed against media
  bit rot that changes no inode field. A blob that later fails to *decode* is re-hashed and refetched once
  (:func:`recheck_cached_blob`), so such rot cannot poison the cache either.
- Blobs written by ``huggingface_hub`` / ``datasets`` (no stamp yet) are hashed on first use by polards.

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
    return [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]


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


class BadBodyError(RetryableError):
    """The response body is not the file (HTML page, wrong ETag, misplaced range): retried from byte 0."""


_HTML_PREFIXES = (b"<!doctype html", b"<html", b"<?xml", b"<head")


def looks_like_html(content_type: str | None, first_bytes: bytes, path: str) -> bool:
    """An HTML page served in place of a data file (by its ``Content-Type`` or its first bytes).

    >>> looks_like_html("text/html; charset=utf-8", b"", "data/train.parquet")
    True
    >>> looks_like_html("application/octet-stream", b"PAR1", "data/train.parquet")
    False
    >>> looks_like_html(None, b"  <!DOCTYPE html><p>", "a.jsonl"), looks_like_html("text/html", b"", "index.html")
    (True, False)
    """
    if path.lower().endswith((".html", ".htm", ".xml", ".svg")):
        return False
    if (content_type or "").split(";")[0].strip().lower() in ("text/html", "application/xhtml+xml"):
        return True
    return first_bytes.lstrip()[:16].lower().startswith(_HTML_PREFIXES)


def served_etag(headers: Any) -> str:
    """The ETag of a response (``X-Linked-Etag`` first), without quotes and the weak prefix."""
    served = (headers.get("X-Linked-Etag") or headers.get("ETag") or "").strip()
    if served.startswith("W/"):
        served = served[2:]
    return served.strip('"')


def where(repo_id: str, sha: str, path: str) -> str:
    """``repo@sha12/path``: how errors name a file of a repo at a commit."""
    return f"{repo_id}@{sha[:12]}/{path}"


def _stream_into(
    settings: HubSettings, repo_id: str, sha: str, url: str, part: Path, entry: FileEntry, bar: Any
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
    name = where(repo_id, sha, entry.path)
    with session().stream("GET", url, headers=headers, timeout=timeout, follow_redirects=True) as resp:
        check_response(resp)
        if resp.status_code == 416:
            part.unlink(missing_ok=True)
            raise RetryableError(f"HTTP 416 resuming {name}; restarting from byte 0")
        raise_for_status(resp, repo_id, settings, what=f"{entry.path} at {sha[:12]}")
        served = served_etag(resp.headers)
        if served and len(served) in (40, 64) and served != entry.etag:
            part.unlink(missing_ok=True)
            raise BadBodyError(
                f"the Hub sent ETag {served!r} for {name} but its tree lists {entry.etag!r}; "
                "discarded, retrying from byte 0"
            )
        resumed = bool(have and resp.status_code == 206)
        if resumed and not (resp.headers.get("Content-Range") or "").startswith(f"bytes {have}-"):
            part.unlink(missing_ok=True)
            raise BadBodyError(
                f"a resumed read of {name} came back with Content-Range "
                f"{resp.headers.get('Content-Range')!r}, not from byte {have}; retrying from byte 0"
            )
        mode = "ab" if resumed else "wb"
        if mode == "wb" and have and bar is not None:
            bar.update(-have)  # the server ignored Range: those bytes are fetched again
        content_type = resp.headers.get("Content-Type")
        checked = False
        try:
            with part.open(mode) as f:
                for chunk in resp.iter_bytes():
                    if not checked and chunk:
                        checked = True
                        if not resumed and looks_like_html(content_type, chunk, entry.path):
                            raise BadBodyError(
                                f"the Hub answered {name} with an HTML page (Content-Type: "
                                f"{content_type or 'none'}, HTTP {resp.status_code}) instead of the file: "
                                f"{chunk[:80]!r}; discarded, retrying from byte 0"
                            )
                    f.write(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
                    if f.tell() > entry.size:
                        raise BadBodyError(f"the body of {name} is longer than its {entry.size} bytes")
        except BadBodyError:
            part.unlink(missing_ok=True)
            raise
    got = part.stat().st_size
    if got < entry.size:
        raise RetryableError(f"body of {name} ended after {got} of {entry.size} bytes")


def _fetch_verified(
    settings: HubSettings, repo_id: str, sha: str, url: str, entry: FileEntry, blob: Path, bar: Any
) -> None:
    part = blob.with_name(blob.name + ".incomplete")
    blob.parent.mkdir(parents=True, exist_ok=True)
    name = where(repo_id, sha, entry.path)
    digest: str | None = None
    size = 0
    for fresh in (False, True):
        if fresh:
            part.unlink(missing_ok=True)  # a bad body is never a resume prefix: start over from byte 0
        bad_bodies: list[BadBodyError] = []

        def attempt(_: int, bad_bodies: list[BadBodyError] = bad_bodies) -> None:
            try:
                _stream_into(settings, repo_id, sha, url, part, entry, bar)
            except BadBodyError as err:
                bad_bodies.append(err)
                if len(bad_bodies) > 1:  # one fresh retry after a bad body, then a clear error
                    raise IntegrityError(
                        f"Could not download {name}: twice {err}. Nothing was cached."
                    ) from err
                raise

        retry_call(
            attempt,
            settings.retry,
            what=f"download of {name}",
            on_give_up=lambda exc: _give_up(exc, repo_id, sha, settings, entry, part),
        )
        size = part.stat().st_size
        digest = file_checksum(part, entry.etag) if size == entry.size else None
        if digest == entry.etag:
            os.replace(part, blob)
            return
    part.unlink(missing_ok=True)
    msg = (
        f"Checksum mismatch for {repo_id}/{entry.path} (revision {sha}): expected {entry.etag} "
        f"({entry.size} bytes), got {digest or 'a file of ' + str(size) + ' bytes'} twice, the second time from "
        f"a fresh download. The download was discarded; nothing was cached."
    )
    raise IntegrityError(msg)


def _give_up(
    exc: BaseException, repo_id: str, sha: str, settings: HubSettings, entry: FileEntry, part: Path
) -> Exception:
    # Giving up cleanly leaves no partial file behind (a killed process leaves one; the next call resumes it).
    part.unlink(missing_ok=True)
    if isinstance(exc, BadBodyError):
        return IntegrityError(
            f"Could not download {where(repo_id, sha, entry.path)}: {exc}. Nothing was cached."
        )
    return translate_error(exc, repo_id, settings, what=f"download of {entry.path} at revision {sha[:12]}")


def recheck_cached_blob(settings: HubSettings, repo_id: str, sha: str, entry: FileEntry) -> bool:
    """After a cached file failed to decode: re-hash it; if it is corrupt, drop it and download it once more.

    Returns True when the blob was corrupt and has been replaced (the caller may retry the read), False when
    it is intact (the file itself is malformed; refetching cannot help).
    """
    blob = repo_folder(settings.cache_dir, repo_id) / "blobs" / entry.etag
    try:
        intact = blob.stat().st_size == entry.size and file_checksum(blob, entry.etag) == entry.etag
    except OSError:
        intact = False
    if intact:
        _write_stamp(settings.cache_dir, repo_id, entry.etag, blob)
        return False
    blob.unlink(missing_ok=True)
    _stamp_path(settings.cache_dir, repo_id, entry.etag).unlink(missing_ok=True)
    download_file(settings, repo_id, sha, entry)
    return True


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
            f"Offline mode is on (HF_HUB_OFFLINE/HF_DATASETS_OFFLINE) and {repo_id}/{entry.path} at revision {sha} "
            f"is not in the cache {settings.cache_dir} (or failed verification). Run once online to cache it."
        )
        raise OfflineCacheMissError(msg)
    with lock_for(settings.cache_dir, repo_id, entry.etag):
        if not force and cached_blob_is_valid(settings.cache_dir, repo_id, entry, blob):
            _link_snapshot(blob, pointer)
            return pointer
        url = settings.resolve_url(repo_id, sha, entry.path)
        _fetch_verified(settings, repo_id, sha, url, entry, blob, bar)
        _write_stamp(settings.cache_dir, repo_id, entry.etag, blob)
        _link_snapshot(blob, pointer)
    return pointer
