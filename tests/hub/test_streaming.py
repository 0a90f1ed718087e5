"""Streaming equals map-style row for row, for every layout; shards are files; nothing is downloaded whole."""

from __future__ import annotations

import pytest

import polards as pds
from tests.hub.repos import TOKEN

LAYOUTS = [
    ("acme/qa", None),
    ("acme/configs", "main"),
    ("acme/synonyms", None),
    ("acme/dirs", None),
    ("acme/folders", "alpha"),
    ("acme/convert", None),
    ("acme/datadir", "en"),
    ("acme/records", None),
    ("acme/text", None),
    ("acme/csvgz", None),
]


@pytest.mark.parametrize(("repo", "name"), LAYOUTS, ids=[r for r, _ in LAYOUTS])
def test_streaming_equals_map_style(env, repo: str, name: str | None) -> None:
    streamed = pds.load_dataset(repo, name, streaming=True)
    assert isinstance(streamed, pds.IterableDatasetDict)
    whole = [r.path for r in env.hub.filter(method="GET", path_contains="/resolve/") if not r.range]
    assert all(p.endswith("README.md") for p in whole), whole  # data files: footers by range only
    mapped = pds.load_dataset(repo, name)
    assert list(streamed) == list(mapped)
    for split in mapped:
        assert list(streamed[split]) == mapped[split].to_list(), split


def test_one_shard_per_file_and_no_whole_file_download(env) -> None:
    it = pds.load_dataset("acme/qa", split="train", streaming=True)
    assert isinstance(it, pds.IterableDataset) and it.n_shards == 2
    assert [r["id"] for r in it.take(3)] == [0, 1, 2]
    assert not (env.cache_dir / "datasets--acme--qa" / "blobs").exists() or all(
        len(p.name) == 40 for p in (env.cache_dir / "datasets--acme--qa" / "blobs").iterdir()
    )  # no parquet blob in the cache


def test_streaming_jsonl_gz_reads_in_blocks(env) -> None:
    it = pds.load_dataset("acme/synonyms", split="train", streaming=True)
    env.hub.reset_requests()
    rows = list(it)
    assert [r["id"] for r in rows] == list(range(50))
    reads = env.hub.filter(method="GET", path_contains="train.jsonl.gz")
    assert reads and all(r.range for r in reads)


def test_streaming_survives_a_reset_mid_shard(env) -> None:
    env.hub.faults.add("*/resolve/*/valid.jsonl", reset=True, times=1)
    rows = list(pds.load_dataset("acme/synonyms", split="validation", streaming=True))
    assert [r["id"] for r in rows] == list(range(50, 60))


def test_streaming_slicing_not_supported(env) -> None:
    from polards.exceptions import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="streaming"):
        pds.load_dataset("acme/qa", split="train[:10]", streaming=True)


def test_streaming_gated_parquet_row_groups(env) -> None:
    rows = list(pds.load_dataset("acme/gated", split="test", streaming=True, token=TOKEN))
    assert [r["id"] for r in rows] == list(range(5))


def test_streaming_split_sum(env) -> None:
    it = pds.load_dataset("acme/qa", split="test+train", streaming=True)
    assert [r["id"] for r in it][:31] == list(range(30)) + [0]


def test_streaming_select_columns_pushdown_reaches_range_reads(env, monkeypatch) -> None:
    """Projection added after load_dataset reaches the remote reader: only that column chunk travels.

    Files under POLARDS_STREAM_VERIFY_BYTES are fetched whole to be verified first; 0 makes this 1.7 MB file
    take the large-file path, where only the needed column chunks travel."""
    monkeypatch.setenv("POLARDS_STREAM_VERIFY_BYTES", "0")
    size = (env.hub.roots[0] / "acme/wide/data/train-00000-of-00001.parquet").stat().st_size
    it = pds.load_dataset("acme/wide", split="train", streaming=True).select_columns(["id"])
    env.hub.reset_requests()
    assert [r["id"] for r in it] == list(range(800))
    reads = env.hub.filter(method="GET", path_contains="/resolve/")
    assert reads and all(r.range for r in reads)
    assert sum(r.bytes_sent for r in reads) < size / 8  # footer tail (64 kB) + the id chunk, of ~1.7 MB


@pytest.mark.parametrize(
    "fault", [{"status": 503}, {"latency": 1.0}, {"reset": True}], ids=["503", "slow", "reset"]
)
def test_streaming_permanent_fault_is_a_clear_error(env, monkeypatch, fault: dict) -> None:
    import time

    from polards.exceptions import HubConnectionError

    monkeypatch.setenv("POLARDS_HUB_TIMEOUT", "0.3")
    for pattern in ("*/resolve/*/data/train-00001*", "*/resolve/*/valid.jsonl"):
        repo, split = ("acme/qa", "train") if "data" in pattern else ("acme/synonyms", "validation")
        it = pds.load_dataset(repo, split=split, streaming=True)
        env.hub.faults.add(pattern, times=None, **fault)
        start = time.monotonic()
        with pytest.raises(HubConnectionError, match=repo):
            list(it)
        assert time.monotonic() - start < 15
