"""``Dataset.batch`` (by size and ``by_column``), stratified ``train_test_split`` errors, and the DatasetDict
verbs (``align_labels_with_mapping``, value type checks, ``IterableDatasetDict.push_to_hub`` argument checks),
differential against ``datasets`` 5.2."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.api_conformance._oracle import features_json, same

DATA = {
    "id": list(range(10)),
    "k": ["A", "A", "B", "B", "B", "C", "B", None, "B", "B"],
    "s": ["x", "x", "y", "z", "z", "x", "y", "y", "y", "y"],
}

BATCH_ARGS = [
    {"by_column": "k"},
    {"by_column": ["k", "s"]},
    {"by_column": "k", "batch_size": 3},
    {"by_column": "k", "batch_size": 3, "drop_last_batch": True},
    {"by_column": "k", "batch_size": 5, "drop_last_batch": True},
    {"batch_size": 3},
    {"batch_size": 3, "drop_last_batch": True},
    {},
]


@pytest.mark.parametrize("kwargs", BATCH_ARGS, ids=str)
def test_batch(kwargs: dict[str, Any]) -> None:
    def run(lib: Any) -> Any:
        out = lib.Dataset.from_dict(DATA).batch(**kwargs)
        return [list(out), features_json(out)]

    same(run)


def test_batch_by_column_keeps_class_labels() -> None:
    def run(lib: Any) -> Any:
        feats = lib.Features({"l": lib.ClassLabel(names=["a", "b"]), "v": lib.Value("int32")})
        out = lib.Dataset.from_dict({"l": [0, 0, 1], "v": [1, 2, 3]}, features=feats).batch(by_column="l")
        return [out[:], features_json(out)]

    same(run)


def test_batch_by_unknown_column_raises() -> None:
    same(lambda lib: lib.Dataset.from_dict(DATA).batch(by_column="nope")[:])


STRATIFY = [
    (np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2]), 0.33, "labl", True),  # unknown column
    (np.array([0, 1, 1, 1, 2, 2, 2, 3, 3, 3]), 0.33, "label", True),  # a class with one member
    (np.array([0, 1, 2, 3] * 7 + [0, 1]), 0.33, "label", False),  # not a ClassLabel
    (np.array([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]), 0.30, "label", True),  # test smaller than the classes
    (np.array([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]), 0.60, "label", True),  # train smaller than the classes
    (np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]), 0.5, "label", True),  # fine
]


@pytest.mark.parametrize(("ys", "test_size", "column", "class_label"), STRATIFY)
def test_stratified_split_errors(ys: np.ndarray, test_size: float, column: str, class_label: bool) -> None:
    def run(lib: Any) -> Any:
        feats = lib.Features({"text": lib.Value("int64"), "label": lib.ClassLabel(len(np.unique(ys)))})
        data = {"text": np.ones(len(ys)), "label": ys}
        ds = lib.Dataset.from_dict(data, features=feats if class_label else None)
        out = ds.train_test_split(test_size, stratify_by_column=column, seed=0)
        return {k: len(v) for k, v in out.items()}

    same(run)


def labels_dict(lib: Any) -> Any:
    train = lib.Features(
        {"t": lib.Value("string"), "l": lib.ClassLabel(names=["entailment", "neutral", "contradiction"])}
    )
    test = lib.Features(
        {"t": lib.Value("string"), "l": lib.ClassLabel(names=["entailment", "contradiction", "neutral"])}
    )
    data = {"t": ["a", "b", "c", "d", "e", "f", "g"], "l": [0, 0, 1, 1, 2, 2, None]}
    return lib.DatasetDict(
        {
            "train": lib.Dataset.from_dict(data, features=train),
            "test": lib.Dataset.from_dict(data, features=test),
        }
    )


@pytest.mark.parametrize(
    "label2id",
    [
        {"CONTRADICTION": 0, "ENTAILMENT": 2, "NEUTRAL": 1},
        {"neutral": 5, "entailment": 3, "contradiction": 4},
    ],
)
def test_align_labels_with_mapping(label2id: dict[str, int]) -> None:
    def run(lib: Any) -> Any:
        out = labels_dict(lib).align_labels_with_mapping(label2id, "l")
        return {k: [v["l"][:], features_json(v)] for k, v in out.items()}

    same(run)


def test_align_labels_of_a_list_column_and_errors() -> None:
    """datasets 5.2 documents list-of-ClassLabel columns but raises NameError on them (its check names an
    undefined ``Sequence``); polards aligns them the way its code intends."""
    import polards as pds

    feats = pds.Features({"l": pds.List(pds.ClassLabel(names=["a", "b", "c"]))})
    ds = pds.Dataset.from_dict({"l": [[0, 1], [], [2, None]]}, features=feats)
    out = ds.align_labels_with_mapping({"C": 0, "B": 1, "A": 2}, "l")
    assert out[:] == {"l": [[2, 1], [], [0, None]]}
    assert out.features["l"] == pds.List(pds.ClassLabel(names=["C", "B", "A"]))
    same(lambda lib: labels_dict(lib)["train"].align_labels_with_mapping({"x": 0}, "l")[:])  # KeyError
    with pytest.raises(ValueError, match="only supported for ClassLabel"):  # datasets: NameError, as above
        labels_dict(pds)["train"].align_labels_with_mapping({"x": 0}, "t")
    same(lambda lib: labels_dict(lib)["train"].align_labels_with_mapping({"x": 0}, "nope"))


def test_align_labels_unused_name_missing_from_mapping_is_fine() -> None:
    def run(lib: Any) -> Any:
        feats = lib.Features({"l": lib.ClassLabel(names=["a", "b", "c"])})
        out = lib.Dataset.from_dict({"l": [0, 1]}, features=feats).align_labels_with_mapping(
            {"B": 0, "A": 1}, "l"
        )
        return [out[:], features_json(out)]

    same(run)


@pytest.mark.parametrize("verb", ["map", "filter", "shuffle", "sort", "set_format", "with_transform"])
def test_dataset_dict_values_must_be_datasets(verb: str) -> None:
    args = {
        "map": (lambda x: x,),
        "filter": (lambda x: True,),
        "sort": ("t",),
        "with_transform": (lambda b: b,),
    }

    def run(lib: Any) -> Any:
        dd = labels_dict(lib)
        dd["bad_split"] = None
        return getattr(dd, verb)(*args.get(verb, ()))

    assert same(run) == ("raise", "TypeError")


def test_iterable_dataset_dict_push_to_hub_argument_check() -> None:
    def run(lib: Any) -> Any:
        dd = lib.IterableDatasetDict({"train": lib.Dataset.from_dict({"a": [1]}).to_iterable_dataset()})
        return dd.push_to_hub("user/dataset", max_shard_size="1MB", num_shards={"train": 1})

    assert same(run) == ("raise", "ValueError")
