"""A map's first batch fixes what later batches skip: the mixed-type walk runs once per column, and an Arrow
slice of a final Python map is its cache file, in datasets' Arrow types."""

from __future__ import annotations

import datasets
import polars as pl
import pyarrow as pa

import polards as pds
from polards.features import json_type


def _pairs(batch: dict) -> dict:
    return {"m": [[{"role": "user", "content": str(n)}] for n in batch["n"]]}


def test_mixed_type_walk_runs_once_per_column(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls = []
    real = json_type.mixed_type_paths
    monkeypatch.setattr(json_type, "mixed_type_paths", lambda v, *a, **k: calls.append(1) or real(v, *a, **k))
    out = pds.Dataset.from_dict({"n": list(range(50))}).map(_pairs, batched=True, batch_size=10)
    assert out["m"][49] == [{"role": "user", "content": "49"}]
    assert len(calls) == 1


def test_a_later_batch_of_another_struct_shape_is_refused_as_in_datasets() -> None:
    def shapes(batch: dict) -> dict:
        return {"o": [{"a": 1}, {"a": 2}] if batch["i"][0] == 0 else [{"a": 1}, {"b": 2}]}

    data = {"i": [0, 1, 2, 3]}
    for lib in (datasets, pds):
        try:
            lib.Dataset.from_dict(data).map(shapes, batched=True, batch_size=2).to_list()
        except (TypeError, ValueError):
            continue
        raise AssertionError(f"{lib.__name__} accepted a later batch of another struct shape")


def test_arrow_slice_of_a_final_map_is_its_memory_mapped_cache_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "d.parquet"
    pl.DataFrame({"n": list(range(30)), "s": [f"x{i}" for i in range(30)]}).write_parquet(path)
    kw = {"batched": True, "remove_columns": ["n"]}
    ours = pds.Dataset.from_parquet(str(path)).map(_pairs, **kw).with_format("arrow")[:]
    theirs = (
        datasets.Dataset.from_parquet(str(path), cache_dir=str(tmp_path / "hf"))
        .map(_pairs, **kw)
        .with_format("arrow")[:]
    )
    assert ours.to_pylist() == theirs.to_pylist()
    assert ours.schema.remove_metadata() == theirs.schema.remove_metadata()
    assert isinstance(ours, pa.Table)


def test_a_later_batch_missing_a_struct_field_gets_nulls_as_in_datasets() -> None:
    def shapes(batch: dict) -> dict:
        return {"o": [{"a": 1, "b": 2}] * 2 if batch["i"][0] == 0 else [{"a": 3}] * 2}

    data = {"i": [0, 1, 2, 3]}
    ours = pds.Dataset.from_dict(data).map(shapes, batched=True, batch_size=2)["o"]
    theirs = datasets.Dataset.from_dict(data).map(shapes, batched=True, batch_size=2)["o"]
    assert ours == list(theirs)


def test_a_map_cache_file_has_datasets_types_and_is_read_without_a_copy(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "d.parquet"
    pl.DataFrame({"n": list(range(3000)), "s": [f"x{i}" * 50 for i in range(3000)]}).write_parquet(path)
    ds = pds.Dataset.from_parquet(str(path), cache_dir=str(tmp_path / "c")).map(_pairs, batched=True)
    table = ds.with_format("arrow")[:]
    (cache,) = ds.cache_files
    on_disk = pa.ipc.open_file(cache["filename"]).schema
    # datasets' writer types: string, list<struct<string>> (32-bit offsets), not large_string / large_list
    assert on_disk.field("s").type == pa.string()
    assert on_disk.field("m").type == pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
    again = pds.Dataset.from_parquet(str(path), cache_dir=str(tmp_path / "c")).map(_pairs, batched=True)
    before = pa.total_allocated_bytes()
    replayed = again.with_format("arrow")[:]  # the cache file, memory-mapped: no cast, no copy of its strings
    assert pa.total_allocated_bytes() - before < 100_000  # the strings alone are ~570 kB
    assert replayed.to_pylist() == table.to_pylist()


def test_a_slice_of_a_final_map_in_arrow_is_a_slice_of_its_cache_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "d.parquet"
    pl.DataFrame({"n": list(range(3000)), "s": [f"x{i}" * 50 for i in range(3000)]}).write_parquet(path)
    kw = {"batched": True, "remove_columns": ["n"]}
    ours = pds.Dataset.from_parquet(str(path), cache_dir=str(tmp_path / "c")).map(_pairs, **kw)
    theirs = datasets.Dataset.from_parquet(str(path), cache_dir=str(tmp_path / "hf")).map(_pairs, **kw)
    ours.with_format("arrow")[:]  # the cache file is written
    for pick in (
        lambda d: d.take(100),
        lambda d: d.skip(2900),
        lambda d: d.take(5000),
        lambda d: d.skip(4000),
    ):
        before = pa.total_allocated_bytes()
        got = pick(ours).with_format("arrow")[:]
        assert pa.total_allocated_bytes() - before < 50_000  # zero-copy: the strings alone are ~570 kB
        want = pick(theirs).with_format("arrow")[:]
        assert got.to_pylist() == want.to_pylist()
        assert got.schema.remove_metadata() == want.schema.remove_metadata()
    batches = list(ours.take(2500).with_format("arrow").iter(batch_size=1000))
    assert [b.num_rows for b in batches] == [1000, 1000, 500]
