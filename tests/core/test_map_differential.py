"""Differential tests of ``map``/``filter`` with Python functions: polards against ``datasets`` 5.2 (the oracle).

Compared: rows, features, column order, the batches the function sees (sizes, in order: one call per batch,
no probe), and the class of the exception when one is raised.
"""

from __future__ import annotations

import warnings
from typing import Any

import datasets
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import polards as pds

datasets.disable_progress_bars()
datasets.disable_caching()
warnings.filterwarnings("ignore", category=DeprecationWarning)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BUILTINS = (KeyError, IndexError, TypeError, ValueError, ZeroDivisionError, RuntimeError)


def _table(n: int) -> dict[str, list[Any]]:
    return {"a": list(range(n)), "b": [f"w{i}" * (i % 3 + 1) for i in range(n)]}


def _features(lib: Any) -> Any:
    return lib.Features({"a": lib.Value("int32"), "b": lib.Value("string")})


def outcome(lib: Any, build: Any, n: int, typed: bool = False) -> tuple[Any, ...]:
    """What a pipeline gives: ("ok", columns, rows, features, calls) or ("raise", builtin class, calls)."""
    calls: list[int] = []
    ds = lib.Dataset.from_dict(_table(n), features=_features(lib) if typed else None)
    try:
        out = build(ds, calls)
        rows = out.to_list()
        return ("ok", out.column_names, rows, out.features.to_dict(), calls)
    except BUILTINS as e:
        return ("raise", next(b for b in BUILTINS if isinstance(e, b)), type(e).__name__)


def same(build: Any, n: int, typed: bool = False) -> tuple[Any, ...]:
    theirs = outcome(datasets, build, n, typed)
    ours = outcome(pds, build, n, typed)
    if theirs[0] == "raise":
        assert ours[0] == "raise", f"datasets raised {theirs[2]}, polards gave {ours}"
        assert issubclass(ours[1], theirs[1]) or ours[1] is theirs[1], (ours, theirs)
    else:
        assert ours == theirs
    return theirs


