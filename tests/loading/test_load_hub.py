"""load_dataset against the Hub emulator: every layout, split slicing, errors, pushdown."""

from __future__ import annotations

import polars as pl
import pytest

import polards as pds
from polards.exceptions import ConfigNotFoundError, DatasetNotFoundError, SplitNotFoundError
from tests.hub.repos import TEST, TRAIN


def test_conventions_sharded_parquet(env) -> None:
    dd = pds.load_dataset("acme/qa")
    assert isinstance(dd, pds.DatasetDict) and list(dd) == ["train", "test"]
    assert dd["train"].to_polars().equals(TRAIN) and dd["test"].to_polars().equals(TEST)
    ds = pds.load_dataset("acme/qa", split="train")
    assert isinstance(ds, pds.Dataset) and len(ds) == 100


def test_cache_layout_is_huggingface_hub(env) -> None:
    pds.load_dataset("acme/qa", split="test")
    folder = env.cache_dir / "datasets--acme--qa"
    sha = (folder / "refs" / "main").read_text()
    link = folder / "snapshots" / sha / "data" / "test-00000-of-00001.parquet"
    assert link.is_symlink() and link.resolve().parent == (folder / "blobs").resolve()
    assert (folder / "trees" / f"{sha}.json").is_file()
    from huggingface_hub import scan_cache_dir

    info = scan_cache_dir(env.cache_dir)
    assert [r.repo_id for r in info.repos] == ["acme/qa"] and not info.warnings


@pytest.mark.parametrize(
    ("spec", "expected_ids"),
    [
        ("train[:10]", list(range(10))),
        ("train[10%:20%]", list(range(10, 20))),
        ("train[-5:]", list(range(95, 100))),
        ("train[:1024]", list(range(100))),
        ("train[:3]+test[-2:]", [0, 1, 2, 28, 29]),
        ("train[:10%]+test[5:7]", list(range(10)) + [5, 6]),
        ("train[98:]+train[:1]", [98, 99, 0]),
    ],
)
def test_split_slicing(env, spec: str, expected_ids: list[int]) -> None:
    assert pds.load_dataset("acme/qa", split=spec)["id"] == expected_ids


def test_configs_block(env) -> None:
    dd = pds.load_dataset("acme/configs")  # default: true -> socratic
    assert list(dd) == ["train"] and len(dd["train"]) == 10
    main = pds.load_dataset("acme/configs", "main")
    assert {k: len(v) for k, v in main.items()} == {"train": 100, "test": 30}
    assert len(pds.load_dataset("acme/configs", name="main", split="test")) == 30


def test_split_synonyms_jsonl_gz_zst(env) -> None:
    dd = pds.load_dataset("acme/synonyms")
    assert {k: len(v) for k, v in dd.items()} == {"train": 50, "validation": 10, "test": 15}
    assert dd["test"]["id"] == list(range(60, 75))
    assert dd["train"].features["question"].dtype == "string"


def test_dir_names_csv(env) -> None:
    dd = pds.load_dataset("acme/dirs")
    assert {k: len(v) for k, v in dd.items()} == {"train": 20, "validation": 5}
    assert dd["validation"]["question"] == TEST["question"][:5].to_list()


def test_config_folders(env) -> None:
    # like datasets: one default config over every folder; polards also takes a folder name as config name
    assert pds.get_dataset_config_names("acme/folders") == ["default"]
    assert {k: len(v) for k, v in pds.load_dataset("acme/folders").items()} == {"train": 15, "test": 3}
    assert pds.get_dataset_split_names("acme/folders", "alpha") == ["train", "test"]
    alpha = pds.load_dataset("acme/folders", "alpha")
    assert {k: len(v) for k, v in alpha.items()} == {"train": 10, "test": 3}
    assert pds.load_dataset("acme/folders", "beta", split="train")["id"] == list(range(10, 15))


def test_convert_parquet_fallback(env) -> None:
    dd = pds.load_dataset("acme/convert")
    assert {k: len(v) for k, v in dd.items()} == {"train": 7, "test": 2}
    assert env.hub.count(path_contains="refs%2Fconvert%2Fparquet") >= 1


def test_data_dir_configs_and_argument(env) -> None:
    assert pds.get_dataset_config_names("acme/datadir") == ["en", "fr"]
    en = pds.load_dataset("acme/datadir")
    assert {k: len(v) for k, v in en.items()} == {"train": 8, "test": 2}
    assert len(pds.load_dataset("acme/datadir", "fr", split="train")) == 3
    assert len(pds.load_dataset("acme/datadir", data_dir="fr", split="train")) == 3
    assert len(pds.load_dataset("acme/datadir", data_files={"train": "en/*.jsonl"}, split="train")) == 10


