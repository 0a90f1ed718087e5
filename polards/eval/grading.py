r"""Math answer grading: ``grade_answer`` for one pair, ``grade_answers`` for whole columns.

Layers, cheapest first; the first layer that reaches a verdict wins:

1. **string**: MATH ``_strip_string`` on both sides, then PRM800K-style :func:`~polards.eval.normalize.normalize_text`;
   equal strings are equal answers.
2. **numeric**: both sides parse as exact numbers (ints, decimals, ``\frac{a}{b}``, ``a/b``, ``1,000``, percents,
   ``2\times10^{3}``) and are compared with a relative tolerance (``rel_tol``, default ``1e-9``).
3. **structure**: tuples/intervals (brackets must match, element-wise), sets and bare comma lists (unordered),
   unions of intervals and matrices (same shape, element-wise) recurse into their elements.
4. **sympy**: LaTeX is converted to sympy syntax and checked for equivalence (random-point evaluation, then
   ``simplify(a - b) == 0``) in a worker process of a :class:`~polards.eval._sympy_worker.SympyPool` with a hard
   wall-clock limit; the worker is killed on timeout and the pair grades ``False`` (counted in the stats).
   Expressions that would explode (power towers, exponents with 4+ digits, more than 600 characters) are
   refused before sympy ("guarded", graded ``False``).

Text answers (``\text{Monday}``) compare case-insensitively after normalisation. Reduced and unreduced
fractions are mathematically equal here (``\frac{2}{4} == \frac{1}{2}``).

Examples
--------
>>> grade_answer(r"\dfrac{1}{2}", "0.5")
True
>>> grade_answer(r"(1,2]", r"(1,2)")
False
>>> grade_answers(["10\\%", "x"], ["10", "y"], use_sympy=False).to_list()
[True, False]
"""

from __future__ import annotations

import atexit
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import polars as pl

from polards.eval._sympy_worker import SympyPool, is_safe_expression
from polards.eval.answer_parts import (
    answer_parts,
    expand_pm,
    inequality_to_interval,
    is_infinity,
    unit_key,
)
from polards.eval.normalize import latex_to_sympy, normalize_text, parse_number, split_top_level, strip_string
from polards.exceptions import InvalidArgumentError

__all__ = ["GradingStats", "grade_answer", "grade_answers", "grade_expr", "get_default_pool"]

# A verdict is True/False, or a list of (a, b) sympy-syntax pairs that must all be equivalent.
_Verdict = Any


@dataclass
class GradingStats:
    """How a batch of pairs was decided (counts are over all pairs, duplicates included)."""

    n: int = 0
    by_string: int = 0
    by_numeric: int = 0
    by_structure: int = 0
    by_sympy: int = 0
    sympy_tasks: int = 0
    timeouts: int = 0
    errors: int = 0
    guarded: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


# ------------------------------------------------------------------------------------------------- cheap layers
_MATRIX_RE = re.compile(r"\\begin\{([pbvBV]?matrix|array|smallmatrix)\}(?:\{[^{}]*\})?(.*?)\\end\{\1\}", re.S)
_BASE_NUM_RE = re.compile(r"[0-9A-Za-z]+_\{?\d+\}?")
_EQ_RE = re.compile(r"(?<![<>!=\\])=(?!=)")
_OR_RE = re.compile(
    r"\\(?:text|mbox|textrm)\{\s*(?:or|and)\s*\}|\s+(?:or|and)\s+|\\(?:quad|qquad)\s*(?:or|and)?\s*",
    re.IGNORECASE,  # "FRUITS AND VEGETABLES" is the list "Fruits and vegetables" is
)
_WORDY_RE = re.compile(r"[A-Za-z][A-Za-z '\-]*[A-Za-z]")
_ENCLOSING_TEXT_RE = re.compile(r"\s*\\(?:text|textbf|mathrm|mbox|textrm)\{(.*)\}\s*", re.S)
_EXPLODE_RES = (
    re.compile(r"\*\*\(?[^()*]*\*\*"),  # power tower: an exponent that holds another power
    re.compile(r"\*\*\(?\d{4,}"),  # exponent with 4+ digits
    re.compile(r"\d{200,}"),  # a 200-digit literal
    re.compile(r"!"),  # factorials of anything
)
MAX_PARSED_CHARS = 1000  # longer answers are compared as whitespace-insensitive strings only (linear time)
MAX_ITEMS = 64  # lists, sets and unions with more items are compared as sorted strings


