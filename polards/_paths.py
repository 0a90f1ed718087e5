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

import contextlib
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


def remove_dead_temps(paths: list[str]) -> None:
    """Remove the ``<name>.tmp-<pid>[-<suffix>]`` files or folders among ``paths`` whose writer process is gone
    (killed before it could clean up); temps of live processes, this one included, are left alone."""
    import shutil

    for tmp in paths:
        pid = tmp.rpartition(".tmp-")[2].partition("-")[0]
        if ".tmp-" not in tmp or not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            if os.path.isdir(tmp):
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.remove(tmp)
        except PermissionError:  # alive under another user
            pass
