"""Test-spec parsing and output comparison (no child processes)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from polards.exceptions import InvalidArgumentError
from polards.sandbox.specs import (
    AssertTest,
    CallTest,
    StdioTest,
    parse_tests,
    stdout_matches,
    values_match,
)


def test_code_task_struct_rows_of_both_kinds():
    tests = [
        {"input": "3\n1 2 3\n", "output": "6\n", "testtype": "stdin", "fn_name": None},
        {"input": "[1, 2]\n3", "output": "[1, 2, 3]", "testtype": "functional", "fn_name": "push"},
    ]
    assert parse_tests(tests) == [
        StdioTest("3\n1 2 3\n", "6\n"),
        CallTest("push", [[1, 2], 3], [1, 2, 3]),
    ]


def test_lcb_json_string_and_default_fn_name():
    raw = json.dumps([{"input": '"abc"', "output": "3", "testtype": "functional"}])
    assert parse_tests(raw, fn_name="length") == [CallTest("length", ["abc"], 3)]


def test_taco_dicts_call_and_stdio():
    assert parse_tests({"inputs": [[1, 2], [5, 5]], "outputs": [[3], [10]], "fn_name": "add"}) == [
        CallTest("add", [1, 2], [3]),
        CallTest("add", [5, 5], [10]),
    ]
    assert parse_tests({"inputs": ["1 2\n"], "outputs": ["3\n"]}) == [StdioTest("1 2\n", "3\n")]
    wrapped = {"input_output": json.dumps({"inputs": ["x\n"], "outputs": ["y\n"]})}
    assert parse_tests(wrapped) == [StdioTest("x\n", "y\n")]


def test_humaneval_row_and_assert_strings():
    assert parse_tests({"test": "def check(candidate): pass", "entry_point": "f"}) == [
        AssertTest("def check(candidate): pass", "f")
    ]
    assert parse_tests(["assert f(1) == 2", "assert f(2) == 3"]) == [
        AssertTest("assert f(1) == 2"),
        AssertTest("assert f(2) == 3"),
    ]
    assert parse_tests("assert True") == [AssertTest("assert True")]
    assert parse_tests(None) == []


def test_non_json_call_input_is_one_string_argument():
    assert parse_tests(
        [{"input": "hello world", "output": '"x"', "testtype": "functional", "fn_name": "f"}]
    ) == [CallTest("f", ["hello world"], "x")]


def test_bad_specs_name_the_culprit():
    with pytest.raises(InvalidArgumentError, match="no fn_name"):
        parse_tests([{"input": "1", "output": "1", "testtype": "functional"}])
    with pytest.raises(InvalidArgumentError, match="unknown testtype 'weird'"):
        parse_tests([{"input": "1", "output": "1", "testtype": "weird"}])
    with pytest.raises(InvalidArgumentError, match="2 inputs but 1 outputs"):
        parse_tests({"inputs": [1, 2], "outputs": [1]})
    with pytest.raises(InvalidArgumentError, match="Test 1 has type int"):
        parse_tests(["assert True", 5])


@pytest.mark.parametrize(
    ("got", "expected", "same"),
    [
        ("1 2\n3\n", "1 2\n3", True),
        ("1  2\r\n3   \n\n", "1 2\n3", True),
        ("\n\n1\n", "1", True),
        ("1 2 3", "1 2\n3", False),  # line structure matters
        ("1\n\n2", "1\n2", False),  # inner blank lines matter
        ("12", "1 2", False),
        ("", "0", False),
    ],
)
def test_stdout_matching(got, expected, same):
    assert stdout_matches(got, expected) is same


@pytest.mark.parametrize(
    ("actual", "expected", "same"),
    [
        ([1, 2], [1, 2], True),
        ((1, 2), [1, 2], True),
        (5, [5], True),  # TACO wraps return values in a list
        ([5], [5], True),
        (0.1 + 0.2, 0.3, True),
        (1, 1.0, True),
        (True, 1, False),
        (1, True, False),
        ({"a": [1.0]}, {"a": [1]}, True),
        ("1", 1, False),
        (None, None, True),
        ([1, 2], [[1, 2, 3]], False),
    ],
)
def test_value_matching(actual, expected, same):
    assert values_match(actual, expected) is same


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=8,
)


@given(json_values)
def test_json_roundtrip_values_always_match(value):
    assert values_match(json.loads(json.dumps(value)), value)


@given(
    st.lists(st.lists(st.text("ab1", min_size=1, max_size=3), min_size=1, max_size=4), min_size=1, max_size=4)
)
def test_whitespace_noise_never_changes_the_verdict(lines):
    clean = "\n".join(" ".join(tokens) for tokens in lines)
    noisy = "\n" + "\r\n".join("  " + "\t ".join(tokens) + "   " for tokens in lines) + "\n\n"
    assert stdout_matches(noisy, clean)
