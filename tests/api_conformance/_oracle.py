"""Run the same code through ``datasets`` 5.2 and polards and compare what comes out (values, features,
format, or the builtin class of the error)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import datasets
import numpy as np
import pyarrow as pa

import polards

datasets.disable_progress_bars()
datasets.disable_caching()
warnings.filterwarnings("ignore", category=DeprecationWarning)

LIBS = {"hf": datasets, "pl": polards}


def norm(v: Any) -> Any:
    """Comparable values: numpy arrays/scalars as python, NaN as a tag, PIL images as (mode, size)."""
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    if isinstance(v, np.ndarray):
        return ("ndarray", str(v.dtype), norm(v.tolist()))
    if isinstance(v, list | tuple):
        return [norm(x) for x in v]
    if isinstance(v, np.generic):
        return norm(v.item())
    if isinstance(v, float) and math.isnan(v):
        return "<nan>"
    if type(v).__module__.startswith("PIL."):
        return ("PIL", v.mode, v.size)
    return v


def error_kind(e: BaseException) -> str:
    for cls in (
        pa.ArrowTypeError,
        pa.ArrowInvalid,
        KeyError,
        IndexError,
        FileNotFoundError,
        TypeError,
        ValueError,
    ):
        if isinstance(e, cls):
            return cls.__name__
    return type(e).__name__


def outcome(fn: Callable[[Any], Any], lib: Any) -> tuple[str, Any]:
    """``("ok", normalised result)`` or ``("raise", builtin error class name)``."""
    try:
        return "ok", norm(fn(lib))
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return "raise", error_kind(e)


def same(fn: Callable[[Any], Any]) -> tuple[str, Any]:
    """``fn(datasets)`` and ``fn(polards)`` give the same outcome; returns it (for extra asserts)."""
    hf, pl = outcome(fn, datasets), outcome(fn, polards)
    assert pl == hf, f"polards {pl!r} != datasets {hf!r}"
    return pl


def features_json(ds: Any) -> Any:
    return ds.features.to_dict()
