r"""A labelled grading table built from real golds: equivalent forms and near misses, labelled by construction.

Golds come from real data: by default the real-layout fixture repos bundled in the package
(``polards/testing/fixtures/repos``: HuggingFaceH4/MATH-500, openai/gsm8k, cais/mmlu, byte-identical to the
upstream files), so the table always builds; ``POLARDS_REALDATA`` or a ``shared/realdata`` folder next to the
checkout (MMLU as per-subject CSVs) is used instead when present and ``POLARDS_LABELLED_SOURCE=realdata``. Each gold yields rewritten forms that must grade ``True`` under the
conventions of :func:`polards.eval.grade_answer` (formatting, ``x =`` prefixes, units on one side, ``\pm``
expanded, unordered lists, inequalities written as intervals) and near misses that must grade ``False``
(a changed number, an off-by-one of a large integer, a flipped bracket, a dropped ``\pm`` branch, a swapped
infinity, another variable, another unit, a reordered tuple, another option).

``build_pairs()`` returns rows ``(given, gold, label, kind, source_id)``; ``split(rows)`` separates a held-out
part (by a hash of the source id, so all forms of one gold land on the same side).
Used by ``tests/eval/test_labelled_table.py`` and by ``bench/grading_agreement.py``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import re
from fractions import Fraction
from pathlib import Path

import polars as pl

FIXTURES = Path(__file__).resolve().parents[2] / "polards" / "testing" / "fixtures" / "repos"


def _realdata_root() -> Path:
    env = os.environ.get("POLARDS_REALDATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "realdata"


REAL = _realdata_root()
UNITS = ["eggs", "dollars", "apples", "calories", "minutes", "pages", "miles", "students", "cookies", "cm"]

Row = tuple[str, str, bool, str, str]


def realdata_available() -> bool:
    """Whether the shared real-data folder (outside the checkout) is there."""
    return (REAL / "math500/test.jsonl").exists() and (REAL / "gsm8k/test.jsonl").exists()


def bundled_available() -> bool:
    """Whether the bundled fixture repos hold the three sources."""
    return all(
        p.exists()
        for p in (
            FIXTURES / "HuggingFaceH4/MATH-500/test.jsonl",
            FIXTURES / "openai/gsm8k/main/test-00000-of-00001.parquet",
            FIXTURES / "cais/mmlu/all/test-00000-of-00001.parquet",
        )
    )


def _use_realdata() -> bool:
    return os.environ.get("POLARDS_LABELLED_SOURCE") == "realdata" and realdata_available()


def available() -> bool:
    """Whether any source of real golds is there (the table test skips otherwise)."""
    return _use_realdata() or bundled_available()


def _math_golds() -> list[str]:
    path = REAL / "math500/test.jsonl" if _use_realdata() else FIXTURES / "HuggingFaceH4/MATH-500/test.jsonl"
    return [json.loads(line)["answer"] for line in path.read_text().splitlines()]


def _gsm_answers() -> list[str]:
    if _use_realdata():
        return [json.loads(line)["answer"] for line in (REAL / "gsm8k/test.jsonl").read_text().splitlines()]
    return pl.read_parquet(FIXTURES / "openai/gsm8k/main/test-00000-of-00001.parquet")["answer"].to_list()


def _mmlu_items(per_subject: int) -> list[tuple[str, list[str], str]]:
    """``(subject, four options, answer letter)``, the first ``per_subject`` items of each subject."""
    out: list[tuple[str, list[str], str]] = []
    if _use_realdata():
        for path in sorted((REAL / "mmlu/test").glob("*_test.csv")):
            with open(path, newline="") as fh:
                items = list(csv.reader(fh))[:per_subject]
            out += [(path.stem, it[1:5], it[5].strip()) for it in items if len(it) == 6]
        return out
    df = pl.read_parquet(FIXTURES / "cais/mmlu/all/test-00000-of-00001.parquet")
    seen: dict[str, int] = {}
    for subject, choices, answer in df.select("subject", "choices", "answer").iter_rows():
        if seen.get(subject, 0) >= per_subject or len(choices) != 4:
            continue
        seen[subject] = seen.get(subject, 0) + 1
        out.append((subject, list(choices), "ABCD"[answer]))
    return out


def _int_near_misses(n: int) -> list[str]:
    out = {n + 1, n - 1, n * 10, -n if n else 7, n + 10 ** max(0, len(str(abs(n))) - 1)}
    out.discard(n)
    return [str(x) for x in sorted(out)]


def _fmt_thousands(n: int) -> str:
    return f"{n:,}"


def _gsm_rows(rng: random.Random) -> list[Row]:
    rows: list[Row] = []
    for k, answer in enumerate(_gsm_answers()):
        gold = answer.split("####")[-1].strip().replace(",", "")
        sid = f"gsm8k/{k}"
        try:
            value = Fraction(gold)
        except ValueError:
            continue
        unit = rng.choice(UNITS)
        eq = [
            gold,
            f"{gold} {unit}",
            f"{gold} \\text{{ {unit}}}",
            f"\\${gold}" if unit == "dollars" else gold,
        ]
        if value.denominator == 1:
            n = int(value)
            eq += [f"{n}.0", _fmt_thousands(n) if abs(n) >= 1000 else f"{n}.00", f"\\frac{{{2 * n}}}{{2}}"]
            near = _int_near_misses(n)
            near += [f"{n + 1} {unit}", f"{n + 1} \\text{{ {unit}}}", f"{n} million" if n else "5 million"]
        else:
            eq += [str(float(value)), f"\\frac{{{value.numerator}}}{{{value.denominator}}}"]
            near = [str(value + 1), str(-value), str(float(value) * 10), f"{float(value) + 0.01:.2f}"]
        eq.append(f"x = {gold}")
        rows += [(g, gold, True, "gsm8k-equivalent", sid) for g in dict.fromkeys(eq)]
        rows += [(g, gold, False, "gsm8k-near-miss", sid) for g in dict.fromkeys(near) if g != gold]
    return rows


def _mmlu_rows(rng: random.Random, per_subject: int = 6) -> list[Row]:
    rows: list[Row] = []
    counts: dict[str, int] = {}
    for subject, options, letter in _mmlu_items(per_subject):
        k = counts[subject] = counts.get(subject, -1) + 1
        sid = f"mmlu/{subject}/{k}"
        other = rng.choice([c for c in "ABCD" if c != letter])
        rows += [
            (g, letter, True, "mmlu-letter", sid) for g in (letter, f"({letter})", f"\\text{{{letter}}}")
        ]
        rows += [(g, letter, False, "mmlu-letter-miss", sid) for g in (other, f"({other})")]
        text = options["ABCD".index(letter)].strip()
        wrong = options["ABCD".index(other)].strip()
        if re.fullmatch(r"[A-Za-z][A-Za-z ,'\-]{2,60}", text) and wrong.lower() != text.lower():
            rows.append((text.upper(), text, True, "mmlu-text", sid))
            rows.append((f"\\text{{{text}}}", text, True, "mmlu-text", sid))
            rows.append((wrong, text, False, "mmlu-text-miss", sid))
    return rows


# ------------------------------------------------------------------------------------------------ MATH-500
_NUM_RE = re.compile(r"(?<![\w.^_{])(\d+)(?![\w.])")


def _bump_first_number(s: str) -> str | None:
    m = _NUM_RE.search(s)
    if m is None:
        return None
    return s[: m.start()] + str(int(m.group(1)) + 1) + s[m.end() :]


def _squeeze(s: str) -> str:
    r"""Spaces removed except between two letters (``\pi r`` keeps its space: ``\pir`` is another command)."""
    return re.sub(r"(?<![A-Za-z])\s+|\s+(?![A-Za-z])", "", s)


def _math_rows(rng: random.Random) -> list[Row]:
    rows: list[Row] = []
    for k, answer in enumerate(_math_golds()):
        gold = answer.strip()
        sid = f"math500/{k}"
        eq: list[str] = [gold, f"${gold}$", f"\\displaystyle {gold}", _squeeze(gold)]
        near: list[str] = []
        # ", " spacing in lists and tuples (not in "10,\\!080": a spaced thousands separator reads as a list)
        if "," in gold and "\\begin" not in gold and not re.search(r"\d,(?:\\!|\s)*\d{3}(?!\d)", gold):
            eq.append(re.sub(r",\s*", ", ", gold))
        if "\\frac" in gold and "\\dfrac" not in gold:
            eq.append(gold.replace("\\frac", "\\dfrac"))
        if gold.startswith("(") and gold.endswith(")") and "\\cup" not in gold:
            eq.append("\\left" + gold[:-1] + "\\right)")
        plain = not re.search(r"[=<>]|\\text|\\begin|\\pm|\\cup|\\in", gold) and "," not in gold
        if plain:
            eq.append(f"x = {gold}")
        # numbers
        try:
            # "-2,1" is a list of two answers, "10,080" a number with a thousands separator
            number = re.fullmatch(r"-?(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d+)?", gold) and re.search(r"\d", gold)
            value = Fraction(gold.replace(",", "")) if number else None
        except ValueError:
            value = None
        m = re.fullmatch(r"(-?)\\frac\{(\d+)\}\{(\d+)\}", gold)
        if m:
            value = Fraction(int(m.group(2)), int(m.group(3))) * (-1 if m.group(1) else 1)
            eq.append(f"{m.group(1)}{m.group(2)}/{m.group(3)}")
            eq.append(f"\\frac{{{m.group(1)}{2 * int(m.group(2))}}}{{{2 * int(m.group(3))}}}")
            near.append(
                f"{m.group(1)}\\frac{{{m.group(3)}}}{{{m.group(2)}}}" if m.group(2) != m.group(3) else "0"
            )
            rounded = f"{float(value):.3f}"
            if Fraction(rounded) != value:  # a rounded decimal is not the exact fraction (1.500 is 3/2)
                near.append(rounded)
        if value is not None:
            if value.denominator == 1:
                n = int(value)
                eq += [f"{n}.0", f"{n} \\text{{ units}}", f"{n:,}".replace(",", "{,}")]
                if abs(n) >= 1000:
                    near.append(f"{n + 1:,}".replace(",", "\\!,\\!"))
                near += _int_near_misses(n)
            else:
                eq.append(str(float(value)) if len(str(float(value))) < 12 else gold)
                near += [str(value + 1), str(-value) if value else "1"]
        # \pm golds: the expanded answers are equal, one branch is a near miss
        if "\\pm" in gold and not re.search(r"[=<>]|\\\{|\\\}", gold):
            plus, minus = gold.replace("\\pm", "+"), gold.replace("\\pm", "-")
            eq += [f"{plus}, {minus}", f"{minus}, {plus}"]
            near += [plus, minus]
        # intervals and unions: flipped brackets, swapped infinities, reordered unions
        if "\\cup" in gold:
            parts = [p.strip() for p in gold.split("\\cup")]
            eq.append(" \\cup ".join(reversed(parts)))
        if "\\infty" in gold:
            near.append(
                gold.replace("-\\infty", "\\INF").replace("\\infty", "-\\infty").replace("\\INF", "\\infty")
            )
            near.append(gold.replace("\\infty", "100"))
        if re.fullmatch(r"[\[(][^\[\]()]*,[^\[\]()]*[\])]", gold) and "\\cup" not in gold:
            flipped = {"(": "[", "[": "("}[gold[0]] + gold[1:]
            near.append(flipped)
            inner = gold[1:-1].split(",")
            if len(inner) == 2 and inner[0].strip() != inner[1].strip() and "\\infty" not in gold:
                near.append(gold[0] + inner[1].strip() + "," + inner[0].strip() + gold[-1])
            m2 = re.fullmatch(r"\((-?\d+),\s*\\infty\)", gold)
            if m2:
                eq.append(f"x > {m2.group(1)}")
                near.append(f"x \\ge {m2.group(1)}")
        # equations: the prefix variable matters
        m3 = re.fullmatch(r"([a-z])\s*=\s*([^=]+)", gold)
        if m3:
            other = "x" if m3.group(1) != "x" else "y"
            near.append(f"{other} = {m3.group(2)}")
            eq.append(m3.group(2))
        # units: another unit is a near miss, the same number without the unit is equal
        m4 = re.fullmatch(r"(.*\d)\s*\\text\{\s*([a-z ]+)\}", gold)
        if m4:
            eq.append(m4.group(1))
            near.append(f"{m4.group(1)} \\text{{ {'hours' if 'hour' not in m4.group(2) else 'minutes'}}}")
        # symbolic or anything else: bump the first free-standing integer
        bumped = _bump_first_number(gold)
        if bumped is not None and bumped != gold and "\\begin" not in gold and "_" not in gold:
            near.append(bumped)
        rows += [(g, gold, True, "math500-equivalent", sid) for g in dict.fromkeys(eq)]
        rows += [(g, gold, False, "math500-near-miss", sid) for g in dict.fromkeys(near) if g != gold]
    del rng
    return rows


def build_pairs(seed: int = 0) -> list[Row]:
    """Every labelled pair (deterministic for a seed)."""
    rng = random.Random(seed)
    return _math_rows(rng) + _gsm_rows(rng) + _mmlu_rows(rng)


def is_held_out(source_id: str, fraction: float = 0.3) -> bool:
    h = int(hashlib.sha1(source_id.encode()).hexdigest()[:8], 16)
    return h % 1000 < fraction * 1000


def split(rows: list[Row]) -> tuple[list[Row], list[Row]]:
    """``(development, held_out)``."""
    dev = [r for r in rows if not is_held_out(r[4])]
    held = [r for r in rows if is_held_out(r[4])]
    return dev, held
