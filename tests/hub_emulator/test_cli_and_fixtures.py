"""The CLI, the pytest plugin fixtures and repo edits seen live."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from polards.testing.hub import HubEmulator, bundled_root, write_repo


def test_cli_serves_and_prints_export_line(repos_root: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "polards.testing.hub", "--root", str(repos_root), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        export = proc.stdout.readline().strip()
        assert "serving" in first and export.startswith("export HF_ENDPOINT=http://127.0.0.1:")
        endpoint = export.split("=", 1)[1]
        with urllib.request.urlopen(endpoint + "/api/datasets/acme/qa", timeout=10) as resp:
            assert json.loads(resp.read())["id"] == "acme/qa"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.returncode == 0


def test_cli_refuses_non_loopback_host() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "polards.testing.hub", "--host", "0.0.0.0"], capture_output=True, text=True
    )
    assert out.returncode == 2 and "loopback" in out.stderr
    with pytest.raises(ValueError, match="loopback"):
        HubEmulator(host="0.0.0.0")


def test_hf_env_fixture_isolates_huggingface_hub(hf_env, hub: HubEmulator, tmp_path: Path) -> None:
    from huggingface_hub import constants

    assert os.environ["HF_ENDPOINT"] == hub.endpoint == constants.ENDPOINT
    assert "HF_TOKEN" not in os.environ
    assert os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] == "1"
    assert Path(constants.HF_HUB_CACHE).is_relative_to(tmp_path)
    assert hf_env.hub is hub and hub.roots == [bundled_root()]


def test_hub_fixture_gets_fresh_log_and_faults(hub: HubEmulator) -> None:
    assert hub.requests == [] and len(hub.faults) == 0
    hub.faults.add("*", status=500, times=None)  # cleared before the next test that uses `hub`


def test_hub_fixture_after_fault_test(hub: HubEmulator) -> None:
    assert len(hub.faults) == 0
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(hub.endpoint + "/api/datasets/nobody/nothing")
    assert err.value.code == 404


def test_hub_factory_and_live_repo_edits(hub_factory, tmp_path: Path) -> None:
    emu = hub_factory(tmp_path)
    url = emu.endpoint + "/api/datasets/me/live"
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(url)
    write_repo(tmp_path, "me/live", {"a.txt": "one"})
    sha1 = json.loads(urllib.request.urlopen(url).read())["sha"]
    write_repo(tmp_path, "me/live", {"b.txt": "two"})
    info = json.loads(urllib.request.urlopen(url).read())
    assert info["sha"] != sha1 and {s["rfilename"] for s in info["siblings"]} == {"a.txt", "b.txt"}
    assert urllib.request.urlopen(emu.resolve_url("me/live", "b.txt")).read() == b"two"


def test_multiple_roots_first_wins(tmp_path: Path) -> None:
    write_repo(tmp_path / "r1", "a/x", {"f.txt": "r1"})
    write_repo(tmp_path / "r2", "a/x", {"f.txt": "r2"})
    write_repo(tmp_path / "r2", "a/y", {"f.txt": "y"})
    with HubEmulator([tmp_path / "r1", tmp_path / "r2"]) as emu:
        assert urllib.request.urlopen(emu.resolve_url("a/x", "f.txt")).read() == b"r1"
        assert urllib.request.urlopen(emu.resolve_url("a/y", "f.txt")).read() == b"y"


def test_hidden_hub_folder_never_served(hub_factory, repos_root: Path) -> None:
    emu = hub_factory(repos_root)
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(emu.resolve_url("acme/gated", ".hub/settings.json"))
    assert err.value.code in (401, 404)
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(emu.resolve_url("acme/qa", ".hub/revisions/dev/README.md"))
    assert err.value.headers["X-Error-Code"] == "EntryNotFound"


def test_hf_env_sends_a_test_set_hf_token(hf_env, hub: HubEmulator, monkeypatch) -> None:
    from huggingface_hub import HfApi
    from huggingface_hub.errors import LocalTokenNotFoundError

    with pytest.raises(LocalTokenNotFoundError):  # no token anywhere (env, token file)
        HfApi(endpoint=hub.endpoint).whoami()
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(hub.endpoint + "/api/whoami-v2")
    assert err.value.code == 401
    monkeypatch.setenv("HF_TOKEN", hub.token)
    assert HfApi(endpoint=hub.endpoint).whoami()["name"] == "polards-test-user"
    assert hub.requests[-1].header("Authorization") == f"Bearer {hub.token}"
