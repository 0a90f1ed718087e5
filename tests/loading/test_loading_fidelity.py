"""Differential tests: ``load_dataset`` through polards and through ``datasets`` 5.2 give the same features and rows.

Found by running tinker-cookbook unmodified on polards (issues #19 / #13): the README card's
``dataset_info.features`` were ignored, and JSON fields whose objects differ in keys became a struct of the union
of keys instead of ``Json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import polars as pl
import pytest

import polards as pds
from polards.testing.hub import HubEmulator
from tests.hub.conftest import make_env

datasets = pytest.importorskip("datasets")

CARD_K = """---
dataset_info:
  features:
  - name: k
    list:
    - name: b
      dtype: int64
    - name: a
      dtype: string
    - name: z
      dtype: string
---
# k
"""


def _write(folder: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def _card(features: list[dict[str, Any]]) -> str:
    import yaml

    return "---\n" + yaml.safe_dump({"dataset_info": {"features": features}}, sort_keys=False) + "---\n"


def _jsonl(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


def _parquet(rows: dict[str, list[Any]], path: Path) -> bytes:
    pl.DataFrame(rows).write_parquet(path)
    return path.read_bytes()


@pytest.fixture
def ds_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Separate caches for both libraries (datasets' Arrow cache; polards' converted files)."""
    monkeypatch.setenv("POLARDS_CACHE", str(tmp_path / "polards_cache"))
    datasets.disable_progress_bars()
    return str(tmp_path / "datasets_cache")


def _same(args: tuple[Any, ...], cache: str, **kwargs: Any) -> tuple[Any, Any]:
    """Load with both libraries (map-style split) and check features and rows agree; returns both."""
    ours = pds.load_dataset(*args, **kwargs)
    theirs = datasets.load_dataset(*args, cache_dir=cache, **kwargs)
    assert ours.features.to_dict() == theirs.features.to_dict()
    assert ours.column_names == theirs.column_names
    assert ours.to_list() == theirs.to_list()
    return ours, theirs


def _same_streaming(args: tuple[Any, ...], **kwargs: Any) -> list[dict[str, Any]]:
    ours = pds.load_dataset(*args, streaming=True, **kwargs)
    theirs = datasets.load_dataset(*args, streaming=True, **kwargs)
    rows = list(theirs)
    assert list(ours) == rows
    assert ours.features is not None and theirs.features is not None
    assert ours.features.to_dict() == theirs.features.to_dict()
    return rows


# --------------------------------------------------------------------------- 1. the card's dataset_info.features
def test_card_features_json_folder(tmp_path: Path, ds_cache: str) -> None:
    """The issue's repro: declared struct field order, a declared-but-absent field is null."""
    folder = _write(tmp_path / "repo", {"README.md": CARD_K, "data.jsonl": '{"k":[{"a":"x","b":1}]}\n'})
    ours, _ = _same((str(folder),), ds_cache, split="train")
    assert ours.to_list() == [{"k": [{"b": 1, "a": "x", "z": None}]}]


def test_card_features_json_missing_column_and_casts(tmp_path: Path, ds_cache: str) -> None:
    card = _card(
        [
            {"name": "label", "dtype": {"class_label": {"names": {"0": "neg", "1": "pos"}}}},
            {"name": "n", "dtype": "string"},
            {"name": "s", "struct": [{"name": "y", "dtype": "float64"}, {"name": "x", "dtype": "int32"}]},
            {"name": "extra", "dtype": "string"},
        ]
    )
    rows = [{"n": 7, "s": {"x": 1, "y": 2}, "label": 1}, {"n": 8, "s": None, "label": 0}]
    folder = _write(tmp_path / "repo", {"README.md": card, "train.jsonl": _jsonl(rows)})
    ours, _ = _same((str(folder),), ds_cache, split="train")
    assert ours.column_names == ["label", "n", "s", "extra"]


def test_card_features_csv_folder(tmp_path: Path, ds_cache: str) -> None:
    card = _card([{"name": "b", "dtype": "string"}, {"name": "a", "dtype": "float32"}])
    folder = _write(tmp_path / "repo", {"README.md": card, "train.csv": "a,b\n1,10\n2,20\n"})
    ours, _ = _same((str(folder),), ds_cache, split="train")
    assert ours[0] == {"b": "10", "a": 1.0}


def test_card_features_parquet_folder(tmp_path: Path, ds_cache: str) -> None:
    card = _card(
        [
            {"name": "id", "dtype": "int32"},
            {
                "name": "m",
                "list": [{"name": "role", "dtype": "string"}, {"name": "content", "dtype": "string"}],
            },
        ]
    )
    data = _parquet({"id": [1, 2], "m": [[{"content": "hi", "role": "user"}], []]}, tmp_path / "x.parquet")
    folder = _write(tmp_path / "repo", {"README.md": card, "data/train-00000-of-00001.parquet": data})
    ours, _ = _same((str(folder),), ds_cache, split="train")
    assert list(ours.features["m"].feature) == ["role", "content"]


