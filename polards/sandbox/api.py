"""Public entry points: :func:`run` (one program), :func:`run_many` (a batch on a worker pool) and
:func:`run_column` (a column of programs in a DataFrame or dataset).

Examples
--------
>>> from polards.sandbox import run
>>> r = run("def add(a, b):\\n    return a + b", [{"input": "1\\n2", "output": "3", "testtype": "functional"}],
...         fn_name="add", timeout=5)
>>> r.all_passed, r.statuses
(True, ['passed'])
>>> r = run("print(int(input()) * 2)", [{"input": "21", "output": "42", "testtype": "stdin"},
...                                     {"input": "1", "output": "3", "testtype": "stdin"}])
>>> r.statuses
['passed', 'failed']
>>> run("def f(:", "assert f() == 1").status
'compile_error'
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from polards.exceptions import InvalidArgumentError, IsolationWarning
from polards.sandbox.limits import Limits
from polards.sandbox.program import ProgramRun
from polards.sandbox.results import IsolationReport, ProgramResult
from polards.sandbox.specs import AssertTest, parse_tests


# ------------------------------------------------------------------------------------------------- public API
def _limits(limits: Limits | None, **given: Any) -> Limits:
    values = {k: v for k, v in given.items() if v is not None}
    if limits is None:
        return Limits(**values)
    if values:
        from dataclasses import replace

        return replace(limits, **values)
    return limits


def run(
    code: str,
    tests: Any,
    *,
    timeout: float | None = None,
    memory_mb: int | None = None,
    total_timeout: float | None = None,
    max_processes: int | None = None,
    max_file_mb: int | None = None,
    max_output_bytes: int | None = None,
    max_disk_mb: int | None = None,
    max_files: int | None = None,
    limits: Limits | None = None,
    fn_name: str | None = None,
    network: bool = False,
    strict: bool = False,
    fail_fast: bool = False,
    separate_user: bool = True,
    private_fs: bool = True,
    env: Mapping[str, str] | None = None,
    python: str | None = None,
    _force_socket_guard: bool = False,
) -> ProgramResult:
    """Run an untrusted Python program against its tests in an isolated child process.

    Parameters
    ----------
    code
        The program's source code.
    tests
        The tests, in any format :func:`polards.sandbox.specs.parse_tests` reads: the code-task ``tests`` list
        of ``{input, output, testtype, fn_name}``, a TACO/APPS ``{inputs, outputs, fn_name?}`` dict, a
        HumanEval-like ``{test, entry_point}`` dict, assert code, or test objects.
    timeout
        Seconds per test (default 6, as LiveCodeBench).
    memory_mb
        Memory of all the program's processes together (its cgroup: tmpfs files, memfd and shared memory
        count) and address-space limit of each process (default 1024).
    total_timeout
        Seconds for the whole program (default ``(timeout + 1) * n_tests + 5``).
    max_processes, max_file_mb, max_output_bytes, max_disk_mb, max_files
        See :class:`polards.sandbox.limits.Limits`.
    limits
        A :class:`Limits` to start from; the keyword limits above override its fields.
    fn_name
        Default function name for call-based tests (and entry point for plain assert strings).
    network
        Allow network access. By default the program gets its own empty network namespace, or, where the
        kernel refuses that, internet sockets are refused by an audit hook (with a one-time warning).
    strict
        Raise :class:`~polards.exceptions.IsolationError` instead of running when the isolation that can be
        set up is weaker than requested (no namespace, no separate uid, ...).
    fail_fast
        Stop at the first test that does not pass; later tests get status ``"skipped"``.
    separate_user
        Run the program under its own unprivileged uid (only possible when the parent is root).
    private_fs
        Show the program only an allowlist of the file system: the interpreter, its standard library and
        site-packages and the system libraries (read-only), a few devices, its own ``/proc`` and a capped tmpfs
        work dir at ``/tmp`` (needs root or unprivileged user namespaces).
    env
        Extra environment variables for the program (nothing is inherited).
    python
        Interpreter to run the program with (default: this one).

    Returns
    -------
    ProgramResult
        Per-test statuses, durations and output, plus ``all_passed``.

    Raises
    ------
    IsolationError
        With ``strict=True``, when the requested isolation cannot be set up.
    SandboxError
        When the child could not be started or confined at all.
    """
    if not isinstance(code, str):
        raise InvalidArgumentError(f"code must be a str, got {type(code).__name__}.")
    lim = _limits(
        limits,
        timeout=timeout,
        memory_mb=memory_mb,
        total_timeout=total_timeout,
        max_processes=max_processes,
        max_file_mb=max_file_mb,
        max_output_bytes=max_output_bytes,
        max_disk_mb=max_disk_mb,
        max_files=max_files,
    )
    program = ProgramRun(
        code,
        parse_tests(tests, fn_name),
        lim,
        network=network,
        strict=strict,
        fail_fast=fail_fast,
        separate_user=separate_user,
        private_fs=private_fs,
        env=dict(env or {}),
        python=python,
        force_socket_guard=_force_socket_guard,
    )
    return program.run()


def isolation_report(**kwargs: Any) -> IsolationReport:
    """Run an empty program and return the isolation the sandbox can provide here.

    >>> isolation_report().network in {"namespace", "socket_guard"}
    True
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IsolationWarning)
        result = run("", [], **kwargs)
    assert result.isolation is not None
    return result.isolation


