"""Schema mappers: raw post-training rows -> canonical struct columns, as lazy Polars transformations.

Every factory returns a :class:`Mapper` (``pl.LazyFrame -> pl.LazyFrame``) to call on a LazyFrame or pass
to ``Dataset.map_schema`` / ``IterableDataset.map_schema``. The shapes are documented in
:mod:`polards.mappers.structs`.

>>> import polars as pl
>>> from polards import mappers
>>> lf = pl.LazyFrame({"question": ["1+1?"], "answer": ["#### 2"]})
>>> mappers.gsm8k()(lf).collect()["answer"].to_list()
['2']
"""

from polards.mappers._base import Mapper
from polards.mappers.chat import chat_identity, conversations_to_messages, first_user_turn
from polards.mappers.code import deepcoder, humaneval, normalize_tests, tests_expr
from polards.mappers.knowledge import multiple_choice
from polards.mappers.math import (
    boxed_answer,
    decontaminate,
    decontaminated,
    deepmath,
    gsm8k,
    gsm8k_answer,
    last_boxed,
    math_boxed,
    polaris,
)
from polards.mappers.preference import (
    arena,
    helpsteer2,
    helpsteer3,
    hh_rlhf,
    swap,
    to_dpo,
    transcript_messages,
    tulu3_preference,
    ultrafeedback,
)
from polards.mappers.rubric import prometheus
from polards.mappers.vision import clean_class_name, few_shot_indices, image_classification, sample_per_class

__all__ = [
    "Mapper",
    "arena",
    "boxed_answer",
    "chat_identity",
    "clean_class_name",
    "conversations_to_messages",
    "decontaminate",
    "decontaminated",
    "deepcoder",
    "deepmath",
    "few_shot_indices",
    "first_user_turn",
    "gsm8k",
    "gsm8k_answer",
    "helpsteer2",
    "helpsteer3",
    "hh_rlhf",
    "humaneval",
    "image_classification",
    "last_boxed",
    "math_boxed",
    "multiple_choice",
    "normalize_tests",
    "polaris",
    "prometheus",
    "sample_per_class",
    "swap",
    "tests_expr",
    "to_dpo",
    "transcript_messages",
    "tulu3_preference",
    "ultrafeedback",
]
