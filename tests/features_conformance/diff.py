"""Running the same code through polards and the installed ``datasets`` 5.2 and comparing what comes out."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import datasets
import numpy as np
import pyarrow as pa

import polards as pds

datasets.disable_progress_bars()
datasets.disable_caching()
warnings.filterwarnings("ignore", category=DeprecationWarning)


def norm(value: Any) -> Any:
    """Plain python for comparing: numpy arrays as (dtype, nested lists), tuples as lists, NaN as a marker."""
    if isinstance(value, np.ndarray):
        return ("ndarray", str(value.dtype), value.shape, norm(value.tolist()))
    if isinstance(value, np.generic):
        return ("np", str(value.dtype), value.item())
    if isinstance(value, dict):
        return {k: norm(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [norm(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    return value


def error_class(e: BaseException) -> str:
    """The builtin class ``datasets`` users catch (a pyarrow ``ArrowInvalid`` counts as ``ValueError``)."""
    assert "polars" not in type(e).__module__, f"a raw Polars error escaped: {e!r}"
    for cls in (KeyError, TypeError, ValueError, RuntimeError):
        if isinstance(e, cls):
            return cls.__name__
    return type(e).__name__


def outcome(make: Callable[[Any], Any], lib: Any) -> tuple[str, Any]:
    """``("ok", rows/features/types)`` of ``make(lib)``'s dataset, or ``("raise", error class)``."""
    try:
        ds = make(lib)
        table = ds.data if lib is pds else ds.data.table
        return "ok", {
            "rows": norm(ds[:]),
            "list": norm(ds.to_list()),
            "features": ds.features.to_dict(),
            "arrow": [str(f.type) for f in table.schema],
        }
    except Exception as e:  # noqa: BLE001 - the class is what we compare
        return "raise", error_class(e)


def same(make: Callable[[Any], Any], arrow: bool = True) -> tuple[str, Any]:
    """Assert polards and ``datasets`` give the same outcome for ``make(lib)``; returns polards' outcome."""
    ours, theirs = outcome(make, pds), outcome(make, datasets)
    if not arrow and ours[0] == theirs[0] == "ok":
        ours[1].pop("arrow"), theirs[1].pop("arrow")
    assert ours == theirs
    return ours


def arrow_types(table: pa.Table) -> list[str]:
    return [str(f.type) for f in table.schema]