def test_card_features_text_folder(tmp_path: Path, ds_cache: str) -> None:
    folder = _write(
        tmp_path / "repo",
        {"README.md": _card([{"name": "text", "dtype": "large_string"}]), "train.txt": "a\nb\n"},
    )
    _same((str(folder),), ds_cache, split="train")


def test_card_features_per_config(tmp_path: Path, ds_cache: str) -> None:
    import yaml

    meta = {
        "configs": [
            {"config_name": "one", "data_files": "one/*.jsonl"},
            {"config_name": "two", "data_files": "two/*.jsonl"},
        ],
        "dataset_info": [
            {"config_name": "one", "features": [{"name": "v", "dtype": "string"}]},
            {"config_name": "two", "features": [{"name": "v", "dtype": "float64"}]},
        ],
    }
    readme = "---\n" + yaml.safe_dump(meta, sort_keys=False) + "---\n"
    folder = _write(
        tmp_path / "repo",
        {"README.md": readme, "one/a.jsonl": '{"v": 1}\n', "two/a.jsonl": '{"v": 1}\n'},
    )
    one, _ = _same((str(folder), "one"), ds_cache, split="train")
    two, _ = _same((str(folder), "two"), ds_cache, split="train")
    assert (one[0], two[0]) == ({"v": "1"}, {"v": 1.0})


def test_card_features_not_used_with_data_files(tmp_path: Path, ds_cache: str) -> None:
    """``datasets`` takes the card's info only without ``data_files=``/``data_dir=`` (and not for a builder)."""
    folder = _write(tmp_path / "repo", {"README.md": CARD_K, "data.jsonl": '{"k":[{"a":"x","b":1}]}\n'})
    ours, _ = _same((str(folder),), ds_cache, split="train", data_files="data.jsonl")
    assert ours.to_list() == [{"k": [{"a": "x", "b": 1}]}]
    _same(("json",), ds_cache, split="train", data_dir=str(folder))


def test_user_features_win_over_card(tmp_path: Path, ds_cache: str) -> None:
    folder = _write(tmp_path / "repo", {"README.md": CARD_K, "data.jsonl": '{"k":[{"a":"x","b":1}]}\n'})
    features = datasets.Features(
        {"k": datasets.List({"a": datasets.Value("string"), "b": datasets.Value("int32")})}
    )
    ours = pds.load_dataset(str(folder), split="train", features=pds.Features.from_dict(features.to_dict()))
    theirs = datasets.load_dataset(str(folder), split="train", features=features, cache_dir=ds_cache)
    assert ours.features.to_dict() == theirs.features.to_dict()
    assert ours.to_list() == theirs.to_list()


def test_card_features_streaming_folder(tmp_path: Path, ds_cache: str) -> None:
    folder = _write(tmp_path / "repo", {"README.md": CARD_K, "data.jsonl": '{"k":[{"a":"x","b":1}]}\n'})
    assert _same_streaming((str(folder),), split="train") == [{"k": [{"b": 1, "a": "x", "z": None}]}]


# --------------------------------------------------------------------------- 2. Json for mixed JSON objects
def test_mixed_keys_become_json(tmp_path: Path, ds_cache: str) -> None:
    """The issue's repro: objects with different keys -> ``Json``, each row's object kept as it was."""
    f = tmp_path / "mixed.jsonl"
    f.write_text('{"id":1,"p":{"a":1}}\n{"id":2,"p":{"b":"x"}}\n')
    ours, _ = _same(("json",), ds_cache, data_files=str(f), split="train")
    assert ours[0] == {"id": 1, "p": {"a": 1}}
    assert ours.features.to_dict()["p"] == {"_type": "Json"}


@pytest.mark.parametrize(
    "rows",
    [
        [{"m": [{"role": "user"}, {"role": "assistant", "tool": {"n": 1}}]}, {"m": []}],  # list items differ
        [{"a": {"x": 1, "y": {"q": 1}}}, {"a": {"x": 2, "y": {"r": [1]}}}],  # nested: only y is Json
        [{"a": {}}, {"a": {}}],  # empty objects
        [{"a": {"x": 1}}, {"a": [1, 2]}],  # object vs list
        [{"a": 1}, {"a": "x"}],  # mixed scalars
        [{"a": {"x": 1, "y": "s"}}, {"a": {"y": "t", "x": 2}}, {"a": None}],  # same keys: a struct
        [{"a": [[{"u": 1}], [{"v": 2}]]}],  # nested lists
    ],
    ids=["list-items", "nested", "empty", "obj-vs-list", "scalars", "same-keys", "nested-lists"],
)
def test_mixed_json_cases(tmp_path: Path, ds_cache: str, rows: list[dict[str, Any]]) -> None:
    f = tmp_path / "x.jsonl"
    f.write_text(_jsonl(rows))
    _same(("json",), ds_cache, data_files=str(f), split="train")


