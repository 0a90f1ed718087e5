"""``Features``: the schema of a dataset, as a dict of column name -> feature type.

Round trips with ``datasets``' JSON, Arrow schemas (the ``huggingface`` metadata key) and Polars schemas.

>>> from polards.features import Features, Value, ClassLabel
>>> f = Features({"text": Value("string"), "label": ClassLabel(names=["neg", "pos"])})
>>> f.to_polars_schema()
Schema([('text', String), ('label', Int64)])
>>> Features.from_dict(f.to_dict()) == f
True
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl
import pyarrow as pa

from polards.exceptions import FeatureTypeError, InvalidArgumentError
from polards.features.json_type import Json
from polards.features.translation import TranslationVariableLanguages
from polards.features.types import (
    Audio,
    ClassLabel,
    Image,
    LargeList,
    List,
    Value,  # noqa: F401 - used by the doctests
    feature_from_arrow,
    feature_from_dict,
    feature_from_polars,
    feature_to_dict,
    to_arrow_type,
    to_polars_dtype,
)

HF_METADATA_KEY = "huggingface"


class Features(dict):
    """Column name -> feature, ordered like the columns."""

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any]) -> Features:
        """Read ``datasets``' JSON form (``{"col": {"dtype": "int64", "_type": "Value"}}``)."""
        return cls({k: feature_from_dict(v) for k, v in obj.items()})

    def to_dict(self) -> dict[str, Any]:
        return {k: feature_to_dict(v) for k, v in self.items()}

    @classmethod
    def from_polars_schema(cls, schema: Mapping[str, pl.DataType]) -> Features:
        return cls({k: feature_from_polars(v) for k, v in schema.items()})

    def to_polars_schema(self) -> pl.Schema:
        return pl.Schema({k: to_polars_dtype(v) for k, v in self.items()})

    @classmethod
    def from_arrow_schema(cls, schema: pa.Schema) -> Features:
        """Use the ``huggingface`` metadata when present (as ``datasets`` writes it), else the Arrow types."""
        meta = schema.metadata or {}
        raw = meta.get(HF_METADATA_KEY.encode())
        if raw:
            info = json.loads(raw)
            feats = (info.get("info") or {}).get("features")
            if feats is not None and list(feats) == list(schema.names):
                return cls.from_dict(feats)
        return cls({f.name: feature_from_arrow(f.type) for f in schema})

    def to_arrow_schema(self) -> pa.Schema:
        """The Arrow schema ``datasets`` would write, carrying the ``huggingface`` metadata."""
        fields = [pa.field(k, to_arrow_type(v)) for k, v in self.items()]
        return pa.schema(
            fields, metadata={HF_METADATA_KEY: json.dumps({"info": {"features": self.to_dict()}})}
        )

    def reconcile(self, schema: Mapping[str, pl.DataType]) -> Features:
        """Features for a new schema: keep each column's feature where its dtype is unchanged."""
        out = {}
        for name, dtype in schema.items():
            old = self.get(name)
            out[name] = (
                old if old is not None and to_polars_dtype(old) == dtype else feature_from_polars(dtype)
            )
        return Features(out)

    def copy(self) -> Features:
        """A deep copy (as ``datasets``: nested dicts are not shared)."""
        return copy.deepcopy(self)

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k!r}: {v!r}" for k, v in self.items()) + "}"

    # ---- datasets' schema API -------------------------------------------------------------------------------
    @property
    def arrow_schema(self) -> pa.Schema:
        """The Arrow schema with the ``huggingface`` metadata (``datasets``' ``Features.arrow_schema``)."""
        return self.to_arrow_schema()

    @property
    def type(self) -> pa.StructType:
        """The Arrow struct type of a row (``datasets``' ``Features.type``)."""
        return pa.struct([pa.field(k, to_arrow_type(v)) for k, v in self.items()])

    @property
    def pa_type(self) -> pa.StructType:
        return self.type

    @classmethod
    def from_arrow_type(cls, type: pa.StructType) -> Features:
        return cls.from_arrow_schema(pa.schema(list(type)))

    def flatten(self, max_depth: int = 16) -> Features:
        """Struct columns become ``parent.child`` columns, ``max_depth - 1`` levels deep, as ``datasets``.

        >>> Features({"a": {"b": {"c": Value("int8")}}, "z": Value("bool")}).flatten()
        {'z': Value('bool'), 'a.b.c': Value('int8')}
        """
        out = self
        for _ in range(1, max_depth):
            nested = {
                k: v if isinstance(v, dict) else v.flatten()
                for k, v in out.items()
                if isinstance(v, dict) or hasattr(v, "flatten")
            }
            if not nested:
                break
            flat = Features(out)
            for k, sub_features in nested.items():  # datasets appends the sub-fields, then deletes the parent
                flat.update({f"{k}.{sub}": f for sub, f in sub_features.items()})
                del flat[k]
            out = flat
        return Features(out)

    def reorder_fields_as(self, other: Mapping[str, Any]) -> Features:
        """These features with every struct's fields in ``other``'s order (types kept); ``ValueError`` if the
        structures differ.

        >>> Features({"b": Value("int8"), "a": Value("bool")}).reorder_fields_as({"a": Value("bool"), "b": Value("int8")})
        {'a': Value('bool'), 'b': Value('int8')}
        """

        def walk(source: Any, target: Any, stack: str) -> Any:
            where = f" at {stack[1:]}" if stack else ""
            if isinstance(source, dict):
                if not isinstance(target, dict):
                    raise InvalidArgumentError(f"Type mismatch: between {source} and {target}{where}")
                if sorted(source) != sorted(target):
                    msg = (
                        f"Keys mismatch: between {source} (source) and {target} (target).\n"
                        f"{source.keys() - target.keys()} are missing from target "
                        f"and {target.keys() - source.keys()} are missing from source{where}"
                    )
                    raise InvalidArgumentError(msg)
                return {k: walk(source[k], target[k], f"{stack}.{k}") for k in target}
            if isinstance(source, List | LargeList):
                if type(target) is not type(source):
                    raise InvalidArgumentError(f"Type mismatch: between {source} and {target}{where}")
                inner = walk(source.feature, target.feature, f"{stack}.<list>")
                return List(inner, source.length, source.id) if isinstance(source, List) else LargeList(inner)
            return source

        return Features(walk(dict(self), dict(other), ""))

    # ---- value encoding/decoding (python side) --------------------------------------------------------------
    def encode_example(self, example: Mapping[str, Any]) -> dict[str, Any]:
        """One row encoded for storage (labels to ids, images to ``{"bytes", "path"}``, nested too).

        >>> Features({"l": ClassLabel(names=["no", "yes"]), "s": {"t": ClassLabel(names=["x"])}}).encode_example(
        ...     {"l": "yes", "s": {"t": "x"}})
        {'l': 1, 's': {'t': 0}}
        """
        return {k: encode_nested(self[k], example.get(k)) for k in self}

    def encode_column(self, column: Iterable[Any], column_name: str) -> list[Any]:
        feature = self[column_name]
        return [encode_nested(feature, v) for v in column]

    def encode_batch(self, batch: Mapping[str, Iterable[Any]]) -> dict[str, list[Any]]:
        if set(batch) != set(self):
            raise InvalidArgumentError(f"Column mismatch between batch {set(batch)} and features {set(self)}")
        return {k: self.encode_column(v, k) for k, v in batch.items()}

    def decode_example(self, example: Mapping[str, Any], token_per_repo_id: Any = None) -> dict[str, Any]:
        """One stored row decoded for python access (images opened when ``decode=True``)."""
        return {k: decode_nested(self[k], v) if k in self else v for k, v in example.items()}

    def decode_column(
        self, column: Iterable[Any], column_name: str, token_per_repo_id: Any = None
    ) -> list[Any]:
        feature = self[column_name]
        return [decode_nested(feature, v) for v in column]

    def decode_batch(
        self, batch: Mapping[str, Iterable[Any]], token_per_repo_id: Any = None
    ) -> dict[str, list[Any]]:
        return {k: self.decode_column(v, k) if k in self else list(v) for k, v in batch.items()}

    def encode_columns(self, columns: dict[str, list[Any]]) -> dict[str, list[Any]]:
        """Encode python values where the feature needs it (ClassLabel names -> ids, images -> structs),
        at any nesting depth; columns whose feature needs no encoding are passed through untouched."""
        out = dict(columns)
        for name, feat in self.items():
            if name in out and needs_encoding(feat):
                out[name] = self.encode_column(out[name], name)
        return out

    def decoders(self) -> dict[str, Any]:
        """Per-column functions that decode stored values for python access (Image, Audio and Json columns,
        at any depth)."""
        out: dict[str, Any] = {}
        for k, v in self.items():
            if isinstance(v, Image | Audio | Json) and v.decode:
                out[k] = v.decode_example
            elif isinstance(v, dict | list | List | LargeList) and requires_decoding(v):
                out[k] = _NestedDecoder(v)
        return out


