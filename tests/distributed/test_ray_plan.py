"""Ray stays optional, and plans that cannot be distributed fail before Ray is involved (fast, no cluster)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import polars as pl
import pytest

import polards as pds
from polards.distributed.ray import plan_stages
from polards.exceptions import MissingDependencyError, NotDistributableError


def _run(code: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr


def test_importing_polards_and_using_datasets_never_imports_ray() -> None:
    _run("""
        import sys, polars as pl, polards as pds
        ds = pds.Dataset.from_dict({"a": [1, 2, 3]}).filter(pl.col("a") > 1)
        assert ds["a"] == [2, 3]
        from polards.distributed import split_dataset_by_node, map_batches, to_ray, from_ray
        assert split_dataset_by_node(ds, 0, 2)["a"] == [2]
        assert pds.from_ray is from_ray and ds.to_ray
        assert "ray" not in sys.modules, sorted(m for m in sys.modules if m.startswith("ray"))
    """)


def test_without_ray_installed_to_ray_names_the_extra() -> None:
    _run("""
        import sys
        sys.modules["ray"] = None  # as if not installed
        import polards as pds
        from polards.exceptions import MissingDependencyError
        try:
            pds.Dataset.from_dict({"a": [1]}).to_ray()
        except MissingDependencyError as e:
            assert "polards[ray]" in str(e)
        else:
            raise AssertionError("no error")
    """)
    assert issubclass(MissingDependencyError, ImportError)


@pytest.fixture
def ds() -> pds.Dataset:
    return pds.Dataset.from_dict({"a": list(range(10)), "b": [str(i) for i in range(10)]})


@pytest.mark.parametrize(
    ("make", "culprit"),
    [
        (lambda d: d.sort("a").select([3, 1, 2]), "SELECT"),
        (lambda d: d.sort("a").skip(2), "SLICE"),
        (lambda d: d.map(lambda r, i: {"c": i}, with_indices=True), "with_indices"),
        (lambda d: d.with_columns(c=pl.col("a") - pl.col("a").mean()), "looks at more than one row"),
        (lambda d: d.with_columns(c=pl.col("a").cum_sum()), "cum_sum"),
        (lambda d: d.batch(3), "batch(3)"),
        (lambda d: pds.interleave_datasets([d, d]).sort("a").select([1, 0]), "SELECT"),
        (lambda d: d.add_column("z", list(range(10))), "axis=1"),
        (lambda d: pds.concatenate_datasets([d.select([1, 0]), d]), "inside a concatenated dataset"),
    ],
)
def test_steps_without_a_distributed_equivalent_raise_naming_the_step(
    ds: pds.Dataset, make: object, culprit: str
) -> None:
    with pytest.raises(NotDistributableError, match="Cannot distribute") as err:
        plan_stages(make(ds)._plan)  # type: ignore[operator]
    assert culprit in str(err.value)


def test_row_local_steps_run_in_the_read_tasks_and_global_steps_map_to_ray(ds: pds.Dataset) -> None:
    local = (
        ds.filter(pl.col("a") > 2)
        .map({"c": pl.col("a") * 2})
        .rename_column("b", "s")
        .map(lambda r: {"d": r["s"] * 2})
    )
    stages = plan_stages(local._plan)
    assert stages.head == local._plan and stages.tail == ()
    assert list(stages.schema) == ["a", "s", "c", "d"]
    ops = plan_stages(local.shuffle(seed=1).sort("a").take(3).map({"e": pl.col("c") + 1})._plan).tail
    assert [op[0] for op, _, _ in ops] == ["random_shuffle", "sort", "limit"]
    assert len(ops[-1][1]) == 1 and list(ops[-1][2]) == ["a", "s", "c", "d", "e"]


def test_row_selections_right_after_the_head_are_pushed_into_the_read_tasks(ds: pds.Dataset) -> None:
    for make in (
        lambda d: d.select([3, 1, 2]),
        lambda d: d.skip(2),
        lambda d: d.shard(3, 1, contiguous=False),
        lambda d: d.shuffle(seed=0).select(range(3)),
        lambda d: pds.interleave_datasets([d, d]),
    ):
        stages = plan_stages(make(ds.filter(pl.col("a") > 1))._plan)
        assert stages.selection is not None and stages.tail[0][0] is None
    assert plan_stages(ds.shuffle(seed=0)._plan).selection is None  # a full shuffle stays a random_shuffle
