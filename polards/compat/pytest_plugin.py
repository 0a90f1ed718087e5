"""``pytest -p polards.compat.pytest_plugin``: ``import datasets`` gives polards in the tests of this run.

The layer is installed when pytest loads the plugin, before any conftest or test module is imported. With
``POLARDS_COMPAT_LENIENT=1`` names polards does not provide import as placeholders that raise when used
(see :func:`polards.compat.install`), so a test file importing internals at its top still loads; while
collecting, calling one gives a placeholder object (:func:`polards.compat.set_permissive`).
"""

from __future__ import annotations

import os
from typing import Any

from polards.compat import install, set_permissive

LENIENT = os.environ.get("POLARDS_COMPAT_LENIENT", "0") == "1"

install(lenient=LENIENT)
set_permissive(LENIENT)  # placeholders build during collection, raise inside tests


def pytest_collection_finish(session: Any) -> None:
    set_permissive(False)


def pytest_report_header(config: Any) -> str:
    mode = " (lenient)" if LENIENT else ""
    return f"polards.compat: `import datasets` gives polards{mode}"
