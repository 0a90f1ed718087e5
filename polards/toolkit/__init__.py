"""Research toolkit: sampling, the result store, exporters and reports, cache management.

Submodules (imported on first use, so ``import polards.toolkit`` stays cheap):

- :mod:`polards.toolkit.sampling`: ``sample``, ``stratified_sample``, ``per_class``, ``k_fold``, ``train_test_split``
- :mod:`polards.toolkit.results`: ``ResultStore`` (parquet files + SQLite catalog), ``compare_items``
- :mod:`polards.toolkit.export`: ``export`` (CSV / JSONL / Parquet / Markdown, streamed and atomic), ``to_markdown``
- :mod:`polards.toolkit.report`: ``html_report`` / ``write_html_report`` / ``run_report`` (self-contained HTML)
- :mod:`polards.toolkit.cache`: ``ls``, ``du``, ``prune``, ``remove``, ``clear`` over polards' caches

>>> from polards.toolkit import ResultStore, stratified_sample
>>> ResultStore.__name__, stratified_sample.__name__
('ResultStore', 'stratified_sample')
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
    "compare_items": "polards.toolkit.results",
    "to_markdown": "polards.toolkit.export",
    "html_report": "polards.toolkit.report",
    "write_html_report": "polards.toolkit.report",
    "run_report": "polards.toolkit.report",
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
