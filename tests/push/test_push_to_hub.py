"""push_to_hub end to end through huggingface_hub's upload API and the emulator's write routes: what polards
pushes loads in `datasets` and polards, and what `datasets` pushes loads in polards."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

import polards as pds
from polards.testing.hub.repo import DEFAULT_TOKEN

FEATURES = pds.Features({"q": pds.Value("string"), "label": pds.ClassLabel(names=["neg", "pos"])})


@pytest.fixture
def writable(hub_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from polards.testing.pytest_plugin import apply_hf_env

    root = tmp_path / "repos"
    root.mkdir()
    hub = hub_factory(root)
    home = tmp_path / "hf"
    home.mkdir()
    env = apply_hf_env(monkeypatch, hub.endpoint, home)
    monkeypatch.setenv("HF_TOKEN", DEFAULT_TOKEN)
    return hub, root, env


def _card(root: Path, repo: str) -> dict:
    text = (root / repo / "README.md").read_text()
    return yaml.safe_load(text.split("---")[1])


def test_dataset_push_writes_datasets_layout_and_loads_back(writable) -> None:
    hub, root, _ = writable
    ds = pds.Dataset.from_dict({"q": ["a", "b", "c"], "label": [0, 1, 0]}, features=FEATURES)
    info = ds.push_to_hub("me/plain", num_shards=2)
    assert info.oid == hub.commit_sha("me/plain")
    assert sorted(p.name for p in (root / "me/plain/data").iterdir()) == [
        "train-00000-of-00002.parquet",
        "train-00001-of-00002.parquet",
    ]
    card = _card(root, "me/plain")
    assert card["configs"] == [
        {"config_name": "default", "data_files": [{"split": "train", "path": "data/train-*"}]}
    ]
    assert card["dataset_info"]["splits"][0]["num_examples"] == 3
    back = pds.load_dataset("me/plain", split="train")
    assert back.to_dict() == ds.to_dict() and back.features == FEATURES

    # a second push of a test split keeps train, and a re-push with one shard deletes the stale ones
    ds.select([0]).push_to_hub("me/plain", split="test")
    ds.push_to_hub("me/plain")
    assert sorted(p.name for p in (root / "me/plain/data").iterdir()) == [
        "test-00000-of-00001.parquet",
        "train-00000-of-00001.parquet",
    ]
    card = _card(root, "me/plain")
    assert [d["split"] for d in card["configs"][0]["data_files"]] == ["train", "test"]
    assert {s["name"]: s["num_examples"] for s in card["dataset_info"]["splits"]} == {"train": 3, "test": 1}


def test_dataset_dict_push_config_private_and_pr(writable) -> None:
    hub, root, _ = writable
    ds = pds.Dataset.from_dict({"q": ["a", "b", "c"], "label": [0, 1, 0]}, features=FEATURES)
    dd = pds.DatasetDict({"train": ds, "test": ds.select([2])})
    dd.push_to_hub("me/dict", config_name="cfg", private=True)
    assert (root / "me/dict/cfg/test-00000-of-00001.parquet").is_file()
    card = _card(root, "me/dict")
    assert card["dataset_info"]["config_name"] == "cfg"
    assert pds.load_dataset("me/dict", "cfg", split="test")["q"] == ["c"]
    pr = ds.select([1]).push_to_hub("me/dict", config_name="cfg", split="test", create_pr=True)
    assert pr.pr_url.endswith("/discussions/1")
    assert pds.load_dataset("me/dict", "cfg", split="test")["q"] == ["c"]  # main untouched
    assert pds.load_dataset("me/dict", "cfg", split="test", revision="refs/pr/1")["q"] == ["b"]


def test_bad_arguments_raise_before_any_request(writable) -> None:
    ds = pds.Dataset.from_dict({"q": ["a"]})
    with pytest.raises(ValueError, match="config_name"):
        ds.push_to_hub("me/x", config_name="data")
    with pytest.raises(ValueError, match="Split name"):
        ds.push_to_hub("me/x", split="bad split")
    with pytest.raises(ValueError, match="not both"):
        ds.push_to_hub("me/x", num_shards=2, max_shard_size="1MB")
    with pytest.raises(TypeError):
        ds.push_to_hub("me/x", privat=True)


def _run_datasets(code: str, env: dict[str, str]) -> str:
    import os

    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env, "HF_TOKEN": DEFAULT_TOKEN},
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


@pytest.mark.slow
def test_both_libraries_read_what_the_other_pushed(writable) -> None:
    pytest.importorskip("datasets")
    hub, root, env = writable
    ds = pds.Dataset.from_dict({"q": ["a", "b", "c"], "label": [0, 1, 0]}, features=FEATURES)
    pds.DatasetDict({"train": ds, "validation": ds.select([1])}).push_to_hub("me/from-polards")
    out = _run_datasets(
        """
        import datasets
        dd = datasets.load_dataset("me/from-polards")
        print(dd["train"].features["label"].names, list(dd["train"]["q"]), list(dd["validation"]["q"]))
        dd["train"].select([2]).push_to_hub("me/from-datasets", config_name="extra")
        """,
        env,
    )
    assert out.strip() == "['neg', 'pos'] ['a', 'b', 'c'] ['b']"
    back = pds.load_dataset("me/from-datasets", "extra", split="train")
    assert back["q"] == ["c"] and back.features == FEATURES
