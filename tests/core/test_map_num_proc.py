"""``num_proc``: worker processes over contiguous shards give ``datasets``' rows, in ``datasets``' order."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import datasets
import pytest

import polards as pds
from polards.core import map_workers

datasets.disable_progress_bars()
datasets.disable_caching()


def tagged(batch: dict[str, list[Any]], idx: list[int], rank: int) -> dict[str, list[Any]]:
    return {
        "size": [len(idx)] * len(idx),
        "i": idx,
        "rank": [rank] * len(idx),
        "pid": [os.getpid()] * len(idx),
    }


@pytest.mark.parametrize(("n", "num_proc", "batch_size", "drop_last"), [(10, 3, 3, False), (23, 2, 4, True)])
def test_batched_map_with_indices_and_rank_matches_datasets(
    n: int, num_proc: int, batch_size: int, drop_last: bool
) -> None:
    kw = {
        "batched": True,
        "batch_size": batch_size,
        "with_indices": True,
        "with_rank": True,
        "num_proc": num_proc,
        "drop_last_batch": drop_last,
    }
    table = {"a": list(range(n))}
    ours = pds.Dataset.from_dict(table).map(tagged, **kw)
    theirs = datasets.Dataset.from_dict(table).map(tagged, **kw)
    assert ours.remove_columns("pid").to_list() == theirs.remove_columns("pid").to_list()
    assert len(set(ours["pid"])) == num_proc and os.getpid() not in ours["pid"]  # real worker processes


def test_filter_and_lambdas_in_workers_match_datasets() -> None:
    table = {"a": list(range(17)), "b": [f"x{i}" for i in range(17)]}
    for kw in ({"num_proc": 2}, {"num_proc": 3, "batched": True, "batch_size": 2}):
        ours = pds.Dataset.from_dict(table)
        theirs = datasets.Dataset.from_dict(table)
        if kw.get("batched"):

            def fn(b: dict[str, list[Any]], rank: int) -> list[bool]:
                return [(x + rank) % 2 == 0 for x in b["a"]]
        else:

            def fn(r: dict[str, Any], rank: int) -> bool:  # type: ignore[misc]
                return (r["a"] + rank) % 2 == 0

        assert (
            ours.filter(fn, with_rank=True, **kw).to_list()
            == theirs.filter(fn, with_rank=True, **kw).to_list()
        )
    m = pds.Dataset.from_dict(table).map(lambda r: {"c": r["b"] * 2}, num_proc=2)
    assert m["c"] == [f"x{i}" * 2 for i in range(17)]


def test_worker_exception_keeps_its_type() -> None:
    with pytest.raises(KeyError):
        pds.Dataset.from_dict({"a": [1, 2, 3, 4]}).map(lambda r: {"c": r["nope"]}, num_proc=2).to_list()


def test_num_proc_larger_than_the_dataset_and_empty_dataset() -> None:
    out = pds.Dataset.from_dict({"a": [1, 2]}).map(lambda r: {"c": r["a"]}, num_proc=8)
    assert out["c"] == [1, 2]
    empty = (
        pds.Dataset.from_dict({"a": [1]}).select([]).map(lambda r: {"c": 1}, remove_columns=["a"], num_proc=2)
    )
    assert empty.column_names == [] and len(empty) == 0


def test_shards_are_datasets_contiguous_shards() -> None:
    ds = datasets.Dataset.from_dict({"a": list(range(11))})
    expected = [(s["a"][0], len(s)) for s in (ds.shard(4, i, contiguous=True) for i in range(4))]
    assert map_workers.shard_bounds(11, 4) == expected


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _gone(pids: list[int], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while any(_alive(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _pid(row: dict[str, Any]) -> dict[str, Any]:
    return {"pid": os.getpid()}


def test_workers_are_reused_then_replaced_and_shut_down() -> None:
    ds = pds.Dataset.from_dict({"a": list(range(8))})
    first = set(ds.map(_pid, num_proc=2)["pid"])
    assert set(ds.map(_pid, num_proc=2)["pid"]) == first  # consecutive maps reuse the workers
    assert set(map_workers.worker_pids()) == first
    third = set(ds.map(_pid, num_proc=3)["pid"])  # another size: the idle pool of 2 is shut down
    assert _gone(sorted(first)) and set(map_workers.worker_pids()) == third
    map_workers.shutdown_workers()
    assert map_workers.worker_pids() == [] and _gone(sorted(third))
    assert ds.map(_pid, num_proc=2)["pid"]  # new workers after a shut-down
    map_workers.shutdown_workers()


def test_idle_workers_are_shut_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(map_workers, "IDLE_SECONDS", 0.3)
    pids = sorted(set(pds.Dataset.from_dict({"a": [1, 2, 3]}).map(_pid, num_proc=2)["pid"]))
    assert _gone(pids) and map_workers.worker_pids() == []


def test_no_worker_is_left_at_interpreter_exit(tmp_path: Path) -> None:
    script = tmp_path / "child.py"
    script.write_text(
        "import os\nimport polards as pds\nfrom polards.core import map_workers\n"
        "if __name__ == '__main__':\n"
        "    pds.Dataset.from_dict({'a': [1, 2, 3]}).map(lambda r: {'b': r['a']}, num_proc=2)\n"
        "    from multiprocessing import forkserver\n"
        "    print(*map_workers.worker_pids(), forkserver._forkserver._forkserver_pid)\n"
    )
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=120
    )
    pids = [int(p) for p in out.stdout.split()]
    assert len(pids) == 3 and _gone(pids)
