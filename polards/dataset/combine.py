"""``concatenate_datasets`` and ``interleave_datasets`` for map-style and iterable datasets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from polards.core import steps as st
from polards.dataset.formatting import FormatSpec
from polards.exceptions import InvalidArgumentError
from polards.features import Features, LargeList, List, Value


def _is_null_feature(feature: Any) -> bool:
    """``Value("null")``, or a list of it (what an all-None or all-empty-list column infers to)."""
    if isinstance(feature, Value):
        return feature.dtype == "null"
    if isinstance(feature, List | LargeList):
        return _is_null_feature(feature.feature)
    return False


def _check_alignable(features_list: Sequence[Features | dict[str, Any]]) -> None:
    """``datasets``' ``_check_if_features_can_be_aligned``: shared keys have equal features, or one is null."""
    name2feature: dict[str, Any] = {}
    for features in features_list:
        for k, v in features.items():
            if k not in name2feature or _is_null_feature(name2feature[k]):
                name2feature[k] = v
    for features in features_list:
        for k, v in features.items():
            if isinstance(v, dict) and isinstance(name2feature[k], dict):
                _check_alignable([name2feature[k], v])
            elif not _is_null_feature(v) and name2feature[k] != v:
                raise InvalidArgumentError(
                    f"The features can't be aligned because the key {k} of features {features} has unexpected "
                    f'type - {v} (expected either {name2feature[k]} or Value("null").'
                )


def _aligned_features(features_list: Sequence[Features | dict[str, Any]]) -> dict[str, Any]:
    """The union of the features, in order of first appearance; a null feature gives way to a typed one
    (struct fields merged the same way), as ``datasets``' ``_align_features``."""
    name2feature: dict[str, Any] = {}
    for features in features_list:
        for k, v in features.items():
            if k in name2feature and isinstance(v, dict) and isinstance(name2feature[k], dict):
                name2feature[k] = _aligned_features([name2feature[k], v])
            elif k not in name2feature or _is_null_feature(name2feature[k]):
                name2feature[k] = v
    return name2feature


def merge_infos(infos: Sequence[Any]) -> Any:
    """``datasets``' ``DatasetInfo.from_merge``: ``None`` without infos, the first if all are equal, else one
    whose description/citation/homepage/license join the distinct values (features dropped)."""
    import copy
    import dataclasses

    given = [copy.deepcopy(i) for i in infos if i is not None]
    if not given:
        return None
    if all(i == given[0] for i in given):
        return given[0]
    first = given[0]
    if not dataclasses.is_dataclass(first):
        return first
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(first):
        if f.name in ("description", "citation", "homepage", "license"):
            values = [getattr(i, f.name, "") or "" for i in given]
            changes[f.name] = "\n\n".join(dict.fromkeys(values)).strip()
        elif f.name in ("features", "supervised_keys"):
            changes[f.name] = None
        elif f.default is not dataclasses.MISSING:
            changes[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            changes[f.name] = f.default_factory()
    return dataclasses.replace(first, **changes)


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
        features_list = [d.features for d in dsets]
        if any(f != features_list[0] for f in features_list[1:]):
            # as datasets: empty datasets take no part (their features need not align)
            non_empty = [d for d in dsets if len(d) > 0]
            if not non_empty:
                return dsets[0]
            dsets = non_empty
            features_list = [d.features for d in dsets]
        _check_alignable(features_list)
        feats = Features(_aligned_features(features_list))
    fmt = dsets[0]._format
    if any(d.format != dsets[0].format for d in dsets[1:]):
        fmt = "python"  # disparate formats: reset, as datasets does
    elif isinstance(fmt, FormatSpec) and fmt.columns is not None:  # set again: only those columns formatted
        cols = dsets[0].format["columns"]
        fmt = FormatSpec(
            str(fmt), cols, fmt.output_all_columns, fmt.kwargs, [c for c in feats if c not in cols]
        )
    if info is None:
        info = merge_infos([d._info for d in dsets])  # as given (no default info is made up here)
    plan = (st.Concat(tuple(d._plan for d in dsets), axis=axis),)
    out = Dataset(plan, None, format=fmt, split=split if split is not None else dsets[0].split, info=info)
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


def add_item(ds: Any, item: dict[str, Any]) -> Any:
    """``ds`` with one more row, as ``datasets``' ``add_item``: the item's types are inferred, a key new to the
    dataset becomes a column (``None`` in the earlier rows), a key it lacks is ``None``; a shared key keeps the
    dataset's feature unless that one is null (then the item's type introduces it).

    >>> from polards import Dataset
    >>> Dataset.from_dict({"a": [1]}).add_item({"a": 2, "b": "x"})[:]
    {'a': [1, 2], 'b': [None, 'x']}
    """
    from polards.dataset import construct
    from polards.dataset.dataset import Dataset

    columns = {k: [v] for k, v in item.items()}
    item_features = Features.from_polars_schema(construct.frame_from_columns(columns).schema)
    aligned = _aligned_features([ds.features, item_features])
    row = construct.frame_from_columns(columns, Features({k: aligned[k] for k in item}))
    plan = (st.Concat((ds._plan, (st.Source(row.lazy(), "add_item"),)), axis=0),)
    out = Dataset(plan, None, format=ds._format, split=ds.split, info=ds._info)
    out._memo["features_hint"] = Features(aligned)
    return out
