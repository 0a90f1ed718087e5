"""Shared input handling and the result record of every metric."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from polards.exceptions import ColumnNotFoundError, InvalidArgumentError

__all__ = ["MetricResult", "resolve_columns", "as_reference_lists", "as_strings"]


@dataclass(frozen=True)
class MetricResult:
    """A corpus-level value plus details and, where it makes sense, per-item scores.

    Attributes
    ----------
    name
        Metric name (``"bleu"``, ``"rouge"``, ...).
    score
        The headline corpus value.
    details
        Other corpus values (``{"rouge1_fmeasure": ..., "bp": ...}``).
    per_item
        One row per prediction (``None`` when the metric has no per-item meaning).
    """

    name: str
    score: float
    details: dict[str, Any] = field(default_factory=dict)
    per_item: pl.DataFrame | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python view (per-item scores as a column dict)."""
        return {
            "name": self.name,
            "score": self.score,
            "details": dict(self.details),
            "per_item": None if self.per_item is None else self.per_item.to_dict(as_series=False),
        }


def _frame(data: Any) -> pl.DataFrame:
    if isinstance(data, pl.DataFrame):
        return data
    if isinstance(data, pl.LazyFrame):
        return data.collect()
    if hasattr(data, "to_polars"):
        return data.to_polars()
    raise InvalidArgumentError(
        f"data must be a polards Dataset, pl.DataFrame or pl.LazyFrame, got {type(data).__name__}"
    )


def resolve_columns(predictions: Any, references: Any, data: Any = None) -> tuple[list[Any], list[Any]]:
    """Turn (lists | Series | column names + data) into two Python lists of equal length."""
    if data is not None:
        if not isinstance(predictions, str) or not isinstance(references, str):
            raise InvalidArgumentError("with data=..., predictions and references must be column names")
        lf = data.lazy() if hasattr(data, "lazy") and not isinstance(data, pl.DataFrame) else None
        if lf is not None and not isinstance(data, pl.LazyFrame):
            names = lf.collect_schema().names()
        else:
            names = None
        if names is not None:
            missing = [c for c in (predictions, references) if c not in names]
            if missing:
                raise ColumnNotFoundError.from_names(missing, names)
            df = lf.select(predictions, references).collect()
        else:
            df = _frame(data)
            missing = [c for c in (predictions, references) if c not in df.columns]
            if missing:
                raise ColumnNotFoundError.from_names(missing, df.columns)
        predictions, references = df[predictions], df[references]
    preds = predictions.to_list() if isinstance(predictions, pl.Series) else list(predictions)
    refs = references.to_list() if isinstance(references, pl.Series) else list(references)
    if len(preds) != len(refs):
        raise InvalidArgumentError(f"{len(preds)} predictions but {len(refs)} references")
    return preds, refs


def as_strings(values: Sequence[Any], name: str) -> list[str]:
    out = []
    for i, v in enumerate(values):
        if v is None:
            out.append("")
        elif isinstance(v, str):
            out.append(v)
        else:
            raise InvalidArgumentError(f"{name}[{i}] must be a string, got {type(v).__name__}")
    return out


def as_reference_lists(refs: Sequence[Any]) -> list[list[str]]:
    """Each item's references as a list of strings (a bare string is one reference; ``None`` entries dropped)."""
    out: list[list[str]] = []
    for i, r in enumerate(refs):
        if isinstance(r, str):
            out.append([r])
        elif r is None:
            out.append([])
        elif isinstance(r, (list, tuple)) or hasattr(r, "to_list"):
            items = r.to_list() if hasattr(r, "to_list") else list(r)
            if not all(x is None or isinstance(x, str) for x in items):
                raise InvalidArgumentError(f"references[{i}] must hold strings")
            out.append([x for x in items if x is not None])
        else:
            raise InvalidArgumentError(
                f"references[{i}] must be a string or a list of strings, got {type(r).__name__}"
            )
    return out
