"""Fixtures for the catalog's end-to-end tests: the Hub emulator over the bundled fixture repos.

``hub``/``hf_env`` come from ``polards.testing.pytest_plugin`` (enabled in tests/conftest.py).
"""

from __future__ import annotations

from typing import Any

import pytest


def rows_of(ds: Any) -> list[dict[str, Any]]:
    """All rows of a Dataset (``to_list``) or an IterableDataset (iteration)."""
    from polards import Dataset

    return ds.to_list() if isinstance(ds, Dataset) else [dict(r) for r in ds]


def raw(repo: str, config: str | None = None, split: str | None = None, **kw: Any) -> Any:
    """The unmapped dataset, through ``polards.load_dataset``."""
    from polards import load_dataset

    return load_dataset(repo, config, split=split, **kw)


@pytest.fixture
def env(hf_env):
    """``hf_env``, skipping when the loading layer or the fixture repos are not there yet."""
    pytest.importorskip("polards.loading", reason="polards.loading (load_dataset) is not available yet")
    from polards.testing.hub import bundled_root

    if not (bundled_root() / "openai" / "gsm8k").exists():
        pytest.skip("fixture repos not built (python -m polards.testing.fixtures.build)")
    return hf_env
