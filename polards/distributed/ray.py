"""Handing polards plans to Ray Data, and back.

:func:`to_ray` turns a dataset into a ``ray.data.Dataset`` with one read task per source file (per shard for an
:class:`~polards.IterableDataset`, per block of rows for an in-memory frame). Each read task runs the *row-local*
part of the plan (projections, renames, casts, expression maps and filters, schema mappers, Python ``map`` /
``filter``) as a Polars plan on its own file, so that work is spread over the cluster. The global steps that
follow become Ray operations: ``shuffle`` -> ``random_shuffle(seed)``, ``sort`` -> ``sort``, ``take`` ->
``limit``; row-local steps after them run in ``map_batches``. A step with no distributed equivalent (e.g.
``select(indices)``, ``skip``, ``interleave_datasets``) raises :class:`~polards.exceptions.NotDistributableError`
naming it.

Ray is optional (``pip install 'polards[ray]'``) and imported only inside these functions.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from polards.core import steps as st
from polards.core.compile import Plan, compile_plan, count_rows, describe, preserves_len
from polards.exceptions import InvalidArgumentError, MissingDependencyError, NotDistributableError

ROWS_PER_BLOCK = 65_536  # rows per Ray block emitted by a read task
IN_MEMORY_ROWS_PER_TASK = 16_384  # an in-memory frame is cut into read tasks of about this many rows
MAX_IN_MEMORY_TASKS = 64
POSITION_COLUMN = "__polards_position__"

# expression names that look at more than one row (aggregations, windows, positions): not row-local
_NON_LOCAL_EXPR = re.compile(
    r"(?<!list)(?<!str)(?<!arr)(?<!struct)(?<!dt)\.(mean|sum|min|max|std|var|median|quantile|count|len|n_unique|"
    r"first|last|cum_\w+|cumulative_eval|rank|shift|diff|over|implode|sort|sort_by|unique|head|tail|gather|"
    r"gather_every|rolling\w*|arg_\w+|reverse|pct_change|ewm_\w+|top_k\w*|bottom_k\w*)\(|\bint_range\(|\blen\(\)"
)


def import_ray() -> Any:
    """``ray`` (and ``ray.data``), or a :class:`MissingDependencyError` naming the extra to install."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as e:
        raise MissingDependencyError("Ray Data is not installed. Hint: pip install 'polards[ray]'") from e
    return ray


# ------------------------------------------------------------------------------------------ plan analysis
def _step_name(step: Any) -> str:
    return describe((step,))[0].strip()


def _non_local_reason(step: Any) -> str | None:
    """Why ``step`` cannot run independently on each file, or ``None`` when it can."""
    if isinstance(step, st.Project | st.Rename | st.Cast):
        return None
    if isinstance(step, st.WithColumns | st.Filter):
        exprs = step.exprs if isinstance(step, st.WithColumns) else (step.predicate,)
        for e in exprs:
            try:
                separable = e.meta.is_row_separable()
            except Exception:  # noqa: BLE001 - undecidable without a schema (e.g. map_elements): judge by name
                separable = True
            if not separable or _NON_LOCAL_EXPR.search(str(e)):
                return f"the expression {e} looks at more than one row"
        return None
    if isinstance(step, st.LazyFn):
        if not step.row_local:
            return "the mapper groups rows together"
        return None
    if isinstance(step, st.PythonMap):
        if step.with_indices:
            return "with_indices=True needs the global position of each row"
        if step.drop_last_batch:
            return "drop_last_batch=True depends on the global batching"
        return None
    return "it is a global step"


def _check_local(steps: Sequence[Any]) -> None:
    for step in steps:
        reason = _non_local_reason(step)
        if reason is not None:
            raise NotDistributableError(f"Cannot distribute the step {_step_name(step)!r}: {reason}.")


def _local_prefix(plan: Plan) -> int:
    """Index of the first step after the root that is not row-local (``len(plan)`` when all are)."""
    for i, step in enumerate(plan[1:], start=1):
        if _non_local_reason(step) is not None:
            return i
    return len(plan)


