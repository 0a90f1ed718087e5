"""pytest fixtures for code that talks to the Hugging Face Hub: a local Hub emulator and an isolated HF env.

Enable with ``pytest_plugins = ["polards.testing.pytest_plugin"]`` in a top-level ``conftest.py`` (or
``-p polards.testing.pytest_plugin``).

Fixtures
--------
hub
    Session-scoped :class:`~polards.testing.hub.HubEmulator` over the bundled fixture repos. Faults and the
    request log are cleared before each test that uses it.
hub_factory
    ``hub_factory(root, **kwargs) -> HubEmulator``: start an emulator over ``root``; stopped at teardown.
hf_env
    Environment pointing huggingface_hub at ``hub``: ``HF_ENDPOINT``, ``HF_HOME``/``HF_HUB_CACHE`` in
    ``tmp_path``, progress bars and telemetry off, no token; also patches the ``huggingface_hub.constants``
    read at import time. Returns the env dict (with the emulator under ``env.hub``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from polards.testing.hub import HubEmulator

_CLEARED = (
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "HF_HUB_OFFLINE",
    "HF_DATASETS_OFFLINE",
    "TRANSFORMERS_OFFLINE",
    "HF_HUB_ENABLE_HF_TRANSFER",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN",
)


class HfEnv(dict):
    """The env vars ``hf_env`` set, plus the emulator (``.hub``) and the cache folder (``.cache_dir``)."""

    hub: HubEmulator
    cache_dir: Path


@pytest.fixture(scope="session")
def hub() -> Iterator[HubEmulator]:
    """A Hub emulator serving the bundled fixture repos for the whole session."""
    emulator = HubEmulator()
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(autouse=True)
def _hub_isolation(request: pytest.FixtureRequest) -> None:
    """Give every test that uses the session ``hub`` an empty request log and no faults."""
    if "hub" in request.fixturenames:
        emulator = request.getfixturevalue("hub")
        emulator.faults.clear()
        emulator.reset_requests()


@pytest.fixture
def hub_factory() -> Iterator[Callable[..., HubEmulator]]:
    """Start emulators over given roots: ``hub_factory(tmp_path, lfs_redirect=True)``; stopped at teardown."""
    started: list[HubEmulator] = []

    def factory(root=None, **kwargs) -> HubEmulator:
        emulator = HubEmulator(root, **kwargs)
        emulator.start()
        started.append(emulator)
        return emulator

    try:
        yield factory
    finally:
        for emulator in started:
            emulator.stop()


def apply_hf_env(monkeypatch: pytest.MonkeyPatch, endpoint: str, home: Path) -> dict[str, str]:
    """Point huggingface_hub (env vars and its import-time constants) at ``endpoint`` with a cache in ``home``."""
    env = {
        "HF_ENDPOINT": endpoint,
        "HF_HOME": str(home),
        "HF_HUB_CACHE": str(home / "hub"),
        "HF_DATASETS_CACHE": str(home / "datasets"),
        "HF_XET_CACHE": str(home / "xet"),
        "HF_TOKEN_PATH": str(home / "token"),
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_XET": "1",  # the emulator speaks LFS, not Xet (see polards.testing.hub.upload)
    }
    for key in _CLEARED:
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    try:
        from huggingface_hub import constants
    except ImportError:  # pragma: no cover - huggingface_hub is a dependency
        return env
    patches = {
        "ENDPOINT": endpoint,
        "HUGGINGFACE_CO_URL_TEMPLATE": endpoint + "/{repo_id}/resolve/{revision}/{filename}",
        "HF_HOME": str(home),
        "HF_HUB_CACHE": str(home / "hub"),
        "HF_XET_CACHE": str(home / "xet"),
        "HF_TOKEN_PATH": str(home / "token"),
        "HF_STORED_TOKENS_PATH": str(home / "stored_tokens"),
        "HF_HUB_OFFLINE": False,
        "HF_HUB_DISABLE_TELEMETRY": True,
        "HF_HUB_DISABLE_PROGRESS_BARS": True,
        "HF_HUB_DISABLE_XET": True,
    }
    patches["HF_HUB_DISABLE_IMPLICIT_TOKEN"] = False  # so a test's own HF_TOKEN is sent
    for name, value in patches.items():
        if hasattr(constants, name):
            monkeypatch.setattr(constants, name, value)
    _clear_hf_fs_cache()
    return env


def _clear_hf_fs_cache() -> None:
    try:
        from huggingface_hub import HfFileSystem

        HfFileSystem.clear_instance_cache()
    except Exception:  # pragma: no cover - best effort
        pass


@pytest.fixture
def hf_env(hub: HubEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[HfEnv]:
    """Isolated huggingface_hub environment pointing at the session ``hub`` (see module docstring)."""
    home = tmp_path / "hf_home"
    home.mkdir()
    env = HfEnv(apply_hf_env(monkeypatch, hub.endpoint, home))
    env.hub = hub
    env.cache_dir = home / "hub"
    yield env
    _clear_hf_fs_cache()
