"""Parquet/JSON/CSV round trips, interchange with `datasets` files, save_to_disk, cache()."""

from __future__ import annotations

import gzip
import io
import json
import os

import datasets
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings

import polards as pds
from polards.exceptions import DataFilesNotFoundError
from polards.features import ClassLabel, Features, Image, List, Value
from tests.core.strategies import tables

FEATS = Features(
    {
        "text": Value("string"),
        "label": ClassLabel(names=["neg", "pos"]),
        "messages": List({"role": Value("string"), "content": Value("string")}),
        "score": Value("float32"),
    }
)
ROWS = {
    "text": ["good", "bad", None],
    "label": [1, 0, 1],
    "messages": [[{"role": "user", "content": "hi"}], [], [{"role": "assistant", "content": None}]],
    "score": [0.5, 1.5, None],
}


def test_polards_parquet_loads_in_datasets_with_same_features(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "out.parquet")
    pds.Dataset.from_dict(ROWS, features=FEATS).shuffle(seed=3).to_parquet(path)
    theirs = datasets.Dataset.from_parquet(path)
    assert theirs.features.to_dict() == FEATS.to_dict()
    assert theirs.to_list() == pds.Dataset.from_parquet(path).to_list()


def test_datasets_parquet_loads_in_polards_with_same_features(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "hf.parquet")
    theirs = datasets.Dataset.from_dict(ROWS, features=datasets.Features.from_dict(FEATS.to_dict()))
    theirs.to_parquet(path)
    ours = pds.Dataset.from_parquet(path)
    assert ours.features == FEATS
    assert ours.to_list() == theirs.to_list()


def test_image_features_survive_parquet(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image as PILImage

    buf = io.BytesIO()
    PILImage.new("L", (2, 2), 7).save(buf, format="PNG")
    feats = Features({"image": Image(), "label": ClassLabel(names=["a", "b"])})
    path = str(tmp_path / "img.parquet")
    pds.Dataset.from_dict({"image": [buf.getvalue()] * 3, "label": [0, 1, 1]}, features=feats).to_parquet(
        path
    )
    back = pds.Dataset.from_parquet(path).filter(pl.col("label") == 1)
    assert back.features == feats
    assert back[0]["image"].getpixel((0, 0)) == 7
    assert datasets.Dataset.from_parquet(path).features["image"] == datasets.Image()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(table=tables())
def test_parquet_round_trip_keeps_rows_and_features(tmp_path, table) -> None:  # type: ignore[no-untyped-def]
    ds = pds.Dataset.from_dict(table)
    path = str(tmp_path / "rt.parquet")
    ds.to_parquet(path)
    back = pds.Dataset.from_parquet(path)
    assert back.to_list() == ds.to_list()
    assert back.features == ds.features


def test_json_csv_text_and_compression(tmp_path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "a.jsonl.gz"
    with gzip.open(p, "wt") as f:
        f.write('{"a": 1, "b": "x"}\n{"a": 2, "b": "y"}\n')
    assert pds.Dataset.from_json(str(p))["a"] == [1, 2]
    doc = tmp_path / "records.json"
    doc.write_text(json.dumps([{"a": 1}, {"a": 2, "c": True}], indent=2))
    assert pds.Dataset.from_json(str(doc)).to_list() == [{"a": 1, "c": None}, {"a": 2, "c": True}]
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"version": 1, "data": [{"a": 5}]}))
    assert pds.Dataset.from_json(str(wrapped), field="data")["a"] == [5]
    csv = tmp_path / "x.csv"
    csv.write_text("a,b\n1,u\n2,v\n")
    assert pds.Dataset.from_csv(str(csv))["b"] == ["u", "v"]
    txt = tmp_path / "x.txt"
    txt.write_text("line one\nline two\n")
    assert pds.Dataset.from_text(str(txt))["text"] == ["line one", "line two"]
    ds = pds.Dataset.from_dict({"a": [1, 2]})
    ds.to_json(str(tmp_path / "o.jsonl"))
    ds.to_csv(str(tmp_path / "o.csv"))
    assert pds.Dataset.from_json(str(tmp_path / "o.jsonl"))["a"] == [1, 2]
    assert pds.Dataset.from_csv(str(tmp_path / "o.csv"))["a"] == [1, 2]
    with pytest.raises(DataFilesNotFoundError, match="nothing-here"):
        pds.Dataset.from_parquet(str(tmp_path / "nothing-here*.parquet"))


