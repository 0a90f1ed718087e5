"""Batched ``map`` on an IterableDataset: output lengths checked with ``datasets``' rule, class and message."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import datasets
import pytest

import polards as pds
from polards.exceptions import UDFOutputError

DATA = [{"a": i, "b": i} for i in range(6)]


def shrink(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {"a": [x for x in batch["a"] if x >= 3]}


def expand(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {"a": [x for x in batch["a"] for _ in range(2)]}


def new_shorter(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {"c": [x for x in batch["a"] if x >= 3]}


def uneven(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {"a": batch["a"], "c": batch["a"][:2]}


def _error(lib: Any, fn: Callable[..., Any], **kw: Any) -> BaseException:
    ds = lib.IterableDataset.from_generator(lambda: iter(DATA)).map(fn, batched=True, batch_size=6, **kw)
    with pytest.raises(ValueError) as info:
        list(ds)
    return info.value


@pytest.mark.parametrize("fn", [shrink, expand, new_shorter, uneven], ids=lambda f: f.__name__)
def test_length_mismatch_raises_datasets_message(fn: Callable[..., Any]) -> None:
    ours, theirs = _error(pds, fn), _error(datasets, fn)
    assert isinstance(ours, UDFOutputError)
    assert str(ours) == str(theirs)
    assert str(ours).startswith("Column lengths mismatch")


def test_input_columns_do_not_change_the_check() -> None:
    def fn(a: list[int]) -> dict[str, list[int]]:
        return {"a": a[:3]}

    ours = _error(pds, fn, input_columns="a")
    theirs = _error(datasets, fn, input_columns="a")
    assert str(ours) == str(theirs)


@pytest.mark.parametrize(
    ("fn", "kw"),
    [
        (shrink, {"remove_columns": ["b"]}),
        (lambda b: {k: [v for v in vals for _ in range(2)] for k, vals in b.items()}, {}),
        (lambda b: {"c": [x * 2 for x in b["a"]]}, {}),
    ],
)
def test_valid_length_changes_match_datasets(fn: Callable[..., Any], kw: dict[str, Any]) -> None:
    def run(lib: Any) -> list[dict[str, Any]]:
        ds = lib.IterableDataset.from_generator(lambda: iter(DATA))
        return list(ds.map(fn, batched=True, batch_size=4, **kw))

    assert run(pds) == run(datasets)


def test_async_batched_function_is_checked_too() -> None:
    async def fn(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
        await asyncio.sleep(0)
        return {"a": batch["a"][:2]}

    ours = _error(pds, fn)
    assert str(ours).startswith("Column lengths mismatch: columns ['b']")
    ok = pds.IterableDataset.from_generator(lambda: iter(DATA)).map(fn, batched=True, remove_columns=["b"])
    assert [r["a"] for r in ok] == [0, 1]


def test_user_exception_and_name_pass_through() -> None:
    def boom(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
        raise KeyError("mine")

    ds = pds.IterableDataset.from_generator(lambda: iter(DATA)).map(boom, batched=True)
    with pytest.raises(KeyError, match="mine") as info:
        list(ds)
    assert any("boom" in n for n in getattr(info.value, "__notes__", []))


def test_batched_function_returning_none_keeps_the_rows() -> None:
    # datasets 5.2's IterableDataset raises TypeError ({**inputs, **None}); its Dataset.map keeps the rows,
    # which polards does for both
    ds = pds.IterableDataset.from_generator(lambda: iter(DATA)).map(
        lambda b: None, batched=True, batch_size=4
    )
    assert list(ds) == DATA


def double(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {"a": [x * 2 for x in batch["a"]]}


def test_checked_batched_map_pickles_for_worker_processes() -> None:
    import pickle

    ds = pds.IterableDataset.from_generator(lambda: iter(DATA)).map(shrink, batched=True)
    cells = [c.cell_contents for c in ds._ops[-1].fn.__closure__]
    checked = next(c for c in cells if hasattr(c, "remove"))
    again = pickle.loads(pickle.dumps(checked))
    assert again.fn is shrink and again.remove == ()
    with pytest.raises(ValueError, match="Column lengths mismatch"):
        again.check({"a": [1], "b": [1, 2]})
    cloudpickle = pytest.importorskip("cloudpickle")
    ok = pds.Dataset.from_list(DATA).to_iterable_dataset().map(double, batched=True, batch_size=4)
    copy = cloudpickle.loads(cloudpickle.dumps(ok))
    assert [r["a"] for r in copy] == [r["a"] for r in ok] == [0, 2, 4, 6, 8, 10]
