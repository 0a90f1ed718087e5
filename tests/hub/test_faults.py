"""Injected faults: each kind is recovered within the retry bound or ends in a clear error, fast; the cache is
left without partial or corrupt files either way."""

from __future__ import annotations

import time

import pytest

import polards as pds
from polards.exceptions import HubConnectionError
from tests.hub.conftest import assert_cache_clean
from tests.hub.repos import TEST

FILE = "*/resolve/*/data/test-00000-of-00001.parquet"
INFO = "*/api/datasets/acme/qa/revision/*"


def _load():
    return pds.load_dataset("acme/qa", split="test")


@pytest.mark.parametrize(
    ("pattern", "fault"),
    [
        (FILE, {"status": 503, "times": 2}),
        (FILE, {"status": 500, "times": 1}),
        (FILE, {"status": 429, "retry_after": 0, "times": 2}),
        (FILE, {"reset": True, "times": 2}),
        (FILE, {"truncate_after": 300, "times": 2}),
        (INFO, {"status": 503, "times": 2}),
        (INFO, {"reset": True, "times": 1}),
        ("*/api/datasets/acme/qa/tree/*", {"status": 502, "times": 1}),
        ("*/resolve/*/README.md", {"truncate_after": 5, "times": 1}),
    ],
    ids=[
        "503x2",
        "500",
        "429x2",
        "reset",
        "truncated",
        "info-503",
        "info-reset",
        "tree-502",
        "readme-truncated",
    ],
)
def test_transient_fault_recovers(env, pattern: str, fault: dict) -> None:
    injected = env.hub.faults.add(pattern, **fault)
    ds = _load()
    assert ds.to_polars().equals(TEST)
    assert injected.hits == fault["times"]
    assert_cache_clean(env.cache_dir)


def test_truncated_body_resumes_with_range(env) -> None:
    env.hub.faults.add(FILE, truncate_after=300, times=1)
    _load()
    gets = env.hub.filter(method="GET", path_contains="data/test-00000-of-00001.parquet")
    assert [g.range for g in gets] == [None, "bytes=300-"]


def test_429_retry_after_waits(env) -> None:
    env.hub.faults.add(FILE, status=429, retry_after=1, times=1)
    start = time.monotonic()
    _load()
    assert time.monotonic() - start >= 0.45  # Retry-After 1 s, capped by POLARDS_HUB_MAX_BACKOFF=0.5


def test_latency_past_timeout_then_heals(env, monkeypatch) -> None:
    monkeypatch.setenv("POLARDS_HUB_TIMEOUT", "0.3")
    env.hub.faults.add(FILE, latency=1.0, times=1)
    start = time.monotonic()
    assert len(_load()) == 30
    assert time.monotonic() - start < 5
    assert_cache_clean(env.cache_dir)


@pytest.mark.parametrize(
    ("pattern", "fault", "named"),
    [
        (FILE, {"status": 503}, "test-00000-of-00001.parquet"),
        (FILE, {"reset": True}, "test-00000-of-00001.parquet"),
        (FILE, {"truncate_after": 100}, "test-00000-of-00001.parquet"),
        (FILE, {"latency": 1.0}, "test-00000-of-00001.parquet"),
        (INFO, {"status": 500}, "acme/qa"),
        (INFO, {"latency": 1.0}, "acme/qa"),
    ],
    ids=[
        "503-forever",
        "reset-forever",
        "truncated-forever",
        "slow-forever",
        "info-500-forever",
        "info-slow",
    ],
)
def test_permanent_fault_is_a_clear_error_fast(
    env, monkeypatch, pattern: str, fault: dict, named: str
) -> None:
    monkeypatch.setenv("POLARDS_HUB_TIMEOUT", "0.3")
    env.hub.faults.add(pattern, times=None, **fault)
    start = time.monotonic()
    with pytest.raises(HubConnectionError, match=named) as err:
        _load()
    assert time.monotonic() - start < 15
    assert env.hub.endpoint in str(err.value) or "attempt" in str(err.value)
    assert_cache_clean(env.cache_dir)
    env.hub.faults.clear()
    assert len(_load()) == 30  # and the next call, with the Hub healthy, works


def test_default_policy_gives_up_within_60s(env, monkeypatch) -> None:
    """With the shipped defaults (no test overrides), a dead endpoint ends in HubConnectionError < 60 s."""
    for key in (
        "POLARDS_HUB_BACKOFF",
        "POLARDS_HUB_MAX_BACKOFF",
        "POLARDS_HUB_MAX_RETRIES",
        "POLARDS_HUB_DEADLINE",
    ):
        monkeypatch.delenv(key, raising=False)
    from polards.hub.client import RetryPolicy

    policy = RetryPolicy.from_env()
    worst = sum(min(policy.max_backoff, policy.backoff * 2**i) for i in range(policy.max_retries))
    worst += (policy.max_retries + 1) * policy.timeout
    assert min(worst, policy.deadline + policy.timeout) < 60
