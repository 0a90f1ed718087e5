"""``grade``: score model outputs for a catalog benchmark with the grader its declaration names.

- ``multiple_choice``: the letter :func:`polards.eval.extract_mcq` finds, compared with ``answer_letter``.
- ``math``: the last ``\\boxed{}`` (or the whole output when there is none), graded against ``answer`` by
  :func:`polards.eval.grade_answers` (numeric, symbolic and LaTeX-aware).
- ``code_sandbox``: the last fenced code block (or the whole output) run against ``tests`` in
  :mod:`polards.sandbox`; correct when every test passes.

>>> grade("mmlu_pro", ["The answer is (C).", "I think A"], ["C", "B"])
[True, False]
>>> grade("aime_2025", ["so \\\\boxed{204}", "\\\\boxed{17}"], ["204", "18"])
[True, False]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from polards.catalog.spec import GRADERS, DatasetSpec
from polards.exceptions import InvalidArgumentError

__all__ = ["extract_code", "grade", "references"]

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)```", re.S)


def extract_code(text: str | None) -> str:
    """The last fenced code block of ``text`` (a ``python`` one preferred), else ``text`` itself.

    >>> extract_code("Here:\\n```python\\nprint(1)\\n```\\ndone")
    'print(1)\\n'
    """
    if not text:
        return ""
    blocks = _FENCE.findall(text)
    if not blocks:
        return text
    python = [code for lang, code in blocks if lang.lower() in ("python", "py", "python3")]
    return (python or [code for _, code in blocks])[-1]


def _spec(name: str | DatasetSpec) -> DatasetSpec:
    from polards.catalog.registry import get_spec

    spec = name if isinstance(name, DatasetSpec) else get_spec(name)
    if spec.grader not in GRADERS:
        raise InvalidArgumentError(
            f"{spec.name!r} declares no grader; benchmarks with one: "
            f"{sorted(s.name for s in _all_specs() if s.grader)}."
        )
    return spec


def _all_specs() -> tuple[DatasetSpec, ...]:
    from polards.catalog.registry import SPECS

    return SPECS


def references(name: str | DatasetSpec, dataset: Any) -> list[Any]:
    """The reference column (``spec.reference``) of a mapped catalog dataset, as Python values."""
    spec = _spec(name)
    assert spec.reference is not None
    return list(dataset[spec.reference])


def grade(
    name: str | DatasetSpec,
    outputs: Sequence[str | None],
    refs: Sequence[Any] | Any,
    **kwargs: Any,
) -> list[bool]:
    """Whether each output is correct for benchmark ``name``.

    ``refs`` is the reference column (letters, answers or code-task test lists) or a mapped dataset holding
    it (then :func:`references` reads it). ``kwargs`` go to the grader: ``letters=`` for multiple choice,
    :func:`polards.eval.grade_answers` options for math, :func:`polards.sandbox.run_many` options (``timeout``,
    ``workers``) for code.
    """
    spec = _spec(name)
    gold = references(spec, refs) if hasattr(refs, "column_names") else list(refs)
    outs = list(outputs)
    if len(outs) != len(gold):
        raise InvalidArgumentError(f"{len(outs)} outputs but {len(gold)} references for {spec.name!r}.")
    if spec.grader == "multiple_choice":
        from polards.eval import extract_mcq

        letters = kwargs.pop("letters", "ABCDEFGHIJ")
        return [
            g is not None and extract_mcq(o, letters=letters, **kwargs) == str(g).strip()
            for o, g in zip(outs, gold, strict=True)
        ]
    if spec.grader == "math":
        from polards.eval import extract_boxed, grade_answers

        given = [extract_boxed(o) if o and "\\boxed" in o else o for o in outs]
        verdicts = grade_answers(given, [None if g is None else str(g) for g in gold], **kwargs)
        return [bool(v) for v in verdicts.to_list()]  # type: ignore[union-attr]
    from polards.sandbox import run_many

    results = run_many([(extract_code(o), tests) for o, tests in zip(outs, gold, strict=True)], **kwargs)
    return [r.all_passed for r in results]
