"""Fingerprints of plans, like ``datasets``' ``_fingerprint``: a hash that changes when the result could change.

A plan's fingerprint hashes, step by step:

- source files by identity (path, size, modification time), an in-memory frame by its serialized bytes;
- each step's parameters (column names, dtypes, serialized Polars expressions, gathered indices);
- Python functions by their bytecode, constants, defaults, closure values and the globals they read
  (recursively for functions they call), so editing a function body changes the fingerprint.

Anything that cannot be hashed (an unpicklable object in a closure, an expression holding a Python UDF) makes
the fingerprint ``None``: the plan is then never cached, as ``datasets`` does with unhashable transforms.

>>> import polars as pl
>>> from polards.core import steps as st
>>> src = (st.Source(pl.LazyFrame({"a": [1, 2]}), "frame"),)
>>> fingerprint_plan(src) == fingerprint_plan(src)
True
>>> fingerprint_plan((*src, st.Project(("a",)))) != fingerprint_plan(src)
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import types
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

from polards.core import steps as st

_CACHING = {"enabled": True}
_MEMO: weakref.WeakKeyDictionary[Any, str | None] = weakref.WeakKeyDictionary()
_MAX_DEPTH = 16


class Unhashable(Exception):
    """Raised inside the hasher when a value cannot be fingerprinted."""


def enable_caching() -> None:
    """Reuse cached results of Python ``map``/``filter`` steps (the default)."""
    _CACHING["enabled"] = True


def disable_caching() -> None:
    """Never read nor write cached results of Python ``map``/``filter`` steps (``datasets.disable_caching``)."""
    _CACHING["enabled"] = False


def is_caching_enabled() -> bool:
    return _CACHING["enabled"]


# --------------------------------------------------------------------------------------------------- values
class _Hasher:
    def __init__(self) -> None:
        self._h = hashlib.sha256()
        self._seen: set[int] = set()

    def hexdigest(self) -> str:
        return self._h.hexdigest()[:32]

    def put(self, tag: str, data: bytes | str = b"") -> None:
        raw = data.encode() if isinstance(data, str) else data
        self._h.update(f"{tag}:{len(raw)}:".encode())
        self._h.update(raw)

    def value(self, v: Any, depth: int = 0) -> None:
        if depth > _MAX_DEPTH:
            raise Unhashable("value nested too deeply")
        if v is None or isinstance(v, bool | int | float | complex | str | bytes):
            self.put(type(v).__name__, repr(v))
        elif isinstance(v, list | tuple | set | frozenset):
            items = sorted(v, key=repr) if isinstance(v, set | frozenset) else v
            self.put(type(v).__name__, str(len(items)))
            for x in items:
                self.value(x, depth + 1)
        elif isinstance(v, dict):
            self.put("dict", str(len(v)))
            for k, x in v.items():
                self.value(k, depth + 1)
                self.value(x, depth + 1)
        elif isinstance(v, np.ndarray):
            self.put("ndarray", f"{v.dtype}{v.shape}")
            self.put("data", np.ascontiguousarray(v).tobytes())
        elif isinstance(v, pl.Expr):
            self.put("expr", _expr_bytes(v))
        elif isinstance(v, pl.DataType) or (isinstance(v, type) and issubclass(v, pl.DataType)):
            self.put("dtype", repr(v))
        elif isinstance(v, pl.DataFrame | pl.Series):
            self.put(type(v).__name__, _frame_bytes(v.to_frame() if isinstance(v, pl.Series) else v))
        elif isinstance(v, pl.LazyFrame):
            self.put("lazyframe", _lazy_bytes(v))
        elif isinstance(v, types.ModuleType):
            self.put("module", v.__name__)
        elif isinstance(v, type):
            self.put("class", f"{v.__module__}.{v.__qualname__}")
        elif callable(v):
            self.function(v, depth + 1)
        else:
            try:
                self.put(f"pickle:{type(v).__qualname__}", pickle.dumps(v, protocol=4))
            except Exception as e:
                raise Unhashable(f"cannot hash a {type(v).__name__}: {e}") from e

    def function(self, fn: Callable[..., Any], depth: int = 0) -> None:
        """Bytecode, constants, names, defaults, closure and read globals (recursively), as ``datasets``."""
        if depth > _MAX_DEPTH:
            raise Unhashable("function nested too deeply")
        if id(fn) in self._seen:
            self.put("recursive", getattr(fn, "__qualname__", "?"))
            return
        self._seen.add(id(fn))
        if isinstance(fn, types.MethodType):
            self.put("method", fn.__func__.__qualname__)
            self.value(fn.__self__, depth + 1)
            self.function(fn.__func__, depth + 1)
        elif isinstance(fn, types.FunctionType):
            self.put("function", f"{fn.__module__}.{fn.__qualname__}")
            self.code(fn.__code__, depth)
            self.value(fn.__defaults__, depth + 1)
            self.value(fn.__kwdefaults__, depth + 1)
            cells = [c.cell_contents if _cell_full(c) else "<empty>" for c in fn.__closure__ or ()]
            self.value(cells, depth + 1)
            for name in sorted(_global_names(fn.__code__)):
                if name in fn.__globals__:
                    self.put("global", name)
                    self.value(fn.__globals__[name], depth + 1)
        elif isinstance(fn, types.BuiltinFunctionType | types.BuiltinMethodType):
            self.put("builtin", f"{getattr(fn, '__module__', None)}.{fn.__qualname__}")
            owner = getattr(fn, "__self__", None)
            if owner is not None and not isinstance(owner, types.ModuleType):
                self.value(owner, depth + 1)
        elif hasattr(fn, "__wrapped__"):
            self.function(fn.__wrapped__, depth + 1)
        elif dataclasses.is_dataclass(fn) or hasattr(fn, "__dict__"):
            # a callable object (e.g. a schema Mapper): its class and its attributes
            self.put("callable", f"{type(fn).__module__}.{type(fn).__qualname__}")
            self.function(type(fn).__call__, depth + 1)
            attrs = (
                dataclasses.asdict(fn)
                if dataclasses.is_dataclass(fn) and not isinstance(fn, type)
                else vars(fn)
            )
            self.value(attrs, depth + 1)
        else:
            self.value(pickle.dumps(fn, protocol=4))

    def code(self, code: types.CodeType, depth: int) -> None:
        self.put("code", code.co_code)
        self.put("names", "\0".join(code.co_names))
        for c in code.co_consts:
            if isinstance(c, types.CodeType):
                self.code(c, depth + 1)
            else:
                self.value(c, depth + 1)


def _cell_full(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018
    except ValueError:
        return False
    return True


def _global_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names |= _global_names(c)
    return names


def _expr_bytes(e: pl.Expr) -> bytes:
    try:
        return e.meta.serialize(format="binary")
    except Exception as err:  # an expression holding a Python function
        raise Unhashable(f"expression {e} cannot be serialized") from err


def _lazy_bytes(lf: pl.LazyFrame) -> bytes:
    try:
        return lf.serialize(format="binary")
    except Exception as err:
        raise Unhashable("LazyFrame cannot be serialized") from err


def _frame_bytes(df: pl.DataFrame) -> bytes:
    return _lazy_bytes(df.lazy())


def hash_value(v: Any) -> str | None:
    """A stable hex digest of a value or a function, or ``None`` if it cannot be hashed.

    >>> hash_value(lambda x: x + 1) == hash_value(lambda x: x + 1)
    True
    >>> hash_value(lambda x: x + 1) == hash_value(lambda x: x + 2)
    False
    """
    h = _Hasher()
    try:
        h.value(v)
    except (Unhashable, RecursionError):
        return None
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------------- plans
def _file_identity(path: str) -> str:
    try:
        s = os.stat(path)
    except OSError:
        return path  # a URL or a vanished file: the name only
    return f"{os.path.abspath(path)}|{s.st_size}|{s.st_mtime_ns}"


def _step(h: _Hasher, step: Any) -> None:
    h.put("step", type(step).__name__)
    if isinstance(step, st.Source):
        if step.files:
            h.put("format", str(step.format))
            for f in step.files:
                h.put("file", _file_identity(f))
            h.put("scan", _lazy_bytes(step.lf))
        else:
            h.put("frame", _lazy_bytes(step.lf))
    elif isinstance(step, st.Concat):
        h.put("axis", str(step.axis))
        for p in step.plans:
            sub = fingerprint_plan(p)
            if sub is None:
                raise Unhashable("a concatenated plan cannot be fingerprinted")
            h.put("plan", sub)
    elif isinstance(step, st.PythonMap):
        h.function(step.fn)
        for f in dataclasses.fields(step):
            if f.name not in ("fn", "memo"):
                h.put("field", f.name)
                h.value(getattr(step, f.name))
    elif dataclasses.is_dataclass(step):
        for f in dataclasses.fields(step):
            h.put("field", f.name)
            h.value(getattr(step, f.name))
    else:
        raise Unhashable(f"unknown step {type(step).__name__}")


def _step_digest(step: Any) -> str | None:
    try:
        return _MEMO[step]
    except (KeyError, TypeError):
        pass
    h = _Hasher()
    try:
        _step(h, step)
        out: str | None = h.hexdigest()
    except (Unhashable, RecursionError):
        out = None
    try:
        _MEMO[step] = out
    except TypeError:  # not weak-referenceable
        pass
    return out


def fingerprint_plan(plan: tuple[Any, ...]) -> str | None:
    """The fingerprint of a whole plan (``None`` when some step cannot be hashed)."""
    h = hashlib.sha256()
    for step in plan:
        d = _step_digest(step)
        if d is None:
            return None
        h.update(d.encode())
    return h.hexdigest()[:32]


def has_file_sources(plan: tuple[Any, ...]) -> bool:
    """Whether every root of the plan is a file scan (Python-map results are cached only for those)."""
    root = plan[0]
    if isinstance(root, st.Source):
        return bool(root.files) and root.format is not None
    if isinstance(root, st.Concat):
        return all(has_file_sources(p) for p in root.plans)
    return False
