"""``keep_in_memory=True`` reads the rows into Arrow memory at load time, and loaded datasets report
``datasets``' sizes (``dataset_size``, ``download_size``, ``size_in_bytes``, ``splits[...].num_bytes``)."""

from __future__ import annotations

import gc
import json
import os
from pathlib import Path

import datasets
import polars as pl
import pyarrow as pa
import pytest

import polards as pds

datasets.disable_progress_bars()

ROWS = {"col_1": ["0", "1", "2", "3"], "col_2": [0, 1, 2, 3], "col_3": [0.0, 1.0, 2.0, 3.0]}


def _write(tmp_path: Path, fmt: str) -> str:
    frame = pl.DataFrame(ROWS)
    path = str(tmp_path / f"data.{fmt}")
    if fmt == "csv":
        frame.write_csv(path)
    elif fmt == "json":
        with open(path, "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in frame.to_dicts())
    elif fmt == "parquet":
        frame.write_parquet(path)
    else:
        with open(path, "w") as f:
            f.write("".join(f"line {i}\n" for i in range(4)))
    return path


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet", "text"])
def test_from_files_keep_in_memory_reads_into_arrow_memory(tmp_path: Path, fmt: str) -> None:
    path = _write(tmp_path, fmt)
    reader = getattr(pds.Dataset, f"from_{fmt}")
    gc.collect()
    before = pa.total_allocated_bytes()
    lazy = reader(path, cache_dir=str(tmp_path / "c"))
    assert pa.total_allocated_bytes() == before  # nothing read yet
    ours = reader(path, cache_dir=str(tmp_path / "c"), keep_in_memory=True)
    assert pa.total_allocated_bytes() > before
    theirs = getattr(datasets.Dataset, f"from_{fmt}")(
        path, cache_dir=str(tmp_path / "d"), keep_in_memory=True
    )
    assert ours.cache_files == theirs.cache_files == []
    os.remove(path)  # the rows are in memory: the file is no longer read
    assert ours.to_list() == theirs.to_list() and ours.features.to_dict() == theirs.features.to_dict()
    del lazy


def test_memory_is_released_with_the_dataset(tmp_path: Path) -> None:
    path = _write(tmp_path, "parquet")
    gc.collect()
    before = pa.total_allocated_bytes()
    ds = pds.Dataset.from_parquet(path, keep_in_memory=True)
    assert pa.total_allocated_bytes() > before and len(ds) == 4
    del ds
    gc.collect()
    assert pa.total_allocated_bytes() == before


def test_identity_map_kept_in_memory_is_in_memory(tmp_path: Path) -> None:
    path = _write(tmp_path, "csv")
    out = pds.Dataset.from_csv(path).map(keep_in_memory=True)
    os.remove(path)
    assert out["col_2"] == [0, 1, 2, 3] and out.cache_files == []


def _folder(tmp_path: Path) -> str:
    d = tmp_path / "data_dir"
    d.mkdir()
    (d / "train.txt").write_text("foo\n" * 10)
    (d / "test.txt").write_text("a longer bar line\n" * 7)
    return str(d)


def test_loaded_sizes_match_datasets(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    ours = pds.load_dataset(folder)
    theirs = datasets.load_dataset(folder, cache_dir=str(tmp_path / "hf"))
    for split in ("train", "test"):
        o, t = ours[split], theirs[split]
        assert (o.dataset_size, o.download_size, o.size_in_bytes) == (
            t.dataset_size,
            t.download_size,
            t.size_in_bytes,
        )
        assert {n: (s.num_examples, s.num_bytes) for n, s in o.info.splits.items()} == {
            n: (s.num_examples, s.num_bytes) for n, s in t.info.splits.items()
        }
    assert (
        pds.Dataset.from_dict({"a": [1]}).dataset_size
        is None
        is datasets.Dataset.from_dict({"a": [1]}).dataset_size
    )


@pytest.mark.parametrize("limit", [0, 50, 5000])
def test_in_memory_max_size_decides_like_datasets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    folder = _folder(tmp_path)
    monkeypatch.setenv("HF_DATASETS_IN_MEMORY_MAX_SIZE", str(limit))
    ds = pds.load_dataset(folder)
    expected = bool(limit) and ds["train"].dataset_size < limit
    in_memory = not ds["train"]._plan[0].files  # a scan of the text file, or an in-memory table
    assert in_memory is expected
    assert ds["train"]["text"] == ["foo"] * 10


def test_loaded_datasets_pickle_with_their_info(tmp_path: Path) -> None:
    import pickle

    ds = pds.load_dataset(_folder(tmp_path), split="train")
    back = pickle.loads(pickle.dumps(ds))
    assert (
        back.dataset_size == ds.dataset_size == 70 and back.download_size == 40 and back["text"] == ds["text"]
    )
