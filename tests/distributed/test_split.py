"""split_dataset_by_node: the ranks' shares partition the dataset, with ``datasets``' own semantics."""

from __future__ import annotations

import datasets as hf
import polars as pl
import pytest
from datasets.distributed import split_dataset_by_node as hf_split
from hypothesis import given, settings
from hypothesis import strategies as hs

import polards as pds
from polards.distributed import split_dataset_by_node
from polards.exceptions import InvalidArgumentError

FAST = settings(max_examples=40, deadline=None)


def _shards(sizes: list[int]) -> list[pl.LazyFrame]:
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    return [
        pl.LazyFrame({"i": list(range(s, s + n))}, schema={"i": pl.Int64})
        for s, n in zip(starts, sizes, strict=True)
    ]


def _ids(ds: object) -> list[int]:
    return [row["i"] for row in ds]  # type: ignore[attr-defined]


def _hf_part(ref: hf.Dataset, rank: int, world: int) -> list[int]:
    """datasets' share of ``rank``; datasets 5.2 raises IndexError for a rank whose share is empty (fewer rows
    than ranks, starting at the end), where polards gives that rank an empty dataset."""
    try:
        return hf_split(ref, rank=rank, world_size=world)["i"]
    except IndexError:
        assert len(ref) < world or len(ref) == 0
        return []


def test_ranks_beyond_the_last_row_get_an_empty_share() -> None:
    ds = pds.Dataset.from_dict({"i": [7]})
    assert [split_dataset_by_node(ds, r, 3)["i"] for r in range(3)] == [[7], [], []]


@FAST
@given(n=hs.integers(0, 60), world=hs.integers(1, 7), seed=hs.none() | hs.integers(0, 2**16))
def test_map_style_ranks_partition_the_dataset_like_datasets(n: int, world: int, seed: int | None) -> None:
    data = {"i": list(range(n))}
    ds, ref = pds.Dataset.from_dict(data), hf.Dataset.from_dict(data)
    if seed is not None:
        ds, ref = ds.shuffle(seed=seed), ref.shuffle(seed=seed)
    parts = [split_dataset_by_node(ds, rank=r, world_size=world)["i"] for r in range(world)]
    assert parts == [_hf_part(ref, r, world) for r in range(world)]
    assert [x for p in parts for x in p] == ds["i"]


@FAST
@given(sizes=hs.lists(hs.integers(0, 12), min_size=1, max_size=6), world=hs.integers(1, 5))
def test_iterable_ranks_match_datasets_without_shuffle(sizes: list[int], world: int) -> None:
    ours = pds.IterableDataset.from_shards(_shards(sizes))
    ref = hf.IterableDataset.from_generator(
        lambda shards: ({"i": i} for s in shards for i in s),
        gen_kwargs={"shards": [list(range(sum(sizes[:k]), sum(sizes[: k + 1]))) for k in range(len(sizes))]},
    )
    assert ref.num_shards == len(sizes)
    for r in range(world):
        assert _ids(split_dataset_by_node(ours, r, world)) == [row["i"] for row in hf_split(ref, r, world)]


@FAST
@given(
    sizes=hs.lists(hs.integers(0, 12), min_size=1, max_size=6),
    world=hs.integers(1, 5),
    seed=hs.integers(0, 2**16),
    epoch=hs.integers(0, 3),
    buffer=hs.integers(1, 9),
)
def test_iterable_union_is_exact_with_shuffle_and_set_epoch(
    sizes: list[int], world: int, seed: int, epoch: int, buffer: int
) -> None:
    ds = pds.IterableDataset.from_shards(_shards(sizes)).shuffle(seed=seed, buffer_size=buffer)
    parts = []
    for r in range(world):
        part = split_dataset_by_node(ds, r, world)
        part.set_epoch(epoch)
        parts.append(_ids(part))
    assert sorted(x for p in parts for x in p) == list(range(sum(sizes)))
    if len(sizes) % world:  # row-wise: rank r holds rows r, r + world, ... of the epoch's global order
        whole = pds.IterableDataset.from_shards(_shards(sizes)).shuffle(seed=seed, buffer_size=buffer)
        whole.set_epoch(epoch)
        order = _ids(whole)
        assert parts == [order[r::world] for r in range(world)]