class _NestedDecoder:
    """``decode_nested`` bound to one feature (a picklable per-column decoder)."""

    def __init__(self, feature: Any) -> None:
        self.feature = feature

    def __call__(self, value: Any) -> Any:
        return decode_nested(self.feature, value)


def requires_decoding(feature: Any) -> bool:
    """Whether stored values of ``feature`` change when decoded for python (media, ``Json``; nested too)."""
    if isinstance(feature, dict):
        return any(requires_decoding(v) for v in feature.values())
    if isinstance(feature, list):
        return requires_decoding(feature[0])
    if isinstance(feature, List | LargeList):
        return requires_decoding(feature.feature)
    return isinstance(feature, Image | Audio | Json) and feature.decode


def needs_encoding(feature: Any) -> bool:
    """Whether python values for ``feature`` must be rewritten before Arrow takes them (labels, media)."""
    if isinstance(feature, dict):
        return any(needs_encoding(v) for v in feature.values())
    if isinstance(feature, list):
        return needs_encoding(feature[0])
    if isinstance(feature, List | LargeList):
        return needs_encoding(feature.feature)
    return isinstance(feature, ClassLabel | Image | Audio | Json | TranslationVariableLanguages)


def encode_nested(feature: Any, value: Any) -> Any:
    """``datasets``' ``encode_nested_example``: one value encoded for ``feature`` (``None`` stays ``None``)."""
    if value is None:
        return None
    if isinstance(feature, dict):
        if not isinstance(value, Mapping):
            raise FeatureTypeError(f"Expected a dict for the struct feature {feature}, got {value!r}")
        return {k: encode_nested(f, value.get(k)) for k, f in feature.items()}
    if isinstance(feature, list | List | LargeList):
        inner = feature[0] if isinstance(feature, list) else feature.feature
        if isinstance(value, Mapping) and isinstance(inner, dict):  # legacy Sequence-of-dict: dict of lists
            return {k: [encode_nested(inner[k], x) for x in value.get(k) or []] for k in inner}
        return [encode_nested(inner, x) for x in value]
    if hasattr(feature, "encode_example"):
        return feature.encode_example(value)
    return value


