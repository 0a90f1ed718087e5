"""Environment read at call time; progress bars on and off."""

from __future__ import annotations

import polars as pl

import polards as pds
from polards.testing.hub import write_repo
from tests.hub.conftest import make_env


def test_endpoint_and_cache_switch_between_calls(env, hub_factory, monkeypatch, tmp_path) -> None:
    root = tmp_path / "other"
    write_repo(root, "acme/qa", {"data/train-00000-of-00001.parquet": pl.DataFrame({"id": [7]})})
    other = hub_factory(root)
    assert len(pds.load_dataset("acme/qa", split="train")) == 100
    make_env(other, monkeypatch, tmp_path / "home2")  # new HF_ENDPOINT + HF_HOME in the same process
    assert pds.load_dataset("acme/qa", split="train")["id"] == [7]
    assert other.count(path_contains="/api/datasets/acme/qa") >= 1
    assert (tmp_path / "home2" / "hub" / "datasets--acme--qa").is_dir()


def test_progress_bars_follow_env(env, monkeypatch, capsys) -> None:
    # the suite turns both switches on (tests/conftest.py); the download bar needs both off
    monkeypatch.delenv("HF_DATASETS_DISABLE_PROGRESS_BARS")
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    pds.load_dataset("acme/qa", split="train")
    assert "Downloading" not in capsys.readouterr().err
    monkeypatch.delenv("HF_HUB_DISABLE_PROGRESS_BARS")
    monkeypatch.setenv("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    pds.load_dataset("acme/qa", split="train", download_mode="force_redownload")
    assert "Downloading" not in capsys.readouterr().err
    monkeypatch.delenv("HF_DATASETS_DISABLE_PROGRESS_BARS")
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    monkeypatch.delenv("HF_HUB_DISABLE_PROGRESS_BARS")
    pds.load_dataset("acme/qa", split="test")
    assert "Downloading acme/qa" in capsys.readouterr().err
    it = pds.load_dataset("acme/qa", split="train", streaming=True)
    assert "shard" not in capsys.readouterr().err  # nothing printed before streaming starts
    assert len(list(it)) == 100
    err = capsys.readouterr().err
    assert "acme/qa train" in err and "/2 " in err  # a shard bar over the 2 shards
    list(pds.load_dataset("acme/synonyms", split="train", streaming=True))  # one shard: no shard bar
    assert "shard" not in capsys.readouterr().err


def test_hf_clients_follow_settings(env) -> None:
    from polards.hub.client import hf_api, hf_file_system, hub_settings

    settings = hub_settings()
    assert hf_api(settings).dataset_info("acme/qa").sha == env.hub.commit_sha("acme/qa")
    files = hf_file_system(settings).ls("datasets/acme/qa/data", detail=False)
    assert "datasets/acme/qa/data/test-00000-of-00001.parquet" in files
