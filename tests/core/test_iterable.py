"""IterableDataset: streaming equals map-style; shuffle laws; epochs; verbs."""

from __future__ import annotations

from collections import Counter
from typing import Any

import datasets
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import polards as pds
from tests.core.strategies import tables

SET = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def shards_of(n: int, k: int) -> list[pl.LazyFrame]:
    bounds = [(i * n // k, (i + 1) * n // k) for i in range(k)]
    return [pl.LazyFrame({"i": list(range(a, b)), "s": [f"r{j}" for j in range(a, b)]}) for a, b in bounds]


@SET
@given(table=tables(), shards=st.integers(1, 4), bs=st.integers(1, 9))
def test_streaming_equals_map_style(table: dict[str, Any], shards: int, bs: int) -> None:
    ds = pds.Dataset.from_dict(table)
    it = ds.to_iterable_dataset(num_shards=shards)
    assert list(it) == ds.to_list()
    assert list(it.iter(bs)) == list(ds.iter(bs))
    f = lambda r: r["i"] is not None and r["i"] % 2 == 0  # noqa: E731
    assert list(it.filter(f)) == ds.filter(f).to_list()
    m = lambda b: {"k": [0 if v is None else v + 1 for v in b["i"]]}  # noqa: E731
    assert list(it.map(m, batched=True, batch_size=bs)) == ds.map(m, batched=True, batch_size=bs).to_list()


@SET
@given(n=st.integers(0, 300), k=st.integers(1, 5), seed=st.integers(0, 2**31), buf=st.integers(1, 50))
def test_stream_shuffle_is_a_reproducible_permutation(n: int, k: int, seed: int, buf: int) -> None:
    it = pds.IterableDataset.from_shards(shards_of(n, k)).shuffle(seed=seed, buffer_size=buf)
    a = [r["i"] for r in it]
    assert sorted(a) == list(range(n))
    assert a == [r["i"] for r in it]
    it.set_epoch(1)
    b = [r["i"] for r in it]
    assert sorted(b) == list(range(n))
    if n > 20 and buf > 5:
        assert a != b  # a new epoch reshuffles


def test_map_style_shuffle_is_permutation_and_reproducible() -> None:
    ds = pds.Dataset.from_dict({"i": list(range(1000))})
    a, b = ds.shuffle(seed=42)["i"], ds.shuffle(seed=42)["i"]
    assert a == b and sorted(a) == list(range(1000)) and a != list(range(1000))
    assert ds.shuffle(seed=43)["i"] != a


def test_stream_shuffle_matches_datasets_buffer_algorithm_for_one_shard() -> None:
    rows = {"i": list(range(2500))}
    ours = [
        r["i"] for r in pds.Dataset.from_dict(rows).to_iterable_dataset(1).shuffle(seed=7, buffer_size=100)
    ]
    theirs = [
        r["i"]
        for r in datasets.Dataset.from_dict(rows).to_iterable_dataset(1).shuffle(seed=7, buffer_size=100)
    ]
    assert ours == theirs


def test_iterable_verbs() -> None:
    it = pds.IterableDataset.from_shards(shards_of(10, 3))
    assert it.n_shards == 3
    assert [r["i"] for r in it.skip(2).take(3)] == [2, 3, 4]
    assert list(it.batch(4, drop_last_batch=True).select_columns(["i"])) == [
        {"i": [0, 1, 2, 3]},
        {"i": [4, 5, 6, 7]},
    ]
    assert it.rename_column("i", "j").column_names == ["j", "s"]
    assert it.remove_columns("s").column_names == ["i"]
    assert [r["i"] for r in it.shard(3, 1)] == [3, 4, 5]
    assert [r["i"] for r in it.map({"i": pl.col("i") * 10}).take(2)] == [0, 10]
    # datasets reads each source one row ahead: it stops right after the first source's last row
    assert Counter(
        r["i"] for r in pds.interleave_datasets([it, it], stopping_strategy="first_exhausted")
    ) == Counter({i: 2 for i in range(9)} | {9: 1})
    assert [r["i"] for r in pds.concatenate_datasets([it.take(1), it.take(2)])] == [0, 0, 1]


def test_python_map_with_indices_in_stream() -> None:
    it = pds.IterableDataset.from_shards(shards_of(5, 2)).map(lambda r, i: {"idx": i}, with_indices=True)
    assert [r["idx"] for r in it] == [0, 1, 2, 3, 4]


def test_callable_shards_stream_batches() -> None:
    def shard():  # type: ignore[no-untyped-def]
        for start in range(0, 6, 2):
            yield pl.DataFrame({"i": [start, start + 1]})

    it = pds.IterableDataset.from_shards([shard, shard])
    assert [r["i"] for r in it.filter(pl.col("i") > 3)] == [4, 5, 4, 5]


def test_expression_ops_after_a_stream_op_each_apply_their_own_step() -> None:
    it = pds.IterableDataset.from_shards(shards_of(50, 2)).shuffle(seed=1, buffer_size=8)
    out = it.filter(pl.col("i") % 2 == 0).map({"j": pl.col("i") * 10}).take(5).to_list()
    assert len(out) == 5 and all(r["i"] % 2 == 0 and r["j"] == r["i"] * 10 for r in out)
