"""``IterableDataset.state_dict``/``load_state_dict`` (resumable iteration) and ``Dataset.from_file``, against
the real ``datasets`` as oracle: the rows after a resume equal the rows ``datasets`` gives after its resume."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import datasets
import numpy as np
import polars as pl
import pyarrow as pa
import pytest

from polards import Dataset, IterableDataset
from polards.exceptions import InvalidArgumentError, MalformedFileError

N = 23
DATA = {"a": list(range(N)), "b": [f"s{i}" for i in range(N)]}


def even(ex: dict[str, Any]) -> bool:
    return ex["a"] % 2 == 0


def plus(ex: dict[str, Any]) -> dict[str, Any]:
    return {"c": ex["a"] * 10}


def double_rows(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {"a": batch["a"] * 2, "b": batch["b"] * 2}


PIPELINES: dict[str, Callable[[Any], Any]] = {
    "plain": lambda ds: ds,
    "filter": lambda ds: ds.filter(even),
    "map": lambda ds: ds.map(plus),
    "batched_map": lambda ds: ds.map(double_rows, batched=True, batch_size=4),
    "select": lambda ds: ds.select_columns(["a"]),
    "skip_take": lambda ds: ds.skip(3).take(15),
}


def _build(lib: Any, num_shards: int, pipeline: str) -> Any:
    return PIPELINES[pipeline](lib.Dataset.from_dict(DATA).to_iterable_dataset(num_shards=num_shards))


def _resume_rows(lib: Any, num_shards: int, pipeline: str, consume: int) -> tuple[list[Any], list[Any]]:
    ds = _build(lib, num_shards, pipeline)
    it = iter(ds)
    seen = [next(it) for _ in range(consume)]
    state = json.loads(json.dumps(ds.state_dict()))  # a checkpoint survives serialisation
    again = _build(lib, num_shards, pipeline)
    again.load_state_dict(state)
    return seen, list(again)


@pytest.mark.parametrize("pipeline", list(PIPELINES))
@pytest.mark.parametrize("num_shards", [1, 3])
@pytest.mark.parametrize("consume", [0, 1, 5, 8])
def test_resume_matches_datasets(pipeline: str, num_shards: int, consume: int) -> None:
    ours = _resume_rows(__import__("polards"), num_shards, pipeline, consume)
    theirs = _resume_rows(datasets, num_shards, pipeline, consume)
    assert ours == theirs
    full = list(_build(__import__("polards"), num_shards, pipeline))
    assert ours[0] + ours[1] == full


def test_resume_after_whole_epoch_yields_nothing() -> None:
    ds = Dataset.from_dict(DATA).to_iterable_dataset(num_shards=3)
    assert len(list(ds)) == N
    again = Dataset.from_dict(DATA).to_iterable_dataset(num_shards=3)
    again.load_state_dict(ds.state_dict())
    assert list(again) == []


def test_state_counts_batches_of_iter() -> None:
    ds = Dataset.from_dict(DATA).to_iterable_dataset(num_shards=3)
    it = ds.iter(batch_size=5)
    first = [next(it)["a"] for _ in range(2)]
    again = Dataset.from_dict(DATA).to_iterable_dataset(num_shards=3)
    again.load_state_dict(ds.state_dict())
    assert first == [list(range(5)), list(range(5, 10))]
    assert [r["a"] for r in again] == list(range(10, N))


def test_state_is_shard_position_for_expression_pipelines() -> None:
    ds = Dataset.from_dict(DATA).to_iterable_dataset(num_shards=3).filter(pl.col("a") > 2)
    it = iter(ds)
    rows = [next(it)["a"] for _ in range(6)]
    state = ds.state_dict()
    assert rows == [3, 4, 5, 6, 7, 8]
    assert (state["mode"], state["shard_idx"], state["shard_example_idx"]) == (
        "shard",
        1,
        1,
    )  # shard 1 = 8..14 (datasets' contiguous shards: the first one takes the extra row)
    again = Dataset.from_dict(DATA).to_iterable_dataset(num_shards=3).filter(pl.col("a") > 2)
    again.load_state_dict(state)
    assert [r["a"] for r in again] == list(range(9, N))


def test_generator_shards_resume() -> None:
    def gen(shards: list[int]) -> Any:
        for s in shards:
            for i in range(4):
                yield {"a": s * 10 + i}

    def build() -> IterableDataset:
        return IterableDataset.from_generator(gen, gen_kwargs={"shards": [0, 1, 2]})

    ds = build()
    it = iter(ds)
    _ = [next(it) for _ in range(6)]
    again = build()
    again.load_state_dict(ds.state_dict())
    assert [r["a"] for r in again] == [12, 13, 20, 21, 22, 23]


def test_load_persists_for_each_iteration_of_that_epoch() -> None:
    ds = Dataset.from_dict(DATA).to_iterable_dataset()
    it = iter(ds)
    _ = [next(it) for _ in range(20)]
    again = Dataset.from_dict(DATA).to_iterable_dataset()
    again.load_state_dict(ds.state_dict())
    assert [r["a"] for r in again] == [20, 21, 22]
    assert [r["a"] for r in again] == [20, 21, 22]  # as datasets: the starting state stays
    again.set_epoch(1)
    assert len(list(again)) == N  # another epoch starts at its beginning


def test_seeded_shuffle_resumes_exactly() -> None:
    def build() -> IterableDataset:
        return Dataset.from_dict(DATA).to_iterable_dataset(num_shards=3).shuffle(seed=7, buffer_size=5)

    full = [r["a"] for r in build()]
    ds = build()
    it = iter(ds)
    seen = [next(it)["a"] for _ in range(9)]
    again = build()
    again.load_state_dict(ds.state_dict())
    assert seen + [r["a"] for r in again] == full


def test_state_of_another_pipeline_is_refused() -> None:
    ds = Dataset.from_dict(DATA).to_iterable_dataset(num_shards=3)
    it = iter(ds)
    next(it)
    state = ds.state_dict()
    with pytest.raises(InvalidArgumentError, match="another pipeline"):
        Dataset.from_dict(DATA).to_iterable_dataset(num_shards=2).load_state_dict(state)
    with pytest.raises(InvalidArgumentError, match="another pipeline"):
        Dataset.from_dict(DATA).to_iterable_dataset(num_shards=3).filter(even).load_state_dict(state)
    unseeded = Dataset.from_dict(DATA).to_iterable_dataset().shuffle()
    next(iter(unseeded))
    with pytest.raises(InvalidArgumentError, match="shuffle_seed"):
        Dataset.from_dict(DATA).to_iterable_dataset().shuffle().load_state_dict(unseeded.state_dict())
    with pytest.raises(InvalidArgumentError, match="missing"):
        ds.load_state_dict({"examples_iterable": {}, "epoch": 0})


# ------------------------------------------------------------------------------------------------ from_file
@pytest.fixture(scope="module")
def arrow_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Any]:
    features = datasets.Features(
        {
            "tokens": datasets.List(datasets.Value("string")),
            "labels": datasets.List(datasets.ClassLabel(names=["negative", "positive"])),
            "answers": {"text": datasets.List(datasets.Value("string"))},
            "id": datasets.Value("int64"),
        }
    )
    n = 7
    ref = datasets.Dataset.from_dict(
        {
            "tokens": [["foo", str(i)] for i in range(n)],
            "labels": [[i % 2] for i in range(n)],
            "answers": [{"text": [f"t{i}"]} for i in range(n)],
            "id": list(range(n)),
        },
        features=features,
    )
    path = str(tmp_path_factory.mktemp("from_file") / "file.arrow")
    ref.map(cache_file_name=path)  # datasets writes its cache file (an Arrow stream with its features)
    return path, ref


@pytest.mark.parametrize("in_memory", [False, True])
def test_from_file_matches_datasets(arrow_file: tuple[str, Any], in_memory: bool) -> None:
    path, ref = arrow_file
    theirs = datasets.Dataset.from_file(path, in_memory=in_memory)
    ours = Dataset.from_file(path, in_memory=in_memory)
    assert ours.features.to_dict() == ref.features.to_dict()
    assert ours.to_list() == theirs.to_list()
    assert ours.cache_files == theirs.cache_files
    assert ours.filter(pl.col("id") > 3)["id"] == [4, 5, 6]


def test_from_file_memory_map_reads_nothing_up_front(arrow_file: tuple[str, Any]) -> None:
    import gc

    gc.collect()
    before = pa.total_allocated_bytes()
    ds = Dataset.from_file(arrow_file[0])
    assert pa.total_allocated_bytes() - before <= 0
    assert len(ds) == 7


def test_from_file_indices_and_split(arrow_file: tuple[str, Any], tmp_path: Any) -> None:
    path, _ = arrow_file
    indices = str(tmp_path / "indices.arrow")
    table = pa.table({"indices": pa.array(np.array([5, 0, 2], dtype=np.uint64))})
    with pa.OSFile(indices, "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    theirs = datasets.Dataset.from_file(path, indices_filename=indices, split="train")
    ours = Dataset.from_file(path, indices_filename=indices, split="train")
    assert ours.to_list() == theirs.to_list()
    assert ours.split == "train"


def test_from_file_of_save_to_disk_shard(tmp_path: Any) -> None:
    datasets.Dataset.from_dict({"x": [1.5, 2.5]}).save_to_disk(str(tmp_path / "saved"))
    shard = next(f for f in os.listdir(tmp_path / "saved") if f.endswith(".arrow"))
    assert Dataset.from_file(str(tmp_path / "saved" / shard))["x"] == [1.5, 2.5]


def test_from_file_refuses_a_non_stream_file(tmp_path: Any) -> None:
    bad = tmp_path / "x.arrow"
    bad.write_bytes(b"not arrow at all")
    with pytest.raises(MalformedFileError, match="x.arrow"):
        Dataset.from_file(str(bad))
