"""``datasets``' logging API for polards: one library logger, ``DATASETS_VERBOSITY``, verbosity setters.

>>> from polards import logging as pl_logging
>>> pl_logging.set_verbosity_error(); pl_logging.get_verbosity() == pl_logging.ERROR
True
>>> pl_logging.set_verbosity_warning()
"""

from __future__ import annotations

import logging
import os
import threading
from logging import CRITICAL, DEBUG, ERROR, FATAL, INFO, NOTSET, WARN, WARNING  # noqa: F401

from polards.progress import (  # noqa: F401 - datasets.utils.logging exports these too
    disable_progress_bar,
    enable_progress_bar,
    is_progress_bar_enabled,
    tqdm,
)

log_levels = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}
_LIBRARY = "polards"
_lock = threading.Lock()
_configured = False


def _default_level() -> int:
    env = os.getenv("DATASETS_VERBOSITY")
    if env:
        if env in log_levels:
            return log_levels[env]
        logging.getLogger().warning(
            f"Unknown option DATASETS_VERBOSITY={env}, has to be one of: {', '.join(log_levels)}"
        )
    return logging.WARNING


def _root() -> logging.Logger:
    global _configured
    logger = logging.getLogger(_LIBRARY)
    with _lock:
        if not _configured:
            logger.setLevel(_default_level())
            logger.propagate = False
            if not logger.handlers:
                logger.addHandler(logging.StreamHandler())
            _configured = True
    return logger


def get_logger(name: str | None = None) -> logging.Logger:
    """The polards logger (or a child of it: pass ``__name__`` from inside polards)."""
    _root()
    return logging.getLogger(name or _LIBRARY)


def get_verbosity() -> int:
    """The polards logger's level (``logging.WARNING`` by default, or ``DATASETS_VERBOSITY``)."""
    return _root().getEffectiveLevel()


def set_verbosity(verbosity: int) -> None:
    """Set the polards logger's level (e.g. ``polards.logging.INFO``)."""
    _root().setLevel(verbosity)


def set_verbosity_info() -> None:
    """Show info messages and above."""
    set_verbosity(INFO)


def set_verbosity_warning() -> None:
    """Show warnings and above (the default)."""
    set_verbosity(WARNING)


def set_verbosity_debug() -> None:
    """Show everything."""
    set_verbosity(DEBUG)


def set_verbosity_error() -> None:
    """Show errors only."""
    set_verbosity(ERROR)


def disable_propagation() -> None:
    """Stop polards' records from reaching the root logger (the default)."""
    _root().propagate = False


def enable_propagation() -> None:
    """Let polards' records reach the root logger too."""
    _root().propagate = True
