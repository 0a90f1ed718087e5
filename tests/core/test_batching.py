"""``batch(batch_size)`` streams in chunks of whole batches; row iteration converts wide rows a slice at a time.

Both are checked against ``datasets`` (rows and features), across chunk boundaries (the chunk made small)."""

from __future__ import annotations

import datasets
import pytest

import polards
from polards.core import batching
from polards.dataset import dataset as dataset_module


def _both(data: dict) -> tuple[polards.Dataset, datasets.Dataset]:
    return polards.Dataset.from_dict(data), datasets.Dataset.from_dict(data)


@pytest.mark.parametrize("n", [0, 1, 7, 20, 21, 64])
@pytest.mark.parametrize("size", [1, 3, 10, 25])
@pytest.mark.parametrize("drop", [False, True])
def test_batch_matches_datasets_across_chunks(monkeypatch, n, size, drop):
    monkeypatch.setattr(batching, "CHUNK_ROWS", 8)  # chunks of max(size, 8 // size * size) rows
    data = {
        "i": list(range(n)),
        "s": [f"r{k}" * (k % 4) for k in range(n)],
        "l": [[k] * (k % 3) for k in range(n)],
    }
    mine, ref = _both(data)
    got, want = mine.batch(size, drop_last_batch=drop), ref.batch(size, drop_last_batch=drop)
    if drop and 0 < n < size:  # README, deliberate difference: datasets' map never ran, so it returns the
        assert want.to_list() == ref.to_list()  # input rows unbatched; polards: no whole batch, no row
        assert got.to_list() == []
        return
    assert got.to_list() == want.to_list()
    if n:  # an empty dataset: datasets keeps its features (its map ran no batch); polards types them lazily
        assert got.features.to_dict() == want.features.to_dict()
    assert len(got) == len(want)
    assert list(got) == list(want)
    assert got.select_columns(["s"]).to_list() == want.select_columns(["s"]).to_list()
    if len(want):
        assert got[len(want) - 1] == want[len(want) - 1]


def test_batch_yields_its_first_rows_before_reading_the_rest(monkeypatch):
    monkeypatch.setattr(batching, "CHUNK_ROWS", 100)
    calls = []

    def double(batch):
        calls.append(len(batch["i"]))
        return {"j": [2 * i for i in batch["i"]]}

    ds = polards.Dataset.from_dict({"i": list(range(50_000))}).map(double, batched=True, batch_size=1000)
    first = next(iter(ds.batch(10)))
    assert first == {"i": list(range(10)), "j": [2 * i for i in range(10)]}
    assert sum(calls) < 50_000  # a group-by over the whole input would have mapped every row first


def test_wide_rows_iterate_a_slice_at_a_time(monkeypatch):
    monkeypatch.setattr(dataset_module, "ROW_SLICE_BYTES", 1000)
    data = {"t": ["x" * (k * 37 % 500) for k in range(3000)], "k": list(range(3000))}
    mine, ref = _both(data)
    assert list(mine) == list(ref)
    parts = list(dataset_module._python_slices(mine.lazy().collect()))
    assert len(parts) > 100 and sum(p.height for p in parts) == 3000


@pytest.mark.parametrize("size", [0, -1])
@pytest.mark.parametrize("drop", [False, True])
def test_a_batch_size_below_one_is_one_batch_of_every_row_as_in_datasets(size, drop):
    mine, ref = _both({"i": list(range(5)), "s": list("abcde")})
    assert mine.batch(size, drop_last_batch=drop).to_list() == ref.batch(size, drop_last_batch=drop).to_list()
