"""Accuracy: the share of predictions equal to their labels (any comparable dtype).

Examples
--------
>>> accuracy([1, 2, 3, 4], [1, 2, 0, 0]).score
0.5
"""

from __future__ import annotations

from typing import Any

import polars as pl

from polards.eval.metrics._common import MetricResult, resolve_columns

__all__ = ["accuracy"]


def accuracy(predictions: Any, references: Any, *, data: Any = None) -> MetricResult:
    """Mean of ``prediction == reference``; nulls never match. ``per_item["correct"]`` holds the booleans."""
    preds, refs = resolve_columns(predictions, references, data)
    try:
        p, r = pl.Series("p", preds), pl.Series("r", refs)
        correct = (p == r).fill_null(False)
    except Exception:  # mixed types: compare as Python objects
        correct = pl.Series("c", [a is not None and a == b for a, b in zip(preds, refs, strict=True)])
    per = pl.DataFrame({"correct": correct.cast(pl.Boolean)})
    score = float(correct.cast(pl.Float64).mean()) if len(correct) else 0.0  # type: ignore[arg-type]
    return MetricResult("accuracy", score, {"n": len(correct)}, per)
