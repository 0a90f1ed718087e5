"""Mapped code tasks run in the sandbox: TACO call tests with several arguments keep one argument per line."""

from __future__ import annotations

import json

from polards.mappers.code import normalize_tests
from polards.sandbox import run


def test_taco_multi_argument_call_tests_pass_in_the_sandbox() -> None:
    raw = json.dumps({"inputs": [[1, 2], [5, -3]], "outputs": [[3], [2]], "fn_name": "add"})
    tests = normalize_tests(raw)
    assert [t["input"] for t in tests] == ["1\n2", "5\n-3"]
    good = run("def add(a, b):\n    return a + b\n", tests, timeout=10)
    bad = run("def add(a, b):\n    return a - b\n", tests, timeout=10)
    assert good.all_passed and not bad.all_passed
