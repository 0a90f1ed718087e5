"""Vision classification mapper: ``image`` + ``ClassLabel`` -> multimodal chat, and few-shot sampling.

The user turn holds an image part and the question; the assistant answers with the cleaned class name
(``_``, ``.``, ``-`` -> space, lower-cased), as the VLM-classifier recipe does::

    user:      [{"type": "image", "image": {...}}, {"type": "text", "text": QUESTION}]
    assistant: [{"type": "text", "text": "The subject in this photo is: <name>\\n"}]

>>> import polars as pl
>>> img = {"bytes": b"\\x89PNG", "path": None}
>>> lf = pl.LazyFrame({"image": [img], "label": [1]}, schema={"image": IMAGE, "label": pl.Int64})
>>> from polards.mappers.structs import multimodal_to_dicts
>>> out = image_classification(["Faces_easy", "Leopards.big-cat"])(lf).collect()
>>> out["class_name"].to_list()
['leopards big cat']
>>> multimodal_to_dicts(out["messages"])[0][1]
{'role': 'assistant', 'content': [{'type': 'text', 'text': 'The subject in this photo is: leopards big cat\\n'}]}
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl

from polards.exceptions import InvalidArgumentError
from polards.mappers._base import Mapper, mapper_factory, require_columns
from polards.mappers.structs import IMAGE, MULTIMODAL_MESSAGES, PART

__all__ = [
    "ANSWER_TEMPLATE",
    "QUESTION",
    "clean_class_name",
    "clean_class_name_expr",
    "few_shot_indices",
    "image_classification",
    "sample_per_class",
]

QUESTION = "What is the name of the subject in this photo?"
ANSWER_TEMPLATE = "The subject in this photo is: {}\n"


def clean_class_name(name: str) -> str:
    """``"Faces_easy"`` -> ``"faces easy"`` (``_``, ``.``, ``-`` -> space, lower case).

    >>> clean_class_name("AM General Hummer SUV 2000")
    'am general hummer suv 2000'
    """
    return name.replace("_", " ").replace(".", " ").replace("-", " ").lower()


def clean_class_name_expr(expr: pl.Expr | str) -> pl.Expr:
    """Expression form of :func:`clean_class_name` for a string column."""
    e = pl.col(expr) if isinstance(expr, str) else expr
    return e.str.replace_all(r"[_.\-]", " ").str.to_lowercase()


def _part(kind: str, text: pl.Expr | None = None, image: pl.Expr | None = None) -> pl.Expr:
    return pl.struct(
        pl.lit(kind, dtype=pl.String).alias("type"),
        (text if text is not None else pl.lit(None, dtype=pl.String)).cast(pl.String).alias("text"),
        (image if image is not None else pl.lit(None, dtype=IMAGE)).cast(IMAGE).alias("image"),
    ).cast(PART)


@mapper_factory
def image_classification(
    names: Sequence[str],
    *,
    image: str = "image",
    label: str = "label",
    question: str = QUESTION,
    answer_template: str = ANSWER_TEMPLATE,
    keep_image: bool = False,
) -> Mapper:
    """``image`` + integer ``label`` (a ``ClassLabel`` with ``names``) -> multimodal ``messages`` and
    ``class_name``; the ``label`` column is kept, the ``image`` column is dropped unless ``keep_image``
    (the bytes live on inside ``messages``). Labels outside ``names`` give a null ``class_name`` and
    are dropped."""
    if "{}" not in answer_template:
        raise InvalidArgumentError(f"answer_template {answer_template!r} needs a '{{}}' for the class name.")
    cleaned = {i: clean_class_name(n) for i, n in enumerate(names)}
    prefix, _, suffix = answer_template.partition("{}")

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        require_columns(lf, [image, label], "image_classification")
        name = pl.col(label).cast(pl.Int64).replace_strict(cleaned, default=None, return_dtype=pl.String)
        user = pl.struct(
            pl.lit("user").alias("role"),
            pl.concat_list(_part("image", image=pl.col(image)), _part("text", text=pl.lit(question))).alias(
                "content"
            ),
        )
        answer = pl.concat_str(pl.lit(prefix), pl.col("class_name"), pl.lit(suffix))
        assistant = pl.struct(
            pl.lit("assistant").alias("role"), pl.concat_list(_part("text", text=answer)).alias("content")
        )
        out = (
            lf.with_columns(name.alias("class_name"))
            .filter(pl.col("class_name").is_not_null())
            .with_columns(pl.concat_list(user, assistant).cast(MULTIMODAL_MESSAGES).alias("messages"))
        )
        if not keep_image:
            out = out.drop(image)
        front = ["messages", "class_name"]
        return out.select(*front, *[c for c in out.collect_schema() if c not in front])

    return Mapper("image_classification", run, output="multimodal_messages", options={"names": tuple(names)})


def sample_per_class(labels: Iterable[Any], examples_per_class: int, seed: int = 0) -> list[int]:
    """Row indices of up to ``examples_per_class`` rows per label, the recipe's exact draw.

    Classes are visited in sorted order; each class's indices are shuffled by one ``random.Random(seed)``
    shared across classes, then the first ``examples_per_class`` are taken.

    >>> sample_per_class([0, 1, 0, 1, 0], 1, seed=0)
    [0, 3]
    """
    if examples_per_class < 0:
        raise InvalidArgumentError(f"examples_per_class must be >= 0, got {examples_per_class}.")
    rng = random.Random(seed)
    by_class: dict[Any, list[int]] = defaultdict(list)
    for i, lab in enumerate(labels):
        by_class[lab].append(i)
    out: list[int] = []
    for lab in sorted(by_class):
        idx = by_class[lab]
        rng.shuffle(idx)
        out.extend(idx[:examples_per_class])
    return out


def few_shot_indices(data: Any, examples_per_class: int, *, seed: int = 0, label: str = "label") -> list[int]:
    """:func:`sample_per_class` over the ``label`` column of a Dataset, DataFrame or LazyFrame (only that
    column is read)."""
    if isinstance(data, pl.LazyFrame):
        labels = data.select(label).collect()[label].to_list()
    elif isinstance(data, pl.DataFrame):
        labels = data[label].to_list()
    else:
        labels = data[label]
    return sample_per_class(labels, examples_per_class, seed)
