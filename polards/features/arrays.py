"""``datasets``' fixed-shape multi-dimensional array features: ``Array2D`` ... ``Array5D``.

A value is a nested list (or numpy array) of ``shape``; the first dimension may be ``None`` (variable). Polars
holds it as nested fixed-size ``Array`` types (``List`` outside when the first dimension is variable). Arrow
output uses ``datasets``' extension type (``datasets.features.features.Array2DExtensionType`` over nested
``list`` storage, serialized as ``[shape, dtype]``), so ``datasets`` reads polards' files as arrays: polards
defines the same type without registering it (``datasets`` registers it on import; when ``datasets`` is loaded,
its own class is used).

>>> Array2D(shape=(2, 3), dtype="int32").to_polars()
Array(Int32, shape=(2, 3))
>>> Array3D(shape=(None, 2, 2), dtype="bool").to_polars()
List(Array(Boolean, shape=(2, 2)))
>>> Array2D(shape=[1, 2], dtype="float32").to_dict()
{'shape': (1, 2), 'dtype': 'float32', '_type': 'Array2D'}
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any, ClassVar

import polars as pl
import pyarrow as pa

from polards.exceptions import InvalidArgumentError

EXTENSION_PREFIX = "datasets.features.features.Array"


class ArrayExtensionType(pa.ExtensionType):
    """``datasets``' ``ArrayXDExtensionType`` wire format: name, ``[shape, dtype]`` metadata, nested lists."""

    def __init__(self, ndims: int, shape: tuple, dtype: str, storage: pa.DataType) -> None:
        self.ndims = ndims
        self.shape = tuple(shape)
        self.value_type = dtype
        super().__init__(storage, f"{EXTENSION_PREFIX}{ndims}DExtensionType")

    def __arrow_ext_serialize__(self) -> bytes:
        return json.dumps((self.shape, self.value_type)).encode()

    @classmethod
    def __arrow_ext_deserialize__(cls, storage_type: pa.DataType, serialized: bytes) -> ArrayExtensionType:
        shape, dtype = json.loads(serialized)
        return cls(len(shape), tuple(shape), dtype, storage_type)

    def __reduce__(self) -> Any:
        return ArrayExtensionType, (self.ndims, self.shape, self.value_type, self.storage_type)

    def __arrow_ext_class__(self) -> type:
        return ArrayExtensionArray


class ArrayExtensionArray(pa.ExtensionArray):
    """``datasets``' ``ArrayExtensionArray``: numpy of shape ``(n, *shape)`` (null rows as NaN, in float64), or
    an object array of arrays when the first dimension varies."""

    def to_numpy(self, zero_copy_only: bool = True) -> Any:  # type: ignore[override]
        import numpy as np

        storage = self.storage
        t = self.type
        nulls = storage.is_null().to_numpy(zero_copy_only=False)
        if t.shape[0] is not None:
            flat = storage
            for _ in range(t.ndims):
                flat = flat.flatten()
            out = flat.to_numpy(zero_copy_only=False).reshape(len(self) - int(nulls.sum()), *t.shape)
            if nulls.any():
                where = np.arange(len(storage))[nulls] - np.arange(int(nulls.sum()))
                out = np.insert(out.astype(np.float64), where, np.nan, axis=0)
            return out
        rows: list[Any] = []
        for i, is_null in enumerate(nulls):
            if is_null:
                rows.append(np.nan)
                continue
            el = storage[i : i + 1]
            first = len(el.flatten())
            for _ in range(t.ndims):
                el = el.flatten()
            rows.append(el.to_numpy(zero_copy_only=False).reshape(first, *t.shape[1:]))
        sizes = {r.shape[0] for r in rows if not isinstance(r, float)}
        if len(sizes) > 1 or nulls.any():
            out = np.empty(len(rows), dtype=object)
            out[:] = rows
            return out
        return np.array(rows)

    def to_pylist(self, maps_as_pydicts: Any = None) -> list[Any]:  # type: ignore[override]
        return self.storage.to_pylist()


