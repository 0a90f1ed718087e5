"""Agreement of polards' grader with math-verify (a test-only dependency) on the grading table."""

from __future__ import annotations

import pytest

from tests.eval.grading_cases import CASES

math_verify = pytest.importorskip("math_verify")


def _mv(given: str, gold: str) -> bool:
    try:
        return bool(math_verify.verify(math_verify.parse(f"${gold}$"), math_verify.parse(f"${given}$")))
    except Exception:
        return False


def test_agreement_with_math_verify(capsys):
    from polards.eval import grade_answers

    ours = grade_answers([c[0] for c in CASES], [c[1] for c in CASES], timeout=10).to_list()
    theirs = [_mv(c[0], c[1]) for c in CASES]
    agree = sum(a == b for a, b in zip(ours, theirs, strict=True))
    expected_agree = sum(b == c[2] for b, c in zip(theirs, CASES, strict=True))
    diffs = [(c[0], c[1], c[2], b) for b, c in zip(theirs, CASES, strict=True) if b != c[2]]
    with capsys.disabled():
        print(
            f"\nmath-verify agreement: polards vs math-verify {agree}/{len(CASES)}; "
            f"math-verify vs table verdicts {expected_agree}/{len(CASES)}"
        )
        for d in diffs:
            print("  math-verify differs from the table:", d)
    assert agree >= 0.75 * len(CASES)
