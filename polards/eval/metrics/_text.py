"""Vectorised text normalisation shared by exact match and SQuAD F1."""

from __future__ import annotations

import polars as pl

__all__ = ["normalize_expr"]

PUNCT_RE = r"[!-/:-@\[-`{-~]"  # exactly string.punctuation
ARTICLES_RE = r"\b(?:a|an|the)\b"


def normalize_expr(
    e: pl.Expr,
    *,
    ignore_case: bool = True,
    ignore_punctuation: bool = True,
    ignore_articles: bool = True,
    normalize_whitespace: bool = True,
) -> pl.Expr:
    """SQuAD's ``normalize_answer`` as a Polars expression, each step optional (same order as SQuAD).

    Examples
    --------
    >>> import polars as pl
    >>> pl.select(normalize_expr(pl.lit("  The  Eiffel-Tower! "))).item()
    'eiffeltower'
    """
    if ignore_case:
        e = e.str.to_lowercase()
    if ignore_punctuation:
        e = e.str.replace_all(PUNCT_RE, "")
    if ignore_articles:
        e = e.str.replace_all(ARTICLES_RE, " ")
    if normalize_whitespace:
        e = e.str.replace_all(r"\s+", " ").str.strip_chars(" ")
    return e