def test_shard_wise_split_reshuffles_shards_per_epoch() -> None:
    ds = pds.IterableDataset.from_shards(_shards([1] * 8)).shuffle(seed=3, buffer_size=1)
    part = split_dataset_by_node(ds, 0, 2)
    assert part.n_shards == 4
    seen = []
    for epoch in range(4):
        part.set_epoch(epoch)
        seen.append(sorted(_ids(part)))
    assert len({tuple(s) for s in seen}) > 1  # a different set of shards in some epoch
    other = split_dataset_by_node(ds, 1, 2)
    for epoch in range(4):
        part.set_epoch(epoch)
        other.set_epoch(epoch)
        assert sorted(_ids(part) + _ids(other)) == list(range(8))


def test_ops_after_the_split_apply_to_the_rank_share() -> None:
    ds = pds.IterableDataset.from_shards(_shards([3, 3]))
    part = split_dataset_by_node(ds, 1, 2).map({"j": pl.col("i") * 10}).take(2)
    assert [r["j"] for r in part] == [30, 40]
    rows = split_dataset_by_node(ds, 1, 4).map({"j": pl.col("i") * 10})  # row-wise
    assert [r["j"] for r in rows] == [10, 50]


def test_auto_splits_row_wise_after_take_so_the_union_stays_exact() -> None:
    ds = pds.IterableDataset.from_shards(_shards([4, 4])).take(5)
    parts = [_ids(split_dataset_by_node(ds, r, 2)) for r in range(2)]
    assert parts == [[0, 2, 4], [1, 3]]


def test_explicit_strategies_and_errors() -> None:
    ds = pds.IterableDataset.from_shards(_shards([2, 2, 2]))
    assert [_ids(split_dataset_by_node(ds, r, 2, strategy="shards")) for r in range(2)] == [
        [0, 1, 4, 5],
        [2, 3],
    ]
    assert [_ids(split_dataset_by_node(ds, r, 3, strategy="examples")) for r in range(3)] == [
        [0, 3],
        [1, 4],
        [2, 5],
    ]
    with pytest.raises(InvalidArgumentError, match="num_shards=3"):
        split_dataset_by_node(ds, 0, 4, strategy="shards")
    with pytest.raises(InvalidArgumentError, match="rank"):
        split_dataset_by_node(ds, 3, 3)
    with pytest.raises(InvalidArgumentError, match="strategy"):
        split_dataset_by_node(pds.Dataset.from_dict({"i": [1]}), 0, 1, strategy="shards")
    with pytest.raises(InvalidArgumentError, match="Invalid strategy"):
        split_dataset_by_node(ds, 0, 1, strategy="rows")  # type: ignore[arg-type]


def test_split_of_parquet_files_streams_only_the_rank_files(tmp_path: object) -> None:
    import pathlib

    root = pathlib.Path(str(tmp_path))
    paths = []
    for k in range(4):
        p = root / f"part-{k}.parquet"
        pl.DataFrame({"i": list(range(k * 5, k * 5 + 5))}).write_parquet(p)
        paths.append(str(p))
    ds = pds.IterableDataset.from_shards([pl.scan_parquet(p) for p in paths])
    assert [_ids(split_dataset_by_node(ds, r, 2)) for r in range(2)] == [
        [*range(0, 5), *range(10, 15)],
        [*range(5, 10), *range(15, 20)],
    ]


def test_top_level_name_is_lazy_and_the_same_function() -> None:
    assert pds.split_dataset_by_node is split_dataset_by_node
