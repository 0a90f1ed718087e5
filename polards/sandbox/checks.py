"""Turn assert-style checks into calls the trusted parent judges (so a program cannot forge the verdict).

HumanEval's ``check(candidate)`` and MBPP's ``assert f(1) == 2`` lines run *inside* the program's interpreter
in a classic harness, where the program can patch the harness, return an object whose ``__eq__`` is always
true, or read the expected values from the frame. :func:`plan_checks` parses the assert code with :mod:`ast`
and, when every statement has a common form, returns a :class:`CheckPlan`: the argument tuples to call the
entry point with (all the child ever sees) and, per call, a judge that the parent applies to the returned
value after it came back as plain JSON data. Anything else is not safely judgeable (``None``): the sandbox
then runs it in the child and marks the result ``forgeable`` (refused with ``strict=True``).

Recognised assert forms (``c`` is the candidate / entry point, literals may use ``+ - * / //`` and unary
minus):

* ``c(args) == v``, ``v == c(args)``, ``c(args) != v``, ``c(args) is True/False/None``
* ``c(args)`` (truthy) and ``not c(args)``
* ``abs(c(args) - v) < tol`` (also ``<=``, ``v - c(args)``), ``math.isclose(c(args), v, rel_tol=, abs_tol=)``

Examples
--------
>>> plan = plan_checks("def check(candidate):\\n    assert candidate(2) == 4\\n    assert not candidate(0)", "sq")
>>> [c.args for c in plan.calls], plan.calls[0].judge(4), plan.calls[1].judge(0), plan.calls[0].judge(5)
([[2], [0]], True, True, False)
>>> plan_checks("import random\\ndef check(candidate):\\n    assert candidate(random.random())", "f") is None
True
>>> plan_checks("assert f(1, [2]) == (3, 4)", "f").calls[0].judge([3, 4])
True
"""

from __future__ import annotations

import ast
import json
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: Largest literal (in ``repr`` characters) a converted check may carry; bigger ones stay forgeable.
MAX_LITERAL_CHARS = 1_000_000


@dataclass(frozen=True)
class JudgedCall:
    """One call of the entry point and the parent-side judge of its (JSON-decoded) return value."""

    args: list
    judge: Callable[[Any], bool]
    text: str  # the assert's source, for error messages


@dataclass(frozen=True)
class CheckPlan:
    """The calls an assert check boils down to (in order)."""

    fn_name: str
    calls: list[JudgedCall]


class _Unsupported(Exception):
    pass


_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
}


def _literal(node: ast.AST) -> Any:
    """``ast.literal_eval`` plus ``+ - * / //`` between literals (size-capped), else :class:`_Unsupported`."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            left, right = _literal(node.left), _literal(node.right)
            if isinstance(node.op, ast.Mult) and isinstance(left, str | list | tuple | bytes):
                if isinstance(right, int) and len(left) * right > MAX_LITERAL_CHARS:
                    raise _Unsupported("literal too large") from None
            if isinstance(node.op, ast.Mult) and isinstance(right, str | list | tuple | bytes):
                if isinstance(left, int) and len(right) * left > MAX_LITERAL_CHARS:
                    raise _Unsupported("literal too large") from None
            try:
                value = _BINOPS[type(node.op)](left, right)
            except Exception as exc:  # noqa: BLE001 - 1 / 0 in a check is not ours to judge
                raise _Unsupported(str(exc)) from None
        else:
            raise _Unsupported(ast.dump(node)[:80]) from None
    if not _plain(value):
        raise _Unsupported("not plain JSON-like data")
    return value


def _plain(value: Any, depth: int = 0) -> bool:
    """Only values the child can send back as JSON and the parent can compare exactly (no sets, bytes)."""
    if depth > 100:
        return False
    if value is None or isinstance(value, bool | int | str):
        return True
    if isinstance(value, float):
        return True
    if isinstance(value, list | tuple):
        return all(_plain(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) for k in value) and all(_plain(v, depth + 1) for v in value.values())
    return False


def normalise(value: Any) -> Any:
    """What a value looks like after a JSON round trip (tuples become lists)."""
    if isinstance(value, list | tuple):
        return [normalise(v) for v in value]
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    return value


def _is_json_data(value: Any) -> bool:
    return _plain(value) and not isinstance(value, tuple)


def _call_args(node: ast.AST, names: set[str]) -> list | None:
    """Arguments of ``candidate(...)`` (literals only, no keywords/starred), or None if not such a call."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names):
        return None
    if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        raise _Unsupported("keyword or starred arguments")
    return [_literal(a) for a in node.args]


def _eq(expected: Any) -> Callable[[Any], bool]:
    want = normalise(expected)
    return lambda got: _is_json_data(got) and got == want


