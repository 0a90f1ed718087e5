"""A type checker sees polards' public API with its real signatures (not ``Any``)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import polards

pytest.importorskip("mypy")

USER_SCRIPT = textwrap.dedent(
    """
    import polards as pds

    reveal_type(pds.load_dataset)
    reveal_type(pds.Dataset.from_dict)
    d = pds.Dataset.from_dict({"a": [1, 2]})
    reveal_type(d.shuffle(seed=0))
    reveal_type(pds.DatasetDict)
    reveal_type(pds.IterableDataset.map)
    d.shuffle(seed="zero")
    """
)


def test_mypy_sees_the_public_api(tmp_path: Path) -> None:
    script = tmp_path / "user.py"
    script.write_text(USER_SCRIPT)
    # The package's parent on MYPYPATH: what a checker sees through a static install (README's
    # `--config-settings editable_mode=compat`, or a wheel), whichever way this checkout was installed.
    package_parent = str(Path(polards.__file__).resolve().parent.parent)
    env = {"MYPYPATH": package_parent, "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--follow-imports=silent",
            "--no-error-summary",
            f"--cache-dir={tmp_path / '.mypy'}",
            str(script),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    ).stdout
    revealed = [
        line.split('Revealed type is "', 1)[1].rstrip('"')
        for line in out.splitlines()
        if "Revealed type" in line
    ]
    assert len(revealed) == 5, out
    load, from_dict, shuffled, dataset_dict, iter_map = revealed
    assert load.startswith("def (path: str"), load
    assert load.endswith(
        "-> polards.dataset.dataset_dict.DatasetDict | polards.dataset.dataset.Dataset | "
        "polards.dataset.dataset_dict.IterableDatasetDict | polards.dataset.iterable.IterableDataset"
    ), load
    assert from_dict.endswith("-> polards.dataset.dataset.Dataset"), from_dict
    assert shuffled == "polards.dataset.dataset.Dataset", shuffled
    assert "DatasetDict" in dataset_dict, dataset_dict
    assert "IterableDataset" in iter_map, iter_map
    # and a wrong argument type is caught, so the signatures are real, not Any
    assert 'Argument "seed"' in out and "incompatible type" in out, out
