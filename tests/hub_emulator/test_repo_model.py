"""How folders map to Hub revisions: oids, ETags, commit shas, refs, caching and live edits."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path

import pytest

from polards.testing.hub import HubEmulator, RepoStore, bundled_root, commit_sha, git_blob_oid, write_repo


def test_commit_sha_follows_the_fixture_contract(tmp_path: Path) -> None:
    write_repo(tmp_path, "a/b", {"x.txt": "hello", "d/y.parquet": b"PAR1....PAR1"})
    rev = RepoStore([tmp_path]).get_repo("a/b").revision("main")
    lines = sorted(
        f"{p}\0{git_blob_oid(Path(tmp_path, 'a/b', p).read_bytes())}\n" for p in ["x.txt", "d/y.parquet"]
    )
    assert rev.sha == hashlib.sha1("".join(lines).encode() + b"main").hexdigest()
    assert rev.sha == commit_sha({p: e.oid for p, e in rev.files.items()}, "main")


def test_etag_is_sha256_for_lfs_and_blob_oid_otherwise(tmp_path: Path) -> None:
    write_repo(tmp_path, "a/b", {"x.txt": "hello", "y.parquet": b"PAR1....PAR1"})
    rev = RepoStore([tmp_path]).get_repo("a/b").revision("main")
    assert rev.files["x.txt"].etag == git_blob_oid(b"hello") == "b6fc4c620b67d95f953a5c1c1230aaab5db5a1b0"
    assert rev.files["y.parquet"].etag == hashlib.sha256(b"PAR1....PAR1").hexdigest()


def test_refs_and_revision_aliases(repos_root: Path) -> None:
    repo = RepoStore([repos_root]).get_repo("acme/qa")
    assert repo.refs() == ["main", "dev", "refs/convert/parquet"]
    conv = repo.revision("refs/convert/parquet")
    for alias in ("~parquet", "refs%2Fconvert%2Fparquet", conv.sha):
        assert repo.revision(alias).sha == conv.sha
    assert repo.revision("refs/heads/dev").sha == repo.revision("dev").sha
    assert repo.revision("nope") is None and repo.revision("0" * 40) is None


def test_revision_cache_invalidated_by_edits(tmp_path: Path) -> None:
    write_repo(tmp_path, "a/b", {"x.txt": "one"})
    store = RepoStore([tmp_path])
    first = store.get_repo("a/b").revision("main")
    assert store.get_repo("a/b").revision("main") is first  # cached
    target = tmp_path / "a/b/x.txt"
    target.write_text("two")
    os.utime(target, ns=(1, 1))  # a different mtime even on coarse clocks
    second = store.get_repo("a/b").revision("main")
    assert second.sha != first.sha and second.files["x.txt"].oid == git_blob_oid(b"two")


def test_unsafe_repo_ids_rejected(tmp_path: Path) -> None:
    store = RepoStore([tmp_path])
    for bad in ("../x", "a/..", ".hub/x", "a", "a/b/c"):
        assert store.get_repo(bad) is None


def test_path_traversal_in_resolve_is_404(emu: HubEmulator) -> None:
    for path in ("../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e/%2e%2e/x"):
        req = urllib.request.Request(f"{emu.endpoint}/datasets/acme/qa/resolve/main/{path}")
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req)
        assert err.value.code == 404


@pytest.mark.skipif(not bundled_root().is_dir(), reason="bundled fixture repos not built yet")
def test_bundled_repos_all_answer_repo_info(hub: HubEmulator) -> None:
    from huggingface_hub import HfApi

    api = HfApi(endpoint=hub.endpoint, token=hub.token)
    repos = [
        f"{o.name}/{n.name}"
        for o in bundled_root().iterdir()
        if o.is_dir()
        for n in o.iterdir()
        if n.is_dir()
    ]
    assert repos
    for repo_id in repos:
        info = api.dataset_info(repo_id)
        assert info.sha == hub.commit_sha(repo_id)


@pytest.mark.slow
def test_datasets_library_loads_from_the_emulator(emu: HubEmulator, tmp_path: Path) -> None:
    """The `datasets` oracle resolves, downloads and streams through the emulator (subprocess: HF_ENDPOINT)."""
    code = textwrap.dedent(
        """
        import datasets
        ds = datasets.load_dataset("acme/qa")
        print(ds["train"].num_rows, ds["test"].num_rows)
        print(sum(1 for _ in datasets.load_dataset("acme/qa", split="test", streaming=True)))
        try:
            datasets.load_dataset("acme/gated")
        except Exception as e:
            print(type(e).__name__, "gated" in str(e))
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(HF_ENDPOINT=emu.endpoint, HF_HOME=str(tmp_path), HF_HUB_DISABLE_PROGRESS_BARS="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[:3] == ["300 40", "40", "DatasetNotFoundError True"]
    assert emu.count("GET", "/api/agent-harnesses") <= 1
