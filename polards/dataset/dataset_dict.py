"""``DatasetDict`` / ``IterableDatasetDict``: split name -> dataset; verbs fan out to every split.

>>> from polards import Dataset, DatasetDict
>>> dd = DatasetDict({"train": Dataset.from_dict({"a": [1, 2]}), "test": Dataset.from_dict({"a": [3]})})
>>> dd.map(lambda r: {"b": r["a"] * 10})["train"]["b"]
[10, 20]
>>> dd.num_rows
{'train': 2, 'test': 1}
"""

from __future__ import annotations

from typing import Any

_FAN_OUT = (
    "map",
    "filter",
    "shuffle",
    "select_columns",
    "remove_columns",
    "rename_column",
    "rename_columns",
    "cast",
    "cast_column",
    "flatten",
    "sort",
    "class_encode_column",
    "with_format",
    "map_schema",
    "with_columns",
    "take",
    "skip",
    "batch",
    "shard",
    "select",
)


# DatasetDict keyword (one value per split, or one for all) -> the Dataset keyword it feeds
_PER_SPLIT = {
    "cache_file_names": "cache_file_name",
    "indices_cache_file_names": "indices_cache_file_name",
    "generators": "generator",
    "seeds": "seed",
}


def align_labels(ds: Any, label2id: dict[str, int], label_column: str) -> Any:
    """``datasets``' ``align_labels_with_mapping``: the ``ClassLabel`` (or list of ``ClassLabel``) column's ids
    re-numbered so each label name (compared lowercased) gets its id in ``label2id``; the feature's names become
    ``label2id``'s keys in id order. A Polars expression: no Python function runs over the rows.

    >>> from polards import Dataset
    >>> from polards.features import ClassLabel, Features
    >>> ds = Dataset.from_dict({"l": [0, 1]}, features=Features({"l": ClassLabel(names=["neg", "pos"])}))
    >>> out = align_labels(ds, {"POS": 0, "NEG": 1}, "l")
    >>> out["l"], out.features["l"].names
    ([1, 0], ['POS', 'NEG'])
    """
    import polars as pl

    from polards.core import steps as st
    from polards.exceptions import ColumnNotFoundError, InvalidArgumentError
    from polards.features import ClassLabel, Features, LargeList, List

    if label_column not in ds.column_names:
        raise ColumnNotFoundError(f"Column ({label_column}) not in table columns ({ds.column_names}).")
    feature = ds.features[label_column]
    is_list = isinstance(feature, List | LargeList) and isinstance(feature.feature, ClassLabel)
    if not (isinstance(feature, ClassLabel) or is_list):
        raise InvalidArgumentError(
            "Aligning labels with a mapping is only supported for ClassLabel column or List column with the "
            f"inner type ClassLabel, and column {feature} is of type {type(feature).__name__}."
        )
    label = feature.feature if is_list else feature
    label2id = dict(sorted(label2id.items(), key=lambda item: item[1]))
    names = list(label2id)
    lowered = {k.lower(): v for k, v in label2id.items()}
    old_names = [n.lower() for n in label.names or []]
    unknown = [i for i, n in enumerate(old_names) if n not in lowered]
    out_of_range = [i for i, n in enumerate(old_names) if n in lowered and not 0 <= lowered[n] < len(names)]
    if (
        unknown or out_of_range
    ):  # as datasets: only the labels that occur in the rows must map somewhere valid
        flat = pl.col(label_column).explode() if is_list else pl.col(label_column)
        used = set(ds.lazy().select(flat.drop_nulls().unique()).collect().to_series().to_list())
        missing = [label.names[i] for i in unknown if i in used]
        if missing:
            raise KeyError(missing[0].lower())
        bad = [lowered[old_names[i]] for i in out_of_range if i in used]
        if bad:
            raise InvalidArgumentError(
                f"Class label {max(bad)} greater than configured num_classes {len(names)} (label2id {label2id})"
                if max(bad) >= len(names)
                else f"Class label {min(bad)} less than -1 (label2id {label2id})"
            )
    known = [i for i, n in enumerate(old_names) if n in lowered]
    renumber = pl.element() if is_list else pl.col(label_column)
    renumber = renumber.replace_strict(
        known, [lowered[old_names[i]] for i in known], default=None, return_dtype=pl.Int64
    )
    expr = pl.col(label_column).list.eval(renumber) if is_list else renumber
    new_label = ClassLabel(num_classes=len(names), names=names)
    features = Features({**ds.features, label_column: List(new_label) if is_list else new_label})
    return ds._with(
        st.WithColumns((expr.alias(label_column),), "align_labels_with_mapping"), features=features
    )