def _clean(raw: str) -> str:
    """Formatting that never matters: ``$``, ``\\left``/``\\right``, spacing commands, degrees, a final period."""
    s = str(raw).strip()
    s = s.replace("\\$", "").replace("$", "").replace("\\displaystyle", "")
    s = s.replace("\\left", "").replace("\\right", "").replace("\\!", "")
    s = re.sub(r"(?<!\\)\\[,;: ]|~|\\quad(?![A-Za-z])|\\qquad", " ", s)
    s = s.replace("^{\\circ}", "").replace("^\\circ", "").replace("\\circ", "").replace("°", "")
    s = s.replace("\\degree", "")
    m = _ENCLOSING_TEXT_RE.fullmatch(s)
    if m and _balanced(m.group(1)):
        s = m.group(1)
    return s.strip().rstrip(".").strip()


def _balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            return False
    return depth == 0


def _strip_value(s: str) -> str:
    s = strip_string(s, split_equation=False).strip().rstrip(".").strip()
    m = re.fullmatch(r"\{([^{}]*)\}", s)
    return m.group(1) if m else s


def _canon(raw: str) -> str:
    """The value of an answer without its ``v =`` prefix and unit, MATH-normalised (for structure and strings)."""
    _, value, _ = answer_parts(_clean(raw))
    return _strip_value(value)


def _outer_bracket(s: str) -> tuple[str, str, str] | None:
    """``(open, inside, close)`` when one bracket pair encloses all of ``s``."""
    if len(s) < 2:
        return None
    if s.startswith("\\{") and s.endswith("\\}"):
        return "{", s[2:-2], "}"
    if s[0] not in "([" or s[-1] not in ")]":
        return None
    depth = 0
    for k, ch in enumerate(s):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0 and k != len(s) - 1:
                return None
    return (s[0], s[1:-1], s[-1]) if depth == 0 else None


def _expand_items(items: list[str]) -> list[str]:
    out: list[str] = []
    for it in items:
        ex = expand_pm(it)
        out.extend(ex if ex is not None else [it])
    return out


def _structure(raw: str) -> tuple[str, Any]:
    raw = _clean(raw)
    m = _MATRIX_RE.search(raw) if "\\end" in raw else None
    if m and raw.strip().startswith(("\\begin", "(", "[")) or (m and m.group(0) == raw.strip()):
        rows = [r for r in re.split(r"\\\\", m.group(2)) if r.strip() and not r.strip().startswith("\\hline")]
        return "matrix", [[c.strip() for c in r.split("&")] for r in rows]
    alt = _OR_RE.sub(",", raw)
    if alt != raw:  # "x = 2 or x = 3": an unordered list of answers
        items = [x for x in split_top_level(alt) if x.strip()]
        if len(items) > 1:
            intervals = [inequality_to_interval(_canon(x)) for x in items]
            if all(intervals):  # "x < -1 or x > 5": a union of intervals
                return "union", intervals
            return "list", _expand_items(items)
    s = _canon(raw)
    if parse_number(s) is not None:
        return "scalar", raw
    interval = inequality_to_interval(s)
    if interval is not None:
        s = interval
    if "\\cup" in s:
        return "union", [p for p in s.split("\\cup") if p]
    ob = _outer_bracket(s)
    if ob is not None:
        open_, inside, close = ob
        items = split_top_level(inside)
        if open_ == "{":
            return "set", _expand_items(items)
        if len(items) > 1:
            if expand_pm(s) is not None:  # "(1 \pm 2, 3)": the two tuples
                return "list", expand_pm(s)
            return "seq", (open_, close, items)
    items = split_top_level(s)
    if len(items) > 1:
        return "list", _expand_items(items)
    ex = expand_pm(raw)
    if ex is not None:  # "1 \pm \sqrt{19}": the two answers 1 + sqrt(19) and 1 - sqrt(19)
        return "list", ex
    return "scalar", raw


