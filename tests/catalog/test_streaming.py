"""End-to-end: every catalog loader gives the same rows streamed and map-style."""

from __future__ import annotations

import pytest

from polards import Dataset, IterableDataset, catalog
from polards.testing.fixtures import GATED_TOKEN
from tests.catalog.conftest import rows_of

CASES = [
    ("gsm8k", None, "test"),
    ("math500", None, "test"),
    ("hendrycks_math", None, "test"),
    ("deepmath", None, "train"),
    ("polaris", None, "train"),
    ("deepcoder", None, "train"),
    ("deepcoder", "taco", "train"),
    ("humaneval", None, "test"),
    ("tulu3_sft", None, "train"),
    ("no_robots", None, "train"),
    ("openthoughts3", None, "train"),
    ("hh_rlhf", "harmless-base", "test"),
    ("helpsteer3", None, "validation"),
    ("helpsteer2", None, "train"),
    ("ultrafeedback", None, "train"),
    ("arena", None, "train"),
    ("tulu3_preference", None, "train"),
    ("prometheus_feedback", None, "train"),
    ("caltech101", None, "test"),
    ("oxford_flowers102", None, "validation"),
    ("oxford_iiit_pet", None, "test"),
    ("stanford_cars", None, "pixelate"),
    ("mmlu", "anatomy", "dev"),
    ("aime_2025", None, "train"),
    ("aime_2026", None, "train"),
    ("hmmt_feb_2025", None, "train"),
    ("hmmt_nov_2025", None, "train"),
    ("gpqa", None, "train"),
    ("mmlu_pro", None, "test"),
    ("mmlu_redux", None, "test"),
    ("mmlu_redux", "virology", "test"),
    ("supergpqa", None, "train"),
    ("ceval", None, "val"),
    ("ceval", "law", "dev"),
    ("mbpp", None, "test"),
    ("livecodebench", None, "test"),
]


def test_cases_cover_the_catalog():
    assert {c[0] for c in CASES} == {s.name for s in catalog.SPECS}


@pytest.mark.parametrize(("name", "config", "split"), CASES, ids=lambda v: str(v))
def test_streaming_equals_map_style(env, name, config, split):
    kw = {"token": GATED_TOKEN} if name == "gpqa" else {}
    mapped = catalog.load(name, config, split=split, streaming=False, **kw)
    streamed = catalog.load(name, config, split=split, streaming=True, **kw)
    assert isinstance(mapped, Dataset) and isinstance(streamed, IterableDataset)
    expected = mapped.to_list()
    assert len(expected) > 0
    assert rows_of(streamed) == expected
    if streamed.column_names is not None:
        assert streamed.column_names == mapped.column_names
