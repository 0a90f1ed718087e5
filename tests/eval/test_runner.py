"""evaluate(): the result record over datasets, frames and dicts."""

from __future__ import annotations

import dataclasses
import json

import polars as pl
import pytest
import sacrebleu

import polards as pds
from polards.eval import EvaluationResult, MetricResult, evaluate
from polards.exceptions import ColumnNotFoundError, InvalidArgumentError

DATA = {
    "id": [1, 2, 3],
    "pred": ["the cat sat on the mat", "a dog", "hello world"],
    "ref": ["the cat sat on a mat", "a dog", "goodbye world"],
}


def test_evaluate_record_on_dataset():
    ds = pds.Dataset.from_dict(DATA)
    res = evaluate(ds, "pred", "ref", ["exact_match", "squad_f1", "bleu", "rouge"], keep_columns=["id"])
    assert isinstance(res, EvaluationResult) and res.n == 3
    assert res.metrics["exact_match"] == pytest.approx(1 / 3)
    assert res.metrics["bleu"] == pytest.approx(
        sacrebleu.corpus_bleu(DATA["pred"], [DATA["ref"]]).score, abs=1e-9
    )
    assert "rouge.rougeL_fmeasure" in res.metrics and "bleu.bp" in res.metrics
    assert res.per_item.columns[:3] == ["id", "exact_match", "squad_f1.f1"]
    assert "bleu" in res.per_item.columns and "rouge.rouge1_fmeasure" in res.per_item.columns
    assert set(res.timings) >= {"exact_match", "bleu", "rouge", "total", "load"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.n = 4  # type: ignore[misc]
    d = res.to_dict()
    json.dumps(d)  # a result store can keep it as JSON
    assert d["per_item"]["id"] == [1, 2, 3] and d["config"]["metrics"][0] == "exact_match"
    assert "per_item" not in res.to_dict(per_item=False)


def test_evaluate_inputs_kwargs_and_callables():
    def shout(preds, refs):
        return MetricResult("shout", 0.5, {"k": 1.0}, None)

    res = evaluate(
        pl.DataFrame(DATA).lazy(),
        predictions="pred",
        references="ref",
        metrics=["exact_match", shout],
        metric_kwargs={"exact_match": {"ignore_case": True}},
    )
    assert res.metrics["shout"] == 0.5 and res.metrics["shout.k"] == 1.0
    assert evaluate(DATA, "pred", "ref", ["accuracy"]).metrics["accuracy"] == pytest.approx(1 / 3)


def test_evaluate_math_metric_with_extraction():
    data = {"out": [r"so \boxed{\frac{1}{2}}", r"\boxed{3}"], "gold": ["0.5", "4"]}
    res = evaluate(
        data, "out", "gold", ["math"], metric_kwargs={"math": {"extract": "boxed", "use_sympy": False}}
    )
    assert res.metrics["math"] == 0.5 and res.per_item["math"].to_list() == [True, False]
    assert res.metrics["math.by_numeric"] >= 1


def test_evaluate_errors():
    with pytest.raises(ColumnNotFoundError, match="prediction"):
        evaluate(DATA, metrics=["exact_match"])
    with pytest.raises(InvalidArgumentError, match="unknown metric"):
        evaluate(DATA, "pred", "ref", ["meteor"])
    with pytest.raises(InvalidArgumentError, match="empty"):
        evaluate(DATA, "pred", "ref", [])
    with pytest.raises(InvalidArgumentError, match="dataset"):
        evaluate(42, "pred", "ref")
