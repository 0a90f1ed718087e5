"""README's two commands stay true: CI runs exactly the test command README gives."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", readme, re.S)
    assert block, "README.md starts without a bash block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_starts_with_a_demo_and_a_test_command() -> None:
    demo, tests = _commands()[:2]
    assert demo.startswith("python3 -m venv .venv") and demo.endswith("polards demo")
    assert "pytest" in tests


def test_ci_runs_exactly_readmes_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert _commands()[1] in ci
