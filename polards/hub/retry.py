"""Bounded retries with exponential backoff for Hub requests.

Retried: HTTP 408/429/5xx (``Retry-After`` honoured up to ``max_backoff``), timeouts, refused or reset
connections, bodies cut short and bodies that are not the file (HTML, wrong bytes). Not retried: 4xx answers
such as 401/403/404, which are translated at once, and name-resolution failures (a wrong ``HF_ENDPOINT`` or no
DNS does not heal in seconds).

Two bounds, both from ``RetryPolicy.deadline`` (``POLARDS_HUB_DEADLINE``, default 50 s):

- per operation: one request's retries stop once ``deadline`` seconds have passed since its first attempt;
- per load / per stream: a :class:`FaultBudget` sums the seconds lost to failures -- failed attempts (a
  stalled request costs its timeout) plus backoff waits -- over every request of one ``load_dataset`` call or
  one pass over a streaming split. When it is spent, the next failure ends the load with
  :class:`~polards.exceptions.HubConnectionError`. Time spent on successful transfers is never charged, so a
  healthy multi-GB download is not cut short, while a Hub that stalls every other response ends a load in about
  ``deadline`` seconds instead of recovering request by request for minutes.

>>> from polards.hub.client import RetryPolicy
>>> calls = []
>>> def flaky(attempt):
...     calls.append(attempt)
...     if attempt < 2:
...         raise RetryableError("503 Service Unavailable")
...     return "ok"
>>> retry_call(flaky, RetryPolicy(backoff=0.0), what="demo")
'ok'
>>> calls
[0, 1, 2]
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from polards.exceptions import HubConnectionError

T = TypeVar("T")
logger = logging.getLogger("polards.hub")

RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class RetryableError(Exception):
    """A transient failure: the attempt may be repeated.

    Parameters
    ----------
    message
        What went wrong.
    retry_after
        Seconds the server asked to wait (``Retry-After``), if any.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds form only).

    >>> parse_retry_after("2"), parse_retry_after(None), parse_retry_after("soon")
    (2.0, None, None)
    """
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def check_response(response: Any) -> None:
    """Raise :class:`RetryableError` for a retryable status code; do nothing otherwise."""
    if response.status_code in RETRY_STATUS:
        raise RetryableError(
            f"HTTP {response.status_code} from {response.request.method} {response.url}",
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )


class FaultBudget:
    """Seconds of failures (failed attempts and backoff waits) one load or one stream may spend; thread-safe.

    >>> b = FaultBudget(1.0)
    >>> b.charge(0.4); b.left()
    0.6
    >>> b.charge(0.7); b.exhausted
    True
    """

    def __init__(self, limit: float) -> None:
        self.limit, self.spent = limit, 0.0
        self._lock = threading.Lock()

    def charge(self, seconds: float) -> None:
        with self._lock:
            self.spent += max(0.0, seconds)

    def left(self) -> float:
        return round(max(0.0, self.limit - self.spent), 6)

    @property
    def exhausted(self) -> bool:
        return self.spent >= self.limit

    def reset(self) -> None:
        with self._lock:
            self.spent = 0.0


_BUDGET: contextvars.ContextVar[FaultBudget | None] = contextvars.ContextVar(
    "polards_fault_budget", default=None
)


@contextlib.contextmanager
def fault_budget(limit: float) -> Iterator[FaultBudget]:
    """Charge the failures of every Hub request made inside the block (this thread) to one budget.

    Nested blocks share the outermost budget.
    """
    current = _BUDGET.get()
    if current is not None:
        yield current
        return
    budget = FaultBudget(limit)
    token = _BUDGET.set(budget)
    try:
        yield budget
    finally:
        _BUDGET.reset(token)


def current_budget() -> FaultBudget | None:
    """The budget of the enclosing :func:`fault_budget` block, if any."""
    return _BUDGET.get()


_NAME_RESOLUTION = (
    "name or service not known",
    "nodename nor servname",
    "temporary failure in name resolution",
    "getaddrinfo failed",
    "no address associated",
    "name resolution",
)


def is_name_resolution_error(exc: BaseException) -> bool:
    """A DNS failure anywhere in the exception chain (never retried)."""
    import socket

    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, socket.gaierror) or any(m in str(cur).lower() for m in _NAME_RESOLUTION):
            return True
        cur = cur.__cause__ or cur.__context__
    return False


def is_connect_error(exc: BaseException) -> bool:
    """No connection could be made (refused, unreachable, DNS): the Hub is down rather than slow."""
    try:
        import httpx2
    except ImportError:  # pragma: no cover
        return isinstance(exc, ConnectionRefusedError)
    return isinstance(exc, httpx2.ConnectError | ConnectionRefusedError) or is_name_resolution_error(exc)


def is_transient(exc: BaseException) -> bool:
    """Whether an exception from the HTTP stack is worth another attempt."""
    if is_name_resolution_error(exc):
        return False
    if isinstance(exc, RetryableError | TimeoutError | ConnectionError):
        return True
    try:
        import httpx2
    except ImportError:  # pragma: no cover - huggingface_hub always brings it
        return False
    if isinstance(exc, httpx2.TransportError | httpx2.StreamError):
        return True
    status = getattr(getattr(exc, "response", None), "status_code", None)
    return status in RETRY_STATUS


def retry_call(
    fn: Callable[[int], T],
    policy: Any,
    *,
    what: str,
    on_give_up: Callable[[BaseException], BaseException] | None = None,
    budget: FaultBudget | None = None,
) -> T:
    """Call ``fn(attempt)`` until it returns, retrying transient failures within ``policy``'s bounds.

    Parameters
    ----------
    fn
        The operation; receives the 0-based attempt number (a download uses it to resume).
    policy
        A :class:`~polards.hub.client.RetryPolicy`.
    what
        Names the operation in log lines and in the final error.
    on_give_up
        Builds the exception raised when the budget is spent (default: :class:`HubConnectionError`).
    budget
        The load's or stream's :class:`FaultBudget` (default: the enclosing :func:`fault_budget`, if any).
    """
    budget = budget if budget is not None else _BUDGET.get()
    start = time.monotonic()
    attempt = 0
    while True:
        began = time.monotonic()
        try:
            return fn(attempt)
        except BaseException as exc:
            if not is_transient(exc):
                if on_give_up is not None and isinstance(exc, Exception):
                    raise on_give_up(exc) from exc  # translated (a polards error passes through unchanged)
                raise
            wait = min(policy.max_backoff, policy.backoff * (2**attempt))
            retry_after = getattr(exc, "retry_after", None)
            if retry_after is not None:
                wait = min(policy.max_backoff, max(wait, retry_after))
            now = time.monotonic()
            elapsed = now - start
            if budget is not None:
                budget.charge(now - began)
            spent = budget is not None and budget.spent + wait > budget.limit
            if attempt >= policy.max_retries or elapsed + wait > policy.deadline or spent:
                if spent:
                    first = (str(exc).strip().splitlines() or [""])[0]
                    spent_exc = RetryableError(
                        f"{type(exc).__name__}: {first}; the fault budget of this load or stream "
                        f"({budget.limit:g}s of failed attempts and retry waits, POLARDS_HUB_DEADLINE) is spent"
                    )
                    spent_exc.__cause__ = exc
                    exc = spent_exc
                if on_give_up is not None:
                    raise on_give_up(exc) from exc
                msg = (
                    f"{what} failed after {attempt + 1} attempt(s) in {elapsed:.1f}s: "
                    f"{type(exc).__name__}: {exc}"
                )
                raise HubConnectionError(msg) from exc
            logger.warning("%s: %s (attempt %d), retrying in %.2fs", what, exc, attempt + 1, wait)
            time.sleep(wait)
            if budget is not None:
                budget.charge(wait)
            attempt += 1
