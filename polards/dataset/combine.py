"""``concatenate_datasets`` and ``interleave_datasets`` for map-style and iterable datasets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from polards.core import steps as st
from polards.exceptions import InvalidArgumentError
from polards.features import Features


def _aligned_features(dsets: Sequence[Any]) -> Features:
    first = dsets[0].features
    for d in dsets[1:]:
        if set(d.features) != set(first):
            msg = f"The features can't be aligned because the key {sorted(set(d.features) ^ set(first))} of features {d.features} has unexpected type."
            raise InvalidArgumentError(
                msg
                + " Hint: datasets to concatenate need the same columns (use select_columns/rename_column)."
            )
    return first


def concatenate_datasets(
    dsets: Sequence[Any], info: Any = None, split: str | None = None, axis: int = 0
) -> Any:
    """Rows of ``dsets`` one after another (``axis=0``) or their columns side by side (``axis=1``).

    >>> from polards import Dataset, concatenate_datasets
    >>> concatenate_datasets([Dataset.from_dict({"a": [1]}), Dataset.from_dict({"a": [2, 3]})])["a"]
    [1, 2, 3]
    """
    from polards.dataset.dataset import Dataset
    from polards.dataset.iterable import IterableDataset

    if not dsets:
        raise InvalidArgumentError("Unable to concatenate an empty list of datasets.")
    if all(isinstance(d, IterableDataset) for d in dsets):
        from polards.dataset.iterable import concatenate_iterable

        return concatenate_iterable(list(dsets), axis)
    if not all(isinstance(d, Dataset) for d in dsets):
        raise InvalidArgumentError("Unable to concatenate a mix of Dataset and IterableDataset objects.")
    if axis == 1:
        names = [c for d in dsets for c in d.column_names]
        dup = sorted({c for c in names if names.count(c) > 1})
        if dup:
            raise InvalidArgumentError(f"Column(s) {dup} are duplicated; axis=1 needs distinct column names.")
        lengths = {len(d) for d in dsets}
        if len(lengths) > 1:
            raise InvalidArgumentError(
                f"Datasets to concatenate on axis=1 must have the same number of rows, got {sorted(lengths)}."
            )
        feats = Features({k: v for d in dsets for k, v in d.features.items()})
    else:
        feats = _aligned_features(dsets)
        dsets = [d if d.column_names == list(feats) else d.select_columns(list(feats)) for d in dsets]
    plan = (st.Concat(tuple(d._plan for d in dsets), axis=axis),)
    out = Dataset(plan, None, split=split if split is not None else dsets[0].split, info=info)
    out._memo["features_hint"] = feats
    return out


def interleave_datasets(
    dsets: Sequence[Any],
    probabilities: Sequence[float] | None = None,
    seed: int | None = None,
    info: Any = None,
    split: str | None = None,
    stopping_strategy: str = "first_exhausted",
) -> Any:
    """Alternate rows of several datasets (round robin, or drawn with ``probabilities``), like ``datasets``."""
    from polards.dataset.dataset import Dataset
    from polards.dataset.interleave import interleave_indices
    from polards.dataset.iterable import IterableDataset

    if not dsets:
        raise InvalidArgumentError("Unable to interleave an empty list of datasets.")
    if all(isinstance(d, IterableDataset) for d in dsets):
        from polards.dataset.iterable import interleave_iterable

        return interleave_iterable(list(dsets), probabilities, seed, stopping_strategy)
    if not all(isinstance(d, Dataset) for d in dsets):
        raise InvalidArgumentError("Unable to interleave a mix of Dataset and IterableDataset objects.")
    idx = interleave_indices([len(d) for d in dsets], probabilities, seed, stopping_strategy)
    return concatenate_datasets(dsets, info=info, split=split).select(idx)