class _SplitDict(dict):
    """Shared behaviour of both dict kinds."""

    def _value_type(self) -> type:
        raise NotImplementedError

    def _check_values_type(self) -> None:
        """Every value is a dataset of this dict's kind (``datasets`` raises ``TypeError`` otherwise)."""
        kind = self._value_type()
        for name, dataset in self.items():
            if not isinstance(dataset, kind):
                raise TypeError(
                    f"Values in `{type(self).__name__}` should be of type `{kind.__name__}` but got type "
                    f"'{type(dataset)}' for split {name!r}"
                )

    def _fan(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self._check_values_type()
        if name == "shuffle":
            if args and (
                isinstance(args[0], dict) or "seeds" not in kwargs
            ):  # shuffle(seeds, ...) positional
                kwargs["seeds"], args = args[0], args[1:]
            if kwargs.get("seed") is not None and kwargs.get("seeds") is not None:
                raise ValueError("Please specify seed or seeds, but not both")
            if "seed" in kwargs:
                seed = kwargs.pop("seed")
                kwargs["seeds"] = seed if seed is not None else kwargs.get("seeds")
        per_split: dict[str, dict[str, Any]] = {}
        for plural, singular in _PER_SPLIT.items():
            value = kwargs.pop(plural, None)
            if value is None:
                continue
            per_split[singular] = value if isinstance(value, dict) else dict.fromkeys(self, value)
        out = {}
        for k, v in self.items():
            extra = {s: d[k] for s, d in per_split.items() if d.get(k) is not None}
            out[k] = getattr(v, name)(*args, **kwargs, **extra)
        return type(self)(out)

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        if name in _FAN_OUT:
            return lambda *a, **kw: self._fan(name, *a, **kw)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str) and key not in self:
            from polards.exceptions import SplitNotFoundError

            raise SplitNotFoundError.from_names(key, list(self))
        return super().__getitem__(key)

    @property
    def column_names(self) -> dict[str, list[str]]:
        return {k: v.column_names for k, v in self.items()}

    @property
    def features(self) -> Any:
        return next(iter(self.values())).features if self else None

    def __repr__(self) -> str:
        inner = "\n".join(f"    {k}: " + repr(v).replace("\n", "\n    ") for k, v in self.items())
        return f"{type(self).__name__}({{\n{inner}\n}})"


class DatasetDict(_SplitDict):
    """Map-style splits."""

    def _value_type(self) -> type:
        from polards.dataset.dataset import Dataset

        return Dataset

    @property
    def num_rows(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.items()}

    @property
    def num_columns(self) -> dict[str, int]:
        return {k: v.num_columns for k, v in self.items()}

    @property
    def shape(self) -> dict[str, tuple[int, int]]:
        return {k: v.shape for k, v in self.items()}

    def unique(self, column: str) -> dict[str, list[Any]]:
        return {k: v.unique(column) for k, v in self.items()}

    def set_format(self, type: str | None = None, **kw: Any) -> None:
        self._check_values_type()
        for v in self.values():
            v.set_format(type, **kw)

    def align_labels_with_mapping(self, label2id: dict[str, int], label_column: str) -> DatasetDict:
        """``Dataset.align_labels_with_mapping`` on every split (see :func:`align_labels`)."""
        self._check_values_type()
        return DatasetDict({k: align_labels(v, label2id, label_column) for k, v in self.items()})

    def reset_format(self) -> None:
        for v in self.values():
            v.reset_format()

    def set_transform(
        self, transform: Any, columns: list[str] | None = None, output_all_columns: bool = False
    ) -> None:
        """``Dataset.set_transform`` on every split, in place."""
        self._check_values_type()
        for v in self.values():
            v.set_transform(transform, columns=columns, output_all_columns=output_all_columns)

    def with_transform(
        self, transform: Any, columns: list[str] | None = None, output_all_columns: bool = False
    ) -> DatasetDict:
        """A new dict whose splits have ``set_transform(transform, ...)``; this one is unchanged."""
        self._check_values_type()
        return DatasetDict(
            {
                k: v.with_transform(transform, columns=columns, output_all_columns=output_all_columns)
                for k, v in self.items()
            }
        )

    def formatted_as(self, type: str | None = None, **kw: Any) -> Any:
        """Every split formatted as ``type`` inside a ``with`` block, restored after."""
        import contextlib

        @contextlib.contextmanager
        def scope() -> Any:
            with contextlib.ExitStack() as stack:
                for v in self.values():
                    stack.enter_context(v.formatted_as(type, **kw))
                yield

        return scope()

    @property
    def cache_files(self) -> dict[str, list[dict[str, str]]]:
        return {k: v.cache_files for k, v in self.items()}

    def cleanup_cache_files(self) -> dict[str, int]:
        return {k: v.cleanup_cache_files() for k, v in self.items()}

    @staticmethod
    def load_from_disk(dataset_dict_path: Any, **kw: Any) -> DatasetDict:
        from polards.dataset.disk import load_from_disk

        out = load_from_disk(dataset_dict_path, **kw)
        if not isinstance(out, DatasetDict):
            raise FileNotFoundError(f"{dataset_dict_path!r} holds a Dataset, not a DatasetDict.")
        return out

    @classmethod
    def _from_files(cls, fmt: str, path_or_paths: dict[str, Any], **kw: Any) -> DatasetDict:
        from polards.dataset.dataset import Dataset

        if not isinstance(path_or_paths, dict):
            raise TypeError(
                f"DatasetDict.from_{fmt} takes a dict of split -> path(s), got {type(path_or_paths)}."
            )
        reader = getattr(Dataset, f"from_{fmt}")
        return cls({str(k): reader(p, split=str(k), **kw) for k, p in path_or_paths.items()})

    @classmethod
    def from_csv(cls, path_or_paths: dict[str, Any], **kw: Any) -> DatasetDict:
        """One split per entry of ``{split: path(s)}`` (``datasets.DatasetDict.from_csv``)."""
        return cls._from_files("csv", path_or_paths, **kw)

    @classmethod
    def from_json(cls, path_or_paths: dict[str, Any], **kw: Any) -> DatasetDict:
        """One split per entry of ``{split: path(s)}`` (``datasets.DatasetDict.from_json``)."""
        return cls._from_files("json", path_or_paths, **kw)

    @classmethod
    def from_parquet(cls, path_or_paths: dict[str, Any], **kw: Any) -> DatasetDict:
        """One split per entry of ``{split: path(s)}`` (``datasets.DatasetDict.from_parquet``)."""
        return cls._from_files("parquet", path_or_paths, **kw)

    @classmethod
    def from_text(cls, path_or_paths: dict[str, Any], **kw: Any) -> DatasetDict:
        """One split per entry of ``{split: path(s)}`` (``datasets.DatasetDict.from_text``)."""
        return cls._from_files("text", path_or_paths, **kw)

    def save_to_disk(self, dataset_dict_path: str, **kw: Any) -> None:
        from polards.dataset.disk import save_to_disk

        save_to_disk(self, dataset_dict_path, **kw)

    def to_iterable_dataset(self, num_shards: int = 1) -> IterableDatasetDict:
        return IterableDatasetDict({k: v.to_iterable_dataset(num_shards) for k, v in self.items()})

    def push_to_hub(
        self,
        repo_id: str,
        config_name: str = "default",
        set_default: bool | None = None,
        data_dir: str | None = None,
        commit_message: str | None = None,
        commit_description: str | None = None,
        private: bool | None = None,
        token: str | None = None,
        revision: str | None = None,
        create_pr: bool | None = False,
        max_shard_size: int | str | None = None,
        num_shards: dict[str, int] | None = None,
        embed_external_files: bool = True,
        num_proc: int | None = None,
    ) -> Any:
        """Publish every split as config ``config_name`` of the Hub repo ``repo_id`` in one commit, as
        ``datasets`` does (the config's data files become exactly these splits). See :mod:`polards.hub.push`.
        """
        from polards.hub.push import push_splits

        return push_splits(
            dict(self),
            repo_id,
            config_name=config_name,
            set_default=set_default,
            data_dir=data_dir,
            commit_message=commit_message,
            commit_description=commit_description,
            private=private,
            token=token,
            revision=revision,
            create_pr=create_pr,
            max_shard_size=max_shard_size,
            num_shards=num_shards,
            embed_external_files=embed_external_files,
            num_proc=num_proc,
            remove_other_splits=True,
        )

    def _repr_html_(self) -> str:
        return "".join(f"<h4>{k}</h4>{v._repr_html_()}" for k, v in self.items())


