"""Eval benchmarks tinker-cookbook 0.6.1 runs, as catalog declarations with the grader that fits.

Math (``grader="math"``, reference ``answer``): AIME 2025/2026, HMMT Feb/Nov 2025. Multiple choice
(``grader="multiple_choice"``, reference ``answer_letter``): GPQA (gated; choices shuffled per question with a
stable seed), MMLU-Pro, MMLU-Redux (30 subject configs, rows annotated as erroneous dropped by default),
SuperGPQA, C-Eval (52 subject configs, split ``val``). Code (``grader="code_sandbox"``, reference ``tests``):
MBPP (sanitized) and LiveCodeBench (a script repo: its release JSON-lines files are downloaded and read).

>>> import polars as pl
>>> lf = pl.LazyFrame({"A": ["1"], "B": ["2"], "C": ["3"], "D": ["4"], "question": ["1+1?"], "answer": ["B"]})
>>> row = ceval()(lf).collect().row(0, named=True)
>>> row["answer_letter"], row["choices"]
('B', ['1', '2', '3', '4'])
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import polars as pl

from polards.catalog._apply import apply_mapper, load_raw, split_options
from polards.catalog.spec import DatasetSpec
from polards.exceptions import InvalidArgumentError, SplitNotFoundError
from polards.mappers import Mapper, deepcoder, multiple_choice
from polards.mappers._base import mapper_factory, require_columns
from polards.mappers.structs import CODE_TESTS

__all__ = [
    "CEVAL_SUBJECTS",
    "LCB_RELEASE_FILES",
    "MMLU_REDUX_SUBJECTS",
    "SPECS",
    "ceval",
    "gpqa",
    "livecodebench",
    "matharena",
    "mbpp",
    "mmlu_pro",
    "mmlu_redux",
    "subject_loader",
    "supergpqa",
]

_LETTER_INDEX = {c: i for i, c in enumerate("ABCDEFGHIJ")}

MMLU_REDUX_SUBJECTS = (
    "anatomy", "astronomy", "business_ethics", "clinical_knowledge", "college_chemistry", "college_computer_science",
    "college_mathematics", "college_medicine", "college_physics", "conceptual_physics", "econometrics",
    "electrical_engineering", "formal_logic", "global_facts", "high_school_chemistry", "high_school_geography",
    "high_school_macroeconomics", "high_school_mathematics", "high_school_physics", "high_school_statistics",
    "high_school_us_history", "human_aging", "logical_fallacies", "machine_learning", "miscellaneous", "philosophy",
    "professional_accounting", "professional_law", "public_relations", "virology",
)  # fmt: skip
CEVAL_SUBJECTS = (
    "computer_network", "operating_system", "computer_architecture", "college_programming", "college_physics",
    "college_chemistry", "advanced_mathematics", "probability_and_statistics", "discrete_mathematics",
    "electrical_engineer", "metrology_engineer", "high_school_mathematics", "high_school_physics",
    "high_school_chemistry", "high_school_biology", "middle_school_mathematics", "middle_school_biology",
    "middle_school_physics", "middle_school_chemistry", "veterinary_medicine", "college_economics",
    "business_administration", "marxism", "mao_zedong_thought", "education_science", "teacher_qualification",
    "high_school_politics", "high_school_geography", "middle_school_politics", "middle_school_geography",
    "modern_chinese_history", "ideological_and_moral_cultivation", "logic", "law", "chinese_language_and_literature",
    "art_studies", "professional_tour_guide", "legal_professional", "high_school_chinese", "high_school_history",
    "middle_school_history", "civil_servant", "sports_science", "plant_protection", "basic_medicine",
    "clinical_medicine", "urban_and_rural_planner", "accountant", "fire_engineer",
    "environmental_impact_assessment_engineer", "tax_accountant", "physician",
)  # fmt: skip
#: LiveCodeBench configs -> release files (``release_vN`` is cumulative, ``vN`` one release)
LCB_RELEASE_FILES: dict[str, tuple[str, ...]] = {
    **{
        f"release_v{n}": tuple("test.jsonl" if k == 1 else f"test{k}.jsonl" for k in range(1, n + 1))
        for n in range(1, 7)
    },
    **{f"v{n}": ("test.jsonl" if n == 1 else f"test{n}.jsonl",) for n in range(1, 7)},
}


def _front(out: pl.LazyFrame, front: list[str]) -> pl.LazyFrame:
    return out.select(*front, *[c for c in out.collect_schema() if c not in front])


# ------------------------------------------------------------------------------------------------ mappers
@mapper_factory
def matharena() -> Mapper:
    """MathArena rows (``problem``, integer or LaTeX ``answer``) -> ``math_problem`` (answer as a string)."""

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        require_columns(lf, ["problem", "answer"], "matharena")
        out = lf.with_columns(
            pl.col("problem").cast(pl.String), pl.col("answer").cast(pl.String).str.strip_chars()
        )
        return _front(out, ["problem", "answer"])

    return Mapper("matharena", run, output="math_problem")


def _slot(question: str | None, seed: int) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}\0{question}".encode()).digest()[:4], "big") % 4


@mapper_factory
def gpqa(*, seed: int = 0) -> Mapper:
    """GPQA rows -> lettered choices: the correct answer put at a stable per-question slot (sha256 of ``seed``
    and the question), the three incorrect ones around it in order; then :func:`multiple_choice`."""
    correct = "Correct Answer"
    wrong = [f"Incorrect Answer {i}" for i in (1, 2, 3)]

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        require_columns(lf, ["Question", correct, *wrong], "gpqa")
        slot = pl.col("Question").map_batches(
            lambda s: pl.Series([_slot(q, seed) for q in s.to_list()], dtype=pl.Int64),
            return_dtype=pl.Int64,
            is_elementwise=True,
        )
        parts = [pl.col(c).cast(pl.String).str.strip_chars() for c in (correct, *wrong)]
        orders = [
            [parts[1 + w] for w in range(k)] + [parts[0]] + [parts[1 + w] for w in range(k, 3)]
            for k in range(4)
        ]
        choices = pl.when(slot == 0).then(pl.concat_list(orders[0]))
        for k in (1, 2):
            choices = choices.when(slot == k).then(pl.concat_list(orders[k]))
        lf = lf.with_columns(
            pl.col("Question").cast(pl.String).str.strip_chars().alias("question"),
            choices.otherwise(pl.concat_list(orders[3])).alias("choices"),
            slot.alias("answer"),
        )
        return multiple_choice()(lf)

    return Mapper("gpqa", run, output="messages")


@mapper_factory
def mmlu_pro() -> Mapper:
    """MMLU-Pro rows (``question``, up to 10 ``options``, ``answer_index``) -> lettered prompt + ``answer_letter``."""
    return Mapper("mmlu_pro", multiple_choice(choices="options", answer="answer_index").fn, output="messages")


@mapper_factory
def mmlu_redux(*, only_ok: bool = True) -> Mapper:
    """MMLU-Redux rows -> lettered prompt; ``only_ok`` keeps rows whose ``error_type`` is ``"ok"`` (the
    cookbook's filter; a null ``error_type`` counts as ok)."""
    inner = multiple_choice()

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        if only_ok and "error_type" in lf.collect_schema():
            lf = lf.filter(pl.col("error_type").fill_null("ok") == "ok")
        return inner(lf)

    return Mapper("mmlu_redux", run, output="messages")


@mapper_factory
def supergpqa() -> Mapper:
    """SuperGPQA rows (``options``, ``answer_letter``) -> lettered prompt (``answer`` text kept as ``answer_text``)."""

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        require_columns(lf, ["question", "options", "answer_letter"], "supergpqa")
        if "answer" in lf.collect_schema():
            lf = lf.rename({"answer": "answer_text"})
        index = (
            pl.col("answer_letter")
            .str.strip_chars()
            .replace_strict(_LETTER_INDEX, default=None, return_dtype=pl.Int64)
        )
        return multiple_choice(choices="options", answer="answer")(lf.with_columns(index.alias("answer")))

    return Mapper("supergpqa", run, output="messages")


@mapper_factory
def ceval() -> Mapper:
    """C-Eval rows (``question``, ``A``-``D``, ``answer`` letter; blank on ``test``) -> lettered prompt."""

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        require_columns(lf, ["question", "A", "B", "C", "D", "answer"], "ceval")
        index = (
            pl.col("answer")
            .str.strip_chars()
            .replace_strict(_LETTER_INDEX, default=None, return_dtype=pl.Int64)
        )
        lf = lf.with_columns(
            pl.concat_list([pl.col(c).cast(pl.String) for c in "ABCD"]).alias("choices"),
            index.alias("answer_index"),
        )
        return multiple_choice(answer="answer_index")(lf)

    return Mapper("ceval", run, output="messages")


_FIRST_CALL = re.compile(
    r"assert\s+(?:not\s+)?[\s(]*(?:(?:set|math\.isclose|sorted|abs|round)\s*\(\s*)?([A-Za-z_]\w*)\s*\("
)


def _mbpp_tests(s: pl.Series) -> pl.Series:
    out = []
    for row in s.to_list():
        setup = "\n".join(x for x in (row["setup"] or []) if x)
        tests = row["tests"] or []
        found = _FIRST_CALL.search(tests[0]) if tests else None
        fn = found.group(1) if found else None
        out.append(
            [
                {"input": f"{setup}\n{t}" if setup else t, "output": "", "testtype": "assert", "fn_name": fn}
                for t in tests
            ]
        )
    return pl.Series(s.name, out, dtype=CODE_TESTS)


@mapper_factory
def mbpp() -> Mapper:
    """MBPP rows (``prompt``/``text``, ``test_list`` asserts, ``test_imports``/``test_setup_code``) ->
    ``code_task``: one ``assert`` test per line of ``test_list`` (setup prepended), ``fn_name`` from the first
    assert, no starter code."""

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        schema = lf.collect_schema()
        problem = "prompt" if "prompt" in schema else "text"
        require_columns(lf, [problem, "test_list"], "mbpp")
        if "test_imports" in schema:
            setup = pl.col("test_imports")
        elif "test_setup_code" in schema:
            setup = pl.concat_list(pl.col("test_setup_code").cast(pl.String))
        else:
            setup = pl.lit([], dtype=pl.List(pl.String))
        tests = pl.struct(setup.alias("setup"), pl.col("test_list").alias("tests")).map_batches(
            _mbpp_tests, return_dtype=CODE_TESTS, is_elementwise=True
        )
        out = lf.with_columns(
            pl.col(problem).cast(pl.String).alias("problem"),
            tests.alias("tests"),
            pl.lit(None, dtype=pl.String).alias("starter_code"),
        )
        return _front(out, ["problem", "tests", "starter_code"])

    return Mapper("mbpp", run, output="code_task")


@mapper_factory
def livecodebench() -> Mapper:
    """LiveCodeBench rows -> ``code_task`` from ``question_content`` and the JSON ``public_test_cases`` (the
    private tests are a pickle, which polards never unpickles)."""
    inner = deepcoder()

    def run(lf: pl.LazyFrame) -> pl.LazyFrame:
        require_columns(lf, ["question_content", "public_test_cases"], "livecodebench")
        lf = lf.with_columns(
            pl.col("question_content").cast(pl.String).alias("problem"),
            pl.col("public_test_cases").cast(pl.String).alias("tests"),
        )
        return inner(lf)

    return Mapper("livecodebench", run, output="code_task")


# ------------------------------------------------------------------------------------------------ loaders
def _tag(subject: str) -> Mapper:
    return Mapper(
        f"subject_{subject}", lambda lf: lf.with_columns(pl.lit(subject, dtype=pl.String).alias("subject"))
    )


def subject_loader(pattern: str) -> Any:
    """A catalog loader for benchmarks with one config per subject whose files follow ``pattern`` (e.g.
    ``"{subject}/{split}-*"``): one subject config, or (``config=None``) every subject of ``spec.configs``
    read in one ``load_dataset`` call (``data_files`` per subject), concatenated with a ``subject`` column,
    then mapped. ``split=None`` uses the benchmark's first split."""

    def load(spec: DatasetSpec, config: str | None, split: str | None, streaming: bool, **kw: Any) -> Any:
        from polards import concatenate_datasets

        options, load_kw = split_options(spec.mapper, kw)
        split = split or spec.splits[0]
        if split not in spec.splits:
            raise SplitNotFoundError(f"{spec.name}: split {split!r} not in {list(spec.splits)}.")
        if config is not None:
            parts = [load_raw(spec.repo_id, config, split, streaming, **load_kw).map_schema(_tag(config))]
        else:
            files = {s: pattern.format(subject=s, split=split) for s in spec.configs}
            by_subject = load_raw(spec.repo_id, None, None, streaming, data_files=files, **load_kw)
            parts = [by_subject[s].map_schema(_tag(s)) for s in spec.configs]
        merged = parts[0] if len(parts) == 1 else concatenate_datasets(parts)
        return merged.map_schema(spec.mapper(**options))

    return load


def load_livecodebench(
    spec: DatasetSpec, config: str | None, split: str | None, streaming: bool, **kw: Any
) -> Any:
    """Download the release files of ``config`` (default ``v6``) with ``hf_hub_download``, read them with
    ``Dataset.from_json`` (the repo's loading script is never run) and map them; split ``test`` only."""
    from huggingface_hub import hf_hub_download

    from polards import Dataset, DatasetDict, IterableDatasetDict

    options, load_kw = split_options(livecodebench, kw)
    config = config or spec.default_config or "v6"
    if split not in (None, "test"):
        raise SplitNotFoundError(f"livecodebench has only the split 'test', not {split!r}.")
    token = load_kw.pop("token", None)
    revision = load_kw.pop("revision", None)
    if load_kw:
        raise InvalidArgumentError(f"livecodebench does not take {sorted(load_kw)}.")
    paths = [
        hf_hub_download(spec.repo_id, f, repo_type="dataset", token=token, revision=revision)
        for f in LCB_RELEASE_FILES[config]
    ]
    ds = Dataset.from_json(paths if len(paths) > 1 else paths[0])
    data = ds.to_iterable_dataset() if streaming else ds
    mapped = apply_mapper(data, livecodebench(**options))
    if split is None:
        return (IterableDatasetDict if streaming else DatasetDict)({"test": mapped})
    return mapped


# ------------------------------------------------------------------------------------------------ specs
def _math(name: str, repo: str, what: str, rows: int) -> DatasetSpec:
    return DatasetSpec(
        name=name,
        repo_id=repo,
        domain="math",
        task="math_eval",
        output="math_problem",
        mapper=matharena,
        splits=("train",),
        approx_rows=rows,
        licence="cc-by-nc-sa-4.0",
        description=f"{what}: problem and final answer (as a string), graded with polards.eval's math grader.",
        grader="math",
        reference="answer",
    )


def _mcq(name: str, repo: str, mapper: Any, what: str, **kw: Any) -> DatasetSpec:
    return DatasetSpec(
        name=name,
        repo_id=repo,
        domain="knowledge",
        task="mcq_eval",
        output="messages",
        mapper=mapper,
        description=f"{what}; lettered choices prompt, graded by the extracted letter.",
        grader="multiple_choice",
        reference="answer_letter",
        **kw,
    )


SPECS = (
    _math("aime_2025", "MathArena/aime_2025", "AIME 2025 (30 problems, integer answers)", 30),
    _math("aime_2026", "MathArena/aime_2026", "AIME 2026 (30 problems, integer answers)", 30),
    _math("hmmt_feb_2025", "MathArena/hmmt_feb_2025", "HMMT February 2025 (LaTeX answers)", 30),
    _math("hmmt_nov_2025", "MathArena/hmmt_nov_2025", "HMMT November 2025 (LaTeX answers)", 30),
    _mcq(
        "gpqa", "Idavidrein/gpqa", gpqa, "GPQA (gated): correct + 3 incorrect answers shuffled per question",
        configs=("gpqa_diamond", "gpqa_main", "gpqa_extended", "gpqa_experts"), default_config="gpqa_diamond",
        splits=("train",), approx_rows=198, licence="cc-by-4.0",
    ),
    _mcq(
        "mmlu_pro", "TIGER-Lab/MMLU-Pro", mmlu_pro, "MMLU-Pro, up to 10 options",
        splits=("test", "validation"), approx_rows=12_032, licence="mit",
    ),
    _mcq(
        "mmlu_redux", "edinburgh-dawg/mmlu-redux", mmlu_redux,
        "MMLU-Redux, 30 subject configs (all concatenated with a 'subject' column when config=None)",
        configs=MMLU_REDUX_SUBJECTS, splits=("test",), approx_rows=3_000, licence="cc-by-4.0",
        loader=subject_loader("{subject}/{split}-*"),
    ),
    _mcq(
        "supergpqa", "m-a-p/SuperGPQA", supergpqa, "SuperGPQA, 285 disciplines, up to 10 options",
        splits=("train",), approx_rows=26_529, licence="odc-by",
    ),
    _mcq(
        "ceval", "ceval/ceval-exam", ceval,
        "C-Eval, 52 subject configs (val split by default; all concatenated with a 'subject' column when config=None)",
        configs=CEVAL_SUBJECTS, splits=("val", "dev", "test"), approx_rows=1_346, licence="cc-by-nc-sa-4.0",
        loader=subject_loader("{subject}/{split}-*"),
    ),
    DatasetSpec(
        name="mbpp",
        repo_id="google-research-datasets/mbpp",
        domain="code",
        task="code_eval",
        output="code_task",
        mapper=mbpp,
        configs=("sanitized", "full"),
        default_config="sanitized",
        splits=("test", "train", "validation", "prompt"),
        approx_rows=427,
        licence="cc-by-4.0",
        description="MBPP (sanitized by default): one assert test per test_list line, run in the sandbox.",
        grader="code_sandbox",
        reference="tests",
    ),
    DatasetSpec(
        name="livecodebench",
        repo_id="livecodebench/code_generation_lite",
        domain="code",
        task="code_eval",
        output="code_task",
        mapper=livecodebench,
        configs=tuple(LCB_RELEASE_FILES),
        default_config="v6",
        splits=("test",),
        approx_rows=175,
        licence="cc",
        description="LiveCodeBench (script repo): release JSON-lines files, public stdin tests, run in the sandbox.",
        loader=load_livecodebench,
        grader="code_sandbox",
        reference="tests",
    ),
)  # fmt: skip
