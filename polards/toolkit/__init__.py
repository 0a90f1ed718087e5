"""Research toolkit: sampling, the result store, exporters and reports, cache management.

Submodules are imported on first use so ``import polards.toolkit`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "sample": "polards.toolkit.sampling",
    "stratified_sample": "polards.toolkit.sampling",
    "per_class": "polards.toolkit.sampling",
    "k_fold": "polards.toolkit.sampling",
    "train_test_split": "polards.toolkit.sampling",
    "ResultStore": "polards.toolkit.results",
    "export": "polards.toolkit.export",
    "html_report": "polards.toolkit.report",
    "to_markdown": "polards.toolkit.export",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'polards.toolkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