def _is_wordy(s: str) -> bool:
    return bool(_WORDY_RE.fullmatch(s)) and len(re.sub(r"[^A-Za-z]", "", s)) >= 3 and "\\" not in s


def _scalar(a: str, b: str, rel_tol: float, guard: bool) -> tuple[_Verdict, str]:
    va, xa, ua = answer_parts(_clean(a))
    vb, xb, ub = answer_parts(_clean(b))
    if va is not None and vb is not None and va != vb:  # "y = 5" is not "x = 5"
        return False, "structure"
    if ua is not None and ub is not None and unit_key(ua) != unit_key(ub):  # "2 hours" is not "2 minutes"
        return False, "structure"
    if (va is None) != (vb is None) and _EQ_RE.search(xb if va is not None else xa):
        # "y = 2x + 3" against the equation "2x - y + 3 = 0": compare whole equations
        xa, xb = (f"{va}={xa}" if va is not None else xa), (f"{vb}={xb}" if vb is not None else xb)
    ca, cb = _strip_value(xa), _strip_value(xb)
    if ca == cb:
        return True, "string"
    if not ca or not cb:
        return False, "string"
    ia, ib = is_infinity(ca), is_infinity(cb)
    if ia or ib:  # infinities equal only each other, sign included
        return ia == ib, "numeric"
    na, nb = normalize_text(xa, units=False), normalize_text(xb, units=False)
    if na == nb and na:
        return True, "string"
    pa, pb = parse_number(ca), parse_number(cb)
    if pa is not None and pb is not None:  # exact numbers compare exactly (1000000001 != 1000000000)
        return pa == pb, "numeric"
    if _is_wordy(ca) or _is_wordy(cb):
        return ca.lower().replace(" ", "") == cb.lower().replace(" ", ""), "string"
    if _BASE_NUM_RE.fullmatch(ca) or _BASE_NUM_RE.fullmatch(cb):  # 4210_{5}: a numeral in base 5
        return ca.replace("{", "").replace("}", "") == cb.replace("{", "").replace("}", ""), "string"
    eqa, eqb = len(_EQ_RE.findall(ca)), len(_EQ_RE.findall(cb))
    if eqa != eqb or eqa > 1:
        return False, "structure"
    sa, sb = latex_to_sympy(ca), latex_to_sympy(cb)
    if sa is None or sb is None or not sa or not sb:
        return False, "string"
    if not (is_safe_expression(sa, check_names=False) and is_safe_expression(sb, check_names=False)):
        return False, "guarded"
    if guard and (len(sa) + len(sb) > 600 or any(r.search(x) for r in _EXPLODE_RES for x in (sa, sb))):
        return False, "guarded"
    if eqa == 1:  # two equations: equivalent when lhs - rhs agree up to a nonzero constant factor
        (la, ra), (lb, rb) = _EQ_RE.split(sa), _EQ_RE.split(sb)
        return [(f"EQ({la})-({ra})", f"EQ({lb})-({rb})")], "sympy"
    return [(sa, sb)], "sympy"


def _combine(parts: list[tuple[_Verdict, str]]) -> tuple[_Verdict, str]:
    """All parts must be equal: any False -> False; pending sympy pairs are concatenated."""
    pending: list[tuple[str, str]] = []
    for v, how in parts:
        if v is False:
            return False, "guarded" if how == "guarded" else "structure"
        if isinstance(v, list):
            pending.extend(v)
    return (pending or True), "structure"


