"""Preference mappers -> ``comparison`` (``Struct{prompt_conversation, completion_A, completion_B}``) + ``label``.

Each follows the matching recipe builder row for row (which rows are dropped, which side is ``A``):

- ``hh_rlhf``: ``chosen``/``rejected`` transcripts split at ``\\n\\nHuman:``/``\\n\\nAssistant:``; rows
  whose turn counts differ, whose earlier turns differ, or whose last turns are equal are dropped;
  ``A`` = the chosen last turn.
- ``helpsteer3``: ``context`` + ``response1``/``response2``; ``overall_preference < 0`` -> ``A``
  (response1 better), ``> 0`` -> ``B``, ties dropped.
- ``helpsteer2``: per ``prompt`` (group-by, first-seen order), the most helpful response (first of the
  ties) vs the least helpful (last of the ties); prompts with one response or equal scores dropped.
- ``ultrafeedback``: ``instruction``/``chosen_response``/``rejected_response``, label ``A``.
- ``arena``: ``winner`` model_a -> ``A``, model_b -> ``B``; ``tie``/``both_bad`` dropped (or labelled
  ``Tie`` with ``ties="label"``); content parts flattened to text joined by spaces; rows with any non-text
  part dropped; prompt = the first message of ``conversation_a``.
- ``tulu3_preference``: ``prompt`` + the second message of ``chosen``/``rejected``, label ``A``.

:func:`to_dpo` turns a comparison into TRL-style ``prompt``/``chosen``/``rejected``; :func:`swap` swaps
sides and labels, vectorised.

>>> import polars as pl
>>> lf = pl.LazyFrame({"chosen": ["\\n\\nHuman: hi\\n\\nAssistant: hello"], "rejected": ["\\n\\nHuman: hi\\n\\nAssistant: go away"]})
>>> to_dpo()(hh_rlhf()(lf)).collect().row(0, named=True)
{'prompt': [{'role': 'user', 'content': 'hi'}], 'chosen': [{'role': 'assistant', 'content': 'hello'}], 'rejected': [{'role': 'assistant', 'content': 'go away'}]}
"""

from __future__ import annotations

from typing import Literal

import polars as pl

from polards.exceptions import FeatureTypeError, InvalidArgumentError
from polards.mappers._base import Mapper, mapper_factory, require_columns, single_message_list
from polards.mappers.structs import COMPARISON, MESSAGES

__all__ = [
    "arena",
    "comparison",
    "helpsteer2",
    "helpsteer3",
    "hh_rlhf",
    "swap",
    "to_dpo",
    "transcript_messages",
    "tulu3_preference",
    "ultrafeedback",
]

_SEP = "\x00"
_ROLE_END = "\x01"


def comparison(prompt: pl.Expr, completion_a: pl.Expr, completion_b: pl.Expr) -> pl.Expr:
    """The ``comparison`` struct expression from three ``messages`` expressions."""
    return pl.struct(
        prompt.cast(MESSAGES).alias("prompt_conversation"),
        completion_a.cast(MESSAGES).alias("completion_A"),
        completion_b.cast(MESSAGES).alias("completion_B"),
    ).alias("comparison")


def _finish(lf: pl.LazyFrame, drop: list[str]) -> pl.LazyFrame:
    schema = lf.collect_schema()
    rest = [c for c in schema if c not in ("comparison", "label", *drop)]
    return lf.select("comparison", pl.col("label").cast(pl.String), *rest)


# --------------------------------------------------------------------------------------------------- hh-rlhf
def transcript_messages(expr: pl.Expr | str, *, split_on: Literal["turns", "anywhere"] = "turns") -> pl.Expr:
    """Expression: an hh-rlhf ``\\n\\nHuman: ...\\n\\nAssistant: ...`` transcript -> ``messages``.

    ``split_on="turns"`` splits only at ``\\n\\nHuman:``/``\\n\\nAssistant:``; ``"anywhere"`` also at a
    ``Human:``/``Assistant:`` inside a turn, as the recipe's ``re.split`` does. Text before the first
    marker is dropped; contents are stripped.

    >>> pl.DataFrame({"t": ["\\n\\nHuman: a\\n\\nAssistant: b "]}).select(transcript_messages("t"))["t"].to_list()
    [[{'role': 'user', 'content': 'a'}, {'role': 'assistant', 'content': 'b'}]]
    """
    e = pl.col(expr) if isinstance(expr, str) else expr
    text = e.str.strip_chars_start().str.replace("^", "\n\n")  # keeps the column name
    lead = "\n\n" if split_on == "turns" else ""
    marked = text.str.replace_all(f"{lead}Human:", f"{_SEP}user{_ROLE_END}", literal=True).str.replace_all(
        f"{lead}Assistant:", f"{_SEP}assistant{_ROLE_END}", literal=True
    )
    el = pl.element()
    role = pl.when(el.str.starts_with(f"user{_ROLE_END}")).then(pl.lit("user")).otherwise(pl.lit("assistant"))
    content = el.str.replace(f"^[a-z]+{_ROLE_END}", "").str.strip_chars()
    return (
        marked.str.split(_SEP)
        .list.slice(1)
        .list.eval(pl.struct(role.alias("role"), content.alias("content")))
    )