def _as_pair(item: Any, position: int) -> tuple[str, Any, str | None]:
    if isinstance(item, Mapping):
        if "code" not in item:
            raise InvalidArgumentError(f"Program {position} has no 'code' key (keys: {sorted(item)}).")
        return item["code"], item.get("tests"), item.get("fn_name")
    if isinstance(item, Sequence) and not isinstance(item, str) and len(item) in (2, 3):
        return item[0], item[1], item[2] if len(item) == 3 else None
    raise InvalidArgumentError(
        f"Program {position} must be a (code, tests) pair or a dict with 'code' and 'tests', "
        f"got {type(item).__name__}."
    )


def run_many(
    programs: Iterable[Any],
    *,
    workers: int | None = None,
    progress: bool | None = None,
    **kwargs: Any,
) -> list[ProgramResult]:
    """Run many programs on a bounded worker pool; results come back in input order.

    Parameters
    ----------
    programs
        ``(code, tests)`` or ``(code, tests, fn_name)`` tuples, or dicts with ``code``, ``tests`` and optionally
        ``fn_name``.
    workers
        Programs running at the same time (default: ``os.cpu_count()``).
    progress
        Show a tqdm progress bar (default: only for 64 programs or more).
    **kwargs
        Passed to :func:`run` (``timeout``, ``memory_mb``, ``strict``, ...).

    >>> [r.all_passed for r in run_many([("x = 1", "assert x == 1"), ("x = 2", "assert x == 1")], workers=2)]
    [True, False]
    """
    from polards.sandbox.pool import map_ordered

    items = [_as_pair(p, i) for i, p in enumerate(programs)]
    default_fn = kwargs.pop("fn_name", None)

    def one(item: tuple[str, Any, str | None]) -> ProgramResult:
        code, tests, fn = item
        return run(code, tests, fn_name=fn or default_fn, **kwargs)

    return map_ordered(one, items, workers=workers, progress=progress, desc="sandbox")


def _frame(data: Any):
    import polars as pl

    if isinstance(data, pl.DataFrame):
        return data
    if isinstance(data, pl.LazyFrame):
        return data.collect()
    for attr in ("to_polars", "lazy"):
        fn = getattr(data, attr, None)
        if callable(fn):
            out = fn()
            return out.collect() if isinstance(out, pl.LazyFrame) else out
    if isinstance(data, Mapping):
        return pl.DataFrame(dict(data))
    raise InvalidArgumentError(
        f"run_column needs a polars DataFrame/LazyFrame or a dataset, got {type(data).__name__}."
    )


