"""Where polards keeps its own files (converted JSON, materialised plans, cached map results)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """``$POLARDS_CACHE``, else ``$HF_HOME/polards`` (``HF_HOME`` defaulting to ``~/.cache/huggingface``)."""
    base = os.environ.get("POLARDS_CACHE")
    if not base:
        home = os.environ.get("HF_HOME") or os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "huggingface"
        )
        base = os.path.join(home, "polards")
    return Path(base)
