"""load_dataset on local files: builders with data_files, folders laid out like repos, JSON documents."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import polars as pl
import pytest

import polards as pds
from polards.exceptions import (
    DataFilesNotFoundError,
    DatasetNotFoundError,
    InvalidArgumentError,
    SplitNotFoundError,
)

ROWS = [{"id": i, "text": f"row {i}", "tags": [f"t{i}"], "meta": {"n": i}} for i in range(40)]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    d = tmp_path / "files"
    d.mkdir()
    df = pl.DataFrame(ROWS)
    df[:30].write_parquet(d / "train-0.parquet")
    df[30:].write_parquet(d / "test-0.parquet")
    df[:30].write_ndjson(d / "train.jsonl")
    (d / "test.jsonl.gz").write_bytes(gzip.compress(df[30:].write_ndjson().encode()))
    df.select("id", "text")[:30].write_csv(d / "train.csv")
    df.select("id", "text")[30:].write_csv(d / "test.tsv", separator="\t")
    (d / "lines.txt").write_text("a\nb\n\nc\n")
    (d / "records.json").write_text(json.dumps(ROWS[:5], indent=2))
    (d / "wrapped.json").write_text(json.dumps({"meta": {"x": [1, 2]}, "data": ROWS[5:9]}, indent=2))
    return d


@pytest.mark.parametrize(
    ("builder", "train", "test"),
    [
        ("parquet", "train-*.parquet", "test-*.parquet"),
        ("json", "train.jsonl", "test.jsonl.gz"),
        ("csv", "train.csv", "test.tsv"),
    ],
)
def test_builders_with_split_slicing(files: Path, builder: str, train: str, test: str) -> None:
    data_files = {"train": str(files / train), "test": str(files / test)}
    dd = pds.load_dataset(builder, data_files=data_files)
    assert {k: len(v) for k, v in dd.items()} == {"train": 30, "test": 10}
    ds = pds.load_dataset(builder, data_files=data_files, split="train[:10%]+test[5:]")
    assert ds["id"] == [0, 1, 2] + list(range(35, 40))
    assert pds.load_dataset(builder, data_files=data_files, split="test[20%:40%]")["id"] == [32, 33]


def test_nested_values_roundtrip(files: Path) -> None:
    ds = pds.load_dataset("parquet", data_files=str(files / "train-*.parquet"), split="train")
    assert ds[3] == ROWS[3]
    ds = pds.load_dataset("json", data_files=str(files / "train.jsonl"), split="train")
    assert ds.to_list() == ROWS[:30]


def test_text_builder(files: Path) -> None:
    ds = pds.load_dataset("text", data_files=str(files / "lines.txt"), split="train")
    assert ds["text"] == ["a", "b", "", "c"]


def test_json_documents_are_converted_once(files: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("POLARDS_CACHE", str(tmp_path / "pcache"))
    ds = pds.load_dataset("json", data_files=str(files / "records.json"), split="train")
    assert ds.to_list() == ROWS[:5]
    wrapped = pds.load_dataset("json", data_files=str(files / "wrapped.json"), split="train")
    assert wrapped["id"] == [5, 6, 7, 8]
    converted = sorted((tmp_path / "pcache" / "converted").glob("*.jsonl"))
    assert len(converted) == 2
    mtimes = [p.stat().st_mtime_ns for p in converted]
    pds.load_dataset("json", data_files=str(files / "records.json"), split="train")
    assert [p.stat().st_mtime_ns for p in converted] == mtimes  # reused, not rewritten


def test_folder_like_a_repo(tmp_path: Path) -> None:
    d = tmp_path / "repo"
    (d / "data").mkdir(parents=True)
    pl.DataFrame(ROWS[:10]).write_parquet(d / "data" / "train-00000-of-00001.parquet")
    pl.DataFrame(ROWS[10:12]).write_parquet(d / "data" / "validation-00000-of-00001.parquet")
    dd = pds.load_dataset(str(d))
    assert {k: len(v) for k, v in dd.items()} == {"train": 10, "validation": 2}
    (d / "README.md").write_text(
        "---\nconfigs:\n- config_name: small\n  data_files:\n  - split: dev\n    path: data/validation-*\n---\n"
    )
    assert list(pds.load_dataset(str(d))) == ["dev"]
    assert pds.load_dataset(str(d), "small", split="dev")["id"] == [10, 11]


def test_local_imagefolder(tmp_path: Path) -> None:
    from PIL import Image

    for label, color in (("ant", "red"), ("bee", "blue")):
        (tmp_path / "imgs" / "train" / label).mkdir(parents=True)
        Image.new("RGB", (3, 1), color).save(tmp_path / "imgs" / "train" / label / "x.png")
    ds = pds.load_dataset("imagefolder", data_dir=str(tmp_path / "imgs"), split="train")
    assert ds["label"] == [0, 1] and list(ds.features["label"].names) == ["ant", "bee"]
    assert ds[1]["image"].size == (3, 1)


def test_errors(files: Path) -> None:
    with pytest.raises(DataFilesNotFoundError, match="nothing-here"):
        pds.load_dataset("parquet", data_files=str(files / "nothing-here*.parquet"))
    with pytest.raises(SplitNotFoundError, match="validation"):
        pds.load_dataset("parquet", data_files=str(files / "train-*.parquet"), split="validation")
    with pytest.raises(InvalidArgumentError, match="data_files"):
        pds.load_dataset("parquet")
    with pytest.raises(DatasetNotFoundError, match="data_files="):
        pds.load_dataset(str(files / "train.csv"))
    with pytest.raises(InvalidArgumentError, match="download_mode"):
        pds.load_dataset("parquet", data_files=str(files / "train-*.parquet"), download_mode="sometimes")


def test_streaming_local_equals_map_style(files: Path) -> None:
    data_files = {"train": str(files / "train.jsonl"), "test": str(files / "test.jsonl.gz")}
    streamed = pds.load_dataset("json", data_files=data_files, streaming=True)
    mapped = pds.load_dataset("json", data_files=data_files)
    for split in ("train", "test"):
        assert list(streamed[split]) == mapped[split].to_list()


REAL = Path("/work/shared/realdata")


@pytest.mark.skipif(not (REAL / "gsm8k").is_dir(), reason="shared real data not present")
def test_real_folder_matches_datasets(tmp_path: Path, monkeypatch) -> None:
    """The conventions give the same splits and rows as ``datasets`` on the real GSM8K folder."""
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "dcache"))
    theirs = datasets.load_dataset(str(REAL / "gsm8k"), cache_dir=str(tmp_path / "dcache"))
    ours = pds.load_dataset(str(REAL / "gsm8k"))
    assert list(ours) == list(theirs)
    for split in ours:
        assert len(ours[split]) == len(theirs[split])
        assert ours[split][:3] == theirs[split][:3]
