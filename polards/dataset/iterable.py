"""``IterableDataset``: a stream of Polars batches over shards, with bounded memory.

A shard is a ``pl.LazyFrame`` (read with ``collect_batches``) or a zero-arg callable returning an iterator of
``pl.DataFrame`` batches (e.g. a remote JSON-lines reader). Verbs add stream operations; expression-only
operations at the head of the pipeline are pushed into each shard's lazy plan.

>>> import polars as pl
>>> from polards import IterableDataset
>>> it = IterableDataset.from_shards([pl.LazyFrame({"a": [1, 2]}), pl.LazyFrame({"a": [3, 4, 5]})])
>>> [r["a"] for r in it.filter(pl.col("a") > 1).take(3)]
[2, 3, 4]
>>> it.n_shards
2
"""

from __future__ import annotations

import atexit
import collections
import copy
import gc
import json
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from polards.core import steps as st
from polards.core.udf import as_exprs, make_step, map_batch
from polards.exceptions import ColumnNotFoundError, InvalidArgumentError
from polards.features import Features

Shard = pl.LazyFrame | Callable[[], Iterator[pl.DataFrame]]
DEFAULT_BATCH = 1000


@dataclass(frozen=True, eq=False)
class _Lazy:
    """An expression-only op, valid on a LazyFrame and on each batch."""

    fn: Callable[[pl.LazyFrame], pl.LazyFrame]
    label: str


@dataclass(frozen=True, eq=False)
class _Stream:
    """A stateful op over the whole stream of batches (take, skip, batch, python map, buffer shuffle)."""

    fn: Callable[[Iterator[pl.DataFrame], Any], Iterator[pl.DataFrame]]
    label: str


_LIVE_STREAMS: weakref.WeakSet[Any] = weakref.WeakSet()


@atexit.register
def _close_live_streams() -> None:
    """Close streams abandoned mid-shard before the interpreter shuts down, so each Polars query is cancelled
    while Python still runs (otherwise a query parked in an IO plugin can abort the process at exit)."""
    for gen in list(_LIVE_STREAMS):
        gen.close()
    gc.collect()


def _per_batch(op: _Lazy, stream: Iterator[pl.DataFrame]) -> Iterator[pl.DataFrame]:
    """An expression op applied to each batch of a stream (a function, so ``op`` is bound now, not late)."""
    for df in stream:
        yield op.fn(df.lazy()).collect()


def _rebatch(batches: Iterable[pl.DataFrame], size: int, drop_last: bool = False) -> Iterator[pl.DataFrame]:
    """Exact ``size``-row batches from a stream of frames of any size."""
    pending: list[pl.DataFrame] = []
    have = 0
    for df in batches:
        if df.height == 0:
            continue
        pending.append(df)
        have += df.height
        while have >= size:
            buf = pl.concat(pending, how="vertical_relaxed") if len(pending) > 1 else pending[0]
            yield buf.slice(0, size)
            rest = buf.slice(size)
            pending, have = ([rest] if rest.height else []), rest.height
    if pending and not drop_last:
        yield pl.concat(pending, how="vertical_relaxed") if len(pending) > 1 else pending[0]


def _effective_generator(
    seed: int | None, generator: np.random.Generator | None, epoch: int
) -> np.random.Generator:
    """``datasets``' rule: epoch 0 uses the generator, later epochs derive a new seed from it."""
    base = generator if generator is not None else np.random.default_rng(seed)
    if epoch == 0:
        return copy.deepcopy(base)
    eff = int(copy.deepcopy(base).integers(0, 1 << 63)) - epoch
    return np.random.default_rng(eff + (1 << 63) if eff < 0 else eff)


