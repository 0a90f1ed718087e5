from __future__ import annotations

import pytest

import polards
from polards.catalog import SPECS, dataset_info, get_spec, list_datasets
from polards.catalog.spec import DOMAINS, GRADERS
from polards.exceptions import ConfigNotFoundError, DatasetNotFoundError, InvalidArgumentError
from polards.mappers.structs import STRUCT_FEATURES

ISSUE_REPOS = {
    "openai/gsm8k", "HuggingFaceH4/MATH-500", "EleutherAI/hendrycks_math", "zwhe99/DeepMath-103K",
    "POLARIS-Project/Polaris-Dataset-53K", "agentica-org/DeepCoder-Preview-Dataset", "allenai/tulu-3-sft-mixture",
    "HuggingFaceH4/no_robots", "open-thoughts/OpenThoughts3-1.2M", "Anthropic/hh-rlhf", "nvidia/HelpSteer3",
    "nvidia/HelpSteer2", "argilla/ultrafeedback-binarized-preferences", "lmarena-ai/arena-human-preference-140k",
    "allenai/llama-3.1-tulu-3-8b-preference-mixture", "prometheus-eval/Feedback-Collection",
    "dpdl-benchmark/caltech101", "dpdl-benchmark/oxford_flowers102", "dpdl-benchmark/oxford_iiit_pet",
    "tanganke/stanford_cars", "cais/mmlu", "openai/openai_humaneval",
}  # fmt: skip
#: the eval benchmarks of tinker-cookbook 0.6.1 (issue 19) -> the grader that fits
BENCHMARK_GRADERS = {
    "MathArena/aime_2025": "math", "MathArena/aime_2026": "math", "MathArena/hmmt_feb_2025": "math",
    "MathArena/hmmt_nov_2025": "math", "Idavidrein/gpqa": "multiple_choice", "TIGER-Lab/MMLU-Pro": "multiple_choice",
    "edinburgh-dawg/mmlu-redux": "multiple_choice", "m-a-p/SuperGPQA": "multiple_choice",
    "ceval/ceval-exam": "multiple_choice", "google-research-datasets/mbpp": "code_sandbox",
    "livecodebench/code_generation_lite": "code_sandbox",
}  # fmt: skip


def test_catalog_covers_every_dataset_of_the_issues_once():
    assert {s.repo_id for s in SPECS} == ISSUE_REPOS | set(BENCHMARK_GRADERS)
    assert len({s.name for s in SPECS}) == len(SPECS) == len(ISSUE_REPOS) + len(BENCHMARK_GRADERS) == 33


def test_benchmarks_declare_the_grader_that_fits():
    graders = {s.repo_id: s.grader for s in SPECS if s.repo_id in BENCHMARK_GRADERS}
    assert graders == BENCHMARK_GRADERS
    reference = {"math": "answer", "multiple_choice": "answer_letter", "code_sandbox": "tests"}
    for spec in SPECS:
        if spec.grader is not None:
            assert spec.grader in GRADERS and spec.reference == reference[spec.grader], spec.name
            assert dataset_info(spec.name)["grader"] == spec.grader
    assert {d["name"] for d in list_datasets(task="math_eval")} == {
        "aime_2025",
        "aime_2026",
        "hmmt_feb_2025",
        "hmmt_nov_2025",
    }


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_spec_is_complete(spec):
    assert spec.domain in DOMAINS
    assert spec.output in STRUCT_FEATURES
    assert spec.splits and spec.approx_rows and spec.licence and spec.description
    assert callable(spec.mapper)
    info = dataset_info(spec.name)
    assert info == dataset_info(spec.repo_id) == dataset_info(spec.repo_id.upper())
    for key in ("repo_id", "domain", "task", "output", "configs", "splits", "approx_rows", "licence"):
        assert key in info
    assert set(info["output_features"]) == set(STRUCT_FEATURES[spec.output])


def test_list_datasets_filters():
    assert {d["name"] for d in list_datasets(domain="math", task="math_rl")} == {
        "gsm8k",
        "math500",
        "hendrycks_math",
        "deepmath",
        "polaris",
    }
    assert {d["name"] for d in list_datasets(domain="vision", task="vlm_classification")} == {
        "caltech101",
        "oxford_flowers102",
        "oxford_iiit_pet",
        "stanford_cars",
    }
    assert {d["domain"] for d in list_datasets(task="dpo")} == {"preference"}
    assert len(list_datasets()) == len(SPECS)
    with pytest.raises(InvalidArgumentError, match="did you mean 'math'"):
        list_datasets(domain="maths")
    with pytest.raises(InvalidArgumentError, match="Unknown task"):
        list_datasets(task="nope")


def test_unknown_names_and_configs():
    with pytest.raises(DatasetNotFoundError, match="gsm8k"):
        get_spec("gsm8kk")
    with pytest.raises(ConfigNotFoundError, match="socratic"):
        polards.catalog.load("gsm8k", "socratc")


def test_top_level_exports():
    assert polards.list_datasets is list_datasets
    assert polards.dataset_info("mmlu")["configs"][-1] == "all"
    assert len(dataset_info("mmlu")["configs"]) == 58


def test_group_by_mapper_on_a_sharded_stream_warns():
    import polars as pl

    from polards import IterableDataset
    from polards.catalog.registry import _warn_if_sharded_group_by
    from polards.mappers import gsm8k, helpsteer2

    shard = pl.LazyFrame({"prompt": ["a"], "response": ["x"], "helpfulness": [1]})
    two = IterableDataset.from_shards([shard, shard])
    with pytest.warns(UserWarning, match="helpsteer2.*each shard"):
        _warn_if_sharded_group_by({"train": two}, helpsteer2())
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _warn_if_sharded_group_by(two, gsm8k())  # row-local: no warning
        _warn_if_sharded_group_by(IterableDataset.from_shards([shard]), helpsteer2())  # one shard: exact
