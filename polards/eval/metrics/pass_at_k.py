"""pass@k with the unbiased estimator of Chen et al. (2021), "Evaluating Large Language Models Trained on Code".

For a problem with ``n`` samples of which ``c`` pass, ``pass@k = 1 - C(n-c, k) / C(n, k)``, computed as the
numerically stable product ``1 - prod_{i=n-c+1}^{n} (1 - k / i)``.

Examples
--------
>>> round(pass_at_k_estimate(10, 3, 1), 6)
0.3
>>> r = pass_at_k([[True, False, False], [False, False, False]], k=[1, 2])
>>> round(r.details["pass@1"], 6), round(r.details["pass@2"], 6)
(0.166667, 0.333333)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from polards.eval.metrics._common import MetricResult, _frame
from polards.exceptions import ColumnNotFoundError, InvalidArgumentError

__all__ = ["pass_at_k", "pass_at_k_estimate"]


def pass_at_k_estimate(n: int, c: int, k: int) -> float:
    """Unbiased pass@k for one problem with ``n`` samples and ``c`` correct ones."""
    if k < 1:
        raise InvalidArgumentError(f"k must be >= 1, got {k}")
    if c < 0 or c > n:
        raise InvalidArgumentError(f"need 0 <= c <= n, got n={n}, c={c}")
    if n - c < k:
        return 1.0
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def pass_at_k(
    correct: Any,
    k: int | Sequence[int] = 1,
    *,
    data: Any = None,
    group: str | None = None,
) -> MetricResult:
    """Mean unbiased pass@k over problems, from per-sample correctness.

    Parameters
    ----------
    correct
        Per problem a list of booleans (one per sample); or with ``data=``, the name of a ``List[Boolean]``
        column, or (with ``group=``) of a Boolean column with one row per sample.
    k
        One k or several; problems with fewer than k samples raise.
    group
        Column identifying the problem of each sample row.

    Returns
    -------
    MetricResult
        ``score`` is pass@k for the first k; ``details`` has ``pass@k`` for every k; ``per_item`` has ``n``,
        ``c`` and ``pass@k`` columns per problem.
    """
    ks = [k] if isinstance(k, int) else list(k)
    if not ks:
        raise InvalidArgumentError("k is empty")
    if data is not None:
        df = _frame(data)
        if not isinstance(correct, str) or correct not in df.columns:
            raise ColumnNotFoundError.from_names([str(correct)], df.columns)
        if group is not None:
            if group not in df.columns:
                raise ColumnNotFoundError.from_names([group], df.columns)
            counts = df.group_by(group, maintain_order=True).agg(
                n=pl.len(), c=pl.col(correct).cast(pl.Int64).sum()
            )
        else:
            counts = df.select(
                n=pl.col(correct).list.len(),
                c=pl.col(correct).list.eval(pl.element().cast(pl.Int64)).list.sum(),
            )
    else:
        lists = correct.to_list() if isinstance(correct, pl.Series) else list(correct)
        counts = pl.DataFrame(
            {"n": [len(x) for x in lists], "c": [int(sum(bool(v) for v in x)) for x in lists]},
            schema={"n": pl.Int64, "c": pl.Int64},
        )
    n_arr, c_arr = counts["n"].to_list(), counts["c"].to_list()
    per = {"n": n_arr, "c": c_arr}
    details: dict[str, float] = {}
    for kk in ks:
        too_few = [i for i, n in enumerate(n_arr) if n < kk]
        if too_few:
            raise InvalidArgumentError(
                f"problem {too_few[0]} has {n_arr[too_few[0]]} samples, fewer than k={kk}"
            )
        memo: dict[tuple[int, int], float] = {}
        vals = []
        for n, c in zip(n_arr, c_arr, strict=True):
            key = (n, c)
            if key not in memo:
                memo[key] = pass_at_k_estimate(n, c, kk)
            vals.append(memo[key])
        per[f"pass@{kk}"] = vals
        details[f"pass@{kk}"] = float(np.mean(vals)) if vals else 0.0
    frame = pl.DataFrame(per)
    return MetricResult(f"pass@{ks[0]}", details[f"pass@{ks[0]}"], details, frame)
