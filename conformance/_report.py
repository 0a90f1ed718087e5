"""pytest plugin for conformance runs: one JSON line per test (node id, outcome, exception type, message).

Loaded with ``-p conformance._report``; writes to the file named by ``POLARDS_CONFORMANCE_REPORT``.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

_OUT = os.environ.get("POLARDS_CONFORMANCE_REPORT")
_state: dict[str, dict[str, Any]] = {}


def key(item: Any) -> str:
    """The node id with parameter ids replaced by parameter indices: the same under ``datasets`` and polards.

    (A parameter's id can depend on its type, e.g. ``NamedSplit`` objects get ``split1`` under ``datasets`` and
    their text under polards, where ``NamedSplit`` is a ``str``.)
    """
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return item.nodeid
    base = item.nodeid.partition("[")[0]
    return base + "[" + "-".join(f"{k}={v}" for k, v in sorted(callspec.indices.items())) + "]"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Any:
    report = yield
    entry = _state.setdefault(item.nodeid, {"nodeid": item.nodeid, "key": key(item), "outcome": "passed"})
    if report.failed or report.skipped:
        if entry["outcome"] == "passed":
            entry["outcome"] = "skipped" if report.skipped else ("error" if call.when != "call" else "failed")
            if call.excinfo is not None and not report.skipped:
                entry["exc_type"] = call.excinfo.type.__name__
                entry["exc_module"] = getattr(call.excinfo.type, "__module__", "")
                entry["message"] = str(call.excinfo.value)[:2000]
                entry["when"] = call.when
    if call.when == "teardown":
        if _OUT:
            with open(_OUT, "a") as f:
                f.write(json.dumps(_state.pop(item.nodeid)) + "\n")
    return report


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Keep only the tests whose :func:`key` is listed (one a line) in ``POLARDS_CONFORMANCE_SELECT``."""
    select = os.environ.get("POLARDS_CONFORMANCE_SELECT")
    if not select:
        return
    wanted = set(open(select).read().splitlines())
    keep = [item for item in items if key(item) in wanted]
    config.hook.pytest_deselected(items=[item for item in items if key(item) not in wanted])
    items[:] = keep
