"""get_dataset_config_names / split_names / infos: from the README or parquet footers, no data pages."""

from __future__ import annotations

import pytest

import polards as pds
from polards.exceptions import ConfigNotFoundError, DatasetNotFoundError
from polards.loading import get_dataset_config_names, get_dataset_infos, get_dataset_split_names


def test_loading_exports() -> None:
    import polards.loading as loading

    for name in ("load_dataset", "get_dataset_config_names", "get_dataset_split_names", "get_dataset_infos"):
        assert callable(getattr(loading, name))
        assert getattr(pds, name) is getattr(loading, name)


@pytest.mark.parametrize(
    ("repo", "configs", "splits"),
    [
        ("acme/qa", ["default"], ["train", "test"]),
        ("acme/configs", ["main", "socratic"], ["train"]),
        ("acme/synonyms", ["default"], ["train", "validation", "test"]),
        ("acme/convert", ["default"], ["train", "test"]),
        ("acme/datadir", ["en", "fr"], ["train", "test"]),
    ],
)
def test_config_and_split_names(env, repo: str, configs: list[str], splits: list[str]) -> None:
    assert get_dataset_config_names(repo) == configs
    assert get_dataset_split_names(repo) == splits


def test_split_names_of_named_config(env) -> None:
    assert get_dataset_split_names("acme/configs", "main") == ["train", "test"]
    with pytest.raises(ConfigNotFoundError, match="nope"):
        get_dataset_split_names("acme/configs", "nope")
    with pytest.raises(DatasetNotFoundError, match="acme/missing"):
        get_dataset_config_names("acme/missing")


def test_infos_from_readme_need_no_data_file(env) -> None:
    infos = get_dataset_infos("acme/configs")
    main = infos["main"]
    assert {k: v.num_examples for k, v in main.splits.items()} == {"train": 100, "test": 30}
    assert list(main.features["label"].names) == ["a", "b", "c"]
    assert env.hub.count(path_contains="/main/train") == 0 and env.hub.count(path_contains="/main/test") == 0
    assert infos["socratic"].splits["train"].num_examples == 10  # no card entry: footer


def test_infos_from_parquet_footers_use_range_reads(env) -> None:
    from polards.hub import info as hub_info

    hub_info._FOOTERS.clear()  # footers are memoized per commit; another test may have read this one
    infos = get_dataset_infos("acme/wide")
    info = infos["default"]
    assert info.splits["train"].num_examples == 800
    assert list(info.features) == ["id", "question", "blob"]
    reads = env.hub.filter(method="GET", path_contains="data/train-00000-of-00001.parquet")
    size = (env.hub.roots[0] / "acme/wide/data/train-00000-of-00001.parquet").stat().st_size
    assert reads and all(r.range for r in reads)
    assert sum(r.bytes_sent for r in reads) < size / 10
    assert not (env.cache_dir / "datasets--acme--wide" / "blobs").exists() or all(
        len(p.name) == 40 for p in (env.cache_dir / "datasets--acme--wide" / "blobs").iterdir()
    )  # nothing but README downloaded


def test_infos_gated_with_token(env) -> None:
    from tests.hub.repos import TOKEN

    infos = get_dataset_infos("acme/gated", token=TOKEN)
    assert infos["default"].splits["train"].num_examples == 20


def test_local_folder_infos(tmp_path) -> None:
    import polars as pl

    (tmp_path / "data").mkdir()
    pl.DataFrame({"a": [1, 2, 3]}).write_parquet(tmp_path / "data" / "train-00000-of-00001.parquet")
    pl.DataFrame({"a": [4]}).write_parquet(tmp_path / "data" / "test-00000-of-00001.parquet")
    assert get_dataset_config_names(str(tmp_path)) == ["default"]
    assert get_dataset_split_names(str(tmp_path)) == ["train", "test"]
    assert get_dataset_infos(str(tmp_path))["default"].splits["train"].num_examples == 3
