"""``datasets.splits``' names: :class:`NamedSplit` (a split name that is a ``str``) and :class:`Split`.

>>> from polards.compat.splits import NamedSplit, Split
>>> NamedSplit("train") == "train", str(Split.TEST)
(True, 'test')
"""

from __future__ import annotations

from polards.hub.info import SplitInfo


class NamedSplit(str):
    """A split name (``datasets.NamedSplit``): a ``str``, so polards takes it wherever it takes a split name."""

    def __repr__(self) -> str:
        return f"NamedSplit({str(self)!r})"


class Split:
    """The standard split names (``datasets.Split``)."""

    TRAIN = NamedSplit("train")
    TEST = NamedSplit("test")
    VALIDATION = NamedSplit("validation")
    ALL = NamedSplit("all")

    def __new__(cls, name: str) -> NamedSplit:  # type: ignore[misc]
        return NamedSplit(name)


__all__ = ["NamedSplit", "Split", "SplitInfo"]
