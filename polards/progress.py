"""Progress bars: one ``tqdm`` for everything polards does, with ``datasets``' global switches.

``HF_DATASETS_DISABLE_PROGRESS_BARS`` (read on every bar, so it can be set after import) has priority over
:func:`disable_progress_bars` / :func:`enable_progress_bars`, as in ``datasets``. In a notebook the bar is the
widget bar only when ``ipywidgets`` is importable; otherwise the text bar (no "IProgress not found" warning and
no bar frozen at 0%).

>>> from polards.progress import disable_progress_bars, enable_progress_bars, are_progress_bars_disabled
>>> disable_progress_bars(); are_progress_bars_disabled()
True
>>> enable_progress_bars(); are_progress_bars_disabled()
False
"""

from __future__ import annotations

import importlib.util
import os
import sys
import warnings
from typing import Any

from tqdm import std as _std

_TRUE = {"1", "ON", "YES", "TRUE"}
_FALSE = {"0", "OFF", "NO", "FALSE"}
_disabled_by_call = False


def _env_setting() -> bool | None:
    value = os.environ.get("HF_DATASETS_DISABLE_PROGRESS_BARS")
    if value is None:
        return None
    value = value.upper()
    return True if value in _TRUE else False if value in _FALSE else None


def disable_progress_bars() -> None:
    """Turn every polards progress bar off (unless ``HF_DATASETS_DISABLE_PROGRESS_BARS=0`` says otherwise)."""
    global _disabled_by_call
    if _env_setting() is False:
        warnings.warn(
            "Cannot disable progress bars: environment variable `HF_DATASETS_DISABLE_PROGRESS_BARS=0` is set and "
            "has priority.",
            stacklevel=2,
        )
        return
    _disabled_by_call = True


def enable_progress_bars() -> None:
    """Turn polards' progress bars back on (unless ``HF_DATASETS_DISABLE_PROGRESS_BARS=1`` says otherwise)."""
    global _disabled_by_call
    if _env_setting() is True:
        warnings.warn(
            "Cannot enable progress bars: environment variable `HF_DATASETS_DISABLE_PROGRESS_BARS=1` is set and "
            "has priority.",
            stacklevel=2,
        )
        return
    _disabled_by_call = False


def are_progress_bars_disabled() -> bool:
    """Whether progress bars are off (the environment variable first, then the last switch call)."""
    env = _env_setting()
    return env if env is not None else _disabled_by_call


def is_progress_bar_enabled() -> bool:
    """The opposite of :func:`are_progress_bars_disabled` (``datasets``' older name)."""
    return not are_progress_bars_disabled()


enable_progress_bar = enable_progress_bars
disable_progress_bar = disable_progress_bars


def _base_class() -> type:
    """The notebook widget bar inside a kernel that has ipywidgets, else the text bar (decided at import)."""
    if "ipykernel" in sys.modules and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.auto import tqdm as auto

        return auto
    return _std.tqdm


class tqdm(_base_class()):  # type: ignore[misc]  # noqa: N801 - datasets' name
    """``tqdm`` that honours the global switches.

    >>> bar = tqdm(total=3, disable=True)
    >>> bar.update(3); bar.close()
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **_with_switch(kwargs))

    def __delattr__(self, attr: str) -> None:
        try:
            super().__delattr__(attr)
        except AttributeError:
            if attr != "_lock":
                raise


def _with_switch(kwargs: dict[str, Any]) -> dict[str, Any]:
    if are_progress_bars_disabled():
        return {**kwargs, "disable": True}
    return kwargs


def progress_bar(
    *, total: int | None, desc: str, unit: str = " examples", leave: bool = True, **kwargs: Any
) -> Any:
    """The bar polards shows on long work: ``Map: 100%|...| 1000/1000 [00:01, 912.3 examples/s]`` like ``datasets``."""
    return tqdm(total=total, desc=desc, unit=unit, leave=leave, dynamic_ncols=True, **kwargs)
