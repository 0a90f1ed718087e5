"""Sampling verbs: random and stratified samples, k-fold splits, few-shot per-class picks.

Every verb computes an index array with numpy (reading at most the stratification column) and hands it to
``ds.select(indices)``, so a lazy :class:`polards.Dataset` stays lazy. The same functions accept a
``pl.DataFrame`` or ``pl.LazyFrame`` and return the same kind. Selected indices keep the dataset's order.

Examples
--------
>>> import polars as pl
>>> from polards.toolkit.sampling import sample, stratified_sample, k_fold
>>> df = pl.DataFrame({"x": range(10), "y": ["a"] * 6 + ["b"] * 4})
>>> sample(df, n=3, seed=0).height
3
>>> stratified_sample(df, fraction=0.5, by="y", seed=0)["y"].value_counts(sort=True).rows()
[('a', 3), ('b', 2)]
>>> [(tr.height, va.height) for tr, va in k_fold(df, k=5, seed=0)]
[(8, 2), (8, 2), (8, 2), (8, 2), (8, 2)]
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

import numpy as np
import polars as pl

from polards.exceptions import ColumnNotFoundError, InvalidArgumentError

__all__ = [
    "k_fold",
    "k_fold_indices",
    "largest_remainder",
    "per_class",
    "per_class_indices",
    "sample",
    "sample_indices",
    "stratified_sample",
    "stratified_sample_indices",
    "train_test_split",
    "train_test_split_indices",
]

T = TypeVar("T")


# ------------------------------------------------------------------------------------------------ data access
def _n_rows(data: Any) -> int:
    if isinstance(data, pl.DataFrame):
        return data.height
    if isinstance(data, pl.LazyFrame):
        return int(data.select(pl.len()).collect().item())
    return len(data)


def _column_names(data: Any) -> list[str]:
    if isinstance(data, pl.DataFrame):
        return data.columns
    if isinstance(data, pl.LazyFrame):
        return data.collect_schema().names()
    return list(data.column_names)


def _column(data: Any, by: str) -> pl.Series:
    names = _column_names(data)
    if by not in names:
        raise ColumnNotFoundError.from_names([by], names)
    if isinstance(data, pl.DataFrame):
        return data.get_column(by)
    if isinstance(data, pl.LazyFrame):
        return data.select(by).collect().get_column(by)
    if hasattr(data, "lazy"):  # polards.Dataset: read only this column from the plan
        return data.lazy().select(by).collect().get_column(by)
    return pl.Series(by, data[by])


def _take(data: T, indices: np.ndarray) -> T:
    if isinstance(data, pl.DataFrame):
        return data[pl.Series(indices, dtype=pl.Int64)]  # type: ignore[return-value]
    if isinstance(data, pl.LazyFrame):
        return data.select(pl.all().gather(pl.Series(indices, dtype=pl.Int64)))  # type: ignore[return-value]
    return data.select(indices.tolist())  # type: ignore[attr-defined,no-any-return]


def _groups(values: pl.Series) -> list[np.ndarray]:
    """Row indices of each distinct value (nulls are one group), groups in order of first appearance."""
    frame = pl.DataFrame({"key": values}).with_row_index("row")
    grouped = frame.group_by("key", maintain_order=True).agg(pl.col("row"))
    return [np.asarray(rows, dtype=np.int64) for rows in grouped.get_column("row").to_list()]


# ------------------------------------------------------------------------------------------------ arithmetic
def _resolve_count(n_rows: int, n: int | None, fraction: float | None, *, what: str = "n") -> int:
    if (n is None) == (fraction is None):
        raise InvalidArgumentError(
            f"Pass exactly one of {what}= or fraction= (got {what}={n}, fraction={fraction})."
        )
    if fraction is not None:
        if not 0.0 <= fraction <= 1.0:
            raise InvalidArgumentError(f"fraction={fraction} must be between 0 and 1.")
        return int(round(fraction * n_rows))
    assert n is not None
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise InvalidArgumentError(f"{what}={n!r} must be a non-negative integer.")
    if n > n_rows:
        raise InvalidArgumentError(f"{what}={n} is larger than the dataset ({n_rows} rows).")
    return int(n)


def largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` into integer parts proportional to ``weights`` (Hamilton's largest remainder method).

    Each part is ``floor(total * w / sum(w))`` or one more, parts never exceed their weight, and ties in the
    remainder go to the larger weight, then to the earlier position.

    >>> largest_remainder(10, [5, 3, 2])
    [5, 3, 2]
    >>> largest_remainder(4, [5, 3, 2])
    [2, 1, 1]
    >>> largest_remainder(3, [1, 1, 1, 1])
    [1, 1, 1, 0]
    """
    weights = [int(w) for w in weights]
    grand = sum(weights)
    if total < 0 or total > grand:
        raise InvalidArgumentError(f"Cannot split {total} items over groups holding {grand}.")
    if grand == 0:
        return [0] * len(weights)
    exact = [total * w / grand for w in weights]
    parts = [min(math.floor(e), w) for e, w in zip(exact, weights, strict=True)]
    left = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), -weights[i], i))
    for i in order:
        if left == 0:
            break
        if parts[i] < weights[i]:
            parts[i] += 1
            left -= 1
    return parts


