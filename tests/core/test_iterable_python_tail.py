"""A streaming batched ``map`` read as Python rows hands the function's outputs to the reader unconverted, as
``datasets``' ``MappedExamplesIterable`` does: same rows, same Python types, same order, same errors."""

from __future__ import annotations

from typing import Any

import datasets
import numpy as np
import pytest

import polards as pds

DATA = {
    "id": list(range(23)),
    "text": [f"t{i}" * (i % 4) for i in range(23)],
    "x": [i / 2 for i in range(23)],
}


def _both(data: dict[str, list[Any]] = DATA, shards: int = 3) -> tuple[Any, Any]:
    return (
        pds.Dataset.from_dict(data).to_iterable_dataset(num_shards=shards),
        datasets.Dataset.from_dict(data).to_iterable_dataset(num_shards=shards),
    )


def _typed(rows: list[dict[str, Any]]) -> list[list[tuple[str, type, Any]]]:
    return [[(k, type(v), v) for k, v in r.items()] for r in rows]


CASES = {
    "new columns": (lambda b: {"n": [len(t) for t in b["text"]]}, {}),
    "replace a column": (lambda b: {"text": [t.upper() for t in b["text"]]}, {}),
    "input columns + remove": (
        lambda t: {"pair": [[s, s] for s in t]},
        {"input_columns": ["text"], "remove_columns": ["text", "x"]},
    ),
    "nested dicts": (
        lambda b: {"msgs": [[{"role": "user", "content": t}] for t in b["text"]]},
        {"remove_columns": ["text"]},
    ),
    "expand rows": (
        lambda b: {"id": b["id"] * 2, "text": b["text"] * 2, "x": b["x"] * 2},
        {},
    ),
    "shrink, removing all inputs": (
        lambda b: {"first": b["id"][:1]},
        {"remove_columns": ["id", "text", "x"]},
    ),
    "batch mutated in place and returned": (lambda b: b.update(k=[1] * len(b["id"])) or b, {}),
    "with indices": (lambda b, idx: {"idx": list(idx)}, {"with_indices": True}),
    "numpy values (kept as numpy by datasets)": (lambda b: {"arr": np.arange(len(b["id"]))}, {}),
    "tuples inside lists": (lambda b: {"tup": [(i, i) for i in b["id"]]}, {}),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("batch_size", [1, 5, 1000])
def test_rows_and_types_match_datasets(case: str, batch_size: int) -> None:
    fn, kw = CASES[case]
    ours, theirs = _both()
    ours = ours.map(fn, batched=True, batch_size=batch_size, **kw)
    theirs = theirs.map(fn, batched=True, batch_size=batch_size, **kw)
    assert _typed(list(ours)) == _typed(list(theirs))


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize(("size", "drop"), [(4, False), (4, True), (7, False), (100, False)])
def test_iter_batches_match_datasets(case: str, size: int, drop: bool) -> None:
    fn, kw = CASES[case]
    ours, theirs = _both()
    ours = ours.map(fn, batched=True, batch_size=3, **kw)
    theirs = theirs.map(fn, batched=True, batch_size=3, **kw)
    got = list(ours.iter(batch_size=size, drop_last_batch=drop))
    want = list(theirs.iter(batch_size=size, drop_last_batch=drop))
    assert [{k: [(type(x), x) for x in v] for k, v in b.items()} for b in got] == [
        {k: [(type(x), x) for x in v] for k, v in b.items()} for b in want
    ]


def test_a_length_mismatch_raises_datasets_error() -> None:
    ours, theirs = _both()
    bad = lambda b: {"a": [1], "b": [1, 2]}  # noqa: E731
    with pytest.raises(ValueError, match="Column lengths mismatch") as want:
        list(theirs.map(bad, batched=True))
    with pytest.raises(ValueError, match="Column lengths mismatch") as got:
        list(ours.map(bad, batched=True))
    assert str(got.value) == str(want.value)


def test_take_after_the_map_and_state_resume_use_the_frame_path() -> None:
    ours, theirs = _both()
    fn = lambda b: {"n": [i * 3 for i in b["id"]]}  # noqa: E731
    assert list(ours.map(fn, batched=True).take(5)) == list(theirs.map(fn, batched=True).take(5))
    it = ours.map(fn, batched=True)
    seen = []
    for row in it:
        seen.append(row)
        if len(seen) == 7:
            state = it.state_dict()
            break
    it.load_state_dict(state)
    assert seen + list(it) == list(theirs.map(fn, batched=True))


def test_map_with_features_still_casts() -> None:
    ours, _ = _both()
    feats = pds.Features(
        {
            "id": pds.Value("int64"),
            "text": pds.Value("string"),
            "x": pds.Value("float64"),
            "n": pds.Value("int32"),
        }
    )
    rows = list(ours.map(lambda b: {"n": [1] * len(b["id"])}, batched=True, features=feats))
    assert rows[0]["n"] == 1 and len(rows) == 23
