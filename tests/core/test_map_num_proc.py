"""``num_proc``: worker processes over contiguous shards give ``datasets``' rows, in ``datasets``' order."""

from __future__ import annotations

import os
from typing import Any

import datasets
import pytest

import polards as pds
from polards.core import map_workers

datasets.disable_progress_bars()
datasets.disable_caching()


def tagged(batch: dict[str, list[Any]], idx: list[int], rank: int) -> dict[str, list[Any]]:
    return {
        "size": [len(idx)] * len(idx),
        "i": idx,
        "rank": [rank] * len(idx),
        "pid": [os.getpid()] * len(idx),
    }


@pytest.mark.parametrize(("n", "num_proc", "batch_size", "drop_last"), [(10, 3, 3, False), (23, 2, 4, True)])
def test_batched_map_with_indices_and_rank_matches_datasets(
    n: int, num_proc: int, batch_size: int, drop_last: bool
) -> None:
    kw = {
        "batched": True,
        "batch_size": batch_size,
        "with_indices": True,
        "with_rank": True,
        "num_proc": num_proc,
        "drop_last_batch": drop_last,
    }
    table = {"a": list(range(n))}
    ours = pds.Dataset.from_dict(table).map(tagged, **kw)
    theirs = datasets.Dataset.from_dict(table).map(tagged, **kw)
    assert ours.remove_columns("pid").to_list() == theirs.remove_columns("pid").to_list()
    assert len(set(ours["pid"])) == num_proc and os.getpid() not in ours["pid"]  # real worker processes


def test_filter_and_lambdas_in_workers_match_datasets() -> None:
    table = {"a": list(range(17)), "b": [f"x{i}" for i in range(17)]}
    for kw in ({"num_proc": 2}, {"num_proc": 3, "batched": True, "batch_size": 2}):
        ours = pds.Dataset.from_dict(table)
        theirs = datasets.Dataset.from_dict(table)
        if kw.get("batched"):

            def fn(b: dict[str, list[Any]], rank: int) -> list[bool]:
                return [(x + rank) % 2 == 0 for x in b["a"]]
        else:

            def fn(r: dict[str, Any], rank: int) -> bool:  # type: ignore[misc]
                return (r["a"] + rank) % 2 == 0

        assert (
            ours.filter(fn, with_rank=True, **kw).to_list()
            == theirs.filter(fn, with_rank=True, **kw).to_list()
        )
    m = pds.Dataset.from_dict(table).map(lambda r: {"c": r["b"] * 2}, num_proc=2)
    assert m["c"] == [f"x{i}" * 2 for i in range(17)]


def test_worker_exception_keeps_its_type() -> None:
    with pytest.raises(KeyError):
        pds.Dataset.from_dict({"a": [1, 2, 3, 4]}).map(lambda r: {"c": r["nope"]}, num_proc=2).to_list()


def test_num_proc_larger_than_the_dataset_and_empty_dataset() -> None:
    out = pds.Dataset.from_dict({"a": [1, 2]}).map(lambda r: {"c": r["a"]}, num_proc=8)
    assert out["c"] == [1, 2]
    empty = (
        pds.Dataset.from_dict({"a": [1]}).select([]).map(lambda r: {"c": 1}, remove_columns=["a"], num_proc=2)
    )
    assert empty.column_names == [] and len(empty) == 0


def test_shards_are_datasets_contiguous_shards() -> None:
    ds = datasets.Dataset.from_dict({"a": list(range(11))})
    expected = [(s["a"][0], len(s)) for s in (ds.shard(4, i, contiguous=True) for i in range(4))]
    assert map_workers.shard_bounds(11, 4) == expected
