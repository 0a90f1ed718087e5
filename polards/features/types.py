"""Feature types with the names, arguments and ``_type`` JSON of Hugging Face ``datasets``.

Each type knows its Polars dtype (:meth:`to_polars`) and its ``datasets`` JSON (:meth:`to_dict`).

>>> Value("int32").to_polars()
Int32
>>> ClassLabel(names=["neg", "pos"]).str2int("pos")
1
>>> List(Value("string")).to_dict()
{'feature': {'dtype': 'string', '_type': 'Value'}, '_type': 'List'}
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from collections.abc import Sequence as _Seq
from dataclasses import dataclass
from typing import Any

import polars as pl

from polards.exceptions import FeatureTypeError, InvalidArgumentError

_VALUE_TO_POLARS: dict[str, pl.DataType] = {
    "null": pl.Null(),
    "bool": pl.Boolean(),
    "int8": pl.Int8(),
    "int16": pl.Int16(),
    "int32": pl.Int32(),
    "int64": pl.Int64(),
    "uint8": pl.UInt8(),
    "uint16": pl.UInt16(),
    "uint32": pl.UInt32(),
    "uint64": pl.UInt64(),
    "float16": pl.Float16() if hasattr(pl, "Float16") else pl.Float32(),
    "float32": pl.Float32(),
    "float64": pl.Float64(),
    "string": pl.String(),
    "large_string": pl.String(),
    "binary": pl.Binary(),
    "large_binary": pl.Binary(),
    "date32": pl.Date(),
    "date64": pl.Datetime("ms"),
}
_ALIASES = {"float": "float32", "double": "float64", "boolean": "bool", "half": "float16", "utf8": "string"}


def _value_dtype(dtype: str) -> pl.DataType:
    dtype = _ALIASES.get(dtype, dtype)
    if dtype in _VALUE_TO_POLARS:
        return _VALUE_TO_POLARS[dtype]
    if dtype.startswith("timestamp["):
        inner = dtype[len("timestamp[") : -1]
        unit, _, tz = (s.strip() for s in inner.partition(","))
        tz = tz.removeprefix("tz=") or None
        return (
            pl.Datetime("ns" if unit == "ns" else "us" if unit == "us" else "ms", tz)
            if unit != "s"
            else pl.Datetime("ms", tz)
        )
    if dtype.startswith("duration["):
        unit = dtype[len("duration[") : -1]
        return pl.Duration(unit if unit in ("ms", "us", "ns") else "ms")
    if dtype.startswith("time64") or dtype.startswith("time32"):
        return pl.Time()
    if dtype.startswith("decimal128(") or dtype.startswith("decimal("):
        p, s = dtype[dtype.index("(") + 1 : -1].split(",")
        return pl.Decimal(int(p), int(s))
    msg = f"Unknown Value dtype {dtype!r}. Hint: use one of {sorted(_VALUE_TO_POLARS)} or timestamp[us]."
    raise FeatureTypeError(msg)


@dataclass(frozen=True)
class Value:
    """A scalar column, named by its ``datasets``/Arrow dtype string (``"int64"``, ``"string"``, ...)."""

    dtype: str
    id: str | None = None

    def __post_init__(self) -> None:
        _value_dtype(self.dtype)  # validate early, naming the bad dtype

    def to_polars(self) -> pl.DataType:
        return _value_dtype(self.dtype)

    def to_dict(self) -> dict[str, Any]:
        return {"dtype": self.dtype, "_type": "Value"}

    def __repr__(self) -> str:
        return f"Value({self.dtype!r})"


@dataclass(frozen=True)
class ClassLabel:
    """Integer class ids with names, stored as ``int64`` like ``datasets``.

    >>> c = ClassLabel(names=["A", "B", "C", "D"])
    >>> c.num_classes, c.int2str(2), c.str2int(["A", "D"])
    (4, 'C', [0, 3])
    """

    num_classes: int | None = None
    names: list[str] | None = None
    names_file: str | None = None
    id: str | None = None

    def __hash__(self) -> int:
        return hash(("ClassLabel", tuple(self.names or ())))

    def __init__(
        self,
        num_classes: int | None = None,
        names: Iterable[str] | None = None,
        names_file: str | None = None,
        id: str | None = None,
    ) -> None:
        if names_file is not None and names is None:
            with open(names_file, encoding="utf-8") as f:
                names = [line.strip() for line in f if line.strip()]
        if names is None:
            if num_classes is None:
                raise InvalidArgumentError("ClassLabel needs `names` or `num_classes`.")
            names = [str(i) for i in range(num_classes)]
        names = list(names)
        if num_classes is not None and num_classes != len(names):
            msg = f"ClassLabel got num_classes={num_classes} but {len(names)} names."
            raise InvalidArgumentError(msg)
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "num_classes", len(names))
        object.__setattr__(self, "names_file", names_file)
        object.__setattr__(self, "id", id)

    def str2int(self, values: str | _Seq[str]) -> int | list[int]:
        lookup = {n: i for i, n in enumerate(self.names or ())}

        def one(v: str) -> int:
            if v in lookup:
                return lookup[v]
            if isinstance(v, str) and v.strip() in lookup:
                return lookup[v.strip()]
            msg = f"Invalid string class label {v!r}. Known labels: {list(self.names or ())[:20]}"
            raise InvalidArgumentError(msg)

        return one(values) if isinstance(values, str) else [one(v) for v in values]

    def int2str(self, values: int | _Seq[int]) -> str | list[str]:
        names = self.names or ()

        def one(v: int) -> str:
            if not 0 <= int(v) < len(names):
                msg = f"Invalid integer class label {v}: must be in [0, {len(names)})."
                raise InvalidArgumentError(msg)
            return names[int(v)]

        if isinstance(values, int) or hasattr(values, "__index__"):
            return one(values)  # type: ignore[arg-type]
        return [one(v) for v in values]

    def to_polars(self) -> pl.DataType:
        return pl.Int64()

    def to_dict(self) -> dict[str, Any]:
        return {"names": list(self.names or ()), "_type": "ClassLabel"}

    def __repr__(self) -> str:
        return f"ClassLabel(names={list(self.names or ())})"


@dataclass(frozen=True)
class List:
    """A list of ``feature`` values; ``length`` > 0 makes it fixed size (a Polars ``Array``)."""

    feature: Any
    length: int = -1
    id: str | None = None

    def to_polars(self) -> pl.DataType:
        inner = to_polars_dtype(self.feature)
        return pl.Array(inner, self.length) if self.length > 0 else pl.List(inner)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"feature": feature_to_dict(self.feature)}
        if self.length > 0:
            out["length"] = self.length
        out["_type"] = "List"
        return out

    def __repr__(self) -> str:
        return f"List({self.feature!r}" + (f", length={self.length})" if self.length > 0 else ")")


@dataclass(frozen=True)
class LargeList:
    """A list with 64-bit offsets in Arrow; the same Polars ``List``."""

    feature: Any
    id: str | None = None

    def to_polars(self) -> pl.DataType:
        return pl.List(to_polars_dtype(self.feature))

    def to_dict(self) -> dict[str, Any]:
        return {"feature": feature_to_dict(self.feature), "_type": "LargeList"}


def Sequence(feature: Any, length: int = -1, id: str | None = None) -> Any:  # noqa: N802 - datasets' name
    """``datasets``' legacy ``Sequence``: a ``List``, or a dict of lists when ``feature`` is a dict.

    >>> Sequence({"a": Value("int32")})
    {'a': List(Value('int32'))}
    """
    if isinstance(feature, dict):
        return {k: Sequence(v, length) for k, v in feature.items()}
    return List(feature, length, id)


_MEDIA_DTYPE = pl.Struct({"bytes": pl.Binary, "path": pl.String})


@dataclass(frozen=True)
class Image:
    """An image stored as ``struct<bytes, path>``; decoded to ``PIL.Image`` on access unless ``decode=False``."""

    mode: str | None = None
    decode: bool = True
    id: str | None = None

    def to_polars(self) -> pl.DataType:
        return _MEDIA_DTYPE

    def to_dict(self) -> dict[str, Any]:
        return {"_type": "Image"}

    def encode_example(self, value: Any) -> dict[str, Any] | None:
        """Turn a path, bytes, dict or ``PIL.Image`` into ``{"bytes", "path"}``."""
        if value is None:
            return None
        if isinstance(value, dict):
            return {"bytes": value.get("bytes"), "path": value.get("path")}
        if isinstance(value, str):
            return {"bytes": None, "path": value}
        if isinstance(value, bytes | bytearray):
            return {"bytes": bytes(value), "path": None}
        if hasattr(value, "save"):  # PIL image
            buf = io.BytesIO()
            fmt = value.format or ("PNG" if value.mode in ("1", "L", "LA", "RGB", "RGBA", "P") else "TIFF")
            value.save(buf, format=fmt)
            return {"bytes": buf.getvalue(), "path": getattr(value, "filename", None) or None}
        raise FeatureTypeError(f"Image feature cannot encode a value of type {type(value).__name__}.")

    def decode_example(self, value: dict[str, Any] | None) -> Any:
        """Open ``{"bytes", "path"}`` as a ``PIL.Image`` (loaded, so the file can close)."""
        if value is None or not self.decode:
            return value
        from PIL import Image as PILImage

        data = value.get("bytes")
        img = PILImage.open(io.BytesIO(data)) if data is not None else PILImage.open(value["path"])
        img.load()
        return img.convert(self.mode) if self.mode and img.mode != self.mode else img


@dataclass(frozen=True)
class Audio:
    """Audio kept as ``struct<bytes, path>`` (no decoding in polards)."""

    sampling_rate: int | None = None
    decode: bool = True
    id: str | None = None

    def to_polars(self) -> pl.DataType:
        return _MEDIA_DTYPE

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"_type": "Audio"}
        if self.sampling_rate is not None:
            out["sampling_rate"] = self.sampling_rate
        return out

    def encode_example(self, value: Any) -> dict[str, Any] | None:
        if value is None or isinstance(value, dict):
            return None if value is None else {"bytes": value.get("bytes"), "path": value.get("path")}
        if isinstance(value, str):
            return {"bytes": None, "path": value}
        if isinstance(value, bytes | bytearray):
            return {"bytes": bytes(value), "path": None}
        raise FeatureTypeError(f"Audio feature cannot encode a value of type {type(value).__name__}.")


FeatureType = Value | ClassLabel | List | LargeList | Image | Audio | dict


def to_polars_dtype(feature: Any) -> pl.DataType:
    """The Polars dtype of a feature (dicts become structs)."""
    if isinstance(feature, dict):
        return pl.Struct({k: to_polars_dtype(v) for k, v in feature.items()})
    if isinstance(feature, list):  # datasets' shorthand: [Value] means List(Value)
        return pl.List(to_polars_dtype(feature[0]))
    return feature.to_polars()


def feature_to_dict(feature: Any) -> Any:
    """``datasets``' JSON form of one feature."""
    if isinstance(feature, dict):
        return {k: feature_to_dict(v) for k, v in feature.items()}
    if isinstance(feature, list):
        return [feature_to_dict(feature[0])]
    return feature.to_dict()


