"""Code mappers -> ``code_task`` (``problem``, ``tests: List(Struct{input, output, testtype, fn_name})``,
``starter_code``).

DeepCoder's ``tests`` column is a JSON string in one of two layouts, both normalised like the recipe's
``_normalize_tests``:

- LiveCodeBench: ``[{"input", "output", "testtype", "metadata": {"func_name"}}, ...]``;
- TACO: ``{"inputs": [...], "outputs": [...], "fn_name"?}`` -> one test per input (the shorter list padded
  with its first element, a list output replaced by its first element), ``functional`` when ``fn_name`` is
  present, else ``stdin_stdout``.

``testtype`` defaults to ``stdin_stdout``; a functional test's ``fn_name`` comes from the test's metadata,
else from the row's ``metadata.func_name``. Inputs and outputs are strings; a non-string JSON value is
kept as its JSON text (the recipe used Python ``str()``, which is not parseable back). Rows whose tests are
empty or unparseable, or whose problem is empty, are dropped (``drop_invalid=False`` keeps them).

The common LiveCodeBench shape is decoded with ``str.json_decode`` and a fixed dtype; batches it cannot
type (TACO, non-string values) fall back to a batch-level ``json`` decoder.

>>> import json, polars as pl
>>> tests = json.dumps({"inputs": ["1\\n", "2\\n"], "outputs": ["2\\n"]})
>>> lf = pl.LazyFrame({"problem": ["double it"], "tests": [tests], "metadata": ["{}"]})
>>> deepcoder()(lf).collect()["tests"].to_list()[0][1]
{'input': '2\\n', 'output': '2\\n', 'testtype': 'stdin_stdout', 'fn_name': None}
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from polards.mappers._base import Mapper, mapper_factory, require_columns
from polards.mappers.structs import CODE_TESTS

__all__ = ["deepcoder", "humaneval", "normalize_tests", "taco_to_tests", "tests_expr"]

_LCB_DTYPE = pl.List(
    pl.Struct(
        {
            "input": pl.String,
            "output": pl.String,
            "testtype": pl.String,
            "metadata": pl.Struct({"func_name": pl.String}),
        }
    )
)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {}
    return value if isinstance(value, dict) else {}


def taco_to_tests(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """TACO ``{"inputs", "outputs", "fn_name"?}`` -> LiveCodeBench-style test dicts (the recipe's rule).

    Call-based inputs become one JSON value per line (LiveCodeBench's form), one line per argument:

    >>> taco_to_tests({"inputs": [[1, 2]], "outputs": [[3]], "fn_name": "add"})
    [{'input': '1\n2', 'output': 3, 'testtype': 'functional', 'metadata': {'func_name': 'add'}}]
    """
    inputs, outputs = spec.get("inputs") or [], spec.get("outputs") or []
    out = []
    for i in range(max(len(inputs), len(outputs))):
        inp = inputs[i] if i < len(inputs) else (inputs[0] if inputs else "")
        res = outputs[i] if i < len(outputs) else (outputs[0] if outputs else "")
        if isinstance(res, list):
            res = res[0] if res else ""
        case: dict[str, Any] = {"input": inp, "output": res, "metadata": {}}
        if "fn_name" in spec:
            if isinstance(inp, list):
                case["input"] = "\n".join(json.dumps(arg) for arg in inp)
            case["testtype"] = "functional"
            case["metadata"]["func_name"] = spec["fn_name"]
        else:
            case["testtype"] = "stdin_stdout"
        out.append({k: case[k] for k in ("input", "output", "testtype", "metadata")})
    return out


def normalize_tests(raw: Any, row_fn_name: str | None = None) -> list[dict[str, Any]]:
    """One row's raw ``tests`` (JSON string, list or dict) -> canonical test dicts (plain Python).

    >>> normalize_tests('[{"input": "1", "output": "1", "testtype": "functional"}]', "f")
    [{'input': '1', 'output': '1', 'testtype': 'functional', 'fn_name': 'f'}]
    """
    tests = raw
    if isinstance(tests, str):
        try:
            tests = json.loads(tests)
        except json.JSONDecodeError:
            return []
    if isinstance(tests, dict) and "inputs" in tests and "outputs" in tests:
        tests = taco_to_tests(tests)
    if isinstance(tests, dict):
        tests = [tests]
    out = []
    for test in tests or []:
        if not isinstance(test, dict):
            continue
        testtype = test.get("testtype") or "stdin_stdout"
        fn = None
        if testtype == "functional":
            fn = _as_dict(test.get("metadata", {})).get("func_name") or row_fn_name
        out.append(
            {
                "input": _text(test.get("input", "")),
                "output": _text(test.get("output", "")),
                "testtype": testtype,
                "fn_name": None if fn is None else str(fn),
            }
        )
    return out


def _python_batch(raw: pl.Series, fn: pl.Series) -> pl.Series:
    import pyarrow as pa

    values = [normalize_tests(r, f) for r, f in zip(raw.to_list(), fn.to_list(), strict=True)]
    arrow_type = pl.DataFrame(schema={"t": CODE_TESTS}).to_arrow().schema.field("t").type
    return pl.Series(pl.from_arrow(pa.array(values, type=arrow_type))).cast(CODE_TESTS)


def _fast_batch(raw: pl.Series, fn: pl.Series) -> pl.Series | None:
    nonnull = raw.drop_nulls()
    if nonnull.len() == 0 or not nonnull.str.strip_chars_start().str.starts_with("[").all():
        return None
    try:
        decoded = raw.str.json_decode(_LCB_DTYPE)
    except pl.exceptions.PolarsError:
        return None
    e = pl.col("t")
    testtype = e.struct.field("testtype").fill_null("stdin_stdout").replace("", "stdin_stdout")
    fn_name = pl.when(testtype == "functional").then(
        pl.coalesce(e.struct.field("metadata").struct.field("func_name").replace("", None), pl.col("fn"))
    )
    test = pl.struct(
        e.struct.field("input").fill_null("").alias("input"),
        e.struct.field("output").fill_null("").alias("output"),
        testtype.alias("testtype"),
        fn_name.cast(pl.String).alias("fn_name"),
    )
    frame = pl.DataFrame({"t": decoded, "fn": fn.cast(pl.String)}).with_row_index("row")
    out = (
        frame.explode("t", empty_as_null=True)
        .select("row", pl.when(pl.col("t").is_not_null()).then(test).alias("test"))
        .group_by("row", maintain_order=True)
        .agg(pl.col("test").drop_nulls())
    )
    return out["test"].cast(CODE_TESTS)


def _tests_batch(s: pl.Series) -> pl.Series:
    raw, fn = s.struct.field("raw"), s.struct.field("fn")
    if raw.dtype != pl.String:  # already decoded (a struct or list column): go through Python dicts
        return _python_batch(raw, fn).alias(s.name)
    fast = _fast_batch(raw, fn)
    return (fast if fast is not None else _python_batch(raw, fn)).alias(s.name)


def tests_expr(tests: str = "tests", fn_name: pl.Expr | None = None) -> pl.Expr:
    """Expression: a raw DeepCoder ``tests`` column -> canonical ``List(CODE_TEST)``.

    >>> pl.DataFrame({"tests": ['[{"input": "1", "output": "2", "testtype": "stdin_stdout"}]']}).select(
    ...     tests_expr())["tests"].to_list()
    [[{'input': '1', 'output': '2', 'testtype': 'stdin_stdout', 'fn_name': None}]]
    """
    fn = pl.lit(None, dtype=pl.String) if fn_name is None else fn_name.cast(pl.String)
    return (
        pl.struct(pl.col(tests).alias("raw"), fn.alias("fn"))
        .map_batches(_tests_batch, return_dtype=CODE_TESTS, is_elementwise=True)
        .alias(tests)
    )


def _metadata_exprs(schema: pl.Schema) -> tuple[pl.Expr, pl.Expr]:
    """(metadata as a JSON string, its ``func_name``)."""
    if "metadata" not in schema:
        return pl.lit(None, dtype=pl.String), pl.lit(None, dtype=pl.String)
    dtype = schema["metadata"]
    if isinstance(dtype, pl.Struct):
        names = {f.name for f in dtype.fields}
        fn = (
            pl.col("metadata").struct.field("func_name").cast(pl.String)
            if "func_name" in names
            else pl.lit(None, dtype=pl.String)
        )
        return pl.col("metadata").struct.json_encode(), fn
    text = pl.col("metadata").cast(pl.String)
    return text, text.str.json_path_match("$.func_name")


@mapper_factory
def deepcoder(*, drop_invalid: bool = True) -> Mapper:
    """``agentica-org/DeepCoder-Preview-Dataset`` rows -> ``code_task``; ``metadata`` becomes a JSON string.

    Reads ``problem`` (or ``question``/``prompt``), ``tests`` (or ``ground_truth``), optional ``metadata``
    and ``starter_code`` (blank -> null).
    """

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        schema = lf.collect_schema()
        problem = next((c for c in ("problem", "question", "prompt") if c in schema), "problem")
        tests = next((c for c in ("tests", "ground_truth") if c in schema), "tests")
        require_columns(lf, [problem, tests], "deepcoder")
        metadata, fn = _metadata_exprs(schema)
        starter = (
            pl.col("starter_code").cast(pl.String)
            if "starter_code" in schema
            else pl.lit(None, dtype=pl.String)
        )
        out = lf.with_columns(
            pl.col(problem).cast(pl.String).alias("problem"),
            tests_expr(tests, fn).alias("tests"),
            pl.when(starter.str.strip_chars() != "").then(starter).alias("starter_code"),
            metadata.alias("metadata"),
        )
        if tests != "tests":
            out = out.drop(tests)
        if drop_invalid:
            out = out.filter(
                (pl.col("tests").list.len() > 0) & (pl.col("problem").str.strip_chars().str.len_chars() > 0)
            )
        front = ["problem", "tests", "starter_code"]
        return out.select(*front, *[c for c in out.collect_schema() if c not in front])

    return Mapper("deepcoder", run, output="code_task")


@mapper_factory
def humaneval() -> Mapper:
    """``openai/openai_humaneval`` -> ``code_task``: ``problem`` and ``starter_code`` = ``prompt``; one test
    ``{input: <test code defining check(candidate)>, output: "", testtype: "check", fn_name: entry_point}``.
    Source columns are kept.

    >>> lf = pl.LazyFrame({"task_id": ["t/0"], "prompt": ["def f():\\n"], "canonical_solution": ["  return 1\\n"],
    ...                    "test": ["def check(candidate):\\n    assert candidate() == 1\\n"], "entry_point": ["f"]})
    >>> humaneval()(lf).collect()["tests"].to_list()[0][0]["fn_name"]
    'f'
    """

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        require_columns(lf, ["prompt", "test", "entry_point"], "humaneval")
        test = pl.struct(
            pl.col("test").alias("input"),
            pl.lit("", dtype=pl.String).alias("output"),
            pl.lit("check", dtype=pl.String).alias("testtype"),
            pl.col("entry_point").alias("fn_name"),
        )
        out = lf.with_columns(
            pl.col("prompt").alias("problem"),
            pl.concat_list(test).cast(CODE_TESTS).alias("tests"),
            pl.col("prompt").alias("starter_code"),
        )
        front = ["problem", "tests", "starter_code"]
        return out.select(*front, *[c for c in out.collect_schema() if c not in front])

    return Mapper("humaneval", run, output="code_task")
