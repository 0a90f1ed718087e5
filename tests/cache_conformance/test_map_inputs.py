"""What a map function is given and what of its input it keeps, as ``datasets`` 5.2: a formatted dataset passes
formatted rows/batches, and an unformatted row keeps the changes the function made to it in place."""

from __future__ import annotations

from typing import Any

import datasets
import pytest

import polards as pds

datasets.disable_progress_bars()


def _both(build: Any, **kw: Any) -> tuple[Any, Any]:
    return build(pds, **kw), build(datasets, **kw)


@pytest.mark.parametrize("batched", [False, True])
@pytest.mark.parametrize("fmt", ["numpy", "pandas", "polars", "arrow"])
def test_formatted_datasets_pass_formatted_inputs(fmt: str, batched: bool) -> None:
    def build(lib: Any) -> Any:
        ds = lib.Dataset.from_dict({"a": [0, 1, 2], "s": ["x", "y", "z"]}).with_format(fmt, columns=["a"])
        out = ds.map(
            lambda x: {"t": [type(x).__name__] * 3 if batched else type(x["s"]).__name__}, batched=batched
        )
        return out.with_format(None)["t"]

    ours, theirs = _both(build)
    assert list(ours) == list(theirs)


def test_formatted_input_returned_keeps_removed_columns() -> None:
    def f(x: dict[str, Any]) -> dict[str, Any]:
        x["b"] = -1 if x["a"] < 2 else x["a"]
        return x

    def build(lib: Any, fmt: str | None) -> Any:
        ds = lib.Dataset.from_dict({"a": [0, 1, 2, 3]}).with_format(fmt)
        return ds.map(f, remove_columns=["a"]).with_format(None)[:]

    for fmt in (None, "numpy"):
        ours, theirs = _both(build, fmt=fmt)
        assert dict(ours) == dict(theirs), fmt
    assert dict(build(pds, "numpy")) == {"a": [0, 1, 2, 3], "b": [-1, -1, 2, 3]}


@pytest.mark.parametrize("mode", [True, False, "mix"])
def test_changes_made_in_place_to_the_input_row_are_kept(mode: Any) -> None:
    def nested(x: dict[str, Any]) -> dict[str, Any]:
        x["a"]["c"] = -1 if x["a"]["b"] < 2 else x["a"]["b"]
        if x["a"]["b"] < 2:
            return dict(x) if mode is False else x
        return x if mode is True else {}

    def reassigned(x: dict[str, Any]) -> dict[str, Any]:
        x["n"] = x["n"] * 10
        return {} if mode is not True else x

    def build(lib: Any) -> tuple[Any, Any]:
        one = lib.Dataset.from_dict({"a": [{"b": i} for i in range(4)]}).map(nested)[:]
        two = lib.Dataset.from_dict({"n": [1, 2, 3]}).map(reassigned)[:]
        return dict(one), dict(two)

    ours, theirs = _both(build)
    assert ours == theirs
    assert ours[1] == {"n": [10, 20, 30]}
