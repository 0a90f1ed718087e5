"""The write routes of the Hub emulator: what ``huggingface_hub``'s ``create_repo`` / ``create_branch`` /
``create_commit`` send, applied to the repo folders on disk.

- ``POST /api/repos/create`` (JSON ``name``, ``organization``, ``type``, ``visibility``/``private``): a new repo
  folder under the first root; 409 when it exists (``exist_ok=True`` then goes on).
- ``POST /api/validate-yaml``: a README's YAML header checked (400 with ``errors`` when it does not parse).
- ``POST /api/datasets/{repo}/branch/{branch}`` (JSON ``startingPoint``): a copy of a revision as a new branch.
- ``POST /api/datasets/{repo}/preupload/{rev}``: ``lfs`` for the files the emulator stores as LFS (parquet,
  arrow, archives, anything over 10 MB), ``regular`` (inline in the commit) otherwise; ``oid`` of the current
  file, so the client skips unchanged files as on the Hub.
- ``POST /datasets/{repo}.git/info/lfs/objects/batch`` and ``PUT /lfs-upload/{oid}``: the LFS basic transfer
  (bytes checked against their sha256). Xet storage is not emulated: clients set ``HF_HUB_DISABLE_XET=1``
  (``python -m polards.testing.hub`` prints it; the pytest fixtures set it), and ``huggingface_hub`` then uses
  the LFS protocol, which the real Hub serves too.
- ``POST /api/datasets/{repo}/commit/{rev}[?create_pr=1]`` (NDJSON: ``header`` with ``summary`` and optional
  ``parentCommit``, then ``file`` (base64), ``deletedFile``, ``deletedFolder`` lines): applied atomically under
  one lock; a stale ``parentCommit`` is 412 as on the Hub; ``create_pr=1`` writes the result to a new
  ``refs/pr/N`` and leaves the revision untouched; ``lfsFile`` lines take an uploaded LFS object.

Writes need a token (401 without one, as on the Hub): any token creates a repo; writing to a repo takes one
of its tokens (``.hub/settings.json``; by default the test token ``hf_polards_test_token``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from polards.testing.hub.repo import is_lfs_path, normalize_ref

if TYPE_CHECKING:
    from polards.testing.hub.handler import HubRequestHandler
    from polards.testing.hub.repo import Repo

_LOCK = threading.Lock()  # one writer at a time, across every emulator in the process


class UploadError(Exception):
    """An error answer: ``status``, message and optional ``X-Error-Code``."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


def _json_body(handler: HubRequestHandler) -> dict[str, Any]:
    try:
        body = json.loads(handler._body or b"{}")
    except (ValueError, UnicodeDecodeError) as err:
        raise UploadError(400, f"Request body is not JSON: {err}") from err
    if not isinstance(body, dict):
        raise UploadError(400, "Request body must be a JSON object.")
    return body


def _require_write_token(handler: HubRequestHandler, repo: Repo | None) -> None:
    token = handler._token()
    if token is None:
        raise UploadError(401, "Invalid credentials in Authorization header: a write token is required.")
    if repo is not None and token not in repo.settings.tokens:
        raise UploadError(403, f"You don't have the rights to write to {repo.repo_id}.")


def create_repo(handler: HubRequestHandler) -> tuple[int, dict[str, Any]]:
    """``POST /api/repos/create``."""
    _require_write_token(handler, None)
    body = _json_body(handler)
    if body.get("type", "model") != "dataset":
        raise UploadError(400, "The emulator serves dataset repos only (type must be 'dataset').")
    name, org = body.get("name"), body.get("organization")
    if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
        raise UploadError(400, f"Invalid repo name {name!r}.")
    owner = org if isinstance(org, str) and org else "polards-user"
    repo_id = f"{owner}/{name}"
    store = handler.hub.store
    url = f"{handler._base_url()}/datasets/{repo_id}"
    with _LOCK:
        if (
            store.get_repo(repo_id) is not None
        ):  # the Hub's 409 carries the url (create_repo(exist_ok=True) reads it)
            return 409, {"error": f"You already created this dataset repo: {repo_id}", "url": url}
        path = store.roots[0] / owner / name
        path.mkdir(parents=True)
        private = body.get("private") is True or body.get("visibility") == "private"
        if private:
            (path / ".hub").mkdir()
            settings = {"private": True, "tokens": [handler._token()]}
            (path / ".hub" / "settings.json").write_text(json.dumps(settings))
        (path / ".gitattributes").write_text("*.parquet filter=lfs diff=lfs merge=lfs -text\n")
    return 200, {"url": url, "name": repo_id, "id": repo_id}


