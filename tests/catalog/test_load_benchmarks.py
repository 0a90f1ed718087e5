"""End-to-end: the eval-benchmark declarations load from the Hub emulator, map to their shapes and grade."""

from __future__ import annotations

import pytest

from polards import Dataset, IterableDataset, catalog
from polards.catalog.benchmarks import CEVAL_SUBJECTS, MMLU_REDUX_SUBJECTS, gpqa
from polards.catalog.grading import extract_code
from polards.exceptions import InvalidArgumentError, SplitNotFoundError
from polards.mappers.structs import CODE_TESTS, MESSAGES
from polards.testing.fixtures import GATED_TOKEN
from tests.catalog.conftest import raw, rows_of

LETTERS = "ABCDEFGHIJ"


@pytest.mark.parametrize("name", ["aime_2025", "aime_2026", "hmmt_feb_2025", "hmmt_nov_2025"])
def test_math_benchmarks_map_and_grade(env, name):
    ds = catalog.load(name, split="train")
    assert len(ds) == 30 and ds.column_names[:2] == ["problem", "answer"]
    repo = catalog.dataset_info(name)["repo_id"]
    raw_rows = rows_of(raw(repo, split="train"))
    assert ds["answer"] == [str(r["answer"]).strip() for r in raw_rows]
    assert ds["problem_idx"] == list(range(1, 31))
    right = [f"... so the answer is $\\boxed{{{a}}}$." for a in ds["answer"]]
    assert all(catalog.grade(name, right, ds))
    assert not any(catalog.grade(name, ["\\boxed{1000000}"] * 30, ds))


def test_gpqa_needs_the_token_and_shuffles_stably(env):
    with pytest.raises(Exception, match="(?i)gated|401|403|auth|access"):
        catalog.load("gpqa", split="train")
    ds = catalog.load("gpqa", split="train", token=GATED_TOKEN)
    assert len(ds) == 10 and ds.lazy().collect_schema()["messages"] == MESSAGES
    raw_rows = rows_of(raw("Idavidrein/gpqa", "gpqa_diamond", split="train", token=GATED_TOKEN))
    for row, r in zip(ds.to_list(), raw_rows, strict=True):
        assert row["choices"][row["answer"]] == r["Correct Answer"].strip()
        assert sorted(row["choices"]) == sorted(
            r[c].strip()
            for c in ("Correct Answer", "Incorrect Answer 1", "Incorrect Answer 2", "Incorrect Answer 3")
        )
        assert row["answer_letter"] == LETTERS[row["answer"]]
    assert len(set(ds["answer_letter"])) > 1  # the correct answer is not always in the same slot
    again = catalog.load("gpqa", split="train", token=GATED_TOKEN)
    assert again["answer_letter"] == ds["answer_letter"]
    other = raw("Idavidrein/gpqa", "gpqa_diamond", split="train", token=GATED_TOKEN).map_schema(gpqa(seed=1))
    assert other["answer_letter"] != ds["answer_letter"]
    assert catalog.grade("gpqa", [f"The answer is ({x})." for x in ds["answer_letter"]], ds) == [True] * 10
    main = catalog.load("gpqa", "gpqa_main", split="train", token=GATED_TOKEN)
    assert len(main) == 16


def test_mmlu_pro(env):
    dd = catalog.load("mmlu_pro")
    assert set(dd) == {"test", "validation"}
    test = dd["test"]
    raw_rows = rows_of(raw("TIGER-Lab/MMLU-Pro", split="test"))
    assert test["answer_letter"] == [r["answer"] for r in raw_rows]
    assert any("\nJ. " in p for p in test["prompt"])
    assert catalog.grade("mmlu_pro", [f"\\boxed{{{x}}}" for x in test["answer_letter"]], test) == [
        True
    ] * len(test)


def test_mmlu_redux_subjects_and_error_filter(env):
    one = catalog.load("mmlu_redux", "anatomy")
    raw_rows = rows_of(raw("edinburgh-dawg/mmlu-redux", "anatomy", split="test"))
    ok = [r for r in raw_rows if (r["error_type"] or "ok") == "ok"]
    assert 0 < len(one) == len(ok) < len(raw_rows)
    assert set(one["subject"]) == {"anatomy"}
    unfiltered = catalog.load("mmlu_redux", "anatomy", only_ok=False)
    assert len(unfiltered) == len(raw_rows)
    everything = catalog.load("mmlu_redux")
    assert list(dict.fromkeys(everything["subject"])) == list(MMLU_REDUX_SUBJECTS)
    assert set(everything["error_type"]) == {"ok"}


