"""Datasets holding the new features, built through polards and ``datasets`` 5.2: same rows (python and
numpy), features, Arrow types and errors; ``on_mixed_types="use_json"``; ``large_string`` for Polars/pandas
frames."""

from __future__ import annotations

import io
import os
from typing import Any

import datasets
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import polards as pds
import polards.features as pf
from tests.features_conformance.diff import norm, outcome, same


def lib_of(lib: Any) -> Any:
    return pf if lib is pds else datasets.features


MESSAGES = [
    {"role": "user", "content": "hi"},
    {"role": "assistant", "content": "x", "tool_calls": [{"type": "function", "function": {"name": "f"}}]},
]
MIXED = [
    [-1, 1, "foo"],
    [{"a": 0}, [0]],
    [{"a": 0}, {"b": 0}, {"c": 0}],
    [[{"a": 0}, {"b": 0}], [{"c": 0}, {"d": 0}]],
    [{}],
    [{"x": {"a": 1}}, {"x": {"b": 1}}],
    [{"x": 1, "y": {"a": 1}}, {"x": 2, "y": {"b": 1}}],
    [{"a": 0}, {"a": 1}],
    [1, 2],
    [1, 2.5],
    [[1], ["a"]],
    [{"a": 1}, None],
    [None, None],
    [True, 1],
    [MESSAGES, MESSAGES[:1]],
    ["é/x", {"k": "é"}],
]


@pytest.mark.parametrize("values", MIXED)
def test_from_dict_on_mixed_types_use_json(values: list[Any]) -> None:
    ours = same(lambda lib: lib.Dataset.from_dict({"c": values}, on_mixed_types="use_json"))
    assert ours[1]["rows"] == {"c": values}


def test_from_list_on_mixed_types_use_json() -> None:
    rows = [{"c": {"a": 1}, "d": 1}, {"c": {"b": 2}, "d": 2}]
    same(lambda lib: lib.Dataset.from_list(rows, on_mixed_types="use_json"))


def test_from_dict_mixed_types_without_use_json_raises_like_datasets() -> None:
    same(lambda lib: lib.Dataset.from_dict({"c": [1, "foo"]}))


@pytest.mark.parametrize(
    "values",
    [
        [{"a": 1}, None, {"b": 2}],
        [None, None],
        [{"a": {"b": {"c": 1}}, "d": [2, {"e": 3}]}],
        ["foo", '{"a":1}', "1", 3, [1]],
        [0.1234567890123, 1e20],
    ],
)
def test_json_feature_rows_and_storage(values: list[Any]) -> None:
    def make(lib: Any) -> Any:
        return lib.Dataset.from_dict(
            {"col": values}, features=lib_of(lib).Features({"col": lib_of(lib).Json()})
        )

    same(make)
    ours, theirs = make(pds).data["col"], make(datasets).data["col"]
    assert ours.combine_chunks().to_pylist() == theirs.combine_chunks().to_pylist()
    assert ours.null_count == theirs.null_count


def test_list_of_json_and_json_in_struct() -> None:
    def make(lib: Any) -> Any:
        f = lib_of(lib)
        features = f.Features({"l": f.List(f.Json()), "s": {"j": f.Json(), "n": f.Value("int32")}})
        data = {"l": [[{"a": 1}, [2]], []], "s": [{"j": "x", "n": 1}, {"j": {"q": None}, "n": 2}]}
        return lib.Dataset.from_dict(data, features=features)

    same(make)


def test_json_decode_false_reads_back_the_text() -> None:
    def make(lib: Any) -> Any:
        f = lib_of(lib)
        return lib.Dataset.from_dict({"j": [{"a": 1}]}, features=f.Features({"j": f.Json(decode=False)}))

    ours, theirs = make(pds), make(datasets)
    assert ours[:] == theirs[:] == {"j": ['{"a":1}']}
    assert ours.features.to_dict() == theirs.features.to_dict()


def test_json_column_through_map_and_select() -> None:
    def make(lib: Any) -> Any:
        f = lib_of(lib)
        ds = lib.Dataset.from_dict({"j": [{"a": 1}, {"b": 2}, None]}, features=f.Features({"j": f.Json()}))
        return ds.map(lambda r: {"k": r["j"] is None}).select([2, 0])

    same(make)


ARRAY_DATA = {
    "col_1": [[[True, False], [False, True]]] * 4,
    "col_2": [[[["a", "b"], ["c", "d"]], [["e", "f"], ["g", "h"]]]] * 4,
    "col_3": [[3, 2, 1, 0]] * 4,
}