@mapper_factory
def hh_rlhf(*, split_on: Literal["turns", "anywhere"] = "turns") -> Mapper:
    """``Anthropic/hh-rlhf`` ``chosen``/``rejected`` -> shared prompt + last turns (label ``A``).

    ``split_on="anywhere"`` reproduces the recipe exactly, including its splits at a ``Human:`` quoted inside
    a turn; the default splits at turn markers only (about 1% of rows differ).
    """
    if split_on not in ("turns", "anywhere"):
        raise InvalidArgumentError(f"hh_rlhf(split_on={split_on!r}): expected 'turns' or 'anywhere'.")

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        require_columns(lf, ["chosen", "rejected"], "hh_rlhf")
        c, r = pl.col("_c"), pl.col("_r")
        n = c.list.len()
        valid = (
            (n == r.list.len())
            & (n >= 1)
            & c.list.head(n - 1).eq_missing(r.list.head(n - 1))
            & c.list.last().ne_missing(r.list.last())
        )
        out = (
            lf.with_columns(
                transcript_messages("chosen", split_on=split_on).alias("_c"),
                transcript_messages("rejected", split_on=split_on).alias("_r"),
            )
            .filter(valid)
            .with_columns(
                comparison(c.list.head(n - 1), c.list.tail(1), r.list.tail(1)),
                pl.lit("A").alias("label"),
            )
        )
        return _finish(out, ["_c", "_r"])

    return Mapper("hh_rlhf", run, output="comparison", options={"split_on": split_on})


# --------------------------------------------------------------------------------------------------- nvidia
@mapper_factory
def helpsteer3() -> Mapper:
    """``nvidia/HelpSteer3`` (``preference`` config) -> comparison; ties (0) and nulls dropped."""

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        require_columns(lf, ["context", "response1", "response2", "overall_preference"], "helpsteer3")
        pref = pl.col("overall_preference")
        el = pl.element()
        context = pl.col("context").list.eval(
            pl.struct(el.struct.field("role").cast(pl.String), el.struct.field("content").cast(pl.String))
        )
        out = lf.filter(pref.is_not_null() & (pref != 0)).with_columns(
            comparison(
                context,
                single_message_list("assistant", pl.col("response1")),
                single_message_list("assistant", pl.col("response2")),
            ),
            pl.when(pref < 0).then(pl.lit("A")).otherwise(pl.lit("B")).alias("label"),
        )
        return _finish(out, ["context", "response1", "response2"])

    return Mapper("helpsteer3", run, output="comparison")


@mapper_factory
def helpsteer2(*, score: str = "helpfulness") -> Mapper:
    """``nvidia/HelpSteer2`` -> best vs worst ``score`` per ``prompt`` (a group-by; not row-local).

    Output columns: ``comparison``, ``label`` (``A``), ``prompt``, ``chosen_response``,
    ``rejected_response``, ``helpfulness_diff``.

    >>> lf = pl.LazyFrame({"prompt": ["p", "p", "p"], "response": ["a", "b", "c"], "helpfulness": [2, 4, 2]})
    >>> helpsteer2()(lf).collect().select("chosen_response", "rejected_response", "helpfulness_diff").row(0)
    ('b', 'c', 2)
    """

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        require_columns(lf, ["prompt", "response", score], "helpsteer2")
        h = pl.col(score)
        ranked = pl.col("response").sort_by(h, descending=True, maintain_order=True)
        grouped = (
            lf.group_by("prompt", maintain_order=True)
            .agg(
                pl.len().alias("_n"),
                # a stable descending sort, as the recipe's list.sort(reverse=True): first of the best,
                # last of the worst (``reverse().get(reverse().arg_min())`` gives wrong rows in Polars 2.1)
                ranked.first().alias("chosen_response"),
                ranked.last().alias("rejected_response"),
                (h.max() - h.min()).alias("helpfulness_diff"),
            )
            .filter((pl.col("_n") >= 2) & (pl.col("helpfulness_diff") > 0))
        )
        out = grouped.with_columns(
            comparison(
                single_message_list("user", pl.col("prompt")),
                single_message_list("assistant", pl.col("chosen_response")),
                single_message_list("assistant", pl.col("rejected_response")),
            ),
            pl.lit("A").alias("label"),
        )
        return _finish(out, ["_n"])

    return Mapper("helpsteer2", run, output="comparison", row_local=False, options={"score": score})