def _unordered(g: list[str], t: list[str], rel_tol: float, guard: bool) -> tuple[_Verdict, str]:
    if len(g) != len(t):
        return False, "structure"
    if len(g) > MAX_ITEMS:
        return sorted(map(_canon, g)) == sorted(map(_canon, t)), "structure"
    left = list(t)
    unmatched: list[str] = []
    for x in g:
        for k, y in enumerate(left):
            if _decide(x, y, rel_tol, guard)[0] is True:
                left.pop(k)
                break
        else:
            unmatched.append(x)
    if not unmatched:
        return True, "structure"
    # leftovers need sympy: pair them in sorted order (a guess when several are symbolic)
    return _combine(
        [_decide(x, y, rel_tol, guard) for x, y in zip(sorted(unmatched), sorted(left), strict=True)]
    )


def _squash(s: str) -> str:
    return "".join(s.split())


@lru_cache(maxsize=65536)
def _decide(given: str, gold: str, rel_tol: float, guard: bool) -> tuple[_Verdict, str]:
    """Cheap layers for one pair: ``(True|False|pending sympy pairs, layer name)``."""
    if len(given) > MAX_PARSED_CHARS or len(gold) > MAX_PARSED_CHARS:
        return _squash(given) == _squash(gold), "string"
    kg, g = _structure(given)
    kt, t = _structure(gold)
    if kg == "scalar" and kt == "scalar":
        return _scalar(g, t, rel_tol, guard)
    if kg == "scalar" or kt == "scalar":
        # a tuple written without brackets on one side only is a different answer
        return (_canon(given) == _canon(gold)), "structure"
    if kg == "matrix" or kt == "matrix":
        if kg != kt or len(g) != len(t) or any(len(r) != len(q) for r, q in zip(g, t, strict=True)):
            return False, "structure"
        if sum(len(r) for r in g) > MAX_ITEMS * 4:
            return False, "structure"
        return _combine(
            [
                _scalar(x, y, rel_tol, guard)
                for r, q in zip(g, t, strict=True)
                for x, y in zip(r, q, strict=True)
            ]
        )
    if kg == "seq" or kt == "seq":
        if kg != kt or g[0] != t[0] or g[1] != t[1] or len(g[2]) != len(t[2]):
            return False, "structure"
        if len(g[2]) > MAX_ITEMS:
            return [_canon(x) for x in g[2]] == [_canon(y) for y in t[2]], "structure"
        return _combine([_decide(x, y, rel_tol, guard) for x, y in zip(g[2], t[2], strict=True)])
    if kg == "union" or kt == "union":  # unions of intervals are unordered
        if kg != kt:
            return False, "structure"
        return _unordered(g, t, rel_tol, guard)
    return _unordered(g, t, rel_tol, guard)  # set / list: unordered


# ------------------------------------------------------------------------------------------------- pool handling
_POOLS: dict[int, SympyPool] = {}
_POOLS_LOCK = threading.Lock()


def get_default_pool(workers: int = 2) -> SympyPool:
    """The shared :class:`SympyPool` with ``workers`` processes (created on first use, closed at exit)."""
    with _POOLS_LOCK:
        pool = _POOLS.get(workers)
        if pool is None:
            pool = _POOLS[workers] = SympyPool(workers=workers)
        return pool


@atexit.register
def _close_pools() -> None:  # pragma: no cover - exit hook
    for pool in _POOLS.values():
        pool.close()


def _as_list(x: Sequence[Any] | pl.Series | str | None, name: str) -> list[Any]:
    if isinstance(x, pl.Series):
        return x.cast(pl.String).to_list()
    if isinstance(x, str) or x is None:
        raise InvalidArgumentError(
            f"{name} must be a sequence or a pl.Series of answers, got {type(x).__name__}"
        )
    return ["" if v is None else str(v) if not isinstance(v, str) else v for v in x]


