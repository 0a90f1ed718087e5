"""``map``/``filter`` with Python functions: calls, errors, signatures, async, caching location (datasets 5.2)."""

from __future__ import annotations

import asyncio
import inspect
import os
import subprocess
import sys
import textwrap
from typing import Any

import datasets
import polars as pl
import pytest

import polards as pds
from polards.core import map_cache

datasets.disable_progress_bars()
datasets.disable_caching()


def _ds(n: int = 10) -> pds.Dataset:
    return pds.Dataset.from_dict({"a": list(range(n)), "b": [str(i) for i in range(n)]})


def test_function_called_once_per_batch_whatever_is_asked_afterwards() -> None:
    calls: list[int] = []

    def fn(b: dict[str, list[Any]]) -> dict[str, list[Any]]:
        calls.append(len(b["a"]))
        return {"c": [x + 1 for x in b["a"]]}

    out = _ds(22).map(fn, batched=True, batch_size=1000)
    assert out.column_names == ["a", "b", "c"]  # the schema is the first batch's real output
    assert len(out) == 22 and out.to_list()[-1]["c"] == 22 and out[3]["c"] == 4
    assert list(out.iter(batch_size=5))[0]["c"] == [1, 2, 3, 4, 5]
    assert calls == [22]  # one call, no probe


def test_take_after_a_batched_map_runs_only_the_batches_it_needs() -> None:
    calls: list[int] = []
    out = _ds(1000).map(lambda b: calls.append(len(b["a"])) or {"c": b["a"]}, batched=True, batch_size=10)
    assert out.take(20)["c"] == list(range(20))
    assert calls == [10, 10]


def test_row_count_changing_map_keeps_order_across_many_batches() -> None:
    out = _ds(5000).map(
        lambda b: {"x": [v for v in b["a"] for _ in range(v % 3)]},
        batched=True,
        batch_size=7,
        remove_columns=["a", "b"],
    )
    assert out["x"] == [v for v in range(5000) for _ in range(v % 3)]


def test_batches_do_not_depend_on_the_thread_count(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "x.parquet"
    pl.DataFrame({"a": list(range(2500))}).write_parquet(path, row_group_size=333)
    script = textwrap.dedent(
        f"""
        import polards as pds
        calls = []
        pds.disable_caching()
        ds = pds.Dataset.from_parquet({str(path)!r})
        out = ds.map(lambda b: calls.append(len(b["a"])) or {{"a": b["a"][::-1]}}, batched=True, batch_size=1000)
        rows = out["a"]
        print(calls, rows[:3], rows[-3:])
        """
    )
    outs = set()
    for threads in ("1", "4"):
        env = {**os.environ, "POLARS_MAX_THREADS": threads, "HF_DATASETS_DISABLE_CACHING": "1"}
        res = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
        )
        outs.add(res.stdout.strip())
    assert outs == {"[1000, 1000, 500] [999, 998, 997] [2002, 2001, 2000]"}


def test_user_exception_reaches_the_caller_as_itself() -> None:
    err = KeyError("missing")

    def fn(row: dict[str, Any]) -> dict[str, Any]:
        raise err

    with pytest.raises(KeyError) as info:
        _ds().map(fn).to_list()
    assert info.value is err
    with pytest.raises(ZeroDivisionError):
        _ds().filter(lambda b: [1 / 0], batched=True).to_list()
    with pytest.raises(KeyError):
        pds.IterableDataset.from_shards([_ds().lazy()]).map(fn).take(1).to_list()  # type: ignore[attr-defined]


