"""Offline mode (warm: zero requests; cold: a clear error) and gated/private repos (token or a clear error)."""

from __future__ import annotations

import pytest

import polards as pds
from polards.exceptions import GatedRepoError, OfflineCacheMissError
from tests.hub.repos import TEST, TOKEN, TRAIN


@pytest.mark.parametrize("flag", ["HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"])
def test_offline_warm_cache_makes_zero_requests(env, monkeypatch, flag: str) -> None:
    online = pds.load_dataset("acme/configs", "main")
    monkeypatch.setenv(flag, "1")
    env.hub.reset_requests()
    offline = pds.load_dataset("acme/configs", "main")
    assert offline["train"].to_polars().equals(online["train"].to_polars())
    assert pds.load_dataset("acme/configs", "main", split="test[:5]")["id"] == list(range(5))
    assert pds.get_dataset_config_names("acme/configs") == ["main", "socratic"]
    assert pds.get_dataset_split_names("acme/configs", "main") == ["train", "test"]
    assert env.hub.count() == 0, [r.path for r in env.hub.requests]


def test_offline_convert_parquet_and_json_records(env, monkeypatch) -> None:
    pds.load_dataset("acme/convert")
    pds.load_dataset("acme/records")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    env.hub.reset_requests()
    assert len(pds.load_dataset("acme/convert", split="train")) == 7
    assert pds.load_dataset("acme/records", split="train")["id"] == list(range(12))
    assert env.hub.count() == 0


def test_offline_cold_cache_is_a_clear_error(env, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(OfflineCacheMissError, match="(?s)acme/qa.*'main'.*online"):
        pds.load_dataset("acme/qa")
    assert env.hub.count() == 0


def test_offline_partially_cached_names_missing_file(env, monkeypatch) -> None:
    pds.load_dataset("acme/qa", split="test")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(OfflineCacheMissError, match="acme/qa/data/train-00000-of-00002.parquet"):
        pds.load_dataset("acme/qa", split="train")
    assert isinstance(OfflineCacheMissError("x"), FileNotFoundError)


def test_offline_revision_sha(env, monkeypatch) -> None:
    sha = env.hub.commit_sha("acme/qa")
    pds.load_dataset("acme/qa", split="test", revision=sha)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    env.hub.reset_requests()
    assert len(pds.load_dataset("acme/qa", split="test", revision=sha)) == 30
    assert env.hub.count() == 0


def test_gated_without_token(env) -> None:
    with pytest.raises(GatedRepoError, match="(?s)acme/gated.*HF_TOKEN") as err:
        pds.load_dataset("acme/gated", split="train")
    assert isinstance(err.value, PermissionError)


def test_gated_wrong_token(env) -> None:
    with pytest.raises(GatedRepoError, match="(?s)acme/gated.*not accepted"):
        pds.load_dataset("acme/gated", split="train", token="hf_wrong")


def test_gated_with_token_argument_sends_it_on_every_request(env) -> None:
    ds = pds.load_dataset("acme/gated", split="train", token=TOKEN)
    assert ds.to_polars().equals(TRAIN[:20])
    reqs = [r for r in env.hub.requests if r.path.startswith(("/api/datasets", "/datasets"))]
    assert reqs and all(
        r.headers.get("authorization") == f"Bearer {TOKEN}"
        or r.headers.get("Authorization") == f"Bearer {TOKEN}"
        for r in reqs
    )


def test_gated_with_hf_token_env(env, monkeypatch) -> None:
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    assert len(pds.load_dataset("acme/gated", split="test")) == 5


def test_gated_streaming_with_token(env) -> None:
    it = pds.load_dataset("acme/gated", split="train", token=TOKEN, streaming=True)
    assert list(it) == TRAIN[:20].to_dicts()
    with pytest.raises(GatedRepoError):
        list(pds.load_dataset("acme/gated", split="train", streaming=True))


def test_private_repo(env) -> None:
    with pytest.raises(GatedRepoError, match="acme/private"):
        pds.load_dataset("acme/private")
    assert pds.load_dataset("acme/private", split="train", token=TOKEN)["id"] == [0, 1, 2, 3]
    assert (
        pds.load_dataset("acme/qa", split="test", token=TOKEN).to_polars().equals(TEST)
    )  # public + token fine


def test_offline_streaming_reads_cached_files(env, monkeypatch) -> None:
    pds.load_dataset("acme/qa", split="test")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    env.hub.reset_requests()
    assert [r["id"] for r in pds.load_dataset("acme/qa", split="test", streaming=True)] == list(range(30))
    assert env.hub.count() == 0
    with pytest.raises(OfflineCacheMissError, match="train-00000-of-00002"):
        pds.load_dataset("acme/qa", split="train", streaming=True)


def test_offline_force_redownload_uses_verified_cache(env, monkeypatch) -> None:
    pds.load_dataset("acme/qa", split="test")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    ds = pds.load_dataset("acme/qa", split="test", download_mode="force_redownload")
    assert ds.to_polars().equals(TEST)
