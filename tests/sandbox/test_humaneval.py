"""Real HumanEval (openai/human-eval, MIT; see tests/data/humaneval/LICENSE) through the sandbox pool."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import polars as pl
import pytest

from polards.sandbox import AssertTest, run_column, run_many

DATA = Path(__file__).parents[1] / "data" / "humaneval" / "HumanEval.jsonl.gz"

# Canonical solution with its return value changed: wrap the entry point and perturb what it returns.
WRONG = """
def _polards_perturb(r):
    if isinstance(r, bool):
        return not r
    if isinstance(r, int):
        return r + 1
    if isinstance(r, float):
        return r + 1.5
    if isinstance(r, str):
        return r + "x"
    if isinstance(r, list):
        return r + [None]
    if isinstance(r, tuple):
        return r + (None,)
    if r is None:
        return 0
    return None
_polards_original = {ep}
def {ep}(*args, **kwargs):
    return _polards_perturb(_polards_original(*args, **kwargs))
"""


@pytest.fixture(scope="module")
def problems() -> list[dict]:
    with gzip.open(DATA, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    assert len(rows) == 164
    return rows


def _canonical(row: dict) -> tuple[str, AssertTest]:
    return row["prompt"] + row["canonical_solution"], AssertTest(row["test"], row["entry_point"])


def _wrong(row: dict) -> tuple[str, AssertTest]:
    code, test = _canonical(row)
    return code + WRONG.format(ep=row["entry_point"]), test


def test_a_sample_of_problems_and_their_wrong_variants(problems):
    sample = problems[::20]
    results = run_many([_canonical(r) for r in sample] + [_wrong(r) for r in sample], workers=2)
    n = len(sample)
    assert [r.status for r in results[:n]] == ["passed"] * n
    assert [r.status for r in results[n:]] == ["failed"] * n


def test_column_version_on_humaneval_rows(problems):
    df = pl.DataFrame(problems[:6]).with_columns(
        completion=pl.when(pl.int_range(pl.len()) % 2 == 0)
        .then(pl.col("canonical_solution"))
        .otherwise(pl.lit("    return None\n"))
    )
    out = run_column(
        df, pl.col("prompt") + pl.col("completion"), "test", entry_point_col="entry_point", workers=2
    )
    assert out["all_passed"].to_list() == [True, False] * 3


@pytest.mark.slow
def test_all_164_canonical_solutions_pass(problems):
    results = run_many([_canonical(r) for r in problems], workers=2, progress=False)
    failing = {
        row["task_id"]: r.first_error for row, r in zip(problems, results, strict=True) if not r.all_passed
    }
    assert failing == {}


@pytest.mark.slow
def test_every_wrong_variant_fails(problems):
    results = run_many([_wrong(r) for r in problems], workers=2, progress=False)
    passing = [row["task_id"] for row, r in zip(problems, results, strict=True) if r.all_passed]
    assert passing == []
    assert {r.status for r in results} == {"failed"}
