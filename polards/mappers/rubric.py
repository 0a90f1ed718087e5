"""Rubric mapper -> ``rubric_task`` (``messages`` + ``rubric`` items), for Prometheus Feedback-Collection.

The rubric text is Prometheus' own block::

    [<orig_criteria>]
    Score 1: <orig_score1_description>
    ...
    Score 5: <orig_score5_description>

>>> import polars as pl
>>> row = {"orig_instruction": "Say hi", "orig_criteria": "Is it polite?", "orig_reference_answer": "Hello!"}
>>> row |= {f"orig_score{i}_description": f"level {i}" for i in range(1, 6)}
>>> out = prometheus()(pl.LazyFrame([row])).collect()
>>> out["messages"].to_list()
[[{'role': 'user', 'content': 'Say hi'}]]
>>> print(out["rubric"][0][0]["text"])
[Is it polite?]
Score 1: level 1
Score 2: level 2
Score 3: level 3
Score 4: level 4
Score 5: level 5
"""

from __future__ import annotations

import polars as pl

from polards.mappers._base import Mapper, mapper_factory, require_columns, single_message_list
from polards.mappers.structs import RUBRIC_ITEMS

__all__ = ["SCORE_COLUMNS", "prometheus", "rubric_text"]

SCORE_COLUMNS = tuple(f"orig_score{i}_description" for i in range(1, 6))


def rubric_text(criteria: pl.Expr, scores: list[pl.Expr]) -> pl.Expr:
    """Expression: ``[criteria]\\nScore 1: ...\\n...Score n: ...``."""
    lines = [pl.concat_str(pl.lit("["), criteria, pl.lit("]"))]
    lines += [pl.concat_str(pl.lit(f"Score {i}: "), s) for i, s in enumerate(scores, start=1)]
    return pl.concat_str(lines, separator="\n")


@mapper_factory
def prometheus() -> Mapper:
    """``prometheus-eval/Feedback-Collection`` -> ``messages`` = ``[user: orig_instruction]`` and one rubric
    item ``{criteria, score_descriptions (1..5), reference_answer, text}``; source columns are kept."""

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        schema = require_columns(lf, ["orig_instruction", "orig_criteria", *SCORE_COLUMNS], "prometheus")
        scores = [pl.col(c).cast(pl.String) for c in SCORE_COLUMNS]
        reference = (
            pl.col("orig_reference_answer").cast(pl.String)
            if "orig_reference_answer" in schema
            else pl.lit(None, dtype=pl.String)
        )
        item = pl.struct(
            pl.col("orig_criteria").cast(pl.String).alias("criteria"),
            pl.concat_list(scores).alias("score_descriptions"),
            reference.alias("reference_answer"),
            rubric_text(pl.col("orig_criteria").cast(pl.String), scores).alias("text"),
        )
        out = lf.with_columns(
            single_message_list("user", pl.col("orig_instruction")).alias("messages"),
            pl.concat_list(item).cast(RUBRIC_ITEMS).alias("rubric"),
        )
        front = ["messages", "rubric"]
        return out.select(*front, *[c for c in out.collect_schema() if c not in front])

    return Mapper("prometheus", run, output="rubric_task")
