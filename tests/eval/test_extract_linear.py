r"""Every extractor, function and Polars expression alike, is linear: 1 MB adversarial inputs in well under a second.

Inputs repeat a short fragment built from the tokens that trip backtracking or per-candidate rescans
(unclosed ``\boxed{``, ``####``, "answer is", digits with commas, lone letters, stars, braces). Before the fix
``"\\boxed{" * 8000`` (56 KB) took 7.8 s, so a quadratic extractor would need hours on these inputs; the
limit below is loose (the machine is shared) but a quadratic scan cannot meet it.
"""

from __future__ import annotations

import time

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polards.eval import extract as E

MB = 1_000_000
LIMIT = 5.0  # seconds per call on 1 MB; the measured time is ~0.1 s
EXTRACTORS = ["extract_boxed", "extract_gsm8k", "extract_answer_is", "extract_last_number", "extract_mcq"]
TOKENS = [
    "\\boxed{",
    "\\boxed ",
    "\\fbox{",
    "{",
    "}",
    " ",
    "\n",
    "####",
    "#",
    "answer is ",
    "The answer is:",
    "(b)",
    "A",
    "1,",
    "9",
    ".",
    "-",
    "*",
    "$",
    "\\text{",
    "x",
]


def _timed(fn, *args) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def _check(text: str) -> None:
    for name in EXTRACTORS:
        fn = getattr(E, name)
        expr = getattr(E, name + "_expr")
        assert _timed(fn, text) < LIMIT, name
        assert _timed(lambda t, ex=expr: pl.select(ex(pl.lit(t, dtype=pl.String))), text) < LIMIT, (
            name + "_expr"
        )


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(TOKENS), min_size=1, max_size=6), st.sampled_from(["", "\\boxed{7}", "#### 3"])
)
def test_extractors_linear_on_1mb_adversarial_inputs(fragment, suffix):
    unit = "".join(fragment)
    text = unit * (MB // len(unit)) + suffix
    _check(text)


@pytest.mark.parametrize(
    "text",
    [
        "\\boxed{" * (MB // 7),
        "\\boxed{" + "{" * MB,
        "\\boxed" + " " * MB,
        "\\boxed{\\text{" * (MB // 13),
        "#### " + "*\\boxed{" * (MB // 8),
        "answer is " * (MB // 10),
        "1," * (MB // 2),
        "(a)" * (MB // 3),
    ],
    ids=["unclosed", "open-braces", "spaces", "text", "gsm-boxed", "answer-is", "commas", "letters"],
)
def test_extractors_linear_on_known_worst_cases(text):
    _check(text)


def test_unclosed_boxes_still_find_the_closed_one():
    text = "\\boxed{" * (MB // 7) + "\\boxed{\\frac{1}{2}}"
    assert E.extract_boxed(text) == "\\frac{1}{2}"
    assert pl.select(E.extract_boxed_expr(pl.lit(text))).item() == "\\frac{1}{2}"
    assert E.extract_boxed("\\boxed{5} " + "\\boxed{" * (MB // 7)) == "5"
