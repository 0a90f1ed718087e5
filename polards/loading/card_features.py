"""The README card's ``dataset_info.features``: read them and cast a loaded split to them, as ``datasets`` does.

``datasets`` uses a config's card ``dataset_info`` as the builder's ``DatasetInfo`` when ``load_dataset`` gets a
local folder or a Hub repo without ``data_files=``/``data_dir=``; every split is then cast to its ``features``
(``table_cast``): columns in the declared order, struct fields in the declared order with declared-but-absent
fields null, leaves cast (``int`` -> ``string``, label names -> ``ClassLabel`` ids...). The JSON builder also adds
declared columns missing from the file (null) and reads ``Json`` fields as JSON text.

>>> features_from_card({"features": [{"name": "k", "list": [{"name": "b", "dtype": "int64"}]}]})
{'k': List({'b': Value('int64')})}
>>> import polars as pl
>>> lf = pl.LazyFrame({"s": [{"a": "x", "b": 1}, None]})
>>> want = features_from_card({"features": [{"name": "s", "struct": [
...     {"name": "b", "dtype": "int64"}, {"name": "a", "dtype": "string"}, {"name": "z", "dtype": "string"}]}]})
>>> Restructure(want)(lf).collect()["s"].to_list()
[{'b': 1, 'a': 'x', 'z': None}, None]
"""

from __future__ import annotations

import copy
from typing import Any

import polars as pl

from polards.exceptions import MalformedMetadataError

CARD_FORMATS = ("json", "csv", "parquet", "text")  # the builders whose splits are cast to the card's features


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _unsimplify(feature: Any) -> dict[str, Any]:
    if not isinstance(feature, dict):
        raise TypeError(f"Expected a dict but got a {type(feature)}: {feature}")
    for kind in ("large_list", "list", "sequence"):
        if isinstance(feature.get(kind), str):
            feature[kind] = {"dtype": feature[kind]}
    label = feature.get("class_label")
    if isinstance(label, dict) and isinstance(label.get("names"), dict):
        ids = sorted(label["names"], key=int)
        if ids and [int(i) for i in ids] != list(range(int(ids[-1]) + 1)):
            raise ValueError(
                f"ClassLabel expected a value for all label ids [0:{int(ids[-1]) + 1}] but some ids are missing."
            )
        label["names"] = [label["names"][i] for i in ids]
    return feature


def _is_value_dtype(dtype: str) -> bool:
    from polards.features import Value

    try:
        Value(dtype)
    except Exception:  # noqa: BLE001 - FeatureTypeError / ValueError: not a Value dtype (image, json, ...)
        return False
    return True


def _from_yaml(obj: Any) -> Any:
    """``datasets``' ``Features._from_yaml_list`` (the card's list form -> the ``to_dict`` form)."""
    if isinstance(obj, list):
        names = [f.pop("name") for f in obj]
        return {name: _from_yaml(f) for name, f in zip(names, obj, strict=True)}
    if not isinstance(obj, dict):
        raise TypeError(f"Expected a dict or a list but got {type(obj)}: {obj}")
    if not obj:
        return {}
    kind = next(iter(obj))
    if kind in ("large_list", "list", "sequence"):
        if kind == "sequence" and isinstance(obj[kind], list):  # backward compatibility: dict of lists
            inner = _from_yaml(_unsimplify(obj).pop(kind))
            return {name: {"feature": sub, **obj, "_type": "List"} for name, sub in inner.items()}
        inner = _from_yaml(_unsimplify(obj).pop(kind))
        return {"feature": inner, **obj, "_type": "LargeList" if kind == "large_list" else "List"}
    if kind == "struct":
        return _from_yaml(obj["struct"])
    if kind == "dtype":
        if isinstance(obj["dtype"], str):
            return (
                {**obj, "_type": "Value"}
                if _is_value_dtype(obj["dtype"])
                else {"_type": _camel(obj["dtype"])}
            )
        return _from_yaml(obj["dtype"])
    return {"_type": _camel(kind), **_unsimplify(obj)[kind]}


def features_from_card(info: dict[str, Any] | None) -> Any:
    """The ``Features`` of one config's card ``dataset_info`` (``None`` when it declares none).

    Raises
    ------
    MalformedMetadataError
        The card's ``features`` cannot be read as ``datasets`` reads them.
    """
    from polards.features import Features

    items = (info or {}).get("features")
    if items is None:
        return None
    try:
        return Features.from_dict(_from_yaml(copy.deepcopy(items)))
    except Exception as err:  # noqa: BLE001 - any malformed entry: name the card's block
        raise MalformedMetadataError(
            f"The README's dataset_info.features cannot be read ({type(err).__name__}: {err}): {items!r}"
        ) from err


