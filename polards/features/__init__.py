"""Feature types and ``Features`` (pure schema layer: Polars and pyarrow only)."""

from polards.features.arrays import Array2D, Array3D, Array4D, Array5D
from polards.features.features import HF_METADATA_KEY, Features
from polards.features.json_type import Json
from polards.features.translation import Translation, TranslationVariableLanguages
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

__all__ = [
    "HF_METADATA_KEY",
    "Array2D",
    "Array3D",
    "Array4D",
    "Array5D",
    "Audio",
    "ClassLabel",
    "Features",
    "Image",
    "Json",
    "LargeList",
    "List",
    "Sequence",
    "Translation",
    "TranslationVariableLanguages",
    "Value",
    "feature_from_polars",
    "to_polars_dtype",
]
