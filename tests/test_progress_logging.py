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
