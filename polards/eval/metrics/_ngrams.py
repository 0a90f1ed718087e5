"""Vectorised clipped n-gram matching shared by BLEU and ROUGE-N.

Tokens of all segments are flattened into one long Polars frame of integer token ids; for every order n the
n-gram key is packed from shifted id columns into two ``UInt64`` columns, counted per segment with one
``group_by`` and clipped against the per-row maximum reference count with one join. No Python loop runs
per n-gram.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np
import polars as pl

__all__ = ["clipped_matches"]


def _ids(flat: list[str]) -> np.ndarray:
    s = pl.Series("tok", flat, dtype=pl.String)
    return (s.rank("dense").cast(pl.UInt64) if len(s) else pl.Series("tok", [], dtype=pl.UInt64)).to_numpy()


def clipped_matches(
    hyps: Sequence[Sequence[str]], refs: Sequence[Sequence[Sequence[str]]], max_order: int
) -> np.ndarray:
    """``out[i, n-1] = sum over n-grams g of hyps[i] of min(count_hyp(g), max_j count_refs[i][j](g))``.

    Examples
    --------
    >>> clipped_matches([["a", "a", "b"]], [[["a", "b"], ["a", "a"]]], 2).tolist()
    [[3, 2]]
    """
    n_rows = len(hyps)
    out = np.zeros((n_rows, max_order), dtype=np.int64)
    if n_rows == 0:
        return out
    seg_lens = [len(h) for h in hyps]
    seg_rows = list(range(n_rows))
    ref_segs: list[Sequence[str]] = []
    for i, rs in enumerate(refs):
        for r in rs:
            ref_segs.append(r)
            seg_rows.append(i)
    seg_lens += [len(r) for r in ref_segs]
    flat = list(chain(chain.from_iterable(hyps), chain.from_iterable(ref_segs)))
    if not flat:
        return out
    ids = _ids(flat)
    seg = np.repeat(np.arange(len(seg_lens), dtype=np.int64), seg_lens)
    row_of_seg = np.asarray(seg_rows, dtype=np.int64)
    base = pl.DataFrame({"seg": seg, "row": np.repeat(row_of_seg, seg_lens), "id": ids})
    for n in range(1, max_order + 1):
        cols = [pl.col("id").shift(-k) for k in range(n)]
        valid = pl.col("seg").shift(-(n - 1)) == pl.col("seg") if n > 1 else pl.lit(True)
        a = cols[0] * (1 << 32) + (cols[1] if n > 1 else pl.lit(0, dtype=pl.UInt64))
        b = (cols[2] if n > 2 else pl.lit(0, dtype=pl.UInt64)) * (1 << 32) + (
            cols[3] if n > 3 else pl.lit(0, dtype=pl.UInt64)
        )
        if n > 4:
            raise ValueError("n-gram orders above 4 are not supported")
        grams = (
            base.lazy()
            .with_columns(a=a, b=b, ok=valid)
            .filter(pl.col("ok"))
            .group_by("seg", "row", "a", "b")
            .len()
        )
        grams = grams.with_columns(is_hyp=pl.col("seg") < n_rows)
        hyp = grams.filter(pl.col("is_hyp")).select("row", "a", "b", hc="len")
        ref = grams.filter(~pl.col("is_hyp")).group_by("row", "a", "b").agg(rc=pl.col("len").max())
        per_row = (
            hyp.join(ref, on=["row", "a", "b"], how="inner")
            .group_by("row")
            .agg(m=pl.min_horizontal("hc", "rc").sum())
            .collect()
        )
        if per_row.height:
            out[per_row["row"].to_numpy(), n - 1] = per_row["m"].to_numpy()
    return out
