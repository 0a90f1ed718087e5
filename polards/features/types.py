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
import json
from collections.abc import Iterable
from collections.abc import Sequence as _Seq
from dataclasses import dataclass, field
from typing import Any, ClassVar

import polars as pl

from polards.exceptions import FeatureTypeError, InvalidArgumentError
from polards.features.arrays import (
    ARRAY_TYPES,
    Array2D,
    Array3D,
    Array4D,
    Array5D,
    array_feature_from_extension,
)
from polards.features.json_type import Json
from polards.features.translation import Translation, TranslationVariableLanguages

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
    "string_view": pl.String(),
    "binary_view": pl.Binary(),
    "binary": pl.Binary(),
    "large_binary": pl.Binary(),
    "date32": pl.Date(),
    "date64": pl.Datetime("ms"),
}
_RENAMED = {"float": "float32", "double": "float64"}
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
    if dtype.startswith("fixed_size_binary["):
        return pl.Binary()
    if dtype.startswith(("decimal128(", "decimal256(", "decimal(")):
        p, s = dtype[dtype.index("(") + 1 : -1].split(",")
        return pl.Decimal(int(p), int(s))
    msg = f"Unknown Value dtype {dtype!r}. Hint: use one of {sorted(_VALUE_TO_POLARS)} or timestamp[us]."
    raise FeatureTypeError(msg)


@dataclass(frozen=True)
class Value:
    """A scalar column, named by its ``datasets``/Arrow dtype string (``"int64"``, ``"string"``, ...).

    ``"float"`` and ``"double"`` are renamed ``"float32"`` and ``"float64"``, as ``datasets`` does.

    >>> Value("float").dtype, Value("double").pa_type
    ('float32', DataType(double))
    """

    dtype: str
    id: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.dtype in _RENAMED:
            object.__setattr__(self, "dtype", _RENAMED[self.dtype])
        _value_dtype(self.dtype)  # validate early, naming the bad dtype

    @property
    def pa_type(self) -> Any:
        """The Arrow type (``datasets``' ``Value.pa_type``)."""
        return to_arrow_type(self)

    def __call__(self) -> Any:
        return self.pa_type

    def to_polars(self) -> pl.DataType:
        return _value_dtype(self.dtype)

    def to_dict(self) -> dict[str, Any]:
        return {"dtype": self.dtype, **_id_entry(self.id), "_type": "Value"}

    def encode_example(self, value: Any) -> Any:
        """As ``datasets``: ``bool``/``int``/``float``/``str`` of the value for those dtypes."""
        kind = _VALUE_TO_POLARS.get(_ALIASES.get(self.dtype, self.dtype))
        if kind is None or value is None:
            return value
        if kind == pl.Boolean:
            return bool(value)
        if kind.is_integer():
            return int(value)
        if kind.is_float():
            return float(value)
        if kind == pl.String:
            return str(value)
        return value

    def __repr__(self) -> str:
        return f"Value({self.dtype!r})"


def _id_entry(id: str | None) -> dict[str, str]:
    return {"id": id} if id is not None else {}