def run_column(
    data: Any,
    code_col: Any = "code",
    tests_col: Any = "tests",
    *,
    fn_name_col: Any = None,
    entry_point_col: Any = None,
    workers: int | None = None,
    progress: bool | None = None,
    **kwargs: Any,
):
    """Run the program of every row against that row's tests; one result row per input row, in order.

    Parameters
    ----------
    data
        A ``pl.DataFrame``, ``pl.LazyFrame``, a polards/`datasets` ``Dataset`` (anything with ``to_polars()``),
        or a dict of columns.
    code_col, tests_col
        Column names or Polars expressions giving the program and its tests (e.g.
        ``pl.col("prompt") + pl.col("completion")``). Test cells may be any format :func:`run` accepts.
    fn_name_col
        Column (or expression) with a per-row function name for call-based tests.
    entry_point_col
        Column with a per-row entry point; the test cell is then assert code (HumanEval ``check``).
    workers, progress, **kwargs
        As for :func:`run_many` / :func:`run`.

    Returns
    -------
    pl.DataFrame
        Columns ``all_passed`` (bool), ``num_passed``, ``num_tests`` (int), ``status`` (the first
        non-passing status, or ``"passed"``), ``statuses`` (list of str), ``durations`` (list of float),
        ``first_error`` (str), ``duration`` (float, seconds), ``forgeable`` (bool: some verdict came from an
        assert check run inside the program's own interpreter, see :attr:`TestResult.forgeable`).

    >>> import polars as pl
    >>> df = pl.DataFrame({"code": ["def f(x):\\n    return x + 1", "def f(x):\\n    return x"],
    ...                    "tests": ["assert f(1) == 2", "assert f(1) == 2"]})
    >>> run_column(df, "code", "tests", workers=2)["all_passed"].to_list()
    [True, False]
    """
    import polars as pl

    frame = _frame(data)

    def expr(col: Any, name: str) -> pl.Expr:
        return (pl.col(col) if isinstance(col, str) else col).alias(name)

    cols = [expr(code_col, "__code"), expr(tests_col, "__tests")]
    if fn_name_col is not None:
        cols.append(expr(fn_name_col, "__fn"))
    if entry_point_col is not None:
        cols.append(expr(entry_point_col, "__ep"))
    try:
        rows = frame.select(cols).to_dicts()
    except pl.exceptions.ColumnNotFoundError as exc:
        from polards.exceptions import ColumnNotFoundError

        raise ColumnNotFoundError(f"run_column: {exc}. Current columns: {frame.columns}.") from exc
    items = []
    for row in rows:
        tests = row["__tests"]
        if entry_point_col is not None and isinstance(tests, str):
            tests = AssertTest(tests, row["__ep"])
        items.append({"code": row["__code"] or "", "tests": tests, "fn_name": row.get("__fn")})
    results = run_many(items, workers=workers, progress=progress, **kwargs)
    return pl.DataFrame(
        {
            "all_passed": [r.all_passed for r in results],
            "num_passed": [r.num_passed for r in results],
            "num_tests": [len(r.tests) for r in results],
            "status": [r.status for r in results],
            "statuses": [r.statuses for r in results],
            "durations": [[t.duration for t in r.tests] for r in results],
            "first_error": [r.first_error for r in results],
            "duration": [r.duration for r in results],
            "forgeable": [r.forgeable for r in results],
        },
        schema={
            "all_passed": pl.Boolean,
            "num_passed": pl.Int32,
            "num_tests": pl.Int32,
            "status": pl.String,
            "statuses": pl.List(pl.String),
            "durations": pl.List(pl.Float64),
            "first_error": pl.String,
            "duration": pl.Float64,
            "forgeable": pl.Boolean,
        },
    )
