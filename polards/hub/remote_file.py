"""A seekable, read-only file over HTTP range requests, with auth and bounded retries on every block.

Used where Polars' own HTTP reader cannot go: gated/private repos (Polars drops ``Authorization`` headers on
http(s) URLs), parquet footers read through pyarrow, and line-by-line streaming of (compressed) JSON Lines. Each
block is one ``Range`` GET retried on its own, so a dropped connection costs one block, not the whole file.
"""

from __future__ import annotations

import io
from typing import Any

from polards.hub.client import HubSettings, raise_for_status, session, translate_error
from polards.hub.retry import RetryableError, check_response, retry_call


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
    """

    def __init__(
        self, settings: HubSettings, repo_id: str, url: str, size: int, block_size: int = 4 << 20
    ) -> None:
        super().__init__()
        self.settings, self.repo_id, self.url, self.size = settings, repo_id, url, size
        self.block_size = block_size
        self._pos = 0
        self._buf_start = 0
        self._buf = b""
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

    def _fetch(self, start: int, end: int) -> bytes:
        """Bytes ``[start, end)``, retried as a unit."""
        headers = self.settings.headers()
        headers["Range"] = f"bytes={start}-{end - 1}"
        headers["Accept-Encoding"] = "identity"

        def attempt(_: int) -> bytes:
            self.requests += 1
            resp = session().get(
                self.url, headers=headers, timeout=self.settings.retry.timeout, follow_redirects=True
            )
            check_response(resp)
            raise_for_status(resp, self.repo_id, self.settings, what=self.url.rsplit("/", 1)[-1])
            data = resp.content
            if resp.status_code == 200:  # server ignored Range
                data = data[start:end]
            if len(data) != end - start:
                raise RetryableError(f"range {start}-{end - 1} of {self.url} returned {len(data)} bytes")
            return data

        return retry_call(
            attempt,
            self.settings.retry,
            what=f"range read of {self.url}",
            on_give_up=lambda exc: translate_error(exc, self.repo_id, self.settings, self.url),
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
        start = max(0, self.size - n)
        self._buf, self._buf_start = self._fetch(start, self.size), start
        return self._buf