@dataclass(frozen=True, eq=False)
class ClassLabel:
    """Integer class ids with names, stored as ``int64`` like ``datasets``.

    >>> c = ClassLabel(names=["A", "B", "C", "D"])
    >>> c.num_classes, c.int2str(2), c.str2int(["A", "D"]), c.dtype
    (4, 'C', [0, 3], 'int64')
    """

    num_classes: int | None = None
    names: list[str] | None = None
    names_file: str | None = None
    id: str | None = None

    dtype: ClassVar[str] = "int64"

    def __init__(
        self,
        num_classes: int | None = None,
        names: Iterable[str] | None = None,
        names_file: str | None = None,
        id: str | None = None,
    ) -> None:
        if names_file is not None and names is not None:
            raise InvalidArgumentError("Please provide either names or names_file but not both.")
        if names_file is not None:
            with open(names_file, encoding="utf-8") as f:
                names = [line.strip() for line in f.read().split("\n") if line.strip()]
        if names is None:
            if num_classes is None:
                raise InvalidArgumentError("Please provide either num_classes, names or names_file.")
            names = [str(i) for i in range(num_classes)]
        elif isinstance(names, str) or not isinstance(names, _Seq):
            raise FeatureTypeError(f"Please provide names as a list, is {type(names)}")
        names = [str(n) for n in names]
        if num_classes is not None and num_classes != len(names):
            msg = (
                "ClassLabel number of names do not match the defined num_classes. "
                f"Got {len(names)} names VS {num_classes} num_classes"
            )
            raise InvalidArgumentError(msg)
        if len(set(names)) != len(names):
            dupes = sorted({n for n in names if names.count(n) > 1})
            msg = f"Some label names are duplicated. Each label name should be unique. Duplicated: {dupes}"
            raise InvalidArgumentError(msg)
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "num_classes", len(names))
        object.__setattr__(self, "names_file", names_file)
        object.__setattr__(self, "id", id)
        object.__setattr__(self, "_lookup", {n: i for i, n in enumerate(names)})

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ClassLabel):
            return NotImplemented
        return self.names == other.names and self.id == other.id

    def __hash__(self) -> int:
        return hash(("ClassLabel", tuple(self.names or ())))

    @property
    def pa_type(self) -> Any:
        import pyarrow as pa

        return pa.int64()

    def __call__(self) -> Any:
        return self.pa_type

    def _strval2int(self, value: Any) -> int:
        value = str(value)
        lookup: dict[str, int] = self._lookup  # type: ignore[attr-defined]
        found = lookup.get(value)
        if found is None:
            found = lookup.get(value.strip())
        if found is None:
            try:
                found = int(value)
            except ValueError:
                found = None
            if found is not None and not -1 <= found < len(lookup):
                found = None
        if found is None:
            known = list(self.names or ())
            msg = f"Invalid string class label {value}. Known labels: {known[:20]}" + (
                " ..." if len(known) > 20 else ""
            )
            raise InvalidArgumentError(msg)
        return found

    def str2int(self, values: Any) -> Any:
        """Label name(s) to id(s); ``ValueError`` naming an unknown label."""
        if isinstance(values, str):
            return self._strval2int(values)
        if not isinstance(values, Iterable):
            raise InvalidArgumentError(f"Values {values} should be a string or an Iterable")
        return [self._strval2int(v) for v in values]

    def int2str(self, values: Any) -> Any:
        """Label id(s) to name(s); ``ValueError`` for an id outside ``[0, num_classes)``."""
        names = self.names or []
        single = isinstance(values, int) or (
            hasattr(values, "__index__") and not isinstance(values, Iterable)
        )
        if not single and not isinstance(values, Iterable):
            raise InvalidArgumentError(f"Values {values} should be an integer or an Iterable")
        items = [values] if single else list(values)
        for v in items:
            if not 0 <= v < len(names):
                raise InvalidArgumentError(
                    f"Invalid integer class label {int(v):d} (num_classes={len(names)})"
                )
        out = [names[int(v)] for v in items]
        return out[0] if single else out

    def encode_example(self, value: Any) -> Any:
        """A name becomes its id; ids are checked against ``[-1, num_classes)`` (-1: no label)."""
        if value is None:
            return None
        if isinstance(value, str):
            value = self.str2int(value)
        if not -1 <= value < (self.num_classes or 0):
            raise InvalidArgumentError(
                f"Class label {value:d} greater than configured num_classes {self.num_classes}"
            )
        return value

    def cast_storage(self, storage: Any) -> Any:
        """An Arrow array of ids or label names as ``int64`` ids (``datasets``' ``ClassLabel.cast_storage``):
        ``ValueError`` for an id ``>= num_classes`` or an unknown name.

        >>> import pyarrow as pa
        >>> ClassLabel(names=["neg", "pos"]).cast_storage(pa.array(["pos", None])).to_pylist()
        [1, None]
        """
        import pyarrow as pa
        import pyarrow.compute as pc

        if pa.types.is_integer(storage.type) and len(storage) > 0:
            top = pc.max(storage).as_py()
            if top is not None and top >= (self.num_classes or 0):
                raise InvalidArgumentError(
                    f"Class label {top} greater than configured num_classes {self.num_classes}"
                )
        elif (
            pa.types.is_string(storage.type)
            or pa.types.is_large_string(storage.type)
            or pa.types.is_string_view(storage.type)
        ):
            ids = [None if x is None else self._strval2int(x) for x in storage.to_pylist()]
            storage = pa.array(ids, pa.int64())
        try:
            return storage.cast(pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
            raise InvalidArgumentError(f"Couldn't cast array of type {storage.type} to int64: {e}") from e

    def to_polars(self) -> pl.DataType:
        return pl.Int64()

    def to_dict(self) -> dict[str, Any]:
        return {"names": list(self.names or ()), **_id_entry(self.id), "_type": "ClassLabel"}

    def __repr__(self) -> str:
        return f"ClassLabel(names={list(self.names or ())})"


@dataclass(frozen=True)
class List:
    """A list of ``feature`` values; ``length`` > 0 makes it fixed size (a Polars ``Array``)."""

    feature: Any
    length: int = -1
    id: str | None = field(default=None, repr=False)

    def to_polars(self) -> pl.DataType:
        inner = to_polars_dtype(self.feature)
        return pl.Array(inner, self.length) if self.length > 0 else pl.List(inner)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"feature": feature_to_dict(self.feature)}
        if self.length > 0:
            out["length"] = self.length
        out["_type"] = "List"  # datasets does not write a List's id
        return out

    def __repr__(self) -> str:
        return f"List({self.feature!r}" + (f", length={self.length})" if self.length > 0 else ")")


