"""cast / cast_column / class_encode_column / flatten vs `datasets` 5.2: same rows, features and error classes
(pyarrow's safe-cast ``ArrowInvalid`` as a polards ``ValueError`` subclass, never a raw Polars error)."""

from __future__ import annotations

import warnings
from typing import Any

import datasets
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import polards as pds
from polards import exceptions
from tests.core.test_construct_differential import norm

datasets.disable_progress_bars()
datasets.disable_caching()
warnings.filterwarnings("ignore", category=DeprecationWarning)

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DTYPES = ["bool", "int8", "int32", "int64", "uint8", "uint64", "float32", "float64", "string"]


def outcome(make: Any) -> tuple[str, Any]:
    try:
        ds = make()
        return "ok", (norm(ds.to_dict()), ds.features.to_dict(), ds.column_names)
    except Exception as e:  # noqa: BLE001 - the class is what we compare
        assert "polars" not in type(e).__module__, f"a raw Polars error escaped: {e!r}"
        for cls in (pa.ArrowInvalid, KeyError, TypeError, ValueError):
            if isinstance(e, cls):
                return "raise", cls.__name__
        return "raise", type(e).__name__


def both(fn: Any) -> tuple[str, Any]:
    ours = outcome(lambda: fn(pds))
    theirs = outcome(lambda: fn(datasets))
    assert ours == theirs
    return ours


source_values = {
    "int64": st.integers(-(2**63), 2**63 - 1),
    "small": st.integers(-300, 300),
    "float64": st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([-0.0, 1.0, 2.5, 1e20, 2.0**53]),
    "string": st.sampled_from(["1", "-3", "2.5", "x", "true", "nan", " 4", "1e3", ""]),
    "bool": st.booleans(),
}


@SETTINGS
@given(
    st.sampled_from(list(source_values)).flatmap(
        lambda k: st.tuples(st.just(k), st.lists(st.none() | source_values[k], min_size=1, max_size=6))
    ),
    st.sampled_from(DTYPES),
)
def test_cast_column_value_to_value_matches_datasets(src: tuple[str, list[Any]], dtype: str) -> None:
    _, values = src
    both(lambda lib: lib.Dataset.from_dict({"a": values}).cast_column("a", lib.Value(dtype)))


@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        ([-0.0, 1.5], "float32"),
        ([-0.0], "float64"),
        ([1.5, 2.0], "int64"),
        ([float("nan")], "int64"),
        ([300, 2], "int8"),
        ([-1], "uint8"),
        ([2**60 + 1], "float32"),
        ([1e300], "float32"),
        ([1.0, 2.5, 1e20, -0.0, float("inf")], "string"),
        (["1", "x"], "int64"),
    ],
)
def test_numeric_edges(values: list[Any], dtype: str) -> None:
    kind, _ = both(lambda lib: lib.Dataset.from_dict({"a": values}).cast_column("a", lib.Value(dtype)))
    if kind == "raise":
        with pytest.raises(exceptions.CastError, match="'a'"):
            pds.Dataset.from_dict({"a": values}).cast_column("a", pds.Value(dtype))


def test_failed_cast_raises_at_cast_time_as_value_error_and_arrow_invalid() -> None:
    ds = pds.Dataset.from_dict({"a": [1.5]})
    with pytest.raises(ValueError) as err:
        ds.cast_column("a", pds.Value("int32"))  # not later, at collect time
    assert isinstance(err.value, pa.ArrowInvalid)
    assert "This error occurred" not in str(err.value)


def test_cast_reorders_columns_to_the_features_order() -> None:
    both(
        lambda lib: lib.Dataset.from_dict({"a": [1], "b": ["x"], "c": [0.5]}).cast(
            lib.Features({"c": lib.Value("float32"), "b": lib.Value("string"), "a": lib.Value("int32")})
        )
    )
    both(lambda lib: lib.Dataset.from_dict({"a": [1]}).cast(lib.Features({"b": lib.Value("int32")})))


