"""BLEU equal to ``sacrebleu`` (2.x): 13a tokenizer, smoothing ``exp``/``floor``/``add-k``/``none``.

Tokenisation reproduces sacrebleu's ``Tokenizer13a`` (mteval-v13a) with the same regular expressions; n-gram
statistics are computed for all rows at once by :func:`~polards.eval.metrics._ngrams.clipped_matches`; the
final score follows ``sacrebleu.BLEU.compute_bleu`` operation by operation, so values agree to float rounding.

Examples
--------
>>> r = corpus_bleu(["the cat sat on the mat"], [["the cat sat on the mat"]])
>>> round(r.score, 6)
100.0
>>> round(sentence_bleu(["a b c d"], [["a b c x"]]).score, 4)
59.4604
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import polars as pl

from polards.eval.metrics._common import MetricResult, as_reference_lists, as_strings, resolve_columns
from polards.eval.metrics._ngrams import clipped_matches_lists
from polards.exceptions import InvalidArgumentError

__all__ = [
    "SMOOTH_DEFAULTS",
    "bleu_statistics",
    "compute_bleu",
    "corpus_bleu",
    "sentence_bleu",
    "tokenize_13a",
    "tokens_expr",
]

SMOOTH_DEFAULTS: dict[str, float | None] = {"none": None, "floor": 0.1, "add-k": 1, "exp": None}

_13A_RES = (
    (re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),
    (re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),
    (re.compile(r"([\.,])([^0-9])"), r" \1 \2"),
    (re.compile(r"([0-9])(-)"), r"\1 \2 "),
)


@lru_cache(maxsize=2**16)
def tokenize_13a(line: str) -> str:
    """sacrebleu's ``13a`` tokenizer (mteval-v13a as used by WMT).

    Examples
    --------
    >>> tokenize_13a("Hello, world! It's 3.5-4 &amp; more.")
    "Hello , world ! It's 3.5 - 4 & more ."
    """
    line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        line = line.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    line = f" {line} "
    for rx, repl in _13A_RES:
        line = rx.sub(repl, line)
    return " ".join(line.split())


# Python's str.split()/rstrip() whitespace (== str.isspace) as an explicit class for Polars' Rust regex
_PY_WS = r"[\t-\r\x1c-\x20\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
_13A_POLARS = (
    (r"([\{-\~\[-\` -\&\(-\+\:-\@\/])", " ${1} "),
    (r"([^0-9])([\.,])", "${1} ${2} "),
    (r"([\.,])([^0-9])", " ${1} ${2}"),
    (r"([0-9])(-)", "${1} ${2} "),
)


def tokens_expr(e: pl.Expr, tokenize: str = "13a") -> pl.Expr:
    """``sent.rstrip()`` + 13a tokenizer + ``split()`` as one Polars expression (String -> List[String]).

    Same regular expressions as :func:`tokenize_13a`, run by Polars' Rust regex engine on all rows at once;
    whitespace is Python's exact ``str.isspace`` set so splitting agrees with ``str.split()``.

    Examples
    --------
    >>> import polars as pl
    >>> pl.select(tokens_expr(pl.lit("Hello, world!"))).item().to_list()
    ['Hello', ',', 'world', '!']
    """
    e = e.str.replace(_PY_WS + "+$", "")
    if tokenize == "13a":
        for old, new in (("<skipped>", ""), ("-\n", ""), ("\n", " "), ("&quot;", '"'), ("&amp;", "&"),
                         ("&lt;", "<"), ("&gt;", ">")):  # fmt: skip
            e = e.str.replace_all(old, new, literal=True)
        e = pl.concat_str(pl.lit(" "), e, pl.lit(" "))
        for pat, repl in _13A_POLARS:
            e = e.str.replace_all(pat, repl)
    elif tokenize != "none":
        raise InvalidArgumentError(f"tokenize must be '13a' or 'none', got {tokenize!r}")
    e = e.str.replace_all(_PY_WS + "+", " ").str.strip_chars(" ").str.split(" ")
    return e.list.eval(pl.element().filter(pl.element() != ""))


def _tokens(sent: str, lowercase: bool, tokenize: str) -> list[str]:
    if lowercase:
        sent = sent.lower()
    sent = sent.rstrip()
    if tokenize == "13a":
        sent = tokenize_13a(sent)
    elif tokenize != "none":
        raise InvalidArgumentError(f"tokenize must be '13a' or 'none', got {tokenize!r}")
    return sent.split()


def _my_log(x: float) -> float:
    return -9999999999 if x == 0.0 else math.log(x)


def compute_bleu(
    correct: Sequence[float],
    total: Sequence[float],
    sys_len: int,
    ref_len: int,
    smooth_method: str = "none",
    smooth_value: float | None = None,
    effective_order: bool = False,
    max_ngram_order: int = 4,
) -> dict[str, Any]:
    """BLEU from sufficient statistics, step for step as ``sacrebleu.BLEU.compute_bleu``.

    Examples
    --------
    >>> round(compute_bleu([4, 3, 2, 1], [4, 3, 2, 1], 4, 4)["score"], 9)
    100.0
    """
    if smooth_method not in SMOOTH_DEFAULTS:
        raise InvalidArgumentError(
            f"smooth_method must be one of {list(SMOOTH_DEFAULTS)}, got {smooth_method!r}"
        )
    correct, total = list(correct), list(total)
    if smooth_value is None:
        smooth_value = SMOOTH_DEFAULTS[smooth_method]
    bp = 1.0
    if sys_len < ref_len:
        bp = math.exp(1 - ref_len / sys_len) if sys_len > 0 else 0.0
    precisions = [0.0] * max_ngram_order
    res = {"counts": correct, "totals": total, "bp": bp, "sys_len": sys_len, "ref_len": ref_len}
    if not any(correct):
        return {"score": 0.0, "precisions": precisions, **res}
    smooth_mteval = 1.0
    eff_order = max_ngram_order
    for n in range(1, len(precisions) + 1):
        if smooth_method == "add-k" and n > 1:
            correct[n - 1] += smooth_value  # type: ignore[operator]
            total[n - 1] += smooth_value  # type: ignore[operator]
        if total[n - 1] == 0:
            break
        if effective_order:
            eff_order = n
        if correct[n - 1] == 0:
            if smooth_method == "exp":
                smooth_mteval *= 2
                precisions[n - 1] = 100.0 / (smooth_mteval * total[n - 1])
            elif smooth_method == "floor":
                precisions[n - 1] = 100.0 * smooth_value / total[n - 1]  # type: ignore[operator]
        else:
            precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1]
    score = bp * math.exp(sum([_my_log(p) for p in precisions[:eff_order]]) / eff_order)
    return {"score": score, "precisions": precisions, **res}


def _closest_ref_len(hyp_len: int, ref_lens: list[int]) -> int:
    closest_diff, closest_len = -1, -1
    for ref_len in ref_lens:
        diff = abs(hyp_len - ref_len)
        if closest_diff == -1 or diff < closest_diff:
            closest_diff, closest_len = diff, ref_len
        elif diff == closest_diff and ref_len < closest_len:
            closest_len = ref_len
    return closest_len


def bleu_statistics(
    predictions: Sequence[str],
    references: Sequence[Sequence[str]],
    *,
    lowercase: bool = False,
    tokenize: str = "13a",
    max_ngram_order: int = 4,
) -> np.ndarray:
    """Per-row sufficient statistics ``[hyp_len, ref_len, correct_1..N, total_1..N]`` (int64 matrix).

    Tokenisation and n-gram counting run as Polars expressions over all rows; only lower-casing (Python's
    ``str.lower``, whose Unicode rules sacrebleu uses) and the closest-reference-length choice are Python.
    """
    n = len(predictions)
    k = max_ngram_order
    stats = np.zeros((n, 2 + 2 * k), dtype=np.int64)
    if n == 0:
        return stats
    ref_rows = np.fromiter((i for i, rs in enumerate(references) for _ in rs), dtype=np.int64)
    flat_refs = [r for rs in references for r in rs]
    hyps = list(predictions)
    if lowercase:
        hyps = [h.lower() for h in hyps]
        flat_refs = [r.lower() for r in flat_refs]
    tok = tokens_expr(pl.col("s"), tokenize)
    hyp_toks = pl.DataFrame({"s": hyps}, schema={"s": pl.String}).select(tok).to_series()
    ref_toks = pl.DataFrame({"s": flat_refs}, schema={"s": pl.String}).select(tok).to_series()
    hyp_len = hyp_toks.list.len().to_numpy().astype(np.int64)
    ref_len = ref_toks.list.len().to_numpy().astype(np.int64)
    stats[:, 0] = hyp_len
    stats[:, 1] = _closest_ref_lens(hyp_len, ref_rows, ref_len, n)
    stats[:, 2 : 2 + k] = clipped_matches_lists(hyp_toks, ref_rows, ref_toks, k)
    orders = np.arange(1, k + 1)
    stats[:, 2 + k :] = np.maximum(hyp_len[:, None] - orders[None, :] + 1, 0)
    return stats


def _closest_ref_lens(hyp_len: np.ndarray, ref_rows: np.ndarray, ref_len: np.ndarray, n: int) -> np.ndarray:
    """sacrebleu's closest reference length (ties -> the shorter), vectorised; -1 for rows without references."""
    out = np.full(n, -1, dtype=np.int64)
    if len(ref_rows) == 0:
        return out
    diff = np.abs(hyp_len[ref_rows] - ref_len)
    # sort by (row, diff, ref_len): the first entry per row is the closest, shortest on ties
    order = np.lexsort((ref_len, diff, ref_rows))
    rows_sorted = ref_rows[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = rows_sorted[1:] != rows_sorted[:-1]
    out[rows_sorted[first]] = ref_len[order][first]
    return out


def _prepare(predictions: Any, references: Any, data: Any) -> tuple[list[str], list[list[str]]]:
    preds, refs = resolve_columns(predictions, references, data)
    return as_strings(preds, "predictions"), as_reference_lists(refs)


def corpus_bleu(
    predictions: Any,
    references: Any,
    *,
    data: Any = None,
    lowercase: bool = False,
    tokenize: str = "13a",
    smooth_method: str = "exp",
    smooth_value: float | None = None,
    max_ngram_order: int = 4,
    effective_order: bool = False,
    per_item: bool = True,
) -> MetricResult:
    """Corpus BLEU equal to ``sacrebleu.corpus_bleu`` (per-item sentence BLEU in ``per_item``).

    Parameters
    ----------
    predictions, references
        Hypotheses, and per item one reference string or a list of references (variable counts allowed);
        or two column names with ``data=`` (a polards ``Dataset``, ``pl.DataFrame`` or ``pl.LazyFrame``).
    lowercase, tokenize, smooth_method, smooth_value, max_ngram_order, effective_order
        As in ``sacrebleu.BLEU``; ``tokenize`` is ``"13a"`` (default) or ``"none"``.
    per_item
        Also compute sentence BLEU per row (``sacrebleu.sentence_bleu`` semantics: effective order on).

    Examples
    --------
    >>> r = corpus_bleu(["the cat is on the mat"], ["the cat sat on the mat"])
    >>> round(r.score, 4), r.per_item.columns
    (37.9918, ['bleu'])
    """
    preds, refs = _prepare(predictions, references, data)
    stats = bleu_statistics(
        preds, refs, lowercase=lowercase, tokenize=tokenize, max_ngram_order=max_ngram_order
    )
    k = max_ngram_order
    tot = stats.sum(axis=0).tolist() if len(stats) else [0] * (2 + 2 * k)
    res = compute_bleu(
        tot[2 : 2 + k],
        tot[2 + k :],
        int(tot[0]),
        int(tot[1]),
        smooth_method,
        smooth_value,
        effective_order,
        k,
    )
    frame = None
    if per_item:
        frame = pl.DataFrame({"bleu": _sentence_scores(stats, k, smooth_method, smooth_value)})
    details = {key: v for key, v in res.items() if key != "score"}
    return MetricResult("bleu", float(res["score"]), details, frame)


def _sentence_scores(
    stats: np.ndarray, k: int, smooth_method: str, smooth_value: float | None, effective_order: bool = True
) -> list[float]:
    out = []
    for row in stats.tolist():
        out.append(
            compute_bleu(
                row[2 : 2 + k], row[2 + k :], row[0], row[1], smooth_method, smooth_value, effective_order, k
            )["score"]
        )
    return out


def sentence_bleu(
    predictions: Any,
    references: Any,
    *,
    data: Any = None,
    lowercase: bool = False,
    tokenize: str = "13a",
    smooth_method: str = "exp",
    smooth_value: float | None = None,
    max_ngram_order: int = 4,
    use_effective_order: bool = True,
) -> MetricResult:
    """Per-row ``sacrebleu.sentence_bleu``; ``score`` is their mean, ``per_item["bleu"]`` the values.

    Examples
    --------
    >>> [round(x, 6) for x in sentence_bleu(["a b c d", "x"], ["a b c d", "y"]).per_item["bleu"]]
    [100.0, 0.0]
    """
    preds, refs = _prepare(predictions, references, data)
    stats = bleu_statistics(
        preds, refs, lowercase=lowercase, tokenize=tokenize, max_ngram_order=max_ngram_order
    )
    scores = _sentence_scores(stats, max_ngram_order, smooth_method, smooth_value, use_effective_order)
    mean = float(np.mean(scores)) if scores else 0.0
    return MetricResult(
        "sentence_bleu", mean, {}, pl.DataFrame({"bleu": scores}, schema={"bleu": pl.Float64})
    )
