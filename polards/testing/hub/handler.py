"""The request handler of the Hub emulator: the Hugging Face Hub API routes for dataset repos.

Implemented routes (``{repo}`` is ``owner/name``, ``{rev}`` a branch, ref, ``~parquet``, percent-encoded ref or
commit sha):

- ``GET /api/datasets/{repo}`` and ``GET /api/datasets/{repo}/revision/{rev}``: repo info with ``cardData``;
- ``GET /api/datasets/{repo}/tree/{rev}[/{path}]?recursive=&expand=&cursor=&limit=``: ``Link`` paginated;
- ``POST /api/datasets/{repo}/paths-info/{rev}`` (form or JSON ``paths``);
- ``GET /api/datasets/{repo}/refs`` and ``GET /api/datasets/{repo}/auth-check`` (gate/token check);
- ``GET /api/datasets/{repo}/parquet[/{config}[/{split}[/{n}.parquet]]]`` from ``refs/convert/parquet``;
- ``HEAD|GET /datasets/{repo}/resolve/{rev}/{path}`` with ``ETag``, ``X-Repo-Commit``, ``Range`` (206/416),
  or with ``lfs_redirect=True`` a 302 to ``http://localhost:{port}/cdn/{sha256}`` for LFS files;
- ``GET /api/whoami-v2``;
- the write routes ``huggingface_hub`` uses to create repos, branches and commits (:mod:`.upload`).

Errors carry ``X-Error-Code`` (``RepoNotFound``, ``RevisionNotFound``, ``EntryNotFound``, ``GatedRepo``) and
``X-Error-Message`` so ``huggingface_hub`` raises its typed errors.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import socket
import struct
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote, unquote, urlsplit

from polards.testing.hub import upload
from polards.testing.hub.faults import Fault
from polards.testing.hub.repo import PARQUET_REF, FileEntry, Repo, Revision, normalize_ref, quote_revision
from polards.testing.hub.requests_log import RequestRecord

if TYPE_CHECKING:
    from polards.testing.hub.server import HubEmulator, HubServer

_CHUNK = 64 * 1024
_WRITE_ROUTES = {"preupload": upload.preupload, "commit": upload.commit, "branch": upload.create_branch}
_CREATED_AT = "2024-01-01T00:00:00.000Z"


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


class _HubError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.code, self.headers = status, message, code, headers or {}


def _not_found_repo(repo_id: str) -> _HubError:
    return _HubError(404, f"Repository not found: dataset {repo_id!r} does not exist.", "RepoNotFound")


class HubRequestHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in separate writes: avoid 40 ms delayed-ACK stalls
    server_version = "polards-hub-emulator/1.0"
    server: HubServer

    # ------------------------------------------------------------------------------------ plumbing
    def log_message(self, format, *args):  # noqa: A002 - silence the default stderr log
        pass

    def do_GET(self):
        self._dispatch("GET")

    def do_HEAD(self):
        self._dispatch("HEAD")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    @property
    def hub(self) -> HubEmulator:
        return self.server.emulator

    def _dispatch(self, method: str) -> None:
        split = urlsplit(self.path)
        self._raw_path = split.path
        self._query = parse_qs(split.query, keep_blank_values=True)
        self._truncate: int | None = None
        self._stall = 0.0
        self._corrupt = False
        self._corrupt_bytes = 0
        self._length = 0
        self._method = method
        length = int(self.headers.get("Content-Length") or 0)
        self._body = self.rfile.read(length) if length > 0 else b""
        fault = self.hub.faults.take(method, self._raw_path)
        # logged before answering, and updated in place, so a client never sees a response before its record
        self._record = RequestRecord(
            method=method,
            path=self._raw_path,
            query=self._query,
            headers=dict(self.headers.items()),
            status=0,
            bytes_sent=0,
            fault=fault.kind if fault is not None else None,
        )
        self.hub._log(self._record)
        try:
            if fault is not None and self._apply_fault(fault):
                return
            try:
                self._route(method)
            except _HubError as err:
                self._send_error(err.status, err.message, err.code, err.headers)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except (
            Exception
        ) as err:  # an emulator bug or a file vanishing mid-request: answer 500 if still possible
            self.close_connection = True
            if self._record.status == 0:
                self._send_error(
                    500, f"Hub emulator error on {self._raw_path}: {type(err).__name__}: {err}", None
                )

    def _apply_fault(self, fault: Fault) -> bool:
        """Apply ``fault``; True when the request is fully handled by it."""
        if fault.latency:
            time.sleep(fault.latency)
        if fault.reset:
            self.close_connection = True
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
            except OSError:
                pass
            return True
        if fault.html:
            page = (
                b"<!DOCTYPE html>\n<html><head><title>Hugging Face - Service Unavailable</title></head>"
                b"<body><h1>Something went wrong</h1><p>Please try again later.</p></body></html>\n"
            )
            self.close_connection = True
            self._send_bytes(fault.status or 200, page, {"Content-Type": "text/html; charset=utf-8"})
            return True
        if fault.status is not None:
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = str(fault.retry_after)
            message = fault.message or f"Injected fault: HTTP {fault.status} on {self._raw_path}"
            self._send_error(fault.status, message, None, headers)
            return True
        if fault.truncate_after is not None:
            self._truncate = fault.truncate_after
            self._stall = fault.stall
        self._corrupt = fault.corrupt and not fault.corrupt_bytes
        self._corrupt_bytes = fault.corrupt_bytes
        return False

    def _start(self, status: int, headers: dict[str, str], length: int) -> None:
        self._record.status = status
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self._length = length

    def _write(self, chunks: Iterable[bytes]) -> None:
        if self._method == "HEAD":
            return
        for chunk in chunks:
            if self._corrupt_bytes and chunk:
                chunk = self._flip_middle(chunk)
            elif self._corrupt and chunk:
                chunk = bytes([chunk[0] ^ 0xFF]) + chunk[1:]
                self._corrupt = False
            if self._truncate is not None:
                room = self._truncate - self._record.bytes_sent
                if room <= len(chunk):
                    self._record.bytes_sent += max(room, 0)
                    self.wfile.write(chunk[: max(room, 0)])
                    self.wfile.flush()
                    if self._stall:
                        time.sleep(self._stall)
                    self.close_connection = True
                    try:
                        self.connection.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    return
            self._record.bytes_sent += len(chunk)
            self.wfile.write(chunk)

    def _flip_middle(self, chunk: bytes) -> bytes:
        """Flip ``corrupt_bytes`` bytes starting at the middle of the body (across chunks if needed)."""
        start = self._length // 2
        offset = self._record.bytes_sent
        lo, hi = max(start, offset), min(start + self._corrupt_bytes, offset + len(chunk))
        if lo >= hi:
            return chunk
        data = bytearray(chunk)
        for i in range(lo - offset, hi - offset):
            data[i] ^= 0xFF
        if hi == start + self._corrupt_bytes:
            self._corrupt_bytes = 0
        return bytes(data)

    def _send_bytes(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self._start(status, headers or {}, len(body))
        self._write([body])

    def _send_json(self, obj, headers: dict[str, str] | None = None, status: int = 200) -> None:
        body = json.dumps(obj).encode()
        self._send_bytes(status, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})})

    def _send_error(self, status: int, message: str, code: str | None, headers: dict | None = None) -> None:
        header_safe = message.replace("\n", " ").encode("ascii", "backslashreplace").decode()
        extra = {"X-Error-Message": header_safe}
        if code:
            extra["X-Error-Code"] = code
        self._send_json({"error": message}, {**extra, **(headers or {})}, status=status)

    # ------------------------------------------------------------------------------------ routing
    def _base_url(self) -> str:
        return f"http://{self.headers.get('Host') or self.hub.endpoint.split('://', 1)[1]}"

    def _route(self, method: str) -> None:
        segs = self._raw_path.strip("/").split("/")
        if segs[:1] == ["cdn"] and len(segs) == 2 and method in ("GET", "HEAD"):
            return self._cdn(segs[1])
        if segs[:2] == ["api", "whoami-v2"] and method == "GET":
            return self._whoami()
        if segs == ["api", "repos", "create"] and method == "POST":
            return self._write_route(lambda: upload.create_repo(self))
        if segs == ["api", "validate-yaml"] and method == "POST":
            return self._write_route(lambda: upload.validate_yaml(self))
        if segs[:1] == ["lfs-upload"] and len(segs) == 2 and method == "PUT":
            return self._write_route(lambda: upload.lfs_put(self, segs[1]))
        if (
            segs[:1] == ["datasets"]
            and segs[3:] == ["info", "lfs", "objects", "batch"]
            and method == "POST"
            and len(segs) == 7
            and segs[2].endswith(".git")
        ):
            repo_id = f"{unquote(segs[1])}/{unquote(segs[2][: -len('.git')])}"
            return self._write_route(lambda: upload.lfs_batch(self, self._repo(repo_id)))
        if segs[:2] == ["api", "datasets"] and len(segs) >= 4:
            repo_id = f"{unquote(segs[2])}/{unquote(segs[3])}"
            if method == "POST" and len(segs) >= 6 and segs[4] in _WRITE_ROUTES:
                rev = "/".join(unquote(s) for s in segs[5:])
                return self._write_route(lambda: _WRITE_ROUTES[segs[4]](self, self._repo(repo_id), rev))
            return self._api(method, repo_id, segs[4:])
        if segs[:1] == ["datasets"] and len(segs) >= 6 and segs[3] == "resolve" and method in ("GET", "HEAD"):
            repo_id = f"{unquote(segs[1])}/{unquote(segs[2])}"
            return self._resolve(repo_id, segs[4:])
        if segs[:2] == ["api", "models"] or segs[:2] == ["api", "spaces"]:
            raise _HubError(404, "The emulator serves dataset repos only.", "RepoNotFound")
        raise _HubError(404, f"Not found: {self._raw_path}")

    def _write_route(self, route) -> None:
        """Run one write route of :mod:`polards.testing.hub.upload` and answer its JSON or its error."""
        try:
            status, body = route()
        except upload.UploadError as err:
            raise _HubError(err.status, err.message, err.code) from err
        self._send_json(body, status=status)

    def _token(self) -> str | None:
        auth = self.headers.get("Authorization") or ""
        return auth[7:].strip() if auth.lower().startswith("bearer ") else None

    def _repo(self, repo_id: str) -> Repo:
        repo = self.hub.store.get_repo(repo_id)
        if repo is None:
            raise _not_found_repo(repo_id)
        settings = repo.settings
        if settings.private and self._token() not in settings.tokens:
            if self._token() is None:
                raise _HubError(401, "Invalid username or password.", "RepoNotFound")
            raise _not_found_repo(repo_id)
        return repo

    def _check_gate(self, repo: Repo, path: str) -> None:
        settings = repo.settings
        if not settings.gated or path in settings.public_paths:
            return
        token = self._token()
        if token in settings.tokens:
            return
        url = f"{self._base_url()}/datasets/{repo.repo_id}"
        if token is None:
            raise _HubError(
                401,
                f"Access to dataset {repo.repo_id} is restricted. You must have access to it and be "
                f"authenticated to access it. Please log in.",
                "GatedRepo",
            )
        raise _HubError(
            403,
            f"Access to dataset {repo.repo_id} is restricted and you are not in the authorized list. "
            f"Visit {url} to ask for access.",
            "GatedRepo",
        )

    def _revision(self, repo: Repo, rev: str) -> Revision:
        revision = repo.revision(rev)
        if revision is None:
            raise _HubError(404, f"Invalid rev id: {unquote(rev)}", "RevisionNotFound")
        return revision

    def _split_rev(self, repo: Repo, segs: list[str]) -> tuple[str, list[str]]:
        """Split ``segs`` into a revision and the rest, allowing an unencoded ``refs/x/y`` revision."""
        if segs and unquote(segs[0]) == "refs" and len(segs) >= 3:
            refs = set(repo.refs())
            for k in (3, 2):
                candidate = "/".join(unquote(s) for s in segs[:k])
                if candidate in refs:
                    return candidate, segs[k:]
        return unquote(segs[0]) if segs else "main", segs[1:]

    # ------------------------------------------------------------------------------------ API
    def _whoami(self) -> None:
        token = self._token()
        if token is None:
            raise _HubError(401, "Invalid credentials in Authorization header")
        self._send_json({"type": "user", "name": "polards-test-user", "auth": {"type": "access_token"}})

    def _api(self, method: str, repo_id: str, rest: list[str]) -> None:
        action = rest[0] if rest else ""
        if method == "POST" and action == "paths-info" and len(rest) >= 2:
            repo = self._repo(repo_id)
            rev, _ = self._split_rev(repo, rest[1:])
            return self._paths_info(repo, self._revision(repo, rev))
        if method != "GET":
            raise _HubError(405, f"Method {method} not allowed on {self._raw_path}")
        repo = self._repo(repo_id)
        if action == "":
            return self._info(repo, self._revision(repo, "main"))
        if action == "revision" and len(rest) >= 2:
            return self._info(repo, self._revision(repo, "/".join(unquote(s) for s in rest[1:])))
        if action == "tree" and len(rest) >= 2:
            rev, path = self._split_rev(repo, rest[1:])
            return self._tree(repo, self._revision(repo, rev), "/".join(unquote(s) for s in path).strip("/"))
        if action == "refs" and len(rest) == 1:
            return self._refs(repo)
        if action == "auth-check" and len(rest) <= 2:
            if rest[1:] == ["write"]:
                raise _HubError(403, f"The emulator's repo {repo.repo_id} is read-only.")
            self._check_gate(repo, "")
            return self._send_json({})
        if action == "parquet":
            return self._parquet(repo, [unquote(s) for s in rest[1:] if s])
        raise _HubError(404, f"Not found: {self._raw_path}")

    def _info(self, repo: Repo, revision: Revision) -> None:
        settings = repo.settings
        blobs = self._query.get("blobs", ["false"])[0].lower() in ("1", "true")
        siblings = []
        for entry in revision.files.values():
            sib: dict = {"rfilename": entry.path}
            if blobs:
                sib.update(size=entry.size, blobId=entry.oid)
                if entry.sha256:
                    sib["lfs"] = {"sha256": entry.sha256, "size": entry.size, "pointerSize": 134}
            siblings.append(sib)
        card = repo.card_data(revision)
        owner = repo.repo_id.split("/")[0]
        info = {
            "_id": hashlib.sha1(repo.repo_id.encode()).hexdigest()[:24],
            "id": repo.repo_id,
            "author": owner,
            "sha": revision.sha,
            "lastModified": _iso(revision.last_modified),
            "createdAt": _CREATED_AT,
            "private": settings.private,
            "gated": settings.gated,
            "disabled": False,
            "downloads": 0,
            "likes": 0,
            "tags": _tags(card or {}),
            "siblings": siblings,
            "usedStorage": sum(e.size for e in revision.files.values()),
        }
        if card is not None:
            info["cardData"] = card
        self._send_json(info, {"X-Repo-Commit": revision.sha})

    def _entry_extras(self, entry: dict, revision: Revision) -> dict:
        entry = dict(entry)
        entry["lastCommit"] = {
            "id": revision.sha,
            "title": "Upload dataset",
            "date": _iso(revision.last_modified),
        }
        if entry["type"] == "file":
            entry["securityFileStatus"] = {
                "status": "safe",
                "avScan": {"virusFound": False, "virusNames": None},
                "pickleImportScan": None,
            }
        return entry

    def _tree(self, repo: Repo, revision: Revision, folder: str) -> None:
        if folder and folder not in revision.folders:
            raise _HubError(404, f"{folder} does not exist on {revision.ref!r}", "EntryNotFound")
        recursive = self._query.get("recursive", ["false"])[0].lower() in ("1", "true")
        expand = self._query.get("expand", ["false"])[0].lower() in ("1", "true")
        entries = revision.children(folder, recursive)
        try:
            start = int(self._query.get("cursor", ["0"])[0] or 0)
            limit = int(self._query.get("limit", [str(self.hub.page_size)])[0])
        except ValueError as err:
            raise _HubError(400, f"Invalid cursor or limit in {self.path}") from err
        limit = max(1, min(limit, self.hub.page_size))
        page = entries[start : start + limit]
        if expand:
            page = [self._entry_extras(e, revision) for e in page]
        headers = {"X-Repo-Commit": revision.sha}
        if start + limit < len(entries):
            query = {k: v for k, v in self._query.items() if k != "cursor"}
            parts = [f"{quote(k)}={quote(x)}" for k, vs in query.items() for x in vs]
            parts.append(f"cursor={start + limit}")
            headers["Link"] = f'<{self._base_url()}{self._raw_path}?{"&".join(parts)}>; rel="next"'
        self._send_json(page, headers)

    def _paths_info(self, repo: Repo, revision: Revision) -> None:
        content_type = self.headers.get("Content-Type") or ""
        if "json" in content_type:
            data = json.loads(self._body or b"{}")
            paths, expand = data.get("paths") or [], bool(data.get("expand"))
        else:
            form = parse_qs(self._body.decode(), keep_blank_values=True)
            paths = form.get("paths", [])
            expand = (form.get("expand") or ["false"])[0].lower() in ("1", "true")
        if isinstance(paths, str):
            paths = [paths]
        out = []
        for path in paths:
            entry = revision.entry(str(path).strip("/"))
            if entry is not None:
                out.append(self._entry_extras(entry, revision) if expand else entry)
        self._send_json(out, {"X-Repo-Commit": revision.sha})

    def _refs(self, repo: Repo) -> None:
        out: dict[str, list] = {"branches": [], "converts": [], "tags": []}
        include_prs = self._query.get("include_prs", ["0"])[0].lower() in ("1", "true")
        if include_prs:
            out["pullRequests"] = []
        for ref in repo.refs():
            revision = repo.revision(ref)
            if revision is None:
                continue
            if ref.startswith("refs/convert/"):
                out["converts"].append(
                    {"name": ref.rsplit("/", 1)[1], "ref": ref, "targetCommit": revision.sha}
                )
            elif ref.startswith("refs/tags/"):
                out["tags"].append(
                    {"name": ref[len("refs/tags/") :], "ref": ref, "targetCommit": revision.sha}
                )
            elif ref.startswith("refs/pr/"):
                if include_prs:
                    out["pullRequests"].append({"name": ref, "ref": ref, "targetCommit": revision.sha})
            else:
                out["branches"].append(
                    {"name": ref, "ref": f"refs/heads/{ref}", "targetCommit": revision.sha}
                )
        self._send_json(out)

    def _parquet(self, repo: Repo, rest: list[str]) -> None:
        revision = repo.revision(PARQUET_REF)
        if revision is None:
            raise _HubError(404, f"Dataset {repo.repo_id} has no parquet conversion.", "RevisionNotFound")
        shards: dict[str, dict[str, list[FileEntry]]] = {}
        for path, entry in revision.files.items():
            parts = path.split("/")
            if len(parts) == 3 and parts[2].endswith(".parquet"):
                split = parts[1][len("partial-") :] if parts[1].startswith("partial-") else parts[1]
                shards.setdefault(parts[0], {}).setdefault(split, []).append(entry)
        base = f"{self._base_url()}/api/datasets/{repo.repo_id}/parquet"

        def urls(cfg: str, split: str) -> list[str]:
            return [f"{base}/{quote(cfg)}/{quote(split)}/{i}.parquet" for i in range(len(shards[cfg][split]))]

        if not rest:
            return self._send_json({c: {s: urls(c, s) for s in splits} for c, splits in shards.items()})
        cfg = rest[0]
        if cfg not in shards:
            raise _HubError(404, f"Config {cfg!r} not found in the parquet conversion of {repo.repo_id}.")
        if len(rest) == 1:
            return self._send_json({s: urls(cfg, s) for s in shards[cfg]})
        split = rest[1]
        if split not in shards[cfg]:
            raise _HubError(404, f"Split {split!r} not found in config {cfg!r} of {repo.repo_id}.")
        if len(rest) == 2:
            return self._send_json(urls(cfg, split))
        name = rest[2]
        index = name[: -len(".parquet")] if name.endswith(".parquet") else ""
        if len(rest) != 3 or not index.isdigit() or int(index) >= len(shards[cfg][split]):
            raise _HubError(
                404, f"Shard {name!r} not found in {cfg}/{split} of {repo.repo_id}.", "EntryNotFound"
            )
        entry = shards[cfg][split][int(index)]
        location = f"{self._base_url()}/datasets/{repo.repo_id}/resolve/{quote_revision(PARQUET_REF)}/{quote(entry.path)}"
        self._send_bytes(302, b"", {"Location": location})

    # ------------------------------------------------------------------------------------ files
    def _resolve(self, repo_id: str, rest: list[str]) -> None:
        repo = self._repo(repo_id)
        rev, path_segs = self._split_rev(repo, rest)
        revision = self._revision(repo, rev)
        path = "/".join(unquote(s) for s in path_segs)
        self._check_gate(repo, path)
        entry = revision.files.get(path)
        if entry is None:
            raise _HubError(404, f"Entry not found: {path} on {normalize_ref(rev)!r}", "EntryNotFound")
        headers = {"X-Repo-Commit": revision.sha}
        if self.hub.lfs_redirect and entry.sha256:
            self.hub.store.register_blob(entry)
            location = f"http://{self.hub.cdn_host}:{self.hub.port}/cdn/{entry.sha256}"
            headers.update(
                {
                    "Location": location,
                    "X-Linked-Etag": f'"{entry.sha256}"',
                    "X-Linked-Size": str(entry.size),
                    "ETag": f'"{entry.oid}"',
                }
            )
            return self._send_bytes(302, b"", headers)
        headers["ETag"] = f'"{entry.etag}"'
        self._send_file(entry.abspath, entry.size, headers, _content_type(path))

    def _cdn(self, sha256: str) -> None:
        path = self.hub.store.blob(sha256)
        if path is None or not path.is_file():
            raise _HubError(404, f"Blob {sha256} not found")
        self._send_file(path, path.stat().st_size, {"ETag": f'"{sha256}"'}, "application/octet-stream")

    def _send_file(self, abspath: Path, size: int, headers: dict[str, str], content_type: str) -> None:
        headers = {**headers, "Accept-Ranges": "bytes", "Content-Type": content_type}
        spec = self.headers.get("Range")
        start, end, status = 0, size - 1, 200
        if spec:
            parsed = _parse_range(spec, size)
            if parsed == "unsatisfiable":
                headers["Content-Range"] = f"bytes */{size}"
                return self._send_error(
                    416, f"Range {spec!r} not satisfiable for {size} bytes", None, headers
                )
            if parsed is not None:
                start, end = parsed
                status = 206
                headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        length = max(end - start + 1, 0)
        self._start(status, headers, length)
        if self._method == "HEAD" or length == 0:
            return

        def chunks():
            with open(abspath, "rb") as fh:
                fh.seek(start)
                left = length
                while left > 0:
                    chunk = fh.read(min(_CHUNK, left))
                    if not chunk:
                        break
                    left -= len(chunk)
                    yield chunk

        self._write(chunks())


def _parse_range(spec: str, size: int) -> tuple[int, int] | str | None:
    """``(start, end)`` inclusive for a ``Range`` header, ``"unsatisfiable"``, or None to ignore it.

    >>> _parse_range("bytes=0-9", 100), _parse_range("bytes=90-", 100), _parse_range("bytes=-10", 100)
    ((0, 9), (90, 99), (90, 99))
    >>> _parse_range("bytes=100-", 100), _parse_range("items=0-1", 100)
    ('unsatisfiable', None)
    """
    unit, _, ranges = spec.partition("=")
    if unit.strip().lower() != "bytes" or not ranges:
        return None
    first = ranges.split(",")[0].strip()
    a, sep, b = first.partition("-")
    if not sep:
        return None
    try:
        if a == "":
            n = int(b)
            if n <= 0 or size == 0:
                return "unsatisfiable"
            return max(size - n, 0), size - 1
        start = int(a)
        end = int(b) if b else size - 1
    except ValueError:
        return None
    if start < 0:
        return None
    if start >= size:
        return "unsatisfiable"
    if end < start:
        return None
    return start, min(end, size - 1)


def _content_type(path: str) -> str:
    lower = path.lower()
    if lower.endswith((".md", ".txt", ".csv")):
        return "text/plain; charset=utf-8"
    if lower.endswith((".json", ".jsonl")):
        return "application/json"
    return "application/octet-stream"


def _tags(card: dict) -> list[str]:
    tags = [str(t) for t in card.get("tags") or [] if isinstance(t, (str, int))]
    for key in ("license", "language", "task_categories"):
        values = card.get(key)
        for value in values if isinstance(values, list) else [values] if values else []:
            tags.append(f"{key}:{value}")
    return tags
