r"""The labelled grading table of issue 15: real golds, equivalent forms and near misses labelled by construction.

Graders are RL rewards: a near miss graded ``True`` is a reward a policy can learn to farm, so the table
requires *zero* accepted near misses, and at least 99% right on the held-out split (golds hashed by source id,
so every form of one gold lands on the same side). Built from the real-layout fixture repos bundled in the
package, so it runs in any checkout; skipped (with the reason) only when no source of golds is present.
"""

from __future__ import annotations

import collections
import importlib
from pathlib import Path

import pytest

from polards.eval import grade_answers
from tests.eval import labelled_pairs as L

pytestmark = pytest.mark.skipif(
    not L.available(), reason="no real golds: bundled fixtures and realdata absent"
)

MIN_PAIRS = 2000
MIN_HELD_OUT_ACCURACY = 0.99


@pytest.fixture(scope="module")
def graded(grading_pool):
    rows = L.build_pairs()
    got, stats = grade_answers(
        [r[0] for r in rows], [r[1] for r in rows], pool=grading_pool, timeout=10, return_stats=True
    )
    return rows, got.to_list(), stats


def _fmt(rows) -> str:
    return "\n".join(f"  {r[3]:<20} given={r[0]!r} gold={r[1]!r} ({r[4]})" for r in rows[:50])


def test_table_is_large_and_has_both_labels():
    rows = L.build_pairs()
    assert len(rows) >= MIN_PAIRS
    kinds = collections.Counter(r[3] for r in rows)
    for k in (
        "math500-equivalent",
        "math500-near-miss",
        "gsm8k-equivalent",
        "gsm8k-near-miss",
        "mmlu-letter",
    ):
        assert kinds[k] > 0, k
    assert sum(not r[2] for r in rows) >= MIN_PAIRS // 4
    dev, held = L.split(rows)
    assert len(held) >= 500 and len(dev) > len(held)
    assert not {r[4] for r in dev} & {r[4] for r in held}  # a gold never straddles the split


def test_labels_are_consistent():
    """One (given, gold) pair never carries both labels (the construction would contradict itself)."""
    labels: dict[tuple[str, str], set[bool]] = collections.defaultdict(set)
    for given, gold, label, *_ in L.build_pairs():
        labels[(given, gold)].add(label)
    assert [k for k, v in labels.items() if len(v) > 1] == []


def test_build_is_deterministic():
    assert L.build_pairs() == L.build_pairs()


def test_no_near_miss_accepted(graded):
    rows, got, _ = graded
    accepted = [r for r, v in zip(rows, got, strict=True) if v and not r[2]]
    assert not accepted, f"{len(accepted)} near misses graded True:\n{_fmt(accepted)}"


def test_held_out_accuracy(graded):
    rows, got, stats = graded
    held = [(r, v) for r, v in zip(rows, got, strict=True) if L.is_held_out(r[4])]
    wrong = [r for r, v in held if v != r[2]]
    accuracy = 1 - len(wrong) / len(held)
    assert accuracy >= MIN_HELD_OUT_ACCURACY, f"held-out {accuracy:.4f}:\n{_fmt(wrong)}"
    assert stats.timeouts == 0


def test_overall_accuracy(graded):
    rows, got, _ = graded
    wrong = [r for r, v in zip(rows, got, strict=True) if v != r[2]]
    assert 1 - len(wrong) / len(rows) >= MIN_HELD_OUT_ACCURACY, _fmt(wrong)


def test_realdata_root_from_env_and_relative(monkeypatch, tmp_path):
    monkeypatch.setenv("POLARDS_REALDATA", str(tmp_path))
    assert L._realdata_root() == tmp_path
    monkeypatch.delenv("POLARDS_REALDATA")
    here = Path(L.__file__).resolve()
    assert L._realdata_root() == here.parents[2].parent / "shared" / "realdata"


def test_missing_realdata_falls_back_to_bundled(monkeypatch, tmp_path):
    """A checkout without ``shared/`` next to it (CI, ``mktemp -d``) still builds the table from the fixtures."""
    monkeypatch.setenv("POLARDS_REALDATA", str(tmp_path / "absent"))
    monkeypatch.setenv("POLARDS_LABELLED_SOURCE", "realdata")
    mod = importlib.reload(L)
    try:
        assert not mod.realdata_available()
        assert mod.available() == mod.bundled_available()
        if mod.bundled_available():
            assert len(mod.build_pairs()) >= MIN_PAIRS
    finally:
        monkeypatch.undo()
        importlib.reload(L)
