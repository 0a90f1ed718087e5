"""Feature types and ``Features`` (pure schema layer: Polars and pyarrow only)."""

from polards.features.features import HF_METADATA_KEY, Features
from polards.features.types import (
    Audio,
    ClassLabel,
    Image,
    LargeList,
    List,
    Sequence,
    Value,
    feature_from_polars,
    to_polars_dtype,
)

Translation = dict  # placeholder alias kept out of __all__; datasets' Translation is a struct of strings

__all__ = [
    "HF_METADATA_KEY",
    "Audio",
    "ClassLabel",
    "Features",
    "Image",
    "LargeList",
    "List",
    "Sequence",
    "Value",
    "feature_from_polars",
    "to_polars_dtype",
]