def test_json_records_documents(env) -> None:
    dd = pds.load_dataset("acme/records")
    assert dd["train"]["id"] == list(range(12)) and dd["test"]["id"] == [12, 13, 14]


def test_text_and_csv_gz(env) -> None:
    assert pds.load_dataset("acme/text", split="train")["text"] == ["line one", "line two", "line three"]
    assert pds.load_dataset("acme/text", split="test")["text"] == ["t1", "t2"]
    dd = pds.load_dataset("acme/csvgz")
    assert len(dd["train"]) == 9 and dd["test"]["id"] == [0, 1, 2, 3]


def test_imagefolder(env) -> None:
    ds = pds.load_dataset("acme/images", split="train")
    assert len(ds) == 3
    assert list(ds.features["label"].names) == ["cat", "dog"]
    assert ds["label"] == [0, 0, 1]
    image = ds[2]["image"]
    assert getattr(image, "size", None) == (2, 2), image


def test_unknown_dataset_config_split(env) -> None:
    with pytest.raises(DatasetNotFoundError, match="acme/nope"):
        pds.load_dataset("acme/nope")
    with pytest.raises(ConfigNotFoundError, match="(?s)'mian'.*'main'"):
        pds.load_dataset("acme/configs", "mian")
    with pytest.raises(ConfigNotFoundError, match="(?s)'gamma'.*acme/folders"):
        pds.load_dataset("acme/folders", "gamma")
    with pytest.raises(SplitNotFoundError) as split_err:
        pds.load_dataset("acme/qa", split="tset")
    # datasets' message word for word (clients log it); the repo and a hint are notes on the traceback
    assert str(split_err.value) == "Unknown split \"tset\". Should be one of ['train', 'test']."
    assert any("acme/qa" in n for n in split_err.value.__notes__)
    assert any("did you mean 'test'" in n for n in split_err.value.__notes__)
    with pytest.raises(DatasetNotFoundError, match="revision|Revision"):
        pds.load_dataset("acme/qa", revision="nope-branch")


def test_revision_pinned_to_sha(env) -> None:
    sha = env.hub.commit_sha("acme/qa")
    ds = pds.load_dataset("acme/qa", split="test", revision=sha)
    assert len(ds) == 30
    assert env.hub.count(path_contains=f"/resolve/{sha}/") >= 1
    assert env.hub.count(path_contains="/resolve/main/") == 0


def test_map_style_pushdown_reaches_parquet_scan(env) -> None:
    ds = pds.load_dataset("acme/wide", split="train")
    plan = ds.filter(pl.col("id") > 5).select_columns(["question"]).lazy().explain()
    scan = plan[plan.index("Parquet SCAN") :]
    assert "PROJECT 2/3 COLUMNS" in scan and 'SELECTION: col("id") > 5' in scan
    assert "PROJECT 1/3 COLUMNS" in ds.select_columns(["question"]).lazy().explain()
    assert str(env.cache_dir) in plan  # the scan reads the snapshot in the HF cache in place


def test_streaming_projection_reads_fewer_bytes(env, monkeypatch) -> None:
    """Range requests over HTTP: reading one small column moves a fraction of the file's bytes (for files above
    POLARDS_STREAM_VERIFY_BYTES; smaller ones are fetched whole and verified first)."""
    monkeypatch.setenv("POLARDS_STREAM_VERIFY_BYTES", "0")
    size = (env.hub.roots[0] / "acme/wide/data/train-00000-of-00001.parquet").stat().st_size
    it = pds.load_dataset("acme/wide", split="train", streaming=True, columns=["question"])
    env.hub.reset_requests()
    rows = list(it)
    assert len(rows) == 800 and set(rows[0]) == {"question"}
    reads = env.hub.filter(method="GET", path_contains="/resolve/")
    assert reads and all(r.range for r in reads)
    sent = sum(r.bytes_sent for r in reads)
    assert sent < size / 4, (sent, size)


def test_columns_argument(env) -> None:
    ds = pds.load_dataset("acme/qa", split="test", columns=["question"])
    assert ds.column_names == ["question"]


def test_force_redownload_refetches(env) -> None:
    pds.load_dataset("acme/qa", split="test")
    env.hub.reset_requests()
    pds.load_dataset("acme/qa", split="test")
    assert env.hub.count(path_contains="/resolve/") == 0  # verified cached files are not fetched again
    env.hub.reset_requests()
    pds.load_dataset("acme/qa", split="test", download_mode="force_redownload")
    assert env.hub.count(path_contains="test-00000-of-00001.parquet") == 1


def test_keep_in_memory(env) -> None:
    ds = pds.load_dataset("acme/qa", split="test", keep_in_memory=True)
    assert ds.to_polars().equals(TEST)


def test_parquet_features_metadata_kept(env, tmp_path) -> None:
    assert isinstance(pds.load_dataset("acme/qa", split="test").lazy(), pl.LazyFrame)
