"""Readers for the real data files in /work/shared/realdata used by the mapper tests."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path
from typing import Any

REALDATA = Path("/work/shared/realdata")


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_mmlu_csv(path: str | Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def require(path: str | Path) -> Path:
    """``path`` if it exists, else skip the calling test (the shared real data is not on every machine)."""
    import pytest

    p = Path(path)
    if not p.exists():
        pytest.skip(f"real data file {p} is not available")
    return p
