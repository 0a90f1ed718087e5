"""Row order of IterableDataset op chains (multi-shard shuffle, epochs, take/skip, map/filter, interleave) is
``datasets`` 5.2's, row for row: a hypothesis differential with ``datasets`` as the oracle."""

from __future__ import annotations

from typing import Any

import datasets
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import polards as pds

SET = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _source(lib: Any, n: int, k: int, generator: bool) -> Any:
    if generator:

        def gen(shards: list[int]) -> Any:
            for s in shards:
                for i in range(n):
                    yield {"a": s * 100 + i}

        return lib.IterableDataset.from_generator(gen, gen_kwargs={"shards": list(range(k))})
    return lib.Dataset.from_dict({"a": list(range(n))}).to_iterable_dataset(num_shards=k)


def _apply(ds: Any, chain: list[tuple[str, Any]]) -> Any:
    for op, arg in chain:
        if op == "map":
            ds = ds.map(lambda r: {"b": r["a"] * 2})
        elif op == "bmap":
            ds = ds.map(lambda b: {"b": [x + 1 for x in b["a"]]}, batched=True, batch_size=arg)
        elif op == "filter":
            ds = ds.filter(lambda r: r["a"] % 3 != 0)
        elif op == "take":
            ds = ds.take(arg)
        elif op == "skip":
            ds = ds.skip(arg)
        elif op == "select":
            ds = ds.select_columns(["a"])
        elif op == "shuffle":
            seed, size, inputs = arg
            ds = ds.shuffle(seed=seed, buffer_size=size, max_buffer_input_shards=inputs)
    return ds


shuffle_args = st.tuples(st.integers(0, 99), st.integers(1, 12), st.sampled_from([1, 2, 3, 10]))
before = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["map", "filter", "select"]), st.none()),
        st.tuples(st.just("bmap"), st.integers(1, 5)),
    ),
    max_size=2,
)
after = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["map", "filter"]), st.none()),
        st.tuples(st.sampled_from(["take", "skip"]), st.integers(0, 30)),
    ),
    max_size=2,
)


@SET
@given(
    n=st.integers(1, 40),
    k=st.integers(1, 6),
    generator=st.booleans(),
    pre=before,
    shuffle=shuffle_args,
    post=after,
    epoch=st.sampled_from([0, 1, 3]),
)
def test_shuffle_chains_match_datasets(
    n: int,
    k: int,
    generator: bool,
    pre: list[tuple[str, Any]],
    shuffle: tuple[int, int, int],
    post: list[tuple[str, Any]],
    epoch: int,
) -> None:
    if any(op == "select" for op, _ in pre) and any(op in ("map", "bmap") for op, _ in pre):
        pre = [(op, a) for op, a in pre if op != "select"]
    chain = [*pre, ("shuffle", shuffle), *post]
    k = min(k, n)
    ours = _apply(_source(pds, n, k, generator), chain)
    theirs = _apply(_source(datasets, n, k, generator), chain)
    ours.set_epoch(epoch)
    theirs.set_epoch(epoch)
    assert list(ours) == list(theirs)


@SET
@given(
    n=st.integers(1, 30),
    k=st.integers(1, 6),
    epoch=st.integers(0, 4),
    take=st.one_of(st.none(), st.integers(0, 30)),
)
def test_epochs_reorder_shards_unless_take_or_skip_like_datasets(
    n: int, k: int, epoch: int, take: int | None
) -> None:
    # datasets 5.2 permutes the shard order with default_rng(epoch) for every epoch > 0, shuffled or not
    k = min(k, n)
    ours = _source(pds, n, k, False).map(lambda r: {"b": r["a"]})
    theirs = _source(datasets, n, k, False).map(lambda r: {"b": r["a"]})
    if take is not None:
        ours, theirs = ours.take(take), theirs.take(take)
    ours.set_epoch(epoch)
    theirs.set_epoch(epoch)
    assert list(ours) == list(theirs)


@pytest.mark.parametrize("n", [1, 2, 7, 10, 23])
@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_to_iterable_dataset_shards_like_datasets(n: int, k: int) -> None:
    if k > n:
        return
    ours = pds.Dataset.from_dict({"a": list(range(n))}).to_iterable_dataset(num_shards=k)
    theirs = datasets.Dataset.from_dict({"a": list(range(n))}).to_iterable_dataset(num_shards=k)
    assert [list(ours.shard(k, i)) for i in range(k)] == [list(theirs.shard(k, i)) for i in range(k)]


