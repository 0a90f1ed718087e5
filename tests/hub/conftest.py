"""Fixtures: one emulator over the layout repos for the session, an isolated HF env (cache in tmp) per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from polards.testing.hub import HubEmulator
from polards.testing.pytest_plugin import apply_hf_env
from tests.hub import repos

FAST_RETRY = {
    "POLARDS_HUB_BACKOFF": "0.02",
    "POLARDS_HUB_MAX_BACKOFF": "0.5",
    "POLARDS_HUB_MAX_RETRIES": "4",
    "POLARDS_HUB_TIMEOUT": "2",
    "POLARDS_HUB_DEADLINE": "20",
}


@pytest.fixture(scope="session")
def layout_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return repos.build(tmp_path_factory.mktemp("layout_repos"))


@pytest.fixture(scope="session")
def layout_hub(layout_root: Path) -> Iterator[HubEmulator]:
    with HubEmulator(layout_root) as emulator:
        yield emulator


def make_env(emulator: HubEmulator, monkeypatch: pytest.MonkeyPatch, home: Path) -> SimpleNamespace:
    home.mkdir(parents=True, exist_ok=True)
    apply_hf_env(monkeypatch, emulator.endpoint, home)
    for key, value in FAST_RETRY.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("POLARDS_CACHE", str(home / "polards"))
    emulator.faults.clear()
    emulator.reset_requests()
    return SimpleNamespace(hub=emulator, home=home, cache_dir=home / "hub")


@pytest.fixture
def env(
    layout_hub: HubEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[SimpleNamespace]:
    """HF env over ``layout_hub`` with an empty cache and fast retries; faults and request log cleared."""
    yield make_env(layout_hub, monkeypatch, tmp_path / "hf_home")
    layout_hub.faults.clear()


def cache_files(cache_dir: Path) -> list[Path]:
    """Every regular file under the cache's repo folders (blobs, partial files), excluding locks."""
    return [p for p in cache_dir.rglob("*") if p.is_file() and ".locks" not in p.parts]


def assert_cache_clean(cache_dir: Path) -> None:
    """No partial file, and every blob matches the checksum it is named after."""
    from polards.hub.download import file_checksum

    for p in cache_files(cache_dir):
        assert not p.name.endswith((".incomplete", ".tmp")), f"partial file left: {p}"
        if p.parent.name == "blobs":
            assert file_checksum(p, p.name) == p.name, f"corrupt blob: {p}"
    for link in cache_dir.rglob("*"):
        if link.is_symlink():
            assert link.exists(), f"dangling snapshot link {link}"
