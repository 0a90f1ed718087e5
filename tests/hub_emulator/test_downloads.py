"""Downloads through huggingface_hub, HfFileSystem and Polars' http reader, plain and via CDN redirects."""

from __future__ import annotations

import hashlib
import json
import urllib.request
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from huggingface_hub import HfFileSystem, hf_hub_download, snapshot_download

from polards.testing.hub import HubEmulator

from .conftest import TEST, TRAIN

TEST_FILE = "data/test-00000-of-00001.parquet"


def test_hf_hub_download_first_then_cached(emu: HubEmulator, env, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    path = hf_hub_download("acme/qa", TEST_FILE, repo_type="dataset", endpoint=emu.endpoint, cache_dir=cache)
    assert pl.read_parquet(path).equals(TEST)
    assert [r.method for r in emu.filter(path_contains="/resolve/")] == ["HEAD", "GET"]
    sha = emu.commit_sha("acme/qa")
    assert f"snapshots/{sha}/{TEST_FILE}" in Path(path).as_posix()
    blob = Path(path).resolve()
    assert blob.name == hashlib.sha256(blob.read_bytes()).hexdigest()  # ETag of LFS files is the sha256
    emu.reset_requests()
    again = hf_hub_download("acme/qa", TEST_FILE, repo_type="dataset", endpoint=emu.endpoint, cache_dir=cache)
    assert again == path
    assert [r.method for r in emu.requests] == ["HEAD"]


def test_hf_hub_download_small_text_file_and_quoted_name(emu: HubEmulator, env, tmp_path: Path) -> None:
    path = hf_hub_download(
        "acme/qa", "notes/a b.txt", repo_type="dataset", endpoint=emu.endpoint, cache_dir=tmp_path
    )
    assert Path(path).read_text() == "spaces in the name\n"
    head = emu.filter("HEAD")[0]
    assert "a%20b.txt" in head.path


def test_hf_hub_download_convert_parquet_revision(emu: HubEmulator, env, tmp_path: Path) -> None:
    path = hf_hub_download(
        "acme/qa",
        "default/train/0000.parquet",
        repo_type="dataset",
        revision="refs/convert/parquet",
        endpoint=emu.endpoint,
        cache_dir=tmp_path,
    )
    assert pl.read_parquet(path).equals(TRAIN)
    assert all("refs%2Fconvert%2Fparquet" in r.path for r in emu.filter(path_contains="/resolve/"))


def test_snapshot_download(emu: HubEmulator, env, tmp_path: Path) -> None:
    folder = Path(
        snapshot_download("acme/qa", repo_type="dataset", endpoint=emu.endpoint, cache_dir=tmp_path)
    )
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert files == [
        "README.md",
        "data/test-00000-of-00001.parquet",
        "data/train-00000-of-00002.parquet",
        "data/train-00001-of-00002.parquet",
        "notes/a b.txt",
    ]
    assert folder.name == emu.commit_sha("acme/qa")
    assert emu.count("GET", "/revision/main") == 1


def test_hffilesystem_ls_glob_open(emu: HubEmulator, env) -> None:
    fs = HfFileSystem(endpoint=emu.endpoint, token=False, skip_instance_cache=True)
    names = fs.ls("datasets/acme/qa", detail=False)
    assert set(names) == {"datasets/acme/qa/README.md", "datasets/acme/qa/data", "datasets/acme/qa/notes"}
    train = fs.glob("datasets/acme/qa/data/train-*.parquet")
    assert len(train) == 2
    for rev in ("~parquet", "refs%2Fconvert%2Fparquet"):
        shards = fs.glob(f"datasets/acme/qa@{rev}/default/*/*.parquet")
        assert sorted(s.rsplit("/", 3)[-3] + "/" + s.rsplit("/", 2)[-2] for s in shards) == [
            "default/test",
            "default/train",
        ], rev
    with fs.open("datasets/acme/qa@~parquet/default/test/0000.parquet", "rb") as fh:
        assert pl.read_parquet(fh.read()).equals(TEST)
    emu.reset_requests()
    with fs.open("datasets/acme/qa/data/train-00000-of-00002.parquet", "rb") as fh:
        meta = pq.ParquetFile(fh).metadata
    assert meta.num_rows == 150
    ranged = [r for r in emu.filter("GET", "/resolve/") if r.range]
    assert ranged and all(r.status == 206 for r in ranged)


def test_polars_scan_parquet_uses_range_reads(emu: HubEmulator) -> None:
    url = emu.resolve_url("acme/qa", "data/train-00000-of-00002.parquet")
    assert pl.scan_parquet(url).select(pl.len()).collect().item() == 150
    gets = emu.filter("GET", "/resolve/")
    assert len(gets) == 1 and gets[0].range.startswith("bytes=-") and gets[0].status == 206
    size = Path(emu.store.get_repo("acme/qa").path / "data/train-00000-of-00002.parquet").stat().st_size
    assert gets[0].bytes_sent <= size
    emu.reset_requests()
    df = pl.scan_parquet(url).filter(pl.col("id") > 140).select("question").collect()
    assert df["question"].to_list() == [f"q{i}" for i in range(141, 150)]
    assert all(r.status == 206 for r in emu.filter("GET"))


def test_polars_reads_convert_parquet_revision_url(emu: HubEmulator) -> None:
    for rev in ("refs/convert/parquet", "~parquet"):
        url = emu.resolve_url("acme/qa", "default/test/0000.parquet", revision=rev)
        assert pl.scan_parquet(url).collect().equals(TEST)


def test_parquet_listing_endpoint(emu: HubEmulator) -> None:
    def get(path: str):
        with urllib.request.urlopen(emu.endpoint + path) as resp:
            return json.loads(resp.read())

    listing = get("/api/datasets/acme/qa/parquet")
    assert set(listing) == {"default"} and set(listing["default"]) == {"train", "test"}
    assert get("/api/datasets/acme/qa/parquet/default") == listing["default"]
    urls = get("/api/datasets/acme/qa/parquet/default/test")
    assert urls == listing["default"]["test"] and urls[0].endswith("/parquet/default/test/0.parquet")
    assert pl.read_parquet(urls[0]).equals(TEST)  # follows the 302 to the resolve URL
    with pytest.raises(urllib.error.HTTPError) as err:
        get("/api/datasets/acme/many/parquet")
    assert err.value.code == 404


@pytest.fixture
def redirect_hub(hub_factory, repos_root) -> HubEmulator:
    return hub_factory(repos_root, lfs_redirect=True)


def test_lfs_redirect_mode(redirect_hub: HubEmulator, monkeypatch, tmp_path: Path) -> None:
    from polards.testing.pytest_plugin import apply_hf_env

    apply_hf_env(monkeypatch, redirect_hub.endpoint, tmp_path / "home")
    path = hf_hub_download(
        "acme/qa", TEST_FILE, repo_type="dataset", endpoint=redirect_hub.endpoint, cache_dir=tmp_path / "c"
    )
    assert pl.read_parquet(path).equals(TEST)
    resolves = redirect_hub.filter(path_contains="/resolve/")
    assert {r.status for r in resolves} == {302}
    cdn = redirect_hub.filter("GET", "/cdn/")
    assert len(cdn) == 1 and cdn[0].headers.get("Host", "").startswith("localhost:")
    # non-LFS files are served directly
    readme = hf_hub_download(
        "acme/qa", "README.md", repo_type="dataset", endpoint=redirect_hub.endpoint, cache_dir=tmp_path / "c"
    )
    assert Path(readme).read_text().startswith("---")
    assert redirect_hub.filter("GET", "README.md")[0].status == 200
    redirect_hub.reset_requests()
    url = redirect_hub.resolve_url("acme/qa", "data/train-00001-of-00002.parquet")
    assert pl.scan_parquet(url).select(pl.len()).collect().item() == 150
    assert redirect_hub.count("GET", "/cdn/") >= 1
    fs = HfFileSystem(endpoint=redirect_hub.endpoint, token=False, skip_instance_cache=True)
    with fs.open("datasets/acme/qa/data/train-00001-of-00002.parquet", "rb") as fh:
        assert pq.ParquetFile(fh).metadata.num_rows == 150


def test_hffilesystem_gated_and_private(emu: HubEmulator, env) -> None:
    from huggingface_hub.errors import GatedRepoError

    from polards.testing.hub import DEFAULT_TOKEN

    anon = HfFileSystem(endpoint=emu.endpoint, token=False, skip_instance_cache=True)
    assert anon.ls("datasets/acme/gated", detail=False)  # listing a gated repo is public, like on the Hub
    with pytest.raises(GatedRepoError):
        anon.open("datasets/acme/gated/data.csv").read()
    with pytest.raises(FileNotFoundError, match="private"):
        anon.ls("datasets/acme/private")
    authed = HfFileSystem(endpoint=emu.endpoint, token=DEFAULT_TOKEN, skip_instance_cache=True)
    assert authed.open("datasets/acme/gated/data.csv").read().startswith(b"id,question")
    assert emu.filter("GET", "/resolve/main/data.csv")[-1].status == 200
    found = anon.find("datasets/acme/qa", detail=False)
    assert "datasets/acme/qa/notes/a b.txt" in found and len(found) == 5