class IterableDataset:
    """A streaming dataset over shards; iterate rows with ``for``, batches with ``iter(batch_size)``."""

    __slots__ = ("_shards", "_ops", "_features", "_shuffle", "_epoch", "_format", "_progress", "_resume")

    def __init__(
        self,
        shards: Sequence[Shard],
        ops: tuple[Any, ...] = (),
        features: Features | None = None,
        shuffle: tuple[Any, ...] | None = None,
        epoch: int = 0,
        format: str = "python",
    ) -> None:
        self._shards = tuple(shards)
        self._ops = ops
        self._features = features
        self._shuffle = shuffle  # (seed, generator) when shard order is shuffled
        self._epoch = epoch
        self._format = format
        self._progress: _Progress | None = None  # the latest iteration's position (``state_dict``)
        self._resume: dict[str, Any] | None = None  # where iterations start (``load_state_dict``)

    @classmethod
    def from_shards(cls, shards: Sequence[Shard], features: Features | None = None) -> IterableDataset:
        """Stream over ``shards`` in order; ``features`` default to the first lazy shard's schema."""
        if features is None and shards and isinstance(shards[0], pl.LazyFrame):
            features = Features.from_polars_schema(shards[0].collect_schema())
        return cls(shards, (), features)

    @classmethod
    def from_generator(
        cls,
        generator: Callable[..., Iterator[dict[str, Any]]],
        features: Features | None = None,
        gen_kwargs: dict[str, Any] | None = None,
    ) -> IterableDataset:
        def shard(kwargs: dict[str, Any]) -> Iterator[pl.DataFrame]:
            from polards.dataset.construct import frame_from_columns

            rows: list[dict[str, Any]] = []
            for row in generator(**kwargs):
                rows.append(row)
                if len(rows) == DEFAULT_BATCH:
                    yield frame_from_columns({k: [r.get(k) for r in rows] for k in rows[0]}, features)
                    rows = []
            if rows:
                yield frame_from_columns({k: [r.get(k) for r in rows] for k in rows[0]}, features)

        # datasets: list-valued gen_kwargs are the data sources, one shard per element
        kwargs = dict(gen_kwargs or {})
        lists = {k: len(v) for k, v in kwargs.items() if isinstance(v, list)}
        if len(set(lists.values())) > 1:
            msg = (
                "Sharding is ambiguous for this dataset: we found several data sources lists of different lengths, "
                f"and we don't know over which list we should parallelize: {lists}"
            )
            raise RuntimeError(msg)
        n = next(iter(lists.values()), 1)
        parts = [{k: ([v[i]] if k in lists else v) for k, v in kwargs.items()} for i in range(n)] or [kwargs]
        return cls([lambda p=p: shard(p) for p in parts], (), features)

    def _with(
        self, op: Any = None, *, features: Features | None | bool = True, **changes: Any
    ) -> IterableDataset:
        feats = self._features if features is True else features
        ops = (*self._ops, op) if op is not None else self._ops
        kw = {
            "shards": self._shards,
            "ops": ops,
            "features": feats,
            "shuffle": self._shuffle,
            "epoch": self._epoch,
            "format": self._format,
        }
        kw.update(changes)
        return IterableDataset(**kw)

    def _lazy_op(self, fn: Callable[[pl.LazyFrame], pl.LazyFrame], label: str) -> IterableDataset:
        feats: Features | None = None
        if self._features is not None:
            schema = fn(pl.LazyFrame(schema=self._features.to_polars_schema())).collect_schema()
            feats = self._features.reconcile(schema)
        return self._with(_Lazy(fn, label), features=feats)

    # ------------------------------------------------------------------------------------------- metadata
    @property
    def features(self) -> Features | None:
        return self._features

    @property
    def column_names(self) -> list[str] | None:
        return list(self._features) if self._features is not None else None

    @property
    def n_shards(self) -> int:
        return len(self._shards)

    @property
    def num_shards(self) -> int:
        """``datasets``' name for :attr:`n_shards`."""
        return len(self._shards)

    @classmethod
    def from_dict(
        cls, mapping: Mapping[str, Any], features: Features | None = None, **kw: Any
    ) -> IterableDataset:
        """An iterable dataset of one shard over the columns of ``mapping`` (``IterableDataset.from_dict``)."""
        from polards.dataset.dataset import Dataset

        return Dataset.from_dict(dict(mapping), features=features, **kw).to_iterable_dataset()

    @property
    def epoch(self) -> int:
        return self._epoch

    def set_epoch(self, epoch: int) -> None:
        """In place, as in ``datasets``: the next iteration reshuffles with an epoch-derived seed."""
        self._epoch = epoch

    def __repr__(self) -> str:
        return f"IterableDataset({{\n    features: {self.column_names or 'Unknown'},\n    num_shards: {self.n_shards}\n}})"

    def _require(self, cols: Iterable[str]) -> None:
        if self._features is None:
            return
        missing = [c for c in cols if c not in self._features]
        if missing:
            raise ColumnNotFoundError.from_names(missing, list(self._features))

    # ------------------------------------------------------------------------------------------- iteration
    def _shard_order(self) -> list[int]:
        if self._shuffle is None:
            return list(range(len(self._shards)))
        rng = _effective_generator(*self._shuffle, self._epoch)
        return [int(i) for i in rng.permutation(len(self._shards))]

    def _shard_batches(
        self, shard: Shard, lazy_ops: list[_Lazy], chunk: int, skip: int = 0
    ) -> Iterator[pl.DataFrame]:
        """The shard's batches after the pushed-down expression ops, without its first ``skip`` rows."""
        if isinstance(shard, pl.LazyFrame):
            lf = shard
            for op in lazy_ops:
                lf = op.fn(lf)
            yield from (lf.slice(skip) if skip else lf).collect_batches(chunk_size=chunk, lazy=True)
            return
        for df in shard():
            for op in lazy_ops:
                df = op.fn(df.lazy()).collect()
            if skip:
                cut, skip = min(skip, df.height), skip - min(skip, df.height)
                df = df.slice(cut)
            yield df

    def _lazy_head(self) -> int:
        """How many leading ops are expression ops (pushed into each shard's plan)."""
        head = 0
        while head < len(self._ops) and isinstance(self._ops[head], _Lazy):
            head += 1
        return head

    def _stream(
        self, chunk: int = DEFAULT_BATCH, progress: _Progress | None = None
    ) -> Iterator[pl.DataFrame]:
        head = self._lazy_head()
        lazy_ops = list(self._ops[:head])
        order = self._shard_order()
        start = self._resume if self._resume is not None and self._resume["epoch"] == self._epoch else None
        first, offset = (
            (start["shard_idx"], start["shard_example_idx"]) if start and start["mode"] == "shard" else (0, 0)
        )

        def shards() -> Iterator[pl.DataFrame]:
            for pos in range(first, len(order)):
                base = offset if pos == first else 0
                for df in self._shard_batches(self._shards[order[pos]], lazy_ops, chunk, base):
                    if progress is not None:
                        progress.segment(pos, base, df.height)
                    base += df.height
                    yield df

        stream: Iterator[pl.DataFrame] = shards()
        for op in self._ops[head:]:
            stream = _per_batch(op, stream) if isinstance(op, _Lazy) else op.fn(stream, self)
        out = (df for df in stream if df.height)
        if start and start["mode"] == "replay" and start["num_examples_yielded"]:
            out = _drop_rows(out, start["num_examples_yielded"])
        _LIVE_STREAMS.add(out)
        return out

    # ------------------------------------------------------------------------------------- resumable state
    def _signature(self) -> str:
        """What a state must have been taken on: the shard count, the ops and the shuffle seed."""
        seed, gen = self._shuffle if self._shuffle is not None else (None, None)
        if gen is not None:
            seed = json.dumps(gen.bit_generator.state, sort_keys=True, default=str)
        labels = ",".join(op.label for op in self._ops)
        return f"n_shards={len(self._shards)}; ops=[{labels}]; shuffle_seed={seed}"

    def _new_progress(self) -> _Progress:
        start = self._resume if self._resume is not None and self._resume["epoch"] == self._epoch else None
        mode = "shard" if self._lazy_head() == len(self._ops) else "replay"
        self._progress = _Progress(self._epoch, mode, self._signature(), start)
        return self._progress

    def state_dict(self) -> dict[str, Any]:
        """The position after the latest row (or batch) the latest iteration yielded, as in ``datasets``.

        Pass it to :meth:`load_state_dict` of an identical pipeline (a new process) to resume there. With only
        expression ops the state is the shard position (``shard_idx`` in the shard order and
        ``shard_example_idx`` rows of it) and resuming skips straight to it; with Python ``map``/``filter``,
        ``take``/``skip``, ``batch`` or ``shuffle`` it is the number of rows yielded (``mode="replay"``) and
        resuming recomputes the stream up to there and drops those rows, so the functions must be
        deterministic. Unlike ``datasets`` (which loses its shuffle buffer), the rows after a resume are then
        exactly those an uninterrupted iteration gives.

        >>> from polards import Dataset
        >>> ds = Dataset.from_dict({"a": list(range(5))}).to_iterable_dataset()
        >>> it = iter(ds)
        >>> _ = next(it), next(it)
        >>> state = ds.state_dict()
        >>> again = Dataset.from_dict({"a": list(range(5))}).to_iterable_dataset()
        >>> again.load_state_dict(state)
        >>> [r["a"] for r in again]
        [2, 3, 4]
        """
        if self._progress is not None:
            return self._progress.state()
        if self._resume is not None:
            return copy.deepcopy(self._resume)
        return _Progress(
            self._epoch, "shard" if self._lazy_head() == len(self._ops) else "replay", self._signature(), None
        ).state()

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Make every later iteration of epoch ``state_dict["epoch"]`` start after the row the state was taken
        at (see :meth:`state_dict`); raises :class:`InvalidArgumentError` for a state of another pipeline."""
        missing = [k for k in _STATE_KEYS if k not in state_dict]
        if missing:
            raise InvalidArgumentError(
                f"Cannot load this state_dict: keys {missing} are missing (expected a state from polards' "
                f"IterableDataset.state_dict(), with keys {list(_STATE_KEYS)}); got keys {list(state_dict)}."
            )
        if state_dict["pipeline"] != self._signature():
            raise InvalidArgumentError(
                "Cannot resume from this state_dict: it was taken on another pipeline "
                f"({state_dict['pipeline']!r}), this dataset is {self._signature()!r}; "
                "resuming would start at a wrong row."
            )
        mode = "shard" if self._lazy_head() == len(self._ops) else "replay"
        if state_dict["mode"] != mode:
            raise InvalidArgumentError(
                f"Cannot resume from a {state_dict['mode']!r} state on a {mode!r} pipeline."
            )
        self._resume = copy.deepcopy(dict(state_dict))
        self._progress = None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        from polards.dataset import formatting

        feats = self._features or Features()
        progress = self._new_progress()
        for df in self._stream(progress=progress):
            data = formatting.format_batch(df, "python", feats)
            keys = list(data)
            for vals in zip(*data.values(), strict=True):
                progress.yielded += 1
                yield dict(zip(keys, vals, strict=True))

    def iter(self, batch_size: int, drop_last_batch: bool = False) -> Iterator[Any]:
        """Batches of exactly ``batch_size`` rows (the last one shorter unless dropped)."""
        from polards.dataset import formatting

        progress = self._new_progress()
        if self._format == "arrow":  # big frames converted once, then zero-copy slices
            chunk = max(batch_size, formatting.ARROW_CHUNK)
            for table in formatting.arrow_batches(self._stream(chunk, progress), batch_size, drop_last_batch):
                progress.advance(table.num_rows)
                yield table
            return
        feats = self._features or Features()
        for df in _rebatch(self._stream(batch_size, progress), batch_size, drop_last_batch):
            progress.advance(df.height)
            yield formatting.format_batch(df, self._format, feats)

    def with_format(self, type: str | None = None) -> IterableDataset:
        from polards.dataset.formatting import check_format

        return self._with(format=check_format(type))

    def to_polars(self) -> pl.DataFrame:
        """Collect the whole stream (for small streams and tests)."""
        frames = list(self._stream())
        if frames:
            return pl.concat(frames, how="vertical_relaxed")
        return pl.DataFrame(schema=self._features.to_polars_schema() if self._features else None)

    def to_list(self) -> list[dict[str, Any]]:
        return list(self)

    # ---------------------------------------------------------------------------------------------- verbs
    def take(self, n: int) -> IterableDataset:
        def op(stream: Iterator[pl.DataFrame], _: Any) -> Iterator[pl.DataFrame]:
            left = n
            for df in stream:
                if left <= 0:
                    return
                yield df.head(left)
                left -= df.height

        return self._with(_Stream(op, f"take({n})"))

    def skip(self, n: int) -> IterableDataset:
        def op(stream: Iterator[pl.DataFrame], _: Any) -> Iterator[pl.DataFrame]:
            left = n
            for df in stream:
                if left >= df.height:
                    left -= df.height
                    continue
                yield df.slice(left)
                left = 0

        return self._with(_Stream(op, f"skip({n})"))

    def filter(
        self,
        function: Callable[..., Any] | pl.Expr | None = None,
        with_indices: bool = False,
        input_columns: str | Sequence[str] | None = None,
        batched: bool = False,
        batch_size: int | None = 1000,
        fn_kwargs: dict[str, Any] | None = None,
    ) -> IterableDataset:
        if function is None:
            return self
        if isinstance(function, pl.Expr):
            return self._lazy_op(lambda lf, e=function: lf.filter(e), "filter")
        step = make_step(
            function,
            features=self._features,
            with_indices=with_indices,
            input_columns=input_columns,
            batched=batched,
            batch_size=batch_size,
            fn_kwargs=fn_kwargs,
            is_filter=True,
        )
        return self._with(_Stream(self._python_op(step), "python filter"))

    def map(
        self,
        function: Callable[..., Any] | Mapping[str, pl.Expr] | Sequence[pl.Expr] | pl.Expr | None = None,
        with_indices: bool = False,
        input_columns: str | Sequence[str] | None = None,
        batched: bool = False,
        batch_size: int | None = 1000,
        drop_last_batch: bool = False,
        remove_columns: str | Sequence[str] | None = None,
        fn_kwargs: dict[str, Any] | None = None,
        features: Features | None = None,
    ) -> IterableDataset:
        remove = [remove_columns] if isinstance(remove_columns, str) else list(remove_columns or [])
        self._require(remove)
        if function is None:
            return self.remove_columns(remove) if remove else self
        if (exprs := as_exprs(function)) is not None:
            out = self._lazy_op(lambda lf, e=exprs: lf.with_columns(e), "map")
            return out.remove_columns(remove) if remove else out
        step = make_step(
            function,
            features=self._features,
            with_indices=with_indices,
            input_columns=input_columns,
            batched=batched,
            batch_size=batch_size,
            fn_kwargs=fn_kwargs,
            remove=tuple(remove),
            drop_last_batch=drop_last_batch,
        )
        return self._with(_Stream(self._python_op(step), "python map"), features=features)

    @staticmethod
    def _python_op(step: st.PythonMap) -> Callable[[Iterator[pl.DataFrame], Any], Iterator[pl.DataFrame]]:
        def op(stream: Iterator[pl.DataFrame], _: Any) -> Iterator[pl.DataFrame]:
            offset = 0
            size = step.batch_size if step.batched and step.batch_size else DEFAULT_BATCH
            for df in _rebatch(stream, size, step.drop_last_batch):
                if step.with_indices:
                    df = df.with_row_index(st.INDEX_COLUMN, offset=offset)
                offset += df.height
                out = map_batch(step, df)
                yield out.filter(pl.col(st.MASK_COLUMN)).drop(st.MASK_COLUMN) if step.is_filter else out

        return op

    def shuffle(
        self, seed: int | None = None, generator: np.random.Generator | None = None, buffer_size: int = 1000
    ) -> IterableDataset:
        """Shuffle the shard order and rows through a buffer of ``buffer_size`` (``datasets``' algorithm)."""
        if seed is None and generator is None:
            seed = int(np.random.default_rng().integers(0, 1 << 63))

        def op(stream: Iterator[pl.DataFrame], ds: IterableDataset) -> Iterator[pl.DataFrame]:
            rng = _effective_generator(seed, generator, ds._epoch)
            yield from _buffer_shuffle(stream, rng, buffer_size)

        return self._with(_Stream(op, f"shuffle(buffer_size={buffer_size})"), shuffle=(seed, generator))

    def batch(self, batch_size: int, drop_last_batch: bool = False) -> IterableDataset:
        def op(stream: Iterator[pl.DataFrame], _: Any) -> Iterator[pl.DataFrame]:
            for df in _rebatch(stream, batch_size, drop_last_batch):
                yield df.select(pl.all().implode())

        feats = (
            Features.from_polars_schema(
                pl.LazyFrame(schema=self._features.to_polars_schema())
                .select(pl.all().implode())
                .collect_schema()
            )
            if self._features
            else None
        )
        return self._with(_Stream(op, f"batch({batch_size})"), features=feats)

    def select_columns(self, column_names: str | Sequence[str]) -> IterableDataset:
        cols = [column_names] if isinstance(column_names, str) else list(column_names)
        self._require(cols)
        return self._lazy_op(lambda lf: lf.select(cols), "select_columns")

    def remove_columns(self, column_names: str | Sequence[str]) -> IterableDataset:
        cols = [column_names] if isinstance(column_names, str) else list(column_names)
        self._require(cols)
        return self._lazy_op(lambda lf: lf.drop(cols), "remove_columns")

    def rename_column(self, original_column_name: str, new_column_name: str) -> IterableDataset:
        return self.rename_columns({original_column_name: new_column_name})

    def rename_columns(self, column_mapping: Mapping[str, str]) -> IterableDataset:
        self._require(column_mapping)
        mapping = dict(column_mapping)
        out = self._lazy_op(lambda lf: lf.rename(mapping), "rename")
        if self._features is not None:
            out._features = Features({mapping.get(k, k): v for k, v in self._features.items()})
        return out

    def cast_column(self, column: str, feature: Any) -> IterableDataset:
        from polards.features import to_polars_dtype

        self._require([column])
        out = self._lazy_op(
            lambda lf: lf.with_columns(pl.col(column).cast(to_polars_dtype(feature))), "cast_column"
        )
        if out._features is not None:
            out._features = Features({**out._features, column: feature})
        return out

    def map_schema(self, mapper: Callable[[pl.LazyFrame], pl.LazyFrame]) -> IterableDataset:
        out = self._lazy_op(mapper, getattr(mapper, "__name__", "mapper"))
        feats = getattr(mapper, "features", None)
        if feats is not None:
            out._features = feats
        return out

    def with_columns(self, *exprs: pl.Expr, **named: pl.Expr) -> IterableDataset:
        all_exprs = [*exprs, *(e.alias(k) for k, e in named.items())]
        return self._lazy_op(lambda lf: lf.with_columns(all_exprs), "with_columns")

    def shard(self, num_shards: int, index: int, contiguous: bool = True) -> IterableDataset:
        """Every ``num_shards``-th shard (``contiguous=False``) or a contiguous block of shards."""
        if not 0 <= index < num_shards:
            raise InvalidArgumentError("index should be in [0, num_shards-1]")
        n = len(self._shards)
        if num_shards > n:
            raise InvalidArgumentError(
                f"Cannot shard an IterableDataset of {n} shards into {num_shards} parts. Hint: use polards.split_dataset_by_node for row-level splitting."
            )
        if contiguous:
            div, mod = divmod(n, num_shards)
            start = div * index + min(index, mod)
            picked = self._shards[start : start + div + (1 if index < mod else 0)]
        else:
            picked = self._shards[index::num_shards]
        return self._with(shards=picked)

    def to_ray(self) -> Any:
        """A ``ray.data.Dataset`` with one read task per shard (see :func:`polards.distributed.to_ray`)."""
        from polards.distributed.ray import to_ray

        return to_ray(self)


_STATE_KEYS = ("epoch", "mode", "num_examples_yielded", "shard_idx", "shard_example_idx", "pipeline")


class _Progress:
    """Where one iteration is: rows yielded and (``mode="shard"``) the shard position of the latest one.

    The shard stream reports each frame it reads (:meth:`segment`) before consumers that read ahead (rebatching)
    yield its rows; :meth:`advance` maps the count of yielded rows back to the frame holding the latest row."""

    def __init__(self, epoch: int, mode: str, signature: str, start: dict[str, Any] | None) -> None:
        self.epoch, self.mode, self.signature = epoch, mode, signature
        self.yielded = start["num_examples_yielded"] if start else 0
        self.shard_idx = start["shard_idx"] if start and mode == "shard" else 0
        self.shard_example_idx = start["shard_example_idx"] if start and mode == "shard" else 0
        self.pulled = self.yielded
        self.segments: collections.deque[tuple[int, int, int, int]] = collections.deque()

    def segment(self, pos: int, base: int, height: int) -> None:
        if self.mode == "shard" and height:
            self._resolve()  # drop the frames wholly yielded already
            self.segments.append((self.pulled, pos, base, height))
            self.pulled += height

    def advance(self, n: int) -> None:
        self.yielded += n  # per row: keep it cheap, the shard position is worked out when asked

    def _resolve(self) -> None:
        if self.mode != "shard" or not self.segments:
            return
        last = self.yielded - 1
        while len(self.segments) > 1 and self.segments[0][0] + self.segments[0][3] <= last:
            self.segments.popleft()
        start, pos, base, _ = self.segments[0]
        if last >= start:
            self.shard_idx, self.shard_example_idx = pos, base + last - start + 1

    def state(self) -> dict[str, Any]:
        self._resolve()
        return {
            "epoch": self.epoch,
            "mode": self.mode,
            "num_examples_yielded": self.yielded,
            "shard_idx": self.shard_idx if self.mode == "shard" else None,
            "shard_example_idx": self.shard_example_idx if self.mode == "shard" else None,
            "pipeline": self.signature,
        }


def _drop_rows(stream: Iterator[pl.DataFrame], n: int) -> Iterator[pl.DataFrame]:
    """The stream without its first ``n`` rows (a replayed resume)."""
    for df in stream:
        if n >= df.height:
            n -= df.height
            continue
        yield df.slice(n) if n else df
        n = 0


def _buffer_shuffle(
    stream: Iterator[pl.DataFrame], rng: np.random.Generator, buffer_size: int
) -> Iterator[pl.DataFrame]:
    """``datasets``' buffer shuffle: when the buffer holds ``buffer_size`` rows, permute it, yield all but
    ``buffer_size // 2`` rows and keep the rest; at the end yield a permutation of what is left."""
    keep = buffer_size // 2
    buffer: pl.DataFrame | None = None
    for df in stream:
        while df.height:
            have = 0 if buffer is None else buffer.height
            take = min(buffer_size - have, df.height)
            part, df = df.slice(0, take), df.slice(take)
            buffer = part if buffer is None else pl.concat([buffer, part], how="vertical_relaxed")
            if buffer.height >= buffer_size:
                shuffled = buffer[rng.permutation(buffer.height)]
                cut = buffer.height - keep
                yield shuffled.slice(0, cut)
                buffer = shuffled.slice(cut).rechunk()
    if buffer is not None and buffer.height:
        yield buffer[rng.permutation(buffer.height)]


def concatenate_iterable(dsets: list[IterableDataset], axis: int = 0) -> IterableDataset:
    if axis != 0:
        raise InvalidArgumentError(
            "concatenate_datasets(axis=1) is not supported for IterableDataset in polards."
        )

    def make(ds: IterableDataset) -> Callable[[], Iterator[pl.DataFrame]]:
        return lambda: ds._stream()

    return IterableDataset([make(d) for d in dsets], (), dsets[0].features)


def interleave_iterable(
    dsets: list[IterableDataset],
    probabilities: Sequence[float] | None,
    seed: int | None,
    stopping_strategy: str,
) -> IterableDataset:
    """Row-level interleaving of streams (round robin, or sources drawn with ``probabilities``)."""

    def rows(ds: IterableDataset) -> Iterator[pl.DataFrame]:
        for df in ds._stream():
            for i in range(df.height):
                yield df.slice(i, 1)

    def shard() -> Iterator[pl.DataFrame]:
        iters = [rows(d) for d in dsets]
        exhausted = [False] * len(dsets)
        rng = np.random.default_rng(seed)
        out: list[pl.DataFrame] = []
        restarts = [0] * len(dsets)
        i = -1
        while True:
            i = (
                (i + 1) % len(dsets)
                if probabilities is None
                else int(rng.choice(len(dsets), p=probabilities))
            )
            try:
                out.append(next(iters[i]))
            except StopIteration:
                exhausted[i] = True
                if stopping_strategy == "first_exhausted" or all(exhausted):
                    break
                if stopping_strategy == "all_exhausted":
                    iters[i] = rows(dsets[i])
                    restarts[i] += 1
                    out.append(next(iters[i]))
                else:
                    continue
            if len(out) >= DEFAULT_BATCH:
                yield pl.concat(out, how="vertical_relaxed")
                out = []
        if out:
            yield pl.concat(out, how="vertical_relaxed")

    return IterableDataset([shard], (), dsets[0].features)
