"""SQuAD token F1 (multiset overlap of normalised tokens), max over references; also SQuAD EM.

Multiset intersection is computed with Polars: each token is tagged with its occurrence number within its
answer (``the``#0, ``the``#1, ...), so an inner join on (pair, token, occurrence) counts common tokens exactly
like ``Counter(pred) & Counter(gold)``.

Two versions differ only when a side has no tokens after normalisation (``"the"``, ``"!"``, ``""``):

* ``version="v1.1"`` (the default, SQuAD v1.1's ``evaluate-v1.1.py``): F1 is 0 when no token is shared, so two
  empty answers score 0 (their exact match is still 1);
* ``version="v2"`` (:func:`squad_v2_f1`, SQuAD v2.0's ``evaluate-v2.0.py``, for unanswerable questions): F1 is
  1 when both sides are empty, 0 when only one is.

Examples
--------
>>> r = squad_f1(["the cat sat", "blue"], [["a cat sat down"], ["red", "blue!"]])
>>> round(r.score, 6), r.per_item["f1"].round(6).to_list()
(0.9, [0.8, 1.0])
>>> squad_f1(["the"], [["a"]]).score, squad_v2_f1(["the"], [["a"]]).score
(0.0, 1.0)
"""

from __future__ import annotations

from typing import Any

import polars as pl

from polards.eval.metrics._common import MetricResult, as_reference_lists, as_strings, resolve_columns
from polards.eval.metrics._text import normalize_expr
from polards.eval.metrics.exact_match import pairs_frame

__all__ = ["squad_f1", "squad_v2_f1"]


def _tokens(df: pl.DataFrame, col: str) -> pl.DataFrame:
    return (
        df.select("pair", tok=pl.col(col).str.split(" "))
        .explode("tok")
        .filter(pl.col("tok").is_not_null() & (pl.col("tok") != ""))
        .with_columns(occ=pl.int_range(pl.len()).over("pair", "tok"))
    )


def squad_f1(predictions: Any, references: Any, *, data: Any = None, version: str = "v1.1") -> MetricResult:
    """Mean SQuAD F1 (``score``) and EM (``details["exact_match"]``), with per-item ``f1``/``exact_match``.

    ``version`` is ``"v1.1"`` (default: empty answers share no token, F1 0) or ``"v2"`` (two empty answers
    score F1 1), see the module docs.
    """
    if version not in ("v1.1", "v2"):
        from polards.exceptions import InvalidArgumentError

        raise InvalidArgumentError(f"version must be 'v1.1' or 'v2', got {version!r}")
    preds, refs = resolve_columns(predictions, references, data)
    df = pairs_frame(as_strings(preds, "predictions"), as_reference_lists(refs))
    df = df.with_row_index("pair").with_columns(
        p=normalize_expr(pl.col("pred")), r=normalize_expr(pl.col("ref")), has_ref=pl.col("ref").is_not_null()
    )
    pt, rt = _tokens(df, "p"), _tokens(df, "r")
    common = pt.join(rt, on=["pair", "tok", "occ"], how="inner").group_by("pair").agg(c=pl.len())
    np_ = pt.group_by("pair").agg(np_=pl.len())
    nr = rt.group_by("pair").agg(nr=pl.len())
    f = (
        df.select("pair", "item", "has_ref", em=(pl.col("p") == pl.col("r")).fill_null(False))
        .join(common, on="pair", how="left")
        .join(np_, on="pair", how="left")
        .join(nr, on="pair", how="left")
        .with_columns(pl.col("c", "np_", "nr").fill_null(0).cast(pl.Float64))
    )
    prec = pl.col("c") / pl.col("np_")
    rec = pl.col("c") / pl.col("nr")
    f1 = (
        pl.when(~pl.col("has_ref"))
        .then(0.0)
        .when((pl.col("np_") == 0) | (pl.col("nr") == 0))
        .then(((pl.col("np_") == 0) & (pl.col("nr") == 0) & pl.lit(version == "v2")).cast(pl.Float64))
        .when(pl.col("c") == 0)
        .then(0.0)
        .otherwise(2 * prec * rec / (prec + rec))
    )
    per = (
        f.with_columns(f1=f1)
        .group_by("item")
        .agg(pl.col("f1").max(), exact_match=pl.col("em").any().cast(pl.Float64))
        .sort("item")
        .select("f1", "exact_match")
    )
    n = per.height
    score = float(per["f1"].mean()) if n else 0.0  # type: ignore[arg-type]
    em = float(per["exact_match"].mean()) if n else 0.0  # type: ignore[arg-type]
    name = "squad_f1" if version == "v1.1" else "squad_v2_f1"
    return MetricResult(name, score, {"exact_match": em, "n": n, "version": version}, per)


def squad_v2_f1(predictions: Any, references: Any, *, data: Any = None) -> MetricResult:
    """SQuAD v2.0 F1: :func:`squad_f1` with ``version="v2"`` (two empty answers score 1)."""
    return squad_f1(predictions, references, data=data, version="v2")
