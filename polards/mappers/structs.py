"""Canonical struct types of post-training data, as Polars dtypes and matching ``Features``.

Every mapper in :mod:`polards.mappers` produces one of these shapes:

``messages``
    ``List(Struct{role, content})``: a chat, ``content`` a plain string.
``multimodal messages``
    ``List(Struct{role, content: List(Part)})`` with ``Part = Struct{type, text, image}``, ``type`` one of
    ``"text"``, ``"image"``, ``"thinking"`` and ``image`` an HF image ``Struct{bytes, path}``.
``comparison`` (+ ``label``)
    ``Struct{prompt_conversation, completion_A, completion_B}`` (each ``messages``) and a ``label`` column in
    ``{"A", "B", "Tie"}``; see :mod:`polards.mappers.preference` for ``to_dpo`` and ``swap``.
``math_problem``
    top-level ``problem`` and ``answer`` strings; source columns are kept.
``code_task``
    ``problem``, ``tests: List(Struct{input, output, testtype, fn_name})`` and ``starter_code``.
``rubric_task``
    ``messages`` and ``rubric: List(Struct{criteria, score_descriptions, reference_answer, text})``.

The ``*_from_dicts`` / ``*_to_dicts`` helpers convert between these columns and the plain Python dicts
recipes build by hand. Construction goes through pyarrow with an explicit type, never through Polars'
row-wise inference (which drops struct keys that first appear after row 100).

>>> import polars as pl
>>> df = messages_from_dicts([[{"role": "user", "content": "hi"}]])
>>> df.schema["messages"] == MESSAGES
True
>>> messages_to_dicts(df["messages"])
[[{'role': 'user', 'content': 'hi'}]]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import polars as pl

from polards.features.types import Image, List, Value

__all__ = [
    "CODE_TEST",
    "CODE_TESTS",
    "COMPARISON",
    "IMAGE",
    "LABELS",
    "MESSAGE",
    "MESSAGES",
    "MULTIMODAL_MESSAGE",
    "MULTIMODAL_MESSAGES",
    "PART",
    "RUBRIC_ITEM",
    "RUBRIC_ITEMS",
    "STRUCT_FEATURES",
    "comparisons_from_dicts",
    "comparisons_to_dicts",
    "messages_from_dicts",
    "messages_to_dicts",
    "multimodal_from_dicts",
    "multimodal_to_dicts",
    "output_features",
    "rows_from_dicts",
    "rows_to_dicts",
]

# --------------------------------------------------------------------------------------------------- dtypes
MESSAGE = pl.Struct({"role": pl.String, "content": pl.String})
MESSAGES = pl.List(MESSAGE)

IMAGE = pl.Struct({"bytes": pl.Binary, "path": pl.String})
PART = pl.Struct({"type": pl.String, "text": pl.String, "image": IMAGE})
MULTIMODAL_MESSAGE = pl.Struct({"role": pl.String, "content": pl.List(PART)})
MULTIMODAL_MESSAGES = pl.List(MULTIMODAL_MESSAGE)

COMPARISON = pl.Struct({"prompt_conversation": MESSAGES, "completion_A": MESSAGES, "completion_B": MESSAGES})
LABELS = ("A", "B", "Tie")

CODE_TEST = pl.Struct({"input": pl.String, "output": pl.String, "testtype": pl.String, "fn_name": pl.String})
CODE_TESTS = pl.List(CODE_TEST)

RUBRIC_ITEM = pl.Struct(
    {
        "criteria": pl.String,
        "score_descriptions": pl.List(pl.String),
        "reference_answer": pl.String,
        "text": pl.String,
    }
)
RUBRIC_ITEMS = pl.List(RUBRIC_ITEM)

# --------------------------------------------------------------------------------------------------- features
_STR = Value("string")
_MESSAGE_FEATURE = {"role": _STR, "content": _STR}
_PART_FEATURE = {"type": _STR, "text": _STR, "image": Image(decode=False)}

#: ``Features`` entries (column name -> feature) of each canonical shape.
STRUCT_FEATURES: dict[str, dict[str, Any]] = {
    "messages": {"messages": List(_MESSAGE_FEATURE)},
    "multimodal_messages": {"messages": List({"role": _STR, "content": List(_PART_FEATURE)})},
    "comparison": {
        "comparison": {
            "prompt_conversation": List(_MESSAGE_FEATURE),
            "completion_A": List(_MESSAGE_FEATURE),
            "completion_B": List(_MESSAGE_FEATURE),
        },
        "label": _STR,
    },
    "math_problem": {"problem": _STR, "answer": _STR},
    "code_task": {
        "problem": _STR,
        "tests": List({"input": _STR, "output": _STR, "testtype": _STR, "fn_name": _STR}),
        "starter_code": _STR,
    },
    "rubric_task": {
        "messages": List(_MESSAGE_FEATURE),
        "rubric": List(
            {"criteria": _STR, "score_descriptions": List(_STR), "reference_answer": _STR, "text": _STR}
        ),
    },
    "dpo": {
        "prompt": List(_MESSAGE_FEATURE),
        "chosen": List(_MESSAGE_FEATURE),
        "rejected": List(_MESSAGE_FEATURE),
    },
}


def output_features(kind: str) -> Any:
    """The ``Features`` of the columns a mapper of shape ``kind`` adds (a key of :data:`STRUCT_FEATURES`).

    >>> list(output_features("comparison"))
    ['comparison', 'label']
    >>> output_features("messages").to_polars_schema()["messages"] == MESSAGES
    True
    """
    from polards.exceptions import InvalidArgumentError
    from polards.features import Features

    if kind not in STRUCT_FEATURES:
        raise InvalidArgumentError(
            f"Unknown output shape {kind!r}. Expected one of {sorted(STRUCT_FEATURES)}."
        )
    return Features(STRUCT_FEATURES[kind])


# --------------------------------------------------------------------------------------------------- python <-> polars
def _arrow_type(dtype: pl.DataType) -> Any:
    return pl.DataFrame(schema={"x": dtype}).to_arrow().schema.field("x").type


def rows_from_dicts(rows: Sequence[Mapping[str, Any]], schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """Build a frame from plain Python rows with an explicit schema (no inference, no dropped keys).

    Keys missing from a row become nulls; keys not in ``schema`` are ignored.

    >>> rows_from_dicts([{"tests": [{"input": "1", "output": "2"}]}], {"tests": CODE_TESTS})["tests"][0].to_list()
    [{'input': '1', 'output': '2', 'testtype': None, 'fn_name': None}]
    """
    import pyarrow as pa

    columns = {
        name: pa.array([r.get(name) for r in rows], type=_arrow_type(dt)) for name, dt in schema.items()
    }
    return pl.DataFrame(pl.from_arrow(pa.table(columns))).cast(dict(schema))


def rows_to_dicts(
    frame: pl.DataFrame | pl.LazyFrame, *, drop_nulls_in: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Rows as plain dicts; in the columns named by ``drop_nulls_in`` null struct fields are removed.

    >>> rows_to_dicts(pl.DataFrame({"a": [1]}))
    [{'a': 1}]
    """
    df = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    rows = df.to_dicts()
    for name in drop_nulls_in:
        for row in rows:
            row[name] = _strip_nulls(row[name])
    return rows


