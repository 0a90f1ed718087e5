"""Multiple-choice knowledge mapper (MMLU): question + choices -> a user prompt and the answer letter.

>>> import polars as pl
>>> lf = pl.LazyFrame({"question": ["2+2?"], "subject": ["math"], "choices": [["3", "4"]], "answer": [1]})
>>> row = multiple_choice()(lf).collect().row(0, named=True)
>>> print(row["messages"][0]["content"])
2+2?
<BLANKLINE>
A. 3
B. 4
>>> row["answer_letter"], row["answer"]
('B', 1)
"""

from __future__ import annotations

import string

import polars as pl

from polards.mappers._base import Mapper, mapper_factory, require_columns, single_message_list

__all__ = ["LETTERS", "choices_block", "multiple_choice"]

LETTERS = tuple(string.ascii_uppercase)
_INDEX_TO_LETTER = dict(enumerate(LETTERS))


def choices_block(choices: pl.Expr | str) -> pl.Expr:
    """Expression: ``["x", "y"]`` -> ``"A. x\\nB. y"``."""
    e = pl.col(choices) if isinstance(choices, str) else choices
    letter = pl.int_range(pl.len()).replace_strict(_INDEX_TO_LETTER, return_dtype=pl.String)
    return e.list.eval(pl.concat_str(letter, pl.lit(". "), pl.element().cast(pl.String))).list.join("\n")


@mapper_factory
def multiple_choice(
    *, question: str = "question", choices: str = "choices", answer: str = "answer"
) -> Mapper:
    """MMLU-style rows -> ``messages`` (``[user: question + lettered choices]``), ``prompt`` (that text)
    and ``answer_letter``; the integer (ClassLabel) ``answer`` and other columns are kept."""

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        require_columns(lf, [question, choices, answer], "multiple_choice")
        prompt = pl.concat_str(pl.col(question).cast(pl.String), pl.lit("\n\n"), choices_block(choices))
        out = lf.with_columns(
            prompt.alias("prompt"),
            single_message_list("user", prompt).alias("messages"),
            pl.col(answer)
            .cast(pl.Int64)
            .replace_strict(_INDEX_TO_LETTER, default=None, return_dtype=pl.String)
            .alias("answer_letter"),
        )
        front = ["messages", "prompt", "answer_letter"]
        return out.select(*front, *[c for c in out.collect_schema() if c not in front])

    return Mapper("multiple_choice", run, output="messages")
