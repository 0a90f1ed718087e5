"""``concatenate_datasets`` (axis 0) and ``add_item`` as ``datasets`` 5.2: new columns filled with None, null
features giving way to typed ones, empty datasets ignored, a common format kept, infos merged."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api_conformance._oracle import features_json, same


def info_cls(lib: Any) -> Any:
    """``datasets.DatasetInfo``; polards' is the compat layer's (what ``import datasets`` gives there)."""
    from polards.compat.info import DatasetInfo

    return DatasetInfo if lib.__name__ == "polards" else lib.DatasetInfo


def result(ds: Any) -> Any:
    return [ds[:], features_json(ds), ds.column_names, ds.format["type"]]


CASES = {
    "same_columns": [{"a": [1, 2]}, {"a": [3]}],
    "new_column": [{"col_1": ["a", "b"]}, {"col_1": ["d"], "col_2": [True]}],
    "column_order": [{"b": [1], "a": ["x"]}, {"a": ["y"], "c": [True]}, {"d": [1.5]}],
    "null_then_typed": [{"b": [None]}, {"b": [1], "a": ["x"]}],
    "typed_then_null": [{"b": [1]}, {"b": [None, None]}],
    "null_list": [{"b": [[None]]}, {"b": [[1]]}],
    "struct_fields": [{"s": [{"x": None}]}, {"s": [{"x": 1, "y": "a"}]}],
    "mismatch": [{"b": [1]}, {"b": ["s"]}],
    "empty_ignored": [{"z": []}, {"a": [1]}],
    "all_empty": [{"z": []}, {"a": []}],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_concatenate_rows_and_features(case: str) -> None:
    same(lambda lib: result(lib.concatenate_datasets([lib.Dataset.from_dict(d) for d in CASES[case]])))


def test_concatenate_keeps_a_common_format_and_resets_a_mixed_one() -> None:
    def run(lib: Any) -> Any:
        d1, d2 = lib.Dataset.from_dict({"id": [0, 1]}), lib.Dataset.from_dict({"id": [2]})
        d1.set_format("numpy")
        mixed = lib.concatenate_datasets([d1, d2]).format["type"]
        d2.set_format("numpy")
        common = lib.concatenate_datasets([d1, d2])
        return [mixed, common.format["type"], common[:]]

    assert same(run)[1][:2] == [None, "numpy"]


def test_concatenate_merges_infos() -> None:
    def run(lib: Any) -> Any:
        d1 = lib.Dataset.from_dict({"id": [0]}, info=info_cls(lib)(description="Dataset1"))
        d2 = lib.Dataset.from_dict({"id": [1]}, info=info_cls(lib)(description="Dataset2"))
        d3 = lib.Dataset.from_dict({"id": [2]})
        return [
            lib.concatenate_datasets([d1, d2, d3]).info.description,
            lib.concatenate_datasets([d1, d1]).info.description,
            lib.concatenate_datasets([d2, d1], info=info_cls(lib)(description="given")).info.description,
        ]

    assert same(run) == ("ok", ["Dataset1\n\nDataset2", "Dataset1", "given"])


def test_info_features_follow_the_dataset() -> None:
    def run(lib: Any) -> Any:
        ds = lib.Dataset.from_list([{"col_1": []}, {"col_1": [1, 2]}])
        mapped = ds.map(lambda r: {"n": len(r["col_1"])})
        return [ds.info.features.to_dict(), mapped.info.features.to_dict(), ds.info.description]

    same(run)


ITEMS = [
    ({"col_1": [0, 1, 2]}, {"col_1": "uint8"}, {"col_1": 3, "col_2": "a"}),
    ({"col_1": [0, 1, 2]}, {"col_1": "uint8"}, {"col_3": True}),
    ({"col_1": [None, None]}, None, {"col_1": "a"}),
    ({"a": [1.5], "b": ["x"]}, None, {"b": "y", "a": 2}),
]


@pytest.mark.parametrize(("data", "types", "item"), ITEMS)
def test_add_item(data: dict[str, Any], types: dict[str, str] | None, item: dict[str, Any]) -> None:
    def run(lib: Any) -> Any:
        feats = lib.Features({k: lib.Value(v) for k, v in types.items()}) if types else None
        ds = lib.Dataset.from_dict(data, features=feats)
        out = ds.add_item(item)
        return [result(out), out.data.shape, out.add_item(item)[:]]

    same(run)


def test_add_item_keeps_format_and_class_labels() -> None:
    def run(lib: Any) -> Any:
        feats = lib.Features({"l": lib.ClassLabel(names=["a", "b"])})
        ds = lib.Dataset.from_dict({"l": [0, 1]}, features=feats).with_format("numpy")
        return result(ds.add_item({"l": 1}))

    same(run)


def test_concatenate_formats_only_the_first_datasets_formatted_columns() -> None:
    def run(lib: Any) -> Any:
        d1 = lib.Dataset.from_dict({"a": [1], "b": [2]}).with_format(
            "numpy", columns=["a"], output_all_columns=True
        )
        d2 = lib.Dataset.from_dict({"a": [3], "c": [4]}).with_format(
            "numpy", columns=["a"], output_all_columns=True
        )
        out = lib.concatenate_datasets([d1, d2])
        return [out.format["columns"], {k: type(v).__name__ for k, v in out[1].items()}, out[:]]

    same(run)
