"""Casting columns from one feature to another with ``datasets``' semantics, as Polars expressions.

``datasets`` casts with pyarrow's *safe* casts: a float with a fraction, NaN, an out-of-range integer or an
unparsable string raises ``pa.ArrowInvalid`` (a ``ValueError``) instead of being truncated or nulled; ``-0.0``
stays ``-0.0``; floats print as pyarrow prints them (``1.0 -> "1"``). Casts whose Polars and pyarrow results agree
(widening integers, ``float32 -> float64``, integers to strings) stay native Polars casts; the others run pyarrow's
cast per batch. String labels become :class:`ClassLabel` ids at any depth (in structs and lists), and an unknown
label fails when the cast is made, naming it.

>>> import polars as pl
>>> from polards.features import Features, Value
>>> lf = pl.LazyFrame({"x": [1.0, 2.5]})
>>> plan = plan_cast(lf, Features({"x": Value("float64")}), Features({"x": Value("string")}))
>>> lf.with_columns(plan.exprs).collect()["x"].to_list()
['1', '2.5']
>>> bad = plan_cast(lf, Features({"x": Value("float64")}), Features({"x": Value("int64")}))
>>> bad.validate(lf)
Traceback (most recent call last):
...
polards.exceptions.ArrowCastError: Column 'x' cannot be cast to Value('int64'): Float value 2.500000 was truncated converting to int64
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from polards import exceptions
from polards.exceptions import FeatureTypeError
from polards.features.arrays import _ArrayXD
from polards.features.json_type import Json
from polards.features.translation import Translation, TranslationVariableLanguages
from polards.features.types import (
    Audio,
    ClassLabel,
    Image,
    LargeList,
    List,
    Value,
    to_arrow_type,
    to_polars_dtype,
)

_INTS = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)
_STRINGS = ("string", "large_string", "string_view")


def _int_range(dtype: pl.DataType) -> tuple[int, int]:
    bits = {pl.Int8: 8, pl.Int16: 16, pl.Int32: 32, pl.Int64: 64, pl.UInt8: 8, pl.UInt16: 16, pl.UInt32: 32}
    for cls, b in bits.items():
        if isinstance(dtype, cls):
            return (-(2 ** (b - 1)), 2 ** (b - 1) - 1) if cls.__name__.startswith("Int") else (0, 2**b - 1)
    return (0, 2**64 - 1)


def _native_is_exact(src: pl.DataType, dst: pl.DataType) -> bool:
    """Whether Polars' cast gives exactly pyarrow's safe-cast result for every value (so no check is needed)."""
    if src == dst:
        return True
    if isinstance(src, _INTS) and isinstance(dst, _INTS):
        lo, hi = _int_range(src)
        dlo, dhi = _int_range(dst)
        return dlo <= lo and hi <= dhi
    if isinstance(src, pl.Float32) and isinstance(dst, pl.Float64):
        return True
    if isinstance(src, _INTS) and isinstance(dst, pl.Float64):
        return _int_range(src)[1] <= 2**53 and _int_range(src)[0] >= -(2**53)
    if isinstance(src, _INTS) and isinstance(dst, pl.Float32):
        return _int_range(src)[1] <= 2**24 and _int_range(src)[0] >= -(2**24)
    if isinstance(src, (*_INTS, pl.Boolean)) and isinstance(dst, pl.String):
        return True
    return isinstance(src, pl.Null)


def _pyarrow_cast(feature: Any, dst: pl.DataType) -> Any:
    """A ``map_batches`` function casting a Series with pyarrow's safe cast to ``feature``'s Arrow type."""
    target = to_arrow_type(feature)

    def cast(s: pl.Series) -> pl.Series:
        out = pl.from_arrow(s.to_arrow().cast(target, safe=True))
        assert isinstance(out, pl.Series)
        return out.cast(dst).alias(s.name)

    return cast


def _arrow_name(feature: Any) -> str:
    try:
        return str(to_arrow_type(feature))
    except Exception:  # noqa: BLE001 - only for a message
        return repr(feature)


def _couldnt(old: Any, new: Any, where: str) -> FeatureTypeError:
    return FeatureTypeError(f"Couldn't cast array of type {_arrow_name(old)} to {new!r}{where}")


def _list_inner(feature: Any) -> Any:
    if isinstance(feature, list):
        return feature[0]
    return feature.feature


@dataclass
class CastPlan:
    """The expressions that cast the changed columns, and which of them need a check pass to fail early."""

    exprs: list[pl.Expr] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    targets: dict[str, Any] = field(default_factory=dict)

    def validate(self, lf: pl.LazyFrame) -> None:
        """Run the risky casts once (as ``datasets`` casts eagerly), raising ``ValueError`` subclasses."""
        checks = [e for e in self.exprs if e.meta.output_name() in self.checked]
        for e in checks:
            name = e.meta.output_name()
            try:
                lf.select(e.null_count()).collect()
            except (pl.exceptions.PolarsError, ValueError, TypeError, ArithmeticError) as err:
                if isinstance(err, exceptions.PolardsError):
                    raise
                reason = str(err).split("\n\nThis error occurred")[0]
                msg = f"Column {name!r} cannot be cast to {self.targets[name]!r}: {reason}"
                if isinstance(err, pl.exceptions.PolarsError) and "width" in reason:
                    raise FeatureTypeError(msg) from err  # a list of the wrong length: datasets' TypeError
                raise exceptions.ArrowCastError(msg) from err


class _Builder:
    def __init__(self, lf: pl.LazyFrame) -> None:
        self.lf = lf
        self.risky = False

    def labels(self, path: pl.Expr) -> list[str]:
        return self.lf.select(path.drop_nulls().unique()).collect().to_series().cast(pl.String).to_list()

    def build(self, expr: pl.Expr, path: pl.Expr, old: Any, new: Any, where: str) -> pl.Expr | None:
        """``expr`` cast from ``old`` to ``new`` (``None``: nothing to do). ``path`` selects the values at this
        position from the whole frame (for collecting string labels)."""
        if isinstance(old, Translation | TranslationVariableLanguages):
            old = old.flatten()
        if isinstance(new, Translation | TranslationVariableLanguages):
            new = new.flatten()
        if isinstance(new, Json):
            return self._json(expr, old, new, where)
        if isinstance(new, _ArrayXD) or isinstance(old, _ArrayXD):
            src, dst = to_polars_dtype(old), to_polars_dtype(new)
            if src == dst:
                return None
            if isinstance(old, Value | ClassLabel | Image | Audio | Json) or isinstance(
                new, Value | ClassLabel
            ):
                raise _couldnt(old, new, where)
            self.risky = True  # shapes are checked by Polars when the cast runs
            return expr.cast(dst)
        if isinstance(new, dict):
            if not isinstance(old, dict) or set(old) != set(new):
                raise _couldnt(old, new, where)
            parts = {
                k: self.build(expr.struct.field(k), path.struct.field(k), old[k], new[k], where) for k in new
            }
            if all(p is None for p in parts.values()) and list(old) == list(new):
                return None
            fields = [(p if p is not None else expr.struct.field(k)).alias(k) for k, p in parts.items()]
            return pl.when(expr.is_null()).then(None).otherwise(pl.struct(fields))
        if isinstance(new, list | List | LargeList):
            if not isinstance(old, list | List | LargeList):
                raise _couldnt(old, new, where)
            src, dst = to_polars_dtype(old), to_polars_dtype(new)
            inner = self.build(pl.element(), path.explode(), _list_inner(old), _list_inner(new), where)
            out = expr
            if inner is not None:
                out = (out.cast(pl.List(src.inner)) if isinstance(src, pl.Array) else out).list.eval(inner)
            if isinstance(dst, pl.Array) and (inner is not None or src != dst):
                self.risky = True  # list lengths are checked by Polars when the cast runs
                return out.cast(dst)
            if isinstance(dst, pl.List) and isinstance(src, pl.Array) and inner is None:
                return out.cast(dst)
            return out if inner is not None else None
        if isinstance(old, dict | list | List | LargeList):
            raise _couldnt(old, new, where)
        if isinstance(new, Image | Audio):
            return self._media(expr, old, new, where)
        if isinstance(new, ClassLabel):
            if isinstance(old, Value) and old.dtype in _STRINGS:
                mapping = {label: new._strval2int(label) for label in self.labels(path)}
                return expr.replace_strict(mapping, return_dtype=pl.Int64) if mapping else expr.cast(pl.Int64)
            return self._value(expr, old, Value("int64"), where)
        if isinstance(new, Value):
            return self._value(expr, old, new, where)
        raise _couldnt(old, new, where)

    def _value(self, expr: pl.Expr, old: Any, new: Value, where: str) -> pl.Expr | None:
        if isinstance(old, Image | Audio):
            raise _couldnt(old, new, where)
        src = to_polars_dtype(old)
        dst = to_polars_dtype(new)
        if src == dst and (not isinstance(src, pl.Datetime) or old == new):
            return None
        if _native_is_exact(src, dst):
            return expr.cast(dst)
        self.risky = True
        return expr.map_batches(_pyarrow_cast(new, dst), return_dtype=dst, is_elementwise=True)

    def _json(self, expr: pl.Expr, old: Any, new: Json, where: str) -> pl.Expr | None:
        """``datasets``' ``Json.cast_storage``: JSON text kept, other values dumped as JSON text."""
        if isinstance(old, Json):
            return None
        if isinstance(old, Image | Audio):
            raise _couldnt(old, new, where)

        def dump(s: pl.Series) -> pl.Series:
            out = pl.from_arrow(new.cast_storage(s.to_arrow()).storage)
            assert isinstance(out, pl.Series)
            return out.alias(s.name)

        return expr.map_batches(dump, return_dtype=pl.String, is_elementwise=True)

    def _media(self, expr: pl.Expr, old: Any, new: Any, where: str) -> pl.Expr | None:
        if isinstance(old, Image | Audio):
            return None
        if isinstance(old, Value) and old.dtype in _STRINGS:
            return pl.struct(pl.lit(None, pl.Binary).alias("bytes"), expr.alias("path"))
        if isinstance(old, Value) and old.dtype in ("binary", "large_binary"):
            return pl.struct(expr.alias("bytes"), pl.lit(None, pl.String).alias("path"))
        raise _couldnt(old, new, where)


def plan_cast(lf: pl.LazyFrame, old: Mapping[str, Any], new: Mapping[str, Any]) -> CastPlan:
    """The expressions casting each column of ``new`` (that ``old`` also has) from ``old[col]`` to ``new[col]``.

    String labels are collected from ``lf`` now, so an unknown label raises ``ValueError`` here."""
    plan = CastPlan()
    for name, feature in new.items():
        builder = _Builder(lf)
        expr = builder.build(pl.col(name), pl.col(name), old[name], feature, f" (column {name!r})")
        if expr is not None:
            plan.exprs.append(expr.alias(name))
            plan.targets[name] = feature
            if builder.risky:
                plan.checked.append(name)
    return plan