def array_dataset(lib: Any) -> Any:
    f = lib_of(lib)
    features = f.Features(
        {
            "col_1": f.Array2D(shape=(2, 2), dtype="bool"),
            "col_2": f.Array3D(shape=(2, 2, 2), dtype="string"),
            "col_3": f.List(f.Value("int64")),
        }
    )
    return lib.Dataset.from_dict(ARRAY_DATA, features=features)


def test_array_features_rows() -> None:
    assert same(array_dataset)[1]["rows"] == ARRAY_DATA


@pytest.mark.parametrize(
    "columns",
    [
        {"a": ("Array2D", (2, 2), "int32", [[[1, 2], [3, 4]], None, [[0, 0], [0, 0]]])},
        {"b": ("Array3D", (None, 1, 2), "float32", [[[[1, 2]]], [[[1, 2]], [[3, 4]]], [[[5, 6]]]])},
        {"c": ("Array4D", (1, 1, 1, 2), "int64", [[[[[1, 2]]]], [[[[3, 4]]]], [[[[5, 6]]]]])},
        {"d": ("Array2D", (1, 2), "float64", [[[1.5, float("nan")]], [[0.0, -0.0]], None])},
    ],
)
@pytest.mark.parametrize("fmt", ["python", "numpy"])
def test_array_features_formats(columns: dict[str, Any], fmt: str) -> None:
    def make(lib: Any) -> Any:
        f = lib_of(lib)
        features = f.Features(
            {k: getattr(f, kind)(shape=shape, dtype=dt) for k, (kind, shape, dt, _) in columns.items()}
        )
        return lib.Dataset.from_dict({k: v[3] for k, v in columns.items()}, features=features)

    def run(lib: Any) -> Any:
        ds = make(lib).with_format(None if fmt == "python" else fmt)
        name = next(iter(columns))
        column = norm(list(ds[name])) if fmt == "python" else None  # numpy Column: formatting's area
        return norm(ds[:]), norm(ds[0]), column, ds.features.to_dict()

    assert run(pds) == run(datasets)


def test_array_numpy_input() -> None:
    def make(lib: Any) -> Any:
        f = lib_of(lib)
        features = f.Features({"a": f.Array2D(shape=(2, 3), dtype="float32")})
        return lib.Dataset.from_dict(
            {"a": np.arange(12, dtype=np.float32).reshape(2, 2, 3)}, features=features
        )

    same(make)


def test_array_wrong_shape_raises_like_datasets() -> None:
    def make(lib: Any) -> Any:
        f = lib_of(lib)
        return lib.Dataset.from_dict(
            {"a": [[[1, 2, 3]]]}, features=f.Features({"a": f.Array2D((1, 2), "int32")})
        )

    assert outcome(make, pds)[0] == outcome(make, datasets)[0] == "raise"


def test_array_dataset_to_csv_and_parquet_shape(tmp_path: Any) -> None:
    ds = array_dataset(pds)
    ds.to_parquet(os.fspath(tmp_path / "a.parquet"))
    assert pd.read_parquet(tmp_path / "a.parquet").shape == (4, 3)
    ds.to_csv(os.fspath(tmp_path / "a.csv"))
    assert pd.read_csv(tmp_path / "a.csv").shape == (4, 3)


def test_datasets_reads_polards_arrow_file_as_arrays(tmp_path: Any) -> None:
    table = array_dataset(pds).data
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    path = tmp_path / "data.arrow"
    path.write_bytes(sink.getvalue())
    theirs = datasets.Dataset.from_file(os.fspath(path))
    assert theirs.features.to_dict() == array_dataset(datasets).features.to_dict()
    assert theirs[:] == ARRAY_DATA
    back = pds.Dataset.from_arrow(array_dataset(datasets).data.table)
    assert back.features == array_dataset(pds).features and back[:] == ARRAY_DATA


def test_translation_columns() -> None:
    def make(lib: Any) -> Any:
        f = lib_of(lib)
        features = f.Features(
            {
                "t": f.Translation(languages=["fr", "en"]),
                "v": f.TranslationVariableLanguages(languages=["en", "fr"]),
            }
        )
        data = {
            "t": [{"en": "the cat", "fr": "le chat"}],
            "v": [{"fr": ["le chat", "la chatte"], "en": "the cat"}],
        }
        return lib.Dataset.from_dict(data, features=features)

    same(make)


