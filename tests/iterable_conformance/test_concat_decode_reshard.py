"""``concatenate_datasets(axis=1)``, formatted row iteration, ``decode`` and ``reshard`` of IterableDataset,
differential against ``datasets`` 5.2 where it has the same behaviour."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import datasets
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import polards as pds

SET = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _pair(lib: Any, n1: int, n2: int, k1: int = 1) -> list[Any]:
    one = lib.Dataset.from_dict({"a": list(range(n1)), "b": [str(i) for i in range(n1)]})
    two = lib.Dataset.from_dict({"c": [float(i) for i in range(n2)]})
    return [one.to_iterable_dataset(num_shards=k1), two.to_iterable_dataset()]


def _generated(lib: Any, n1: int, n2: int) -> list[Any]:
    """Python-row sources: datasets' Arrow path of axis=1 fails on unequal lengths (its bug), its row path
    pads the shorter side with None, which is what polards does for every source."""
    one = lib.IterableDataset.from_generator(
        lambda: ({"a": i, "b": str(i)} for i in range(n1)),
        features=lib.Features({"a": lib.Value("int64"), "b": lib.Value("string")}),
    )
    two = lib.IterableDataset.from_generator(
        lambda: ({"c": float(i)} for i in range(n2)), features=lib.Features({"c": lib.Value("float64")})
    )
    return [one, two]


@SET
@given(n1=st.integers(1, 30), n2=st.integers(1, 30), swap=st.booleans())
def test_axis_1_rows_match_datasets(n1: int, n2: int, swap: bool) -> None:
    ours, theirs = _generated(pds, n1, n2), _generated(datasets, n1, n2)
    if swap:
        ours, theirs = ours[::-1], theirs[::-1]
    o = pds.concatenate_datasets(ours, axis=1)
    t = datasets.concatenate_datasets(theirs, axis=1)
    assert list(o) == list(t)  # the shorter side's columns are None once it ends
    assert o.features.to_dict() == t.features.to_dict()
    assert o.num_shards == t.num_shards == 1


@pytest.mark.parametrize("k1", [1, 2, 3])
def test_axis_1_of_equal_arrow_streams_matches_datasets(k1: int) -> None:
    o = pds.concatenate_datasets(_pair(pds, 7, 7, k1), axis=1)
    t = datasets.concatenate_datasets(_pair(datasets, 7, 7, k1), axis=1)
    assert list(o) == list(t)
    assert list(o.with_format("arrow"))[3].to_pydict() == list(t.with_format("arrow"))[3].to_pydict()


def test_axis_1_across_many_batches_pads_with_nulls() -> None:
    ours = pds.concatenate_datasets(_pair(pds, 2500, 1200, 3), axis=1)
    rows = list(ours)
    assert len(rows) == 2500
    assert rows[1199]["c"] == 1199.0 and rows[1200]["c"] is None and rows[2499]["a"] == 2499


def test_axis_1_arrow_format_keeps_every_column() -> None:
    ds1 = pds.Dataset.from_dict({"a": [1, 2], "b": [3, 4]}).to_iterable_dataset()
    ds2 = pds.Dataset.from_dict({"c": [5, 6]}).to_iterable_dataset()
    table = pa.concat_tables(pds.concatenate_datasets([ds1, ds2], axis=1).with_format("arrow"))
    assert table.column_names == ["a", "b", "c"]
    assert table.to_pydict() == {"a": [1, 2], "b": [3, 4], "c": [5, 6]}


def test_axis_1_duplicate_columns_raise_datasets_message() -> None:
    ours, theirs = _pair(pds, 3, 3), _pair(datasets, 3, 3)
    with pytest.raises(ValueError) as t:
        datasets.concatenate_datasets([theirs[0], theirs[0]], axis=1)
    with pytest.raises(ValueError) as o:
        pds.concatenate_datasets([ours[0], ours[0]], axis=1)
    assert str(o.value) == str(t.value)


def test_axis_1_resolves_unknown_features_from_the_first_rows() -> None:
    gen = pds.IterableDataset.from_generator(lambda: iter([{"x": 1}, {"x": 2}]))
    assert gen.features is None
    other = pds.Dataset.from_dict({"y": ["a", "b"]}).to_iterable_dataset()
    out = pds.concatenate_datasets([gen, other], axis=1)
    assert list(out.features) == ["x", "y"]
    assert list(out) == [{"x": 1, "y": "a"}, {"x": 2, "y": "b"}]


def test_bad_axis_raises() -> None:
    with pytest.raises(ValueError, match="axis"):
        pds.concatenate_datasets(_pair(pds, 1, 1), axis=2)


def test_axis_0_keeps_a_shared_format() -> None:
    ours = [d.with_format("arrow") for d in _pair(pds, 2, 2)[:1] * 2]
    rows = list(pds.concatenate_datasets(ours))
    assert all(isinstance(r, pa.Table) for r in rows) and len(rows) == 4


@pytest.mark.parametrize("fmt", ["python", None, "numpy", "arrow", "polars", "pandas"])
def test_row_iteration_follows_the_format_like_datasets(fmt: str | None) -> None:
    data = {"a": [1, 2], "b": ["x", "y"], "f": [0.5, 1.5]}
    ours = list(pds.Dataset.from_dict(data).to_iterable_dataset().with_format(fmt))
    theirs = list(datasets.Dataset.from_dict(data).to_iterable_dataset().with_format(fmt))
    assert len(ours) == len(theirs) == 2
    for o, t in zip(ours, theirs, strict=True):
        assert type(o) is type(t)
        if isinstance(o, pa.Table):
            assert o.to_pydict() == t.to_pydict() and o.schema.types == t.schema.types
        elif isinstance(o, pl.DataFrame):
            assert o.equals(t)
        elif isinstance(o, dict):
            assert o == t and [type(v) for v in o.values()] == [type(v) for v in t.values()]
        else:
            assert o.to_dict() == t.to_dict()


@dataclass
class CountingFeature:
    """A custom decodable feature (like datasets' test ``DecodableFeature``)."""

    calls = 0

    def __init__(self) -> None:
        self.decode = True

    def decode_example(self, example: Any, token_per_repo_id: Any = None) -> Any:
        type(self).calls += 1
        return f"decoded-{example}" if self.decode else example

    def __call__(self) -> pa.DataType:
        return pa.string()


@pytest.mark.parametrize("lib", [pds, datasets], ids=["polards", "datasets"])
def test_decode_counts_calls_like_datasets(lib: Any) -> None:
    CountingFeature.calls = 0
    data = [{"i": str(i)} for i in range(10)]
    ds = lib.IterableDataset.from_generator(
        lambda: iter(data), features=lib.Features({"i": CountingFeature()})
    )
    assert next(iter(ds)) == {"i": "decoded-0"}
    assert CountingFeature.calls == 1  # rows are decoded as they are yielded, not a batch at a time
    off = ds.decode(False)
    assert next(iter(off)) == {"i": "0"} and off.features["i"].decode is False
    assert ds.features["i"].decode is True  # decode() returns a copy
    assert CountingFeature.calls == 1
    on = off.decode(True)
    assert next(iter(on)) == {"i": "decoded-0"}
    assert CountingFeature.calls == 2
    threaded = on.decode(num_threads=1)
    assert [r["i"] for r in threaded] == [f"decoded-{i}" for i in range(10)]


def test_threaded_decode_has_two_rows_in_flight_per_thread() -> None:
    # datasets' test_decode expects 4 calls here; datasets itself gets 3 or 4 (a thread race), polards 4
    CountingFeature.calls = 0
    data = [{"i": str(i)} for i in range(10)]
    ds = pds.IterableDataset.from_generator(
        lambda: iter(data), features=pds.Features({"i": CountingFeature()})
    )
    assert next(iter(ds.decode(num_threads=1))) == {"i": "decoded-0"}
    assert CountingFeature.calls == 2
    CountingFeature.calls = 0
    assert next(iter(ds.decode(num_threads=3))) == {"i": "decoded-0"}
    assert 2 <= CountingFeature.calls <= 6  # the first pair is done; the other two may be running


def test_threaded_decode_keeps_order_and_state() -> None:
    data = [{"i": str(i)} for i in range(57)]
    ds = pds.IterableDataset.from_generator(
        lambda: iter(data), features=pds.Features({"i": CountingFeature()})
    )
    threaded = ds.decode(num_threads=4)
    it = iter(threaded)
    first = [next(it) for _ in range(5)]
    assert [r["i"] for r in first] == [f"decoded-{i}" for i in range(5)]
    assert threaded.state_dict()["num_examples_yielded"] == 5
    assert [r["i"] for r in threaded.shuffle(seed=1, buffer_size=8)] != [f"decoded-{i}" for i in range(57)]


def test_decode_false_gives_stored_image_values_like_datasets() -> None:
    import io

    from PIL import Image as PILImage

    buf = io.BytesIO()
    PILImage.new("RGB", (2, 3)).save(buf, format="PNG")
    data = {"img": [{"bytes": buf.getvalue(), "path": None}]}
    ours = pds.Dataset.from_dict(data, features=pds.Features({"img": pds.Image()})).to_iterable_dataset()
    theirs = datasets.Dataset.from_dict(
        data, features=datasets.Features({"img": datasets.Image()})
    ).to_iterable_dataset()
    assert next(iter(ours))["img"].size == next(iter(theirs))["img"].size == (2, 3)
    assert next(iter(ours.decode(False))) == next(iter(theirs.decode(False)))
    assert ours.decode(False).features["img"].decode is False
    assert next(iter(ours.decode(False).decode()))["img"].size == (2, 3)


def test_decode_needs_features_like_datasets() -> None:
    gen = pds.IterableDataset.from_generator(lambda: iter([{"x": 1}]))
    with pytest.raises(ValueError, match="Features decoding is only available"):
        gen.decode()


@pytest.fixture
def row_groups_parquet(tmp_path: Any) -> str:
    path = os.path.join(tmp_path, "rg.parquet")
    table = pa.table({"a": list(range(10)), "s": [str(i) for i in range(10)], "f": np.arange(10) / 2})
    pq.write_table(table, path, row_group_size=3)
    return path


def test_reshard_parquet_one_shard_per_row_group_like_datasets(row_groups_parquet: str) -> None:
    ours = pds.load_dataset("parquet", data_files=row_groups_parquet, split="train", streaming=True)
    theirs = datasets.load_dataset("parquet", data_files=row_groups_parquet, split="train", streaming=True)
    assert ours.num_shards == theirs.num_shards == 1
    o, t = ours.reshard(), theirs.reshard()
    assert o.num_shards == t.num_shards == 4
    assert list(o) == list(t) == list(ours)
    assert [list(o.shard(4, i)) for i in range(4)] == [list(t.shard(4, i)) for i in range(4)]


def test_reshard_with_columns_and_later_ops(row_groups_parquet: str) -> None:
    ours = pds.load_dataset(
        "parquet", data_files=row_groups_parquet, split="train", streaming=True, columns=["a"]
    )
    r = ours.filter(pl.col("a") % 2 == 0).reshard()
    assert r.num_shards == 4 and [x["a"] for x in r] == [0, 2, 4, 6, 8]


def test_reshard_keeps_shards_it_cannot_split(row_groups_parquet: str) -> None:
    lf = pl.scan_parquet(row_groups_parquet)
    memory = pds.Dataset.from_dict({"a": [1, 2, 3]}).to_iterable_dataset(num_shards=2)
    assert memory.reshard().num_shards == 2  # in-memory shards stay, as datasets' Arrow tables
    for shard in (lf.filter(pl.col("a") > 2), lf.head(4), lf.with_columns(pl.col("a").sum().alias("t"))):
        ds = pds.IterableDataset.from_shards([shard])
        assert ds.reshard().num_shards == 1 and list(ds.reshard()) == list(ds)
    renamed = pds.IterableDataset.from_shards([lf.select(pl.col("a").cast(pl.Int32).alias("x"), "s")])
    assert renamed.reshard().num_shards == 4 and list(renamed.reshard()) == list(renamed)


def test_reshard_calls_a_callable_shards_reshard() -> None:
    class Splittable:
        def __call__(self) -> Any:
            yield pl.DataFrame({"a": [1, 2, 3, 4]})

        def reshard(self) -> list[Any]:
            return [lambda: iter([pl.DataFrame({"a": [1, 2]})]), lambda: iter([pl.DataFrame({"a": [3, 4]})])]

    ds = pds.IterableDataset.from_shards([Splittable()])
    assert ds.reshard().num_shards == 2 and list(ds.reshard()) == list(ds)
