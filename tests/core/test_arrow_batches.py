"""Arrow-format iteration: exact batch sizes, the usual large Arrow types, equal rows on every path
(chunked conversion of a lazy plan, a stream, a collected frame, a memory-mapped ``cache()`` file)."""

from __future__ import annotations

import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

import polards as pds
from polards.dataset import formatting


def _write(tmp_path, n: int) -> str:
    df = pl.DataFrame(
        {
            "id": [f"r{i}" for i in range(n)],
            "messages": [[{"role": "user", "content": "x" * (i % 7)}] * (1 + i % 3) for i in range(n)],
            "n": list(range(n)),
        }
    )
    folder = tmp_path / "repo" / "data"
    folder.mkdir(parents=True)
    half = n // 2
    df.slice(0, half).write_parquet(folder / "train-00000-of-00002.parquet", row_group_size=700)
    df.slice(half).write_parquet(folder / "train-00001-of-00002.parquet", row_group_size=700)
    return str(tmp_path / "repo")


def _check(batches: list[pa.Table], n: int, bs: int, drop: bool) -> None:
    sizes = [b.num_rows for b in batches]
    full, last = divmod(n, bs)
    assert sizes == [bs] * full + ([last] if last and not drop else [])
    ids = [x for b in batches for x in b.column("id").to_pylist()]
    assert ids == [f"r{i}" for i in range(len(ids))]
    for b in batches:
        assert b.schema.field("id").type == pa.large_string()
        assert b.schema.field("messages").type.value_type.field("content").type == pa.large_string()


@pytest.mark.parametrize("mode", ["lazy", "stream", "frame", "cache"])
@pytest.mark.parametrize(("bs", "drop"), [(1024, False), (1000, True), (333, False), (5000, True)])
def test_arrow_batches_every_path(tmp_path, monkeypatch, mode: str, bs: int, drop: bool) -> None:
    monkeypatch.setattr(formatting, "ARROW_CHUNK", 1500)  # several chunks, batches straddling them
    n = 4321
    repo = _write(tmp_path, n)
    ds = pds.load_dataset(repo, split="train", streaming=mode == "stream")
    if mode == "frame":
        ds.to_polars()
    if mode == "cache":
        ds = ds.cache(str(tmp_path / "cache"))
    _check(list(ds.with_format("arrow").iter(bs, drop_last_batch=drop)), n, bs, drop)


def test_cache_file_is_read_zero_copy_with_large_types(tmp_path) -> None:
    ds = pds.load_dataset(_write(tmp_path, 2000), split="train").cache(str(tmp_path / "c"))
    path = ds.cache_files[0]["filename"]
    assert formatting.ipc_table(path) is not None  # no string views in polards' cache files
    with pa.memory_map(path) as src:
        assert pa.ipc.open_file(src).schema.field("id").type == pa.large_string()


def test_ipc_with_views_falls_back_to_polars(tmp_path) -> None:
    path = str(tmp_path / "views.arrow")
    pl.DataFrame({"s": ["a", "b", "c"]}).write_ipc(path, compat_level=pl.CompatLevel.newest())
    assert formatting.ipc_table(path) is None


@settings(max_examples=30, deadline=None)
@given(
    sizes=hs.lists(hs.integers(0, 50), min_size=0, max_size=8),
    bs=hs.integers(1, 40),
    drop=hs.booleans(),
)
def test_arrow_batches_rebatches_any_frame_sizes(sizes: list[int], bs: int, drop: bool) -> None:
    start, frames = 0, []
    for k in sizes:
        frames.append(pl.DataFrame({"id": [f"r{i}" for i in range(start, start + k)]}))
        start += k
    batches = list(formatting.arrow_batches(frames, bs, drop))
    sizes_out = [b.num_rows for b in batches]
    full, last = divmod(start, bs)
    assert sizes_out == [bs] * full + ([last] if last and not drop else [])
    assert [x for b in batches for x in b.column("id").to_pylist()] == [
        f"r{i}" for i in range(sum(sizes_out))
    ]


def test_arrow_slices_of_a_cache_file_are_memory_mapped(tmp_path) -> None:
    ds = pds.load_dataset(_write(tmp_path, 3000), split="train").cache(str(tmp_path / "c"))
    whole = ds.with_format("arrow")[:]
    part = ds.with_format("arrow")[10:20]
    assert whole.num_rows == 3000 and whole.schema.field("id").type == pa.large_string()
    assert part.column("id").to_pylist() == [f"r{i}" for i in range(10, 20)]
    assert ds.with_format("arrow")[2995:5000].num_rows == 5
    assert ds.with_format("arrow")[::1000].column("id").to_pylist() == ["r0", "r1000", "r2000"]
    assert ds.select(range(5)).with_format("arrow")[:].column("id").to_pylist() == [f"r{i}" for i in range(5)]
