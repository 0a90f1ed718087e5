"""Shared fixtures of the eval tests."""

from __future__ import annotations

import pytest

from polards.eval import SympyPool


@pytest.fixture(scope="session")
def grading_pool():
    """One sympy pool (2 workers, 1.5 GB address space each) for every grading test of the session."""
    p = SympyPool(workers=2, timeout=5.0)
    yield p
    p.close()
