"""Retry policy units: bounded attempts, Retry-After, deadline, non-transient errors pass through."""

from __future__ import annotations

import time

import pytest

from polards.exceptions import HubConnectionError
from polards.hub.client import RetryPolicy, hub_settings
from polards.hub.retry import RetryableError, retry_call


def test_gives_up_after_max_retries() -> None:
    calls = []

    def always(attempt: int) -> None:
        calls.append(attempt)
        raise ConnectionResetError("reset by peer")

    with pytest.raises(HubConnectionError, match="demo failed after 3 attempt"):
        retry_call(always, RetryPolicy(max_retries=2, backoff=0.0), what="demo")
    assert calls == [0, 1, 2]


def test_retry_after_is_honoured_and_capped() -> None:
    waits = []
    start = time.monotonic()

    def once(attempt: int) -> str:
        waits.append(time.monotonic() - start)
        if attempt == 0:
            raise RetryableError("429", retry_after=100)
        return "ok"

    assert retry_call(once, RetryPolicy(backoff=0.0, max_backoff=0.2), what="x") == "ok"
    assert 0.15 < waits[1] < 1.0


def test_deadline_stops_retrying() -> None:
    def slow(attempt: int) -> None:
        time.sleep(0.1)
        raise TimeoutError("slow")

    start = time.monotonic()
    with pytest.raises(HubConnectionError):
        retry_call(slow, RetryPolicy(max_retries=100, backoff=0.05, max_backoff=0.05, deadline=0.5), what="x")
    assert time.monotonic() - start < 1.5


def test_non_transient_errors_are_not_retried() -> None:
    calls = []

    def bad(attempt: int) -> None:
        calls.append(attempt)
        raise ValueError("bug")

    with pytest.raises(ValueError):
        retry_call(bad, RetryPolicy(backoff=0.0), what="x")
    assert calls == [0]


def test_settings_read_environment_at_call_time(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9/")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_TOKEN", "hf_abc")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("POLARDS_HUB_MAX_RETRIES", "7")
    s = hub_settings()
    assert s.endpoint == "http://127.0.0.1:9"
    assert s.cache_dir == str(tmp_path / "hub")
    assert s.token == "hf_abc" and s.headers()["authorization"] == "Bearer hf_abc"
    assert s.offline and s.retry.max_retries == 7
    assert hub_settings(token=False).token is None
    assert "authorization" not in {k.lower() for k in hub_settings(token=False).headers()}
