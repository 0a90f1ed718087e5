"""Ray Data on a local 2-CPU cluster started here: to_ray pipelines equal single-process results, a killed
worker is retried, and from_ray round-trips. Slow (Ray start-up alone takes ~30 s on 2 cores)."""

from __future__ import annotations

import os
import pathlib
from collections.abc import Iterator

import polars as pl
import pytest

import polards as pds
from polards.distributed import from_ray, map_batches, split_dataset_by_node, to_ray
from polards.exceptions import NotDistributableError

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'polards[ray]')")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        log_to_driver=False,
        logging_level="ERROR",
        configure_logging=False,
    )
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    # task-based shuffles: the default actor-based one takes ~20 s to spin up on a 2-CPU box
    ctx.shuffle_strategy = ray.data.context.ShuffleStrategy.SORT_SHUFFLE_PULL_BASED
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    root = tmp_path_factory.mktemp("ray-parquet")
    paths = []
    for k in range(3):
        n = 40 + 7 * k
        frame = pl.DataFrame(
            {"id": list(range(k * 100, k * 100 + n)), "text": [f"row {k}-{i}" for i in range(n)]}
        )
        path = root / f"part-{k}.parquet"
        frame.write_parquet(path)
        paths.append(str(path))
    return paths


def _rows(ds: pds.Dataset) -> list[dict]:
    return ds.to_list()


def test_row_local_pipeline_over_files_equals_single_process(cluster: None, files: list[str]) -> None:
    ds = (
        pds.Dataset.from_parquet(files)
        .filter(pl.col("id") % 3 != 0)
        .map({"n": pl.col("text").str.len_chars()})
        .rename_column("text", "t")
        .map(lambda r: {"tag": r["t"].upper()})
        .filter(lambda r: r["n"] > 7)
    )
    rds = ds.to_ray()
    assert sorted(rds.input_files()) == sorted(files)  # one read task per source file
    assert _rows(from_ray(rds)) == _rows(ds)
    # ds's Python map results are now in polards' map cache: each read task must still compute its own file
    assert _rows(from_ray(ds.to_ray())) == _rows(ds)


def test_global_steps_become_ray_operations(cluster: None, files: list[str]) -> None:
    base = pds.Dataset.from_parquet(files).map({"k": pl.col("id") % 5})
    by_k = base.sort(["k", "id"], reverse=[True, False])
    assert _rows(from_ray(by_k.to_ray())) == _rows(by_k)
    shuffled = base.shuffle(seed=7).map({"j": pl.col("id") * 2})
    assert sorted(from_ray(shuffled.to_ray())["j"]) == sorted(shuffled["j"])
    taken = base.take(50)
    assert _rows(from_ray(taken.to_ray())) == _rows(taken)
    with pytest.raises(NotDistributableError, match="SELECT"):
        base.sort("id").select([5, 1]).to_ray()


def test_in_memory_and_concatenated_sources(cluster: None, files: list[str]) -> None:
    mem = pds.Dataset.from_dict({"id": list(range(1000)), "text": ["x"] * 1000})
    assert _rows(from_ray(mem.filter(pl.col("id") > 990).to_ray(num_blocks=4))) == _rows(
        mem.filter(pl.col("id") > 990)
    )
    # Polars writes large strings: a from_dict string column must be cast to concatenate (as in datasets)
    small = mem.filter(pl.col("id") < 5).cast_column("text", pds.Value("large_string"))
    both = pds.concatenate_datasets([pds.Dataset.from_parquet(files[:1]), small]).map({"z": pl.col("id") + 1})
    assert _rows(from_ray(both.to_ray())) == _rows(both)


def test_iterable_dataset_reads_one_task_per_shard(cluster: None, files: list[str]) -> None:
    it = pds.IterableDataset.from_shards([pl.scan_parquet(f) for f in files])
    it = it.filter(pl.col("id") % 2 == 0).map(lambda r: {"len": len(r["text"])}).take(60)
    assert from_ray(it.to_ray()).to_list() == it.to_list()
    shards = pds.IterableDataset.from_shards([pl.scan_parquet(f) for f in files])
    rank = split_dataset_by_node(shards, 1, 3).map({"n": pl.col("id") + 1})  # shard-wise: this rank's file
    assert from_ray(rank.to_ray()).to_list() == rank.to_list()
    mixed = shards.shuffle(seed=4, buffer_size=16)
    assert sorted(from_ray(mixed.to_ray())["id"]) == sorted(r["id"] for r in mixed)


def test_map_batches_survives_a_killed_worker_and_keeps_order(cluster: None, tmp_path: pathlib.Path) -> None:
    marker = tmp_path / "killed-once"
    ds = pds.Dataset.from_dict({"q": [f"question {i}" for i in range(400)]})

    def grade(batch: dict) -> dict:
        (tmp_path / f"pid-{os.getpid()}").touch()
        if "question 200" in batch["q"] and not marker.exists():
            marker.write_text("x")
            os._exit(1)  # the worker process dies mid-task; Ray must retry the task elsewhere
        return {"q": batch["q"], "score": [len(q) for q in batch["q"]]}

    out = map_batches(ds, grade, batch_size=50, concurrency=2)
    assert marker.exists()
    assert len(list(tmp_path.glob("pid-*"))) >= 2  # the dead worker and at least one other ran batches
    assert out.to_list() == ds.map(grade, batched=True, batch_size=50).to_list()


def test_from_ray_round_trip(cluster: None) -> None:
    rds = ray.data.from_items([{"a": i, "b": [i, i + 1], "c": None if i % 2 else f"s{i}"} for i in range(20)])
    ds = from_ray(rds)
    assert ds.to_list() == rds.take_all()
    again = from_ray(ds.to_ray())
    assert again.to_list() == ds.to_list()
    assert pds.from_ray(rds.filter(lambda r: r["a"] > 100)).column_names == ["a", "b", "c"]


def test_row_selections_run_exactly_inside_the_read_tasks(cluster: None, files: list[str]) -> None:
    base = pds.Dataset.from_parquet(files).filter(pl.col("id") % 4 != 1).map({"k": pl.col("id") % 7})
    n = len(base)
    cases = {
        "select unordered": base.select([n - 1, 0, 57, 3, 3, 80]),
        "skip": base.skip(33),
        "shard strided": base.shard(3, 2, contiguous=False),
        "split_dataset_by_node": split_dataset_by_node(base, 1, 3),
        "train_test_split": base.train_test_split(test_size=0.3, seed=1)["test"],
        "interleave": pds.interleave_datasets(
            [base, base.filter(pl.col("k") == 1)], probabilities=[0.5, 0.5], seed=2
        ),
        "empty": base.select([]),
    }
    for name, ds in cases.items():
        assert _rows(from_ray(to_ray(ds))) == _rows(ds), name