def test_save_and_load_from_disk(tmp_path) -> None:  # type: ignore[no-untyped-def]
    dd = pds.DatasetDict(
        {
            "train": pds.Dataset.from_dict(ROWS, features=FEATS),
            "test": pds.Dataset.from_dict(ROWS, features=FEATS).take(1),
        }
    )
    dd.save_to_disk(str(tmp_path / "dd"))
    back = pds.load_from_disk(str(tmp_path / "dd"))
    assert back["train"].to_list() == dd["train"].to_list() and back["test"].features == FEATS
    assert not [p for p in os.listdir(tmp_path) if ".tmp-" in p]


def test_cache_materialises_once_and_scans_ipc(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ds = pds.Dataset.from_dict({"a": list(range(100))}).filter(pl.col("a") % 3 == 0)
    cached = ds.cache(str(tmp_path))
    assert cached.to_list() == ds.to_list()
    assert "cache" in cached.explain() and cached.features == ds.features
    assert cached.cleanup_cache_files() == 1


def test_fsspec_urls_are_readable() -> None:
    import fsspec

    with fsspec.open("memory://polards-test/data.jsonl", "w") as f:
        f.write('{"a": 1}\n{"a": 3}\n')
    assert pds.Dataset.from_json("memory://polards-test/data.jsonl")["a"] == [1, 3]


def test_row_access_uses_slices_then_collects_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "r.parquet")
    pl.DataFrame({"a": range(1000)}).write_parquet(path)
    ds = pds.Dataset.from_parquet(path)
    assert ds[5]["a"] == 5 and "frame" not in ds._memo
    assert [ds[i]["a"] for i in range(20)] == list(range(20))
    assert "frame" in ds._memo


def test_save_sweeps_temp_folders_of_killed_saves_and_shows_a_bar(tmp_path, monkeypatch, capsys) -> None:
    import subprocess
    import sys

    import polards as pds

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    stale = tmp_path / f"out.tmp-{dead.stdout.strip()}"  # what a SIGKILLed save leaves
    stale.mkdir()
    (stale / "data-00000-of-00001.arrow").write_bytes(b"half")
    alive = tmp_path / f"out.tmp-{os.getppid()}"  # a save still running in another process is left alone
    alive.mkdir()
    monkeypatch.delenv("HF_DATASETS_DISABLE_PROGRESS_BARS")
    pds.Dataset.from_dict({"a": list(range(10))}).save_to_disk(tmp_path / "out", num_shards=2)
    assert "Saving the dataset (2/2 shards)" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out", alive.name])
    assert pds.load_from_disk(tmp_path / "out")["a"] == list(range(10))


def test_map_without_function_writes_the_cache_file_both_libraries_read(tmp_path) -> None:
    import datasets as hf

    import polards as pds

    feats = {"a": "int32", "s": "string"}
    ours = pds.Dataset.from_dict(
        {"a": [1, 2], "s": ["x", None]}, features=pds.Features({k: pds.Value(v) for k, v in feats.items()})
    )
    path = tmp_path / "file.arrow"
    out = ours.map(cache_file_name=str(path))
    assert out.cache_files == [{"filename": str(path)}] and out.to_list() == ours.to_list()
    back = hf.Dataset.from_file(str(path))
    assert back.to_list() == ours.to_list() and back.features.to_dict() == ours.features.to_dict()
