"""Data-files rules on path lists (no network)."""

from __future__ import annotations

import pytest

from polards.exceptions import ConfigNotFoundError, DataFilesNotFoundError
from polards.hub.resolve import (
    convention_splits,
    convert_parquet_configs,
    glob_to_regex,
    infer_format,
    pick_config,
    resolve_configs,
)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            ["data/train-00000-of-00001.parquet", "data/test-00000-of-00001.parquet"],
            {"train": ["data/train-00000-of-00001.parquet"], "test": ["data/test-00000-of-00001.parquet"]},
        ),
        (["data/random-00000-of-00001.parquet"], {"random": ["data/random-00000-of-00001.parquet"]}),
        (
            ["train.jsonl.gz", "dev.jsonl.gz", "eval.jsonl.gz"],
            {"train": ["train.jsonl.gz"], "validation": ["dev.jsonl.gz"], "test": ["eval.jsonl.gz"]},
        ),
        (
            ["training/a.csv", "val/b.csv", "testing/c.csv"],
            {"train": ["training/a.csv"], "validation": ["val/b.csv"], "test": ["testing/c.csv"]},
        ),
        (["my_train_file.txt", "my-test.txt"], {"train": ["my_train_file.txt"], "test": ["my-test.txt"]}),
        (["stuff.parquet", "more.parquet"], {"train": ["more.parquet", "stuff.parquet"]}),
        (["README.md", ".gitattributes", "script.py", "x.parquet"], {"train": ["x.parquet"]}),
        (["trainer/notes.csv"], {"train": ["trainer/notes.csv"]}),
    ],
)
def test_conventions(files: list[str], expected: dict[str, list[str]]) -> None:
    assert convention_splits(files) == expected


def test_split_keyword_needs_separator() -> None:
    # "contest" contains "test" but not as a word: everything goes to train
    assert convention_splits(["contest.csv", "b.csv"]) == {"train": ["b.csv", "contest.csv"]}


def test_yaml_configs_order_default_and_data_dir() -> None:
    files = [
        "main/train-0.parquet",
        "main/test-0.parquet",
        "soc/train-0.parquet",
        "x/en/train.jsonl",
        "x/en/dev.jsonl",
    ]
    card = {
        "configs": [
            {
                "config_name": "main",
                "data_files": [
                    {"split": "train", "path": "main/train-*"},
                    {"split": "test", "path": ["main/test-*"]},
                ],
            },
            {"config_name": "soc", "data_files": "soc/*.parquet", "default": True},
            {"config_name": "en", "data_dir": "x/en"},
            {"config_name": "en2", "data_dir": "x/en", "data_files": {"train": "train.jsonl"}},
        ]
    }
    cfgs = resolve_configs(files, card)
    assert [c.name for c in cfgs] == ["main", "soc", "en", "en2"]
    assert cfgs[0].splits == {"train": ["main/train-0.parquet"], "test": ["main/test-0.parquet"]}
    assert cfgs[1].splits == {"train": ["soc/train-0.parquet"]} and cfgs[1].default
    assert cfgs[2].splits == {"train": ["x/en/train.jsonl"], "validation": ["x/en/dev.jsonl"]}
    assert cfgs[2].format == "json"
    assert cfgs[3].splits == {"train": ["x/en/train.jsonl"]}
    assert pick_config(cfgs, None, "r").name == "soc"
    with pytest.raises(ConfigNotFoundError, match="(?s)'mian'.*did you mean 'main'"):
        pick_config(cfgs, "mian", "r")


def test_yaml_pattern_without_match_names_split() -> None:
    card = {"configs": [{"config_name": "a", "data_files": [{"split": "test", "path": "nope/*"}]}]}
    with pytest.raises(DataFilesNotFoundError, match="'test'.*nope"):
        resolve_configs(["x.parquet"], card)


def test_missing_config_name_lists_configs() -> None:
    card = {"configs": [{"config_name": "a", "data_files": "a/*"}, {"config_name": "b", "data_files": "b/*"}]}
    cfgs = resolve_configs(["a/train-0.parquet", "b/train-0.parquet"], card)
    with pytest.raises(ConfigNotFoundError, match=r"pick one.*\['a', 'b'\]"):
        pick_config(cfgs, None, "owner/repo")


def test_folders_are_one_default_config_and_named_folders_load() -> None:
    files = ["a/train-0.parquet", "a/test-0.parquet", "b/train-0.parquet"]
    cfgs = resolve_configs(files)
    assert [(c.name, c.splits) for c in cfgs] == [
        ("default", {"train": ["a/train-0.parquet", "b/train-0.parquet"], "test": ["a/test-0.parquet"]})
    ]
    assert pick_config(cfgs, "b", "r", files).splits == {"train": ["b/train-0.parquet"]}
    with pytest.raises(ConfigNotFoundError):
        pick_config(cfgs, "c", "r", files)
    yaml_cfgs = resolve_configs(files, {"configs": [{"config_name": "x", "data_files": "a/*"}]})
    with pytest.raises(ConfigNotFoundError):  # a configs: block is authoritative
        pick_config(yaml_cfgs, "b", "r", files)


def test_convert_parquet_layout() -> None:
    cfgs = convert_parquet_configs(
        [
            "default/train/0000.parquet",
            "default/train/0001.parquet",
            "other/partial-test/0000.parquet",
            "x.txt",
        ],
        "refs/convert/parquet",
    )
    assert [(c.name, c.splits) for c in cfgs] == [
        ("default", {"train": ["default/train/0000.parquet", "default/train/0001.parquet"]}),
        ("other", {"test": ["other/partial-test/0000.parquet"]}),
    ]


def test_glob_semantics() -> None:
    assert glob_to_regex("**").match("a/b/c.txt")
    assert glob_to_regex("**/x.txt").match("x.txt")
    assert not glob_to_regex("data/*.csv").match("data/sub/a.csv")
    assert glob_to_regex("data/[!a]*.csv").match("data/b.csv")
    assert not glob_to_regex("data/[!a]*.csv").match("data/a.csv")


def test_infer_format_majority() -> None:
    assert infer_format(["a.jsonl", "b.jsonl.gz", "c.csv"]) == "json"
    assert infer_format(["a/x.png", "b.jpg"]) == "imagefolder"
    with pytest.raises(DataFilesNotFoundError):
        infer_format(["README.md"])
