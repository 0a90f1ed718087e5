"""``datasets.DatasetInfo`` under the compat layer: polards' :class:`~polards.hub.info.DatasetInfo` with
``datasets``' optional fields, keyword construction and ``from_dict`` / ``to_dict``.

>>> from polards.compat.info import DatasetInfo
>>> info = DatasetInfo.from_dict({"description": "d", "features": {"a": {"dtype": "int64", "_type": "Value"}}})
>>> info.description, info.features["a"].dtype
('d', 'int64')
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Any

from polards.hub.info import DatasetInfo as _HubDatasetInfo
from polards.hub.info import SplitInfo


@dataclass
class DatasetInfo(_HubDatasetInfo):
    """Every field optional, as in ``datasets`` (``DatasetInfo(description=...)``)."""

    config_name: str = ""
    dataset_name: str = ""
    citation: str = ""
    homepage: str = ""
    license: str = ""
    builder_name: str | None = None
    version: Any = None
    post_processed: Any = None
    supervised_keys: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, info: dict[str, Any]) -> DatasetInfo:
        """From ``datasets``' JSON form (``dataset_info.json``, the ``info`` of Arrow schema metadata)."""
        from polards.features import Features

        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in info.items() if k in names}
        if isinstance(kwargs.get("features"), dict):
            kwargs["features"] = Features.from_dict(kwargs["features"])
        splits = kwargs.get("splits")
        if isinstance(splits, dict):
            kwargs["splits"] = {
                k: v if isinstance(v, SplitInfo) else SplitInfo(**{**v, "name": v.get("name", k)})
                for k, v in splits.items()
            }
        elif isinstance(splits, list):
            kwargs["splits"] = {s["name"]: SplitInfo(**s) for s in splits}
        extra = {k: v for k, v in info.items() if k not in names}
        out = cls(**kwargs)
        out.extra.update(extra)
        return out

    def to_dict(self) -> dict[str, Any]:
        """``datasets``' JSON form."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "extra"}
        if out.get("features") is not None:
            out["features"] = out["features"].to_dict()
        out["splits"] = {k: dataclasses.asdict(v) for k, v in self.splits.items()}
        return {**out, **self.extra}

    def copy(self) -> DatasetInfo:
        return copy.deepcopy(self)


__all__ = ["DatasetInfo", "SplitInfo"]
