"""Vectorised clipped n-gram matching shared by BLEU and ROUGE-N.

Token lists of all segments (hypotheses and references) are exploded into one long Polars frame; tokens become
integer ids through a ``Categorical`` cast; for every order n the n-gram key is packed from shifted id columns
into ``UInt64`` columns, counted per segment with one ``group_by`` and clipped against the per-row maximum
reference count with one join. No Python code runs per token or per n-gram.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

__all__ = ["clipped_matches", "clipped_matches_lists"]

_U64 = pl.UInt64


def clipped_matches(
    hyps: Sequence[Sequence[str]], refs: Sequence[Sequence[Sequence[str]]], max_order: int
) -> np.ndarray:
    """``out[i, n-1] = sum over n-grams g of hyps[i] of min(count_hyp(g), max_j count_refs[i][j](g))``.

    Examples
    --------
    >>> clipped_matches([["a", "a", "b"]], [[["a", "b"], ["a", "a"]]], 2).tolist()
    [[3, 2]]
    """
    ref_rows = [i for i, rs in enumerate(refs) for _ in rs]
    ref_toks = [list(r) for rs in refs for r in rs]
    return clipped_matches_lists(
        pl.Series("tok", [list(h) for h in hyps], dtype=pl.List(pl.String)),
        np.asarray(ref_rows, dtype=np.int64),
        pl.Series("tok", ref_toks, dtype=pl.List(pl.String)),
        max_order,
    )


def clipped_matches_lists(
    hyp: pl.Series, ref_rows: np.ndarray, ref_toks: pl.Series, max_order: int
) -> np.ndarray:
    """Same as :func:`clipped_matches` on Polars list columns.

    ``hyp`` holds one token list per row; reference ``k`` (token list ``ref_toks[k]``) belongs to row
    ``ref_rows[k]`` (any number of references per row).
    """
    if max_order > 4:
        raise ValueError("n-gram orders above 4 are not supported")
    n_rows = len(hyp)
    out = np.zeros((n_rows, max_order), dtype=np.int64)
    if n_rows == 0 or len(ref_toks) == 0:
        return out
    n_refs = len(ref_toks)
    segs = pl.concat(
        [
            pl.DataFrame({"tok": hyp.cast(pl.List(pl.String))}),
            pl.DataFrame({"tok": ref_toks.cast(pl.List(pl.String))}),
        ]
    ).with_row_index("seg")
    long = (
        segs.lazy()
        .explode("tok")
        .filter(pl.col("tok").is_not_null())
        .select(pl.col("seg").cast(pl.Int64), id=pl.col("tok").cast(pl.Categorical).to_physical().cast(_U64))
        .collect()
    )
    if long.height == 0:
        return out
    seg_row = pl.DataFrame({"seg": np.arange(n_rows, n_rows + n_refs, dtype=np.int64), "row": ref_rows})
    one_ref_per_row = len(np.unique(ref_rows)) == n_refs
    if one_ref_per_row:
        # each row has at most one reference: count hyp and ref occurrences of every (row, n-gram) in one pass
        row_of_seg = np.concatenate([np.arange(n_rows, dtype=np.int64), ref_rows.astype(np.int64)])
        long = long.with_columns(
            row=pl.Series(row_of_seg[long["seg"].to_numpy()]), is_hyp=pl.col("seg") < n_rows
        )
    base = long.lazy()
    for n in range(1, max_order + 1):
        cols = [pl.col("id").shift(-k) for k in range(n)]
        keys = {"a": cols[0] * (1 << 32) + cols[1] if n > 1 else cols[0]}
        if n > 2:
            keys["b"] = cols[2] * (1 << 32) + cols[3] if n > 3 else cols[2]
        valid = pl.col("seg").shift(-(n - 1)) == pl.col("seg")
        grams = base.with_columns(**keys)
        if n > 1:
            grams = grams.filter(valid)
        key_cols = list(keys)
        if one_ref_per_row:
            per_row = (
                grams.group_by("row", *key_cols)
                .agg(hc=pl.col("is_hyp").sum(), tot=pl.len())
                .group_by("row")
                .agg(m=pl.min_horizontal(pl.col("hc"), pl.col("tot") - pl.col("hc")).sum())
                .collect()
            )
        else:
            counts = grams.group_by("seg", *key_cols).len()
            hyp_c = counts.filter(pl.col("seg") < n_rows).rename({"seg": "row", "len": "hc"})
            ref_c = counts.filter(pl.col("seg") >= n_rows).join(seg_row.lazy(), on="seg").drop("seg")
            ref_c = ref_c.group_by("row", *key_cols).agg(rc=pl.col("len").max())
            per_row = (
                hyp_c.join(ref_c, on=["row", *key_cols], how="inner")
                .group_by("row")
                .agg(m=pl.min_horizontal("hc", "rc").sum())
                .collect()
            )
        if per_row.height:
            out[per_row["row"].to_numpy(), n - 1] = per_row["m"].to_numpy()
    return out