def test_async_functions_are_awaited_like_datasets() -> None:
    async def add(row: dict[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(0)
        return {"c": row["a"] * 10}

    async def keep(row: dict[str, Any]) -> bool:
        await asyncio.sleep(0)
        return row["a"] % 3 == 0

    async def keep_batch(b: dict[str, list[Any]]) -> list[bool]:
        return [x > 6 for x in b["a"]]

    table = {"a": list(range(10))}
    for lib in (pds, datasets):
        ds = lib.Dataset.from_dict(table)
        assert list(ds.map(add)["c"]) == [x * 10 for x in range(10)]
        assert list(ds.filter(keep)["a"]) == [0, 3, 6, 9]  # a coroutine is never taken as true
        assert list(ds.filter(keep_batch, batched=True, batch_size=4)["a"]) == [7, 8, 9]


def test_signatures_accept_every_datasets_keyword_and_reject_unknown_ones() -> None:
    for name in ("map", "filter"):
        theirs = set(inspect.signature(getattr(datasets.Dataset, name)).parameters)
        ours = set(inspect.signature(getattr(pds.Dataset, name)).parameters)
        assert theirs <= ours, theirs - ours
    with pytest.raises(TypeError, match="batchsize"):
        _ds().map(lambda r: r, batchsize=10)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="batchsize"):
        _ds().filter(lambda r: True, batchsize=10)  # type: ignore[call-arg]
    with pytest.raises(NotImplementedError, match="disable_nullable"):
        _ds().map(lambda r: r, disable_nullable=True)
    for lib in (pds, datasets):
        ds = lib.Dataset.from_dict({"a": [1]})
        with pytest.raises(ValueError):
            ds.map(lambda r: r, keep_in_memory=True, cache_file_name="x.arrow")
        with pytest.raises(ValueError):
            ds.map(lambda r: r, num_proc=-1)
        with pytest.raises(ValueError):
            ds.map(lambda r: r, suffix_template="_{rank}")
    out = _ds().map(
        lambda r, i, rank: {"i": i, "rank": rank},
        with_indices=True,
        with_rank=True,
        writer_batch_size=3,
        desc="x",
        keep_in_memory=True,
        new_fingerprint="f" * 16,
        try_original_type=False,
    )
    assert out["i"] == list(range(10)) and out["rank"] == [None] * 10  # rank is None in one process


def test_try_original_type_false_infers_new_types() -> None:
    feats = pds.Features({"a": pds.Value("int32")})
    ds = pds.Dataset.from_dict({"a": [1, 2]}, features=feats)
    assert ds.map(lambda r: {"a": r["a"] + 1}).features["a"] == pds.Value("int32")
    assert ds.map(lambda r: {"a": r["a"] + 1}, try_original_type=False).features["a"] == pds.Value("int64")


def test_features_argument_casts_the_output() -> None:
    feats = pds.Features({"a": pds.Value("int64"), "b": pds.Value("string"), "c": pds.Value("float32")})
    out = _ds(3).map(lambda r: {"c": r["a"]}, features=feats)
    assert out.features == feats and out["c"] == [0.0, 1.0, 2.0]


def test_map_cache_follows_hf_datasets_cache(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("POLARDS_CACHE", raising=False)
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hfd"))
    path = tmp_path / "x.parquet"
    pl.DataFrame({"a": [1, 2, 3]}).write_parquet(path)
    out = pds.Dataset.from_parquet(str(path)).map(lambda r: {"b": r["a"] * 2})
    assert out["b"] == [2, 4, 6]
    out.to_list()
    files = [f["filename"] for f in out.cache_files]
    assert files and all(f.startswith(str(tmp_path / "hfd")) for f in files if "maps" in f)
    monkeypatch.delenv("HF_DATASETS_CACHE")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "home"))
    assert map_cache.maps_root().startswith(str(tmp_path / "home" / "datasets"))


def test_map_cache_sits_beside_files_downloaded_to_a_cache_dir(tmp_path) -> None:  # type: ignore[no-untyped-def]
    snap = tmp_path / "mycache" / "datasets--o--n" / "snapshots" / "abc"
    snap.mkdir(parents=True)
    pl.DataFrame({"a": [1, 2]}).write_parquet(snap / "x.parquet")
    ds = pds.Dataset.from_parquet(str(snap / "x.parquet"))
    assert map_cache.maps_root(ds._plan) == str(tmp_path / "mycache" / "polards-maps")


@pytest.mark.parametrize("how", ["load_dataset", "from_parquet"])
def test_map_results_of_local_files_go_to_the_cache_dir_given(tmp_path, monkeypatch, how) -> None:  # type: ignore[no-untyped-def]
    """As ``datasets`` (its cache files sit under ``cache_dir``), not under ``HF_DATASETS_CACHE``."""
    monkeypatch.delenv("POLARDS_CACHE", raising=False)
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "default"))
    (tmp_path / "folder").mkdir()
    pl.DataFrame({"a": [1, 2, 3]}).write_parquet(tmp_path / "folder" / "train.parquet")
    mine = tmp_path / "mine"
    if how == "load_dataset":
        ds = pds.load_dataset(str(tmp_path / "folder"), split="train", cache_dir=str(mine))
    else:
        ds = pds.Dataset.from_parquet(str(tmp_path / "folder" / "train.parquet"), cache_dir=str(mine))
    out = ds.map(lambda b: {"b": [x * 2 for x in b["a"]]}, batched=True)
    assert out.to_list() == [{"a": 1, "b": 2}, {"a": 2, "b": 4}, {"a": 3, "b": 6}]
    maps = [f["filename"] for f in out.cache_files if f["filename"].endswith(".arrow")]
    assert maps and all(f.startswith(str(mine) + os.sep) for f in maps), maps
    written = [os.path.join(d, f) for d, _, fs in os.walk(tmp_path / "default") for f in fs]
    assert not [f for f in written if f.endswith(".arrow")], written
    assert pds.load_dataset(str(tmp_path / "folder"), split="train").map(
        lambda b: {"b": [x * 2 for x in b["a"]]}, batched=True
    )["b"] == [2, 4, 6]


def test_keep_in_memory_writes_no_cache_file(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("POLARDS_CACHE", str(tmp_path / "c"))
    path = tmp_path / "x.parquet"
    pl.DataFrame({"a": [1, 2, 3]}).write_parquet(path)
    out = pds.Dataset.from_parquet(str(path)).map(lambda r: {"b": 1}, keep_in_memory=True)
    assert out.to_list()[0] == {"a": 1, "b": 1}
    assert not os.path.isdir(tmp_path / "c" / "maps") or os.listdir(tmp_path / "c" / "maps") == []