# ------------------------------------------------------------------------------------------- large_string
FRAME = pl.DataFrame(
    {
        "i": [1, 2],
        "s": ["x", "y"],
        "l": [["a"], ["b"]],
        "st": [{"q": "z"}, {"q": "w"}],
        "b": [b"1", b"2"],
        "arr": pl.Series([[1, 2], [3, 4]], dtype=pl.Array(pl.Int8, 2)),
        "c": pl.Series(["a", "b"], dtype=pl.Categorical),
    }
)


def test_from_polars_features_are_datasets_large_types() -> None:
    same(lambda lib: lib.Dataset.from_polars(FRAME.drop("c")))
    assert (
        pds.Dataset.from_polars(FRAME).features.to_dict()
        == datasets.Dataset.from_polars(FRAME).features.to_dict()
    )


def test_from_polars_lazyframe() -> None:
    ds = pds.Dataset.from_polars(FRAME.lazy().select("s"))
    assert ds.features == pf.Features({"s": pf.Value("large_string")}) and ds["s"] == ["x", "y"]


@pytest.mark.parametrize(
    "features",
    [
        {"i": pf.Value("int32"), "s": pf.Value("large_string")},
        {"i": pf.Value("string"), "s": pf.Value("string")},
        {"i": pf.List(pf.Value("string")), "s": pf.Value("large_string")},
        {"i": pf.Value("int8"), "s": pf.ClassLabel(names=["y", "x"])},
        {"i": pf.Value("int64"), "s": pf.ClassLabel(names=["y"])},
        {"i": pf.Json(), "s": pf.Json()},
    ],
)
def test_from_polars_with_features_casts_like_datasets(features: dict[str, Any]) -> None:
    frame = FRAME.select("i", "s")

    def make(lib: Any) -> Any:
        feats = (
            pf.Features(features)
            if lib is pds
            else datasets.Features.from_dict(pf.Features(features).to_dict())
        )
        return lib.Dataset.from_polars(frame, features=feats)

    same(make)


def test_from_pandas_features_match_datasets() -> None:
    df = pd.DataFrame({"s": ["a", "b"], "o": [["x"], ["y"]], "n": [1.5, None]})
    same(lambda lib: lib.Dataset.from_pandas(df))


def test_from_dict_strings_stay_string() -> None:
    same(lambda lib: lib.Dataset.from_dict({"s": ["a"], "l": [["b"]]}))


@pytest.mark.parametrize(
    "fn",
    [
        lambda b: pl.DataFrame({"t": ["q"] * len(b["x"]), "x": b["x"]}),
        lambda b: pd.DataFrame({"t": ["q"] * len(b["x"])}),
        lambda b: pa.table({"t": pa.array(["q"] * len(b["x"]), pa.large_string())}),
        lambda b: {"t": pl.Series(["q"] * len(b["x"]))},
        lambda b: {"t": pd.Series(["q"] * len(b["x"]))},
    ],
)
@pytest.mark.parametrize("batched", [True, False])
def test_map_returning_frames_features(fn: Any, batched: bool) -> None:
    def make(lib: Any) -> Any:
        ds = lib.Dataset.from_dict({"x": [0, 1, 2]})
        if batched:
            return ds.map(fn, batched=True, batch_size=2)
        return ds.map(lambda r: fn({"x": [r["x"]]}))

    same(make)


def test_map_returning_multi_row_frame_per_row_is_value_error() -> None:
    ds = pds.Dataset.from_dict({"x": [0, 1]}).map(lambda r: pd.DataFrame({"id": [0, 1]}))
    with pytest.raises(ValueError, match="single-row"):
        ds.features  # noqa: B018 - polards' map is lazy: the first batch runs here


# ------------------------------------------------------------------------------- map on mixed types
MAP_CASES = [
    lambda b: {"c": [{"a": 0}, {"b": 0}, {"a": 1}]},
    lambda b: {"c": [1, "foo", 2]},
    lambda b: {"c": [{"a": 0, "b": 1}, {"a": 0}, {"a": 2, "b": 3}]},
    lambda b: {"c": [[{"a": 0}], [{"b": 0}], []]},
    lambda b: {"c": [{"x": 1, "y": {"a": 1}}, {"x": 2, "y": {"b": 1}}, None]},
    lambda b: {"x": [{"a": 0}, {"b": 0}, {"c": 0}]},
    lambda b: {"c": [MESSAGES, MESSAGES[:1], []]},
    lambda b: {"c": [[1, 2], [3], []]},
]


