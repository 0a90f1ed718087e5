"""Every bundled fixture repo (polards/testing/fixtures/repos) loads through the emulator; streaming agrees."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import polards as pds
from polards.testing.hub import DEFAULT_TOKEN, bundled_root

ROOT = bundled_root()
REPOS = sorted(
    f"{p.parent.name}/{p.name}" for p in ROOT.glob("*/*") if (p / "README.md").is_file() or p.is_dir()
)
pytestmark = pytest.mark.skipif(not REPOS, reason="bundled fixture repos not built")


def _comparable(rows: list[dict]) -> list[dict]:
    """Decoded audio compares by identity (as torchcodec's decoder in ``datasets``): compare its stored value."""
    from polards.features.audio import AudioDecoder

    return [{k: v._hf_encoded if isinstance(v, AudioDecoder) else v for k, v in r.items()} for r in rows]


@pytest.fixture
def bundled_env(hf_env, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", DEFAULT_TOKEN)  # for the gated fixture repo
    monkeypatch.setenv("POLARDS_HUB_BACKOFF", "0.02")
    monkeypatch.setenv("POLARDS_CACHE", str(hf_env.cache_dir.parent / "polards"))
    return hf_env


# Repos whose default config merges files of different schemas: ``datasets`` 5.2 raises a CastError there (map-style
# and streaming, checked against this emulator), and so does polards; single files load with data_files=.
DRIFTING = {"gorilla-llm/Berkeley-Function-Calling-Leaderboard": "BFCL_v3_simple.json"}
# Script repos: datasets 5.2 refuses them (RuntimeError) even with data_files; their files are read by name.
SCRIPTS = {"livecodebench/code_generation_lite": "test6.jsonl"}


@pytest.mark.parametrize("repo", REPOS)
def test_bundled_repo_loads_and_streams(bundled_env, repo: str) -> None:
    if repo in DRIFTING:
        from polards.exceptions import CastError

        with pytest.raises(CastError, match="not in the split's schema"):
            pds.load_dataset(repo, split="train")
        with pytest.raises(CastError, match="not in the split's schema"):
            list(pds.load_dataset(repo, split="train", streaming=True))
        one = pds.load_dataset(repo, data_files=DRIFTING[repo], split="train")
        assert list(
            pds.load_dataset(repo, data_files=DRIFTING[repo], split="train", streaming=True).take(3)
        ) == (one.select(range(3)).to_list())
        return
    if repo in SCRIPTS:
        from huggingface_hub import hf_hub_download

        from polards.exceptions import DatasetScriptError

        for call in (pds.load_dataset, pds.get_dataset_config_names):
            with pytest.raises(DatasetScriptError):
                call(repo)
        path = hf_hub_download(repo, SCRIPTS[repo], repo_type="dataset")
        assert len(pds.Dataset.from_json(path)) > 0
        return
    names = pds.get_dataset_config_names(repo)
    assert names
    infos = pds.get_dataset_infos(repo)
    for name in names[:2]:
        dd = pds.load_dataset(repo, name)
        assert list(dd) == pds.get_dataset_split_names(repo, name)
        for split, ds in dd.items():
            known = infos[name].splits[split].num_examples
            assert known is None or known == len(ds), (name, split)
            head = ds.select(range(min(3, len(ds)))).to_list()
            streamed = list(pds.load_dataset(repo, name, split=split, streaming=True).take(3))
            assert _comparable(streamed) == _comparable(head), (name, split)


def test_gsm8k_demo_path(bundled_env) -> None:
    """The README demo's calls: configs, splits, a slice, a lazy pipeline."""
    import polars as pl

    assert pds.get_dataset_config_names("openai/gsm8k") == ["main", "socratic"]
    ds = pds.load_dataset("openai/gsm8k", "main", split="train[:1%]")
    assert len(ds) == round(len(pds.load_dataset("openai/gsm8k", "main", split="train")) / 100)
    short = ds.filter(pl.col("question").str.len_chars() < 200).select_columns(["question"])
    assert "Parquet SCAN" in short.lazy().explain() or "SCAN" in short.lazy().explain()


_ORACLE = r"""
import json, sys, datasets
out = {}
for repo in sys.argv[1:]:
    out[repo] = {n: {k: len(v) for k, v in datasets.load_dataset(repo, n).items()}
                 for n in datasets.get_dataset_config_names(repo)[:2]}
print(json.dumps(out))
"""


@pytest.mark.slow
def test_same_configs_splits_and_counts_as_datasets(bundled_env, tmp_path) -> None:
    """``datasets`` (the oracle) run against the same emulator resolves the same configs, splits and sizes."""
    pytest.importorskip("datasets")
    repos = [
        "openai/gsm8k",
        "cais/mmlu",
        "Anthropic/hh-rlhf",
        "tanganke/stanford_cars",
        "prometheus-eval/Feedback-Collection",
    ]
    repos = [r for r in repos if r in REPOS]
    env = dict(
        os.environ, HF_HOME=str(tmp_path / "oracle"), HF_DATASETS_CACHE=str(tmp_path / "oracle" / "datasets")
    )
    env.pop("HF_HUB_CACHE", None)
    run = subprocess.run(
        [sys.executable, "-c", _ORACLE, *repos], env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]
    theirs = json.loads(run.stdout.strip().splitlines()[-1])
    ours = {
        repo: {
            n: {k: len(v) for k, v in pds.load_dataset(repo, n).items()}
            for n in pds.get_dataset_config_names(repo)[:2]
        }
        for repo in repos
    }
    assert ours == theirs
