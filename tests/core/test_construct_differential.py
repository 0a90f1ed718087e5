"""Construction vs `datasets` 5.2: NaN stays NaN, mixed types raise the same pyarrow class, features encode
labels at any depth, ``from_generator`` takes datasets' arguments, unknown keywords raise TypeError."""

from __future__ import annotations

import math
import warnings
from typing import Any

import datasets
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import polards as pds
from polards import exceptions

datasets.disable_progress_bars()
datasets.disable_caching()
warnings.filterwarnings("ignore", category=DeprecationWarning)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def norm(v: Any) -> Any:
    """Values made comparable: NaN and -0.0 as tags (``nan != nan``; ``-0.0 == 0.0``), numpy scalars as python."""
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [norm(x) for x in v]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float):
        if math.isnan(v):
            return "<nan>"
        if v == 0.0 and math.copysign(1.0, v) < 0:
            return "<-0.0>"
    return v


def outcome(make: Any) -> tuple[str, Any]:
    """``("ok", (rows, features json))`` or ``("raise", the most specific builtin/pyarrow class)``."""
    try:
        ds = make()
    except Exception as e:  # noqa: BLE001 - the class is what we compare
        return "raise", error_kind(e)
    return "ok", (norm(ds.to_dict() if hasattr(ds, "to_dict") else ds[:]), ds.features.to_dict())


def error_kind(e: BaseException) -> str:
    for cls in (pa.ArrowTypeError, pa.ArrowInvalid, KeyError, OverflowError, TypeError, ValueError):
        if isinstance(e, cls):
            return cls.__name__
    return type(e).__name__


def both(fn: Any) -> None:
    ours = outcome(lambda: fn(pds))
    theirs = outcome(lambda: fn(datasets))
    assert ours == theirs


scalars = st.one_of(
    st.none(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("nan"), -0.0, 0.0]),
    st.text("abx", max_size=3),
    st.booleans(),
)
columns = st.lists(scalars, min_size=1, max_size=6) | st.lists(
    st.none() | st.lists(st.none() | st.floats(allow_nan=True), max_size=3), min_size=1, max_size=4
)


@SETTINGS
@given(st.dictionaries(st.sampled_from(["a", "b", "c"]), columns, min_size=1, max_size=3))
def test_from_dict_and_from_list_match_datasets(mapping: dict[str, list[Any]]) -> None:
    n = min(len(v) for v in mapping.values())
    mapping = {k: v[:n] for k, v in mapping.items()}
    both(lambda lib: lib.Dataset.from_dict(mapping))
    rows = [{k: v[i] for k, v in mapping.items()} for i in range(n)]
    both(lambda lib: lib.Dataset.from_list(rows))


FEATURE_DTYPES = ["int64", "int32", "float32", "float64", "string", "bool"]


@SETTINGS
@given(st.sampled_from(FEATURE_DTYPES), st.lists(scalars, min_size=1, max_size=5))
def test_from_dict_with_value_features_matches_datasets(dtype: str, values: list[Any]) -> None:
    both(lambda lib: lib.Dataset.from_dict({"a": values}, features=lib.Features({"a": lib.Value(dtype)})))


@pytest.mark.parametrize(
    "values",
    [
        np.array([1.0, np.nan, -0.0]),
        np.array([1.5, np.nan], dtype=np.float32),
        np.array([[1.0, np.nan], [2.0, 3.0]]),
        np.array([1, 2], dtype=np.int8),
    ],
)
def test_numpy_input_keeps_nan_and_dtype(values: np.ndarray) -> None:
    both(lambda lib: lib.Dataset.from_dict({"a": values}))


def test_nan_is_not_null_anywhere() -> None:
    nan = float("nan")
    ds = pds.Dataset.from_dict({"a": [1.0, nan, None]}, features=pds.Features({"a": pds.Value("float32")}))
    assert ds.to_polars()["a"].is_nan().to_list() == [False, True, None]
    assert ds.to_polars()["a"].null_count() == 1
    gen = pds.Dataset.from_generator(lambda: iter([{"a": nan}, {"a": 1.0}]))
    assert gen.to_polars()["a"].null_count() == 0


@pytest.mark.parametrize(
    ("values", "kind"),
    [([1, "x"], pa.ArrowInvalid), (["x", 1], pa.ArrowTypeError), ([True, 2], pa.ArrowInvalid)],
)
def test_mixed_types_raise_pyarrow_classes_naming_the_column(values: list[Any], kind: type) -> None:
    with pytest.raises(kind) as ours:
        pds.Dataset.from_dict({"mixed": values})
    assert isinstance(ours.value, exceptions.PolardsError)
    assert "'mixed'" in str(ours.value)
    with pytest.raises(kind):
        datasets.Dataset.from_dict({"mixed": values})
    with pytest.raises(kind):
        pds.Dataset.from_list([{"mixed": v} for v in values])


