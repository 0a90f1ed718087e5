"""Cache integrity: verified before entering the cache, corrupt blobs refetched, partial files resumed, locks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import polards as pds
from polards.exceptions import IntegrityError
from polards.hub.client import hub_settings
from polards.hub.download import download_file, file_checksum
from polards.hub.repo import get_snapshot
from polards.testing.hub import write_repo
from tests.hub.conftest import assert_cache_clean, make_env
from tests.hub.repos import TEST, TRAIN, rewrite_keeping_stat

TEST_FILE = "data/test-00000-of-00001.parquet"


def _blob(env, repo: str = "acme/qa", path: str = TEST_FILE) -> Path:
    folder = env.cache_dir / ("datasets--" + repo.replace("/", "--"))
    sha = (folder / "refs" / "main").read_text()
    return (folder / "snapshots" / sha / path).resolve()


def test_blob_named_by_checksum_and_verified(env) -> None:
    pds.load_dataset("acme/qa", split="test")
    blob = _blob(env)
    assert len(blob.name) == 64 and file_checksum(blob, blob.name) == blob.name
    readme = _blob(env, path="README.md")
    assert len(readme.name) == 40 and file_checksum(readme, readme.name) == readme.name  # git blob oid
    assert_cache_clean(env.cache_dir)


def test_corrupted_cached_blob_is_refetched(env) -> None:
    pds.load_dataset("acme/qa", split="test")
    blob = _blob(env)
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0xFF
    blob.chmod(0o644)
    blob.write_bytes(bytes(data))
    env.hub.reset_requests()
    ds = pds.load_dataset("acme/qa", split="test")
    assert ds.to_polars().equals(TEST)
    assert env.hub.count(method="GET", path_contains=TEST_FILE) == 1
    assert_cache_clean(env.cache_dir)


def test_truncated_cached_blob_is_refetched(env) -> None:
    pds.load_dataset("acme/qa", split="test")
    blob = _blob(env)
    blob.write_bytes(blob.read_bytes()[:100])
    assert pds.load_dataset("acme/qa", split="test").to_polars().equals(TEST)
    assert_cache_clean(env.cache_dir)


def test_stealth_corruption_caught_with_full_verification(env, monkeypatch) -> None:
    """Same size and mtime: the cheap stamp check trusts it; POLARDS_VERIFY_CACHE=1 re-hashes and refetches."""
    pds.load_dataset("acme/qa", split="test")
    blob = _blob(env)
    data = bytearray(blob.read_bytes())
    data[-20] ^= 0x01
    st = blob.stat()
    with blob.open("r+b") as f:
        f.write(bytes(data))
    os.utime(blob, ns=(st.st_atime_ns, st.st_mtime_ns))
    monkeypatch.setenv("POLARDS_VERIFY_CACHE", "1")
    env.hub.reset_requests()
    assert pds.load_dataset("acme/qa", split="test").to_polars().equals(TEST)
    assert env.hub.count(method="GET", path_contains=TEST_FILE) == 1
    assert_cache_clean(env.cache_dir)


def test_partial_download_is_resumed(env) -> None:
    settings = hub_settings()
    snap = get_snapshot(settings, "acme/qa")
    entry = snap.files[TEST_FILE]
    content = (env.hub.roots[0] / "acme/qa" / TEST_FILE).read_bytes()
    blobs = env.cache_dir / "datasets--acme--qa" / "blobs"
    blobs.mkdir(parents=True, exist_ok=True)
    (blobs / f"{entry.etag}.incomplete").write_bytes(content[:1000])  # a download killed at byte 1000
    env.hub.reset_requests()
    path = download_file(settings, "acme/qa", snap.sha, entry)
    assert path.read_bytes() == content
    assert [r.range for r in env.hub.filter(method="GET", path_contains=TEST_FILE)] == ["bytes=1000-"]
    assert_cache_clean(env.cache_dir)


def test_bad_partial_download_is_discarded(env) -> None:
    settings = hub_settings()
    snap = get_snapshot(settings, "acme/qa")
    entry = snap.files[TEST_FILE]
    blobs = env.cache_dir / "datasets--acme--qa" / "blobs"
    blobs.mkdir(parents=True, exist_ok=True)
    (blobs / f"{entry.etag}.incomplete").write_bytes(b"\0" * 1000)  # garbage prefix
    path = download_file(settings, "acme/qa", snap.sha, entry)
    assert file_checksum(path.resolve(), entry.etag) == entry.etag
    assert_cache_clean(env.cache_dir)


def test_wrong_bytes_served_raise_integrity_error(hub_factory, monkeypatch, tmp_path) -> None:
    root = tmp_path / "repos"
    write_repo(
        root,
        "acme/bad",
        {"data/train-00000-of-00001.parquet": TRAIN, "data/test-00000-of-00001.parquet": TEST},
    )
    hub = hub_factory(root)
    env = make_env(hub, monkeypatch, tmp_path / "home")
    hub.commit_sha("acme/bad")  # the emulator hashes the files now ...
    target = root / "acme/bad" / TEST_FILE
    good = target.read_bytes()
    rewrite_keeping_stat(
        target, good[:-40] + bytes(40)
    )  # ... and then serves other bytes under the same ETag
    with pytest.raises(
        IntegrityError, match="(?s)acme/bad/data/test-00000-of-00001.parquet.*nothing was cached"
    ):
        pds.load_dataset("acme/bad", split="test")
    blobs = env.cache_dir / "datasets--acme--bad" / "blobs"
    assert all(len(p.name) == 40 for p in blobs.iterdir())  # only README's blob; no parquet blob, no partial
    assert_cache_clean(env.cache_dir)
    assert len(pds.load_dataset("acme/bad", split="train")) == 100  # other files still load


def test_lfs_redirect_to_cdn(hub_factory, monkeypatch, tmp_path) -> None:
    root = tmp_path / "repos"
    write_repo(root, "acme/cdn", {"data/train-00000-of-00001.parquet": TRAIN})
    hub = hub_factory(root, lfs_redirect=True)
    make_env(hub, monkeypatch, tmp_path / "home")
    assert len(pds.load_dataset("acme/cdn", split="train")) == 100
    assert hub.count(path_contains="/cdn/") >= 1


_WORKER = """
import json, sys
import polards as pds
ds = pds.load_dataset("acme/qa")
print(json.dumps({k: v["id"] for k, v in ds.items()}))
"""


@pytest.mark.slow
def test_two_processes_load_concurrently(env) -> None:
    env.hub.faults.add("*/resolve/*/data/*", latency=0.2, times=None)  # make the downloads overlap
    cwd = str(Path(__file__).resolve().parents[2])
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=60) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err.decode()[-2000:]
        assert json.loads(out) == {"train": list(range(100)), "test": list(range(30))}
    assert_cache_clean(env.cache_dir)
    assert len(list((env.cache_dir / "datasets--acme--qa" / "blobs").iterdir())) == 4
    assert pl.read_parquet(_blob(env)).equals(TEST)


def test_threads_loading_the_same_files(env) -> None:
    from concurrent.futures import ThreadPoolExecutor

    env.hub.faults.add("*/resolve/*/data/*", latency=0.05, times=None)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: pds.load_dataset("acme/qa", split="train")["id"], range(4)))
    assert results == [list(range(100))] * 4
    assert_cache_clean(env.cache_dir)
