"""``set_transform`` / ``with_transform`` (``datasets``' ``"custom"`` format) on Dataset and DatasetDict,
differential against ``datasets`` 5.2."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api_conformance._oracle import same


def upper(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {k: [str(v).upper() for v in vs] for k, vs in batch.items()}


def make(lib: Any) -> Any:
    return lib.Dataset.from_dict({"col_1": [3, 2, 1, 0], "col_2": ["a", "b", "c", "d"]})


def fmt(ds: Any) -> dict[str, Any]:
    f = ds.format
    return {
        "type": f["type"],
        "columns": f["columns"],
        "all": f["output_all_columns"],
        "kw": sorted(f["format_kwargs"]),
    }


@pytest.mark.parametrize(
    ("columns", "output_all_columns"),
    [(None, False), (["col_1"], False), (["col_1"], True), (["col_2"], True)],
)
def test_set_transform_rows_batches_columns(columns: Any, output_all_columns: bool) -> None:
    def run(lib: Any) -> Any:
        ds = make(lib)
        ds.set_transform(upper, columns=columns, output_all_columns=output_all_columns)
        return [fmt(ds), ds[0], ds[1:3], ds[[3, 0]], list(ds), list(ds.iter(batch_size=3))]

    same(run)


def test_transform_query_column() -> None:
    def run(lib: Any) -> Any:
        ds = make(lib)
        ds.set_transform(upper, columns=["col_1"])
        return list(ds["col_1"])

    assert same(run) == ("ok", ["3", "2", "1", "0"])


def test_set_format_round_trips_custom_format() -> None:
    def run(lib: Any) -> Any:
        ds = make(lib)
        ds.set_transform(upper, columns=["col_1"])
        before = ds.format
        ds.set_format(**ds.format)
        return [before == ds.format, fmt(ds), ds[0]]

    assert same(run)[1][0] is True


def test_with_transform_leaves_the_original() -> None:
    def run(lib: Any) -> Any:
        ds = make(lib)
        out = ds.with_transform(upper, columns=["col_2"])
        return [fmt(ds), ds[0], fmt(out), out[0]]

    same(run)


def test_transform_returning_non_dict_with_output_all_columns_raises() -> None:
    def run(lib: Any) -> Any:
        ds = make(lib)
        ds.set_transform(lambda b: list(b.values()), columns=["col_1"], output_all_columns=True)
        return ds[0]

    assert same(run) == ("raise", "TypeError")


def test_column_query_picks_the_column_from_the_transformed_rows() -> None:
    """datasets 5.2: ``ds[col]`` under a transform formats whole rows (the transform may need every column)
    and picks ``col`` from them; a transform that drops it gives KeyError."""

    def run(lib: Any) -> Any:
        ds = make(lib)
        ds.set_transform(
            lambda b: {"col_1": [f"{x}{y}" for x, y in zip(b["col_1"], b["col_2"], strict=True)]}
        )
        return list(ds["col_1"])

    assert same(run) == ("ok", ["3a", "2b", "1c", "0d"])

    def dropped(lib: Any) -> Any:
        ds = make(lib)
        ds.set_transform(lambda b: {"x": [1] * len(b["col_1"])})
        return list(ds["col_1"])

    assert same(dropped) == ("raise", "KeyError")


def test_custom_format_without_transform_raises_type_error() -> None:
    same(lambda lib: make(lib).set_format("custom"))


def test_reset_format_after_transform() -> None:
    def run(lib: Any) -> Any:
        ds = make(lib)
        ds.set_transform(upper)
        ds.reset_format()
        return [fmt(ds), ds[0]]

    same(run)


def test_dataset_dict_set_and_with_transform() -> None:
    def run(lib: Any) -> Any:
        dd = lib.DatasetDict({"train": make(lib), "test": make(lib).select([1, 2])})
        other = dd.with_transform(upper, columns=["col_1"])
        untouched = {k: v[0] for k, v in dd.items()}
        dd.set_transform(upper, columns=["col_1", "col_2"])
        return [
            untouched,
            {k: (fmt(v), v[0]) for k, v in other.items()},
            {k: (fmt(v), v[:]) for k, v in dd.items()},
        ]

    same(run)


def test_transform_sees_decoded_python_values() -> None:
    def run(lib: Any) -> Any:
        feats = lib.Features({"label": lib.ClassLabel(names=["neg", "pos"]), "n": lib.Value("float32")})
        ds = lib.Dataset.from_dict({"label": [1, 0], "n": [0.5, 1.5]}, features=feats)
        ds.set_transform(lambda b: {k: [type(v).__name__ for v in vs] for k, vs in b.items()})
        return ds[:]

    same(run)


def test_numpy_format_with_unformatted_image_column() -> None:
    """``set_format("np", columns=[...], output_all_columns=True)``: the other columns come decoded (PIL)."""
    import numpy as np
    import PIL.Image

    image = PIL.Image.fromarray(np.arange(48, dtype=np.uint8).reshape(4, 4, 3))

    def run(lib: Any) -> Any:
        feats = lib.Features({"a": lib.Image(), "b": lib.List(lib.Value("int64"))})
        ds = lib.Dataset.from_dict({"a": [image] * 3, "b": [[0, 1]] * 3}, feats)
        ds.set_format("np", columns=["b"], output_all_columns=True)
        return [ds[0], ds[:2]]

    same(run)


VERBS = {
    "map_adds": lambda ds: ds.map(lambda r: {"z": r["b"] * 2}),
    "map_batched_adds": lambda ds: ds.map(lambda b: {"z": [x + 1 for x in b["a"]]}, batched=True),
    "remove": lambda ds: ds.remove_columns("a"),
    "rename_formatted": lambda ds: ds.rename_column("a", "aa"),
    "rename_unformatted": lambda ds: ds.rename_column("c", "cc").map(lambda r: {"z": 0}),
    "select_columns": lambda ds: ds.select_columns(["c", "b"]),
    "filter": lambda ds: ds.filter(lambda r: r["b"] > 1),
    "cast_column": lambda ds: ds.cast_column("c", ds.features["c"].__class__("int32")),
    "add_column": lambda ds: ds.add_column("n", [0, 0]),
    "map_then_remove": lambda ds: ds.map(lambda r: {"z": 1}).remove_columns(["z", "c"]),
}


@pytest.mark.parametrize("verb", sorted(VERBS))
@pytest.mark.parametrize("output_all_columns", [False, True])
def test_formatted_columns_follow_transforms(verb: str, output_all_columns: bool) -> None:
    """datasets: new formatted columns = all columns - previously unformatted ones (a column a map adds is
    formatted; a renamed formatted column stays formatted) -- polards dropped them from rows before."""

    def run(lib: Any) -> Any:
        ds = lib.Dataset.from_dict({"b": [1, 2], "a": [3, 4], "c": [5, 6]})
        ds.set_format("numpy", columns=["b", "a"], output_all_columns=output_all_columns)
        out = VERBS[verb](ds)
        f = out.format
        return [f["type"], sorted(f["columns"]), {k: type(v).__name__ for k, v in out[0].items()}, out[:]]

    same(run)
