"""A Python filter's cache entry is its mask over its input (``datasets`` keeps the kept rows' indices): one
boolean per input row, replayed over the input's own rows (the input's cache file, the source), never a copy of
the kept rows. Checked against ``datasets`` rows; one process and ``num_proc`` write the same mask."""

from __future__ import annotations

import datasets
import polars as pl
import pyarrow as pa
import pytest

import polards as pds
import polards.core.udf as udf
from polards.core import steps as st

ROWS = 700


@pytest.fixture
def files(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("POLARDS_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "data.parquet"
    pl.DataFrame({"q": [f"q{i} " * (i % 4 + 1) for i in range(ROWS)], "n": list(range(ROWS))}).write_parquet(
        path, row_group_size=100
    )
    return str(path)


@pytest.fixture
def calls(monkeypatch):  # type: ignore[no-untyped-def]
    seen = {"rows": 0}
    original = udf.map_batch

    def counting(step, df, *a, **k):  # type: ignore[no-untyped-def]
        seen["rows"] += df.height
        return original(step, df, *a, **k)

    monkeypatch.setattr(udf, "map_batch", counting)
    return seen


def _words(batch: dict) -> dict:
    return {"w": [len(q.split()) for q in batch["q"]]}


def _keep(batch: dict) -> list[bool]:
    return [n % 3 == 0 or w > 3 for n, w in zip(batch["n"], batch["w"], strict=True)]


def _pipeline(lib, files: str, **kw):  # type: ignore[no-untyped-def]
    ds = lib.Dataset.from_parquet(files)
    return ds.map(_words, batched=True, batch_size=64).filter(_keep, batched=True, batch_size=50, **kw)


def _expected(files: str, tmp_path) -> list:  # type: ignore[no-untyped-def]
    ref = datasets.Dataset.from_parquet(files, cache_dir=str(tmp_path / "hf"))
    return ref.map(_words, batched=True, batch_size=64).filter(_keep, batched=True, batch_size=50).to_list()


@pytest.mark.parametrize("num_proc", [None, 2])
def test_the_filter_cache_is_a_mask_and_replays_without_calling(files, calls, tmp_path, num_proc) -> None:  # type: ignore[no-untyped-def]
    want = _expected(files, tmp_path)
    first = _pipeline(pds, files, num_proc=num_proc)
    assert first.to_list() == want
    mask_file = first.cache_files[-1]["filename"]
    table = pa.ipc.open_file(mask_file).read_all()
    assert table.schema.names == [st.MASK_COLUMN] and table.num_rows == ROWS  # one flag per input row
    rows = pl.read_parquet(files).to_dicts()
    assert table.column(0).to_pylist() == [r["n"] % 3 == 0 or len(r["q"].split()) > 3 for r in rows]
    calls["rows"] = 0
    again = _pipeline(pds, files)  # one process reads what num_proc wrote, and the reverse
    assert again.to_list() == want
    assert again.take(5).to_list() == want[:5]
    assert len(again) == len(want)
    assert calls["rows"] == 0  # the map's file and the filter's mask replay both steps


def test_a_filter_file_of_the_older_layout_is_replaced_by_a_mask(files, calls, tmp_path) -> None:  # type: ignore[no-untyped-def]
    want = _expected(files, tmp_path)
    first = _pipeline(pds, files)
    assert first.to_list() == want
    path = first.cache_files[-1]["filename"]
    pl.DataFrame(want).write_ipc(path)  # what polards wrote before: the kept rows themselves
    calls["rows"] = 0
    again = _pipeline(pds, files)
    assert again.to_list() == want
    assert calls["rows"] == ROWS  # the filter ran again (the map's file replays the map) ...
    assert pa.ipc.open_file(path).schema.names == [st.MASK_COLUMN]  # ... and left its mask