def _dtype_of(feature: Any) -> pl.DataType:
    from polards.features import Features

    return Features({"x": feature}).to_polars_schema()["x"]


def _to_json_text(expr: pl.Expr) -> pl.Expr:
    from polards.features.json_type import json_dumps

    return expr.map_elements(json_dumps, return_dtype=pl.String, skip_nulls=True)


def _shape(expr: pl.Expr, have: pl.DataType, want: Any) -> pl.Expr:
    """``expr`` (of dtype ``have``) with struct fields in ``want``'s order, absent declared fields null and
    ``Json`` leaves as JSON text; leaf types are left to :meth:`Dataset.cast`."""
    from polards.features import LargeList, List
    from polards.features.json_type import Json

    if isinstance(want, dict) and isinstance(have, pl.Struct):
        fields = {f.name: f.dtype for f in have.fields}
        if not set(fields) <= set(want):  # datasets' cast fails: left for Dataset.cast to report
            return expr
        if list(fields) == list(want) and all(
            _shape(pl.element(), fields[n], want[n]).meta.eq(pl.element()) for n in want
        ):
            return expr  # already in the declared shape
        parts = [
            _shape(expr.struct.field(n), fields[n], want[n]).alias(n)
            if n in fields
            else pl.lit(None, dtype=_dtype_of(want[n])).alias(n)
            for n in want
        ]
        return pl.when(expr.is_null()).then(None).otherwise(pl.struct(parts))
    if isinstance(want, List | LargeList) and isinstance(have, pl.List | pl.Array):
        inner = _shape(pl.element(), have.inner, want.feature)
        return expr if inner.meta.eq(pl.element()) else expr.list.eval(inner)
    if isinstance(want, Json) and isinstance(have, pl.Struct | pl.List | pl.Array):
        return _to_json_text(expr)
    return expr


class Restructure:
    """A ``map_schema`` mapper shaping a split like ``features`` before :meth:`Dataset.cast` casts its leaves.

    ``fill_missing``: add declared columns the files lack, as nulls (the JSON builder does; others raise).
    A struct column declared ``Value("string")`` is written as JSON text (the JSON builder's rule).
    """

    def __init__(self, features: Any, fill_missing: bool = False) -> None:
        self.want, self.fill_missing = features, fill_missing
        self.__name__ = "card_features"

    def __call__(self, lf: pl.LazyFrame) -> pl.LazyFrame:
        return lf.select(self.exprs(lf.collect_schema()))

    def is_noop(self, schema: pl.Schema) -> bool:
        """True when the split already has the declared shape (same columns, order and struct fields)."""
        exprs = self.exprs(schema)
        return [e.meta.output_name() for e in exprs] == list(schema) and all(
            e.meta.undo_aliases().meta.eq(pl.col(name)) for e, name in zip(exprs, schema, strict=True)
        )

    def exprs(self, schema: pl.Schema) -> list[pl.Expr]:
        """One expression a column: the declared ones first (in order), then the others."""
        from polards.features import Value

        exprs = []
        for name, feature in self.want.items():
            if name not in schema:
                if self.fill_missing:
                    exprs.append(pl.lit(None, dtype=_dtype_of(feature)).alias(name))
                continue
            have = schema[name]
            if self.fill_missing and feature == Value("string") and isinstance(have, pl.Struct):
                exprs.append(_to_json_text(pl.col(name)).alias(name))
            else:
                exprs.append(_shape(pl.col(name), have, feature).alias(name))
        return [*exprs, *(pl.col(c) for c in schema if c not in self.want)]


def apply_features(ds: Any, features: Any, fmt: str) -> Any:
    """``ds`` cast to the card's ``features`` (see the module docstring)."""
    shape = Restructure(features, fill_missing=fmt == "json")
    schema = ds.lazy().collect_schema()
    have = list(schema) + ([c for c in features if c not in schema] if shape.fill_missing else [])
    if sorted(have) != sorted(features):
        from polards.exceptions import CastError

        raise CastError(
            f"Couldn't cast the columns {list(schema)} to the features {list(features)} because column names "
            "don't match. All the data files must have the columns the features declare (given as features= "
            "or in the README's dataset_info)."
        )
    if not shape.is_noop(schema):
        ds = ds.map_schema(shape, preserves_len=True)
    return ds.cast(features)
