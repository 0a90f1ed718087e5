from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polards.mappers import decontaminate, deepmath, gsm8k, gsm8k_answer, last_boxed, math_boxed, polaris
from tests.mappers import _oracles
from tests.mappers._data import read_jsonl, require

GSM8K_TEST = "/work/shared/realdata/gsm8k/test.jsonl"
MATH500 = "/work/shared/realdata/math500/test.jsonl"


def test_gsm8k_real_test_rows_match_recipe():
    rows = read_jsonl(require(GSM8K_TEST))
    out = gsm8k()(pl.DataFrame(rows).lazy()).collect()
    assert out.columns[:3] == ["problem", "answer", "solution"]
    assert out.height == len(rows) == 1319
    assert out["answer"][0] == "18"
    assert out["problem"][0] == rows[0]["question"]
    assert out["answer"].to_list() == [_oracles.gsm8k_final_answer(r["answer"]) for r in rows]


@pytest.mark.parametrize(
    ("text", "gold"),
    [
        ("a\n#### 1,234", "1234"),
        ("#### : 5", "5"),
        ("x\n  ####   -3  \n", "-3"),
        ("#### 1\nmore\n#### 2", "2"),
        ("inline #### 7,0 tail", "7,0 tail"),  # fallback keeps commas, like the recipe
        ("no marker", None),
        ("a\r\n#### 9\r\n", "9"),
    ],
)
def test_gsm8k_answer_rules(text, gold):
    got = pl.DataFrame({"a": [text]}).select(gsm8k_answer("a"))["a"][0]
    assert got == gold == _oracles.gsm8k_final_answer(text)


def test_gsm8k_drops_unparsed_rows_unless_asked():
    lf = pl.LazyFrame({"question": ["q1", "q2"], "answer": ["#### 1", "none"]})
    assert gsm8k()(lf).collect()["problem"].to_list() == ["q1"]
    kept = gsm8k(drop_unparsed=False)(lf).collect()
    assert kept["answer"].to_list() == ["1", None]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["####", "#", ":", ",", "1", "a", " ", "\n", "\r\n", "-", "."]), max_size=30))
def test_gsm8k_answer_matches_recipe_on_random_text(tokens):
    text = "".join(tokens)
    got = pl.DataFrame({"a": [text]}).select(gsm8k_answer("a"))["a"][0]
    assert got == _oracles.gsm8k_final_answer(text)


# --------------------------------------------------------------------------------------------------- boxed
def test_math500_real_rows_boxed_matches_recipe_and_nested_braces():
    rows = read_jsonl(require(MATH500))
    out = math_boxed()(pl.DataFrame(rows).lazy()).collect()
    expected = [_oracles.extract_boxed(r["solution"]) for r in rows]
    assert out.height == sum(e is not None for e in expected) == 500
    assert out["answer"].to_list() == expected
    assert "reference_answer" in out.columns and out.columns[:2] == ["problem", "answer"]
    # row 0 (test/precalculus/807.json): a boxed answer with nested braces
    assert out["answer"][0] == r"\left( 3, \frac{\pi}{2} \right)"
    assert out["unique_id"][0] == "test/precalculus/807.json"
    # the boxed gold agrees with the dataset's own answer on the vast majority of rows
    same = (out["answer"] == out["reference_answer"]).sum()
    assert same >= 480


_ATOMS = st.sampled_from(
    ["x", "1", "+", "\\frac", " ", "\\pi", "^", "\\sqrt", "}", "{", "\\boxed", "\\boxed{", "\\boxed 7"]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_ATOMS, max_size=25))
def test_last_boxed_matches_recipe_on_random_text(atoms):
    text = "".join(atoms)
    assert last_boxed(text) == _oracles.extract_boxed(text)


_balanced = st.recursive(
    st.text(alphabet="ab1+-^\\ ", max_size=4),
    lambda inner: st.lists(inner, min_size=1, max_size=3).map(lambda xs: "{" + "".join(xs) + "}"),
    max_leaves=10,
)


@settings(max_examples=100, deadline=None)
@given(st.lists(_balanced, max_size=4).map("".join), st.text(alphabet="xyz .", max_size=10))
def test_last_boxed_returns_nested_content(content, prefix):
    text = f"{prefix} so \\boxed{{{content}}} done."
    assert last_boxed(text) == content


def test_last_boxed_edge_cases():
    assert last_boxed(None) is None
    assert last_boxed("\\boxed{unclosed") is None
    assert last_boxed("} \\boxed{1}") is None  # unmatched '}' -> the recipe gives up
    assert last_boxed("\\boxed{\\boxed{1}}") == "\\boxed{1}"  # the outer box closes last
    assert last_boxed("\\boxed 42") == "42"


def test_math_boxed_drops_rows_without_box():
    lf = pl.LazyFrame({"problem": ["a", "b"], "solution": ["\\boxed{1}", "no box"]})
    assert math_boxed()(lf).collect()["problem"].to_list() == ["a"]
    assert math_boxed(drop_unparsed=False)(lf).collect()["answer"].to_list() == ["1", None]


def test_math_boxed_is_lazy_and_streams():
    lf = pl.LazyFrame(
        {"problem": [str(i) for i in range(10)], "solution": [f"\\boxed{{{i}}}" for i in range(10)]}
    )
    mapped = math_boxed()(lf)
    batches = list(mapped.collect_batches(chunk_size=3))
    assert pl.concat(batches)["answer"].to_list() == [str(i) for i in range(10)]


# --------------------------------------------------------------------------------------------------- others
def test_deepmath_and_polaris_rename_and_drop_empty():
    lf = pl.LazyFrame(
        {
            "question": ["q", "", "q3"],
            "final_answer": ["1", "2", None],
            "difficulty": [5.0, 6.0, 7.0],
            "topic": ["a"] * 3,
        }
    )
    out = deepmath()(lf).collect()
    assert out.columns == ["problem", "answer", "difficulty", "topic"]
    assert out.rows() == [("q", "1", 5.0, "a")]
    pl_lf = pl.LazyFrame({"problem": ["p", "p2"], "answer": ["3", ""], "difficulty": ["7/8", "1/8"]})
    assert polaris()(pl_lf).collect().rows() == [("p", "3", "7/8")]


def test_decontaminate_is_an_order_keeping_anti_join():
    train = pl.LazyFrame({"problem": ["c", "a", "b", "a"], "i": [0, 1, 2, 3]})
    out = decontaminate(train, pl.DataFrame({"problem": ["a", "zz"]})).collect()
    assert out["i"].to_list() == [0, 2]


def test_missing_column_names_the_mapper():
    from polards.exceptions import ColumnNotFoundError

    with pytest.raises(ColumnNotFoundError, match="gsm8k.*question"):
        gsm8k()(pl.LazyFrame({"q": ["x"]}))


def test_gsm8k_row_to_list_equals_recipe_dict():
    row = read_jsonl(require(GSM8K_TEST))[0]
    got = gsm8k()(pl.LazyFrame([row])).collect().select("problem", "answer").to_dicts()
    assert got == [{"problem": row["question"], "answer": _oracles.gsm8k_final_answer(row["answer"])}]
