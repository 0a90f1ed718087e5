"""Fault injection for the Hub emulator: error statuses, latency, truncated bodies and connection resets.

A fault matches requests by URL path (glob, or regex with a ``re:`` prefix or a compiled pattern), fires a
given number of ``times`` and then heals.

Examples
--------
>>> faults = FaultInjector()
>>> f = faults.add("*/resolve/*/data/*.parquet", status=503, times=2)
>>> faults.take("GET", "/datasets/a/b/resolve/main/data/x.parquet") is f
True
>>> _ = faults.take("GET", "/datasets/a/b/resolve/main/data/x.parquet")
>>> faults.take("GET", "/datasets/a/b/resolve/main/data/x.parquet") is None  # healed after 2 times
True
>>> f.hits
2
"""

from __future__ import annotations

import fnmatch
import re
import threading
from dataclasses import dataclass, field
from urllib.parse import unquote


@dataclass
class Fault:
    """One injected fault. ``remaining=None`` means it never heals (until cleared)."""

    pattern: str | re.Pattern
    status: int | None = None
    times: int | None = 1
    latency: float = 0.0
    truncate_after: int | None = None
    stall: float = 0.0
    corrupt: bool = False
    reset: bool = False
    retry_after: float | int | None = None
    method: str | None = None
    message: str | None = None
    corrupt_bytes: int = 0
    html: bool = False
    every: int = 1
    hits: int = 0
    remaining: int | None = field(default=None, repr=False)
    seen: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        self.remaining = self.times
        if self.corrupt_bytes:
            self.corrupt = True
        if isinstance(self.pattern, str) and self.pattern.startswith("re:"):
            self._regex: re.Pattern | None = re.compile(self.pattern[3:])
        elif isinstance(self.pattern, re.Pattern):
            self._regex = self.pattern
        else:
            self._regex = None

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to ``method`` on the (raw or percent-decoded) URL ``path``."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        candidates = {path, unquote(path)}
        if self._regex is not None:
            return any(self._regex.search(c) for c in candidates)
        return any(fnmatch.fnmatchcase(c, self.pattern) for c in candidates)

    @property
    def active(self) -> bool:
        return self.remaining is None or self.remaining > 0

    @property
    def kind(self) -> str:
        """A short label for the request log: ``reset``, ``status:503``, ``truncate``, ``corrupt``, ``latency``."""
        if self.reset:
            return "reset"
        if self.status is not None:
            return f"status:{self.status}"
        if self.html:
            return "html"
        if self.truncate_after is not None:
            return "truncate"
        if self.corrupt:
            return "corrupt"
        return "latency"


class FaultInjector:
    """The set of faults of one emulator; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(
        self,
        pattern: str | re.Pattern,
        status: int | None = None,
        *,
        times: int | None = 1,
        latency: float = 0.0,
        truncate_after: int | None = None,
        stall: float = 0.0,
        corrupt: bool = False,
        reset: bool = False,
        retry_after: float | int | None = None,
        method: str | None = None,
        message: str | None = None,
        corrupt_bytes: int = 0,
        html: bool = False,
        every: int = 1,
    ) -> Fault:
        """Inject a fault on requests whose URL path matches ``pattern``.

        Parameters
        ----------
        pattern
            ``fnmatch`` glob on the whole URL path (``*`` crosses ``/``), e.g. ``"*/resolve/*/train-*"``;
            a string starting with ``re:`` or a compiled pattern is searched as a regex instead. The raw
            (percent-encoded) and the decoded path are both tried.
        status
            Answer with this HTTP status (JSON error body, ``X-Error-Message``) instead of serving.
        times
            How many matching requests the fault fires on before it heals; None for ever.
        latency
            Seconds to sleep before answering (alone or with another fault kind).
        truncate_after
            Send the real headers (full ``Content-Length``) and this many body bytes, then close.
        stall
            With ``truncate_after``: seconds to hang after those bytes before closing (a server that stops
            sending mid-body, for read-timeout tests).
        corrupt
            Serve the real headers (ETag, Content-Length) with wrong bytes: the first body byte is flipped.
        reset
            Close the connection abruptly (TCP RST) without any response.
        retry_after
            Value of the ``Retry-After`` header sent with ``status`` (e.g. for 429).
        method
            Only match this HTTP method (``GET``, ``HEAD``, ``POST``); None for all.
        message
            Error message for ``status`` faults.
        corrupt_bytes
            Flip this many bytes in the middle of the body (implies ``corrupt``; real headers kept).
        html
            Answer ``200 text/html`` with an HTML page (a captive portal, a proxy or CDN error page) instead of
            the resource; with ``status`` the page is sent with that status.
        every
            Fire on every ``every``-th matching request only (``every=2``: the 2nd, 4th ...); the others pass
            untouched and do not count against ``times``.
        """
        if stall and truncate_after is None:
            raise ValueError(f"Fault on {pattern!r}: stall= needs truncate_after= (where the body stalls).")
        if every < 1:
            raise ValueError(f"Fault on {pattern!r}: every must be >= 1, got {every}.")
        if (
            status is None
            and truncate_after is None
            and not reset
            and not latency
            and not corrupt
            and not corrupt_bytes
            and not html
        ):
            raise ValueError(
                f"Fault on {pattern!r} does nothing: give status=, truncate_after=, corrupt=True, reset=True "
                "or latency=."
            )
        if times is not None and times < 1:
            raise ValueError(f"Fault on {pattern!r}: times must be >= 1 or None, got {times}.")
        fault = Fault(
            pattern,
            status=status,
            times=times,
            latency=latency,
            truncate_after=truncate_after,
            stall=stall,
            corrupt=corrupt,
            reset=reset,
            retry_after=retry_after,
            method=method,
            message=message,
            corrupt_bytes=corrupt_bytes,
            html=html,
            every=every,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The first active fault matching the request, with one of its ``times`` consumed; else None."""
        with self._lock:
            for fault in self._faults:
                if fault.active and fault.matches(method, path):
                    fault.seen += 1
                    if fault.seen % fault.every:
                        continue
                    fault.hits += 1
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault
        return None

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    def __len__(self) -> int:
        with self._lock:
            return sum(f.active for f in self._faults)

    def __iter__(self):
        with self._lock:
            return iter(list(self._faults))