def feature_from_dict(obj: Any) -> Any:
    """Inverse of :func:`feature_to_dict`, also accepting older ``datasets`` forms (``Sequence``)."""
    if isinstance(obj, list):
        return List(feature_from_dict(obj[0]))
    if not isinstance(obj, dict):
        raise FeatureTypeError(f"Cannot read a feature from {obj!r}.")
    kind = obj.get("_type")
    if kind is None:
        return {k: feature_from_dict(v) for k, v in obj.items()}
    if kind == "Value":
        return Value(obj["dtype"])
    if kind == "ClassLabel":
        return ClassLabel(
            names=obj.get("names"), num_classes=None if obj.get("names") else obj.get("num_classes")
        )
    if kind in ("List", "Sequence"):
        inner = feature_from_dict(obj["feature"])
        length = obj.get("length", -1)
        return Sequence(inner, length) if kind == "Sequence" else List(inner, length)
    if kind == "LargeList":
        return LargeList(feature_from_dict(obj["feature"]))
    if kind == "Image":
        return Image(mode=obj.get("mode"), decode=obj.get("decode", True))
    if kind == "Audio":
        return Audio(sampling_rate=obj.get("sampling_rate"), decode=obj.get("decode", True))
    if kind == "Translation":
        return {lang: Value("string") for lang in obj.get("languages", [])}
    raise FeatureTypeError(f"Unknown feature type {kind!r} in {obj!r}.")


