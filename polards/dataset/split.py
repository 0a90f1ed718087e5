"""``train_test_split`` with the exact index arithmetic of ``datasets``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from polards.exceptions import InvalidArgumentError
from polards.features import ClassLabel


def _sizes(n: int, test_size: float | int | None, train_size: float | int | None) -> tuple[int, int]:
    if test_size is None and train_size is None:
        test_size = 0.25
    for name, v in (("test_size", test_size), ("train_size", train_size)):
        if v is not None and (
            (isinstance(v, int) and not 0 < v < n) or (isinstance(v, float) and not 0 < v < 1)
        ):
            msg = f"{name}={v} should be either positive and smaller than the number of samples {n} or a float in the (0, 1) range"
            raise InvalidArgumentError(msg)
    n_test = math.ceil(test_size * n) if isinstance(test_size, float) else test_size
    n_train = math.floor(train_size * n) if isinstance(train_size, float) else train_size
    if train_size is None:
        n_train = n - n_test  # type: ignore[operator]
    elif test_size is None:
        n_test = n - n_train
    if n_train + n_test > n:  # type: ignore[operator]
        raise InvalidArgumentError(
            f"The sum of train_size and test_size = {n_train + n_test} should be smaller than the number of samples {n}."
        )  # type: ignore[operator]
    if n_train == 0:
        raise InvalidArgumentError(
            f"With n_samples={n}, test_size={test_size} and train_size={train_size}, the resulting train set will be empty."
        )
    return int(n_train), int(n_test)  # type: ignore[arg-type]


def _stratified(
    labels: np.ndarray, n_train: int, n_test: int, rng: np.random.Generator, column: str = "the stratify"
) -> tuple[np.ndarray, np.ndarray]:
    """``datasets``' stratified shuffle split (one iteration of sklearn's StratifiedShuffleSplit)."""
    classes, y = np.unique(labels, return_inverse=True)
    counts = np.bincount(y)
    if counts.min() < 2:
        raise InvalidArgumentError(
            f"The least populated class in {column} column has only 1 member, which is too few. "
            "The minimum number of groups for any class cannot be less than 2."
        )
    for name, size in (("train_size", n_train), ("test_size", n_test)):
        if size < len(classes):
            raise InvalidArgumentError(
                f"The {name} = {size} should be greater or equal to the number of classes = {len(classes)}"
            )
    class_indices = np.split(np.argsort(y, kind="mergesort"), np.cumsum(counts)[:-1])
    n_i = _approximate_mode(counts, n_train, rng)
    t_i = _approximate_mode(counts - n_i, n_test, rng)
    train, test = [], []
    for i in range(len(classes)):
        perm = class_indices[i].take(rng.permutation(counts[i]), mode="clip")
        train.extend(perm[: n_i[i]])
        test.extend(perm[n_i[i] : n_i[i] + t_i[i]])
    return rng.permutation(np.array(train, dtype=np.int64)), rng.permutation(np.array(test, dtype=np.int64))


def _approximate_mode(class_counts: np.ndarray, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    continuous = n_draws * class_counts / class_counts.sum()
    floored = np.floor(continuous)
    need = int(n_draws - floored.sum())
    if need > 0:
        remainder = continuous - floored
        values = np.sort(np.unique(remainder))[::-1]
        for value in values:
            (inds,) = np.where(remainder == value)
            add_now = min(len(inds), need)
            inds = rng.choice(inds, size=add_now, replace=False)
            floored[inds] += 1
            need -= add_now
            if need == 0:
                break
    return floored.astype(np.int64)


def train_test_split(
    ds: Any,
    test_size: Any,
    train_size: Any,
    shuffle: bool,
    stratify_by_column: str | None,
    seed: int | None,
    generator: np.random.Generator | None,
) -> Any:
    from polards.dataset.dataset_dict import DatasetDict

    n = len(ds)
    n_train, n_test = _sizes(n, test_size, train_size)
    if not shuffle:
        if stratify_by_column is not None:
            raise InvalidArgumentError("Stratified train/test split is not implemented for `shuffle=False`")
        return DatasetDict(
            {"train": ds.select(range(n_train)), "test": ds.select(range(n_train, n_train + n_test))}
        )
    rng = generator if generator is not None else np.random.default_rng(seed)
    if stratify_by_column is not None:
        ds._require([stratify_by_column])
        feature = ds.features[stratify_by_column]
        if not isinstance(feature, ClassLabel):
            raise InvalidArgumentError(
                "Stratifying by column is only supported for ClassLabel column, and column "
                f"{stratify_by_column} is {type(feature).__name__}."
            )
        labels = np.asarray(ds.lazy().select(stratify_by_column).collect().to_series().to_numpy())
        train_idx, test_idx = _stratified(labels, n_train, n_test, rng, stratify_by_column)
    else:
        perm = rng.permutation(n)
        test_idx, train_idx = perm[:n_test], perm[n_test : n_test + n_train]
    return DatasetDict({"train": ds.select(train_idx), "test": ds.select(test_idx)})
