"""Result store: appends, queries, item-by-item comparison, crash safety and concurrent writers."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import polars as pl
import pytest

from polards.exceptions import InvalidArgumentError, ResultStoreError
from polards.toolkit.results import ResultStore, compare_items

WRITER = textwrap.dedent(
    """
    import sys, polars as pl
    from polards.toolkit.results import ResultStore
    root, tag, count, rows = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    store = ResultStore(root)
    for i in range(count):
        items = pl.DataFrame({"id": [f"q{j}" for j in range(rows)], "correct": [(j + i) % 2 == 0 for j in range(rows)],
                              "text": ["x" * 50] * rows})
        store.append(run_id=f"{tag}-{i}", dataset="d", model=tag, metrics={"accuracy": i / max(count, 1)}, items=items)
        print(i, flush=True)
    """
)


def _writer(
    root: Path, tag: str, count: int, rows: int, env: dict[str, str] | None = None
) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root), tag, str(count), str(rows)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def store(tmp_path: Path) -> ResultStore:
    return ResultStore(tmp_path / "results")


def test_append_and_query(store: ResultStore) -> None:
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    a = store.append(
        dataset="openai/gsm8k",
        config="main",
        split="test",
        model="small",
        metrics={"accuracy": 0.4, "f1": 0.5},
        items={"id": ["a", "b"], "correct": [True, False]},
        params={"temperature": 0.0},
        created_at=t0,
    )
    b = store.append(
        dataset="openai/gsm8k",
        config="main",
        split="test",
        model="large",
        metrics={"accuracy": 0.8},
        created_at=t0 + dt.timedelta(days=2),
    )
    c = store.append(
        dataset="cais/mmlu",
        model="large",
        metrics={"accuracy": 0.6, "n": 3},
        created_at=t0 + dt.timedelta(days=3),
    )
    runs = store.runs()
    assert runs["run_id"].to_list() == [a, b, c]
    assert runs.schema["created_at"] == pl.Datetime("us", "UTC")
    assert runs["accuracy"].to_list() == [0.4, 0.8, 0.6]
    assert "metric_n" in runs.columns and runs["n"].to_list() == [
        2,
        None,
        None,
    ]  # metric 'n' does not clobber column n
    assert store.runs(model="large")["run_id"].to_list() == [b, c]
    assert store.runs(dataset="openai/%")["run_id"].to_list() == [a, b]
    assert store.runs(metric="f1")["run_id"].to_list() == [a]
    assert store.runs(since=t0 + dt.timedelta(days=1))["run_id"].to_list() == [b, c]
    assert store.runs(until="2026-01-02T00:00:00")["run_id"].to_list() == [a]
    assert store.run(a)["params"] == {"temperature": 0.0}
    assert store.run("latest")["run_id"] == c and store.resolve("latest~2") == a
    assert store.items(a)["correct"].to_list() == [True, False]
    assert store.items(b).height == 0
    long = store.metrics(model="small")
    assert sorted(long.select("metric", "value").rows()) == [("accuracy", 0.4), ("f1", 0.5)]
    assert store.verify() == []


def test_errors(store: ResultStore) -> None:
    store.append(run_id="r1", metrics={"acc": 1})
    with pytest.raises(ResultStoreError, match="'r1' already"):
        store.append(run_id="r1", metrics={"acc": 1})
    with pytest.raises(ResultStoreError, match="No run 'nope'"):
        store.items("nope")
    with pytest.raises(InvalidArgumentError, match="'acc'"):
        store.append(metrics={"acc": "high"})
    with pytest.raises(InvalidArgumentError, match="run_id"):
        store.append(run_id="../evil")
    store.append(run_id="r10")
    with pytest.raises(ResultStoreError, match="ambiguous"):
        store.resolve("r")
    assert store.resolve("r1") == "r1"  # an exact id wins over a prefix match


def test_compare_items_flips(store: ResultStore) -> None:
    a = store.append(
        items={"id": ["x", "y", "z", "w"], "correct": [True, False, True, True], "q": list("abcd")}
    )
    b = store.append(items={"id": ["z", "y", "x", "v"], "correct": [True, True, False, False]})
    table = store.compare(a, b)
    assert dict(table.select("key", "change").iter_rows()) == {
        "x": "lost",
        "y": "gained",
        "z": "same",
        "w": "only_a",
        "v": "only_b",
    }
    assert "q" not in table.columns  # only columns present in both runs are carried
    assert store.compare_summary(a, b) == {"gained": 1, "lost": 1, "same": 1, "only_a": 1, "only_b": 1}


def test_compare_by_position_and_errors() -> None:
    a = pl.DataFrame({"score": [0.1, 0.5]})
    b = pl.DataFrame({"score": [0.3, 0.5]})
    assert compare_items(a, b)["change"].to_list() == ["gained", "same"]
    with pytest.raises(InvalidArgumentError, match="score="):
        compare_items(pl.DataFrame({"t": ["a"]}), pl.DataFrame({"t": ["b"]}))
    with pytest.raises(InvalidArgumentError, match="duplicate"):
        compare_items(pl.DataFrame({"id": [1, 1], "score": [1, 2]}), pl.DataFrame({"id": [1], "score": [1]}))


def test_append_eval_result_record(store: ResultStore) -> None:
    class Record:  # duck-typed like polards.eval's result record
        metrics = {"exact_match": 0.5, "rouge": {"rouge1": 0.25}}
        n = 2
        per_item = pl.DataFrame({"exact_match": [1.0, 0.0]})
        timings = {"total": 0.1}

    run = store.append(Record(), dataset="d", model="m")
    got = store.run(run)
    assert got["metrics"] == {"exact_match": 0.5, "rouge.rouge1": 0.25}
    assert got["n"] == 2 and got["timings"] == {"total": 0.1}
    assert store.items(run)["exact_match"].to_list() == [1.0, 0.0]


@pytest.mark.parametrize("point", ["mid_items", "after_items", "before_commit"])
def test_crash_at_each_step_leaves_earlier_runs_intact(tmp_path: Path, point: str) -> None:
    root = tmp_path / "r"
    first = _writer(root, "ok", 3, 100)
    assert first.wait(60) == 0, first.stderr.read()
    crashed = _writer(root, "dead", 1, 50_000, env={"POLARDS_RESULTS_CRASH_AT": point})
    assert crashed.wait(60) == 86
    store = ResultStore(root)
    assert store.runs()["run_id"].to_list() == ["ok-0", "ok-1", "ok-2"]
    assert store.verify() == []
    assert all(store.items(r, verify=True).height == 100 for r in ("ok-0", "ok-1", "ok-2"))
    removed = [p.name for p in store.gc(older_than=0)]
    expected = "dead-0.parquet" if point in ("after_items", "before_commit") else ".tmp-dead-0-"
    assert len(removed) == 1 and removed[0].startswith(expected)  # only the dead writer's leftover
    assert sorted(p.name for p in store.items_dir.iterdir()) == [f"ok-{i}.parquet" for i in range(3)]
    store.append(run_id="dead-0", items={"x": [1]})  # the id of the dead run is free again


def test_sigkill_at_random_moments(tmp_path: Path) -> None:
    root = tmp_path / "r"
    assert _writer(root, "base", 2, 10).wait(60) == 0
    for attempt, delay in enumerate([0.05, 0.3, 0.6, 0.9, 1.2]):
        proc = _writer(root, f"k{attempt}", 50, 20_000)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        store = ResultStore(root)
        assert store.verify() == [], attempt
        ids = store.runs()["run_id"].to_list()
        assert ids[:2] == ["base-0", "base-1"]
        for run in ids:  # every visible run is complete
            items = store.items(run, verify=True)
            assert items.height in (10, 20_000)


def test_concurrent_appends_from_processes(tmp_path: Path) -> None:
    root = tmp_path / "r"
    ResultStore(root)
    procs = [_writer(root, f"p{i}", 8, 200) for i in range(4)]
    for p in procs:
        assert p.wait(120) == 0, p.stderr.read()
    store = ResultStore(root)
    runs = store.runs()
    assert runs.height == 32 and runs["run_id"].n_unique() == 32
    assert store.verify() == []
    assert sorted(store.runs(model="p2")["run_id"]) == sorted(f"p2-{i}" for i in range(8))
    assert store.items("p3-7").height == 200


def test_same_run_id_from_two_writers_never_clobbers(tmp_path: Path) -> None:
    root = tmp_path / "r"
    ResultStore(root)
    procs = [_writer(root, "same", 1, 5_000) for _ in range(3)]
    codes = [p.wait(120) for p in procs]
    assert codes.count(0) == 1  # exactly one writer owns run "same-0"; the others fail cleanly
    store = ResultStore(root)
    assert store.runs()["run_id"].to_list() == ["same-0"]
    assert store.verify() == []