def _datasets_extension_class(ndims: int) -> Any:
    """``datasets``' own extension class when the real ``datasets`` is loaded (it registered it), else None."""
    module = sys.modules.get("datasets.features.features")
    if module is None or getattr(sys.modules.get("datasets"), "__polards__", False):
        return None
    cls = getattr(module, f"Array{ndims}DExtensionType", None)
    return cls if isinstance(cls, type) and issubclass(cls, pa.ExtensionType) else None


@dataclass
class _ArrayXD:
    shape: tuple
    dtype: str
    id: str | None = field(default=None, repr=False)

    ndims: ClassVar[int] = 0
    _type: ClassVar[str] = ""

    def __post_init__(self) -> None:
        self.shape = tuple(self.shape)

    def _check(self) -> None:
        """``datasets``' checks, made when the type is built (as its extension type does)."""
        if len(self.shape) != self.ndims:
            raise InvalidArgumentError(f"shape={self.shape} and ndims={self.ndims} don't match")
        if any(d is None for d in self.shape[1:]):
            raise InvalidArgumentError(f"Support only dynamic size on first dimension. Got: {self.shape}")

    def __call__(self) -> Any:
        return self.to_arrow()

    def to_polars(self) -> pl.DataType:
        from polards.features.types import Value

        self._check()
        inner: pl.DataType = Value(self.dtype).to_polars()
        for d in reversed(self.shape[1:]):
            inner = pl.Array(inner, d)
        return pl.List(inner) if self.shape[0] is None else pl.Array(inner, self.shape[0])

    def to_arrow(self) -> Any:
        """``datasets``' extension type over ``ndims`` nested ``list`` types of the value type."""
        from polards.features.types import Value, to_arrow_type

        self._check()
        theirs = _datasets_extension_class(self.ndims)
        if theirs is not None:
            return theirs(self.shape, self.dtype)
        storage = to_arrow_type(Value(self.dtype))
        for _ in self.shape:
            storage = pa.list_(storage)
        return ArrayExtensionType(self.ndims, self.shape, self.dtype, storage)

    def to_polars_arrow(self) -> Any:
        """The Arrow type Polars reads as :meth:`to_polars` (fixed-size lists)."""
        from polards.features.types import Value, to_arrow_type

        self._check()
        out = to_arrow_type(Value(self.dtype))
        for d in reversed(self.shape):
            out = pa.list_(out) if d is None else pa.list_(out, d)
        return out

    def encode_example(self, value: Any) -> Any:
        return value.tolist() if hasattr(value, "tolist") else value

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"shape": tuple(self.shape), "dtype": self.dtype}
        if self.id is not None:
            out["id"] = self.id
        return {**out, "_type": self._type}


@dataclass
class Array2D(_ArrayXD):
    """A two-dimensional array of ``shape`` and ``dtype`` (``Array2D(shape=(1, 3), dtype="int32")``)."""

    ndims: ClassVar[int] = 2
    _type: ClassVar[str] = "Array2D"


@dataclass
class Array3D(_ArrayXD):
    """A three-dimensional array of ``shape`` and ``dtype``."""

    ndims: ClassVar[int] = 3
    _type: ClassVar[str] = "Array3D"


@dataclass
class Array4D(_ArrayXD):
    """A four-dimensional array of ``shape`` and ``dtype``."""

    ndims: ClassVar[int] = 4
    _type: ClassVar[str] = "Array4D"


@dataclass
class Array5D(_ArrayXD):
    """A five-dimensional array of ``shape`` and ``dtype``."""

    ndims: ClassVar[int] = 5
    _type: ClassVar[str] = "Array5D"


ARRAY_TYPES: dict[str, type[_ArrayXD]] = {c._type: c for c in (Array2D, Array3D, Array4D, Array5D)}


def array_feature_from_extension(name: str, shape: Any, dtype: str) -> _ArrayXD | None:
    """The feature of ``datasets``' array extension type named ``name`` (None for another extension)."""
    if not name.startswith(EXTENSION_PREFIX) or not name.endswith("DExtensionType"):
        return None
    kind = ARRAY_TYPES.get(name[len(EXTENSION_PREFIX) - len("Array") :].removesuffix("ExtensionType"))
    return None if kind is None else kind(shape=tuple(shape), dtype=dtype)
