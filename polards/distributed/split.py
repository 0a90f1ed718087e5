"""``split_dataset_by_node``: each training rank's share of a dataset, with ``datasets``' semantics.

Map-style datasets get a contiguous chunk (``ds.shard(world_size, rank, contiguous=True)``). Iterable datasets
are split shard-wise when ``n_shards % world_size == 0`` (rank ``r`` streams shards ``r, r + world_size, ...``
of the shard order of the current epoch) and row-wise otherwise (rank ``r`` keeps every ``world_size``-th row,
starting at row ``r``). Either way the ranks' shares are disjoint and together hold every row exactly once.
A rank whose contiguous chunk is empty (fewer rows than ranks) gets an empty dataset, where ``datasets`` 5.2
raises ``IndexError``.

>>> import polars as pl
>>> from polards import Dataset, IterableDataset
>>> from polards.distributed import split_dataset_by_node
>>> ds = Dataset.from_dict({"a": list(range(5))})
>>> [split_dataset_by_node(ds, rank=r, world_size=2)["a"] for r in range(2)]
[[0, 1, 2], [3, 4]]
>>> it = IterableDataset.from_shards([pl.LazyFrame({"a": [0, 1]}), pl.LazyFrame({"a": [2, 3, 4]})])
>>> [[row["a"] for row in split_dataset_by_node(it, rank=r, world_size=2)] for r in range(2)]
[[0, 1], [2, 3, 4]]
>>> [[row["a"] for row in split_dataset_by_node(it, rank=r, world_size=3)] for r in range(3)]
[[0, 3], [1, 4], [2]]
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import polars as pl

from polards.dataset.dataset import Dataset
from polards.dataset.iterable import IterableDataset, _Stream
from polards.exceptions import InvalidArgumentError

Strategy = Literal["auto", "shards", "examples"]
STRATEGIES = ("auto", "shards", "examples")
# stream ops that depend on the position of a row in the whole stream: splitting shard-wise after them
# would not partition the rows, so "auto" splits row-wise instead
_POSITIONAL_OPS = ("take(", "skip(")


def split_dataset_by_node(ds: Any, rank: int, world_size: int, strategy: Strategy = "auto") -> Any:
    """The part of ``ds`` for the node at ``rank`` in a pool of ``world_size`` nodes.

    Parameters
    ----------
    ds
        A :class:`~polards.Dataset` or :class:`~polards.IterableDataset`.
    rank
        The rank of this node, in ``[0, world_size)``.
    world_size
        The number of nodes.
    strategy
        For iterable datasets: ``"shards"`` (each node streams whole shards), ``"examples"`` (each node keeps
        one row out of ``world_size``) or ``"auto"`` (shards when ``n_shards % world_size == 0``, else rows).
        Map-style datasets accept only ``"auto"``.

    Returns
    -------
    Dataset or IterableDataset
        This node's share. For an iterable dataset, call ``set_epoch`` on the returned object to reshuffle
        (with a fixed ``seed`` in ``shuffle`` so every node sees the same shard order).

    Examples
    --------
    >>> from polards import Dataset
    >>> ds = Dataset.from_dict({"a": list(range(7))})
    >>> [len(split_dataset_by_node(ds, r, 3)) for r in range(3)]
    [3, 2, 2]
    """
    if strategy not in STRATEGIES:
        raise InvalidArgumentError(
            f"Invalid strategy {strategy!r}. Expected one of {', '.join(map(repr, STRATEGIES))}."
        )
    if not isinstance(world_size, int) or world_size < 1:
        raise InvalidArgumentError(f"world_size must be a positive integer, got {world_size!r}.")
    if not isinstance(rank, int) or not 0 <= rank < world_size:
        raise InvalidArgumentError(
            f"rank must be in [0, {world_size - 1}] for world_size={world_size}, got {rank!r}."
        )
    if isinstance(ds, Dataset):
        if strategy != "auto":
            raise InvalidArgumentError(
                f"Map-style datasets only support strategy='auto', but got strategy={strategy!r}."
            )
        return ds.shard(num_shards=world_size, index=rank, contiguous=True)
    if isinstance(ds, IterableDataset):
        return _split_iterable(ds, rank, world_size, strategy)
    raise InvalidArgumentError(
        f"split_dataset_by_node expects a polards Dataset or IterableDataset, got {type(ds).__name__}."
    )


def _split_iterable(ds: IterableDataset, rank: int, world_size: int, strategy: Strategy) -> IterableDataset:
    n = ds.n_shards
    if strategy == "shards" and n < world_size:
        msg = (
            f"Cannot split an iterable dataset with num_shards={n} across world_size={world_size} nodes with "
            "strategy='shards' because some nodes would not be assigned any shard. Hint: strategy='examples'."
        )
        raise InvalidArgumentError(msg)
    positional = [
        op.label for op in ds._ops if isinstance(op, _Stream) and op.label.startswith(_POSITIONAL_OPS)
    ]
    if strategy == "shards" or (strategy == "auto" and n % world_size == 0 and not positional):
        return _ShardSplit.of(ds, rank, world_size)
    return ds._with(
        _Stream(
            _every_nth_row(rank, world_size), f"split_dataset_by_node(rank={rank}, world_size={world_size})"
        )
    )


def _every_nth_row(rank: int, world_size: int) -> Any:
    """A stream op keeping the rows at positions ``rank, rank + world_size, ...`` of the stream."""

    def op(stream: Iterator[pl.DataFrame], _: Any) -> Iterator[pl.DataFrame]:
        pos = 0
        for df in stream:
            first = (rank - pos) % world_size
            if first < df.height:
                yield df.gather_every(world_size, offset=first)
            pos += df.height

    return op


class _ShardSplit(IterableDataset):
    """An iterable dataset streaming only the shards ``rank::world_size`` of its epoch's shard order."""

    __slots__ = ("_rank", "_world_size")

    @classmethod
    def of(cls, ds: IterableDataset, rank: int, world_size: int) -> _ShardSplit:
        out = cls(ds._shards, ds._ops, ds._features, ds._shuffle, ds._epoch, ds._format)
        out._rank, out._world_size = rank, world_size
        return out

    def _shard_order(self) -> list[int]:
        return super()._shard_order()[self._rank :: self._world_size]

    @property
    def num_shards(self) -> int:
        """The shards this node streams (``datasets``: ``num_shards / world_size`` of them)."""
        return self.n_shards

    def _with(self, op: Any = None, *, features: Any = True, **changes: Any) -> IterableDataset:
        return _ShardSplit.of(super()._with(op, features=features, **changes), self._rank, self._world_size)

    @property
    def n_shards(self) -> int:
        return len(range(self._rank, len(self._shards), self._world_size))

    def __repr__(self) -> str:
        return (
            super().__repr__()[:-1]
            + f"    node: rank {self._rank} of world_size {self._world_size} (shards)\n}})"
        )
