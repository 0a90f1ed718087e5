"""A dataset repo at one commit: its sha, file tree and README, online or from the local cache.

Online, two API calls pin the revision (``/api/datasets/{repo}/revision/{rev}``) and list the tree at that sha
(``/tree/{sha}?recursive=true``, paginated). Both are recorded in the cache the way ``huggingface_hub`` records
them (``refs/<revision>`` and ``trees/<sha>.json``), so an offline call resolves from disk with zero requests.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from polards.exceptions import DatasetNotFoundError, OfflineCacheMissError
from polards.hub.client import HubSettings, raise_for_status, session, translate_error
from polards.hub.download import FileEntry, download_file, repo_folder
from polards.hub.retry import check_response, retry_call

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

    def paths(self) -> list[str]:
        """All file paths, sorted."""
        return sorted(self.files)


def _get_json(settings: HubSettings, repo_id: str, url: str, params: dict[str, str] | None, what: str) -> Any:
    def attempt(_: int) -> Any:
        resp = session().get(url, params=params, headers=settings.headers(), timeout=settings.retry.timeout)
        check_response(resp)
        raise_for_status(resp, repo_id, settings, what=what)
        return resp.json(), resp.links.get("next", {}).get("url")

    return retry_call(
        attempt,
        settings.retry,
        what=f"{what} of {repo_id!r}",
        on_give_up=lambda exc: translate_error(exc, repo_id, settings, what),
    )


def _revision_info(settings: HubSettings, repo_id: str, revision: str) -> dict[str, Any]:
    url = f"{settings.repo_url(repo_id)}/revision/{quote(revision, safe='')}"
    info, _ = _get_json(settings, repo_id, url, None, f"repo info at revision {revision!r}")
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


def _load(settings: HubSettings, repo_id: str, revision: str) -> RepoSnapshot | None:
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
    except (OSError, ValueError):
        return None
    files = {
        p: FileEntry(p, int(r["size"]), r["blob_id"], r.get("lfs_sha256")) for p, r in record["files"].items()
    }
    gated = bool(record.get("polards", {}).get("gated", False))
    return RepoSnapshot(repo_id, revision, sha, files, gated)


# --------------------------------------------------------------------------------------------------- public
def get_snapshot(settings: HubSettings, repo_id: str, revision: str | None = None) -> RepoSnapshot:
    """Pin ``revision`` (default ``main``) of ``repo_id`` to a commit and list its files.

    Offline, the answer comes from the cache records only; a cold cache raises
    :class:`~polards.exceptions.OfflineCacheMissError` naming the repo and revision.
    """
    revision = revision or "main"
    if settings.offline:
        snap = _load(settings, repo_id, revision)
        if snap is None:
            msg = (
                f"Offline mode is on (HF_HUB_OFFLINE/HF_DATASETS_OFFLINE) and dataset {repo_id!r} at revision "
                f"{revision!r} has never been resolved into the cache {settings.cache_dir}: missing "
                f"refs/{revision} or its trees/<sha>.json. Load it once online first."
            )
            raise OfflineCacheMissError(msg)
        return snap
    info = _revision_info(settings, repo_id, revision)
    sha = info.get("sha")
    if not sha:
        raise DatasetNotFoundError(f"The Hub sent no commit sha for dataset {repo_id!r} at {revision!r}.")
    gated = bool(info.get("gated")) or bool(info.get("private"))
    cached = _load(settings, repo_id, sha)
    files = cached.files if cached is not None else _list_tree(settings, repo_id, sha)
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
