"""``num_proc`` maps and filters run their workers at the call, as ``datasets``: a worker that dies raises
``datasets``' RuntimeError there, and the pool is announced at INFO."""

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


def _crash(row: dict[str, Any]) -> dict[str, Any]:
    os.kill(os.getpid(), 9)
    return row


def test_a_dying_worker_raises_datasets_error_at_map_time() -> None:
    messages = []
    for lib in (datasets, pds):
        ds = lib.Dataset.from_dict({"a": list(range(6))})
        with pytest.raises(RuntimeError) as err:
            ds.map(_crash, num_proc=2)  # nothing else: the error comes from map() itself
        messages.append(str(err.value))
    assert messages[0] == messages[1]
    # the pool is replaced: the next num_proc map works
    assert pds.Dataset.from_dict({"a": [1, 2, 3]}).map(lambda r: {"b": r["a"]}, num_proc=2)["b"] == [1, 2, 3]


def _touch(folder: str) -> Any:
    def fn(row: dict[str, Any]) -> bool:
        Path(folder, f"{os.getpid()}-{row['a']}").touch()
        return True

    return fn


def test_num_proc_steps_run_at_the_call(tmp_path: Path) -> None:
    for kind in ("map", "filter"):
        out = tmp_path / kind
        out.mkdir()
        ds = pds.Dataset.from_dict({"a": list(range(5))})
        fn = _touch(str(out))
        getattr(ds, kind)(fn if kind == "filter" else (lambda r, f=fn: {"ok": f(r)}), num_proc=2)
        assert len(os.listdir(out)) == 5, kind  # the rows were processed before any use of the result


@pytest.fixture
def polards_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    pl_logging.enable_propagation()
    try:
        with caplog.at_level(logging.INFO, logger="polards"):
            yield caplog
    finally:
        pl_logging.disable_propagation()


def test_spawning_is_logged_like_datasets(polards_logs: pytest.LogCaptureFixture) -> None:
    pds.Dataset.from_dict({"a": list(range(9))}).map(lambda r: {"b": 1}, num_proc=3)
    assert "Spawning 3 processes" in polards_logs.text


def _from_file(lib: Any, folder: Path) -> Any:
    path = str(folder / "data.arrow")
    if not os.path.exists(path):
        datasets.Dataset.from_dict({"a": list(range(8))}).map(cache_file_name=path)
    return lib.Dataset.from_file(path)


def test_num_proc_results_are_cached_as_datasets_shard_files(
    tmp_path: Path, polards_logs: pytest.LogCaptureFixture
) -> None:
    ours_dir, theirs_dir = tmp_path / "ours", tmp_path / "theirs"
    ours_dir.mkdir()
    theirs_dir.mkdir()
    calls = tmp_path / "calls"
    calls.mkdir()
    fn = _touch(str(calls))

    def run(lib: Any, folder: Path, num_proc: int | None) -> Any:
        return _from_file(lib, folder).map(lambda r, f=fn: {"ok": f(r)}, num_proc=num_proc)

    ours = run(pds, ours_dir, 2)
    theirs = run(datasets, theirs_dir, 2)
    names = [os.path.basename(f["filename"]) for f in ours.cache_files]
    assert (
        [n.split("_", 1)[1] for n in names]
        == [os.path.basename(f["filename"]).split("_", 1)[1] for f in theirs.cache_files]
        == ["00000_of_00002.arrow", "00001_of_00002.arrow"]
    )
    assert all(os.path.dirname(f["filename"]) == str(ours_dir) for f in ours.cache_files)  # beside the data
    assert ours["ok"] == [True] * 8
    # another num_proc (or none) reuses the shards: the function does not run again
    done = len(os.listdir(calls))
    polards_logs.clear()
    again = run(pds, ours_dir, None)
    assert again.cache_files == ours.cache_files and len(os.listdir(calls)) == done
    assert (
        "Loading cached processed dataset at" in polards_logs.text
        and "_*_of_00002.arrow" in polards_logs.text
    )
    # a missing shard is recomputed alone, in this process without num_proc
    os.remove(ours.cache_files[1]["filename"])
    polards_logs.clear()
    remapped = run(pds, ours_dir, None)
    assert remapped.cache_files == ours.cache_files and remapped["ok"] == [True] * 8
    assert "Reprocessing 1/2 shards because some of them were missing from the cache." in polards_logs.text
    assert "Spawning" not in polards_logs.text
    assert len(os.listdir(calls)) == done + 4  # the 4 rows of the missing shard, run here


def test_num_proc_one_runs_in_one_worker_like_datasets(polards_logs: pytest.LogCaptureFixture) -> None:
    pids = pds.Dataset.from_dict({"a": [1, 2]}).map(lambda r: {"pid": os.getpid()}, num_proc=1)["pid"]
    assert len(set(pids)) == 1 and pids[0] != os.getpid()
    assert "Spawning 1 processes" in polards_logs.text