def test_class_label_casts() -> None:
    names = ["x", "y"]
    both(lambda lib: lib.Dataset.from_dict({"a": ["x", "z"]}).cast_column("a", lib.ClassLabel(names=names)))
    both(
        lambda lib: lib.Dataset.from_dict({"a": ["y", None, "1"]}).cast_column(
            "a", lib.ClassLabel(names=names)
        )
    )
    both(lambda lib: lib.Dataset.from_dict({"a": [0, 5]}).cast_column("a", lib.ClassLabel(names=names)))
    labelled = lambda lib: lib.Dataset.from_dict(  # noqa: E731
        {"a": [0, 1]}, features=lib.Features({"a": lib.ClassLabel(names=names)})
    )
    both(lambda lib: labelled(lib).cast_column("a", lib.Value("string")))
    both(lambda lib: labelled(lib).cast_column("a", lib.ClassLabel(names=["y", "x"])))
    with pytest.raises(ValueError, match="Invalid string class label z"):
        pds.Dataset.from_dict({"a": ["x", "z"]}).cast_column("a", pds.ClassLabel(names=names))


def test_nested_casts_struct_and_list_labels() -> None:
    def base(lib: Any) -> Any:
        return lib.Dataset.from_dict({"s": [{"x": "a", "y": 1}, None], "l": [["a", "b"], None], "n": [1, 2]})

    label = ["b", "a"]
    both(lambda lib: base(lib).cast_column("s", {"y": lib.Value("int8"), "x": lib.Value("string")}))
    both(
        lambda lib: base(lib).cast_column("s", {"x": lib.ClassLabel(names=label), "y": lib.Value("float32")})
    )
    both(lambda lib: base(lib).cast_column("l", lib.List(lib.ClassLabel(names=label))))
    both(lambda lib: base(lib).cast_column("l", lib.List(lib.ClassLabel(names=["b"]))))
    both(lambda lib: base(lib).cast_column("l", lib.List(lib.Value("string"), length=2)))
    both(lambda lib: base(lib).cast_column("l", lib.List(lib.Value("string"), length=3)))
    both(lambda lib: base(lib).cast_column("s", lib.Value("string")))
    both(lambda lib: base(lib).cast_column("s", {"x": lib.Value("string")}))
    both(lambda lib: base(lib).cast_column("n", lib.List(lib.Value("int32"))))


@SETTINGS
@given(
    st.lists(
        st.one_of(st.none(), st.booleans()) | st.none(),
        min_size=1,
        max_size=8,
    )
    | st.lists(st.none() | st.integers(-20, 20), min_size=1, max_size=8)
    | st.lists(st.none() | st.sampled_from(["b", "a", "B", "10", "9", "é"]), min_size=1, max_size=8)
    | st.lists(st.none() | st.sampled_from([1.5, -2.0, 1e20, 0.1]), min_size=1, max_size=8),
    st.booleans(),
)
def test_class_encode_column_matches_datasets(values: list[Any], include_nulls: bool) -> None:
    if all(v is None for v in values):
        values = [*values, "a"]
    both(
        lambda lib: lib.Dataset.from_dict({"c": values}).class_encode_column("c", include_nulls=include_nulls)
    )


def test_class_encode_column_errors() -> None:
    both(lambda lib: lib.Dataset.from_dict({"c": [1]}).class_encode_column("missing"))
    both(lambda lib: lib.Dataset.from_dict({"c": [[1]]}).class_encode_column("c"))


@pytest.mark.parametrize("max_depth", [2, 3, 4, 16])
def test_flatten_depth_matches_datasets(max_depth: int) -> None:
    data = {"z": [1], "a": [{"b": {"c": {"d": 1}}, "e": 2}], "q": [{"r": [{"s": 1}]}]}
    both(lambda lib: lib.Dataset.from_dict(data).flatten(max_depth=max_depth))


def test_flatten_depth_one_is_a_no_op() -> None:  # datasets raises UnboundLocalError (its bug)
    ds = pds.Dataset.from_dict({"a": [{"b": 1}]})
    assert ds.flatten(max_depth=1).column_names == ["a"]