# ---------------------------------------------------------------------------------------------- read tasks
@dataclass(frozen=True, eq=False)
class _Task:
    """One read task: a root frame (a file scan or an in-memory block) and the row-local steps to run on it."""

    root: Callable[[], pl.LazyFrame] | pl.DataFrame
    steps: tuple[Any, ...]
    schema: pl.Schema | None
    files: tuple[str, ...]
    num_rows: int | None

    def frames(self) -> Iterator[pl.DataFrame]:
        lf = self.root.lazy() if isinstance(self.root, pl.DataFrame) else self.root()
        out = compile_plan((st.Source(lf, "ray read task"), *self.steps)).collect()
        yield from (
            _conform(out, self.schema).iter_slices(ROWS_PER_BLOCK)
            if out.height
            else [_conform(out, self.schema)]
        )


def _conform(df: pl.DataFrame, schema: pl.Schema | None) -> pl.DataFrame:
    """``df`` with the driver-side schema (column order and dtypes), so all blocks agree."""
    if schema is None or df.schema == schema:
        return df
    if set(df.columns) != set(schema):
        raise NotDistributableError(f"A read task produced columns {df.columns}, expected {list(schema)}.")
    return df.select(list(schema)).cast(dict(schema))


def to_arrow_block(df: pl.DataFrame) -> pa.Table:
    return df.to_arrow(compat_level=pl.CompatLevel.oldest())


@dataclass(frozen=True)
class _ScanFile:
    path: str
    format: str
    schema: pl.Schema

    def __call__(self) -> pl.LazyFrame:
        from polards.io.read import scan_files

        lf = scan_files([self.path], self.format)
        return _conform_lazy(lf, self.schema)


def _conform_lazy(lf: pl.LazyFrame, schema: pl.Schema) -> pl.LazyFrame:
    got = lf.collect_schema()
    return lf if got == schema else lf.select(list(schema)).cast(dict(schema))


def _portable(steps: Sequence[Any]) -> tuple[Any, ...]:
    """``steps`` for a remote task: Python map steps keep only their inferred output schema, not the driver's
    map-cache state (a cached result of the *whole* dataset must not stand in for one file's rows)."""
    out = []
    for step in steps:
        if isinstance(step, st.PythonMap):
            memo = {"schema": step.memo["schema"]} if "schema" in step.memo else {}
            step = replace(step, memo=memo)
        out.append(step)
    return tuple(out)