@dataclass(frozen=True)
class LargeList:
    """A list with 64-bit offsets in Arrow; the same Polars ``List``."""

    feature: Any
    id: str | None = field(default=None, repr=False)

    def to_polars(self) -> pl.DataType:
        return pl.List(to_polars_dtype(self.feature))

    def to_dict(self) -> dict[str, Any]:
        return {"feature": feature_to_dict(self.feature), **_id_entry(self.id), "_type": "LargeList"}

    def __repr__(self) -> str:
        return f"LargeList({self.feature!r})"


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
    id: str | None = field(default=None, repr=False)

    dtype: ClassVar[str] = "PIL.Image.Image"

    def to_polars(self) -> pl.DataType:
        return _MEDIA_DTYPE

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {} if self.mode is None else {"mode": self.mode}
        if not self.decode:
            out["decode"] = False
        return {**out, **_id_entry(self.id), "_type": "Image"}

    def encode_example(self, value: Any) -> dict[str, Any] | None:
        """Turn a path, bytes, dict or ``PIL.Image`` into ``{"bytes", "path"}``."""
        import os
        from pathlib import Path

        import numpy as np

        from polards.features.image_encode import encode_np_array, encode_pil_image

        if value is None:
            return None
        if isinstance(value, list):
            value = np.array(value)
        if isinstance(value, str):
            return {"bytes": None, "path": value}
        if isinstance(value, Path):
            return {"bytes": None, "path": str(value.absolute())}
        if isinstance(value, bytes | bytearray):
            return {"bytes": bytes(value), "path": None}
        if isinstance(value, np.ndarray):
            return encode_np_array(value)
        if hasattr(value, "save") and hasattr(value, "mode"):  # PIL image
            return encode_pil_image(value)
        if isinstance(value, dict):
            path, data = value.get("path"), value.get("bytes")
            if path is not None and os.path.isfile(path):  # the file is here: its bytes are not duplicated
                return {"bytes": None, "path": path}
            if data is not None or path is not None:
                return {"bytes": data, "path": path}
            raise InvalidArgumentError(
                f"An image sample should have one of 'path' or 'bytes' but they are missing or None in {value}."
            )
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
    """Audio stored as ``struct<bytes, path>``; decoded on access (unless ``decode=False``) to a
    :class:`polards.features.audio.AudioDecoder` (``["array"]``, ``["sampling_rate"]``), resampled to
    ``sampling_rate`` when set. Decoding needs the ``polards[audio]`` extra (soundfile, soxr)."""

    sampling_rate: int | None = None
    decode: bool = True
    num_channels: int | None = None
    stream_index: int | None = None
    id: str | None = field(default=None, repr=False)

    dtype: ClassVar[str] = "dict"

    def to_polars(self) -> pl.DataType:
        return _MEDIA_DTYPE

    def to_dict(self) -> dict[str, Any]:
        """``datasets``' JSON: the fields that are set, ``decode`` only when ``False``.

        >>> Audio(sampling_rate=16_000, decode=False, num_channels=1).to_dict()
        {'sampling_rate': 16000, 'decode': False, 'num_channels': 1, '_type': 'Audio'}
        """
        out: dict[str, Any] = {} if self.sampling_rate is None else {"sampling_rate": self.sampling_rate}
        if not self.decode:
            out["decode"] = False
        for key in ("num_channels", "stream_index"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return {**out, **_id_entry(self.id), "_type": "Audio"}

    def encode_example(self, value: Any) -> dict[str, Any] | None:
        """A path, bytes, ``{"bytes", "path"}``, ``{"array", "sampling_rate"}`` (to WAV) or decoded value."""
        import os

        from polards.features.audio import AudioDecoder, encode_audio_array

        if isinstance(value, AudioDecoder):
            return dict(value._hf_encoded)
        if isinstance(value, dict) and value.get("array") is not None:
            return {
                "bytes": encode_audio_array(value["array"], value["sampling_rate"]),
                "path": value.get("path"),
            }
        if value is None or isinstance(value, dict):
            return None if value is None else {"bytes": value.get("bytes"), "path": value.get("path")}
        if isinstance(value, str | os.PathLike):
            return {"bytes": None, "path": os.fspath(value)}
        if isinstance(value, bytes | bytearray):
            return {"bytes": bytes(value), "path": None}
        raise FeatureTypeError(f"Audio feature cannot encode a value of type {type(value).__name__}.")

    def decode_example(self, value: dict[str, Any] | None, token_per_repo_id: Any = None) -> Any:
        """``{"bytes", "path"}`` -> a lazy ``AudioDecoder`` at this feature's ``sampling_rate``."""
        if value is None or not self.decode:
            return value
        from polards.features.audio import decode_audio

        return decode_audio(value, sampling_rate=self.sampling_rate, num_channels=self.num_channels)


FeatureType = (
    Value
    | ClassLabel
    | List
    | LargeList
    | Image
    | Audio
    | Json
    | Array2D
    | Array3D
    | Array4D
    | Array5D
    | Translation
    | TranslationVariableLanguages
    | dict
)
_OWN_ARROW = (Json, Array2D, Array3D, Array4D, Array5D, Translation, TranslationVariableLanguages)


def to_polars_dtype(feature: Any) -> pl.DataType:
    """The Polars dtype of a feature (dicts become structs)."""
    if isinstance(feature, dict):
        return pl.Struct({k: to_polars_dtype(v) for k, v in feature.items()})
    if isinstance(feature, list):  # datasets' shorthand: [Value] means List(Value)
        return pl.List(to_polars_dtype(feature[0]))
    if not hasattr(feature, "to_polars") and callable(feature):  # a custom feature (datasets calls it)
        import pyarrow as pa

        return pl.from_arrow(pa.array([], type=feature())).dtype
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
    fid = obj.get("id")
    if kind == "Value":
        return Value(obj["dtype"], id=fid)
    if kind == "ClassLabel":
        return ClassLabel(
            names=obj.get("names"),
            num_classes=None if obj.get("names") else obj.get("num_classes"),
            id=fid,
        )
    if kind in ("List", "Sequence"):
        inner = feature_from_dict(obj["feature"])
        length = obj.get("length", -1)
        return Sequence(inner, length, fid) if kind == "Sequence" else List(inner, length, fid)
    if kind == "LargeList":
        return LargeList(feature_from_dict(obj["feature"]), id=fid)
    if kind == "Image":
        return Image(mode=obj.get("mode"), decode=obj.get("decode", True), id=fid)
    if kind == "Audio":
        return Audio(
            sampling_rate=obj.get("sampling_rate"),
            decode=obj.get("decode", True),
            num_channels=obj.get("num_channels"),
            stream_index=obj.get("stream_index"),
            id=fid,
        )
    if kind == "Translation":
        return Translation(languages=list(obj.get("languages") or []), id=fid)
    if kind == "TranslationVariableLanguages":
        return TranslationVariableLanguages(languages=obj.get("languages"), id=fid)
    if kind == "Json":
        return Json(decode=obj.get("decode", True), id=fid)
    if kind in ARRAY_TYPES:
        return ARRAY_TYPES[kind](shape=tuple(obj["shape"]), dtype=obj["dtype"], id=fid)
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
    if hasattr(pl, "Extension") and isinstance(dtype, pl.Extension):
        if dtype.ext_name() == "arrow.json":
            return Json()
        shape, value_type = json.loads(dtype.ext_metadata() or "[null, null]")
        found = array_feature_from_extension(dtype.ext_name(), shape or (), value_type)
        if found is not None:
            return found
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
    if isinstance(feature, _OWN_ARROW):
        return feature.to_arrow()
    if not hasattr(feature, "dtype") and callable(feature):  # a custom feature: its call gives its Arrow type
        return feature()
    dtype = _ALIASES.get(feature.dtype, feature.dtype)
    if dtype.startswith("timestamp["):
        inner = dtype[len("timestamp[") : -1]
        unit, _, tz = (s.strip() for s in inner.partition(","))
        return pa.timestamp(unit, tz.removeprefix("tz=") or None)
    if dtype.startswith("duration["):
        return pa.duration(dtype[len("duration[") : -1])
    if dtype.startswith(("decimal128(", "decimal256(")):
        p, s = dtype[len("decimal128(") : -1].split(",")
        return (pa.decimal128 if dtype.startswith("decimal128") else pa.decimal256)(int(p), int(s))
    if dtype.startswith("fixed_size_binary["):
        return pa.binary(int(dtype[len("fixed_size_binary[") : -1]))
    if dtype in ("string_view", "binary_view"):
        return pa.string_view() if dtype == "string_view" else pa.binary_view()
    if dtype.startswith(("time32[", "time64[")):
        unit = dtype[len("time32[") : -1]
        return pa.time32(unit) if dtype.startswith("time32") else pa.time64(unit)
    return pa.type_for_alias(dtype)


def _arrow_value_name(t: Any) -> str:
    """``datasets``' ``_arrow_to_datasets_dtype``: the ``Value`` dtype name of an Arrow type."""
    import pyarrow as pa

    if pa.types.is_dictionary(t):
        return _arrow_value_name(t.value_type)
    if pa.types.is_float16(t):
        return "float16"
    if pa.types.is_float32(t):
        return "float32"
    if pa.types.is_float64(t):
        return "float64"
    if pa.types.is_timestamp(t):
        return f"timestamp[{t.unit}, tz={t.tz}]" if t.tz else f"timestamp[{t.unit}]"
    if pa.types.is_date32(t):
        return "date32"
    if pa.types.is_date64(t):
        return "date64"
    if pa.types.is_decimal(t):
        return f"decimal{t.bit_width}({t.precision}, {t.scale})"
    if pa.types.is_fixed_size_binary(t):
        return f"fixed_size_binary[{t.byte_width}]"
    if pa.types.is_boolean(t):
        return "bool"
    return str(t)  # int8..uint64, string, large_string, binary, time64[us], duration[s], null, ...


def to_polars_arrow_type(feature: Any) -> Any:
    """The Arrow type that Polars reads as ``to_polars_dtype(feature)`` (``to_arrow_type`` but ``Json`` as
    ``string`` and arrays as fixed-size lists): what python values are built as before they become a frame."""
    import pyarrow as pa

    if isinstance(feature, dict):
        return pa.struct([(k, to_polars_arrow_type(v)) for k, v in feature.items()])
    if isinstance(feature, list):
        return pa.list_(to_polars_arrow_type(feature[0]))
    if isinstance(feature, List):
        inner = to_polars_arrow_type(feature.feature)
        return pa.list_(inner, feature.length) if feature.length > 0 else pa.list_(inner)
    if isinstance(feature, LargeList):
        return pa.large_list(to_polars_arrow_type(feature.feature))
    if hasattr(feature, "to_polars_arrow"):
        return feature.to_polars_arrow()
    return to_arrow_type(feature)


def feature_from_arrow(t: Any) -> Any:
    """``datasets``' ``generate_from_arrow_type``: the feature of an Arrow type (``large_string`` stays
    ``Value("large_string")``, ``large_list`` is ``LargeList``)."""
    import pyarrow as pa

    if isinstance(t, pa.JsonType):
        return Json()
    if isinstance(t, pa.ExtensionType) and hasattr(t, "shape") and hasattr(t, "value_type"):
        found = array_feature_from_extension(t.extension_name, t.shape, t.value_type)
        if found is not None:
            return found
    if pa.types.is_struct(t):
        return {f.name: feature_from_arrow(f.type) for f in t}
    if pa.types.is_fixed_size_list(t):
        return List(feature_from_arrow(t.value_type), t.list_size)
    if pa.types.is_list(t) or pa.types.is_list_view(t):
        return List(feature_from_arrow(t.value_type))
    if pa.types.is_large_list(t) or pa.types.is_large_list_view(t):
        return LargeList(feature_from_arrow(t.value_type))
    return Value(_arrow_value_name(t))
