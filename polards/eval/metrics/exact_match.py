"""Exact match with optional normalisation (case, punctuation, articles, whitespace, numeric tolerance).

The comparison runs as Polars expressions over (item, reference) pairs; an item matches when any of its
references matches.

Examples
--------
>>> exact_match(["The Cat.", "dog"], ["cat", "cat"], ignore_case=True, ignore_punctuation=True,
...             ignore_articles=True).score
0.5
>>> exact_match(["3.0"], ["3"], numeric_tolerance=1e-9).score
1.0
"""

from __future__ import annotations

from typing import Any

import polars as pl

from polards.eval.metrics._common import MetricResult, as_reference_lists, as_strings, resolve_columns
from polards.eval.metrics._text import normalize_expr

__all__ = ["exact_match", "pairs_frame"]


def pairs_frame(preds: list[str], refs: list[list[str]]) -> pl.DataFrame:
    """One row per (item, reference): ``item``, ``pred``, ``ref`` (items without references get a null ref)."""
    df = pl.DataFrame(
        {"item": range(len(preds)), "pred": preds, "ref": refs},
        schema={"item": pl.Int64, "pred": pl.String, "ref": pl.List(pl.String)},
    )
    return df.explode("ref", empty_as_null=True)


def exact_match(
    predictions: Any,
    references: Any,
    *,
    data: Any = None,
    ignore_case: bool = False,
    ignore_punctuation: bool = False,
    ignore_articles: bool = False,
    normalize_whitespace: bool = True,
    numeric_tolerance: float | None = None,
) -> MetricResult:
    """Share of predictions equal to (any of) their references after the chosen normalisation.

    Parameters
    ----------
    predictions, references
        Lists/Series (references may be lists of strings) or column names with ``data=``.
    ignore_case, ignore_punctuation, ignore_articles, normalize_whitespace
        SQuAD ``normalize_answer`` steps (all ``True`` gives SQuAD EM).
    numeric_tolerance
        When both sides parse as numbers, they match if ``|a - b| <= tol * max(1, |b|)``.
    """
    preds, refs = resolve_columns(predictions, references, data)
    df = pairs_frame(as_strings(preds, "predictions"), as_reference_lists(refs))
    opts = dict(
        ignore_case=ignore_case,
        ignore_punctuation=ignore_punctuation,
        ignore_articles=ignore_articles,
        normalize_whitespace=normalize_whitespace,
    )
    p, r = normalize_expr(pl.col("pred"), **opts), normalize_expr(pl.col("ref"), **opts)  # type: ignore[arg-type]
    match = p == r
    if numeric_tolerance is not None:
        pn = pl.col("pred").str.strip_chars().str.replace_all(",", "").cast(pl.Float64, strict=False)
        rn = pl.col("ref").str.strip_chars().str.replace_all(",", "").cast(pl.Float64, strict=False)
        close = (pn - rn).abs() <= numeric_tolerance * pl.max_horizontal(pl.lit(1.0), rn.abs())
        match = match | close.fill_null(False)
    per = (
        df.with_columns(m=match.fill_null(False))
        .group_by("item", maintain_order=True)
        .agg(pl.col("m").any())
        .sort("item")
        .select(exact_match=pl.col("m").cast(pl.Float64))
    )
    score = float(per["exact_match"].mean()) if per.height else 0.0  # type: ignore[arg-type]
    return MetricResult("exact_match", score, {"n": per.height}, per)
