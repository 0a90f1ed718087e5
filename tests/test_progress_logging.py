"""The progress-bar switches and the logging API behave like ``datasets``'."""

from __future__ import annotations

import io
import logging

import pytest

import polards
from polards import progress


@pytest.fixture(autouse=True)
def _restore(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("HF_DATASETS_DISABLE_PROGRESS_BARS", raising=False)
    yield
    progress.enable_progress_bars()
    polards.logging.set_verbosity_warning()


def _render(**kwargs) -> str:
    out = io.StringIO()
    bar = progress.progress_bar(total=4, desc="Map", file=out, **kwargs)
    bar.update(4)
    bar.close()
    return out.getvalue()


def test_bars_show_by_default_with_a_rate() -> None:
    text = _render()
    assert "Map: 100%" in text and "4/4" in text and "examples/s" in text


def test_disable_and_enable_switches() -> None:
    polards.disable_progress_bars()
    assert polards.are_progress_bars_disabled() and not polards.is_progress_bar_enabled()
    assert _render() == ""
    polards.enable_progress_bars()
    assert "Map: 100%" in _render()


def test_environment_variable_has_priority(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    assert _render() == ""
    with pytest.warns(UserWarning, match="has priority"):
        polards.enable_progress_bars()
    assert progress.are_progress_bars_disabled()
    monkeypatch.setenv("HF_DATASETS_DISABLE_PROGRESS_BARS", "0")
    with pytest.warns(UserWarning, match="has priority"):
        polards.disable_progress_bars()
    assert "Map: 100%" in _render()


def test_logging_verbosity_api() -> None:
    log = polards.logging
    assert log.get_verbosity() == log.WARNING
    log.set_verbosity_info()
    assert log.get_verbosity() == logging.INFO
    log.set_verbosity_error()
    assert log.get_logger().getEffectiveLevel() == logging.ERROR
    assert log.get_logger("polards.dataset").getEffectiveLevel() == logging.ERROR
    log.enable_propagation()
    assert log.get_logger().propagate
    log.disable_propagation()
    assert not log.get_logger().propagate


def test_map_and_filter_show_their_bars(capfd: pytest.CaptureFixture[str], monkeypatch) -> None:
    from polards.core import udf

    monkeypatch.setattr(udf, "PROGRESS_DELAY_S", 0.0)
    ds = polards.Dataset.from_dict({"x": list(range(50))})
    ds.map(lambda r: {"y": r["x"] + 1}).to_list()
    ds.filter(lambda b: [v % 2 == 0 for v in b["x"]], batched=True, desc="Keeping evens").to_list()
    err = capfd.readouterr().err
    assert "Map: 50 examples" in err and "examples/s" in err
    assert "Keeping evens: 50 examples" in err
    polards.disable_progress_bars()
    ds.map(lambda r: {"z": r["x"]}).to_list()
    assert "Map" not in capfd.readouterr().err
