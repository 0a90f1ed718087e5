"""Where polards keeps its own files (converted JSON, materialised plans, cached map results).

One root for everything polards writes, following ``datasets``: ``$POLARDS_CACHE`` if set, else
``$HF_DATASETS_CACHE/polards``, else ``$HF_HOME/datasets/polards`` (``HF_HOME`` defaulting to
``$XDG_CACHE_HOME/huggingface``, i.e. ``~/.cache/huggingface``). Read from the environment at each call.

>>> import os
>>> os.environ["HF_DATASETS_CACHE"] = "/data/hf"; str(cache_root())
'/data/hf/polards'
>>> del os.environ["HF_DATASETS_CACHE"]
"""

from __future__ import annotations

import os
from pathlib import Path


def hf_home() -> Path:
    """``$HF_HOME``, else ``$XDG_CACHE_HOME/huggingface``, else ``~/.cache/huggingface``."""
    home = os.environ.get("HF_HOME")
    if home:
        return Path(home).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")) / "huggingface"


def datasets_cache() -> Path:
    """``$HF_DATASETS_CACHE``, else ``$HF_HOME/datasets`` (where ``datasets`` keeps its cache files)."""
    env = os.environ.get("HF_DATASETS_CACHE")
    return Path(env).expanduser() if env else hf_home() / "datasets"


def cache_root() -> Path:
    """``$POLARDS_CACHE``, else ``<datasets cache>/polards``."""
    base = os.environ.get("POLARDS_CACHE")
    return Path(base).expanduser() if base else datasets_cache() / "polards"
