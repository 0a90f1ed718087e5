"""The layering promise (core never imports Hub/eval/sandbox code) and runnable docstring examples."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys

import pytest

CORE_MODULES = [
    "polards",
    "polards.exceptions",
    "polards.core.live_streams",
    "polards.core.batching",
    "polards.features.types",
    "polards.features.features",
    "polards.dataset.dataset",
    "polards.dataset.iterable",
    "polards.dataset.dataset_dict",
    "polards.dataset.combine",
    "polards.io.read",
]


def test_core_does_not_import_hub_eval_sandbox_or_ray() -> None:
    code = (
        "import sys, polars as pl, polards as pds\n"
        "ds = pds.Dataset.from_dict({'a': [1, 2, 3]}).shuffle(seed=0).map(lambda r: {'b': r['a']})\n"
        "ds.to_list(); list(ds.to_iterable_dataset(2)); pds.concatenate_datasets([ds, ds]).explain()\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('huggingface_hub', 'fsspec', 'ray', 'sympy', 'datasets')\n"
        "       or m.startswith(('polards.hub', 'polards.eval', 'polards.sandbox', 'polards.loading'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("name", CORE_MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
