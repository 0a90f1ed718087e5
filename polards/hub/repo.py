"""A dataset repo at one commit: its sha, file tree and README, online or from the local cache.

Online, two API calls pin the revision (``/api/datasets/{repo}/revision/{rev}``) and list the tree at that sha
(``/tree/{sha}?recursive=true``, paginated). Both are recorded in the cache the way ``huggingface_hub`` records
them (``refs/<revision>`` and ``trees/<sha>.json``), so an offline call resolves from disk with zero requests.

Availability: when the revision is already in the cache and the Hub cannot be reached (connection refused,
DNS failure, timeouts or 5xx past one attempt), the cached commit is used at once with a warning, as
``datasets`` does ("Using the latest cached version"); nothing waits for the full retry budget. Offline
(``HF_HUB_OFFLINE=1``) or Hub-down, a cache warmed by ``huggingface_hub`` / ``datasets`` works too: without a
``trees/<sha>.json`` record the file list is read from ``snapshots/<sha>/`` (each link names its blob, whose
name is the checksum and whose size is the file's), so only the files that were downloaded are known.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from polards.exceptions import DatasetNotFoundError, HubConnectionError, OfflineCacheMissError
from polards.hub.client import HubSettings, raise_for_status, session, translate_error
from polards.hub.download import BadBodyError, FileEntry, download_file, repo_folder
from polards.hub.retry import check_response, retry_call

logger = logging.getLogger("polards.hub")

SHA_RE = re.compile(r"^[0-9a-f]{40}$")
CONVERT_REVISION = "refs/convert/parquet"


@dataclass(frozen=True)
class RepoSnapshot:
    """The files of ``repo_id`` at commit ``sha`` (resolved from ``revision``)."""

    repo_id: str
    revision: str
    sha: str
    files: dict[str, FileEntry]
    gated: bool = False
    card_data: dict[str, Any] | None = field(default=None, compare=False)
    from_cache: bool = field(
        default=False, compare=False
    )  # resolved from disk (offline, or the Hub was down)
    partial: bool = field(
        default=False, compare=False
    )  # only the downloaded files are known (no tree record)

    def paths(self) -> list[str]:
        """All file paths, sorted."""
        return sorted(self.files)


def _get_json(
    settings: HubSettings,
    repo_id: str,
    url: str,
    params: dict[str, str] | None,
    what: str,
    policy: Any = None,
) -> Any:
    bad: list[str] = []

    def attempt(_: int) -> Any:
        resp = session().get(url, params=params, headers=settings.headers(), timeout=settings.retry.timeout)
        check_response(resp)
        raise_for_status(resp, repo_id, settings, what=what)
        try:
            return resp.json(), resp.links.get("next", {}).get("url")
        except ValueError as err:  # an HTML page or a cut body, not the API's JSON
            kind = resp.headers.get("Content-Type") or "no Content-Type"
            msg = (
                f"the Hub answered the {what} of {repo_id!r} ({resp.url}) with HTTP {resp.status_code} and "
                f"{kind!r} that is not JSON ({err.__class__.__name__}: {err}): {resp.content[:80]!r}"
            )
            bad.append(msg)
            if len(bad) > 1:  # one fresh retry, then a clear error
                raise HubConnectionError(f"{msg} (twice).") from err
            raise BadBodyError(msg) from err

    return retry_call(
        attempt,
        policy or settings.retry,
        what=f"{what} of {repo_id!r}",
        on_give_up=lambda exc: translate_error(exc, repo_id, settings, what),
    )


def _revision_info(settings: HubSettings, repo_id: str, revision: str, policy: Any = None) -> dict[str, Any]:
    url = f"{settings.repo_url(repo_id)}/revision/{quote(revision, safe='')}"
    info, _ = _get_json(settings, repo_id, url, None, f"repo info at revision {revision!r}", policy)
    return info


def _list_tree(settings: HubSettings, repo_id: str, sha: str) -> dict[str, FileEntry]:
    url: str | None = f"{settings.repo_url(repo_id)}/tree/{sha}"
    params: dict[str, str] | None = {"recursive": "true", "expand": "false"}
    files: dict[str, FileEntry] = {}
    while url:
        page, url = _get_json(settings, repo_id, url, params, "tree listing")
        params = None  # the next-page link carries the query
        for item in page:
            if item.get("type") != "file":
                continue
            lfs = item.get("lfs") or {}
            files[item["path"]] = FileEntry(
                path=item["path"],
                size=int(lfs.get("size", item["size"])),
                blob_id=item["oid"],
                lfs_sha256=lfs.get("oid") or lfs.get("sha256"),
            )
    return files


# --------------------------------------------------------------------------------------------------- cache records
def _tree_record(folder: Path, sha: str) -> Path:
    return folder / "trees" / f"{sha}.json"


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _save(settings: HubSettings, snap: RepoSnapshot) -> None:
    folder = repo_folder(settings.cache_dir, snap.repo_id)
    files = {}
    for p, e in sorted(snap.files.items()):
        rec: dict[str, Any] = {"size": e.size, "blob_id": e.blob_id}
        if e.lfs_sha256:
            rec.update(lfs_sha256=e.lfs_sha256, lfs_size=e.size)
        files[p] = rec
    record = {"format_version": 1, "files": files, "polards": {"gated": snap.gated}}
    _atomic_write(_tree_record(folder, snap.sha), json.dumps(record, indent=1))
    if snap.revision != snap.sha:
        _atomic_write(folder / "refs" / snap.revision, snap.sha)


def _load(settings: HubSettings, repo_id: str, revision: str, *, walk: bool = True) -> RepoSnapshot | None:
    folder = repo_folder(settings.cache_dir, repo_id)
    if SHA_RE.match(revision):
        sha = revision
    else:
        try:
            sha = (folder / "refs" / revision).read_text().strip()
        except OSError:
            return None
    try:
        record = json.loads(_tree_record(folder, sha).read_text())
        files = {
            p: FileEntry(p, int(r["size"]), r["blob_id"], r.get("lfs_sha256"))
            for p, r in record["files"].items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        files = _files_from_snapshot(folder, sha) if walk else {}
        if not files:
            return None
        gated = False
        return RepoSnapshot(repo_id, revision, sha, files, gated, from_cache=True, partial=True)
    gated = bool((record.get("polards") or {}).get("gated", False))
    return RepoSnapshot(repo_id, revision, sha, files, gated, from_cache=True)


def _files_from_snapshot(folder: Path, sha: str) -> dict[str, FileEntry]:
    """The files a ``huggingface_hub`` download left in ``snapshots/<sha>/`` (no tree record needed).

    Each entry is a link to ``blobs/<checksum>``: a 64-hex name is the LFS sha256, a 40-hex one the git blob oid.
    """
    root = folder / "snapshots" / sha
    files: dict[str, FileEntry] = {}
    if not root.is_dir():
        return files
    for link in sorted(root.rglob("*")):
        if not link.is_symlink() and not link.is_file():
            continue
        target = link.resolve()
        etag = target.name
        if not target.is_file() or len(etag) not in (40, 64):
            continue
        path = link.relative_to(root).as_posix()
        size = target.stat().st_size
        files[path] = FileEntry(
            path, size, etag if len(etag) == 40 else "", etag if len(etag) == 64 else None
        )
    return files


# --------------------------------------------------------------------------------------------------- public
def get_snapshot(settings: HubSettings, repo_id: str, revision: str | None = None) -> RepoSnapshot:
    """Pin ``revision`` (default ``main``) of ``repo_id`` to a commit and list its files.

    Offline, the answer comes from the cache records only; a cold cache raises
    :class:`~polards.exceptions.OfflineCacheMissError` naming the repo and revision.
    """
    revision = revision or "main"
    cached = _load(settings, repo_id, revision)
    if settings.offline:
        snap = cached
        if snap is None:
            msg = (
                f"Offline mode is on (HF_HUB_OFFLINE/HF_DATASETS_OFFLINE) and dataset {repo_id!r} at revision "
                f"{revision!r} has never been resolved into the cache {settings.cache_dir}: missing "
                f"refs/{revision}, or both trees/<sha>.json and snapshots/<sha>/. Load it once online first."
            )
            raise OfflineCacheMissError(msg)
        return snap
    try:
        # with a cached copy to fall back on, one attempt is enough to tell that the Hub is down
        policy = dataclasses.replace(settings.retry, max_retries=0) if cached is not None else None
        info = _revision_info(settings, repo_id, revision, policy)
    except HubConnectionError as err:
        if cached is None:
            raise
        logger.warning(
            "The Hub at %s could not be reached for %r (%s); using the cached revision %r (commit %s).",
            settings.endpoint,
            repo_id,
            err,
            revision,
            cached.sha,
        )
        return cached
    sha = info.get("sha")
    if not sha:
        raise DatasetNotFoundError(f"The Hub sent no commit sha for dataset {repo_id!r} at {revision!r}.")
    gated = bool(info.get("gated")) or bool(info.get("private"))
    pinned = _load(settings, repo_id, sha, walk=False)
    files = pinned.files if pinned is not None else _list_tree(settings, repo_id, sha)
    snap = RepoSnapshot(repo_id, revision, sha, files, gated, info.get("cardData"))
    _save(settings, snap)
    return snap


def read_text_file(settings: HubSettings, snap: RepoSnapshot, path: str) -> str | None:
    """Download (verified) and read a small text file such as ``README.md``; ``None`` if absent."""
    entry = snap.files.get(path)
    if entry is None:
        return None
    return download_file(settings, snap.repo_id, snap.sha, entry).read_text(encoding="utf-8")


def try_get_snapshot(settings: HubSettings, repo_id: str, revision: str) -> RepoSnapshot | None:
    """Like :func:`get_snapshot` but ``None`` when the revision does not exist (e.g. no parquet conversion)."""
    try:
        return get_snapshot(settings, repo_id, revision)
    except (DatasetNotFoundError, OfflineCacheMissError):
        return None
