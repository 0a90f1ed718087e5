"""Cache management over the Hub cache (filled by real loads from the emulator) and polards' own cache."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from polards.exceptions import CacheBusyError, DatasetNotFoundError, InvalidArgumentError
from polards.toolkit import cache


@pytest.fixture
def filled(hf_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from huggingface_hub import hf_hub_download

    import polards as pds

    monkeypatch.setenv("POLARDS_CACHE", str(tmp_path / "pcache"))
    pds.load_dataset("openai/gsm8k", "main", split="test")
    pds.load_dataset("HuggingFaceH4/MATH-500", split="test")
    hf_hub_download("cais/mmlu", "README.md", repo_type="dataset")  # not polards': foreign
    mat = tmp_path / "pcache" / "materialized"
    mat.mkdir(parents=True)
    (mat / "a.arrow").write_bytes(b"x" * 1000)
    (mat / "b.arrow").write_bytes(b"y" * 500)
    return hf_env


def test_ls_and_du(filled) -> None:
    table = cache.ls()
    assert table.filter(pl.col("kind") == "hub")["name"].to_list() == [
        "HuggingFaceH4/MATH-500",
        "openai/gsm8k",
    ]
    gsm = table.row(by_predicate=pl.col("name") == "openai/gsm8k", named=True)
    assert gsm["size_bytes"] > 100_000 and gsm["nb_files"] >= 2 and gsm["revisions"] == ["main"]
    own = table.row(by_predicate=pl.col("name") == "materialized", named=True)
    assert own["kind"] == "polards" and own["size_bytes"] == 1500 and own["nb_files"] == 2
    assert "cais/mmlu" in cache.ls(include_foreign=True)["name"].to_list()
    sizes = cache.du()
    assert sizes["total"] == sizes["hub"] + sizes["polards"] and sizes["polards"] == 1500
    assert sizes["hub"] == table.filter(pl.col("kind") == "hub")["size_bytes"].sum()


def test_remove_repo(filled) -> None:
    import polards as pds

    removed = cache.remove("openai/gsm8k")
    assert removed.name == "openai/gsm8k" and not Path(removed.path).exists()
    assert "openai/gsm8k" not in cache.ls()["name"].to_list()
    assert not list((filled.cache_dir / ".locks" / "datasets--openai--gsm8k").glob("*.polards-verified"))
    assert not [p for p in filled.cache_dir.iterdir() if p.name.startswith(".trash")]
    assert len(pds.load_dataset("openai/gsm8k", "main", split="test")) == 1319  # loads again after removal
    with pytest.raises(DatasetNotFoundError, match="'nobody/none'"):
        cache.remove("nobody/none")


def test_prune_older_than(filled) -> None:
    assert cache.prune("1d") == []  # everything is fresh
    old = time.time() - 10 * 86400
    gsm = Path(cache.ls().row(by_predicate=pl.col("name") == "openai/gsm8k", named=True)["path"])
    for p in [gsm, *gsm.rglob("*")]:
        os.utime(p, (old, old), follow_symlinks=False)
    a = Path(os.environ["POLARDS_CACHE"]) / "materialized" / "a.arrow"
    os.utime(a, (old, old))
    planned = cache.prune("7d", dry_run=True)
    assert [e.name for e in planned if e.kind == "hub"] == ["openai/gsm8k"] and gsm.exists()
    done = cache.prune("7d")
    assert [e.name for e in done if e.kind == "hub"] == ["openai/gsm8k"]
    assert not gsm.exists() and not a.exists() and a.with_name("b.arrow").exists()
    assert [e.size_bytes for e in done if e.kind == "polards"] == [1000]
    with pytest.raises(InvalidArgumentError, match="'soon'"):
        cache.prune("soon")


HOLDER = """
import sys, time
from filelock import FileLock
lock = FileLock(sys.argv[1]); lock.acquire()
print("held", flush=True); time.sleep(float(sys.argv[2]))
"""


def test_remove_waits_for_a_loader_holding_the_lock(filled) -> None:
    locks = filled.cache_dir / ".locks" / "datasets--openai--gsm8k"
    lock_file = next(locks.glob("*.lock"))
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock_file), "30"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "held"
        with pytest.raises(CacheBusyError, match="openai/gsm8k"):
            cache.remove("openai/gsm8k", timeout=0.5)
        assert "openai/gsm8k" in cache.ls()["name"].to_list()  # untouched
        with pytest.raises(CacheBusyError, match="openai/gsm8k"):
            cache.clear(timeout=0.5)
        assert cache.ls()["name"].to_list() == ["openai/gsm8k"]  # the rest was cleared
    finally:
        proc.kill()
        proc.wait()
    cache.remove("openai/gsm8k")  # free again once the holder is gone
    assert cache.ls(include_foreign=False).height == 0


def test_clear_keeps_foreign_repos(filled) -> None:
    removed = cache.clear()
    assert {e.name for e in removed} == {"openai/gsm8k", "HuggingFaceH4/MATH-500", "materialized"}
    assert cache.du()["total"] == 0
    assert cache.ls(include_foreign=True)["name"].to_list() == ["cais/mmlu"]


def test_concurrent_load_while_removing(filled, tmp_path: Path) -> None:
    """A loader in another process and cache removals interleave without corrupt results."""
    script = tmp_path / "loader.py"
    script.write_text(
        "import polards as pds\n"
        "for _ in range(4):\n"
        "    ds = pds.load_dataset('openai/gsm8k', 'main', split='test')\n"
        "    assert len(ds) == 1319 and ds[0]['question']\n"
        "print('ok')\n"
    )
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    removed = 0
    while proc.poll() is None:
        try:
            cache.remove("openai/gsm8k", timeout=2)
            removed += 1
        except (CacheBusyError, DatasetNotFoundError):
            pass
        time.sleep(0.05)
    out, err = proc.communicate()
    # The loader either succeeds or fails with a clear polards error (a file it resolved was removed under it);
    # it never reads a corrupt or partial file (that would be an AssertionError or a parquet error).
    last = err.strip().splitlines()[-1] if err.strip() else ""
    assert out.strip() == "ok" or last.startswith("polards.exceptions."), err[-2000:]
    assert removed >= 1
