"""What a map step keeps in memory of its outputs: all of them (up to a limit) when nothing else replays them,
little while a cache file is written (the file replays a finished pass; only an abandoned one recomputes)."""

from __future__ import annotations

import polars as pl
import pytest

import polards as pds
from polards.core import steps as st
from polards.core import udf


def _double(batch: dict) -> dict:
    return {"j": [2 * i for i in batch["i"]]}


def _abandon_half(ds: pds.Dataset) -> st.PythonMap:
    it = ds.iter(batch_size=100)
    for _ in range(5):  # 500 of 1000 rows
        next(it)
    it.close()
    step = ds._plan[-1]
    assert isinstance(step, st.PythonMap)
    return step


@pytest.mark.parametrize("caching", [True, False])
def test_outputs_kept_while_a_cache_file_is_written_are_capped(tmp_path, monkeypatch, caching) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(udf, "REPLAY_LIMIT_WHILE_CACHING_BYTES", 1)  # one batch, then stop recording
    monkeypatch.setenv("POLARDS_CACHE", str(tmp_path / "cache"))
    pl.DataFrame({"i": list(range(1000))}).write_parquet(tmp_path / "d.parquet")
    base = pds.Dataset.from_parquet(str(tmp_path / "d.parquet"))
    ds = base.map(_double, batched=True, batch_size=100, load_from_cache_file=caching)
    if not caching:
        pds.disable_caching()
    try:
        rec = _abandon_half(ds).memo["replay"]
    finally:
        pds.enable_caching()
    if caching:  # a tee was writing: no more than the first batch was kept
        assert len(rec.frames) <= 1
    else:  # nothing else replays the outputs: every batch computed so far is kept
        assert len(rec.frames) >= 5
    assert ds["j"] == [2 * i for i in range(1000)]


def test_a_batch_that_does_not_fit_the_cache_files_types_drops_the_entry(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # (in a real pass: more than 2 GB of strings in one batch, past 32-bit offsets; here a type that cannot cast)
    path = str(tmp_path / "entry.arrow")
    tee = udf._CacheTee(path)
    tee.write(pl.DataFrame({"a": [1, 2]}))
    tee.write(pl.DataFrame({"a": ["not a number"]}))
    assert tee.failed
    assert tee.close(keep=True) is False
    assert list(tmp_path.iterdir()) == []  # no entry, no temporary file