@pytest.mark.parametrize("fn", MAP_CASES)
def test_map_batched_on_mixed_types(fn: Any) -> None:
    same(lambda lib: lib.Dataset.from_dict({"x": [0, 1, 2]}).map(fn, batched=True))


def test_map_rows_on_mixed_types_and_removed_columns() -> None:
    mixed = {"mixed_type": [-1, 1, "foo"], "dicts": [{"a": 0}, {"b": 0}], "messages": MESSAGES}

    def make(lib: Any) -> Any:
        ds = lib.Dataset.from_dict({"x": [0, 1, 2]})
        return ds.map(lambda r: mixed, on_mixed_types="use_json", remove_columns=["x"])

    assert same(make)[1]["rows"] == {k: [v] * 3 for k, v in mixed.items()}


def test_map_json_paths_of_the_first_batch_apply_to_later_batches() -> None:
    def fn(b: dict[str, list[Any]]) -> dict[str, list[Any]]:
        return {"c": [{"a": 0}, {"b": 0}] if b["x"][0] == 0 else [{"a": 5}, {"a": 6}]}

    same(lambda lib: lib.Dataset.from_dict({"x": [0, 1, 2, 3]}).map(fn, batched=True, batch_size=2))


def test_map_on_mixed_types_none_raises() -> None:
    def make(lib: Any) -> Any:
        ds = lib.Dataset.from_dict({"x": [0, 1]})
        return ds.map(lambda r: {"c": 1 if r["x"] == 0 else "foo"}, on_mixed_types=None)

    assert outcome(make, pds) == outcome(make, datasets) == ("raise", "ValueError")


def test_map_input_decodes_json_columns() -> None:
    def make(lib: Any) -> Any:
        f = lib_of(lib)
        ds = lib.Dataset.from_dict({"j": [{"a": 1}, {"a": 2}]}, features=f.Features({"j": f.Json()}))
        return ds.map(lambda r: {"n": r["j"]["a"] * 10})

    same(make)


@pytest.mark.parametrize(
    "feature, values",
    [
        ("json", [{"a": 1}, None, {"b": 2}]),
        ("list", [[{"a": 1}], [{"b": 2}, 3]]),
        ("struct", [{"j": {"a": [1]}, "n": 1}, {"j": None, "n": None}]),
    ],
)
def test_to_pandas_decodes_json(feature: str, values: list[Any]) -> None:
    def run(lib: Any) -> Any:
        f = lib_of(lib)
        kind = {"json": f.Json(), "list": f.List(f.Json()), "struct": {"j": f.Json(), "n": f.Value("int8")}}
        ds = lib.Dataset.from_dict({"col": values}, features=f.Features({"col": kind[feature]}))
        whole = ds.to_pandas()["col"].tolist()
        batched = pd.concat(list(ds.to_pandas(batched=True, batch_size=2)), ignore_index=True)["col"].tolist()
        return norm(whole), norm(batched)

    assert run(pds) == run(datasets)


@pytest.mark.parametrize(
    "fn, batched",
    [
        (lambda r: {"j": r["j"]}, False),
        (lambda r: {"j": "text"}, False),
        (lambda b: {"j": [{"a": 1, "n": [x]} for x in range(len(b["j"]))]}, True),
        (lambda b: {"s": [{"j": [1], "n": 1}] * len(b["j"])}, True),
    ],
)
def test_map_returning_an_input_json_column_keeps_json(fn: Any, batched: bool) -> None:
    def make(lib: Any) -> Any:
        f = lib_of(lib)
        features = f.Features({"j": f.Json(), "s": {"j": f.Json(), "n": f.Value("int64")}})
        data = {"j": [{"a": 1}, {"b": 2}], "s": [{"j": {"q": 1}, "n": 1}, {"j": None, "n": 2}]}
        return lib.Dataset.from_dict(data, features=features).map(fn, batched=batched)

    same(make)


def test_pandas_format_decodes_json() -> None:
    def run(lib: Any) -> Any:
        f = lib_of(lib)
        features = f.Features({"col": f.Json(), "n": f.Value("int64")})
        ds = lib.Dataset.from_dict({"col": [{"a": 1}, None], "n": [1, 2]}, features=features).with_format(
            "pandas"
        )
        return ds[:]["col"].tolist(), ds[0]["col"].tolist(), list(ds["col"]), ds[:]["n"].tolist()

    assert run(pds) == run(datasets)
