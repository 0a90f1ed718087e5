"""Extraction: functions, Polars expressions, their agreement, property tests and real data."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polards.eval import (
    extract_answer_is,
    extract_answer_is_expr,
    extract_boxed,
    extract_boxed_expr,
    extract_gsm8k,
    extract_gsm8k_expr,
    extract_last_number,
    extract_last_number_expr,
    extract_mcq,
    extract_mcq_expr,
)
from polards.exceptions import ExtractionError, InvalidArgumentError

REAL = Path("/work/shared/realdata")


# ------------------------------------------------------------------------------------------------ boxed
@pytest.mark.parametrize(
    "text,expected",
    [
        (r"\boxed{5}", "5"),
        (r"a \boxed{1} b \boxed{\frac{1}{2}}", r"\frac{1}{2}"),
        (r"\fbox{x^{2}}", "x^{2}"),
        (r"\boxed 5", "5"),
        (r"\boxed {7}", "7"),
        (r"\boxed{\text{(A)}} done", r"\text{(A)}"),
        (r"\boxed{1} and \boxed{2", "1"),  # unbalanced last box -> the previous one
        (r"\boxed{}", ""),
        ("no box here", None),
        (None, None),
    ],
)
def test_extract_boxed_examples(text, expected):
    assert extract_boxed(text) == expected


def test_extract_boxed_first_and_strict():
    assert extract_boxed(r"\boxed{1} \boxed{2}", which="first") == "1"
    with pytest.raises(ExtractionError, match="no"):
        extract_boxed("nothing", strict=True)
    with pytest.raises(InvalidArgumentError, match="which"):
        extract_boxed("x", which="middle")


_ATOMS = st.text(alphabet="abcxyz0123456789+-=^_ \\", min_size=0, max_size=6).filter(
    lambda s: not s.endswith("\\") and "\\boxed" not in s and "\\fbox" not in s
)


@st.composite
def nested(draw, depth):
    if depth == 0:
        return draw(_ATOMS)
    parts = draw(st.lists(st.one_of(_ATOMS, st.just(None)), min_size=1, max_size=3))
    out = []
    for p in parts:
        out.append("{" + draw(nested(depth - 1)) + "}" if p is None else p)
    return "".join(out)


@given(
    depth=st.integers(0, 8),
    data=st.data(),
    decoys=st.lists(
        st.sampled_from([r"\boxed{9}", r"\fbox{decoy}", r"\boxed 3", "{", "}", "text"]), max_size=4
    ),
    prose=st.text(alphabet="abc .,\n", max_size=20),
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_boxed_property_nesting_and_decoys(depth, data, decoys, prose):
    content = data.draw(nested(depth))
    # decoy braces must not unbalance the real box, so only balanced decoys go after it
    text = "".join(decoys) + prose + r"\boxed{" + content + "}" + prose.replace("{", "").replace("}", "")
    assert extract_boxed(text) == content
    got = pl.DataFrame({"t": [text]}).select(extract_boxed_expr("t"))["t"][0]
    assert got == content


@given(st.lists(st.one_of(st.none(), st.text(alphabet="ab{}\\boxedf 12", max_size=40)), max_size=30))
@settings(max_examples=100, deadline=None)
def test_boxed_expr_agrees_with_function(texts):
    s = pl.Series("t", texts, dtype=pl.String)
    got = pl.DataFrame({"t": s}).select(extract_boxed_expr(pl.col("t")))["t"].to_list()
    assert got == [extract_boxed(t) for t in texts]


def test_boxed_expr_runs_per_batch_not_per_row():
    calls = []
    import polards.eval.extract as ex

    orig = ex.extract_boxed

    def spy(text, **kw):
        calls.append(text)
        return orig(text, **kw)

    ex.extract_boxed = spy
    try:
        df = pl.DataFrame({"t": ["plain"] * 1000 + [r"\boxed{1}"]})
        out = df.select(extract_boxed_expr("t"))["t"]
    finally:
        ex.extract_boxed = orig
    assert out.null_count() == 1000 and out[-1] == "1"
    assert len(calls) == 1  # rows without a box never reach Python


# ------------------------------------------------------------------------------------------------ regex-based
CASES = {
    "gsm8k": (
        extract_gsm8k,
        extract_gsm8k_expr,
        [
            ("Natalia sold 48/2 = <<48/2=24>>24 clips.\n#### 72", "72"),
            ("#### 1,000\n", "1000"),
            ("a #### 1\nb #### : 2 ", "2"),
            ("####", None),
            ("no answer", None),
            (None, None),
        ],
    ),
    "answer_is": (
        extract_answer_is,
        extract_answer_is_expr,
        [
            ("So the answer is 42.", "42"),
            ("The answer is: $\\frac{1}{2}$.", "\\frac{1}{2}"),
            ("the answer is 1. Actually the ANSWER IS **7**", "7"),
            ("no", None),
        ],
    ),
    "last_number": (
        extract_last_number,
        extract_last_number_expr,
        [
            ("3 apples and 1,250.5 pears", "1250.5"),
            ("it is -7.", "-7"),
            ("x", None),
            ("value .5", ".5"),
        ],
    ),
    "mcq": (
        extract_mcq,
        extract_mcq_expr,
        [
            (r"A looks right but \boxed{C}", "C"),
            (r"\boxed{\text{(B)}}", "B"),
            ("Therefore the answer is (D).", "D"),
            ("Options A B", "B"),
            ("I choose\nE", "E"),
            ("nothing here", None),
            ("ABC", None),
        ],
    ),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_regex_extractors_examples_and_expr(kind):
    fn, expr, cases = CASES[kind]
    texts = [c[0] for c in cases]
    assert [fn(t) for t in texts] == [c[1] for c in cases]
    got = pl.DataFrame({"t": texts}, schema={"t": pl.String}).select(expr("t"))["t"].to_list()
    assert got == [c[1] for c in cases]


@pytest.mark.parametrize("kind", list(CASES))
@given(texts=st.lists(st.text(alphabet="ABCD()#:,.-0123 \nanswer is\\boxed{}$*", max_size=60), max_size=20))
@settings(max_examples=80, deadline=None)
def test_regex_extractors_expr_agree_with_functions(kind, texts):
    fn, expr, _ = CASES[kind]
    got = pl.DataFrame({"t": texts}, schema={"t": pl.String}).select(expr("t"))["t"].to_list()
    assert got == [fn(t) for t in texts]


def test_strict_mode_raises_extraction_error():
    for fn in (extract_gsm8k, extract_answer_is, extract_last_number, extract_mcq):
        with pytest.raises(ExtractionError):
            fn("", strict=True)


# ------------------------------------------------------------------------------------------------ real data
@pytest.mark.skipif(not (REAL / "gsm8k/test.jsonl").exists(), reason="real data not present")
def test_gsm8k_real_answers():
    df = pl.read_ndjson(REAL / "gsm8k/test.jsonl")
    out = df.select(extract_gsm8k_expr("answer"))["answer"]
    assert out.null_count() == 0
    ref = [a.split("####")[-1].strip().replace(",", "") for a in df["answer"]]
    assert out.to_list() == ref
    assert [extract_gsm8k(a) for a in df["answer"]] == ref


@pytest.mark.skipif(not (REAL / "math500/test.jsonl").exists(), reason="real data not present")
def test_math500_boxed_matches_answer_column():
    from polards.eval import grade_answers

    df = pl.read_ndjson(REAL / "math500/test.jsonl")
    got = df.select(extract_boxed_expr("solution"))["solution"]
    assert got.null_count() == 0
    verdicts = grade_answers(got, df["answer"], use_sympy=False)
    assert verdicts.all()


def test_expressions_in_dataset_map_and_with_columns():
    import polards as pds
    from polards.eval import grade_expr

    ds = pds.Dataset.from_dict({"s": [r"so \boxed{\frac{1}{2}}", "#### 1,003"], "gold": ["0.5", "1003"]})
    out = ds.with_columns(ans=extract_boxed_expr("s")).map({"g": extract_gsm8k_expr("s")})
    rows = out.to_list()
    assert [r["ans"] for r in rows] == [r"\frac{1}{2}", None]
    assert [r["g"] for r in rows] == [None, "1003"]
    graded = out.with_columns(ok=grade_expr(pl.coalesce("ans", "g"), "gold", use_sympy=False))
    assert graded["ok"] == [True, True]
