"""End-to-end: catalog math loaders against the Hub emulator."""

from __future__ import annotations

import polars as pl

from polards import catalog
from tests.catalog.conftest import raw, rows_of
from tests.mappers import _oracles

MATH_SCHEMA = {"problem": pl.String, "answer": pl.String}


def _check_math_schema(ds):
    schema = ds.lazy().collect_schema() if hasattr(ds, "lazy") else None
    assert ds.column_names[:2] == ["problem", "answer"]
    if schema is not None:
        assert {k: schema[k] for k in MATH_SCHEMA} == MATH_SCHEMA


def test_gsm8k(env):
    dd = catalog.load("gsm8k")
    assert set(dd) == {"train", "test"}
    test = dd["test"]
    _check_math_schema(test)
    assert len(test) == 1319 and len(dd["train"]) == 7473
    row0 = test[0]
    assert row0["answer"] == "18"
    assert row0["problem"].startswith("Janet")
    raw_rows = rows_of(raw("openai/gsm8k", "main", "test"))
    assert test["answer"] == [_oracles.gsm8k_final_answer(r["answer"]) for r in raw_rows]
    assert test["solution"] == [r["answer"] for r in raw_rows]
    socratic = catalog.load("gsm8k", "socratic", split="test")
    assert len(socratic) == 1319 and socratic[0]["answer"] == "18"


def test_math500_nested_braces(env):
    test = catalog.load("math500", split="test")
    _check_math_schema(test)
    assert len(test) == 500
    row0 = test[0]
    assert row0["unique_id"] == "test/precalculus/807.json"
    assert row0["answer"] == r"\left( 3, \frac{\pi}{2} \right)"
    raw_rows = rows_of(raw("HuggingFaceH4/MATH-500", split="test"))
    assert test["answer"] == [_oracles.extract_boxed(r["solution"]) for r in raw_rows]
    assert test["reference_answer"] == [r["answer"] for r in raw_rows]
    nested = [a for a in test["answer"] if a.count("{") >= 2]
    assert len(nested) > 50


def test_hendrycks_concatenated_and_decontaminated(env):
    dd = catalog.load("hendrycks_math")
    math500 = set(raw("HuggingFaceH4/MATH-500", split="test")["problem"])
    expected: dict[str, list] = {"train": [], "test": []}
    overlap = 0
    for cfg in catalog.math.HENDRYCKS_CONFIGS:
        for split in ("train", "test"):
            for r in rows_of(raw("EleutherAI/hendrycks_math", cfg, split)):
                if r["problem"] in math500:
                    overlap += 1
                    continue
                boxed = _oracles.extract_boxed(r["solution"])
                if boxed is not None:
                    expected[split].append((r["problem"], boxed, r["type"]))
    assert overlap == 21  # the fixture plants 3 MATH-500 problems per config
    for split in ("train", "test"):
        ds = dd[split]
        _check_math_schema(ds)
        assert list(zip(ds["problem"], ds["answer"], ds["type"], strict=True)) == expected[split]
        assert not math500 & set(ds["problem"])
    pool = catalog.load("hendrycks_math", split="train+test")
    # the recipe's pool: per config, train then test
    assert len(pool) == len(dd["train"]) + len(dd["test"])
    assert pool[0]["problem"] == dd["train"][0]["problem"]
    one = catalog.load("hendrycks_math", "geometry", split="test")
    assert set(one["type"]) == {"Geometry"}
    dirty = catalog.load("hendrycks_math", split="test", decontaminated=False)
    assert len(dirty) == len(dd["test"]) + sum(1 for p in dirty["problem"] if p in math500)
    assert sum(1 for p in dirty["problem"] if p in math500) > 0


def test_deepmath_and_polaris(env):
    dm = catalog.load("deepmath", split="train")
    _check_math_schema(dm)
    raw_dm = rows_of(raw("zwhe99/DeepMath-103K", split="train"))
    assert [(r["problem"], r["answer"]) for r in dm.to_list()] == [
        (r["question"], r["final_answer"]) for r in raw_dm if r["question"] and r["final_answer"]
    ]
    assert "r1_solution_1" in dm.column_names
    po = catalog.load("polaris", split="train")
    _check_math_schema(po)
    raw_po = rows_of(raw("POLARIS-Project/Polaris-Dataset-53K", split="train"))
    assert [(r["problem"], r["answer"]) for r in po.to_list()] == [
        (r["problem"], str(r["answer"])) for r in raw_po if r["problem"] and r["answer"] not in (None, "")
    ]
