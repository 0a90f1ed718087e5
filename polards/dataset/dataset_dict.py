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


class _SplitDict(dict):
    """Shared behaviour of both dict kinds."""

    def _fan(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return type(self)({k: getattr(v, name)(*args, **kwargs) for k, v in self.items()})

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
        for v in self.values():
            v.set_format(type, **kw)

    def save_to_disk(self, dataset_dict_path: str, **kw: Any) -> None:
        from polards.dataset.disk import save_to_disk

        save_to_disk(self, dataset_dict_path)

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

    def set_epoch(self, epoch: int) -> None:
        for v in self.values():
            v.set_epoch(epoch)
