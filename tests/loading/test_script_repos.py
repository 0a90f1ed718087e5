"""A folder or Hub repo holding ``<name>.py`` is refused as ``datasets`` 5.2 refuses it (RuntimeError, its words)."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest

import polards as pds
from polards.exceptions import DatasetScriptError

MSG = "Dataset scripts are no longer supported, but found script_repo.py"


@pytest.fixture()
def script_folder(tmp_path: Path) -> Path:
    repo = tmp_path / "script_repo"
    repo.mkdir()
    (repo / "script_repo.py").write_text("import datasets\n")
    (repo / "test.jsonl").write_text(json.dumps({"a": 1}) + "\n")
    return repo


def test_local_script_folder_raises_datasets_error(script_folder: Path) -> None:
    with pytest.raises(RuntimeError, match=MSG):
        datasets.load_dataset(str(script_folder))
    with pytest.raises(DatasetScriptError, match=MSG) as err:
        pds.load_dataset(str(script_folder))
    assert isinstance(err.value, RuntimeError)
    assert str(err.value) == MSG
    # data_files do not get around it, in either library
    with pytest.raises(RuntimeError, match=MSG):
        datasets.load_dataset(str(script_folder), data_files="test.jsonl")
    with pytest.raises(DatasetScriptError, match=MSG):
        pds.load_dataset(str(script_folder), data_files="test.jsonl")


def test_the_json_builder_still_reads_the_files(script_folder: Path) -> None:
    files = str(script_folder / "test.jsonl")
    assert pds.load_dataset("json", data_files=files, split="train").to_list() == [{"a": 1}]


def test_hub_script_repo_raises_and_its_files_stay_downloadable(
    hub, hf_env, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from huggingface_hub import hf_hub_download

    monkeypatch.setattr(datasets.config, "HF_ENDPOINT", hf_env.hub.endpoint, raising=False)

    with pytest.raises(DatasetScriptError, match="found code_generation_lite.py"):
        pds.load_dataset("livecodebench/code_generation_lite", split="test")
    with pytest.raises(RuntimeError, match="found code_generation_lite.py"):
        datasets.load_dataset("livecodebench/code_generation_lite", split="test", cache_dir=str(tmp_path))
    path = hf_hub_download("livecodebench/code_generation_lite", "test6.jsonl", repo_type="dataset")
    assert len(pds.Dataset.from_json(path)) == len(datasets.Dataset.from_json(path))