def grade_answers(
    given: Sequence[str | None] | pl.Series,
    gold: Sequence[str | None] | pl.Series,
    *,
    timeout: float = 2.0,
    workers: int = 2,
    rel_tol: float = 1e-9,
    use_sympy: bool = True,
    guard: bool = True,
    pool: SympyPool | None = None,
    return_stats: bool = False,
) -> pl.Series | tuple[pl.Series, GradingStats]:
    r"""Grade many (given, gold) pairs; returns a Boolean ``pl.Series`` (and :class:`GradingStats`).

    Cheap layers run in this process; only pairs that need sympy go to a bounded pool of worker processes
    (``workers``, reused across calls, a killed worker is replaced). Duplicate pairs are graded once.

    Parameters
    ----------
    given, gold
        Model answers and reference answers (already extracted, e.g. with ``extract_boxed``). ``None`` grades
        ``False``.
    timeout
        Wall-clock seconds per sympy task; on timeout the worker is killed and the pair grades ``False``.
    workers
        Size of the shared pool (ignored when ``pool`` is given).
    rel_tol
        Relative tolerance of numeric comparisons.
    use_sympy
        ``False`` skips the sympy layer (pairs that would need it grade ``False``).
    guard
        Refuse expressions that could explode before sending them to sympy.
    return_stats
        Also return the :class:`GradingStats`.

    Examples
    --------
    >>> v, stats = grade_answers([r"\frac{\sqrt{2}}{2}", "3"], [r"\frac{1}{\sqrt{2}}", "4"], return_stats=True)
    >>> v.to_list(), stats.by_sympy, stats.by_numeric
    ([True, False], 1, 1)
    """
    t0 = time.perf_counter()
    gl, tl = _as_list(given, "given"), _as_list(gold, "gold")
    if len(gl) != len(tl):
        raise InvalidArgumentError(f"given has {len(gl)} answers but gold has {len(tl)}")
    stats = GradingStats(n=len(gl))
    uniq: dict[tuple[str, str], int] = {}
    keys = []
    for g, t in zip(gl, tl, strict=True):
        keys.append(uniq.setdefault((g, t), len(uniq)))
    verdicts: list[bool] = [False] * len(uniq)
    layers: list[str] = [""] * len(uniq)
    to_pool: list[int] = []
    payloads: list[list[tuple[str, str]]] = []
    for (g, t), k in uniq.items():
        if g is None or t is None or g == "" or t == "":
            verdicts[k], layers[k] = False, "string"
            continue
        v, how = _decide(g, t, rel_tol, guard)
        if isinstance(v, list):
            if use_sympy:
                to_pool.append(k)
                payloads.append(v)
            layers[k] = "sympy"
        else:
            verdicts[k], layers[k] = bool(v), how
    outcome: list[str] = [""] * len(uniq)
    if payloads:
        p = pool if pool is not None else get_default_pool(workers)
        for k, res in zip(to_pool, p.run(payloads, rel_tol=rel_tol, timeout=timeout), strict=True):
            verdicts[k] = res.status == "ok" and bool(res.value)
            outcome[k] = res.status
            stats.sympy_tasks += 1
    for k in keys:
        how = layers[k]
        if how == "string":
            stats.by_string += 1
        elif how == "numeric":
            stats.by_numeric += 1
        elif how == "structure":
            stats.by_structure += 1
        elif how == "guarded":
            stats.guarded += 1
        elif how == "sympy":
            stats.by_sympy += 1
            stats.timeouts += outcome[k] == "timeout"
            stats.errors += outcome[k] == "error"
    out = pl.Series("correct", [verdicts[k] for k in keys], dtype=pl.Boolean)
    stats.seconds = time.perf_counter() - t0
    return (out, stats) if return_stats else out


