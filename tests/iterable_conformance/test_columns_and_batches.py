"""``ds["col"]`` (IterableColumn), ``batch(by_column=)``, ``from_dict/from_list(num_shards=)``: differential
against ``datasets`` 5.2."""

from __future__ import annotations

from typing import Any

import datasets
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import polards as pds
from polards.dataset.iterable import IterableColumn

SET = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _both(data: dict[str, list[Any]], num_shards: int = 1) -> tuple[Any, Any]:
    return (
        pds.IterableDataset.from_dict(data, num_shards=num_shards),
        datasets.IterableDataset.from_dict(data, num_shards=num_shards),
    )


def test_getitem_is_a_reiterable_column() -> None:
    ours, theirs = _both({"text": ["Good", "Bad"], "label": [0, 1]})
    col = ours["text"]
    assert isinstance(col, IterableColumn)
    assert list(col) == list(theirs["text"]) == ["Good", "Bad"]
    assert list(col) == ["Good", "Bad"]  # a second pass streams again


def test_chained_getitem_goes_into_structs() -> None:
    data = {"sample": [{"text": "Good", "label": 0}, {"text": "Bad", "label": 1}]}
    ours, theirs = _both(data)
    assert isinstance(ours["sample"]["text"], IterableColumn)
    assert list(ours["sample"]["text"]) == list(theirs["sample"]["text"]) == ["Good", "Bad"]


def test_getitem_of_a_batched_dataset_gives_lists() -> None:
    ours, theirs = _both({"t": ["a", "b", "c", "d", "e"]})
    assert list(ours.batch(2)["t"]) == list(theirs.batch(2)["t"]) == [["a", "b"], ["c", "d"], ["e"]]


def test_getitem_of_a_missing_column_raises_keyerror_on_iteration_like_datasets() -> None:
    ours, theirs = _both({"a": [1]})
    col = ours["nope"]  # lazy, as datasets
    with pytest.raises(KeyError):
        list(col)
    with pytest.raises(KeyError):
        list(theirs["nope"])


@pytest.mark.parametrize("num_shards", [1, 2, 3, 7])
def test_from_dict_and_from_list_num_shards(num_shards: int) -> None:
    data = {"i": list(range(7)), "s": [str(i) for i in range(7)]}
    ours, theirs = _both(data, num_shards)
    assert ours.num_shards == theirs.num_shards == num_shards
    assert list(ours) == list(theirs)
    rows = [{"i": i} for i in range(5)]
    ol = pds.IterableDataset.from_list(rows, num_shards=2)
    tl = datasets.IterableDataset.from_list(rows, num_shards=2)
    assert ol.num_shards == tl.num_shards == 2
    assert list(ol) == list(tl)


keys = st.lists(st.sampled_from(["A", "B", "C", None]), min_size=1, max_size=40)


@SET
@given(
    cats=keys,
    num_shards=st.integers(1, 4),
    batch_size=st.one_of(st.none(), st.integers(1, 7)),
    two=st.booleans(),
    drop_last=st.booleans(),
)
def test_batch_by_column_matches_datasets(
    cats: list[str | None], num_shards: int, batch_size: int | None, two: bool, drop_last: bool
) -> None:
    cats[0] = cats[0] or "A"  # an all-None column is Arrow's null type: datasets cannot compare it
    n = len(cats)
    data = {"id": list(range(n)), "cat": cats, "par": [i % 3 == 0 for i in range(n)]}
    ours, theirs = _both(data, min(num_shards, n))
    by = ["cat", "par"] if two else "cat"
    got = list(ours.batch(batch_size=batch_size, by_column=by, drop_last_batch=drop_last))
    want = list(theirs.batch(batch_size=batch_size, by_column=by, drop_last_batch=drop_last))
    assert got == want
    assert ours.batch(by_column=by).features.to_dict() == theirs.batch(by_column=by).features.to_dict()


def test_batch_by_column_survives_sharding_and_shuffling() -> None:
    data = {"id": list(range(10)), "category": ["A"] * 5 + ["B"] * 5}
    ours = pds.IterableDataset.from_dict(data, num_shards=2).batch(by_column="category")
    firsts = [b["category"][0] for i in range(2) for b in ours.shard(num_shards=2, index=i)]
    assert sorted(firsts) == ["A", "B"]
    shuffled = list(ours.shuffle(seed=0, buffer_size=2))
    assert sorted(b["category"][0] for b in shuffled) == ["A", "B"]
    assert all(len(set(b["category"])) == 1 for b in shuffled)


def test_batch_keeps_classlabel_inside_list_like_datasets() -> None:
    feats = {"label": datasets.ClassLabel(names=["neg", "pos"]), "t": datasets.Value("string")}
    data = {"label": [0, 1, 1], "t": ["a", "b", "c"]}
    theirs = datasets.IterableDataset.from_dict(data, features=datasets.Features(feats)).batch(2)
    ours_feats = pds.Features({"label": pds.ClassLabel(names=["neg", "pos"]), "t": pds.Value("string")})
    ours = pds.IterableDataset.from_dict(data, features=ours_feats).batch(2)
    assert ours.features.to_dict() == theirs.features.to_dict()
    assert list(ours) == list(theirs)


def test_batch_without_size_or_column_raises_valueerror_like_datasets() -> None:
    ours, theirs = _both({"a": [1]})
    with pytest.raises(ValueError, match="misses `batch_size` or `by_column`"):
        theirs.batch()
    with pytest.raises(ValueError, match="misses `batch_size` or `by_column`"):
        ours.batch()