# ------------------------------------------------------------------------------------------------ index functions
def sample_indices(
    n_rows: int, n: int | None = None, *, fraction: float | None = None, seed: int | None = None
) -> np.ndarray:
    """Sorted indices of a uniform sample without replacement.

    >>> sample_indices(10, 3, seed=0).tolist()
    [5, 6, 9]
    """
    count = _resolve_count(n_rows, n, fraction)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_rows, size=count, replace=False)).astype(np.int64)


def stratified_sample_indices(
    values: pl.Series | Sequence[Any],
    n: int | None = None,
    *,
    fraction: float | None = None,
    seed: int | None = None,
) -> np.ndarray:
    """Sorted indices of a sample whose class counts follow the class proportions (largest remainder).

    >>> idx = stratified_sample_indices(["a", "a", "b", "b"], 2, seed=0)
    >>> sorted(["a", "a", "b", "b"][i] for i in idx)
    ['a', 'b']
    """
    values = values if isinstance(values, pl.Series) else pl.Series("by", list(values))
    count = _resolve_count(len(values), n, fraction)
    groups = _groups(values)
    quotas = largest_remainder(count, [len(g) for g in groups])
    rng = np.random.default_rng(seed)
    picked = [rng.choice(g, size=q, replace=False) for g, q in zip(groups, quotas, strict=True) if q]
    return np.sort(np.concatenate(picked)) if picked else np.empty(0, dtype=np.int64)


def per_class_indices(values: pl.Series | Sequence[Any], n: int, *, seed: int | None = None) -> np.ndarray:
    """Sorted indices of ``n`` random rows per class (every row of a class holding fewer than ``n``).

    >>> per_class_indices(["a", "b", "a", "a", "b"], 1, seed=0).tolist()
    [3, 4]
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise InvalidArgumentError(f"n={n!r} must be a non-negative integer.")
    values = values if isinstance(values, pl.Series) else pl.Series("by", list(values))
    rng = np.random.default_rng(seed)
    picked = [rng.choice(g, size=min(n, len(g)), replace=False) for g in _groups(values)]
    picked = [p for p in picked if len(p)]
    return np.sort(np.concatenate(picked)) if picked else np.empty(0, dtype=np.int64)


def k_fold_indices(
    n_rows: int,
    k: int,
    *,
    shuffle: bool = True,
    seed: int | None = None,
    stratify: pl.Series | Sequence[Any] | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``k`` (train, validation) pairs of sorted index arrays; the validation parts partition ``range(n_rows)``.

    Fold sizes differ by at most one; with ``stratify`` every class is spread so that each fold holds
    ``floor`` or ``ceil`` of its share.

    >>> [v.tolist() for _, v in k_fold_indices(5, 2, shuffle=False)]
    [[0, 1, 2], [3, 4]]
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2:
        raise InvalidArgumentError(f"k={k!r} must be an integer >= 2.")
    if k > n_rows:
        raise InvalidArgumentError(f"k={k} is larger than the dataset ({n_rows} rows).")
    rng = np.random.default_rng(seed)
    fold_of = np.empty(n_rows, dtype=np.int64)
    if stratify is None:
        order = rng.permutation(n_rows) if shuffle else np.arange(n_rows)
        sizes = np.full(k, n_rows // k)
        sizes[: n_rows % k] += 1
        fold_of[order] = np.repeat(np.arange(k), sizes)
    else:
        values = stratify if isinstance(stratify, pl.Series) else pl.Series("by", list(stratify))
        if len(values) != n_rows:
            raise InvalidArgumentError(f"stratify has {len(values)} values for {n_rows} rows.")
        groups = [rng.permutation(g) if shuffle else g for g in _groups(values)]
        # Deal class after class round-robin over the folds: every class and every fold is balanced to +-1.
        order = np.concatenate(groups) if groups else np.empty(0, dtype=np.int64)
        fold_of[order] = np.arange(n_rows) % k
    all_rows = np.arange(n_rows)
    return [(all_rows[fold_of != f], all_rows[fold_of == f]) for f in range(k)]


def train_test_split_indices(
    n_rows: int,
    test_size: int | float | None = None,
    train_size: int | float | None = None,
    *,
    shuffle: bool = True,
    seed: int | None = None,
    stratify: pl.Series | Sequence[Any] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) index arrays with ``datasets`` sizing: a float test size rounds up, a float train size down.

    >>> [a.tolist() for a in train_test_split_indices(5, test_size=0.4, shuffle=False)]
    [[0, 1, 2], [3, 4]]
    """

    def size(value: int | float | None, ceil: bool) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            if not 0.0 < value < 1.0:
                raise InvalidArgumentError(f"A float size must be in (0, 1), got {value}.")
            return math.ceil(value * n_rows) if ceil else math.floor(value * n_rows)
        if value < 0 or value > n_rows:
            raise InvalidArgumentError(f"Size {value} is out of range for {n_rows} rows.")
        return int(value)

    n_test, n_train = size(test_size, True), size(train_size, False)
    if n_test is None and n_train is None:
        n_test = math.ceil(0.25 * n_rows)
    n_test = n_rows - n_train if n_test is None else n_test  # type: ignore[operator]
    n_train = n_rows - n_test if n_train is None else n_train
    if n_train + n_test > n_rows or n_train == 0 or n_test == 0:
        raise InvalidArgumentError(
            f"train_size={n_train} and test_size={n_test} do not fit a dataset of {n_rows} rows "
            "(both must be >= 1 and sum to at most the dataset size)."
        )
    rng = np.random.default_rng(seed)
    if stratify is None:
        if not shuffle:
            return np.arange(n_train), np.arange(n_rows - n_test, n_rows)
        perm = rng.permutation(n_rows)
        return np.sort(perm[n_test : n_test + n_train]), np.sort(perm[:n_test])
    values = stratify if isinstance(stratify, pl.Series) else pl.Series("by", list(stratify))
    groups = [rng.permutation(g) for g in _groups(values)]
    test_quota = largest_remainder(n_test, [len(g) for g in groups])
    rest = [len(g) - q for g, q in zip(groups, test_quota, strict=True)]
    train_quota = largest_remainder(n_train, rest)
    test = [g[:q] for g, q in zip(groups, test_quota, strict=True)]
    train = [g[q : q + t] for g, q, t in zip(groups, test_quota, train_quota, strict=True)]
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


