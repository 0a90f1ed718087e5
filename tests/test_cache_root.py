"""Everything polards writes lives under one root that follows HF_DATASETS_CACHE / HF_HOME like datasets."""

from __future__ import annotations

from pathlib import Path

import pytest

import polards as pds
from polards._paths import cache_root


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"POLARDS_CACHE": "/p"}, "/p"),
        ({"HF_DATASETS_CACHE": "/d"}, "/d/polards"),
        ({"HF_HOME": "/h"}, "/h/datasets/polards"),
        ({"XDG_CACHE_HOME": "/x"}, "/x/huggingface/datasets/polards"),
    ],
)
def test_cache_root_follows_the_environment(monkeypatch: pytest.MonkeyPatch, env, expected) -> None:
    for name in ("POLARDS_CACHE", "HF_DATASETS_CACHE", "HF_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert str(cache_root()) == expected


def test_cache_files_land_under_a_custom_hf_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("POLARDS_CACHE", "HF_DATASETS_CACHE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    ds = pds.Dataset.from_dict({"a": [1, 2, 3]}).map(lambda r: {"b": r["a"] * 2}).cache()
    assert ds["b"] == [2, 4, 6]
    written = [p for p in (tmp_path / "hf").rglob("*") if p.is_file()]
    assert written and all(str(p).startswith(str(tmp_path / "hf" / "datasets" / "polards")) for p in written)