_POLARS_TO_VALUE = {
    pl.Boolean: "bool",
    pl.Int8: "int8",
    pl.Int16: "int16",
    pl.Int32: "int32",
    pl.Int64: "int64",
    pl.UInt8: "uint8",
    pl.UInt16: "uint16",
    pl.UInt32: "uint32",
    pl.UInt64: "uint64",
    pl.Float32: "float32",
    pl.Float64: "float64",
    pl.String: "string",
    pl.Binary: "binary",
    pl.Date: "date32",
    pl.Null: "null",
    pl.Categorical: "string",
    pl.Enum: "string",
}


def feature_from_polars(dtype: pl.DataType) -> Any:
    """The natural feature for a Polars dtype (no ClassLabel/Image: those need metadata)."""
    if isinstance(dtype, type):  # a dtype class such as pl.Binary, as struct fields may hold
        dtype = dtype()
    if isinstance(dtype, pl.Struct):
        return {f.name: feature_from_polars(f.dtype) for f in dtype.fields}
    if isinstance(dtype, pl.List):
        return List(feature_from_polars(dtype.inner))
    if isinstance(dtype, pl.Array):
        return List(feature_from_polars(dtype.inner), dtype.size)
    if isinstance(dtype, pl.Datetime):
        tz = f", tz={dtype.time_zone}" if dtype.time_zone else ""
        return Value(f"timestamp[{dtype.time_unit}{tz}]")
    if isinstance(dtype, pl.Duration):
        return Value(f"duration[{dtype.time_unit}]")
    if isinstance(dtype, pl.Decimal):
        return Value(f"decimal128({dtype.precision}, {dtype.scale})")
    if isinstance(dtype, pl.Time):
        return Value("time64[ns]")
    if hasattr(pl, "Float16") and isinstance(dtype, pl.Float16):
        return Value("float16")
    for pl_type, name in _POLARS_TO_VALUE.items():
        if isinstance(dtype, pl_type):
            return Value(name)
    if isinstance(dtype, pl.Object):
        msg = (
            "Object columns are not allowed in a polards dataset. Hint: return plain Python values or bytes."
        )
        raise FeatureTypeError(msg)
    raise FeatureTypeError(f"No feature type for Polars dtype {dtype}.")