def test_supergpqa(env):
    ds = catalog.load("supergpqa", split="train")
    raw_rows = rows_of(raw("m-a-p/SuperGPQA", split="train"))
    assert ds["answer_letter"] == [r["answer_letter"] for r in raw_rows]
    assert ds["answer_text"] == [r["answer"] for r in raw_rows]
    for row in ds.to_list():
        assert row["options"][row["answer"]] == row["answer_text"]


def test_ceval_val_by_default_and_all_subjects(env):
    ds = catalog.load("ceval", "logic")
    assert len(ds) == 3 and set(ds["subject"]) == {"logic"}
    raw_rows = rows_of(raw("ceval/ceval-exam", "logic", split="val"))
    assert ds["answer_letter"] == [r["answer"] for r in raw_rows]
    assert ds[0]["messages"][0]["content"].endswith(f"D. {raw_rows[0]['D']}")
    test = catalog.load("ceval", "logic", split="test")
    assert set(test["answer_letter"]) == {None}  # C-Eval hides test answers
    with pytest.raises(SplitNotFoundError, match="validation"):
        catalog.load("ceval", "logic", split="validation")
    everything = catalog.load("ceval")
    assert len(everything) == 3 * len(CEVAL_SUBJECTS) == 156


def test_mbpp_sanitized_runs_in_the_sandbox(env):
    ds = catalog.load("mbpp", split="test")
    assert ds.column_names[:3] == ["problem", "tests", "starter_code"]
    assert ds.lazy().collect_schema()["tests"] == CODE_TESTS
    raw_rows = rows_of(raw("google-research-datasets/mbpp", "sanitized", split="test"))
    assert ds["problem"] == [r["prompt"] for r in raw_rows]
    first = ds[0]["tests"]
    assert [t["testtype"] for t in first] == ["assert"] * 3 and first[0]["fn_name"]
    outputs = [f"Here you go:\n```python\n{r['code']}\n```" for r in raw_rows[:4]]
    assert catalog.grade("mbpp", outputs, ds["tests"][:4], workers=2) == [True] * 4
    wrong = ["```python\ndef nothing():\n    pass\n```"] * 2
    assert catalog.grade("mbpp", wrong, ds["tests"][:2], workers=2) == [False, False]
    full = catalog.load("mbpp", "full", split="test")
    assert full["problem"] == [
        r["text"] for r in rows_of(raw("google-research-datasets/mbpp", "full", split="test"))
    ]


def test_livecodebench_reads_the_release_file_of_a_script_repo(env):
    from polards.testing.fixtures.gen_code import TASKS

    ds = catalog.load("livecodebench", split="test")
    assert isinstance(ds, Dataset) and len(ds) == 6
    assert ds.lazy().collect_schema()["tests"] == CODE_TESTS
    assert all(t["testtype"] == "stdin" for tests in ds["tests"] for t in tests)
    by_statement = {t.statement: t.stdin_solution for t in TASKS.values()}
    outputs = [f"```python\n{by_statement[p]}```" for p in ds["problem"]]
    assert catalog.grade("livecodebench", outputs, ds, workers=2) == [True] * 6
    v1 = catalog.load("livecodebench", "release_v1")
    assert set(v1) == {"test"} and len(v1["test"]) == 4
    stream = catalog.load("livecodebench", split="test", streaming=True)
    assert isinstance(stream, IterableDataset) and len(rows_of(stream)) == 6
    with pytest.raises(SplitNotFoundError):
        catalog.load("livecodebench", split="train")


def test_grade_errors_and_code_extraction():
    with pytest.raises(InvalidArgumentError, match="declares no grader"):
        catalog.grade("tulu3_sft", ["x"], ["y"])
    with pytest.raises(InvalidArgumentError, match="2 outputs but 1"):
        catalog.grade("mmlu_pro", ["A", "B"], ["A"])
    assert extract_code("```\nprint(2)\n```\n```python\nprint(1)\n```\n```bash\nls\n```") == "print(1)\n"
    assert extract_code("print(3)") == "print(3)"
    assert catalog.grade("mmlu_pro", [None, "C"], ["A", None]) == [False, False]
