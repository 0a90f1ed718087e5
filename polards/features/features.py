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

import json
from collections.abc import Mapping
from typing import Any

import polars as pl
import pyarrow as pa

from polards.features.types import (
    Audio,
    ClassLabel,
    Image,
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
        empty = pl.from_arrow(schema.empty_table())
        assert isinstance(empty, pl.DataFrame)
        return cls.from_polars_schema(empty.schema)

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
        return Features(self)

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k!r}: {v!r}" for k, v in self.items()) + "}"

    # ---- value encoding/decoding (python side) --------------------------------------------------------------
    def encode_columns(self, columns: dict[str, list[Any]]) -> dict[str, list[Any]]:
        """Encode python values where the feature needs it (ClassLabel names -> ids, images -> structs)."""
        out = dict(columns)
        for name, feat in self.items():
            if name not in out:
                continue
            if isinstance(feat, ClassLabel):
                out[name] = [feat.str2int(v) if isinstance(v, str) else v for v in out[name]]
            elif isinstance(feat, Image | Audio):
                out[name] = [feat.encode_example(v) for v in out[name]]
        return out

    def decoders(self) -> dict[str, Any]:
        """Per-column functions that decode stored values for python access (only Image today)."""
        return {k: v.decode_example for k, v in self.items() if isinstance(v, Image) and v.decode}
