"""``cache_files`` lists the Arrow files a dataset reads, as ``datasets`` 5.2 does, and ``map(cache_file_name=)``
writes that file at ``map()`` time in ``datasets``' layout (differential against the installed ``datasets``)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import datasets
import pytest

import polards as pds
from polards import logging as pl_logging

datasets.disable_progress_bars()


@pytest.fixture
def polards_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    pl_logging.enable_propagation()
    try:
        with caplog.at_level(logging.INFO, logger="polards"):
            yield caplog
    finally:
        pl_logging.disable_propagation()


def _arrow_files(tmp_path: Path) -> list[str]:
    """Three Arrow stream files written by ``datasets`` itself (its ``map(cache_file_name=)``)."""
    paths = []
    for i, rows in enumerate(([0, 1, 2], [3, 4, 5], [6, 7])):
        path = str(tmp_path / f"dataset{i}.arrow")
        datasets.Dataset.from_dict({"id": rows}).map(cache_file_name=path)
        paths.append(path)
    return paths


def _names(files: list[dict[str, str]]) -> list[str]:
    return [f["filename"] for f in files]


def test_file_backed_datasets_list_the_same_files_as_datasets(tmp_path: Path) -> None:
    paths = _arrow_files(tmp_path)
    for lib in (datasets, pds):
        parts = [lib.Dataset.from_file(p) for p in paths]
        concat = lib.concatenate_datasets(parts)
        shown = {
            "one": _names(parts[0].cache_files),
            "concat": _names(concat.cache_files),
            "select": _names(concat.select([7, 0, 3]).cache_files),
            "rename": _names(parts[1].rename_column("id", "x").cache_files),
            "in_memory": _names(lib.Dataset.from_file(paths[0], in_memory=True).cache_files),
            "from_dict": _names(lib.Dataset.from_dict({"id": [1]}).cache_files),
        }
        if lib is datasets:
            expected = shown
    assert shown == expected
    assert shown["concat"] == paths


def test_map_kept_in_memory_reads_no_file(tmp_path: Path) -> None:
    path = _arrow_files(tmp_path)[0]
    for lib in (datasets, pds):
        ds = lib.Dataset.from_file(path)
        assert ds.map(keep_in_memory=True).cache_files == []
        assert ds.map(lambda r: {"y": r["id"] * 2}, keep_in_memory=True).cache_files == []


def test_a_map_on_a_file_backed_dataset_replaces_its_files(tmp_path: Path) -> None:
    path = _arrow_files(tmp_path)[0]
    for lib in (datasets, pds):
        mapped = lib.Dataset.from_file(path).map(lambda r: {"y": r["id"] * 2})
        files = _names(mapped.cache_files)
        assert len(files) == 1 and files[0] != path and os.path.exists(files[0]), lib
        assert mapped["y"] == [0, 2, 4]


def test_filter_adds_its_file_and_a_rerun_logs_the_cache_hit(
    tmp_path: Path, polards_logs: pytest.LogCaptureFixture
) -> None:
    path = _arrow_files(tmp_path)[0]
    ds = pds.Dataset.from_file(path)
    first = ds.filter(lambda r, i: i < 2, with_indices=True)
    files = first.cache_files  # datasets has written the filter's file by the time filter() returns
    theirs = datasets.Dataset.from_file(path).filter(lambda r, i: i < 2, with_indices=True)
    assert len(files) == len(theirs.cache_files) == 2 and files[0]["filename"] == path
    polards_logs.clear()
    again = ds.filter(lambda r, i: i < 2, with_indices=True)
    assert again.cache_files == files
    assert "Loading cached processed dataset" in polards_logs.text
    assert again["id"] == theirs["id"] == [0, 1]


def test_cleanup_never_deletes_the_files_a_user_gave(tmp_path: Path) -> None:
    path = _arrow_files(tmp_path)[0]
    ds = pds.Dataset.from_file(path)
    mapped = ds.map(lambda r: {"y": 1})
    own = _names(mapped.cache_files)
    assert ds.cleanup_cache_files() == 0 and os.path.exists(path)
    assert mapped.cleanup_cache_files() == 1 and not os.path.exists(own[0]) and os.path.exists(path)


def _invert(x: dict[str, Any]) -> dict[str, Any]:
    return {"labels": [1 - label for label in x["labels"]]}


FEATURES = {"tokens": ["string"], "labels": ["label"]}


def _features(lib: Any) -> Any:
    return lib.Features(
        {
            "tokens": lib.List(lib.Value("string")),
            "labels": lib.List(lib.ClassLabel(names=["negative", "positive"])),
        }
    )


def test_map_with_cache_file_name_writes_datasets_layout_at_map_time(tmp_path: Path) -> None:
    data = {"tokens": [["foo"] * 3] * 4, "labels": [[1] * 3] * 4}
    ours = str(tmp_path / "ours.arrow")
    theirs = str(tmp_path / "theirs.arrow")
    calls: list[int] = []

    def invert(x: dict[str, Any]) -> dict[str, Any]:
        calls.append(1)
        return _invert(x)

    pds.Dataset.from_dict(data, features=_features(pds)).map(invert, cache_file_name=ours)
    assert os.path.exists(ours) and len(calls) == 4  # written now, not at first use
    datasets.Dataset.from_dict(data, features=_features(datasets)).map(_invert, cache_file_name=theirs)
    # each library reads the other's file, ClassLabel included
    read_by_datasets = datasets.Dataset.from_file(ours)
    assert read_by_datasets.features == datasets.Dataset.from_file(theirs).features == _features(datasets)
    assert read_by_datasets.to_dict() == datasets.Dataset.from_file(theirs).to_dict()
    assert pds.Dataset.from_file(theirs).features == _features(pds)
    # an existing file is reused (the function is not called) unless load_from_cache_file=False
    src = pds.Dataset.from_dict(data, features=_features(pds))
    again = src.map(invert, cache_file_name=ours)
    assert len(calls) == 4 and again.cache_files == [{"filename": ours}] and again.features == _features(pds)
    src.map(invert, cache_file_name=ours, load_from_cache_file=False)
    assert len(calls) == 8


def test_map_keeps_the_format_when_it_writes_a_cache_file(tmp_path: Path) -> None:
    for lib in (datasets, pds):
        ds = lib.Dataset.from_dict({"a": [1, 2]}).with_format("numpy")
        out = ds.map(lambda r: {"b": 1}, cache_file_name=str(tmp_path / f"{lib.__name__}.arrow"))
        assert out.format["type"] == "numpy", lib


@pytest.mark.parametrize("function", [None, lambda r: {"foo": "bar"}])
def test_cache_file_name_without_extension_raises_at_the_call(tmp_path: Path, function: Any) -> None:
    messages = []
    for lib in (datasets, pds):
        ds = lib.Dataset.from_dict({"a": [1, 2]})
        with pytest.raises(ValueError, match="Expected cache_file_name to have an extension") as err:
            ds.map(function, cache_file_name=str(tmp_path / "train"))
        messages.append(str(err.value))
    assert messages[0] == messages[1]
