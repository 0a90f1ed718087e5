"""Code datasets -> ``code_task``."""

from __future__ import annotations

from typing import Any

import polars as pl

from polards.catalog._apply import apply_mapper, load_raw, split_options
from polards.catalog.spec import DatasetSpec
from polards.mappers import Mapper, deepcoder, humaneval
from polards.mappers._base import mapper_factory

__all__ = ["DEEPCODER_MIXTURE", "SPECS"]

#: The recipe's DeepCoder mixture: configs concatenated per split, each row tagged with ``subset``.
DEEPCODER_MIXTURE = {"train": ("primeintellect", "taco", "lcbv5"), "test": ("codeforces", "lcbv5")}
_MIXTURE_COLUMNS = ("problem", "tests", "starter_code", "metadata", "subset")


@mapper_factory
def tag_subset(config: str) -> Mapper:
    """Add a ``subset`` column naming the config and keep the mixture's columns."""

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        return lf.with_columns(pl.lit(config, dtype=pl.String).alias("subset")).select(_MIXTURE_COLUMNS)

    return Mapper(f"tag_{config}", run, output="code_task")


def load_deepcoder(
    spec: DatasetSpec, config: str | None, split: str | None, streaming: bool, **kw: Any
) -> Any:
    """One config mapped as is, or (``config=None``) the recipe's mixture of configs per split."""
    from polards import DatasetDict, IterableDatasetDict, concatenate_datasets

    options, load_kw = split_options(deepcoder, kw)
    mapper = deepcoder(**options)
    if config is not None:
        return apply_mapper(load_raw(spec.repo_id, config, split, streaming, **load_kw), mapper)

    def one(split_name: str) -> Any:
        parts = [
            load_raw(spec.repo_id, cfg, split_name, streaming, **load_kw)
            .map_schema(mapper)
            .map_schema(tag_subset(cfg))
            for cfg in DEEPCODER_MIXTURE[split_name]
        ]
        return concatenate_datasets(parts)

    if split is not None:
        return one(split)
    return (IterableDatasetDict if streaming else DatasetDict)({s: one(s) for s in DEEPCODER_MIXTURE})


SPECS = (
    DatasetSpec(
        name="deepcoder",
        repo_id="agentica-org/DeepCoder-Preview-Dataset",
        domain="code",
        task="code_rl",
        output="code_task",
        mapper=deepcoder,
        configs=("primeintellect", "taco", "lcbv5", "codeforces"),
        default_config=None,
        splits=("train", "test"),
        approx_rows=24_287,
        licence="mit",
        description="Verifiable coding problems; tests JSON (LiveCodeBench list or TACO dict) normalised.",
        loader=load_deepcoder,
    ),
    DatasetSpec(
        name="humaneval",
        repo_id="openai/openai_humaneval",
        domain="code",
        task="code_eval",
        output="code_task",
        mapper=humaneval,
        configs=("openai_humaneval",),
        default_config="openai_humaneval",
        splits=("test",),
        approx_rows=164,
        licence="mit",
        description="164 hand-written Python problems; one 'check' test per task (check(candidate)).",
        grader="code_sandbox",
        reference="tests",
    ),
)