def test_mixed_json_document_and_splits(tmp_path: Path, ds_cache: str) -> None:
    """A records array is looked at once converted; the first split's choice applies to the others."""
    train = tmp_path / "train.json"
    train.write_text(json.dumps([{"p": {"a": 1}}, {"p": {"b": 2}}]))
    test = tmp_path / "test.jsonl"
    test.write_text('{"p": {"a": 5}}\n')
    files = {"train": str(train), "test": str(test)}
    for split in ("train", "test"):
        _same(("json",), ds_cache, data_files=files, split=split)


def test_mixed_json_off_keeps_struct(tmp_path: Path, ds_cache: str) -> None:
    f = tmp_path / "mixed.jsonl"
    f.write_text('{"id":1,"p":{"a":1}}\n{"id":2,"p":{"b":"x"}}\n')
    ours, _ = _same(("json",), ds_cache, data_files=str(f), split="train", on_mixed_types=None)
    assert ours[0] == {"id": 1, "p": {"a": 1, "b": None}}


def test_mixed_json_streaming_local(tmp_path: Path) -> None:
    f = tmp_path / "mixed.jsonl"
    f.write_text('{"id":1,"p":{"a":1}}\n{"id":2,"p":{"b":"x"}}\n')
    assert _same_streaming(("json",), data_files=str(f), split="train")[0] == {"id": 1, "p": {"a": 1}}


def test_card_json_feature_reads_text(tmp_path: Path, ds_cache: str) -> None:
    """A ``Json`` field in the card: each value read as JSON, whatever its keys."""
    card = _card([{"name": "id", "dtype": "int64"}, {"name": "p", "dtype": "json"}])
    rows = [{"id": 1, "p": {"a": 1}}, {"id": 2, "p": {"a": 2}}]
    folder = _write(tmp_path / "repo", {"README.md": card, "train.jsonl": _jsonl(rows)})
    ours, _ = _same((str(folder),), ds_cache, split="train")
    assert ours.features.to_dict()["p"] == {"_type": "Json"}


# --------------------------------------------------------------------------- the same over the Hub emulator
HUB_REPOS: dict[str, dict[str, str]] = {
    "fidelity/card-json": {"README.md": CARD_K, "data.jsonl": '{"k":[{"a":"x","b":1}]}\n{"k":[]}\n'},
    "fidelity/mixed-json": {
        "README.md": "# mixed\n",
        "train.jsonl": '{"id":1,"p":{"a":1}}\n{"id":2,"p":{"b":"x"}}\n{"id":3,"p":null}\n',
    },
    "fidelity/card-csv": {
        "README.md": _card([{"name": "b", "dtype": "string"}, {"name": "a", "dtype": "int32"}]),
        "train.csv": "a,b\n1,10\n2,20\n",
    },
}


@pytest.fixture(scope="module")
def fidelity_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubEmulator]:
    root = tmp_path_factory.mktemp("fidelity_repos")
    for repo, files in HUB_REPOS.items():
        _write(root / repo, files)
    with HubEmulator(root) as emulator:
        yield emulator


@pytest.fixture
def hub_env(fidelity_hub: HubEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> SimpleNamespace:
    env = make_env(fidelity_hub, monkeypatch, tmp_path / "hf_home")
    monkeypatch.setattr(datasets.config, "HF_ENDPOINT", fidelity_hub.endpoint, raising=False)
    datasets.disable_progress_bars()
    env.ds_cache = str(tmp_path / "datasets_cache")
    return env


@pytest.mark.parametrize("repo", sorted(HUB_REPOS))
def test_hub_repo_like_datasets(hub_env: SimpleNamespace, repo: str) -> None:
    _same((repo,), hub_env.ds_cache, split="train")


@pytest.mark.parametrize("repo", ["fidelity/card-json", "fidelity/mixed-json"])
def test_hub_repo_streaming_like_datasets(hub_env: SimpleNamespace, repo: str) -> None:
    _same_streaming((repo,), split="train")


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_card_features_with_other_columns_raise(tmp_path: Path, ds_cache: str, fmt: str) -> None:
    """A card that does not declare every column: both libraries refuse the load (datasets: a CastError inside
    its DatasetGenerationError; polards: CastError, a ValueError)."""
    from polards.exceptions import CastError

    data = "a,b\n1,2\n" if fmt == "csv" else '{"a": 1, "b": 2}\n'
    folder = _write(
        tmp_path / "repo",
        {
            "README.md": _card([{"name": "a", "dtype": "int64"}]),
            "train.csv" if fmt == "csv" else "train.jsonl": data,
        },
    )
    with pytest.raises(datasets.exceptions.DatasetGenerationError):
        datasets.load_dataset(str(folder), split="train", cache_dir=ds_cache)
    with pytest.raises(CastError, match="column names don't match"):
        pds.load_dataset(str(folder), split="train")
