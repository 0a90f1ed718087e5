"""Preference datasets -> ``comparison`` + ``label``."""

from __future__ import annotations

from typing import Any

from polards.catalog._apply import apply_mapper, load_raw, split_options
from polards.catalog.spec import DatasetSpec
from polards.mappers import arena, helpsteer2, helpsteer3, hh_rlhf, tulu3_preference, ultrafeedback

__all__ = ["HH_RLHF_SUBSETS", "SPECS", "load_hh_rlhf"]

#: hh-rlhf has no configs; these are its ``data_dir`` subsets (``load("hh_rlhf", "helpful-base")`` works).
HH_RLHF_SUBSETS = (
    "harmless-base",
    "helpful-base",
    "helpful-online",
    "helpful-rejection-sampled",
    "red-team-attempts",
)
#: Without a subset: every subset's train/test files (``red-team-attempts`` has another schema and no
#: train/test files, so it is left out, as the recipes do).
HH_RLHF_DATA_FILES = {"train": "*/train.jsonl.gz", "test": "*/test.jsonl.gz"}


def load_hh_rlhf(spec: DatasetSpec, config: str | None, split: str | None, streaming: bool, **kw: Any) -> Any:
    """hh-rlhf: ``config`` names a ``data_dir`` subset; without one, all subsets' train/test files."""
    options, load_kw = split_options(hh_rlhf, kw)
    if config is not None:
        load_kw.setdefault("data_dir", config)
    elif "data_dir" not in load_kw and "data_files" not in load_kw:
        load_kw["data_files"] = HH_RLHF_DATA_FILES
    return apply_mapper(load_raw(spec.repo_id, None, split, streaming, **load_kw), hh_rlhf(**options))


SPECS = (
    DatasetSpec(
        name="hh_rlhf",
        repo_id="Anthropic/hh-rlhf",
        domain="preference",
        task="dpo",
        output="comparison",
        mapper=hh_rlhf,
        configs=HH_RLHF_SUBSETS,
        splits=("train", "test"),
        approx_rows=169_352,
        licence="mit",
        description="Helpful/harmless transcripts (jsonl.gz); shared prompt + chosen/rejected last turns.",
        config_is_data_dir=True,
        loader=load_hh_rlhf,
    ),
    DatasetSpec(
        name="helpsteer3",
        repo_id="nvidia/HelpSteer3",
        domain="preference",
        task="dpo",
        output="comparison",
        mapper=helpsteer3,
        configs=("preference",),
        default_config="preference",
        splits=("train", "validation"),
        approx_rows=40_500,
        licence="cc-by-4.0",
        description="Signed pairwise preferences (-3..3, <0: response1 better); ties dropped. Only the "
        "'preference' config is mapped.",
    ),
    DatasetSpec(
        name="helpsteer2",
        repo_id="nvidia/HelpSteer2",
        domain="preference",
        task="dpo",
        output="comparison",
        mapper=helpsteer2,
        splits=("train", "validation"),
        approx_rows=21_362,
        licence="cc-by-4.0",
        description="Rated responses; best vs worst helpfulness per prompt (group-by).",
    ),
    DatasetSpec(
        name="ultrafeedback",
        repo_id="argilla/ultrafeedback-binarized-preferences",
        domain="preference",
        task="dpo",
        output="comparison",
        mapper=ultrafeedback,
        splits=("train",),
        approx_rows=63_619,
        licence="mit",
        description="Binarized UltraFeedback: instruction, chosen_response, rejected_response.",
    ),
    DatasetSpec(
        name="arena",
        repo_id="lmarena-ai/arena-human-preference-140k",
        domain="preference",
        task="dpo",
        output="comparison",
        mapper=arena,
        splits=("train",),
        approx_rows=140_000,
        licence="cc-by-4.0",
        description="Chatbot Arena votes; text-only rows, winner model_a/model_b (ties dropped or 'Tie').",
    ),
    DatasetSpec(
        name="tulu3_preference",
        repo_id="allenai/llama-3.1-tulu-3-8b-preference-mixture",
        domain="preference",
        task="dpo",
        output="comparison",
        mapper=tulu3_preference,
        splits=("train",),
        approx_rows=271_409,
        licence="odc-by",
        description="Tulu 3 8B preference mixture: prompt + chosen/rejected second message.",
    ),
)
