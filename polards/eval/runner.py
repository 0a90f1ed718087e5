"""``evaluate``: score a prediction column against a reference column with several metrics at once.

Examples
--------
>>> import polars as pl
>>> df = pl.DataFrame({"pred": ["a cat", "the dog"], "ref": ["a cat", "a dog"]})
>>> res = evaluate(df, predictions="pred", references="ref", metrics=["exact_match", "squad_f1"])
>>> res.metrics["exact_match"], res.metrics["squad_f1"], res.n
(0.5, 1.0, 2)
>>> res.per_item.columns
['exact_match', 'squad_f1.f1', 'squad_f1.exact_match']
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from polards.eval.metrics import (
    MetricResult,
    accuracy,
    corpus_bleu,
    exact_match,
    rouge,
    sentence_bleu,
    squad_f1,
    squad_v2_f1,
)
from polards.exceptions import ColumnNotFoundError, InvalidArgumentError

__all__ = ["EvaluationResult", "METRICS", "evaluate"]


def _math(predictions: Any, references: Any, **kwargs: Any) -> MetricResult:
    from polards.eval.extract import extract_boxed
    from polards.eval.grading import grade_answers

    extract = kwargs.pop("extract", None)
    preds = list(predictions)
    if extract == "boxed":
        preds = [extract_boxed(p) for p in preds]
    elif callable(extract):
        preds = [extract(p) for p in preds]
    verdicts, stats = grade_answers(preds, list(references), return_stats=True, **kwargs)  # type: ignore[misc]
    score = float(verdicts.cast(pl.Float64).mean()) if len(verdicts) else 0.0  # type: ignore[arg-type]
    return MetricResult("math", score, stats.to_dict(), pl.DataFrame({"correct": verdicts}))


METRICS: dict[str, Callable[..., MetricResult]] = {
    "exact_match": exact_match,
    "squad_f1": squad_f1,
    "f1": squad_f1,
    "squad_v2_f1": squad_v2_f1,
    "bleu": corpus_bleu,
    "sentence_bleu": sentence_bleu,
    "rouge": rouge,
    "accuracy": accuracy,
    "math": _math,
}


@dataclass(frozen=True)
class EvaluationResult:
    """A result record: metric values, item count, per-item scores, timings and the configuration used.

    Attributes
    ----------
    metrics
        ``{metric: score}`` plus ``{metric.detail: value}`` for scalar details.
    n
        Number of items scored.
    per_item
        One row per item; columns are the metrics' per-item scores (prefixed ``metric.`` when a metric has
        several), plus any ``keep_columns``.
    timings
        Seconds per metric and ``"total"``.
    config
        Column names, metric names and keyword arguments (JSON-friendly).
    """

    metrics: dict[str, float]
    n: int
    per_item: pl.DataFrame
    timings: dict[str, float]
    config: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, *, per_item: bool = True) -> dict[str, Any]:
        """Plain-Python record (``per_item`` as column lists unless ``per_item=False``)."""
        out: dict[str, Any] = {
            "metrics": dict(self.metrics),
            "n": self.n,
            "timings": dict(self.timings),
            "config": dict(self.config),
        }
        if per_item:
            out["per_item"] = self.per_item.to_dict(as_series=False)
        return out


def _load(dataset: Any, columns: list[str]) -> pl.DataFrame:
    if isinstance(dataset, Mapping):
        dataset = pl.DataFrame(dict(dataset))
    if isinstance(dataset, pl.DataFrame):
        names = dataset.columns
        lf = dataset.lazy()
    elif isinstance(dataset, pl.LazyFrame):
        lf = dataset
        names = lf.collect_schema().names()
    elif hasattr(dataset, "lazy"):
        lf = dataset.lazy()
        names = lf.collect_schema().names()
    elif hasattr(dataset, "to_polars"):
        df = dataset.to_polars()
        lf, names = df.lazy(), df.columns
    else:
        raise InvalidArgumentError(
            f"dataset must be a polards Dataset, pl.DataFrame, pl.LazyFrame or dict, got {type(dataset).__name__}"
        )
    missing = [c for c in columns if c not in names]
    if missing:
        raise ColumnNotFoundError.from_names(missing, names)
    return lf.select(list(dict.fromkeys(columns))).collect()


def _jsonable(v: Any) -> Any:
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    return repr(v)


def evaluate(
    dataset: Any,
    predictions: str = "prediction",
    references: str = "reference",
    metrics: Sequence[str | Callable[..., MetricResult]] = ("exact_match",),
    *,
    metric_kwargs: Mapping[str, Mapping[str, Any]] | None = None,
    keep_columns: Sequence[str] = (),
) -> EvaluationResult:
    """Score ``dataset[predictions]`` against ``dataset[references]`` with each metric.

    Parameters
    ----------
    dataset
        A polards ``Dataset``/``IterableDataset`` (anything with ``lazy()`` or ``to_polars()``), a
        ``pl.DataFrame``/``pl.LazyFrame`` or a dict of columns. Only the needed columns are read.
    predictions, references
        Column names. A reference cell may be a string or a list of strings.
    metrics
        Names from :data:`METRICS` (``exact_match``, ``squad_f1``/``f1``, ``bleu``, ``sentence_bleu``,
        ``rouge``, ``accuracy``, ``math``) or callables ``f(preds, refs, **kw) -> MetricResult``.
    metric_kwargs
        Keyword arguments per metric name, e.g. ``{"rouge": {"use_stemmer": True}}``.
    keep_columns
        Extra columns copied into ``per_item`` (e.g. an id).
    """
    t0 = time.perf_counter()
    if not metrics:
        raise InvalidArgumentError("metrics is empty")
    kwargs_by = {k: dict(v) for k, v in (metric_kwargs or {}).items()}
    unknown = [m for m in metrics if isinstance(m, str) and m not in METRICS]
    if unknown:
        raise InvalidArgumentError(f"unknown metric {unknown[0]!r}; available: {sorted(METRICS)}")
    df = _load(dataset, [predictions, references, *keep_columns])
    preds, refs = df[predictions].to_list(), df[references].to_list()
    timings: dict[str, float] = {"load": time.perf_counter() - t0}
    values: dict[str, float] = {}
    parts: list[pl.DataFrame] = [df.select(keep_columns)] if keep_columns else []
    names_used: list[str] = []
    for m in metrics:
        name = m if isinstance(m, str) else getattr(m, "__name__", "metric")
        fn = METRICS[m] if isinstance(m, str) else m
        t = time.perf_counter()
        res = fn(preds, refs, **kwargs_by.get(name, {}))
        timings[name] = time.perf_counter() - t
        names_used.append(name)
        values[name] = float(res.score)
        for k, v in res.details.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                values[f"{name}.{k}"] = float(v)
        if res.per_item is not None and res.per_item.width:
            pi = res.per_item
            if pi.width == 1:
                pi = pi.rename({pi.columns[0]: name})
            else:
                pi = pi.rename({c: f"{name}.{c}" for c in pi.columns})
            parts.append(pi)
    per_item = pl.concat(parts, how="horizontal") if parts else pl.DataFrame()
    timings["total"] = time.perf_counter() - t0
    config = {
        "predictions": predictions,
        "references": references,
        "metrics": names_used,
        "metric_kwargs": _jsonable(kwargs_by),
    }
    return EvaluationResult(values, df.height, per_item, timings, config)