# --------------------------------------------------------------------------------------------------- others
@mapper_factory
def ultrafeedback() -> Mapper:
    """``argilla/ultrafeedback-binarized-preferences`` -> comparison (label ``A``)."""

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        require_columns(lf, ["instruction", "chosen_response", "rejected_response"], "ultrafeedback")
        out = lf.with_columns(
            comparison(
                single_message_list("user", pl.col("instruction")),
                single_message_list("assistant", pl.col("chosen_response")),
                single_message_list("assistant", pl.col("rejected_response")),
            ),
            pl.lit("A").alias("label"),
        )
        return _finish(out, [])

    return Mapper("ultrafeedback", run, output="comparison")


@mapper_factory
def tulu3_preference() -> Mapper:
    """``allenai/llama-3.1-tulu-3-8b-preference-mixture`` -> ``prompt`` + ``chosen[1]``/``rejected[1]``
    contents (label ``A``); rows with fewer than two messages on a side are dropped."""

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        require_columns(lf, ["prompt", "chosen", "rejected"], "tulu3_preference")
        a = pl.col("chosen").list.get(1, null_on_oob=True).struct.field("content")
        b = pl.col("rejected").list.get(1, null_on_oob=True).struct.field("content")
        out = lf.filter(a.is_not_null() & b.is_not_null()).with_columns(
            comparison(
                single_message_list("user", pl.col("prompt")),
                single_message_list("assistant", a),
                single_message_list("assistant", b),
            ),
            pl.lit("A").alias("label"),
        )
        return _finish(out, [])

    return Mapper("tulu3_preference", run, output="comparison")


def _content_dtype(schema: pl.Schema, column: str) -> pl.DataType:
    dtype = schema[column]
    if isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct):
        fields = {f.name: f.dtype for f in dtype.inner.fields}
        if "role" in fields and "content" in fields:
            return fields["content"]
    msg = f"mapper 'arena': column {column!r} must be a list of {{role, content}} structs; got {dtype}."
    raise FeatureTypeError(msg)


