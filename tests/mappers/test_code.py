from __future__ import annotations

import json

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from polards.mappers import deepcoder, humaneval, normalize_tests
from polards.mappers.code import _fast_batch, _python_batch
from polards.mappers.code import tests_expr as build_tests_expr
from polards.mappers.structs import CODE_TESTS
from tests.mappers._data import REALDATA, read_jsonl, require

_lcb_test = st.fixed_dictionaries(
    {"input": st.text(max_size=5), "output": st.text(max_size=5)},
    optional={
        "testtype": st.sampled_from(["stdin_stdout", "functional", ""]),
        "metadata": st.fixed_dictionaries({}, optional={"func_name": st.sampled_from(["f", "g"])}),
    },
)
_json_value = st.one_of(st.text(max_size=4), st.integers(-5, 5), st.lists(st.integers(0, 3), max_size=3))
_taco = st.fixed_dictionaries(
    {
        "inputs": st.lists(_json_value, max_size=4),
        "outputs": st.lists(st.one_of(_json_value, st.lists(st.text(max_size=3), max_size=2)), max_size=4),
    },
    optional={"fn_name": st.sampled_from(["solve", "add"])},
)


def _run(raw: list[str | None], fn: list[str | None] | None = None) -> list:
    fn = fn or [None] * len(raw)
    df = pl.DataFrame({"tests": raw, "fn": fn}, schema={"tests": pl.String, "fn": pl.String})
    return df.select(build_tests_expr("tests", pl.col("fn")))["tests"].to_list()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(_lcb_test, max_size=4), min_size=1, max_size=6),
    st.lists(st.sampled_from([None, "meta_fn"]), min_size=6, max_size=6),
)
def test_lcb_fast_path_equals_python_normaliser(specs, fns):
    raw = pl.Series([json.dumps(s) for s in specs])
    fn = pl.Series(fns[: len(specs)], dtype=pl.String)
    fast = _fast_batch(raw, fn)
    assert fast is not None  # all-string LCB specs take the json_decode path
    expected = [normalize_tests(s, f) for s, f in zip(specs, fn.to_list(), strict=True)]
    assert fast.to_list() == expected == _python_batch(raw, fn).to_list()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(_taco, st.lists(_lcb_test, max_size=3)), min_size=1, max_size=6))
def test_mixed_taco_and_lcb_specs(specs):
    got = _run([json.dumps(s) for s in specs])
    assert got == [normalize_tests(json.dumps(s)) for s in specs]
    for spec, tests in zip(specs, got, strict=True):
        if isinstance(spec, dict):
            assert len(tests) == max(len(spec["inputs"]), len(spec["outputs"]))
            kind = "functional" if "fn_name" in spec else "stdin_stdout"
            assert all(t["testtype"] == kind for t in tests)
            assert all(isinstance(t["input"], str) and isinstance(t["output"], str) for t in tests)


def test_taco_padding_and_list_outputs():
    spec = {"inputs": [[1, 2], [3, 4], [5, 6]], "outputs": [[3]], "fn_name": "add"}
    assert _run([json.dumps(spec)]) == [
        [
            {"input": "1\n2", "output": "3", "testtype": "functional", "fn_name": "add"},
            {"input": "3\n4", "output": "3", "testtype": "functional", "fn_name": "add"},
            {"input": "5\n6", "output": "3", "testtype": "functional", "fn_name": "add"},
        ]
    ]


def test_unparseable_and_null_tests_give_empty_lists():
    assert _run(["not json", None, "[]"]) == [[], [], []]
    # the recipe wraps a lone dict as one test, so "{}" is one empty stdin test
    assert _run(["{}"]) == [[{"input": "", "output": "", "testtype": "stdin_stdout", "fn_name": None}]]


def test_deepcoder_mapper_metadata_string_and_struct():
    lcb = [{"input": "1", "output": "2", "testtype": "functional", "metadata": {}}]
    lf = pl.LazyFrame(
        {
            "problem": ["p1", "  ", "p3"],
            "tests": [json.dumps(lcb), json.dumps(lcb), "[]"],
            "metadata": [json.dumps({"func_name": "solve"}), "{}", "{}"],
            "starter_code": ["class Solution:\n", "", "   "],
        }
    )
    out = deepcoder()(lf).collect()
    assert out.columns == ["problem", "tests", "starter_code", "metadata"]
    assert out.schema["tests"] == CODE_TESTS
    assert out.height == 1  # blank problem and empty tests dropped
    assert out.row(0, named=True)["tests"] == [
        {"input": "1", "output": "2", "testtype": "functional", "fn_name": "solve"}
    ]
    assert out["starter_code"].to_list() == ["class Solution:\n"]

    as_struct = pl.LazyFrame(
        {"problem": ["p"], "tests": [json.dumps(lcb)], "metadata": [{"func_name": "g", "difficulty": "easy"}]}
    )
    row = deepcoder()(as_struct).collect().row(0, named=True)
    assert json.loads(row["metadata"]) == {"func_name": "g", "difficulty": "easy"}
    assert row["tests"][0]["fn_name"] == "g" and row["starter_code"] is None


def test_deepcoder_reads_ground_truth_and_question_columns():
    lf = pl.LazyFrame(
        {"question": ["q"], "ground_truth": [json.dumps({"inputs": ["1\n"], "outputs": ["1\n"]})]}
    )
    out = deepcoder()(lf).collect()
    assert out.columns[:3] == ["problem", "tests", "starter_code"]
    assert set(out.columns) == {"problem", "tests", "starter_code", "metadata", "question"}
    assert out["tests"].to_list() == [
        [{"input": "1\n", "output": "1\n", "testtype": "stdin_stdout", "fn_name": None}]
    ]


def test_humaneval_real_rows():
    rows = read_jsonl(require(REALDATA / "humaneval" / "HumanEval.jsonl.gz"))
    out = humaneval()(pl.DataFrame(rows).lazy()).collect()
    assert out.height == 164
    first = out.row(0, named=True)
    assert first["task_id"] == "HumanEval/0"
    assert first["problem"] == first["starter_code"] == rows[0]["prompt"]
    assert first["tests"] == [
        {"input": rows[0]["test"], "output": "", "testtype": "check", "fn_name": "has_close_elements"}
    ]
