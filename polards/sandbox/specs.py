"""Test specifications: the three test styles, parsing of the formats datasets ship, and output comparison.

Styles
------
* :class:`AssertTest` - code that asserts (HumanEval ``check(candidate)`` with an entry point, or MBPP-style
  ``assert f(1) == 2`` lines).
* :class:`CallTest` - call ``fn_name(*args)`` (a top-level function or a method of ``class Solution``) and
  compare the return value with the expected value (LiveCodeBench ``functional``, TACO ``fn_name``).
* :class:`StdioTest` - run the program as ``__main__`` with ``input`` on stdin and compare its stdout with
  ``output`` after whitespace normalisation (LiveCodeBench ``stdin``, TACO/APPS without ``fn_name``).

Accepted inputs of :func:`parse_tests`: a list of the code-task ``tests`` structs
(``{input, output, testtype, fn_name}``), a TACO/APPS dict ``{inputs, outputs, fn_name?}`` (or its JSON
string, or ``{"input_output": json}``), a HumanEval-like dict ``{test, entry_point}``, a list of assert lines,
a string of assert code, or the test objects themselves.

Expected outputs of call and stdio tests stay in the parent process: the child only ever sees inputs, so a
program cannot read the answers it is graded against.

Examples
--------
>>> parse_tests([{"input": "1 2\\n", "output": "3\\n", "testtype": "stdin", "fn_name": None}])
[StdioTest(input='1 2\\n', output='3\\n')]
>>> parse_tests({"inputs": [[1, 2]], "outputs": [[3]], "fn_name": "add"})
[CallTest(fn_name='add', args=[1, 2], expected=[3])]
>>> parse_tests([{"input": "[1, 2]\\n3", "output": "[1, 2, 3]", "testtype": "functional"}], fn_name="f")
[CallTest(fn_name='f', args=[[1, 2], 3], expected=[1, 2, 3])]
>>> stdout_matches("3 \\n\\n", "3"), stdout_matches("1  2\\r\\n", "1 2"), stdout_matches("4", "3")
(True, True, False)
>>> values_match((1, 2), [1, 2]), values_match(3, [3]), values_match(0.1 + 0.2, 0.3), values_match(1, 2)
(True, True, True, False)
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from polards.exceptions import InvalidArgumentError


@dataclass(frozen=True)
class AssertTest:
    """Run ``code`` after the program; if ``entry_point`` is set and ``code`` defines ``check``, call
    ``check(<entry_point>)``. Passes when nothing raises."""

    code: str
    entry_point: str | None = None


@dataclass(frozen=True)
class CallTest:
    """Call ``fn_name(*args)`` and compare the result with ``expected`` (see :func:`values_match`)."""

    fn_name: str
    args: list
    expected: Any


@dataclass(frozen=True)
class StdioTest:
    """Feed ``input`` on stdin and compare stdout with ``output`` (see :func:`stdout_matches`)."""

    input: str
    output: str


Test = AssertTest | CallTest | StdioTest

_STDIO_TYPES = {"stdin", "stdio", "standard_input", "stdin_stdout", "io"}
_CALL_TYPES = {"functional", "call", "call_based", "function"}
_ASSERT_TYPES = {"assert", "assertion", "check"}


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _call_args(raw: Any) -> list:
    """LiveCodeBench puts one JSON value per line; TACO gives the argument list itself."""
    if isinstance(raw, list):
        return list(raw)
    if isinstance(raw, str):
        lines = [ln for ln in raw.split("\n") if ln.strip()]
        try:
            return [json.loads(ln) for ln in lines]
        except ValueError:
            return [raw]
    return [raw]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def _one(spec: Any, fn_name: str | None, position: int) -> Test:
    if isinstance(spec, AssertTest | CallTest | StdioTest):
        return spec
    if isinstance(spec, str):
        return AssertTest(spec, fn_name)
    if not isinstance(spec, Mapping):
        raise InvalidArgumentError(
            f"Test {position} has type {type(spec).__name__}; expected a dict like "
            "{'input', 'output', 'testtype', 'fn_name'}, an assert string, or a polards.sandbox test object."
        )
    name = spec.get("fn_name") or fn_name
    kind = (spec.get("testtype") or ("functional" if spec.get("fn_name") else "stdin")).lower()
    if kind in _STDIO_TYPES:
        return StdioTest(_text(spec.get("input")), _text(spec.get("output")))
    if kind in _CALL_TYPES:
        if not name:
            raise InvalidArgumentError(
                f"Test {position} is a call-based ('{kind}') test but has no fn_name.\n"
                "Hint: pass fn_name=... (e.g. from the row's metadata['func_name'])."
            )
        return CallTest(name, _call_args(spec.get("input")), _maybe_json(spec.get("output")))
    if kind in _ASSERT_TYPES:
        return AssertTest(_text(spec.get("input") or spec.get("code")), name)
    raise InvalidArgumentError(
        f"Test {position} has unknown testtype {kind!r}; expected one of 'stdin', 'functional', 'assert'."
    )


def parse_tests(tests: Any, fn_name: str | None = None) -> list[Test]:
    """Normalise any supported test format into a list of test objects.

    Parameters
    ----------
    tests
        See the module docstring for the accepted shapes. ``None`` gives an empty list.
    fn_name
        Default function name for call-based tests that do not carry one (and the entry point of assert
        tests given as plain strings).
    """
    if tests is None:
        return []
    if isinstance(tests, AssertTest | CallTest | StdioTest):
        return [tests]
    if isinstance(tests, str):
        parsed = _maybe_json(tests)
        if isinstance(parsed, list | dict):
            return parse_tests(parsed, fn_name)
        return [AssertTest(tests, fn_name)]
    if isinstance(tests, Mapping):
        if "input_output" in tests:
            return parse_tests(_maybe_json(tests["input_output"]), tests.get("fn_name") or fn_name)
        if "inputs" in tests and "outputs" in tests:
            name = tests.get("fn_name") or fn_name
            inputs, outputs = list(tests["inputs"]), list(tests["outputs"])
            if len(inputs) != len(outputs):
                raise InvalidArgumentError(
                    f"Test spec has {len(inputs)} inputs but {len(outputs)} outputs; they must pair up."
                )
            if name:
                return [
                    CallTest(name, _call_args(i), _maybe_json(o))
                    for i, o in zip(inputs, outputs, strict=True)
                ]
            return [StdioTest(_text(i), _text(o)) for i, o in zip(inputs, outputs, strict=True)]
        if "test" in tests:
            return [AssertTest(str(tests["test"]), tests.get("entry_point") or fn_name)]
        return [_one(tests, fn_name, 0)]
    if isinstance(tests, Sequence):
        return [_one(t, fn_name, i) for i, t in enumerate(tests)]
    raise InvalidArgumentError(f"Cannot read tests of type {type(tests).__name__}.")


def normalize_stdout(text: str) -> list[list[str]]:
    """Lines of whitespace-separated tokens, without leading/trailing blank lines."""
    return [ln.split() for ln in text.strip().splitlines()]


def stdout_matches(got: str, expected: str) -> bool:
    """Compare program output with the expected output after whitespace normalisation.

    Line structure is kept, but runs of spaces/tabs, ``\\r``, trailing spaces and leading/trailing blank lines
    do not matter.
    """
    return normalize_stdout(got) == normalize_stdout(expected)


def values_match(actual: Any, expected: Any) -> bool:
    """Compare a call result with the expected value.

    Tuples equal lists (results travel as JSON), floats compare with a relative tolerance of 1e-9, and a
    TACO-style expected value wrapped in a one-element list also matches the bare value.
    """
    if _equal(actual, expected):
        return True
    if isinstance(expected, list) and len(expected) == 1 and _equal(actual, expected[0]):
        return True
    return False


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (type(a) is type(b) and a == b)
    if isinstance(a, int | float) and isinstance(b, int | float):
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return a == b
