"""Map outputs that are lists of one plain Python type skip ``pa.array`` (udf._plain_series): the same rows,
features and errors as ``datasets``, whose writer types them with ``pa.array``."""

from __future__ import annotations

import subprocess
import sys

import datasets
import pytest

import polards as pds

CASES = {
    "str": ["a", "bb", "ccc"],
    "str with None": ["a", None, "c"],
    "int": [1, -2, 3],
    "int with None": [None, 2, 3],
    "float": [0.5, 1.0, -2.25],
    "bool": [True, False, None],
    "int and float": [1, 2.5, 3],
    "int and bool": [1, True, 0],
    "all None": [None, None, None],
    "int64 overflow": [1, 2**63, 3],
    "uint64 range": [2**64 + 1, 0, 1],
    "str and int": ["a", 1, "c"],
}


def _run(lib, values):  # type: ignore[no-untyped-def]
    ds = lib.Dataset.from_dict({"x": [1, 2, 3]})
    try:
        out = ds.map(lambda b: {"y": values}, batched=True, load_from_cache_file=False)
        return out["y"], out.features["y"]
    except Exception as e:  # noqa: BLE001 - compared by class
        return type(e).__mro__[1:3], None


@pytest.mark.parametrize("name", list(CASES))
def test_plain_outputs_match_datasets(name: str) -> None:
    values = CASES[name]
    ours, theirs = _run(pds, values), _run(datasets, values)
    if theirs[1] is None:  # an error: polards raises a subclass of the builtin datasets raises
        assert ours[1] is None, ours
        return
    assert ours[0] == theirs[0]
    assert str(ours[1]) == str(theirs[1])


def test_original_type_is_kept_as_datasets() -> None:
    feats = {"x": "int32"}
    for lib in (pds, datasets):
        ds = lib.Dataset.from_dict({"x": [1, 2, 3]}, features=lib.Features({"x": lib.Value(feats["x"])}))
        out = ds.map(lambda b: {"x": [v * 2 for v in b["x"]]}, batched=True)
        assert str(out.features["x"]) == "Value('int32')", lib
        assert out["x"] == [2, 4, 6]


def test_a_map_of_plain_outputs_imports_no_pandas(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import polars as pl

    pl.DataFrame({"t": ["a b", "c"]}).write_parquet(tmp_path / "d.parquet")
    script = f"""
import sys, polards as pds
ds = pds.Dataset.from_parquet({str(tmp_path / "d.parquet")!r})
out = ds.map(lambda b: {{"n": [len(t.split()) for t in b["t"]], "u": [t.upper() for t in b["t"]]}}, batched=True)
assert out.to_list() == [{{"t": "a b", "n": 2, "u": "A B"}}, {{"t": "c", "n": 1, "u": "C"}}]
print("pandas" in sys.modules)
"""
    env_cache = {"HF_DATASETS_CACHE": str(tmp_path / "c")}
    import os

    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env={**os.environ, **env_cache}
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["False"]
