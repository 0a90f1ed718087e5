"""Split-spec parsing and slicing agree with ``datasets``' ReadInstruction (the oracle)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polards.exceptions import InvalidArgumentError
from polards.loading.split_spec import parse_split

datasets = pytest.importorskip("datasets")
from datasets import ReadInstruction  # noqa: E402


def _ours(spec: str, lengths: dict[str, int]) -> list[tuple[str, int, int]]:
    return [(p.split, *p.bounds(lengths[p.split])) for p in parse_split(spec)]


def _theirs(spec: str, lengths: dict[str, int]) -> list[tuple[str, int, int]]:
    return [(i.splitname, i.from_, i.to) for i in ReadInstruction.from_spec(spec).to_absolute(lengths)]


bound = st.one_of(st.none(), st.integers(-120, 120))
pct = st.one_of(st.none(), st.integers(-100, 100))


@st.composite
def specs(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        split = draw(st.sampled_from(["train", "test", "validation"]))
        kind = draw(st.sampled_from(["full", "abs", "pct", "pct1"]))
        if kind == "full":
            parts.append(split)
            continue
        a, b = draw(pct if kind != "abs" else bound), draw(pct if kind != "abs" else bound)
        unit = "" if kind == "abs" else "%"
        fa = "" if a is None else f"{a}{unit}"
        fb = "" if b is None else f"{b}{unit}"
        rounding = "(pct1_dropremainder)" if kind == "pct1" else ""
        parts.append(f"{split}[{fa}:{fb}]{rounding}")
    return "+".join(parts)


@settings(max_examples=300, deadline=None)
@given(spec=specs(), n_train=st.integers(100, 1000), n_test=st.integers(0, 250))
def test_matches_datasets(spec: str, n_train: int, n_test: int) -> None:
    lengths = {"train": n_train, "test": n_test, "validation": 101}
    try:
        expected = _theirs(spec, lengths)
    except (ValueError, AssertionError):
        with pytest.raises(InvalidArgumentError):
            _ours(spec, lengths)
        return
    assert _ours(spec, lengths) == expected


@pytest.mark.parametrize(
    ("spec", "n", "expected"),
    [
        ("train[:10%]", 15, (0, 2)),
        ("train[:25%]", 2, (0, 0)),
        ("train[:75%]", 2, (0, 2)),  # banker's rounding
        ("train[10%:20%]", 1000, (100, 200)),
        ("train[:1024]", 50, (0, 50)),
        ("train[-3:]", 10, (7, 10)),
    ],
)
def test_examples(spec: str, n: int, expected: tuple[int, int]) -> None:
    assert parse_split(spec)[0].bounds(n) == expected


@pytest.mark.parametrize(
    "spec", ["train[", "train[1%:5]", "train[:150%]", "train[:5](pct1_dropremainder)", "tr ain"]
)
def test_bad_specs(spec: str) -> None:
    with pytest.raises(InvalidArgumentError):
        parse_split(spec)