def test_max_buffer_input_shards_mixes_several_shards_in_the_buffer() -> None:
    ds = pds.Dataset.from_dict({"a": list(range(20))}).to_iterable_dataset(num_shards=3)
    mixed = [r["a"] for r in ds.shuffle(seed=0, buffer_size=1)]
    theirs = datasets.Dataset.from_dict({"a": list(range(20))}).to_iterable_dataset(num_shards=3)
    assert mixed == [r["a"] for r in theirs.shuffle(seed=0, buffer_size=1)]
    assert mixed[:3] == [14, 0, 7]  # one row of each shard group in turn
    one = [r["a"] for r in ds.shuffle(seed=0, buffer_size=1, max_buffer_input_shards=1)]
    assert one == [14, 15, 16, 17, 18, 19, *range(14)]  # whole shards, in the shuffled shard order


strategies = st.sampled_from(["first_exhausted", "all_exhausted", "all_exhausted_without_replacement"])


@SET
@given(
    lengths=st.lists(st.integers(0, 12), min_size=1, max_size=4),
    strategy=strategies,
    probs=st.booleans(),
    seed=st.integers(0, 1000),
    epoch=st.sampled_from([0, 0, 2]),
)
def test_interleave_matches_datasets(
    lengths: list[int], strategy: str, probs: bool, seed: int, epoch: int
) -> None:
    lengths[0] = max(lengths[0], 1)
    if probs and any(n == 0 for n in lengths):
        lengths = [max(n, 1) for n in lengths]  # datasets loops forever on an empty source with probabilities
    weights = None
    if probs:
        raw = [(seed * (i + 3)) % 7 + 1 for i in range(len(lengths))]
        weights = [w / sum(raw) for w in raw]

    def build(lib: Any) -> Any:
        parts = [
            lib.Dataset.from_dict({"a": [100 * j + i for i in range(n)]}).to_iterable_dataset(num_shards=1)
            if n
            else lib.Dataset.from_dict({"a": [0]}).to_iterable_dataset().take(0)
            for j, n in enumerate(lengths)
        ]
        out = lib.interleave_datasets(parts, probabilities=weights, seed=seed, stopping_strategy=strategy)
        out.set_epoch(epoch)
        return out

    if strategy == "all_exhausted" and any(n == 0 for n in lengths):
        return  # datasets never ends there either
    assert list(build(pds)) == list(build(datasets))


def test_interleave_aligns_features_and_fills_missing_columns() -> None:
    def build(lib: Any) -> Any:
        a = lib.Dataset.from_dict({"x": [0, 1, 2]}).to_iterable_dataset()
        b = lib.Dataset.from_dict({"x": [10, 11], "y": ["a", "b"]}).to_iterable_dataset()
        return lib.interleave_datasets([a, b], stopping_strategy="all_exhausted")

    ours, theirs = build(pds), build(datasets)
    assert list(ours) == list(theirs)
    assert ours.features.to_dict() == theirs.features.to_dict()


def test_interleave_rejects_an_unknown_strategy() -> None:
    a = pds.Dataset.from_dict({"x": [0]}).to_iterable_dataset()
    with pytest.raises(ValueError, match="stopping_strategy"):
        pds.interleave_datasets([a, a], stopping_strategy="longest")


@SET
@given(
    n=st.integers(1, 40),
    k=st.integers(1, 6),
    size=st.integers(1, 4),
    by_column=st.booleans(),
    shuffle=shuffle_args,
    epoch=st.sampled_from([0, 2]),
)
def test_batch_then_shuffle_matches_datasets(
    n: int, k: int, size: int, by_column: bool, shuffle: tuple[int, int, int], epoch: int
) -> None:
    # datasets batches each group of shards on its own (batch is a map, sharded below), then shuffles batches
    k = min(k, n)

    def build(lib: Any) -> Any:
        ds = lib.Dataset.from_dict({"a": list(range(n)), "g": [i // 3 for i in range(n)]})
        ds = ds.to_iterable_dataset(num_shards=k)
        ds = ds.batch(by_column="g") if by_column else ds.batch(size)
        out = _apply(ds, [("shuffle", shuffle)])
        out.set_epoch(epoch)
        return out

    assert list(build(pds)) == list(build(datasets))