def to_arrow_type(feature: Any) -> Any:
    """The Arrow type ``datasets`` uses for a feature (``string``, ``list``, ``struct<bytes, path>``...)."""
    import pyarrow as pa

    if isinstance(feature, dict):
        return pa.struct([(k, to_arrow_type(v)) for k, v in feature.items()])
    if isinstance(feature, list):
        return pa.list_(to_arrow_type(feature[0]))
    if isinstance(feature, List):
        inner = to_arrow_type(feature.feature)
        return pa.list_(inner, feature.length) if feature.length > 0 else pa.list_(inner)
    if isinstance(feature, LargeList):
        return pa.large_list(to_arrow_type(feature.feature))
    if isinstance(feature, Image | Audio):
        return pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    if isinstance(feature, ClassLabel):
        return pa.int64()
    dtype = _ALIASES.get(feature.dtype, feature.dtype)
    if dtype.startswith("timestamp["):
        inner = dtype[len("timestamp[") : -1]
        unit, _, tz = (s.strip() for s in inner.partition(","))
        return pa.timestamp(unit, tz.removeprefix("tz=") or None)
    if dtype.startswith("duration["):
        return pa.duration(dtype[len("duration[") : -1])
    if dtype.startswith("decimal128("):
        p, s = dtype[len("decimal128(") : -1].split(",")
        return pa.decimal128(int(p), int(s))
    return pa.type_for_alias(dtype)