def validate_yaml(handler: HubRequestHandler) -> tuple[int, dict[str, Any]]:
    """``POST /api/validate-yaml`` (JSON ``content``: a README): 400 with ``errors`` when its YAML header does
    not parse or is not a mapping, as the Hub answers before a commit that touches README.md."""
    import yaml

    content = _json_body(handler).get("content")
    if not isinstance(content, str):
        raise UploadError(400, "validate-yaml expects a 'content' string.")
    if not content.startswith("---"):
        return 200, {"warnings": [{"message": "Empty or missing yaml metadata in repo card"}]}
    header = content[3:].split("\n---", 1)[0]
    try:
        data = yaml.safe_load(header)
    except yaml.YAMLError as err:
        return 400, {"errors": [{"message": f"Invalid YAML: {err}"}]}
    if data is not None and not isinstance(data, dict):
        return 400, {"errors": [{"message": "The YAML header must be a mapping."}]}
    return 200, {"warnings": []}


def _ref_folder(repo: Repo, ref: str) -> Path:
    if ref == "main":
        return repo.path
    return repo.path / ".hub" / "revisions" / quote(ref, safe="")


def _copy_revision(repo: Repo, src: Path, dst: Path) -> None:
    def ignore(folder: str, names: list[str]) -> list[str]:
        return [".hub"] if Path(folder) == repo.path else []

    shutil.copytree(src, dst, ignore=ignore)


def create_branch(handler: HubRequestHandler, repo: Repo, branch: str) -> tuple[int, dict[str, Any]]:
    """``POST /api/datasets/{repo}/branch/{branch}``."""
    _require_write_token(handler, repo)
    ref = normalize_ref(branch)
    start = _json_body(handler).get("startingPoint") or "main"
    with _LOCK:
        if repo.revision(ref) is not None:
            raise UploadError(409, f"Reference already exists: refs/heads/{ref}")
        source = repo.revision(str(start))
        if source is None:
            raise UploadError(404, f"Invalid rev id: {start}", "RevisionNotFound")
        _copy_revision(repo, _ref_folder(repo, source.ref), _ref_folder(repo, ref))
    return 200, {}


def preupload(handler: HubRequestHandler, repo: Repo, rev: str) -> tuple[int, dict[str, Any]]:
    """``POST /api/datasets/{repo}/preupload/{rev}``: every file regular; ``oid`` of what is there now."""
    _require_write_token(handler, repo)
    files = _json_body(handler).get("files")
    if not isinstance(files, list):
        raise UploadError(400, "preupload expects a 'files' list.")
    revision = repo.revision(rev)
    answer = []
    for f in files:
        path = f.get("path") if isinstance(f, dict) else None
        if not isinstance(path, str):
            raise UploadError(400, f"preupload entry without a path: {f!r}")
        current = revision.files.get(path) if revision is not None else None
        size = f.get("size") if isinstance(f.get("size"), int) else 0
        mode = "lfs" if is_lfs_path(path, size) else "regular"
        oid = (current.sha256 if mode == "lfs" else current.oid) if current else None
        answer.append({"path": path, "uploadMode": mode, "shouldIgnore": False, "oid": oid})
    return 200, {"files": answer, "commitOid": revision.sha if revision is not None else None}


def _lfs_dir(handler: HubRequestHandler) -> Path:
    return handler.hub.store.roots[0] / ".lfs-objects"  # a dot folder: never served as a repo


def lfs_batch(handler: HubRequestHandler, repo: Repo) -> tuple[int, dict[str, Any]]:
    """``POST /datasets/{repo}.git/info/lfs/objects/batch`` (upload): a basic-transfer PUT URL per object not
    stored yet."""
    _require_write_token(handler, repo)
    body = _json_body(handler)
    if body.get("operation") != "upload":
        raise UploadError(400, "The emulator's LFS batch endpoint takes uploads only.")
    objects = []
    for obj in body.get("objects") or []:
        oid, size = obj.get("oid"), obj.get("size")
        if not (isinstance(oid, str) and len(oid) == 64 and isinstance(size, int)):
            objects.append({"oid": oid, "size": size, "error": {"code": 422, "message": "bad oid or size"}})
            continue
        answer: dict[str, Any] = {"oid": oid, "size": size, "authenticated": True}
        if not (_lfs_dir(handler) / oid).is_file():
            href = f"{handler._base_url()}/lfs-upload/{oid}?size={size}"
            answer["actions"] = {"upload": {"href": href, "header": {}, "expires_in": 3600}}
        objects.append(answer)
    return 200, {"transfer": "basic", "objects": objects, "hash_algo": "sha256"}


