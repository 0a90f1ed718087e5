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

import collections
import copy
import functools
import inspect
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from polards.core import fork_guard, live_streams
from polards.core import steps as st
from polards.core.pybridge import columns_to_python
from polards.core.udf import as_exprs, make_step, map_batch, map_batch_python
from polards.exceptions import ColumnNotFoundError, InvalidArgumentError, UDFOutputError
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
    #: the same op yielding Python column dicts (or frames) for a reader of Python rows: a batched map's
    #: outputs go to the reader as the function returned them, with no Arrow round trip (as ``datasets``)
    py: Callable[[Iterator[pl.DataFrame]], Iterator[dict[str, list[Any]] | pl.DataFrame]] | None = None


class _LengthChecked:
    """A batched ``map`` function whose output is checked against its input batch, with ``datasets``' rule
    and messages (``MappedExamplesIterable``): the returned columns must have one length, and an input column
    that is kept but not returned must have that length too (else rows would be silently misaligned).

    The stream sets :attr:`frame` (per thread) to the input batch just before the function is called."""

    def __init__(self, fn: Callable[..., Any], remove: Sequence[str]) -> None:
        functools.update_wrapper(self, fn, updated=())  # name and qualname for error notes
        self.fn = fn
        self.remove = tuple(remove)
        self.local = threading.local()

    def __getstate__(self) -> dict[str, Any]:  # picklable (worker processes): the per-thread frame stays
        return {k: v for k, v in self.__dict__.items() if k != "local"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.local = threading.local()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        res = self.fn(*args, **kwargs)
        if inspect.isawaitable(res):

            async def checked() -> Any:
                return self.check(await res)

            return checked()
        return self.check(res)

    def check(self, res: Any) -> Any:
        if not isinstance(res, Mapping) or not res:
            return res
        lengths = {k: _length(v) for k, v in res.items()}
        first = next(iter(lengths))
        bad = [k for k, n in lengths.items() if n != lengths[first]]
        if bad:
            raise UDFOutputError(
                f"Column lengths mismatch: columns {bad} have length {[lengths[k] for k in bad]} "
                f"while {first} has length {lengths[first]}."
            )
        frame: pl.DataFrame | None = getattr(self.local, "frame", None)
        if frame is None or frame.height == lengths[first]:
            return res
        kept = [c for c in frame.columns if c != st.INDEX_COLUMN and c not in self.remove and c not in res]
        if kept:
            raise UDFOutputError(
                f"Column lengths mismatch: columns {kept} have length {[frame.height] * len(kept)} "
                f"while {first} has length {lengths[first]}. Make sure the mapped function returns all columns "
                "at the same length, or drop the offending input columns with `remove_columns`."
            )
        return res


def _length(values: Any) -> int:
    try:
        return len(values)
    except TypeError:  # a scalar: datasets' validation rejects it later with its own message
        return -1


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


class IterableColumn:
    """The values of one column of an :class:`IterableDataset` (``ds["text"]``), as in ``datasets``.

    Each iteration streams the source again; ``column["field"]`` goes one level deeper into struct values.

    >>> from polards import Dataset
    >>> ds = Dataset.from_dict({"m": [{"src": "a"}, {"src": "b"}]}).to_iterable_dataset()
    >>> list(ds["m"]["src"])
    ['a', 'b']
    """

    def __init__(self, source: IterableDataset | IterableColumn, column_name: str) -> None:
        self.source = source
        self.column_name = column_name

    def __iter__(self) -> Iterator[Any]:
        for example in self.source:
            yield example[self.column_name]

    def __getitem__(self, column_name: str) -> IterableColumn:
        return IterableColumn(self, column_name)

    def __repr__(self) -> str:
        return f"IterableColumn({self.column_name!r})"


class IterableDataset:
    """A streaming dataset over shards; iterate rows with ``for``, batches with ``iter(batch_size)``."""

    __slots__ = (
        "_shards",
        "_ops",
        "_features",
        "_shuffle",
        "_epoch",
        "_format",
        "_progress",
        "_resume",
        "_decode_threads",
    )

    def __init__(
        self,
        shards: Sequence[Shard],
        ops: tuple[Any, ...] = (),
        features: Features | None = None,
        shuffle: tuple[Any, ...] | None = None,
        epoch: int = 0,
        format: str = "python",
        decode_threads: int = 0,
    ) -> None:
        self._shards = tuple(shards)
        self._ops = ops
        self._features = features
        self._shuffle = shuffle  # (seed, generator) when shard order is shuffled
        self._epoch = epoch
        self._format = format
        self._progress: _Progress | None = None  # the latest iteration's position (``state_dict``)
        self._resume: dict[str, Any] | None = None  # where iterations start (``load_state_dict``)
        self._decode_threads = decode_threads  # rows decoded ahead in threads (``decode(num_threads=)``)

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
        shards = [lambda p=p: shard(p) for p in parts]
        for s in shards:
            s.python_rows = True  # type: ignore[attr-defined]  # datasets streams these row by row
        return cls(shards, (), features)

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
            "decode_threads": self._decode_threads,
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
        cls,
        mapping: Mapping[str, Any],
        features: Features | None = None,
        info: Any = None,
        split: str | None = None,
        num_shards: int | None = 1,
    ) -> IterableDataset:
        """An in-memory iterable dataset of ``num_shards`` shards over the columns of ``mapping``.

        >>> IterableDataset.from_dict({"a": [1, 2, 3]}, num_shards=2).num_shards
        2
        """
        from polards.dataset.dataset import Dataset

        ds = Dataset.from_dict(dict(mapping), features=features, info=info, split=split)
        return ds.to_iterable_dataset(num_shards=num_shards or 1)

    @classmethod
    def from_list(
        cls,
        mapping: Sequence[Mapping[str, Any]],
        features: Features | None = None,
        info: Any = None,
        split: str | None = None,
        num_shards: int | None = 1,
    ) -> IterableDataset:
        """An in-memory iterable dataset of ``num_shards`` shards over a list of rows (the first row's keys
        are the columns, as in ``datasets``).

        >>> [r["a"] for r in IterableDataset.from_list([{"a": 1}, {"a": 2}])]
        [1, 2]
        """
        from polards.dataset.dataset import Dataset

        ds = Dataset.from_list(list(mapping), features=features, info=info, split=split)
        return ds.to_iterable_dataset(num_shards=num_shards or 1)

    @property
    def epoch(self) -> int:
        return self._epoch

    def set_epoch(self, epoch: int) -> None:
        """In place, as in ``datasets``: the next iteration reshuffles with an epoch-derived seed."""
        self._epoch = epoch

    def __getitem__(self, column_name: str) -> IterableColumn:
        """The values of one column, streamed (``ds["text"]``, as ``datasets``' ``IterableColumn``)."""
        return IterableColumn(self, column_name)

    def __repr__(self) -> str:
        return f"IterableDataset({{\n    features: {self.column_names or 'Unknown'},\n    num_shards: {self.n_shards}\n}})"

    def _require(self, cols: Iterable[str]) -> None:
        if self._features is None:
            return
        missing = [c for c in cols if c not in self._features]
        if missing:
            raise ColumnNotFoundError.from_names(missing, list(self._features))

    # ------------------------------------------------------------------------------------------- iteration
    def _fixed_order(self) -> bool:
        """Whether the shard order must stay as it is (``take``/``skip`` in the pipeline, as ``datasets``)."""
        return any(isinstance(op, _Stream) and op.label.startswith(("take(", "skip(")) for op in self._ops)

    def _shard_order(self) -> list[int]:
        """``datasets`` 5.2's order: ``shuffle``'s generator permutes the shards, and every epoch > 0 permutes
        that order again with ``default_rng(epoch)`` (with or without ``shuffle``) unless it is fixed."""
        n = len(self._shards)
        order = list(range(n))
        if self._shuffle is not None:
            seed, gen = self._shuffle
            base = copy.deepcopy(gen) if gen is not None else np.random.default_rng(seed)
            base.shuffle(order)
        if self._epoch and not self._fixed_order():
            idx = list(range(n))
            np.random.default_rng(self._epoch).shuffle(idx)
            order = [order[i] for i in idx]
        return order

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

    def _python_tail(self) -> Callable[[Iterator[pl.DataFrame]], Iterator[Any]] | None:
        """The last op's Python-batch form when rows are read as Python objects straight from it (a batched
        map with no features set after it, no pending resume), else None."""
        last = self._ops[-1] if self._ops else None
        if not isinstance(last, _Stream) or last.py is None or self._features is not None:
            return None
        if self._format != "python" or self._resume is not None:
            return None
        return last.py

    def _python_batches(self, chunk: int, progress: _Progress) -> Iterator[dict[str, list[Any]]] | None:
        """Python column batches of a stream ending in a batched map (see :meth:`_python_tail`), else None."""
        tail = self._python_tail()
        if tail is None:
            return None

        def batches() -> Iterator[dict[str, list[Any]]]:
            for out in tail(self._stream(chunk, progress, upto=len(self._ops) - 1)):
                if isinstance(out, pl.DataFrame):
                    if out.height:
                        yield columns_to_python(out, out.columns)
                elif out and len(next(iter(out.values()))):
                    yield out

        return batches()

    def _stream(
        self, chunk: int = DEFAULT_BATCH, progress: _Progress | None = None, upto: int | None = None
    ) -> Iterator[pl.DataFrame]:
        fork_guard.check()
        fork_guard.note_use()
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
        for op in self._ops[head:upto]:
            stream = _per_batch(op, stream) if isinstance(op, _Lazy) else op.fn(stream, self)
        out = (df for df in stream if df.height)
        if start and start["mode"] == "replay" and start["num_examples_yielded"]:
            out = _drop_rows(out, start["num_examples_yielded"])
        live_streams.track(out)
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

    def __iter__(self) -> Iterator[Any]:
        """Rows in the dataset's format (python: dicts, decoded one row at a time as they are yielded, or
        ``num_threads`` rows ahead after :meth:`decode`; arrow/polars/pandas: one-row tables)."""
        from polards.dataset import formatting

        feats = self._features or Features()
        progress = self._new_progress()
        if self._format != "python":
            for df in self._stream(progress=progress):
                for i in range(df.height):
                    progress.yielded += 1
                    yield formatting.format_row(df.slice(i, 1), self._format, feats)
            return

        if (py := self._python_batches(DEFAULT_BATCH, progress)) is not None:
            for batch in py:  # datasets' _batch_to_examples
                n = len(next(iter(batch.values())))
                for i in range(n):
                    progress.yielded += 1
                    yield {c: v[i] for c, v in batch.items()}
            return

        def rows() -> Iterator[dict[str, Any]]:
            for df in self._stream(progress=progress):
                keys = df.columns
                data = columns_to_python(df, keys)
                for vals in zip(*data.values(), strict=True):
                    yield dict(zip(keys, vals, strict=True))

        for row in _decoded_rows(rows(), feats, self._decode_threads):
            progress.yielded += 1
            yield row

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
        if (py := self._python_batches(batch_size, progress)) is not None:
            for batch in _rebatch_python(py, batch_size, drop_last_batch):
                progress.advance(len(next(iter(batch.values()))))
                yield batch
            return
        feats = self._features or Features()
        for df in _rebatch(self._stream(batch_size, progress), batch_size, drop_last_batch):
            progress.advance(df.height)
            yield formatting.format_batch(df, self._format, feats)

    def decode(self, enable: bool = True, num_threads: int | None = None) -> IterableDataset:
        """Turn decoding of media features (``Image``, ``Audio``, any feature with ``decode_example``) on or
        off, as ``datasets``: off, rows carry the stored values (``{"bytes", "path"}``); ``num_threads``
        decodes that many rows at once in threads, up to ``2 * num_threads`` rows ahead (default: 32 when a
        feature decodes, else 0).

        >>> from polards import Dataset
        >>> from polards.features import Features, Image
        >>> ds = Dataset.from_dict({"img": [None]}, features=Features({"img": Image()})).to_iterable_dataset()
        >>> ds.decode(False).features["img"].decode
        False
        """
        if not self._features:
            raise InvalidArgumentError(
                "Features decoding is only available for datasets with known features, but features are Unknown. "
                "Please set the datasets features with `ds = ds.cast(features)`."
            )
        if num_threads is None:
            num_threads = 32 if any(_needs_decoding(f) for f in self._features.values()) else 0
        feats = Features({k: _with_decode_flag(f, enable) for k, f in self._features.items()})
        return self._with(features=feats, decode_threads=num_threads if enable else 0)

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
        checked = _LengthChecked(function, remove) if batched else None
        step = make_step(
            checked or function,
            features=self._features,
            with_indices=with_indices,
            input_columns=input_columns,
            batched=batched,
            batch_size=batch_size,
            fn_kwargs=fn_kwargs,
            remove=tuple(remove),
            drop_last_batch=drop_last_batch,
        )
        py = self._python_rows_op(step, checked) if batched and not step.decoders else None
        return self._with(_Stream(self._python_op(step, checked), "python map", py), features=features)

    @staticmethod
    def _python_rows_op(
        step: st.PythonMap, checked: _LengthChecked | None
    ) -> Callable[[Iterator[pl.DataFrame]], Iterator[dict[str, list[Any]] | pl.DataFrame]]:
        """:meth:`_python_op` of a batched map, yielding the outputs as Python columns (``map_batch_python``)."""

        def op(stream: Iterator[pl.DataFrame]) -> Iterator[dict[str, list[Any]] | pl.DataFrame]:
            for df in _map_inputs(step, checked, stream):
                yield map_batch_python(step, df)

        return op

    @staticmethod
    def _python_op(
        step: st.PythonMap, checked: _LengthChecked | None = None
    ) -> Callable[[Iterator[pl.DataFrame], Any], Iterator[pl.DataFrame]]:
        def op(stream: Iterator[pl.DataFrame], _: Any) -> Iterator[pl.DataFrame]:
            for df in _map_inputs(step, checked, stream):
                out = map_batch(step, df)
                yield out.filter(pl.col(st.MASK_COLUMN)).drop(st.MASK_COLUMN) if step.is_filter else out

        return op

    def shuffle(
        self,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
        buffer_size: int = 1000,
        max_buffer_input_shards: int = 10,
    ) -> IterableDataset:
        """Shuffle the shard order and rows through a buffer of ``buffer_size``, with ``datasets`` 5.2's
        algorithm: the (shuffled) shards are split into ``min(num_shards, max_buffer_input_shards)`` contiguous
        groups read in turn, so the buffer mixes rows of several shards; when it is full it is permuted, all
        but ``buffer_size // 2`` rows are yielded and the rest kept. Arrow-backed sources go through the
        buffer in blocks of ``buffer_size // max_buffer_input_shards`` rows (as ``datasets``' Arrow path),
        generator sources and Python ``map``/``filter`` outputs row by row. After ``take``/``skip`` (or other
        stream ops) the shard order is fixed and the buffer reads one stream, as ``datasets``.
        """
        if seed is None and generator is None:
            seed = int(np.random.default_rng().integers(0, 1 << 63))
        before = self._ops
        python_ops = ("python map", "python filter")
        # per-shard ops: datasets shards below them, so each group of shards runs its own copy
        groupable = max_buffer_input_shards > 1 and all(
            isinstance(op, _Lazy) or op.label in python_ops or op.label.startswith("batch(") for op in before
        )
        fixed = self._fixed_order()
        # datasets' Python path (rows one by one): generator sources and python map/filter/batch outputs,
        # unless a later batch(by_column=) (an Arrow-formatted map) brings back Arrow tables
        kinds = [
            "arrow" if op.label.startswith("batch(by_column") else "py"
            for op in before
            if isinstance(op, _Stream) and (op.label in python_ops or op.label.startswith("batch("))
        ]
        python_shards = any(getattr(sh, "python_rows", False) for sh in self._shards)
        rows = self._format != "arrow" and (kinds[-1] == "py" if kinds else python_shards)
        inputs = max_buffer_input_shards if groupable else 1
        block = 1 if rows else max(1, buffer_size // max(1, 1 if fixed else max_buffer_input_shards))

        def op(stream: Iterator[pl.DataFrame], ds: IterableDataset) -> Iterator[pl.DataFrame]:
            rng = _effective_generator(seed, generator, ds._epoch)
            k = min(len(ds._shards), inputs)
            if k > 1:
                order = [ds._shards[i] for i in ds._shard_order()]
                groups = [
                    IterableDataset(part, before, self._features, None, 0, self._format)._stream()
                    for part in _contiguous(order, k)
                ]
                stream = _round_robin(groups, block)
            elif not rows:
                stream = _rebatch(stream, block)
            yield from _buffer_shuffle(stream, rng, buffer_size, None if rows else block)

        label = f"shuffle(buffer_size={buffer_size}, max_buffer_input_shards={max_buffer_input_shards})"
        return self._with(_Stream(op, label), shuffle=self._shuffle if fixed else (seed, generator))

    def batch(
        self,
        batch_size: int | None = None,
        by_column: str | Sequence[str] | None = None,
        drop_last_batch: bool = False,
    ) -> IterableDataset:
        """Rows grouped into batches: one row per batch whose columns are lists.

        With ``by_column``, each batch is a run of consecutive rows with equal values in those columns (the
        runs continue across shards and input batches); ``batch_size`` then only sets how many input rows are
        read at a time (and ``drop_last_batch`` drops a last shorter read), as in ``datasets``.

        >>> from polards import Dataset
        >>> ds = Dataset.from_dict({"k": ["a", "a", "b", "a"], "v": [1, 2, 3, 4]}).to_iterable_dataset()
        >>> [r["v"] for r in ds.batch(by_column="k")]
        [[1, 2], [3], [4]]
        >>> [r["v"] for r in ds.batch(3)]
        [[1, 2, 3], [4]]
        """
        from polards.features import List

        if batch_size is None and by_column is None:
            raise InvalidArgumentError("IterableDataset.batch() misses `batch_size` or `by_column` argument.")
        feats = Features({c: List(f) for c, f in self._features.items()}) if self._features else None
        if by_column is not None:
            keys = [by_column] if isinstance(by_column, str) else list(by_column)
            self._require(keys)
            size = batch_size or DEFAULT_BATCH

            def grouped(stream: Iterator[pl.DataFrame], _: Any) -> Iterator[pl.DataFrame]:
                yield from _runs_by_columns(stream, keys, size, drop_last_batch)

            return self._with(_Stream(grouped, f"batch(by_column={keys})"), features=feats)
        size = batch_size
        assert size is not None

        def op(stream: Iterator[pl.DataFrame], _: Any) -> Iterator[pl.DataFrame]:
            for df in _rebatch(stream, size, drop_last_batch):
                yield df.select(pl.all().implode())

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

    def reshard(self) -> IterableDataset:
        """Split the shards further where their source allows it, as ``datasets``: a shard reading one whole
        parquet file becomes one shard per row group; a callable shard with a ``reshard()`` method returning a
        list of shards is replaced by them; other shards stay (so ``num_shards`` may not grow). Reshard before
        ``shuffle`` and ``shard``.

        >>> import os, tempfile, pyarrow as pa, pyarrow.parquet as pq, polars as pl
        >>> path = os.path.join(tempfile.mkdtemp(), "x.parquet")
        >>> pq.write_table(pa.table({"a": list(range(10))}), path, row_group_size=4)
        >>> ds = IterableDataset.from_shards([pl.scan_parquet(path)])
        >>> ds.reshard().num_shards, [r["a"] for r in ds.reshard()] == list(range(10))
        (3, True)
        """
        return self._with(shards=[part for shard in self._shards for part in _reshard(shard)])

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


def _reshard(shard: Shard) -> list[Shard]:
    """The parts a shard splits into (itself when it does not split)."""
    if isinstance(shard, pl.LazyFrame):
        path = _whole_parquet_scan(shard)
        if path is None:
            return [shard]
        try:
            import pyarrow.parquet as pq

            meta = pq.ParquetFile(path).metadata
        except (OSError, ValueError):  # not a local file pyarrow can open: keep the shard whole
            return [shard]
        sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
        if len(sizes) < 2:
            return [shard]
        starts = np.cumsum([0, *sizes[:-1]])
        return [shard.slice(int(start), n) for start, n in zip(starts, sizes, strict=True)]
    split = getattr(shard, "reshard", None)
    return list(split()) if callable(split) else [shard]


_PLAIN_EXPRS = ("Column", "Columns", "Selector", "Nth")


def _plain_expr(expr: Any) -> bool:
    """A column reference, possibly cast or renamed: keeps one output row per input row."""
    if not isinstance(expr, dict) or len(expr) != 1:
        return False
    kind, body = next(iter(expr.items()))
    if kind in _PLAIN_EXPRS:
        return True
    if kind == "Alias":
        return _plain_expr(body[0])
    if kind == "Cast":
        return _plain_expr(body.get("expr"))
    if kind == "KeepName":
        return _plain_expr(body)
    return False


def _whole_parquet_scan(lf: pl.LazyFrame) -> str | None:
    """The path of the single parquet file ``lf`` reads whole, when every step above the scan only selects,
    casts or renames columns (so that row ``i`` of ``lf`` is row ``i`` of the file); else None."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            node: Any = json.loads(lf.serialize(format="json"))
    except Exception:  # noqa: BLE001 - an unserializable plan (python UDF, ...) just does not reshard
        return None
    while isinstance(node, dict) and len(node) == 1:
        kind, body = next(iter(node.items()))
        if kind == "IR":
            node = body.get("dsl")
        elif kind == "Select" and all(_plain_expr(e) for e in body.get("expr", [])):
            node = body.get("input")
        elif kind == "HStack" and all(_plain_expr(e) for e in body.get("exprs", [])):
            node = body.get("input")
        elif (
            kind == "MapFunction" and isinstance(body.get("function"), dict) and "Rename" in body["function"]
        ):
            node = body.get("input")
        elif kind == "Scan":
            paths = (body.get("sources") or {}).get("Paths") or []
            args = body.get("unified_scan_args") or {}
            if "Parquet" not in (body.get("scan_type") or {}) or len(paths) != 1 or args.get("pre_slice"):
                return None
            path = paths[0].get("inner") if isinstance(paths[0], dict) else paths[0]
            return path if isinstance(path, str) and "://" not in path else None
        else:
            return None
    return None


def _needs_decoding(feature: Any) -> bool:
    """``datasets``' ``require_decoding``: a (nested) feature with ``decode_example`` and ``decode`` on."""
    from polards.features import LargeList, List

    if isinstance(feature, dict):
        return any(_needs_decoding(f) for f in feature.values())
    if isinstance(feature, list | tuple):
        return bool(feature) and _needs_decoding(feature[0])
    if isinstance(feature, List | LargeList):
        return _needs_decoding(feature.feature)
    return hasattr(feature, "decode_example") and bool(getattr(feature, "decode", True))


def _decode_value(feature: Any, value: Any) -> Any:
    """``datasets``' ``decode_nested_example`` for one stored value."""
    from polards.features import LargeList, List

    if value is None:
        return None
    if isinstance(feature, dict):
        return {k: _decode_value(feature[k], v) if k in feature else v for k, v in value.items()}
    if isinstance(feature, list | tuple | List | LargeList):
        inner = feature[0] if isinstance(feature, list | tuple) else feature.feature
        if isinstance(value, Mapping):  # legacy Sequence of dict: a dict of lists
            return {
                k: [_decode_value(inner.get(k) if isinstance(inner, dict) else None, x) for x in v]
                for k, v in value.items()
            }
        return [_decode_value(inner, x) for x in value]
    if _needs_decoding(feature):
        return feature.decode_example(value)
    return value


def _with_decode_flag(feature: Any, enable: bool) -> Any:
    """A copy of ``feature`` with every nested ``decode`` attribute set to ``enable``."""
    import dataclasses

    from polards.features import LargeList, List

    if isinstance(feature, dict):
        return {k: _with_decode_flag(f, enable) for k, f in feature.items()}
    if isinstance(feature, list):
        return [_with_decode_flag(f, enable) for f in feature]
    if isinstance(feature, List | LargeList):
        return dataclasses.replace(feature, feature=_with_decode_flag(feature.feature, enable))
    if hasattr(feature, "decode"):
        out = copy.copy(feature)
        object.__setattr__(out, "decode", enable)  # also for frozen dataclasses (Image, Audio)
        return out
    return feature


def _decoded_rows(
    rows: Iterator[dict[str, Any]], features: Features, threads: int
) -> Iterator[dict[str, Any]]:
    """Rows with their decodable columns decoded, one by one or ``threads`` at a time ahead of the reader."""
    decodable = {k: f for k, f in features.items() if _needs_decoding(f)}
    if not decodable:
        yield from rows
        return

    def decode(row: dict[str, Any]) -> dict[str, Any]:
        for k, f in decodable.items():
            if k in row:
                row[k] = _decode_value(f, row[k])
        return row

    if threads <= 0:
        yield from map(decode, rows)
        return
    from concurrent.futures import Future, ThreadPoolExecutor

    def decode_pair(pair: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [decode(r) for r in pair]

    # rows go to the threads in pairs, up to ``threads`` pairs (``2 * threads`` rows, datasets' limit) in flight
    with ThreadPoolExecutor(threads) as pool:
        window: collections.deque[Future[list[dict[str, Any]]]] = collections.deque()
        pair: list[dict[str, Any]] = []
        try:
            for row in rows:
                pair.append(row)
                if len(pair) < 2:
                    continue
                window.append(pool.submit(decode_pair, pair))
                pair = []
                if len(window) >= threads:
                    yield from window.popleft().result()
            if pair:
                window.append(pool.submit(decode_pair, pair))
            while window:
                yield from window.popleft().result()
        finally:
            for fut in window:
                fut.cancel()


def _map_inputs(
    step: st.PythonMap, checked: _LengthChecked | None, stream: Iterator[pl.DataFrame]
) -> Iterator[pl.DataFrame]:
    """The input batches of a Python map/filter step (``batch_size`` rows, numbered when ``with_indices``),
    each handed to the length check just before the function sees it."""
    offset = 0
    size = step.batch_size if step.batched and step.batch_size else DEFAULT_BATCH
    for df in _rebatch(stream, size, step.drop_last_batch):
        if step.with_indices:
            df = df.with_row_index(st.INDEX_COLUMN, offset=offset)
        offset += df.height
        if checked is not None:
            checked.local.frame = df
        yield df


def _rebatch_python(
    batches: Iterable[dict[str, list[Any]]], size: int, drop_last: bool = False
) -> Iterator[dict[str, list[Any]]]:
    """Python column batches of exactly ``size`` rows (the last shorter unless dropped); a batch made of
    pieces with other columns has their union, in order of appearance, None where a piece lacks one
    (``datasets``' ``_examples_to_batch``)."""
    pending: list[dict[str, list[Any]]] = []
    have = 0

    def joined(pieces: list[dict[str, list[Any]]]) -> dict[str, list[Any]]:
        if len(pieces) == 1:
            return pieces[0]
        cols = {c: None for p in pieces for c in p}
        out: dict[str, list[Any]] = {c: [] for c in cols}
        for p in pieces:
            n = len(next(iter(p.values())))
            for c in cols:
                out[c].extend(p[c] if c in p else [None] * n)
        return out

    for batch in batches:
        pending.append(batch)
        have += len(next(iter(batch.values())))
        while have >= size:
            buf = joined(pending)
            yield {c: list(v[:size]) for c, v in buf.items()}  # numpy outputs come as lists of scalars
            rest = {c: v[size:] for c, v in buf.items()}
            have -= size
            pending = [rest] if have else []
    if pending and not drop_last:
        yield {c: list(v) for c, v in joined(pending).items()}


def _runs_by_columns(
    frames: Iterable[pl.DataFrame], keys: list[str], size: int, drop_last: bool
) -> Iterator[pl.DataFrame]:
    """One row of list columns per run of consecutive rows with equal ``keys``, exactly as ``datasets``'
    ``_batch_accumulate_arrow_table_by_columns`` over reads of ``size`` rows: Arrow comparisons, so a null
    never starts a run; a read whose keys all equal the pending run's first keys joins it whole; with
    ``drop_last`` a last shorter read is dropped before grouping."""
    pending: list[pl.DataFrame] = []
    for df in _rebatch(frames, size, drop_last):
        out = _accumulate_runs(df, keys, pending, final=False)
        if out is not None:
            yield out
    if pending:
        out = _accumulate_runs(pending.pop(), keys, pending, final=True)
        if out is not None:
            yield out


def _accumulate_runs(
    df: pl.DataFrame, keys: list[str], pending: list[pl.DataFrame], final: bool
) -> pl.DataFrame | None:
    if pending and not final:
        first = pending[0].row(0, named=True)
        differs = df.select(
            pl.any_horizontal(
                (pl.col(k) != pl.lit(first[k], dtype=df.schema[k])).fill_null(False).any() for k in keys
            )
        ).item()
        if not differs:
            pending.append(df)
            return None
    table = pl.concat([*pending, df], how="vertical_relaxed") if pending else df
    pending.clear()
    if table.height == 0:
        return None
    nes = [pl.col(k) != pl.col(k).shift(1) for k in keys]
    # pyarrow's or_ (not Kleene): a null comparison in any key column means "no cut"
    cut = pl.when(pl.any_horizontal(e.is_null() for e in nes)).then(False).otherwise(pl.any_horizontal(nes))
    run = "__polards_run__"
    ids = table.select(cut.cum_sum().alias(run)).get_column(run)
    if not final:
        last = ids[-1]
        pending.append(table.filter(ids == last))
        table, ids = table.filter(ids < last), ids.filter(ids < last)
        if table.height == 0:
            return None
    return table.with_columns(ids).group_by(run, maintain_order=True).agg(pl.all()).drop(run)


def _drop_rows(stream: Iterator[pl.DataFrame], n: int) -> Iterator[pl.DataFrame]:
    """The stream without its first ``n`` rows (a replayed resume)."""
    for df in stream:
        if n >= df.height:
            n -= df.height
            continue
        yield df.slice(n) if n else df
        n = 0


def _contiguous(items: Sequence[Any], k: int) -> list[list[Any]]:
    """``items`` in ``k`` contiguous groups, the first ones one longer (``datasets``' contiguous sharding)."""
    div, mod = divmod(len(items), k)
    starts = [div * i + min(i, mod) for i in range(k + 1)]
    return [list(items[starts[i] : starts[i + 1]]) for i in range(k)]


def _round_robin(groups: list[Iterator[pl.DataFrame]], block: int) -> Iterator[pl.DataFrame]:
    """Blocks of ``block`` rows taken from each group in turn, a finished group skipped (``datasets``'
    ``all_exhausted_without_replacement`` cycling); ``block=1`` interleaves rows, computed a round of up to
    1000 rows per group at a time."""
    size = block if block > 1 else DEFAULT_BATCH
    active = [_rebatch(g, size) for g in groups]
    while active:
        parts: list[pl.DataFrame] = []
        alive = []
        for g in active:
            part = next(g, None)
            if part is not None:
                parts.append(part)
                alive.append(g)
        active = alive
        if not parts:
            return
        if block > 1:
            yield from parts
            continue
        pos, grp = "__polards_pos__", "__polards_grp__"
        tagged = [
            p.with_row_index(pos).with_columns(pl.lit(j, dtype=pl.UInt32).alias(grp))
            for j, p in enumerate(parts)
        ]
        merged = pl.concat(tagged, how="vertical_relaxed").sort([pos, grp], maintain_order=True)
        yield merged.drop(pos, grp)


def _buffer_shuffle(
    stream: Iterator[pl.DataFrame], rng: np.random.Generator, buffer_size: int, block: int | None = None
) -> Iterator[pl.DataFrame]:
    """``datasets``' buffer shuffle: when the buffer holds ``buffer_size`` rows, permute it, yield all but
    ``buffer_size // 2`` rows and keep the rest; at the end yield a permutation of what is left. Without
    ``block`` the buffer fills row by row (``datasets``' Python path); with it, ``block`` rows at a time (its
    Arrow path, whose tables have that size), so it may hold more than ``buffer_size`` rows when permuted."""
    keep = buffer_size // 2
    buffer: pl.DataFrame | None = None
    for df in stream:
        while df.height:
            have = 0 if buffer is None else buffer.height
            take = min(buffer_size - have, df.height) if block is None else min(block, df.height)
            part, df = df.slice(0, take), df.slice(take)
            buffer = part if buffer is None else pl.concat([buffer, part], how="vertical_relaxed")
            if buffer.height >= buffer_size:
                shuffled = buffer[rng.permutation(buffer.height)]
                cut = buffer.height - keep
                yield shuffled.slice(0, cut)
                buffer = shuffled.slice(cut).rechunk()
    if buffer is not None and buffer.height:
        yield buffer[rng.permutation(buffer.height)]


def _resolved_features(ds: IterableDataset) -> Features:
    """``ds``'s features, or (unknown) those of its first batch, as ``datasets``' ``_resolve_features``."""
    if ds._features is not None:
        return ds._features
    stream = ds._stream()
    try:
        first = next(stream, None)
    finally:
        stream.close()  # type: ignore[attr-defined]
    return Features.from_polars_schema(first.schema) if first is not None else Features()


def _common_format(dsets: Sequence[IterableDataset]) -> str:
    """The shared format of ``dsets``, else python (``datasets`` resets disparate formats)."""
    return dsets[0]._format if all(d._format == dsets[0]._format for d in dsets) else "python"


def concatenate_iterable(dsets: list[IterableDataset], axis: int = 0) -> IterableDataset:
    """Streams one after another (``axis=0``) or side by side (``axis=1``: rows zipped, a shorter stream's
    columns are None once it ends, as ``datasets``' ``HorizontallyConcatenatedMultiSourcesExamplesIterable``).
    """
    if axis == 1:
        return _concatenate_columns(dsets)
    if axis != 0:
        raise InvalidArgumentError(f"concatenate_datasets: axis must be 0 or 1, got {axis!r}.")

    def make(ds: IterableDataset) -> Callable[[], Iterator[pl.DataFrame]]:
        return lambda: ds._stream()

    return IterableDataset([make(d) for d in dsets], (), dsets[0].features, format=_common_format(dsets))


def _concatenate_columns(dsets: list[IterableDataset]) -> IterableDataset:
    features = [_resolved_features(d) for d in dsets]
    names = [c for f in features for c in f]
    dup = [c for c in dict.fromkeys(names) if names.count(c) > 1]
    if dup:
        raise InvalidArgumentError(
            f"The examples iterables can't have duplicated columns but columns {dup} are duplicated."
        )
    merged = Features({k: v for f in features for k, v in f.items()})
    schemas = [f.to_polars_schema() for f in features]

    def nulls(schema: pl.Schema, n: int) -> pl.DataFrame:
        return pl.DataFrame([pl.Series(c, [None] * n, dtype) for c, dtype in schema.items()])

    def shard() -> Iterator[pl.DataFrame]:
        streams: list[Iterator[pl.DataFrame] | None] = [_rebatch(d._stream(), DEFAULT_BATCH) for d in dsets]
        while True:
            parts: list[pl.DataFrame | None] = []
            for i, stream in enumerate(streams):
                part = next(stream, None) if stream is not None else None
                if part is None:
                    streams[i] = None
                parts.append(part)
            if all(p is None for p in parts):
                return
            height = max(p.height for p in parts if p is not None)
            cols = []
            for part, schema in zip(parts, schemas, strict=True):
                if part is None:
                    part = nulls(schema, height)
                elif part.height < height:
                    part = pl.concat([part, nulls(part.schema, height - part.height)], how="vertical_relaxed")
                cols.append(part)
            yield pl.concat(cols, how="horizontal")

    return IterableDataset([shard], (), merged, format=_common_format(dsets))


def interleave_iterable(
    dsets: list[IterableDataset],
    probabilities: Sequence[float] | None,
    seed: int | None,
    stopping_strategy: str,
) -> IterableDataset:
    """Row-level interleaving of streams, as ``datasets``' ``(Randomly)CyclingMultiSourcesExamplesIterable``.

    Sources are taken in turn (``probabilities=None``) or drawn with ``probabilities`` (``seed``'s generator,
    1000 draws at a time; epoch ``e > 0`` draws from ``default_rng(e)`` shifted, as ``datasets``). Each source is
    read one row ahead, so it counts as exhausted as soon as its last row is taken: ``first_exhausted`` stops
    right after the first source's last row, ``all_exhausted`` once every source was exhausted (the others
    restart meanwhile), ``all_exhausted_without_replacement`` skips exhausted sources instead of restarting.

    >>> from polards import Dataset
    >>> a = Dataset.from_dict({"x": [0, 1, 2]}).to_iterable_dataset()
    >>> b = Dataset.from_dict({"x": [10]}).to_iterable_dataset()
    >>> [r["x"] for r in interleave_iterable([a, b], None, None, "first_exhausted")]
    [0, 10]
    >>> [r["x"] for r in interleave_iterable([a, b], None, None, "all_exhausted")]
    [0, 10, 1, 10, 2]
    """
    from polards.dataset.combine import _aligned_features
    from polards.dataset.interleave import STRATEGIES

    if stopping_strategy not in STRATEGIES:
        raise InvalidArgumentError(
            f"{stopping_strategy!r} is not a valid stopping_strategy. Hint: one of {STRATEGIES}."
        )
    features = [_resolved_features(d) for d in dsets]
    merged = Features(_aligned_features(features))
    schema = merged.to_polars_schema()
    n = len(dsets)
    probs = None if probabilities is None else list(probabilities)
    without = stopping_strategy == "all_exhausted_without_replacement"
    stop_when = np.all if stopping_strategy != "first_exhausted" else np.any

    def indices(epoch: int) -> Iterator[int]:
        if probs is None:
            while True:
                yield from range(n)
        # a later epoch: datasets reseeds the source generator with default_rng(epoch) and then shifts it
        rng = _effective_generator(epoch if epoch else seed, None, epoch)
        while True:
            yield from (int(i) for i in rng.choice(n, size=1000, p=probs))

    def rows(ds: IterableDataset) -> Iterator[pl.DataFrame]:
        for df in ds._stream():
            for i in range(df.height):
                yield df.slice(i, 1)

    def op(_: Iterator[pl.DataFrame], parent: IterableDataset) -> Iterator[pl.DataFrame]:
        sources = [d._with(epoch=parent._epoch) if parent._epoch else d for d in dsets]
        iters = [rows(d) for d in sources]
        nexts: list[Any] = [_UNFETCHED] * n
        exhausted = np.zeros(n, dtype=bool)
        out: list[pl.DataFrame] = []
        for i in indices(parent._epoch):
            if stop_when(exhausted):
                break
            if exhausted[i] and without:
                continue
            if nexts[i] is _UNFETCHED:
                nexts[i] = next(iters[i], _END)
            result = nexts[i]
            nexts[i] = next(iters[i], _END)
            if nexts[i] is _END:
                exhausted[i] = True
                if not without:  # restart it, in case the stopping criterion is not met yet
                    iters[i], nexts[i] = rows(sources[i]), _UNFETCHED
            if result is not _END:
                out.append(result)
                if len(out) >= DEFAULT_BATCH:
                    yield _conform_rows(out, schema)
                    out = []
        if out:
            yield _conform_rows(out, schema)

    return IterableDataset([lambda: iter(())], (_Stream(op, f"interleave({stopping_strategy})"),), merged)


_UNFETCHED = object()
_END = object()


def _conform_rows(rows: list[pl.DataFrame], schema: pl.Schema) -> pl.DataFrame:
    """Rows of several sources in one frame of ``schema`` (a column a source lacks is None there)."""
    df = pl.concat(rows, how="diagonal_relaxed")
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in schema.items() if c not in df.columns]
    return df.with_columns(missing).select(list(schema)) if missing or df.columns != list(schema) else df
