r"""Agreement of polards' grader with math-verify 0.9 on the labelled table (issue 15); writes markdown.

Both graders see every (given, gold) pair of ``tests/eval/labelled_pairs.py`` (real MATH-500, GSM8K and MMLU
golds; equivalent forms and near misses labelled by construction). Both run under time and memory limits in
other processes: polards through its :class:`~polards.eval.SympyPool` (per-task wall-clock kill, ``RLIMIT_AS``),
math-verify in a process pool whose workers cap their address space the same way and call math-verify with
its own ``parsing_timeout``/``timeout_seconds``. Duplicate pairs are graded once by each side; times are wall
clock over the unique pairs with the same number of processes on each side, polards' pool start included.

Run: ``python -m bench.grading_agreement [--out bench/grading_agreement.md] [--workers 2] [--limit N]``
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from polards.eval import SympyPool, grade_answers  # noqa: E402
from tests.eval import labelled_pairs as L  # noqa: E402

MEMORY_MB = 1536
TIMEOUT_S = 5


def _mv_init(memory_mb: int) -> None:
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # pragma: no cover
        pass
    import math_verify  # noqa: F401  (import once per worker, outside the clock of each pair)


def _mv_chunk(pairs: list[tuple[str, str]]) -> list[bool]:
    import math_verify

    out = []
    for given, gold in pairs:
        try:
            g = math_verify.parse(f"${gold}$", parsing_timeout=TIMEOUT_S)
            p = math_verify.parse(f"${given}$", parsing_timeout=TIMEOUT_S)
            out.append(bool(math_verify.verify(g, p, timeout_seconds=TIMEOUT_S)))
        except BaseException:  # MemoryError, timeouts, parse errors: not equal
            out.append(False)
    return out


def math_verify_grades(pairs: list[tuple[str, str]], workers: int) -> tuple[list[bool], float]:
    t0 = time.perf_counter()
    chunks = [pairs[i : i + 200] for i in range(0, len(pairs), 200)]
    with ProcessPoolExecutor(workers, initializer=_mv_init, initargs=(MEMORY_MB,)) as ex:
        got = [v for part in ex.map(_mv_chunk, chunks) for v in part]
    return got, time.perf_counter() - t0


def polards_grades(pairs: list[tuple[str, str]], workers: int) -> tuple[list[bool], float, object]:
    t0 = time.perf_counter()
    with SympyPool(workers=workers, timeout=TIMEOUT_S, memory_mb=MEMORY_MB) as pool:
        # pool start (about 1 s of sympy import per worker) is inside the clock, like math-verify's imports
        got, stats = grade_answers(
            [p[0] for p in pairs], [p[1] for p in pairs], pool=pool, timeout=TIMEOUT_S, return_stats=True
        )
    return got.to_list(), time.perf_counter() - t0, stats


_FORMS = [
    ("unit", re.compile(r"\\text\{\s*[a-z]|\d\s+[a-z]{3,}$")),
    ("v= prefix", re.compile(r"^\s*[a-zA-Z]\s*=")),
    ("\\pm", re.compile(r"\\pm")),
    ("infinity", re.compile(r"\\infty")),
    ("inequality", re.compile(r"[<>]|\\[lg]e")),
    ("interval/tuple", re.compile(r"^\s*(?:\\left)?[\[(].*,.*[\])]\s*$")),
    ("thousands separator", re.compile(r"\d(?:\{,\}|\\!,\\!|,)\d{3}")),
    ("decimal vs fraction", re.compile(r"^-?\d*\.\d+$")),
    ("scale word", re.compile(r"million|thousand")),
    ("mcq letter", re.compile(r"^\(?(?:\\text\{)?[A-D]\}?\)?$")),
    ("text", re.compile(r"^[A-Za-z\\{}][A-Za-z ,'\-\\{}]+$")),
    ("list", re.compile(r",")),
]


def form_of(given: str, gold: str) -> str:
    """The convention a pair exercises (first match over given, then gold), for classifying disagreements."""
    for name, rx in _FORMS:
        if rx.search(given) or rx.search(gold):
            return name
    return "other expression"


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _code(s: str) -> str:
    return "`" + s.replace("`", "'").replace("|", "\\|") + "`"


def report(
    rows: list[L.Row],
    ours: list[bool],
    theirs: list[bool],
    t_ours: float,
    t_mv: float,
    stats,
    n_unique: int,
    workers: int,
) -> str:
    n = len(rows)
    dev, held = L.split(rows)
    held_ids = {r[4] for r in held}

    def acc(verdicts: list[bool], subset=None) -> str:
        idx = [k for k, r in enumerate(rows) if subset is None or r[4] in subset]
        right = sum(verdicts[k] == rows[k][2] for k in idx)
        return f"{right}/{len(idx)} ({100 * right / len(idx):.2f}%)"

    def fp(verdicts: list[bool]) -> int:
        return sum(v and not r[2] for v, r in zip(verdicts, rows, strict=True))

    def fn(verdicts: list[bool]) -> int:
        return sum((not v) and r[2] for v, r in zip(verdicts, rows, strict=True))

    agree = sum(a == b for a, b in zip(ours, theirs, strict=True))
    lines = [
        "# Grading agreement: polards vs math-verify 0.9",
        "",
        f"Generated by `python -m bench.grading_agreement` on the labelled table of `tests/eval/labelled_pairs.py` "
        f"({n} pairs, {n_unique} unique; {sum(not r[2] for r in rows)} near misses; "
        f"held-out split {len(held)} pairs). Both graders ran under a {TIMEOUT_S} s time limit per task and a "
        f"{MEMORY_MB} MB address-space limit per process, {workers} processes each.",
        "",
        _row(
            "grader",
            "right (all)",
            "right (held-out)",
            "near misses accepted",
            "equivalents rejected",
            "seconds",
        ),
        _row("---", "---", "---", "---", "---", "---"),
        _row("polards", acc(ours), acc(ours, held_ids), fp(ours), fn(ours), f"{t_ours:.1f}"),
        _row("math-verify 0.9", acc(theirs), acc(theirs, held_ids), fp(theirs), fn(theirs), f"{t_mv:.1f}"),
        "",
        f"Agreement polards = math-verify: {agree}/{n} ({100 * agree / n:.2f}%). "
        f"Speed: polards {t_mv / t_ours:.1f}x math-verify ({n_unique / t_ours:.0f} vs {n_unique / t_mv:.0f} "
        f"unique pairs/s). polards layers: {stats.by_string} string, {stats.by_numeric} numeric, "
        f"{stats.by_structure} structure, {stats.by_sympy} sympy ({stats.sympy_tasks} tasks, "
        f"{stats.timeouts} timeouts, {stats.errors} errors, {stats.guarded} guarded).",
        "",
        "## Accuracy by kind of pair",
        "",
        _row("kind", "pairs", "polards right", "math-verify right"),
        _row("---", "---", "---", "---"),
    ]
    kinds = collections.Counter(r[3] for r in rows)
    for kind in sorted(kinds):
        idx = [k for k, r in enumerate(rows) if r[3] == kind]
        lines.append(
            _row(
                kind,
                len(idx),
                sum(ours[k] == rows[k][2] for k in idx),
                sum(theirs[k] == rows[k][2] for k in idx),
            )
        )
    # disagreements, classified by who is right and by the convention the pair exercises
    classes: dict[tuple[str, str], list[int]] = collections.defaultdict(list)
    for k, r in enumerate(rows):
        if ours[k] == theirs[k]:
            continue
        if ours[k] == r[2]:
            who = "math-verify accepts a near miss" if theirs[k] else "math-verify rejects an equivalent form"
        else:
            who = "polards accepts a near miss" if ours[k] else "polards rejects an equivalent form"
        classes[(who, form_of(r[0], r[1]))].append(k)
    lines += [
        "",
        "## Disagreements by kind",
        "",
        f"{n - agree} pairs where the graders differ; the table's label decides who is right.",
        "",
        _row("who is wrong, how", "form", "pairs", "examples (given vs gold)"),
        _row("---", "---", "---", "---"),
    ]
    for (who, form), idx in sorted(classes.items(), key=lambda kv: -len(kv[1])):
        seen: list[str] = []
        for k in idx:
            ex = f"{_code(rows[k][0])} vs {_code(rows[k][1])}"
            if ex not in seen:
                seen.append(ex)
            if len(seen) == 3:
                break
        lines.append(_row(who, form, len(idx), "; ".join(seen)))
    wrong_ours = [k for k, r in enumerate(rows) if ours[k] != r[2]]
    lines += ["", "## polards errors", ""]
    if wrong_ours:
        lines += [
            f"- {_code(rows[k][0])} vs {_code(rows[k][1])}: label {rows[k][2]} ({rows[k][3]})"
            for k in wrong_ours[:40]
        ]
    else:
        lines.append("None on this table.")
    del dev
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "bench" / "grading_agreement.md"))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="only the first N unique pairs (a quick look)")
    args = ap.parse_args(argv)
    if not L.available():
        print("no real golds available (bundled fixtures or POLARDS_REALDATA)", file=sys.stderr)
        return 1
    rows = L.build_pairs()
    uniq = list(dict.fromkeys((r[0], r[1]) for r in rows))
    if args.limit:
        keep = set(uniq[: args.limit])
        uniq = uniq[: args.limit]
        rows = [r for r in rows if (r[0], r[1]) in keep]
    ours_u, t_ours, stats = polards_grades(uniq, args.workers)
    theirs_u, t_mv = math_verify_grades(uniq, args.workers)
    ours_map = dict(zip(uniq, ours_u, strict=True))
    theirs_map = dict(zip(uniq, theirs_u, strict=True))
    ours = [ours_map[(r[0], r[1])] for r in rows]
    theirs = [theirs_map[(r[0], r[1])] for r in rows]
    text = report(rows, ours, theirs, t_ours, t_mv, stats, len(uniq), args.workers)
    Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