def _root_tasks(root: Any, steps: tuple[Any, ...], num_blocks: int | None) -> list[_Task]:
    """Read tasks for a plan root followed by row-local ``steps``."""
    steps = _portable(steps)
    if isinstance(root, st.Concat):
        if root.axis != 0:
            raise NotDistributableError(
                "Cannot distribute 'CONCAT axis=1' (add_column / concatenate_datasets(axis=1))."
            )
        tasks = []
        for sub in root.plans:
            cut = _local_prefix(sub)
            if cut < len(sub):
                raise NotDistributableError(
                    f"Cannot distribute the step {_step_name(sub[cut])!r} inside a concatenated dataset."
                )
            tasks += _root_tasks(sub[0], (*sub[1:], *steps), num_blocks)
        return tasks
    source_schema = root.lf.collect_schema()
    if root.files and root.format and _same_columns(root, source_schema):
        return [_Task(_ScanFile(f, root.format, source_schema), steps, None, (f,), None) for f in root.files]
    frame = root.lf.collect()
    n = num_blocks or max(1, min(MAX_IN_MEMORY_TASKS, math.ceil(frame.height / IN_MEMORY_ROWS_PER_TASK)))
    bounds = [(i * frame.height // n, (i + 1) * frame.height // n) for i in range(n)]
    return [_Task(frame.slice(a, b - a), steps, None, (), b - a) for a, b in bounds]


def _count_task(task: _Task) -> int:
    lf = task.root.lazy() if isinstance(task.root, pl.DataFrame) else task.root()
    return int(compile_plan((st.Source(lf, "ray count"), *task.steps)).select(pl.len()).collect().item())


def _task_row_counts(tasks: list[_Task]) -> list[int]:
    """Rows each read task yields: known for in-memory blocks whose steps keep the row count, else counted by
    Ray tasks in parallel (for parquet files and column-only steps Polars reads only the footers)."""
    known = [
        t.num_rows if t.num_rows is not None and all(preserves_len(s) for s in t.steps) else None
        for t in tasks
    ]
    todo = [i for i, k in enumerate(known) if k is None]
    if todo:
        ray = import_ray()
        count = ray.remote(num_cpus=1)(_count_task)
        for i, n in zip(todo, ray.get([count.remote(tasks[i]) for i in todo]), strict=True):
            known[i] = n
    return [int(k) for k in known]  # type: ignore[arg-type]


def _select_in_tasks(
    tasks: list[_Task], counts: list[int], step: st.Slice | st.Gather, schema: pl.Schema
) -> tuple[list[_Task], bool]:
    """Each task keeps its own rows of a global ``Slice``/``Gather``; returns the tasks and whether the rows
    must be sorted back (by :data:`POSITION_COLUMN`) into the selection's order."""
    ends = np.cumsum(counts, dtype=np.int64)
    starts = ends - np.asarray(counts, dtype=np.int64)
    out: list[_Task] = []
    reorder = False
    if isinstance(step, st.Slice):
        total = int(ends[-1]) if len(ends) else 0
        lo_all = min(step.offset, total)
        hi_all = total if step.length is None else min(total, lo_all + step.length)
        for t, a, b in zip(tasks, starts, ends, strict=True):
            lo, hi = max(lo_all, int(a)), min(hi_all, int(b))
            if hi > lo:
                out.append(_with_steps(t, (st.Slice(lo - int(a), hi - lo),), None))
    else:
        idx = np.asarray(step.indices, dtype=np.int64)
        reorder = bool(len(idx) > 1 and np.any(np.diff(idx) < 0))
        owner = np.searchsorted(ends, idx, side="right")
        order = np.argsort(owner, kind="stable")
        bounds = np.searchsorted(owner[order], np.arange(len(tasks) + 1))
        pos_schema = pl.Schema({**schema, POSITION_COLUMN: pl.Int64})
        for k, t in enumerate(tasks):
            pos = order[bounds[k] : bounds[k + 1]]
            if len(pos) == 0:
                continue
            extra: tuple[Any, ...] = (st.Gather(idx[pos] - starts[k], "select"),)
            if reorder:
                extra += (
                    st.WithColumns((pl.lit(pl.Series(POSITION_COLUMN, pos, dtype=pl.Int64)),), "position"),
                )
            out.append(_with_steps(t, extra, pos_schema if reorder else None))
    if not out and tasks:  # an empty selection still has a schema
        out.append(_with_steps(tasks[0], (st.Slice(0, 0),), None))
        reorder = False
    return out, reorder


def _with_steps(task: _Task, steps: tuple[Any, ...], schema: pl.Schema | None) -> _Task:
    return _Task(task.root, (*task.steps, *steps), schema, task.files, None)


def _same_columns(root: st.Source, schema: pl.Schema) -> bool:
    """Whether scanning one source file on its own gives the source's columns (checked on the first file)."""
    from polards.io.read import scan_files

    try:
        return list(scan_files([root.files[0]], root.format).collect_schema()) == list(schema)
    except Exception:  # noqa: BLE001 - any failure: fall back to reading through the driver
        return False


def _read_dataset(tasks: list[_Task], schema: pl.Schema, label: str) -> Any:
    """A ``ray.data.Dataset`` running ``tasks`` (one Ray read task each)."""
    import_ray()
    from ray.data import read_datasource
    from ray.data.block import BlockMetadata
    from ray.data.datasource import Datasource, ReadTask

    class PolardsDatasource(Datasource):
        def get_name(self) -> str:
            return "Polards"

        def estimate_inmemory_data_size(self) -> int | None:
            return None

        def get_read_tasks(
            self, parallelism: int, per_task_row_limit: int | None = None, data_context: Any = None
        ) -> list[Any]:
            out = []
            for task in tasks:
                meta = BlockMetadata(
                    num_rows=task.num_rows, size_bytes=None, exec_stats=None, input_files=task.files
                )
                out.append(ReadTask(_read_fn(task, schema), meta, per_task_row_limit=per_task_row_limit))
            return out

    return read_datasource(PolardsDatasource(), override_num_blocks=max(len(tasks), 1))


def _read_fn(task: _Task, schema: pl.Schema) -> Callable[[], Iterator[pa.Table]]:
    own = task.schema if task.schema is not None else schema

    def read() -> Iterator[pa.Table]:
        for df in _Task(task.root, task.steps, own, task.files, task.num_rows).frames():
            yield to_arrow_block(df)

    return read


def _block_fn(steps: tuple[Any, ...], schema: pl.Schema) -> Callable[[pa.Table], pa.Table]:
    """A ``map_batches`` function running row-local ``steps`` on each Arrow block."""
    steps = _portable(steps)

    def fn(table: pa.Table) -> pa.Table:
        df = pl.from_arrow(table)
        assert isinstance(df, pl.DataFrame)
        out = compile_plan((st.Source(df.lazy(), "ray block"), *steps)).collect()
        return to_arrow_block(_conform(out, schema))

    return fn


def _seed_of(indices: np.ndarray) -> int:
    return zlib.crc32(np.asarray(indices[:64], dtype=np.int64).tobytes())


def _global_op(step: Any, plan_before: Plan) -> tuple[str, Any] | None:
    """The Ray operation (name, argument) for a global plan step (``None``: nothing to do), or an error."""
    if isinstance(step, st.Sort):
        return ("sort", (list(step.by), list(step.descending)))
    if (
        isinstance(step, st.Gather)
        and step.label == "shuffle"
        and len(step.indices) == count_rows(plan_before)
    ):
        return ("random_shuffle", _seed_of(step.indices))
    if isinstance(step, st.Slice) and step.offset == 0:
        return None if step.length is None else ("limit", step.length)
    hint = {
        st.Gather: "Ray Data has no positional row selection; select after from_ray, or cache() the selection first",
        st.Slice: "Ray Data has no skip; only take (limit) is distributed, slice after from_ray",
    }.get(type(step), _non_local_reason(step) or "it has no Ray Data equivalent")
    raise NotDistributableError(f"Cannot distribute the step {_step_name(step)!r}: {hint}.")


def _apply_op(rds: Any, op: tuple[str, Any] | None) -> Any:
    if op is None:
        return rds
    name, arg = op
    if name == "sort":
        return rds.sort(arg[0], descending=arg[1])
    if name == "random_shuffle":
        return rds.random_shuffle(seed=arg)
    return rds.limit(arg)


@dataclass(frozen=True, eq=False)
class RayStages:
    """How a map-style plan runs on Ray: read tasks with the row-local head, then (global op, local steps)."""

    head: Plan
    schema: pl.Schema
    selection: st.Slice | st.Gather | None  # a row selection right after the head, run inside the read tasks
    tail: tuple[tuple[tuple[str, Any] | None, tuple[Any, ...], pl.Schema | None], ...]


def plan_stages(plan: Plan) -> RayStages:
    """Split ``plan`` for Ray; raises :class:`NotDistributableError` (without needing Ray) when it cannot."""
    cut = _local_prefix(plan)
    head = plan[:cut]
    if isinstance(plan[0], st.Concat):
        _check_concat(plan[0])
    schema = compile_plan(head).collect_schema()  # also fixes the output schema of Python maps, once
    tail = []
    i = cut
    selection = None
    if i < len(plan) and _is_pushable_selection(plan[i], plan[:i]):
        selection = plan[i]
        j = i + 1
        while j < len(plan) and _non_local_reason(plan[j]) is None:
            j += 1
        tail.append(
            (None, tuple(plan[i + 1 : j]), compile_plan(plan[:j]).collect_schema() if j > i + 1 else None)
        )
        i = j
    while i < len(plan):
        op = _global_op(plan[i], plan[:i])
        j = i + 1
        while j < len(plan) and _non_local_reason(plan[j]) is None:
            j += 1
        local = tuple(plan[i + 1 : j])
        tail.append((op, local, compile_plan(plan[:j]).collect_schema() if local else None))
        i = j
    return RayStages(head, schema, selection, tuple(tail))


def _is_pushable_selection(step: Any, before: Plan) -> bool:
    """A ``select``/``skip``/``shard`` right after the row-local head: it runs exactly inside the read tasks
    (each task keeps its own rows of the selection). A full shuffle stays a Ray ``random_shuffle`` and a
    ``take`` a Ray ``limit`` (both cheaper)."""
    if isinstance(step, st.Slice):
        return step.offset > 0
    if isinstance(step, st.Gather):
        return not (step.label == "shuffle" and len(step.indices) == count_rows(before))
    return False


def _check_concat(root: st.Concat) -> None:
    if root.axis != 0:
        raise NotDistributableError(
            "Cannot distribute 'CONCAT axis=1' (add_column / concatenate_datasets(axis=1))."
        )
    for sub in root.plans:
        cut = _local_prefix(sub)
        if cut < len(sub):
            raise NotDistributableError(
                f"Cannot distribute the step {_step_name(sub[cut])!r} inside a concatenated dataset."
            )
        if isinstance(sub[0], st.Concat):
            _check_concat(sub[0])


def _preserve_order(rds: Any) -> Any:
    rds.context.execution_options.preserve_order = True
    return rds


# -------------------------------------------------------------------------------------------------- public
def dataset_to_ray(ds: Any, *, num_blocks: int | None = None) -> Any:
    """``ray.data.Dataset`` of a map-style :class:`~polards.Dataset` (see :func:`to_ray`)."""
    stages = plan_stages(ds._plan)
    tasks = _root_tasks(stages.head[0], tuple(stages.head[1:]), num_blocks)
    reorder = False
    if stages.selection is not None:
        tasks, reorder = _select_in_tasks(tasks, _task_row_counts(tasks), stages.selection, stages.schema)
    rds = _preserve_order(_read_dataset(tasks, stages.schema, "polards"))
    if reorder:  # rows of an unordered select() come back to the selection's order
        rds = rds.sort(POSITION_COLUMN)
        rds = rds.map_batches(
            _block_fn((st.Project(tuple(stages.schema)),), stages.schema),
            batch_format="pyarrow",
            batch_size=None,
        )
    for op, local, schema in stages.tail:
        rds = _apply_op(rds, op)
        if local:
            assert schema is not None
            rds = rds.map_batches(_block_fn(local, schema), batch_format="pyarrow", batch_size=None)
    return rds


def iterable_to_ray(ds: Any) -> Any:
    """``ray.data.Dataset`` of an :class:`~polards.IterableDataset`: one read task per shard."""
    from polards.dataset.iterable import IterableDataset, _Lazy

    ops = ds._ops
    cut = 0
    while cut < len(ops) and _op_is_local(ops[cut], _Lazy):
        cut += 1
    order = ds._shard_order()
    schema = ds._features.to_polars_schema() if ds._features is not None and cut == len(ops) else None

    def shard_task(shard: Any) -> Callable[[], Iterator[pa.Table]]:
        local = IterableDataset([shard], ops[:cut], ds._features, None, ds._epoch, ds._format)

        def read() -> Iterator[pa.Table]:
            for df in local._stream(ROWS_PER_BLOCK):
                yield to_arrow_block(
                    _conform(df, schema) if schema is not None and set(df.columns) == set(schema) else df
                )

        return read

    rds = _preserve_order(_shards_dataset([shard_task(ds._shards[i]) for i in order]))
    i = cut
    while i < len(ops):
        op = ops[i]
        if op.label.startswith("take("):
            rds = rds.limit(int(op.label[5:-1]))
        elif op.label.startswith("shuffle(") and ds._shuffle is not None:
            seed, generator = ds._shuffle
            base = seed if seed is not None else int(np.random.default_rng().integers(0, 1 << 31))
            rds = rds.random_shuffle(seed=(base + ds._epoch) % (1 << 32))
        elif _op_is_local(op, _Lazy):
            rds = rds.map_batches(_stream_block_fn(op, ds), batch_format="pyarrow", batch_size=None)
        else:
            raise NotDistributableError(
                f"Cannot distribute the iterable step {op.label!r}: it depends on the order of the whole stream."
            )
        i += 1
    return rds


def _op_is_local(op: Any, lazy_cls: type) -> bool:
    if isinstance(op, lazy_cls):
        return True
    if op.label not in ("python map", "python filter"):
        return False
    cells = [c.cell_contents for c in (getattr(op.fn, "__closure__", None) or ())]
    steps = [c for c in cells if isinstance(c, st.PythonMap)]
    return all(_non_local_reason(s) is None for s in steps)


def _stream_block_fn(op: Any, ds: Any) -> Callable[[pa.Table], pa.Table]:
    from polards.dataset.iterable import _Lazy

    def fn(table: pa.Table) -> pa.Table:
        df = pl.from_arrow(table)
        assert isinstance(df, pl.DataFrame)
        if isinstance(op, _Lazy):
            return to_arrow_block(op.fn(df.lazy()).collect())
        frames = list(op.fn(iter([df]), ds))
        return to_arrow_block(pl.concat(frames, how="vertical_relaxed") if frames else df.clear())

    return fn


def _shards_dataset(reads: list[Callable[[], Iterator[pa.Table]]]) -> Any:
    import_ray()
    from ray.data import read_datasource
    from ray.data.block import BlockMetadata
    from ray.data.datasource import Datasource, ReadTask

    class PolardsShardsDatasource(Datasource):
        def get_name(self) -> str:
            return "PolardsShards"

        def estimate_inmemory_data_size(self) -> int | None:
            return None

        def get_read_tasks(
            self, parallelism: int, per_task_row_limit: int | None = None, data_context: Any = None
        ) -> list[Any]:
            meta = BlockMetadata(num_rows=None, size_bytes=None, exec_stats=None, input_files=None)
            return [ReadTask(r, meta, per_task_row_limit=per_task_row_limit) for r in reads]

    return read_datasource(PolardsShardsDatasource(), override_num_blocks=max(len(reads), 1))


def to_ray(ds: Any, **kw: Any) -> Any:
    """A ``ray.data.Dataset`` reading the same shards as ``ds`` and running its row-local steps in each task.

    Parameters
    ----------
    ds
        A :class:`~polards.Dataset` or :class:`~polards.IterableDataset`.
    **kw
        ``num_blocks``: for in-memory map-style data, the number of read tasks to cut the frame into.

    Returns
    -------
    ray.data.Dataset
        Rows in the same order as ``ds`` (the dataset's context has ``preserve_order=True``), except after a
        shuffle, whose order is Ray's own.

    Raises
    ------
    NotDistributableError
        For a step with no distributed equivalent (``select(indices)``, ``skip``, ``interleave_datasets``, ...).
    MissingDependencyError
        When Ray is not installed.
    """
    from polards.dataset.dataset import Dataset
    from polards.dataset.iterable import IterableDataset

    import_ray()
    if isinstance(ds, Dataset):
        return dataset_to_ray(ds, **kw)
    if isinstance(ds, IterableDataset):
        return iterable_to_ray(ds)
    raise InvalidArgumentError(
        f"to_ray expects a polards Dataset or IterableDataset, got {type(ds).__name__}."
    )


def from_ray(ray_ds: Any) -> Any:
    """A :class:`~polards.Dataset` holding the rows of a ``ray.data.Dataset``, in its block order.

    The Ray dataset is executed; its blocks are fetched as Arrow tables and concatenated into one Polars frame.
    """
    ray = import_ray()
    from polards.dataset.dataset import Dataset

    tables = [t for t in ray.get(ray_ds.to_arrow_refs()) if t is not None]
    frames = [f for f in (pl.from_arrow(t) for t in tables) if isinstance(f, pl.DataFrame)]
    nonempty = [f for f in frames if f.width]
    if nonempty:
        frame = pl.concat(nonempty, how="diagonal_relaxed")
    else:
        schema = ray_ds.schema()
        arrow_schema = getattr(schema, "base_schema", None)
        frame = (
            pl.from_arrow(arrow_schema.empty_table())
            if isinstance(arrow_schema, pa.Schema)
            else pl.DataFrame()
        )
    assert isinstance(frame, pl.DataFrame)
    from polards.features import Features

    return Dataset.from_polars(frame, features=Features.from_polars_schema(frame.schema))


def map_batches(
    ds: Any,
    fn: Callable[..., Any],
    *,
    engine: str = "ray",
    batch_size: int = 1000,
    concurrency: int | None = None,
    input_columns: str | Sequence[str] | None = None,
    remove_columns: str | Sequence[str] | None = None,
    fn_kwargs: dict[str, Any] | None = None,
    num_cpus: float | None = None,
    **ray_remote_args: Any,
) -> Any:
    """``ds.map(fn, batched=True)`` with the batches spread over a Ray cluster; the result comes back in order.

    ``fn`` has ``datasets``' batched-map signature: it gets a dict of lists (or the ``input_columns`` lists)
    and returns a dict of lists; it may change the number of rows if the other columns are removed.

    Parameters
    ----------
    ds
        A map-style :class:`~polards.Dataset` (or an :class:`~polards.IterableDataset`).
    fn
        The per-batch function (tokenisation, grading, a sandboxed run, ...).
    engine
        ``"ray"``, or ``"local"`` to run ``ds.map(fn, batched=True)`` in this process.
    batch_size
        Rows per call of ``fn``; each batch is one Ray task (retried on its own if its worker dies).
    concurrency
        At most this many Ray tasks run ``fn`` at once (``None``: Ray decides).
    num_cpus, **ray_remote_args
        Passed to ``ray.data.Dataset.map_batches`` (e.g. ``max_retries``).

    Returns
    -------
    Dataset
        The mapped rows, in the order of ``ds``.
    """
    from polards.dataset.dataset import Dataset

    if engine == "local":
        return ds.map(
            fn,
            batched=True,
            batch_size=batch_size,
            input_columns=input_columns,
            remove_columns=remove_columns,
            fn_kwargs=fn_kwargs,
        )
    if engine != "ray":
        raise InvalidArgumentError(f"engine must be 'ray' or 'local', got {engine!r}.")
    if batch_size is None or batch_size < 1:
        raise InvalidArgumentError(f"batch_size must be a positive integer, got {batch_size!r}.")
    remove = [remove_columns] if isinstance(remove_columns, str) else list(remove_columns or [])
    ds._require(remove)
    from polards.core.udf import make_step

    step = make_step(
        fn,
        features=ds.features,
        with_indices=False,
        input_columns=input_columns,
        batched=True,
        batch_size=batch_size,
        fn_kwargs=fn_kwargs,
        remove=tuple(remove),
    )
    rds = to_ray(ds) if isinstance(ds, Dataset) else iterable_to_ray(ds)
    # blocks of one batch each, so that batches (not whole files) are the unit of parallelism and of retry
    rds = rds.repartition(target_num_rows_per_block=batch_size)
    extra: dict[str, Any] = {"num_cpus": num_cpus} if num_cpus is not None else {}
    if concurrency is not None:
        from ray.data import TaskPoolStrategy

        extra["compute"] = TaskPoolStrategy(size=concurrency)
    out = rds.map_batches(
        _python_batch_fn(step), batch_format="pyarrow", batch_size=batch_size, **extra, **ray_remote_args
    )
    return from_ray(out)


def _python_batch_fn(step: st.PythonMap) -> Callable[[pa.Table], pa.Table]:
    from polards.core.udf import map_batch

    def fn(table: pa.Table) -> pa.Table:
        df = pl.from_arrow(table)
        assert isinstance(df, pl.DataFrame)
        return to_arrow_block(map_batch(step, df))

    return fn
