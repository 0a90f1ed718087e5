"""Compile a plan (a tuple of steps) to a ``pl.LazyFrame``: one small rule per step kind."""

from __future__ import annotations

from functools import singledispatch
from typing import Any

import numpy as np
import polars as pl

from polards.core import fork_guard, map_cache
from polards.core import steps as st
from polards.core.udf import python_map_frame

Plan = tuple[Any, ...]


def compile_plan(plan: Plan) -> pl.LazyFrame:
    """The LazyFrame of a plan. Cheap: builds the Polars plan, runs nothing.

    A Python map/filter step with a cached result (see :mod:`polards.core.map_cache`) compiles to a scan of it.
    """
    fork_guard.check()
    fork_guard.note_use()
    start, lf = 1, None
    for i in range(len(plan) - 1, 0, -1):
        if isinstance(plan[i], st.PythonMap) and (lf := map_cache.lookup(plan[: i + 1])) is not None:
            if plan[i].is_filter:  # a cached filter is a mask over its input
                lf = map_cache.apply_mask(compile_plan(plan[:i]), lf)
            start = i + 1
            break
    lf = _root(plan[0]) if lf is None else lf
    for i in range(start, len(plan)):
        if isinstance(plan[i], st.PythonMap):
            map_cache.set_target(plan[: i + 1])
        lf = _apply(plan[i], lf)
    return lf


@singledispatch
def _root(step: Any) -> pl.LazyFrame:
    raise TypeError(f"{type(step).__name__} cannot start a plan")


@_root.register
def _(step: st.Source) -> pl.LazyFrame:
    return step.lf


@_root.register
def _(step: st.Concat) -> pl.LazyFrame:
    frames = [compile_plan(p) for p in step.plans]
    if step.axis == 1:
        return pl.concat(frames, how="horizontal")
    return pl.concat(frames, how="diagonal_relaxed")


@singledispatch
def _apply(step: Any, lf: pl.LazyFrame) -> pl.LazyFrame:
    raise TypeError(f"no compile rule for {type(step).__name__}")


@_apply.register
def _(step: st.Project, lf: pl.LazyFrame) -> pl.LazyFrame:
    return lf.select(list(step.columns))


@_apply.register
def _(step: st.Rename, lf: pl.LazyFrame) -> pl.LazyFrame:
    return lf.rename(dict(step.mapping))


@_apply.register
def _(step: st.Cast, lf: pl.LazyFrame) -> pl.LazyFrame:
    return lf.cast(dict(step.dtypes))


@_apply.register
def _(step: st.WithColumns, lf: pl.LazyFrame) -> pl.LazyFrame:
    return lf.with_columns(list(step.exprs))


@_apply.register
def _(step: st.Filter, lf: pl.LazyFrame) -> pl.LazyFrame:
    return lf.filter(step.predicate)


@_apply.register
def _(step: st.Slice, lf: pl.LazyFrame) -> pl.LazyFrame:
    return lf.slice(step.offset, step.length)


@_apply.register
def _(step: st.Gather, lf: pl.LazyFrame) -> pl.LazyFrame:
    idx = pl.Series(st.INDEX_COLUMN, step.indices, dtype=pl.get_index_type())
    gathered = lf.select(pl.all().gather(idx))
    # Polars 2.1's streaming engine panics ("pipe.send_state == PortState::Done") when a slice after a large
    # gather stops early (seen on every try at 1M rows: shuffle().filter().take(n), head() of a shuffled set).
    # An identity step that is not streamable lets the gather finish before anything downstream can stop it.
    return gathered.map_batches(_identity, streamable=False, projection_pushdown=True)


def _identity(df: pl.DataFrame) -> pl.DataFrame:
    return df


@_apply.register
def _(step: st.Sort, lf: pl.LazyFrame) -> pl.LazyFrame:
    return lf.sort(
        list(step.by), descending=list(step.descending), nulls_last=step.nulls_last, maintain_order=True
    )


@_apply.register
def _(step: st.LazyFn, lf: pl.LazyFrame) -> pl.LazyFrame:
    return step.fn(lf)


@_apply.register
def _(step: st.PythonMap, lf: pl.LazyFrame) -> pl.LazyFrame:
    return python_map_frame(step, lf)  # exact batches, in order (see polards.core.udf)


# ------------------------------------------------------------------------------------------------ plan algebra
def append(plan: Plan, step: Any) -> Plan:
    """``plan + (step,)``, composing consecutive row selections into one (as ``datasets``' indices mapping)."""
    last = plan[-1] if len(plan) > 1 else None
    if isinstance(step, st.Slice) and isinstance(last, st.Slice):
        start = last.offset + step.offset
        avail = None if last.length is None else max(last.length - step.offset, 0)
        length = step.length if avail is None else (avail if step.length is None else min(avail, step.length))
        return (*plan[:-1], st.Slice(start, length))
    if isinstance(step, st.Slice) and isinstance(last, st.Gather):
        end = None if step.length is None else step.offset + step.length
        return (
            *plan[:-1],
            st.Gather(
                last.indices[step.offset : end],
                last.label if last.label.endswith("slice") else f"{last.label}+slice",
            ),
        )
    if isinstance(step, st.Gather) and isinstance(last, st.Gather):
        label = last.label if last.label.endswith(step.label) else f"{last.label}+{step.label}"
        return (*plan[:-1], st.Gather(last.indices[step.indices], label))
    if isinstance(step, st.Gather) and isinstance(last, st.Slice):
        return (*plan[:-1], st.Gather(step.indices + last.offset, step.label))
    return (*plan, step)