def grade_answer(given: str | None, gold: str | None, **kwargs: Any) -> bool:
    r"""Whether ``given`` is mathematically the same answer as ``gold`` (see the module docs for the layers).

    Keyword arguments are those of :func:`grade_answers`. Never raises on bad input and never hangs: sympy
    runs in a worker process killed after ``timeout`` seconds, with its address space capped (``RLIMIT_AS``);
    everything in this process is linear in the input (answers over 1,000 characters compare as strings).

    Conventions (graders are RL rewards, so every doubt resolves to ``False``: a near miss must never pass):

    * **Units**: a trailing unit (``\text{...}``, or up to four words after a number: ``18 eggs``,
      ``2000 calories``, ``5 \text{ cm}^2``) may be present on one side only; when both sides carry one, the
      units must match (``unit_key``: case, plurals, abbreviations, ``square x`` = ``x^2``). Scale words
      (``million``, ``thousand``), prose (``or more``) and function names are never units.
    * **``v =`` prefixes**: ``x = 5`` equals ``5``; two prefixes must name the same variable (``y=5`` is not
      ``x=5``). When only one side is an equation, the other's prefix is kept and whole equations are
      compared: ``y = 2x + 3`` equals ``2x - y + 3 = 0`` (same equation up to a nonzero factor).
    * **Intervals vs inequalities**: a one-variable inequality is the interval it describes (``x > 2`` equals
      ``(2,\infty)``, ``x \ge 2`` does not); brackets must match exactly; unions are unordered.
    * **``\pm``**: ``a \pm b`` is the two answers ``a + b`` and ``a - b`` (an unordered list); one branch alone
      is wrong (``3`` is not ``\pm 3``, ``3, -3`` is).
    * **Exact numbers**: integers, decimals and fractions compare exactly as rationals (``1000000001`` is not
      ``1000000000``; ``0.333`` is not ``\frac{1}{3}``); ``rel_tol`` applies only to irrational values
      (``\sqrt{2}`` vs ``1.41421356237``) evaluated by sympy. Thousands separators (``1,000``, ``1{,}000``,
      ``1,\!000``) are formatting.
    * **Infinity** equals only infinity of the same sign; a huge number (``10^{400}``) is a number, never
      infinity, and an interval with an infinite end differs from one with a finite end.
    * **Text** compares case-insensitively after normalisation (``\text{Monday}`` = ``monday``); a
      multiple-choice letter may be parenthesised or wrapped in ``\text{}``.

    Examples
    --------
    >>> grade_answer(r"\left( 3, \frac{\pi}{2} \right)", r"(3,\frac{\pi}{2})")
    True
    >>> grade_answer(r"x^2+2x+1", r"(x+1)^2")
    True
    >>> grade_answer("10^{10^{10^{10}}}", "1")
    False
    """
    if given is None or gold is None:
        return False
    return bool(grade_answers([given], [gold], **kwargs)[0])  # type: ignore[index]


def grade_expr(given: pl.Expr | str, gold: pl.Expr | str, **kwargs: Any) -> pl.Expr:
    """Polars expression version of :func:`grade_answers` (one batch = one pool run).

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"pred": ["1/2", "3"], "gold": ["0.5", "4"]})
    >>> df.select(grade_expr("pred", "gold", use_sympy=False))["correct"].to_list()
    [True, False]
    """
    g = pl.col(given) if isinstance(given, str) else given
    t = pl.col(gold) if isinstance(gold, str) else gold

    def _batch(s: pl.Series) -> pl.Series:
        f = s.struct.unnest()
        return grade_answers(f.to_series(0), f.to_series(1), **kwargs)  # type: ignore[return-value]

    return (
        pl.struct(g.alias("given"), t.alias("gold"))
        .map_batches(_batch, return_dtype=pl.Boolean)
        .alias("correct")
    )
