"""The examples never rot: notebooks match their scripts and execute (nbclient) on the local Hub emulator."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCRIPTS = sorted(EXAMPLES.glob("[0-9][0-9]_*.py"))


def _builder():
    spec = importlib.util.spec_from_file_location("build_notebooks", EXAMPLES / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_there_are_four_examples() -> None:
    names = [p.stem for p in SCRIPTS]
    assert names == ["01_chaining", "02_streaming_1m", "03_preference_mapping", "04_evaluation_report"]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_notebook_matches_script(script: Path) -> None:
    notebook = script.with_suffix(".ipynb")
    assert notebook.exists(), f"{notebook.name} missing: run python examples/build_notebooks.py"
    assert json.loads(notebook.read_text()) == json.loads(_builder().render(script)), (
        f"{notebook.name} is out of date with {script.name}: run python examples/build_notebooks.py"
    )


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_notebook_executes(script: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat", reason="nbformat not installed (pip install nbformat)")
    nbclient = pytest.importorskip(
        "nbclient", reason="nbclient not installed (pip install nbclient ipykernel)"
    )
    pytest.importorskip("ipykernel", reason="ipykernel not installed (pip install ipykernel)")
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    monkeypatch.setenv("POLARDS_CACHE", str(tmp_path / "pcache"))
    notebook = nbformat.read(script.with_suffix(".ipynb"), as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    outputs = "".join(
        o.get("text", "") + json.dumps(o.get("data", {}))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for o in cell.outputs
    )
    assert not [
        o for cell in notebook.cells for o in cell.get("outputs", []) if o.get("output_type") == "error"
    ]
    assert "Traceback" not in outputs
    expected = {
        "01_chaining": "fold 4: train=160 validation=40",
        "02_streaming_1m": "rows kept out of 1,000,000",
        "03_preference_mapping": "DPO rows to hh_dpo.jsonl",
        "04_evaluation_report": "report: ",
    }[script.stem]
    assert expected in outputs


def test_plain_script_runs(tmp_path: Path) -> None:
    env = {**os.environ, "HF_HUB_DISABLE_PROGRESS_BARS": "1", "POLARDS_CACHE": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "01_chaining.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "fold 4: train=160 validation=40" in proc.stdout