def preserves_len(step: Any) -> bool:
    """Whether a step keeps the number of rows (so ``len`` can be computed before it)."""
    if isinstance(step, st.Project | st.Rename | st.Cast | st.WithColumns | st.Sort):
        return True
    if isinstance(step, st.LazyFn):
        return step.preserves_len
    if isinstance(step, st.PythonMap):
        return not step.is_filter and not step.batched
    return False


def count_rows(plan: Plan, known: dict[int, int] | None = None) -> int:
    """Number of rows, skipping trailing steps that keep the row count and using index arithmetic."""
    end = len(plan)
    while end > 1 and preserves_len(plan[end - 1]):
        end -= 1
    prefix = plan[:end]
    last = prefix[-1]
    if len(prefix) > 1 and isinstance(last, st.Gather):
        return len(last.indices)
    if len(prefix) > 1 and isinstance(last, st.Slice):
        if last.length is not None and _count_runs_python(prefix[:-1]):
            # count only the rows the slice needs: the Python steps below stop after offset + length rows
            # (``take(10_000)`` after a filter must not run the filter over the whole dataset to count)
            upto = compile_plan(prefix[:-1]).head(last.offset + last.length)
            n = int(upto.select(pl.len()).collect().item())
        else:
            n = count_rows(prefix[:-1])
        start = min(last.offset, n)
        return max(0, min(n - start, last.length if last.length is not None else n))
    if len(prefix) == 1 and isinstance(last, st.Concat) and last.axis == 0:
        return sum(count_rows(p) for p in last.plans)
    return int(compile_plan(prefix).select(pl.len()).collect().item())


def _count_runs_python(plan: Plan) -> bool:
    """Whether :func:`count_rows` of ``plan`` would call a Python function (it follows the same path)."""
    end = len(plan)
    while end > 1 and preserves_len(plan[end - 1]):
        end -= 1
    prefix = plan[:end]
    last = prefix[-1]
    if len(prefix) > 1 and isinstance(last, st.Gather):
        return False
    if len(prefix) > 1 and isinstance(last, st.Slice):
        return _count_runs_python(prefix[:-1])
    if len(prefix) == 1 and isinstance(last, st.Concat) and last.axis == 0:
        return any(_count_runs_python(p) for p in last.plans)
    return any(isinstance(step, st.PythonMap) or isinstance(step, st.Concat) for step in prefix)


def known_prefix(plan: Plan) -> Plan:
    """The longest prefix whose schema is known without running a Python function."""
    for i, step in enumerate(plan):
        if isinstance(step, st.PythonMap) and "schema" not in step.memo:
            return plan[:i]
        if isinstance(step, st.Concat) and any(len(known_prefix(p)) < len(p) for p in step.plans):
            return plan[:i]
    return plan


def describe(plan: Plan, indent: str = "") -> list[str]:
    """One line per step, for ``repr`` and ``explain``."""
    lines = []
    for step in plan:
        if isinstance(step, st.Source):
            lines.append(f"{indent}SOURCE {step.label}")
        elif isinstance(step, st.Concat):
            lines.append(f"{indent}CONCAT axis={step.axis}")
            for p in step.plans:
                lines.extend(describe(p, indent + "  "))
        elif isinstance(step, st.Gather):
            preview = np.array2string(step.indices[:6], separator=", ")
            lines.append(f"{indent}{step.label.upper()} {len(step.indices)} rows {preview}")
        elif isinstance(step, st.PythonMap):
            kind = "FILTER" if step.is_filter else "MAP"
            name = getattr(step.fn, "__qualname__", repr(step.fn))
            lines.append(f"{indent}PYTHON {kind} {name} batched={step.batched}")
        elif isinstance(step, st.LazyFn):
            lines.append(f"{indent}MAPPER {step.label}")
        else:
            lines.append(f"{indent}{type(step).__name__.upper()} {_fields(step)}")
    return lines


def _fields(step: Any) -> str:
    if isinstance(step, st.WithColumns):
        return f"{step.label}: " + ", ".join(
            e.meta.output_name(raise_if_undetermined=False) or "?" for e in step.exprs
        )
    if isinstance(step, st.Filter):
        return str(step.predicate)
    return ", ".join(f"{k}={getattr(step, k)!r}" for k in step.__dataclass_fields__)