# ------------------------------------------------------------------------------------------------ dataset verbs
def sample(data: T, n: int | None = None, *, fraction: float | None = None, seed: int | None = None) -> T:
    """A uniform random sample of ``n`` rows (or ``fraction`` of them), in dataset order.

    >>> import polars as pl
    >>> sample(pl.DataFrame({"x": range(100)}), fraction=0.1, seed=1).height
    10
    """
    return _take(data, sample_indices(_n_rows(data), n, fraction=fraction, seed=seed))


def stratified_sample(
    data: T, n: int | None = None, *, by: str, fraction: float | None = None, seed: int | None = None
) -> T:
    """A sample keeping the proportions of column ``by``; class counts are exact by largest remainder.

    Each class gets ``floor(n * share)`` or one more row, and the counts sum to exactly ``n``.

    >>> import polars as pl
    >>> df = pl.DataFrame({"y": [0] * 7 + [1] * 3})
    >>> stratified_sample(df, 5, by="y", seed=0)["y"].to_list()
    [0, 0, 0, 0, 1]
    """
    return _take(data, stratified_sample_indices(_column(data, by), n, fraction=fraction, seed=seed))


def per_class(data: T, n: int, *, by: str, seed: int | None = None) -> T:
    """Few-shot pick: ``n`` random rows of every class of column ``by`` (all rows of smaller classes).

    >>> import polars as pl
    >>> df = pl.DataFrame({"y": ["a", "b", "a", "a", "b", "c"]})
    >>> sorted(per_class(df, 2, by="y", seed=0)["y"].to_list())
    ['a', 'a', 'b', 'b', 'c']
    """
    return _take(data, per_class_indices(_column(data, by), n, seed=seed))


def k_fold(
    data: T, k: int = 5, *, shuffle: bool = True, seed: int | None = None, stratify_by: str | None = None
) -> Iterator[tuple[T, T]]:
    """Yield ``k`` (train, validation) pairs; the validation parts partition the data.

    >>> import polars as pl
    >>> folds = list(k_fold(pl.DataFrame({"x": range(6)}), k=3, seed=0))
    >>> sorted(x for _, va in folds for x in va["x"])
    [0, 1, 2, 3, 4, 5]
    """
    stratify = _column(data, stratify_by) if stratify_by is not None else None
    for train, valid in k_fold_indices(_n_rows(data), k, shuffle=shuffle, seed=seed, stratify=stratify):
        yield _take(data, train), _take(data, valid)


def train_test_split(
    data: Any,
    test_size: int | float | None = None,
    train_size: int | float | None = None,
    *,
    shuffle: bool = True,
    seed: int | None = None,
    stratify_by_column: str | None = None,
) -> Any:
    """Split into ``{"train": ..., "test": ...}`` (a ``DatasetDict`` for a Dataset, else a plain dict).

    >>> import polars as pl
    >>> parts = train_test_split(pl.DataFrame({"x": range(10)}), test_size=0.3, seed=0)
    >>> parts["train"].height, parts["test"].height
    (7, 3)
    """
    stratify = _column(data, stratify_by_column) if stratify_by_column is not None else None
    train, test = train_test_split_indices(
        _n_rows(data), test_size, train_size, shuffle=shuffle, seed=seed, stratify=stratify
    )
    parts = {"train": _take(data, train), "test": _take(data, test)}
    if isinstance(data, (pl.DataFrame, pl.LazyFrame)):
        return parts
    from polards import DatasetDict

    return DatasetDict(parts)
