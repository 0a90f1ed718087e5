"""Fixtures for the Hub emulator tests: small repos built in a temp folder, one emulator per session."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from polards.testing.hub import HubEmulator, write_repo
from polards.testing.pytest_plugin import _hub_isolation, apply_hf_env, hf_env, hub, hub_factory  # noqa: F401

TRAIN = pl.DataFrame({"id": list(range(300)), "question": [f"q{i}" for i in range(300)]})
TEST = pl.DataFrame({"id": list(range(40)), "question": [f"t{i}" for i in range(40)]})

CARD = {
    "license": "mit",
    "configs": [
        {
            "config_name": "default",
            "data_files": [
                {"split": "train", "path": "data/train-*.parquet"},
                {"split": "test", "path": "data/test-*.parquet"},
            ],
        }
    ],
}


def build_root(root: Path) -> Path:
    """acme/qa (configs + refs/convert/parquet + a dev branch), acme/many, acme/gated, acme/private."""
    write_repo(
        root,
        "acme/qa",
        {
            "data/train-00000-of-00002.parquet": TRAIN.slice(0, 150),
            "data/train-00001-of-00002.parquet": TRAIN.slice(150),
            "data/test-00000-of-00001.parquet": TEST,
            "notes/a b.txt": "spaces in the name\n",
        },
        card=CARD,
        readme_body="# QA\n",
        revisions={
            "refs/convert/parquet": {
                "default/train/0000.parquet": TRAIN,
                "default/test/0000.parquet": TEST,
            },
            "dev": {"README.md": "dev branch\n", "data/train.jsonl": TRAIN.head(3)},
        },
    )
    write_repo(root, "acme/many", {f"f{i}.txt": f"file {i}\n" for i in range(5)})
    write_repo(
        root, "acme/gated", {"data.csv": TRAIN.head(5)}, card={"license": "mit"}, settings={"gated": "auto"}
    )
    write_repo(
        root,
        "acme/private",
        {"data.csv": TRAIN.head(5)},
        settings={"private": True, "tokens": ["hf_private_token"]},
    )
    return root


@pytest.fixture(scope="session")
def repos_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_root(tmp_path_factory.mktemp("hub_repos"))


@pytest.fixture(scope="session")
def _emu_session(repos_root: Path):
    with HubEmulator(repos_root, page_size=1000) as emulator:
        yield emulator


@pytest.fixture
def emu(_emu_session: HubEmulator) -> HubEmulator:
    """The session emulator over ``repos_root`` with an empty request log and no faults."""
    _emu_session.faults.clear()
    _emu_session.reset_requests()
    return _emu_session


@pytest.fixture
def env(emu: HubEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict:
    """huggingface_hub isolated in tmp_path and pointed at ``emu``."""
    home = tmp_path / "hf_home"
    home.mkdir()
    return apply_hf_env(monkeypatch, emu.endpoint, home)