def test_features_encode_nested_labels_like_datasets() -> None:
    def make(lib: Any) -> Any:
        label = lib.ClassLabel(names=["neg", "pos"])
        feats = lib.Features({"s": {"l": label, "t": lib.Value("string")}, "ls": lib.List(label), "c": label})
        data = {"s": [{"l": "pos", "t": "a"}, None], "ls": [["neg", "pos"], []], "c": ["pos", 0]}
        return lib.Dataset.from_dict(data, features=feats)

    both(make)


def test_from_dict_feature_columns_must_match() -> None:
    both(
        lambda lib: lib.Dataset.from_dict(
            {"a": [1]}, features=lib.Features({"a": lib.Value("int32"), "b": lib.Value("string")})
        )
    )
    both(
        lambda lib: lib.Dataset.from_dict(
            {"a": [1], "c": [2]}, features=lib.Features({"a": lib.Value("int32")})
        )
    )
    both(lambda lib: lib.Dataset.from_dict({"a": [1, 2], "b": [1]}))
    both(
        lambda lib: lib.Dataset.from_dict(
            {"a": [1], "b": ["x"]}, features=lib.Features({"b": lib.Value("string"), "a": lib.Value("int8")})
        )
    )


def test_from_pandas_turns_nan_into_null_like_datasets() -> None:
    df = pd.DataFrame({"a": [1.0, np.nan, None], "s": ["x", None, "z"]})
    both(lambda lib: lib.Dataset.from_pandas(df))
    both(
        lambda lib: lib.Dataset.from_pandas(
            df, features=lib.Features({"a": lib.Value("float32"), "s": lib.Value("string")})
        )
    )


def _gen(n: int = 3, shards: list[int] | None = None) -> Any:
    for s in shards or [0]:
        for i in range(n):
            yield {"i": i + 10 * s, "f": float("nan") if i == 1 else i / 2, "t": f"r{i}"}


def test_from_generator_takes_datasets_arguments(tmp_path: Any) -> None:
    kwargs = {"gen_kwargs": {"n": 4, "shards": [0, 1, 2]}, "split": "validation"}
    ours = pds.Dataset.from_generator(_gen, cache_dir=str(tmp_path / "p"), num_proc=2, **kwargs)
    theirs = datasets.Dataset.from_generator(_gen, cache_dir=str(tmp_path / "d"), num_proc=2, **kwargs)
    assert norm(ours.to_dict()) == norm(theirs.to_dict())
    assert ours.features.to_dict() == theirs.features.to_dict()
    assert str(ours.split) == str(theirs.split) == "validation"
    assert all(f["filename"].startswith(str(tmp_path / "p")) for f in ours.cache_files)
    feats = {"i": "int32", "f": "float32", "t": "string"}
    typed = pds.Dataset.from_generator(
        _gen, features=pds.Features({k: pds.Value(v) for k, v in feats.items()}), keep_in_memory=True
    )
    assert typed.features.to_dict() == {k: {"dtype": v, "_type": "Value"} for k, v in feats.items()}
    assert typed.split == "train"


@pytest.mark.parametrize(
    "call",
    [
        lambda: pds.Dataset.from_dict({"a": [1]}, featurez=None),
        lambda: pds.Dataset.from_list([{"a": 1}], bogus=1),
        lambda: pds.Dataset.from_generator(_gen, gen_kwarg={"n": 1}),
        lambda: pds.Dataset.from_pandas(pd.DataFrame({"a": [1]}), index=True),
        lambda: pds.Dataset.from_dict({"a": [1]}).cast(pds.Features({"a": pds.Value("int8")}), batchsize=10),
        lambda: pds.Dataset.from_dict({"a": [1]}).cast_column("a", pds.Value("int8"), num_proc=2),
        lambda: pds.Dataset.from_dict({"a": [1]}).class_encode_column("a", include_null=True),
        lambda: pds.Dataset.from_dict({"a": [1]}).flatten(depth=2),
        lambda: pds.Dataset.from_dict({"a": [1]}).save_to_disk("/nonexistent/x", shards=2),
    ],
)
def test_unknown_keywords_raise_type_error(call: Any) -> None:
    with pytest.raises(TypeError):
        call()


def test_on_mixed_types_use_json_matches_datasets() -> None:
    data = {"a": [1, "x", None]}
    ours = pds.Dataset.from_dict(data, on_mixed_types="use_json")
    theirs = datasets.Dataset.from_dict(data, on_mixed_types="use_json")
    assert ours.features.to_dict() == theirs.features.to_dict()
    assert ours.to_list() == theirs.to_list()
