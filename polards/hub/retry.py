"""Bounded retries with exponential backoff for Hub requests.

Retried: HTTP 408/429/5xx (``Retry-After`` honoured up to ``max_backoff``), timeouts, refused or reset
connections and bodies cut short. Not retried: 4xx answers such as 401/403/404, which are translated at once.
Every operation ends within ``RetryPolicy.deadline`` seconds (plus one request timeout), either with a result
or with :class:`~polards.exceptions.HubConnectionError`.

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

import logging
import time
from collections.abc import Callable
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


def is_transient(exc: BaseException) -> bool:
    """Whether an exception from the HTTP stack is worth another attempt."""
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
    """
    start = time.monotonic()
    attempt = 0
    while True:
        try:
            return fn(attempt)
        except BaseException as exc:
            if not is_transient(exc):
                raise
            wait = min(policy.max_backoff, policy.backoff * (2**attempt))
            retry_after = getattr(exc, "retry_after", None)
            if retry_after is not None:
                wait = min(policy.max_backoff, max(wait, retry_after))
            elapsed = time.monotonic() - start
            if attempt >= policy.max_retries or elapsed + wait > policy.deadline:
                if on_give_up is not None:
                    raise on_give_up(exc) from exc
                msg = (
                    f"{what} failed after {attempt + 1} attempt(s) in {elapsed:.1f}s: "
                    f"{type(exc).__name__}: {exc}"
                )
                raise HubConnectionError(msg) from exc
            logger.warning("%s: %s (attempt %d), retrying in %.2fs", what, exc, attempt + 1, wait)
            time.sleep(wait)
            attempt += 1
