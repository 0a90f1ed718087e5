"""The emulator's request log: one :class:`RequestRecord` per request, thread-safe.

Examples
--------
>>> log = RequestLog()
>>> log.append(RequestRecord("GET", "/api/datasets/a/b", {}, {"Range": "bytes=-8"}, 206, 8))
>>> log.count("GET", "/api/datasets"), log.records()[0].range
(1, 'bytes=-8')
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from urllib.parse import unquote


@dataclass
class RequestRecord:
    """One request the emulator received (logged on arrival; status and bytes filled in as it is answered)."""

    method: str
    path: str
    """URL path as sent (percent-encoded), without the query."""
    query: dict[str, list[str]]
    headers: dict[str, str]
    status: int
    """Status sent; 0 when the connection was reset by a fault."""
    bytes_sent: int
    """Body bytes sent."""
    fault: str | None = None
    timestamp: float = field(default_factory=time.time)

    def header(self, name: str) -> str | None:
        """A request header by case-insensitive name, or None."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)

    @property
    def range(self) -> str | None:
        """The ``Range`` header, if any."""
        return self.header("Range")

    @property
    def decoded_path(self) -> str:
        return unquote(self.path)


class RequestLog:
    """A thread-safe list of :class:`RequestRecord`, oldest first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def records(self) -> list[RequestRecord]:
        """A copy of the log."""
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def filter(self, method: str | None = None, path_contains: str | None = None) -> list[RequestRecord]:
        """Records with this method and whose raw or decoded path contains ``path_contains``."""
        return [
            r
            for r in self.records()
            if (method is None or r.method == method.upper())
            and (path_contains is None or path_contains in r.path or path_contains in r.decoded_path)
        ]

    def count(self, method: str | None = None, path_contains: str | None = None) -> int:
        return len(self.filter(method, path_contains))
