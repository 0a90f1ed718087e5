"""Exact match, SQuAD F1, accuracy, pass@k: against reference implementations and on every input form."""

from __future__ import annotations

import collections
import math
import re
import string
from itertools import combinations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polards.eval import accuracy, exact_match, pass_at_k, pass_at_k_estimate, squad_f1
from polards.eval.metrics.squad_f1 import squad_v2_f1
from polards.exceptions import ColumnNotFoundError, InvalidArgumentError


# ------------------------------------------------------------------- the official SQuAD v1.1 / v2.0 functions
def _squad_normalize(s: str) -> str:
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def _squad_f1(pred: str, gold: str, v2: bool = False) -> float:
    p, g = _squad_normalize(pred).split(), _squad_normalize(gold).split()
    if v2 and (not p or not g):  # evaluate-v2.0.py; v1.1 falls through to "no common token: 0"
        return float(p == g)
    common = collections.Counter(p) & collections.Counter(g)
    same = sum(common.values())
    if same == 0:
        return 0.0
    prec, rec = same / len(p), same / len(g)
    return 2 * prec * rec / (prec + rec)


ascii_text = st.text(alphabet=string.ascii_letters + string.digits + string.punctuation + "  ", max_size=30)
words = st.lists(
    st.sampled_from(["the", "a", "an", "cat", "Cat", "cat.", "dog", "big", "!", "1,000", "x"]), max_size=8
)
answer = words.map(" ".join) | ascii_text


@given(st.lists(st.tuples(answer, st.lists(answer, min_size=1, max_size=3)), min_size=1, max_size=10))
@settings(max_examples=200, deadline=None)
def test_squad_f1_and_em_equal_official_script(data):
    preds = [p for p, _ in data]
    refs = [r for _, r in data]
    res = squad_f1(preds, refs)
    want_f1 = [max(_squad_f1(p, g) for g in rs) for p, rs in data]
    want_em = [max(float(_squad_normalize(p) == _squad_normalize(g)) for g in rs) for p, rs in data]
    assert res.per_item["f1"].to_list() == pytest.approx(want_f1, abs=1e-12)
    assert res.per_item["exact_match"].to_list() == want_em
    assert res.score == pytest.approx(sum(want_f1) / len(want_f1), abs=1e-12)
    want_v2 = [max(_squad_f1(p, g, v2=True) for g in rs) for p, rs in data]
    assert squad_v2_f1(preds, refs).per_item["f1"].to_list() == pytest.approx(want_v2, abs=1e-12)
    squad_em = exact_match(preds, refs, ignore_case=True, ignore_punctuation=True, ignore_articles=True)
    assert squad_em.per_item["exact_match"].to_list() == want_em


def test_exact_match_options():
    preds = ["The Cat!", " cat ", "3.0", "1,000", "dog"]
    refs = ["cat", "cat", "3", "1000", ["cat", "dog"]]
    assert exact_match(preds, refs).per_item["exact_match"].to_list() == [0, 1, 0, 0, 1]
    loose = exact_match(preds, refs, ignore_case=True, ignore_punctuation=True, ignore_articles=True)
    assert loose.per_item["exact_match"].to_list() == [1, 1, 0, 1, 1]  # "," is punctuation
    num = exact_match(preds, refs, numeric_tolerance=1e-9)
    assert num.per_item["exact_match"].to_list() == [0, 1, 1, 1, 1]
    strict = exact_match([" a"], ["a"], normalize_whitespace=False)
    assert strict.score == 0.0


def test_exact_match_no_reference_and_none():
    res = exact_match([None, "a"], [[], "a"])
    assert res.per_item["exact_match"].to_list() == [0.0, 1.0]


def test_accuracy():
    assert accuracy([1, 2, None], [1, 3, None]).per_item["correct"].to_list() == [True, False, False]
    assert accuracy(["a", 1], ["a", "1"]).score == 0.5  # mixed types compare as Python objects


@given(st.integers(1, 30), st.data())
@settings(max_examples=100, deadline=None)
def test_pass_at_k_estimator_equals_combinatorial_definition(n, data):
    c = data.draw(st.integers(0, n))
    k = data.draw(st.integers(1, n))
    samples = [True] * c + [False] * (n - c)
    subsets = list(combinations(range(n), k)) if math.comb(n, k) <= 3000 else None
    got = pass_at_k_estimate(n, c, k)
    want = 1 - math.comb(n - c, k) / math.comb(n, k)
    assert got == pytest.approx(want, abs=1e-12)
    if subsets is not None:
        brute = sum(any(samples[i] for i in s) for s in subsets) / len(subsets)
        assert got == pytest.approx(brute, abs=1e-12)


def test_pass_at_k_input_forms():
    lists = [[True, False, False, False], [False] * 4, [True] * 4]
    r = pass_at_k(lists, k=[1, 2])
    assert r.details["pass@1"] == pytest.approx((0.25 + 0 + 1) / 3)
    assert r.per_item.columns == ["n", "c", "pass@1", "pass@2"]
    df = pl.DataFrame({"ok": lists})
    assert pass_at_k("ok", k=2, data=df).score == r.details["pass@2"]
    long = pl.DataFrame({"pid": [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2], "ok": [x for xs in lists for x in xs]})
    assert pass_at_k("ok", k=[1, 2], data=long, group="pid").details == r.details
    with pytest.raises(InvalidArgumentError, match="fewer than k=5"):
        pass_at_k(lists, k=5)
    with pytest.raises(ColumnNotFoundError):
        pass_at_k("nope", data=df)
    with pytest.raises(InvalidArgumentError):
        pass_at_k_estimate(3, 4, 1)


def test_metrics_accept_dataset_dataframe_lazyframe_and_series():
    import polards as pds

    data = {"pred": ["a cat", "dog"], "ref": ["a cat", "a dog"]}
    want = squad_f1(data["pred"], data["ref"]).score
    for obj in (pds.Dataset.from_dict(data), pl.DataFrame(data), pl.DataFrame(data).lazy()):
        assert squad_f1("pred", "ref", data=obj).score == want
    assert squad_f1(pl.Series(data["pred"]), pl.Series(data["ref"])).score == want
    with pytest.raises(ColumnNotFoundError, match="prd"):
        squad_f1("prd", "ref", data=pl.DataFrame(data))
    with pytest.raises(InvalidArgumentError, match="column names"):
        squad_f1(["a"], "ref", data=pl.DataFrame(data))
    with pytest.raises(InvalidArgumentError, match="must be a string"):
        squad_f1([1], ["a"])
    assert squad_f1([], []).score == 0.0


def test_metric_result_to_dict():
    d = squad_f1(["cat"], ["cat"]).to_dict()
    assert (
        d["name"] == "squad_f1" and d["score"] == 1.0 and d["per_item"] == {"f1": [1.0], "exact_match": [1.0]}
    )