def _arena_conversation(column: str, content_dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    """(flattened text-only messages, row has a non-text part)."""
    el = pl.element()
    if isinstance(content_dtype, pl.List):
        parts = el.struct.field("content")
        non_text = pl.col(column).list.eval(
            parts.list.eval(pl.element().struct.field("type") != "text").list.any()
        )
        has_non_text = non_text.list.any()
        text = parts.list.eval(pl.element().struct.field("text").fill_null("")).list.join(" ")
        n_parts = parts.list.len()
    else:  # plain string content (older arena dumps)
        has_non_text = pl.lit(False)
        text = el.struct.field("content").cast(pl.String)
        n_parts = pl.lit(1)
    role = el.struct.field("role").cast(pl.String)
    msgs = (
        pl.col(column)
        .list.eval(pl.struct(role.alias("role"), text.alias("content"), n_parts.alias("_n")))
        .list.eval(
            pl.element().filter(
                (pl.element().struct.field("_n") > 0)
                & pl.element().struct.field("role").is_in(["user", "assistant"])
            )
        )
    )
    msgs = msgs.list.eval(pl.struct(pl.element().struct.field("role"), pl.element().struct.field("content")))
    return msgs, has_non_text.fill_null(False)


@mapper_factory
def arena(*, ties: Literal["drop", "label"] = "drop") -> Mapper:
    """``lmarena-ai/arena-human-preference-140k`` -> comparison by ``winner``.

    ``ties="drop"`` (the recipe) drops ``tie``/``both_bad``; ``ties="label"`` keeps them as ``Tie``.
    """
    if ties not in ("drop", "label"):
        raise InvalidArgumentError(f"arena(ties={ties!r}): expected 'drop' or 'label'.")

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        schema = require_columns(lf, ["winner", "conversation_a", "conversation_b"], "arena")
        dtype_a = _content_dtype(schema, "conversation_a")
        dtype_b = _content_dtype(schema, "conversation_b")
        a, a_bad = _arena_conversation("conversation_a", dtype_a)
        b, b_bad = _arena_conversation("conversation_b", dtype_b)
        w = pl.col("winner")
        label = (
            pl.when(w == "model_a")
            .then(pl.lit("A"))
            .when(w == "model_b")
            .then(pl.lit("B"))
            .otherwise(pl.lit("Tie"))
        )
        keep_winner = w.is_in(["model_a", "model_b"]) if ties == "drop" else w.is_not_null()
        ca, cb = pl.col("_a"), pl.col("_b")
        ok = (
            (ca.list.len() >= 2)
            & (cb.list.len() >= 2)
            & (ca.list.last().struct.field("role") == "assistant")
            & (cb.list.last().struct.field("role") == "assistant")
        )
        out = (
            lf.filter(keep_winner & ~a_bad & ~b_bad)
            .with_columns(a.alias("_a"), b.alias("_b"))
            .filter(ok)
            .with_columns(
                comparison(ca.list.head(1), ca.list.slice(1), cb.list.slice(1)), label.alias("label")
            )
        )
        return _finish(out, ["_a", "_b"])

    return Mapper("arena", run, output="comparison", options={"ties": ties})


# --------------------------------------------------------------------------------------------------- views
@mapper_factory
def to_dpo(*, keep_columns: bool = False) -> Mapper:
    """``comparison`` + ``label`` -> ``prompt``/``chosen``/``rejected`` messages; ``Tie`` rows dropped.

    >>> from polards.mappers.structs import comparisons_from_dicts
    >>> m = lambda t: [{"role": "assistant", "content": t}]
    >>> df = comparisons_from_dicts([{"comparison": {"prompt_conversation": [], "completion_A": m("a"),
    ...                                              "completion_B": m("b")}, "label": "B"}])
    >>> to_dpo()(df.lazy()).collect()["chosen"].to_list()
    [[{'role': 'assistant', 'content': 'b'}]]
    """

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        schema = require_columns(lf, ["comparison", "label"], "to_dpo")
        cmp, label = pl.col("comparison"), pl.col("label")
        a, b = cmp.struct.field("completion_A"), cmp.struct.field("completion_B")
        rest = [c for c in schema if c not in ("comparison", "label")] if keep_columns else []
        return lf.filter(label.is_in(["A", "B"])).select(
            cmp.struct.field("prompt_conversation").alias("prompt"),
            pl.when(label == "A").then(a).otherwise(b).alias("chosen"),
            pl.when(label == "A").then(b).otherwise(a).alias("rejected"),
            *rest,
        )

    return Mapper("to_dpo", run, output="dpo")


@mapper_factory
def swap(mask: pl.Expr | None = None) -> Mapper:
    """Swap ``completion_A``/``completion_B`` and the labels ``A``<->``B`` (``Tie`` stays), on every row or
    where ``mask`` is true (e.g. ``pl.int_range(pl.len()) % 2 == 1`` to balance label positions).

    >>> from polards.mappers.structs import comparisons_from_dicts
    >>> m = lambda t: [{"role": "assistant", "content": t}]
    >>> df = comparisons_from_dicts([{"comparison": {"prompt_conversation": [], "completion_A": m("a"),
    ...                                              "completion_B": m("b")}, "label": "A"}])
    >>> out = swap()(df.lazy()).collect()
    >>> out["label"].to_list(), out["comparison"].struct.field("completion_A").to_list()
    (['B'], [[{'role': 'assistant', 'content': 'b'}]])
    """

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        require_columns(lf, ["comparison", "label"], "swap")
        cmp, label = pl.col("comparison"), pl.col("label")
        do = pl.lit(True) if mask is None else mask.fill_null(False)
        swapped = pl.struct(
            cmp.struct.field("prompt_conversation"),
            cmp.struct.field("completion_B").alias("completion_A"),
            cmp.struct.field("completion_A").alias("completion_B"),
        )
        new_label = label.replace({"A": "B", "B": "A"})
        return lf.with_columns(
            pl.when(do).then(swapped).otherwise(cmp).cast(COMPARISON).alias("comparison"),
            pl.when(do).then(new_label).otherwise(label).alias("label"),
        )

    return Mapper("swap", run, output="comparison")
