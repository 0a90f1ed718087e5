"""A seekable, read-only file over HTTP range requests, with auth, bounded retries and checks on every block.

Used where Polars' own HTTP reader cannot go: gated/private repos (Polars drops ``Authorization`` headers on
http(s) URLs), parquet footers read through pyarrow, and line-by-line streaming of (compressed) JSON Lines. Each
block is one ``Range`` GET retried on its own, so a dropped connection costs one block, not the whole file.

What each range response must pass before its bytes are used (else it is discarded and fetched again, once,
from a fresh request; a second bad body is an :class:`~polards.exceptions.IntegrityError`):

- not an HTML page (``Content-Type: text/html`` or ``<html`` first bytes, for a file that is not ``.html``);
- the ETag, when sent, is the tree's checksum of the file;
- ``206`` with a ``Content-Range`` equal to the requested range and the file's size (a ``200`` must carry the
  whole file), and exactly the requested number of bytes.

Content checks (the Hub offers one checksum per file, no per-block hashes):

- :meth:`RemoteFile.load_verified` fetches the whole file and checks its sha256 / git blob sha1 before any byte
  is handed out (refetching once on a mismatch): used for streamed files up to ``POLARDS_STREAM_VERIFY_BYTES``;
- otherwise reads that run contiguously from byte 0 are hashed as they arrive; when they reach the end of the
  file the checksum is compared *before* the last block is returned (sequential text streams are fully checked
  this way, the mismatch surfacing at the end of the shard).
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

from polards.exceptions import IntegrityError
from polards.hub.client import HubSettings, raise_for_status, session, translate_error
from polards.hub.download import BadBodyError, looks_like_html, served_etag
from polards.hub.retry import FaultBudget, RetryableError, check_response, retry_call

WHOLE_FETCH = 8 << 20  # range size when a whole file is fetched for verification


def new_hasher(etag: str, size: int) -> Any:
    """The hash object ``etag`` was computed with: sha256 (64 hex digits) or the git blob sha1 (40)."""
    return hashlib.sha256() if len(etag) == 64 else hashlib.sha1(b"blob %d\0" % size)


class RemoteFile(io.RawIOBase):
    """Read ``url`` (of known ``size``) by byte ranges.

    Parameters
    ----------
    settings
        Endpoint, token and retry policy.
    repo_id
        Named in errors.
    url
        A resolve URL pinned to a commit sha.
    size
        Total size in bytes (from the repo tree).
    block_size
        Smallest range fetched per request (reads ahead up to this many bytes).
    etag
        The tree's checksum of the file (sha256 or git blob oid): checked against the ETag of each response
        and against the bytes when they cover the file.
    name
        How errors name the file (``repo@sha/path``).
    budget
        The stream's :class:`~polards.hub.retry.FaultBudget` (charged by every failed attempt).
    """

    def __init__(
        self,
        settings: HubSettings,
        repo_id: str,
        url: str,
        size: int,
        block_size: int = 4 << 20,
        *,
        etag: str | None = None,
        name: str | None = None,
        budget: FaultBudget | None = None,
    ) -> None:
        super().__init__()
        self.settings, self.repo_id, self.url, self.size = settings, repo_id, url, size
        self.block_size = block_size
        self.etag, self.budget = etag, budget
        self.name = name or url
        self._pos = 0
        self._buf_start = 0
        self._buf = b""
        self._bad_bodies = 0
        self._hasher = new_hasher(etag, size) if etag else None
        self._hashed = 0
        self.verified = False
        self.requests = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    # ------------------------------------------------------------------------------------------- one range
    def _check_response(self, resp: Any, start: int, end: int, data: bytes) -> bytes:
        if looks_like_html(resp.headers.get("Content-Type"), data[:64], self.name):
            raise BadBodyError(
                f"the Hub answered a range read of {self.name} with an HTML page (Content-Type: "
                f"{resp.headers.get('Content-Type') or 'none'}, HTTP {resp.status_code}): {data[:80]!r}"
            )
        served = served_etag(resp.headers)
        if self.etag and served and len(served) in (40, 64) and served != self.etag:
            raise BadBodyError(f"a range read of {self.name} came with ETag {served!r}, not {self.etag!r}")
        if resp.status_code == 200:  # server ignored Range: only a whole file is usable
            if len(data) != self.size:
                raise BadBodyError(
                    f"a range read of {self.name} got HTTP 200 with {len(data)} of {self.size} bytes"
                )
            return data[start:end]
        expected = f"bytes {start}-{end - 1}/"
        content_range = resp.headers.get("Content-Range") or ""
        total = content_range.rpartition("/")[2]
        if not content_range.startswith(expected) or total not in ("*", str(self.size)):
            raise BadBodyError(
                f"a range read of {self.name} asked for bytes {start}-{end - 1} of {self.size} and got "
                f"Content-Range {content_range!r}"
            )
        if len(data) != end - start:
            raise RetryableError(f"range {start}-{end - 1} of {self.name} returned {len(data)} bytes")
        return data

    def _fetch(self, start: int, end: int) -> bytes:
        """Bytes ``[start, end)``, checked and retried as a unit."""
        headers = self.settings.headers()
        headers["Range"] = f"bytes={start}-{end - 1}"
        headers["Accept-Encoding"] = "identity"

        def attempt(_: int) -> bytes:
            self.requests += 1
            resp = session().get(
                self.url, headers=headers, timeout=self.settings.retry.timeout, follow_redirects=True
            )
            check_response(resp)
            raise_for_status(resp, self.repo_id, self.settings, what=self.name)
            try:
                return self._check_response(resp, start, end, resp.content)
            except BadBodyError as err:
                self._bad_bodies += 1
                if self._bad_bodies > 1:  # one fresh retry after a bad body, then a clear error
                    raise IntegrityError(f"Could not read {self.name}: twice {err}.") from err
                raise

        data = retry_call(
            attempt,
            self.settings.retry,
            what=f"range read of {self.name}",
            on_give_up=lambda exc: translate_error(exc, self.repo_id, self.settings, self.name),
            budget=self.budget,
        )
        self._hash_contiguous(start, data)
        return data

    def _hash_contiguous(self, start: int, data: bytes) -> None:
        if self._hasher is None or self.verified or start != self._hashed:
            return
        self._hasher.update(data)
        self._hashed += len(data)
        if self._hashed >= self.size:
            digest = self._hasher.hexdigest()
            self._hasher = None
            if digest != self.etag:
                raise IntegrityError(
                    f"Checksum mismatch streaming {self.name}: the bytes read hash to {digest}, the Hub lists "
                    f"{self.etag}. Rows read before the end of this file may be wrong; nothing was cached. "
                    "Hint: raise POLARDS_STREAM_VERIFY_BYTES above the file size to verify before reading."
                )
            self.verified = True

    # ------------------------------------------------------------------------------------------- whole file
    def load_verified(self) -> None:
        """Fetch the whole file, check it against ``etag`` (one fresh refetch on a mismatch), keep it buffered."""
        if not self.etag:
            raise ValueError(f"{self.name}: no checksum to verify against")
        digest = ""
        for _ in range(2):
            hasher = new_hasher(self.etag, self.size)
            self._hasher = None  # whole-file hashing below
            parts = []
            for start in range(0, self.size, WHOLE_FETCH):
                part = self._fetch(start, min(self.size, start + WHOLE_FETCH))
                hasher.update(part)
                parts.append(part)
            digest = hasher.hexdigest()
            if digest == self.etag:
                self._buf, self._buf_start, self.verified = b"".join(parts), 0, True
                return
        raise IntegrityError(
            f"Checksum mismatch streaming {self.name}: twice the bytes served hash to {digest}, the Hub lists "
            f"{self.etag}. No row was read from it."
        )

    def readinto(self, b: Any) -> int:
        want = min(len(b), self.size - self._pos)
        if want <= 0:
            return 0
        off = self._pos - self._buf_start
        if not (0 <= off and off + want <= len(self._buf)):
            end = min(self.size, self._pos + max(want, self.block_size))
            self._buf, self._buf_start, off = self._fetch(self._pos, end), self._pos, 0
        b[:want] = self._buf[off : off + want]
        self._pos += want
        return want

    def read_tail(self, n: int) -> bytes:
        """The last ``n`` bytes (one request), kept buffered for the reads that follow."""
        if self.verified and self._buf_start == 0 and len(self._buf) == self.size:
            return self._buf[max(0, self.size - n) :]
        start = max(0, self.size - n)
        self._buf, self._buf_start = self._fetch(start, self.size), start
        return self._buf
