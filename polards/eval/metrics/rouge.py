"""ROUGE-N, ROUGE-L and ROUGE-Lsum equal to Google's ``rouge-score`` package (with or without Porter stemming).

* Tokenisation is ``rouge_score.tokenize.tokenize``: lower case, every non ``[a-z0-9]`` run becomes a space,
  tokens longer than 3 characters are stemmed with NLTK's Porter stemmer (re-implemented in
  :mod:`polards.eval.metrics._porter`), invalid tokens dropped.
* ROUGE-N clipped n-gram overlaps for all rows come from one vectorised pass
  (:func:`~polards.eval.metrics._ngrams.clipped_matches`).
* ROUGE-L uses a bit-parallel LCS length (Hyyrö 2004: one big-integer update per token instead of a DP row),
  which gives the same length as rouge-score's DP table.
* ROUGE-Lsum needs *which* LCS rouge-score's back-tracking picks (union LCS over sentences); the same
  back-tracking runs over the table's rows stored as bit vectors.
* With several references per item, each type takes the reference with the highest F (``score_multi``).

The corpus value of each type is the mean over items (rouge-score's ``BootstrapAggregator`` reports a resampled
estimate of the same mean).

Examples
--------
>>> r = rouge(["The quick brown fox jumps over the lazy dog"], ["The quick brown dog jumps on the log."])
>>> round(r.details["rouge1_fmeasure"], 6), round(r.details["rougeL_fmeasure"], 6)
(0.705882, 0.588235)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from polards.eval.metrics._common import MetricResult, as_reference_lists, as_strings, resolve_columns
from polards.eval.metrics._ngrams import clipped_matches_lists
from polards.eval.metrics._porter import stem
from polards.exceptions import InvalidArgumentError

__all__ = ["lcs_length", "rouge", "rouge_tokenize"]

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_SPACES = re.compile(r"\s+")
_VALID = re.compile(r"^[a-z0-9]+$")


def rouge_tokenize(text: str, use_stemmer: bool = False) -> list[str]:
    """``rouge_score.tokenize.tokenize`` with the default Porter stemmer when ``use_stemmer``.

    Examples
    --------
    >>> rouge_tokenize("The runners were running!", use_stemmer=True)
    ['the', 'runner', 'were', 'run']
    """
    text = _NON_ALNUM.sub(" ", text.lower())
    tokens = _SPACES.split(text)
    if use_stemmer:
        tokens = [stem(x) if len(x) > 3 else x for x in tokens]
    return [x for x in tokens if _VALID.match(x)]


def _tokens_series(texts: list[str], use_stemmer: bool) -> pl.Series:
    """Vectorised :func:`rouge_tokenize` for many texts (List[String] Series).

    Lower-casing uses Python's ``str.lower`` (rouge-score's Unicode rules); after it, replacing every non
    ``[a-z0-9]`` run by a space leaves only ASCII tokens, so the rest is exact in Polars. Each distinct token
    longer than 3 characters is stemmed once.
    """
    low = pl.Series("t", [t.lower() for t in texts], dtype=pl.String)
    toks = (
        low.str.replace_all(r"[^a-z0-9]+", " ")
        .str.split(" ")
        .list.eval(pl.element().filter(pl.element() != ""))
    )
    if use_stemmer and len(toks):
        vocab = toks.explode().drop_nulls().unique()
        long = vocab.filter(vocab.str.len_bytes() > 3).to_list()
        mapping = {w: stem(w) for w in long}
        changed = {w: v for w, v in mapping.items() if v != w}
        if changed:
            toks = toks.list.eval(pl.element().replace(changed))
    return toks


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence (bit-parallel).

    Examples
    --------
    >>> lcs_length("ABCBDAB", "BDCABA")
    4
    """
    if not a or not b:
        return 0
    masks: dict[str, int] = {}
    for i, t in enumerate(a):
        masks[t] = masks.get(t, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full
    for t in b:
        m = masks.get(t)
        if m:
            u = v & m
            v = ((v + u) | (v - u)) & full
    return len(a) - v.bit_count()


def _fmeasure(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def _lcs_ind(ref: Sequence[str], can: Sequence[str]) -> list[int]:
    """rouge-score's ``lcs_ind`` (its DP table and back-tracking), with the table kept as bit-vector rows.

    Row ``i`` of the LCS table is stored as the Hyyrö bit vector ``V_i`` over ``can`` positions, where
    ``table[i][j]`` is the number of zero bits among the low ``j`` bits; back-tracking reads only the O(m+n)
    cells it visits, so the cost is O(m * n / 64) instead of O(m * n) Python steps.
    """
    masks: dict[str, int] = {}
    for j, t in enumerate(can):
        masks[t] = masks.get(t, 0) | (1 << j)
    full = (1 << len(can)) - 1
    rows = [full]
    v = full
    for t in ref:
        m = masks.get(t)
        if m:
            u = v & m
            v = ((v + u) | (v - u)) & full
        rows.append(v)

    def cell(i: int, j: int) -> int:
        return j - (rows[i] & ((1 << j) - 1)).bit_count()

    i, j = len(ref), len(can)
    out: list[int] = []
    while i > 0 and j > 0:
        if ref[i - 1] == can[j - 1]:
            out.append(i - 1)
            i -= 1
            j -= 1
        elif cell(i, j - 1) > cell(i - 1, j):
            j -= 1
        else:
            i -= 1
    return out


def _summary_lcs(ref_sents: list[list[str]], can_sents: list[list[str]]) -> tuple[float, float, float]:
    if not ref_sents or not can_sents:
        return 0.0, 0.0, 0.0
    m = sum(map(len, ref_sents))
    n = sum(map(len, can_sents))
    if not n or not m:
        return 0.0, 0.0, 0.0
    cnt_r: Counter[str] = Counter()
    cnt_c: Counter[str] = Counter()
    for s in ref_sents:
        cnt_r.update(s)
    for s in can_sents:
        cnt_c.update(s)
    hits = 0
    for r in ref_sents:
        union = sorted(set().union(*[_lcs_ind(r, c) for c in can_sents]))
        for tok in (r[i] for i in union):
            if cnt_c[tok] > 0 and cnt_r[tok] > 0:
                hits += 1
                cnt_c[tok] -= 1
                cnt_r[tok] -= 1
    recall, precision = hits / m, hits / n
    return precision, recall, _fmeasure(precision, recall)


def _sents(text: str) -> list[str]:
    return [x for x in text.split("\n") if len(x)]


def rouge(
    predictions: Any,
    references: Any,
    *,
    data: Any = None,
    rouge_types: Sequence[str] = ("rouge1", "rouge2", "rougeL", "rougeLsum"),
    use_stemmer: bool = False,
) -> MetricResult:
    """ROUGE precision/recall/F per item and their corpus means, equal to ``rouge_score.RougeScorer``.

    Parameters
    ----------
    predictions, references
        Predictions, and per item one reference or a list of references; or column names with ``data=``.
    rouge_types
        Any of ``"rouge1"`` ... ``"rouge4"``, ``"rougeL"``, ``"rougeLsum"`` (sentences split on newlines).
    use_stemmer
        Porter-stem tokens longer than 3 characters (``RougeScorer(use_stemmer=True)``).

    Returns
    -------
    MetricResult
        ``score`` is the mean F of the first type; ``details`` has ``{type}_{precision|recall|fmeasure}`` means;
        ``per_item`` has the same names as columns.
    """
    for t in rouge_types:
        if not (re.fullmatch(r"rouge[1-4]", t) or t in ("rougeL", "rougeLsum")):
            raise InvalidArgumentError(f"invalid rouge type {t!r}: use rouge1..rouge4, rougeL or rougeLsum")
    if not rouge_types:
        raise InvalidArgumentError("rouge_types is empty")
    preds, refs = resolve_columns(predictions, references, data)
    preds = as_strings(preds, "predictions")
    ref_lists = as_reference_lists(refs)
    # expand to (item, reference) pairs
    pair_item = np.fromiter((i for i, rs in enumerate(ref_lists) for _ in rs), dtype=np.int64)
    pair_pred = [preds[i] for i in pair_item.tolist()]
    pair_ref = [r for rs in ref_lists for r in rs]
    cache: dict[str, list[str]] = {}

    def tok(text: str) -> list[str]:
        got = cache.get(text)
        if got is None:
            got = cache[text] = rouge_tokenize(text, use_stemmer)
        return got

    needs_tokens = any(t != "rougeLsum" for t in rouge_types)
    if needs_tokens:
        ptok_s = _tokens_series(pair_pred, use_stemmer)
        rtok_s = _tokens_series(pair_ref, use_stemmer)
        plen = ptok_s.list.len().to_numpy().astype(np.float64)
        rlen = rtok_s.list.len().to_numpy().astype(np.float64)
    else:
        ptok_s = rtok_s = pl.Series([], dtype=pl.List(pl.String))
        plen = rlen = np.zeros(0)
    n_items = len(preds)
    columns: dict[str, np.ndarray] = {}
    ngram_orders = sorted({int(t[5:]) for t in rouge_types if t[5:].isdigit()})
    overlaps = None
    if ngram_orders:
        pair_ids = np.arange(len(pair_ref), dtype=np.int64)
        overlaps = clipped_matches_lists(ptok_s, pair_ids, rtok_s, max(ngram_orders))
    ptoks = ptok_s.to_list() if "rougeL" in rouge_types else []
    rtoks = rtok_s.to_list() if "rougeL" in rouge_types else []
    for t in rouge_types:
        if t == "rougeL":
            lcs = np.fromiter(
                (lcs_length(r, p) for p, r in zip(ptoks, rtoks, strict=True)),
                dtype=np.float64,
                count=len(ptoks),
            )
            ok = (plen > 0) & (rlen > 0)
            prec = np.where(ok, lcs / np.maximum(plen, 1), 0.0)
            rec = np.where(ok, lcs / np.maximum(rlen, 1), 0.0)
        elif t == "rougeLsum":
            trip = [
                _summary_lcs([tok(s) for s in _sents(r)], [tok(s) for s in _sents(p)])
                for p, r in zip(pair_pred, pair_ref, strict=True)
            ]
            arr = np.asarray(trip, dtype=np.float64).reshape(-1, 3)
            prec, rec = arr[:, 0], arr[:, 1]
        else:
            n = int(t[5:])
            inter = overlaps[:, n - 1].astype(np.float64)  # type: ignore[index]
            prec = inter / np.maximum(plen - n + 1, 1)
            rec = inter / np.maximum(rlen - n + 1, 1)
        f = np.array(
            [_fmeasure(p, r) for p, r in zip(prec.tolist(), rec.tolist(), strict=True)], dtype=np.float64
        )
        # score_multi: per type, the reference with the highest F (first on ties)
        best = _argmax_per_item(f, pair_item, n_items)
        for name, arr in (("precision", prec), ("recall", rec), ("fmeasure", f)):
            col = np.zeros(n_items, dtype=np.float64)
            has = best >= 0
            col[has] = arr[best[has]]
            columns[f"{t}_{name}"] = col
    frame = pl.DataFrame(columns)
    details = {k: float(v.mean()) if n_items else 0.0 for k, v in columns.items()}
    return MetricResult("rouge", details[f"{rouge_types[0]}_fmeasure"], details, frame)


def _argmax_per_item(f: np.ndarray, item: np.ndarray, n_items: int) -> np.ndarray:
    best = np.full(n_items, -1, dtype=np.int64)
    best_f = np.full(n_items, -np.inf)
    for k, (i, v) in enumerate(zip(item.tolist(), f.tolist(), strict=True)):
        if v > best_f[i]:
            best_f[i] = v
            best[i] = k
    return best