class IterableDatasetDict(_SplitDict):
    """Streaming splits."""

    def _value_type(self) -> type:
        from polards.dataset.iterable import IterableDataset

        return IterableDataset

    def push_to_hub(
        self,
        repo_id: str,
        config_name: str = "default",
        set_default: bool | None = None,
        data_dir: str | None = None,
        commit_message: str | None = None,
        commit_description: str | None = None,
        private: bool | None = None,
        token: str | None = None,
        revision: str | None = None,
        create_pr: bool | None = False,
        max_shard_size: int | str | None = None,
        num_shards: dict[str, int] | None = None,
        embed_external_files: bool = True,
        num_proc: int | None = None,
    ) -> Any:
        """``DatasetDict.push_to_hub`` for streaming splits (each split's rows are collected, then pushed the
        same way); the arguments are checked as ``datasets`` checks them, before anything is read."""
        from polards.dataset.dataset import Dataset
        from polards.exceptions import InvalidArgumentError
        from polards.hub.push import push_splits

        if max_shard_size is not None and num_shards is not None:
            raise InvalidArgumentError(
                "Failed to push_to_hub: please specify either max_shard_size or num_shards, but not both."
            )
        if num_shards is not None and not isinstance(num_shards, dict):
            raise InvalidArgumentError(
                "Please provide one `num_shards` per dataset in the dataset dictionary, e.g. {'train': 128, 'test': 4}"
            )
        self._check_values_type()
        splits = {k: Dataset.from_polars(v.to_polars(), v.features) for k, v in self.items()}
        return push_splits(
            splits,
            repo_id,
            config_name=config_name,
            set_default=set_default,
            data_dir=data_dir,
            commit_message=commit_message,
            commit_description=commit_description,
            private=private,
            token=token,
            revision=revision,
            create_pr=create_pr,
            max_shard_size=max_shard_size,
            num_shards=num_shards,
            embed_external_files=embed_external_files,
            num_proc=num_proc,
            remove_other_splits=True,
        )

    def set_epoch(self, epoch: int) -> None:
        for v in self.values():
            v.set_epoch(epoch)
