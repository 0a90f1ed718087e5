"""Plan steps: small frozen records, one per kind of operation. :mod:`polards.core.compile` turns them into
a ``pl.LazyFrame``. A plan is a tuple of steps whose first step is a root (:class:`Source` or :class:`Concat`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl


@dataclass(frozen=True, eq=False)
class Source:
    """A LazyFrame to start from (a scan, an in-memory frame, ...)."""

    lf: pl.LazyFrame
    label: str
    files: tuple[str, ...] = ()  # source file identities, for fingerprints and describing the plan
    format: str | None = None
    cache_dir: str | None = None  # where map results of this source are cached (``cache_dir=`` of a load)


@dataclass(frozen=True, eq=False)
class Concat:
    """Rows of several plans one after another (``axis=0``) or their columns side by side (``axis=1``)."""

    plans: tuple[tuple[Any, ...], ...]
    axis: int = 0


@dataclass(frozen=True)
class Project:
    """Keep these columns, in this order."""

    columns: tuple[str, ...]


@dataclass(frozen=True)
class Rename:
    mapping: tuple[tuple[str, str], ...]


@dataclass(frozen=True, eq=False)
class Cast:
    dtypes: tuple[tuple[str, pl.DataType], ...]


@dataclass(frozen=True, eq=False)
class WithColumns:
    """Add or replace columns with Polars expressions (``map`` with expressions, ``add_column``, mappers)."""

    exprs: tuple[pl.Expr, ...]
    label: str = "with_columns"


@dataclass(frozen=True, eq=False)
class Filter:
    predicate: pl.Expr


@dataclass(frozen=True)
class Slice:
    offset: int
    length: int | None


@dataclass(frozen=True, eq=False)
class Gather:
    """Rows at these positions, in this order (``select``, ``shuffle``)."""

    indices: np.ndarray
    label: str = "select"


@dataclass(frozen=True)
class Sort:
    by: tuple[str, ...]
    descending: tuple[bool, ...]
    nulls_last: bool


@dataclass(frozen=True, eq=False)
class LazyFn:
    """A whole-plan transformation ``pl.LazyFrame -> pl.LazyFrame`` (schema mappers)."""

    fn: Callable[[pl.LazyFrame], pl.LazyFrame]
    label: str
    preserves_len: bool = False
    row_local: bool = (
        True  # False when output rows depend on other rows (batch); decides what can be distributed
    )


@dataclass(frozen=True, eq=False)
class PythonMap:
    """A user's Python function over batches (or rows) of python values (see :mod:`polards.core.udf`).

    ``batch_size`` None means the whole dataset as one batch (``datasets``' ``None``/``<= 0``)."""

    fn: Callable[..., Any]
    batched: bool
    batch_size: int | None
    with_indices: bool
    input_columns: tuple[str, ...] | None
    remove_columns: tuple[str, ...]
    fn_kwargs: tuple[tuple[str, Any], ...]
    decoders: tuple[tuple[str, Any], ...]
    is_filter: bool = False
    drop_last_batch: bool = False
    with_rank: bool = False
    try_original_type: bool = True
    writer_batch_size: int = 1000  # rows per chunk of a row-wise function (the first chunk sets the types)
    num_proc: int | None = None  # > 1: worker processes over contiguous shards (polards.core.map_workers)
    memo: dict[str, Any] = field(default_factory=dict)  # output schema, replayed batches, worker results


INDEX_COLUMN = "__polards_index__"
MASK_COLUMN = "__polards_mask__"