def decode_nested(feature: Any, value: Any) -> Any:
    """``datasets``' ``decode_nested_example``: images opened (``decode=True``), everything else as stored."""
    if value is None:
        return None
    if isinstance(feature, dict):
        return {k: decode_nested(feature[k], v) if k in feature else v for k, v in value.items()}
    if isinstance(feature, list | List | LargeList):
        inner = feature[0] if isinstance(feature, list) else feature.feature
        if isinstance(value, Mapping):
            return {k: [decode_nested(inner.get(k), x) for x in v] for k, v in value.items()}
        return [decode_nested(inner, x) for x in value]
    if (
        isinstance(feature, Image | Audio | Json)
        and getattr(feature, "decode", False)
        and hasattr(feature, "decode_example")
    ):
        return feature.decode_example(value)
    return value


def _contains_json(feature: Any) -> bool:
    if isinstance(feature, dict):
        return any(_contains_json(v) for v in feature.values())
    if isinstance(feature, list):
        return _contains_json(feature[0])
    if isinstance(feature, List | LargeList):
        return _contains_json(feature.feature)
    return isinstance(feature, Json) and feature.decode


def decode_json_pandas(frame: Any, features: Mapping[str, Any]) -> Any:
    """A pandas DataFrame with its ``Json`` columns (at any depth) decoded to python objects, as ``datasets``'
    ``to_pandas`` gives them.

    >>> import pandas as pd
    >>> decode_json_pandas(pd.DataFrame({"j": ['{"a":1}', None]}), {"j": Json()})["j"].tolist()
    [{'a': 1}, None]
    """
    import pandas as pd

    for name, feature in features.items():
        if name in frame.columns and _contains_json(feature):
            values = [  # pandas' string dtype holds a missing value as NaN
                None if isinstance(v, float) and v != v else decode_nested(feature, v) for v in frame[name]
            ]
            frame[name] = pd.Series(values, index=frame.index, dtype=object)
    return frame
