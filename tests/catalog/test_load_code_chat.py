"""End-to-end: catalog code and chat loaders against the Hub emulator."""

from __future__ import annotations

import json

from polards import IterableDataset, catalog
from polards.mappers import normalize_tests
from polards.mappers.structs import CODE_TESTS, MESSAGES
from tests.catalog.conftest import raw, rows_of


def _expected_code_task(row: dict) -> dict | None:
    meta = row.get("metadata")
    meta = json.loads(meta) if isinstance(meta, str) and meta else (meta or {})
    tests = normalize_tests(row["tests"], meta.get("func_name") if isinstance(meta, dict) else None)
    if not tests or not row["problem"].strip():
        return None
    starter = row.get("starter_code")
    return {
        "problem": row["problem"],
        "tests": tests,
        "starter_code": starter if starter and starter.strip() else None,
    }


def test_deepcoder_configs_and_mixture(env):
    repo = "agentica-org/DeepCoder-Preview-Dataset"
    for config, split in [
        ("primeintellect", "train"),
        ("taco", "train"),
        ("lcbv5", "test"),
        ("codeforces", "test"),
    ]:
        ds = catalog.load("deepcoder", config, split=split)
        assert ds.column_names[:3] == ["problem", "tests", "starter_code"]
        assert ds.lazy().collect_schema()["tests"] == CODE_TESTS
        expected = [e for e in map(_expected_code_task, rows_of(raw(repo, config, split))) if e is not None]
        got = [{k: r[k] for k in ("problem", "tests", "starter_code")} for r in ds.to_list()]
        assert got == expected, config
        assert len(got) > 0
    taco = catalog.load("deepcoder", "taco", split="train")
    kinds = {t["testtype"] for tests in taco["tests"] for t in tests}
    assert kinds <= {"functional", "stdin_stdout"}
    mix = catalog.load("deepcoder")
    assert set(mix) == {"train", "test"}
    assert mix["train"].column_names == ["problem", "tests", "starter_code", "metadata", "subset"]
    assert list(dict.fromkeys(mix["train"]["subset"])) == ["primeintellect", "taco", "lcbv5"]
    assert list(dict.fromkeys(mix["test"]["subset"])) == ["codeforces", "lcbv5"]
    n_train = sum(
        len(catalog.load("deepcoder", c, split="train")) for c in ("primeintellect", "taco", "lcbv5")
    )
    assert len(mix["train"]) == n_train


def test_humaneval(env):
    ds = catalog.load("humaneval", split="test")
    assert len(ds) == 164
    row = ds[0]
    assert row["task_id"] == "HumanEval/0"
    assert row["problem"] == row["prompt"] == row["starter_code"]
    assert row["tests"] == [
        {"input": row["test"], "output": "", "testtype": "check", "fn_name": "has_close_elements"}
    ]


def test_tulu3_sft_and_no_robots_identity(env):
    tulu = catalog.load("tulu3_sft", split="train")
    assert tulu.lazy().collect_schema()["messages"] == MESSAGES
    raw_rows = rows_of(raw("allenai/tulu-3-sft-mixture", split="train"))
    assert tulu["messages"] == [
        [{"role": m["role"], "content": m["content"]} for m in r["messages"]] for r in raw_rows
    ]
    nr = catalog.load("no_robots")
    assert set(nr) == {"train", "test"}
    raw_nr = rows_of(raw("HuggingFaceH4/no_robots", split="test"))
    assert nr["test"]["messages"] == [
        [{"role": m["role"], "content": m["content"]} for m in r["messages"]] for r in raw_nr
    ]
    assert nr["test"]["prompt"] == [r["prompt"] for r in raw_nr]


def test_openthoughts3_streams_by_default(env):
    stream = catalog.load("openthoughts3", split="train")
    assert isinstance(stream, IterableDataset)
    got = rows_of(stream)
    role = {"human": "user", "gpt": "assistant", "system": "system"}
    raw_rows = rows_of(raw("open-thoughts/OpenThoughts3-1.2M", split="train"))
    assert [r["messages"] for r in got] == [
        [{"role": role.get(t["from"], t["from"]), "content": t["value"]} for t in r["conversations"]]
        for r in raw_rows
    ]
    assert all("conversations" not in r for r in got)
    mapstyle = catalog.load("openthoughts3", split="train", streaming=False)
    assert mapstyle.to_list() == got
