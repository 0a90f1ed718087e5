"""The real huggingface_hub client against the emulator: repo info, listings, refs and typed errors."""

from __future__ import annotations

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import (
    EntryNotFoundError,
    GatedRepoError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from polards.testing.hub import DEFAULT_TOKEN, HubEmulator


@pytest.fixture
def api(emu: HubEmulator, env) -> HfApi:
    return HfApi(endpoint=emu.endpoint, token=False)


def test_dataset_info_has_sha_siblings_and_card_data(api: HfApi, emu: HubEmulator) -> None:
    info = api.dataset_info("acme/qa")
    assert info.id == "acme/qa"
    assert info.sha == emu.commit_sha("acme/qa") and len(info.sha) == 40
    assert {s.rfilename for s in info.siblings} >= {"README.md", "data/test-00000-of-00001.parquet"}
    assert info.card_data["configs"][0]["config_name"] == "default"
    assert info.card_data["license"] == "mit"
    assert info.private is False and info.gated is False
    assert emu.count("GET", "/api/datasets/acme/qa") == 1


def test_dataset_info_files_metadata_reports_lfs(api: HfApi) -> None:
    info = api.dataset_info("acme/qa", files_metadata=True)
    by_name = {s.rfilename: s for s in info.siblings}
    parquet = by_name["data/test-00000-of-00001.parquet"]
    assert parquet.lfs is not None and len(parquet.lfs.sha256) == 64 and parquet.size > 0
    assert by_name["README.md"].lfs is None


def test_dataset_info_at_revisions(api: HfApi, emu: HubEmulator) -> None:
    conv = api.dataset_info("acme/qa", revision="refs/convert/parquet")
    assert conv.sha == emu.commit_sha("acme/qa", "refs/convert/parquet") != emu.commit_sha("acme/qa")
    assert emu.count(path_contains="/revision/refs%2Fconvert%2Fparquet") == 1
    assert api.dataset_info("acme/qa", revision="~parquet").sha == conv.sha
    assert api.dataset_info("acme/qa", revision=conv.sha).sha == conv.sha
    dev = api.dataset_info("acme/qa", revision="dev")
    assert {s.rfilename for s in dev.siblings} == {"README.md", "data/train.jsonl"}


def test_list_repo_tree_paginates(emu: HubEmulator, env, repos_root) -> None:
    with HubEmulator(repos_root, page_size=2) as small:
        api = HfApi(endpoint=small.endpoint, token=False)
        entries = list(api.list_repo_tree("acme/many", repo_type="dataset", recursive=True))
        assert [e.path for e in entries] == [f"f{i}.txt" for i in range(5)]
        pages = small.filter("GET", "/tree/main")
        assert len(pages) == 3
        assert [r.query.get("cursor") for r in pages] == [None, ["2"], ["4"]]


def test_list_repo_tree_folders_and_subpaths(api: HfApi) -> None:
    top = list(api.list_repo_tree("acme/qa", repo_type="dataset"))
    kinds = {e.path: type(e).__name__ for e in top}
    assert kinds == {"data": "RepoFolder", "notes": "RepoFolder", "README.md": "RepoFile"}
    sub = list(api.list_repo_tree("acme/qa", path_in_repo="data", repo_type="dataset"))
    assert [e.path for e in sub] == [
        "data/test-00000-of-00001.parquet",
        "data/train-00000-of-00002.parquet",
        "data/train-00001-of-00002.parquet",
    ]
    assert all(e.lfs is not None for e in sub)
    nested = list(
        api.list_repo_tree("acme/qa", path_in_repo="default/train", repo_type="dataset", revision="~parquet")
    )
    assert [e.path for e in nested] == ["default/train/0000.parquet"]
    expanded = list(api.list_repo_tree("acme/qa", path_in_repo="data", repo_type="dataset", expand=True))
    assert expanded[0].last_commit is not None and expanded[0].security is not None


def test_list_repo_files_and_paths_info(api: HfApi, emu: HubEmulator) -> None:
    files = api.list_repo_files("acme/qa", repo_type="dataset")
    assert "notes/a b.txt" in files and not any(f.startswith(".hub") for f in files)
    infos = api.get_paths_info("acme/qa", ["README.md", "data", "missing.txt"], repo_type="dataset")
    assert [(type(i).__name__, i.path) for i in infos] == [("RepoFile", "README.md"), ("RepoFolder", "data")]
    assert emu.count("POST", "/paths-info/main") == 1


def test_list_repo_refs(api: HfApi, emu: HubEmulator) -> None:
    refs = api.list_repo_refs("acme/qa", repo_type="dataset")
    assert {b.name for b in refs.branches} == {"main", "dev"}
    assert [(c.name, c.ref) for c in refs.converts] == [("parquet", "refs/convert/parquet")]
    assert refs.converts[0].target_commit == emu.commit_sha("acme/qa", "refs/convert/parquet")


def test_file_exists_uses_head(api: HfApi, emu: HubEmulator) -> None:
    assert api.file_exists("acme/qa", "README.md", repo_type="dataset")
    assert not api.file_exists("acme/qa", "nope.md", repo_type="dataset")
    assert api.file_exists("acme/qa", "default/test/0000.parquet", repo_type="dataset", revision="~parquet")
    assert emu.count("HEAD") == 3


def test_typed_errors(api: HfApi, emu: HubEmulator) -> None:
    with pytest.raises(RepositoryNotFoundError):
        api.dataset_info("acme/missing")
    with pytest.raises(RevisionNotFoundError):
        api.dataset_info("acme/qa", revision="nope")
    with pytest.raises(RevisionNotFoundError):
        list(api.list_repo_tree("acme/qa", repo_type="dataset", revision="nope"))
    with pytest.raises(EntryNotFoundError):
        list(api.list_repo_tree("acme/qa", path_in_repo="nope", repo_type="dataset"))
    with pytest.raises(RepositoryNotFoundError):
        api.list_repo_files("acme/missing", repo_type="dataset")


def test_gated_repo_metadata_public_files_need_token(api: HfApi, emu: HubEmulator, tmp_path) -> None:
    info = api.dataset_info("acme/gated")
    assert info.gated == "auto"
    assert "data.csv" in api.list_repo_files("acme/gated", repo_type="dataset")
    with pytest.raises(GatedRepoError):
        api.hf_hub_download("acme/gated", "data.csv", repo_type="dataset", cache_dir=tmp_path)
    bad = HfApi(endpoint=emu.endpoint, token="hf_wrong")
    with pytest.raises(GatedRepoError):
        bad.hf_hub_download("acme/gated", "data.csv", repo_type="dataset", cache_dir=tmp_path)
    good = HfApi(endpoint=emu.endpoint, token=DEFAULT_TOKEN)
    path = good.hf_hub_download("acme/gated", "data.csv", repo_type="dataset", cache_dir=tmp_path)
    assert open(path).read().startswith("id,question")
    auth = [
        r.headers.get("authorization") or r.headers.get("Authorization")
        for r in emu.filter("GET", "data.csv")
    ]
    assert f"Bearer {DEFAULT_TOKEN}" in auth


def test_private_repo_is_not_found_without_its_token(api: HfApi, emu: HubEmulator) -> None:
    with pytest.raises(RepositoryNotFoundError):
        api.dataset_info("acme/private")
    with pytest.raises(RepositoryNotFoundError):
        HfApi(endpoint=emu.endpoint, token=DEFAULT_TOKEN).dataset_info("acme/private")
    info = HfApi(endpoint=emu.endpoint, token="hf_private_token").dataset_info("acme/private")
    assert info.private is True


def test_unknown_routes_404(emu: HubEmulator) -> None:
    import urllib.error
    import urllib.request

    for path in ("/api/agent-harnesses", "/api/models/acme/qa", "/whatever"):
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(emu.endpoint + path)
        assert err.value.code == 404


def test_auth_check(api: HfApi, emu: HubEmulator) -> None:
    api.auth_check("acme/qa", repo_type="dataset")
    with pytest.raises(GatedRepoError):
        api.auth_check("acme/gated", repo_type="dataset")
    HfApi(endpoint=emu.endpoint, token=DEFAULT_TOKEN).auth_check("acme/gated", repo_type="dataset")
    with pytest.raises(RepositoryNotFoundError):
        api.auth_check("acme/private", repo_type="dataset")