# ------------------------------------------------------------------------------------------ batched maps
def _batched_fn(kind: str, calls: list[int]) -> Any:
    def fn(batch: dict[str, list[Any]], *idx: Any) -> Any:
        calls.append(len(batch["a"]))
        a, b = batch["a"], batch["b"]
        if kind == "add":
            return {"c": [x * 2 for x in a]}
        if kind == "overwrite_str_with_int":
            return {"b": [len(s) for s in b]}
        if kind == "overwrite_int_with_float":
            return {"a": [x + 0.5 for x in a]}
        if kind == "overwrite_int_with_whole_float":
            return {"a": [float(x) for x in a]}
        if kind == "structs":
            return {
                "b": [[{"role": "user", "content": s}, {"role": "assistant", "content": "ok"}] for s in b]
            }
        if kind == "expand":
            return {"c": [x for x in a for _ in range(2)]}
        if kind == "shrink":
            return {"c": a[: len(a) // 2]}
        if kind == "mismatch":
            return {"c": a, "d": a[1:]}
        if kind == "none":
            return None
        if kind == "indices":
            return {"i": list(idx[0]) if idx else []}
        if kind == "keyerror":
            return {"c": batch["nope"]}
        if kind == "scalar":
            return {"c": 1}
        if kind == "empty_dict":
            return {}
        raise AssertionError(kind)

    return fn


BATCHED_KINDS = [
    "add",
    "overwrite_str_with_int",
    "overwrite_int_with_float",
    "overwrite_int_with_whole_float",
    "structs",
    "expand",
    "shrink",
    "mismatch",
    "none",
    "indices",
    "keyerror",
    "scalar",
    "empty_dict",
]


@SETTINGS
@given(
    n=st.integers(0, 25),
    kind=st.sampled_from(BATCHED_KINDS),
    batch_size=st.sampled_from([None, -1, 0, 1, 2, 3, 7, 1000]),
    drop_last=st.booleans(),
    remove=st.sampled_from([[], ["a"], ["b"], ["a", "b"]]),
    typed=st.booleans(),
)
def test_batched_map_matches_datasets(
    n: int, kind: str, batch_size: int | None, drop_last: bool, remove: list[str], typed: bool
) -> None:
    def build(ds: Any, calls: list[int]) -> Any:
        return ds.map(
            _batched_fn(kind, calls),
            batched=True,
            batch_size=batch_size,
            drop_last_batch=drop_last,
            remove_columns=remove,
            with_indices=kind == "indices",
        )

    same(build, n, typed)


# ---------------------------------------------------------------------------------------------- row maps
def _row_fn(kind: str, calls: list[int]) -> Any:
    def fn(row: dict[str, Any], *idx: Any) -> Any:
        calls.append(1)
        if kind == "add":
            return {"c": row["a"] * 2}
        if kind == "overwrite_str_with_int":
            return {"b": len(row["b"])}
        if kind == "overwrite_int_with_float":
            return {"a": row["a"] + 0.5}
        if kind == "overwrite_int_with_bool":
            return {"a": row["a"] % 2 == 0}
        if kind == "structs":
            return {"b": [{"role": "user", "content": row["b"]}]}
        if kind == "none":
            return None
        if kind == "indices":
            return {"i": idx[0]}
        if kind == "keyerror":
            return {"c": row["nope"]}
        if kind == "list":
            return [1]
        if kind == "modify_input":
            row["a"] = row["a"] + 1
            return row
        if kind == "new_then_old":
            return {"z": 1, "a": 5}
        raise AssertionError(kind)

    return fn


ROW_KINDS = [
    "add",
    "overwrite_str_with_int",
    "overwrite_int_with_float",
    "overwrite_int_with_bool",
    "structs",
    "none",
    "indices",
    "keyerror",
    "list",
    "modify_input",
    "new_then_old",
]


@SETTINGS
@given(
    n=st.integers(0, 25),
    kind=st.sampled_from(ROW_KINDS),
    remove=st.sampled_from([[], ["a"], ["b"]]),
    typed=st.booleans(),
    input_columns=st.sampled_from([None, ["a", "b"]]),
)
def test_row_map_matches_datasets(
    n: int, kind: str, remove: list[str], typed: bool, input_columns: list[str] | None
) -> None:
    def build(ds: Any, calls: list[int]) -> Any:
        fn = _row_fn(kind, calls)
        if input_columns is not None:
            inner = fn

            def fn(a: Any, b: Any, *idx: Any) -> Any:  # type: ignore[misc]
                return inner({"a": a, "b": b}, *idx)

        return ds.map(fn, remove_columns=remove, with_indices=kind == "indices", input_columns=input_columns)

    same(build, n, typed)


# ------------------------------------------------------------------------------------------------ filters
@SETTINGS
@given(
    n=st.integers(0, 25),
    k=st.integers(1, 4),
    batched=st.booleans(),
    batch_size=st.sampled_from([None, 1, 2, 5, 1000]),
    with_indices=st.booleans(),
    short_mask=st.booleans(),
)
def test_filter_matches_datasets(
    n: int, k: int, batched: bool, batch_size: int | None, with_indices: bool, short_mask: bool
) -> None:
    def build(ds: Any, calls: list[int]) -> Any:
        if batched:

            def fn(batch: dict[str, list[Any]], *idx: Any) -> list[bool]:
                calls.append(len(batch["a"]))
                keys = idx[0] if idx else batch["a"]
                mask = [x % k == 0 for x in keys]
                return mask[:-1] if short_mask and mask else mask
        else:

            def fn(row: dict[str, Any], *idx: Any) -> bool:  # type: ignore[misc]
                calls.append(1)
                return (idx[0] if idx else row["a"]) % k == 0

        return ds.filter(fn, batched=batched, batch_size=batch_size, with_indices=with_indices)

    same(build, n)


def test_hh_rlhf_pattern_takes_the_new_type() -> None:
    """remove_columns=["chosen"] and "chosen" returned as a list of {role, content}: the new type, never text."""

    def split(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
        return {
            "prompt": [t.split(" Assistant:")[0] for t in batch["chosen"]],
            "chosen": [
                [{"role": "assistant", "content": t.split(" Assistant:")[1]}] for t in batch["chosen"]
            ],
        }

    table = {"chosen": [f"Human: q{i} Assistant: a{i}" for i in range(3000)]}
    ours = pds.Dataset.from_dict(table).map(split, batched=True, remove_columns=["chosen"])
    theirs = datasets.Dataset.from_dict(table).map(split, batched=True, remove_columns=["chosen"])
    assert ours.features.to_dict() == theirs.features.to_dict()
    assert ours.to_list() == theirs.to_list()
    assert ours[2999]["chosen"] == [{"role": "assistant", "content": " a2999"}]


def test_later_batch_that_does_not_fit_the_first_batch_types_raises_value_error() -> None:
    def fn(b: dict[str, list[Any]]) -> dict[str, list[Any]]:
        return {"a": [x + 0.5 if x == 3 else x for x in b["a"]]}

    with pytest.raises(ValueError):
        datasets.Dataset.from_dict({"a": [1, 2, 3]}).map(fn, batched=True, batch_size=2)
    with pytest.raises(ValueError, match="truncated"):
        pds.Dataset.from_dict({"a": [1, 2, 3]}).map(fn, batched=True, batch_size=2).to_list()


def test_first_batch_of_nulls_then_values_raises_type_error_like_datasets() -> None:
    def fn(b: dict[str, list[Any]], idx: list[int]) -> dict[str, list[Any]]:
        return {"c": [None if i < 2 else 1 for i in idx]}

    kw = {"batched": True, "batch_size": 2, "with_indices": True}
    with pytest.raises(TypeError, match="Couldn't write column 'c'"):
        datasets.Dataset.from_dict({"a": [1, 2, 3]}).map(fn, **kw)
    with pytest.raises(TypeError, match="Couldn't write column 'c'"):
        pds.Dataset.from_dict({"a": [1, 2, 3]}).map(fn, **kw).to_list()