def _strip_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_nulls(v) for v in value]
    return value


def messages_from_dicts(
    conversations: Sequence[Sequence[Mapping[str, Any]]], name: str = "messages"
) -> pl.DataFrame:
    """One ``messages`` column from a list of conversations (each a list of ``{"role", "content"}``)."""
    return rows_from_dicts([{name: c} for c in conversations], {name: MESSAGES})


def messages_to_dicts(column: pl.Series) -> list[list[dict[str, str]]]:
    """A ``messages`` column as plain lists of ``{"role", "content"}`` dicts."""
    return column.to_list()


def multimodal_from_dicts(
    conversations: Sequence[Sequence[Mapping[str, Any]]], name: str = "messages"
) -> pl.DataFrame:
    """One multimodal ``messages`` column; parts are ``{"type": "text", "text": ...}`` or ``{"type": "image",
    "image": {"bytes": ..., "path": ...}}`` (missing keys become nulls)."""
    return rows_from_dicts([{name: c} for c in conversations], {name: MULTIMODAL_MESSAGES})


def multimodal_to_dicts(column: pl.Series) -> list[list[dict[str, Any]]]:
    """A multimodal ``messages`` column as recipe dicts: null part fields are left out.

    >>> df = multimodal_from_dicts([[{"role": "user", "content": [{"type": "text", "text": "hi"}]}]])
    >>> multimodal_to_dicts(df["messages"])
    [[{'role': 'user', 'content': [{'type': 'text', 'text': 'hi'}]}]]
    """
    return [_strip_nulls(v) for v in column.to_list()]


def comparisons_from_dicts(rows: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    """``comparison`` + ``label`` columns from ``{"comparison": {...}, "label": "A"}`` dicts (a recipe's
    ``LabeledComparison`` as a dict).

    >>> c = {"prompt_conversation": [{"role": "user", "content": "q"}],
    ...      "completion_A": [{"role": "assistant", "content": "a"}],
    ...      "completion_B": [{"role": "assistant", "content": "b"}]}
    >>> comparisons_to_dicts(comparisons_from_dicts([{"comparison": c, "label": "A"}])) == [{"comparison": c, "label": "A"}]
    True
    """
    return rows_from_dicts(rows, {"comparison": COMPARISON, "label": pl.String})


def comparisons_to_dicts(frame: pl.DataFrame | pl.LazyFrame) -> list[dict[str, Any]]:
    """``comparison`` + ``label`` rows as plain ``{"comparison": {...}, "label": ...}`` dicts."""
    df = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    return df.select("comparison", "label").to_dicts()
