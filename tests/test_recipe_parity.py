"""Recipe parity: the same calls through polards and through `datasets`, both against the local Hub emulator,
give the same rows in the same order (a `datasets` subprocess is the oracle)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import polards as pds

RECIPE = r"""
import json, sys, datasets
datasets.disable_progress_bars()
out = {}
train = datasets.load_dataset("openai/gsm8k", "main", split="train")
sh = train.shuffle(seed=0)
out["gsm8k_take"] = sh.take(1024).to_list()[::97]
out["gsm8k_skip"] = sh.skip(1024).select(range(5)).to_list()
out["gsm8k_filter_map"] = (train.filter(lambda r: len(r["question"]) < 120)
    .map(lambda r: {"gold": r["answer"].split("####")[-1].strip()}).select_columns(["gold"]).to_list())
tt = datasets.load_dataset("openai/gsm8k", "main", split="test").train_test_split(test_size=0.1, seed=42)
out["split"] = [tt["test"][i]["question"] for i in range(0, len(tt["test"]), 11)]
math = datasets.load_dataset("HuggingFaceH4/MATH-500", split="test")
out["math500"] = math.sort("level", reverse=True).select([0, 10, 499]).to_list()
hh = datasets.load_dataset("Anthropic/hh-rlhf", data_dir="helpful-base", split="test[:50]")
out["hh"] = hh.shuffle(seed=3).take(5).to_list()
out["mmlu"] = datasets.load_dataset("cais/mmlu", "abstract_algebra", split="test").select(range(3)).to_list()
print(json.dumps(out))
"""


@pytest.mark.slow
def test_recipe_calls_match_datasets_row_for_row(hf_env, tmp_path) -> None:
    pytest.importorskip("datasets")
    env = dict(
        os.environ, HF_HOME=str(tmp_path / "oracle"), HF_DATASETS_CACHE=str(tmp_path / "oracle" / "ds")
    )
    proc = subprocess.run(
        [sys.executable, "-c", RECIPE], env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    want = json.loads(proc.stdout.strip().splitlines()[-1])

    train = pds.load_dataset("openai/gsm8k", "main", split="train")
    sh = train.shuffle(seed=0)
    assert sh.take(1024).to_list()[::97] == want["gsm8k_take"]
    assert sh.skip(1024).select(range(5)).to_list() == want["gsm8k_skip"]
    got = (
        train.filter(lambda r: len(r["question"]) < 120)
        .map(lambda r: {"gold": r["answer"].split("####")[-1].strip()})
        .select_columns(["gold"])
        .to_list()
    )
    assert got == want["gsm8k_filter_map"]
    tt = pds.load_dataset("openai/gsm8k", "main", split="test").train_test_split(test_size=0.1, seed=42)
    assert [tt["test"][i]["question"] for i in range(0, len(tt["test"]), 11)] == want["split"]
    math = pds.load_dataset("HuggingFaceH4/MATH-500", split="test")
    assert math.sort("level", reverse=True).select([0, 10, 499]).to_list() == want["math500"]
    hh = pds.load_dataset("Anthropic/hh-rlhf", data_dir="helpful-base", split="test[:50]")
    assert hh.shuffle(seed=3).take(5).to_list() == want["hh"]
    mmlu = pds.load_dataset("cais/mmlu", "abstract_algebra", split="test").select(range(3))
    assert mmlu.to_list() == want["mmlu"]
    assert mmlu.features["answer"].names == ["A", "B", "C", "D"]