def _judge(test: ast.expr, names: set[str]) -> tuple[list, Callable[[Any], bool]]:
    args = _call_args(test, names)
    if args is not None:
        return args, lambda got: _is_json_data(got) and bool(got)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        args = _call_args(test.operand, names)
        if args is not None:
            return args, lambda got: _is_json_data(got) and not got
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op, left, right = test.ops[0], test.left, test.comparators[0]
        args = _call_args(left, names)
        other = right
        if args is None:
            args, other = _call_args(right, names), left
        if args is not None:
            value = _literal(other)
            if isinstance(op, ast.Eq):
                return args, _eq(value)
            if isinstance(op, ast.NotEq):
                eq = _eq(value)
                return args, lambda got: _is_json_data(got) and not eq(got)
            if isinstance(op, ast.Is) and (value is None or isinstance(value, bool)):
                return args, lambda got: got is value
            raise _Unsupported(f"comparison {type(op).__name__}")
        # abs(c(args) - v) < tol
        if (
            isinstance(op, ast.Lt | ast.LtE)
            and isinstance(left, ast.Call)
            and isinstance(left.func, ast.Name)
            and left.func.id == "abs"
            and len(left.args) == 1
            and not left.keywords
            and isinstance(left.args[0], ast.BinOp)
            and isinstance(left.args[0].op, ast.Sub)
        ):
            diff = left.args[0]
            args = _call_args(diff.left, names)
            other = diff.right
            if args is None:
                args, other = _call_args(diff.right, names), diff.left
            if args is None:
                raise _Unsupported("abs() of something else")
            value, tol = _literal(other), _literal(right)
            if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in (value, tol)):
                raise _Unsupported("abs() tolerance of non-numbers")
            strict_lt = isinstance(op, ast.Lt)

            def close(got: Any, v: float = value, t: float = tol, lt: bool = strict_lt) -> bool:
                if isinstance(got, bool) or not isinstance(got, int | float):
                    return False
                d = abs(got - v)
                return d < t if lt else d <= t

            return args, close
    if isinstance(test, ast.Call) and _is_isclose(test.func) and len(test.args) == 2:
        args = _call_args(test.args[0], names)
        other = test.args[1]
        if args is None:
            args, other = _call_args(test.args[1], names), test.args[0]
        if args is None:
            raise _Unsupported("isclose() of something else")
        value = _literal(other)
        kw = {k.arg: _literal(k.value) for k in test.keywords}
        if set(kw) - {"rel_tol", "abs_tol"} or not isinstance(value, int | float):
            raise _Unsupported("isclose() arguments")

        def isclose(got: Any, v: float = value, kw: dict = kw) -> bool:
            if isinstance(got, bool) or not isinstance(got, int | float):
                return False
            return math.isclose(got, v, **kw)

        return args, isclose
    raise _Unsupported(ast.dump(test)[:80])


def _is_isclose(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id == "isclose"
    return isinstance(func, ast.Attribute) and func.attr == "isclose" and isinstance(func.value, ast.Name)


def _is_trivial(stmt: ast.stmt) -> bool:
    """Statements that cannot affect a verdict: imports, ``pass``, docstrings, ``assert True``."""
    if isinstance(stmt, ast.Import | ast.ImportFrom | ast.Pass):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return True
    return isinstance(stmt, ast.Assert) and isinstance(stmt.test, ast.Constant) and bool(stmt.test.value)


def plan_checks(code: str, entry_point: str | None) -> CheckPlan | None:
    """A :class:`CheckPlan` for assert code, or ``None`` when it cannot be judged safely in the parent.

    With ``check(candidate)`` defined, its body is converted (module-level statements other than imports,
    constants and the ``check`` definition make it unsupported); otherwise the top-level asserts are, calling
    ``entry_point`` by name.
    """
    if not entry_point:
        return None
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    check = [s for s in tree.body if isinstance(s, ast.FunctionDef) and s.name == "check"]
    try:
        if check:
            fn = check[-1]
            if fn.decorator_list or len(fn.args.args) != 1 or fn.args.vararg or fn.args.kwonlyargs:
                return None
            for stmt in tree.body:
                if stmt is fn or _is_trivial(stmt):
                    continue
                # METADATA = {...} and similar constant assignments are harmless
                if isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets):
                    try:
                        ast.literal_eval(stmt.value)
                        continue
                    except (ValueError, TypeError, SyntaxError, RecursionError):
                        return None
                return None
            body, names = fn.body, {fn.args.args[0].arg}
        else:
            body, names = tree.body, {entry_point}
        calls = []
        for stmt in body:
            if _is_trivial(stmt):
                continue
            if not isinstance(stmt, ast.Assert):
                return None
            args, judge = _judge(stmt.test, names)
            calls.append(JudgedCall(args, judge, ast.get_source_segment(code, stmt.test) or "assert"))
    except (_Unsupported, RecursionError, MemoryError):
        return None
    if not calls:
        return None
    return CheckPlan(entry_point, calls)


def decode_value(text: Any) -> tuple[bool, Any]:
    """Decode a return value the child sent as JSON text; ``(False, None)`` for anything malformed."""
    if not isinstance(text, str) or len(text) > 64 * 1024 * 1024:
        return False, None
    try:
        return True, json.loads(text)
    except (ValueError, RecursionError, MemoryError):
        return False, None