def lfs_put(handler: HubRequestHandler, oid: str) -> tuple[int, dict[str, Any]]:
    """``PUT /lfs-upload/{oid}``: the object's bytes, kept only when their sha256 and size match."""
    data = handler._body
    size = (handler._query.get("size") or [None])[0]
    if hashlib.sha256(data).hexdigest() != oid or (size is not None and int(size) != len(data)):
        raise UploadError(400, f"Uploaded bytes do not match LFS object {oid} (sha256 or size differs).")
    folder = _lfs_dir(handler)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".part-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, folder / oid)
    return 200, {}


def _parse_commit(body: bytes) -> tuple[dict[str, Any], list[tuple[str, str, bytes | None]]]:
    header: dict[str, Any] | None = None
    ops: list[tuple[str, str, bytes | None]] = []
    for n, line in enumerate(body.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            key, value = item["key"], item["value"]
        except (ValueError, KeyError, TypeError) as err:
            raise UploadError(400, f"Commit payload line {n} is not a {{key, value}} JSON object.") from err
        if key == "header":
            header = value
        elif key == "file":
            if value.get("encoding") != "base64":
                raise UploadError(400, f"Commit line {n}: only base64 file content is supported.")
            try:
                ops.append(
                    ("add", _clean_path(value["path"]), base64.b64decode(value["content"], validate=True))
                )
            except (binascii.Error, KeyError, TypeError) as err:
                raise UploadError(400, f"Commit line {n}: bad file entry ({err}).") from err
        elif key in ("deletedFile", "deletedFolder"):
            ops.append(("rm", _clean_path(value["path"].rstrip("/")), None))
        elif key == "lfsFile":
            if value.get("algo") != "sha256" or not isinstance(value.get("oid"), str):
                raise UploadError(400, f"Commit line {n}: LFS files are addressed by sha256.")
            ops.append(("lfs", _clean_path(value["path"]), value["oid"].encode()))
        else:
            raise UploadError(400, f"Commit line {n}: unknown key {key!r}.")
    if header is None:
        raise UploadError(400, "Commit payload has no header line.")
    return header, ops


def _clean_path(path: Any) -> str:
    if not isinstance(path, str) or not path:
        raise UploadError(400, f"Invalid path in repo {path!r}.")
    parts = path.split("/")
    if any(p in ("", ".", "..") for p in parts) or parts[0] == ".hub":
        raise UploadError(400, f"Invalid path in repo {path!r}.")
    return path


def _apply(folder: Path, ops: list[tuple[str, str, bytes | None]], lfs: Path) -> None:
    for kind, path, data in ops:
        target = folder / path
        if kind == "lfs":
            assert data is not None
            blob = lfs / data.decode()
            if not blob.is_file():
                raise UploadError(422, f"LFS object {data.decode()} for {path} was never uploaded.")
            data, kind = blob.read_bytes(), "add"
        if kind == "add":
            assert data is not None
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        elif target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        else:
            raise UploadError(404, f"A file with this name doesn't exist: {path}", "EntryNotFound")


def commit(handler: HubRequestHandler, repo: Repo, rev: str) -> tuple[int, dict[str, Any]]:
    """``POST /api/datasets/{repo}/commit/{rev}``."""
    _require_write_token(handler, repo)
    header, ops = _parse_commit(handler._body)
    create_pr = (handler._query.get("create_pr") or ["0"])[0] in ("1", "true")
    ref = normalize_ref(unquote(rev))
    with _LOCK:
        base = repo.revision(ref)
        if base is None:
            raise UploadError(404, f"Invalid rev id: {ref}", "RevisionNotFound")
        parent = header.get("parentCommit")
        if parent and parent != base.sha:
            raise UploadError(412, f"A commit has happened since. Parent commit {parent} is not {base.sha}.")
        pr_url = None
        if create_pr:
            number = 1 + sum(1 for r in repo.refs() if r.startswith("refs/pr/"))
            ref = f"refs/pr/{number}"
            target = _ref_folder(repo, ref)
            _copy_revision(repo, _ref_folder(repo, base.ref), target)
            pr_url = f"{handler._base_url()}/datasets/{repo.repo_id}/discussions/{number}"
        else:
            target = _ref_folder(repo, ref)
        _apply(target, ops, _lfs_dir(handler))
        new = repo.revision(ref)
        assert new is not None
    return 200, {
        "commitUrl": f"{handler._base_url()}/datasets/{repo.repo_id}/commit/{new.sha}",
        "commitOid": new.sha,
        "commitMessage": header.get("summary", ""),
        "pullRequestUrl": pr_url,
        "success": True,
    }
