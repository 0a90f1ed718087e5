"""Math datasets -> ``math_problem``."""

from __future__ import annotations

from typing import Any

import polars as pl

from polards.catalog._apply import load_raw, split_options
from polards.catalog.spec import DatasetSpec
from polards.exceptions import InvalidArgumentError
from polards.mappers import decontaminated as decontaminated_mapper
from polards.mappers import deepmath, gsm8k, math_boxed, polaris

__all__ = ["HENDRYCKS_CONFIGS", "SPECS"]

HENDRYCKS_CONFIGS = (
    "algebra",
    "counting_and_probability",
    "geometry",
    "intermediate_algebra",
    "number_theory",
    "prealgebra",
    "precalculus",
)


def _math500_problems() -> pl.DataFrame:
    test = load_raw("HuggingFaceH4/MATH-500", "default", "test", False)
    return test.lazy().select(pl.col("problem").cast(pl.String)).collect()


def load_hendrycks(
    spec: DatasetSpec,
    config: str | None,
    split: str | None,
    streaming: bool,
    *,
    decontaminated: bool = True,
    **kw: Any,
) -> Any:
    """All 7 configs (or one), each split filtered against MATH-500's problems, concatenated, mapped.

    ``split`` may be ``"train"``, ``"test"`` or ``"train+test"`` (the recipe's training pool: per config,
    train then test); ``None`` gives a dict with ``train`` and ``test``.
    """
    from polards import DatasetDict, IterableDatasetDict, concatenate_datasets

    options, load_kw = split_options(math_boxed, kw)
    configs = [config] if config is not None else list(HENDRYCKS_CONFIGS)
    problems = _math500_problems() if decontaminated else None
    clean = decontaminated_mapper(problems) if problems is not None else None

    def one(split_name: str) -> Any:
        parts = split_name.split("+")
        bad = [p for p in parts if p not in spec.splits]
        if bad:
            raise InvalidArgumentError(
                f"hendrycks_math split {split_name!r}: {bad} not in {list(spec.splits)}."
            )
        pieces = []
        for cfg in configs:
            for part in parts:
                ds = load_raw(spec.repo_id, cfg, part, streaming, **load_kw)
                pieces.append(ds.map_schema(clean) if clean is not None else ds)
        merged = pieces[0] if len(pieces) == 1 else concatenate_datasets(pieces)
        return merged.map_schema(math_boxed(**options))

    if split is not None:
        return one(split)
    out_type = IterableDatasetDict if streaming else DatasetDict
    return out_type({s: one(s) for s in ("train", "test")})


SPECS = (
    DatasetSpec(
        name="gsm8k",
        repo_id="openai/gsm8k",
        domain="math",
        task="math_rl",
        output="math_problem",
        mapper=gsm8k,
        configs=("main", "socratic"),
        default_config="main",
        splits=("train", "test"),
        approx_rows=8_792,
        licence="mit",
        description="Grade-school math word problems; gold = the number after the last '####'.",
        grader="math",
        reference="answer",
    ),
    DatasetSpec(
        name="math500",
        repo_id="HuggingFaceH4/MATH-500",
        domain="math",
        task="math_rl",
        output="math_problem",
        mapper=math_boxed,
        configs=("default",),
        default_config="default",
        splits=("test",),
        approx_rows=500,
        licence="mit",
        description="The 500-problem MATH test subset; gold = last \\boxed{} of the solution.",
        grader="math",
        reference="answer",
    ),
    DatasetSpec(
        name="hendrycks_math",
        repo_id="EleutherAI/hendrycks_math",
        domain="math",
        task="math_rl",
        output="math_problem",
        mapper=math_boxed,
        configs=HENDRYCKS_CONFIGS,
        default_config=None,
        splits=("train", "test"),
        approx_rows=12_500,
        licence="mit",
        description="MATH, all 7 subject configs concatenated and decontaminated against MATH-500.",
        loader=load_hendrycks,
    ),
    DatasetSpec(
        name="deepmath",
        repo_id="zwhe99/DeepMath-103K",
        domain="math",
        task="math_rl",
        output="math_problem",
        mapper=deepmath,
        splits=("train",),
        approx_rows=103_110,
        licence="mit",
        description="Hard verifiable math problems (question/final_answer) with three R1 traces.",
    ),
    DatasetSpec(
        name="polaris",
        repo_id="POLARIS-Project/Polaris-Dataset-53K",
        domain="math",
        task="math_rl",
        output="math_problem",
        mapper=polaris,
        splits=("train",),
        approx_rows=53_000,
        licence="unknown",
        description="Polaris RL math problems from one JSONL file (problem/answer/difficulty).",
    ),
)
