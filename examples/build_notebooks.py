"""Build the example notebooks (``*.ipynb``) from the plain scripts (``*.py``, percent cell format).

The scripts are the source of truth: edit ``NN_name.py`` and run ``python examples/build_notebooks.py``.
``# %%`` starts a code cell, ``# %% [markdown]`` a Markdown cell (its lines lose their leading ``# ``).
The test suite checks that the notebooks match the scripts and executes them.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
_MARKER = re.compile(r"^# %%(?:\s*\[(markdown|md)\])?\s*$")


def cells_from_script(text: str) -> list[dict]:
    cells: list[dict] = []
    kind, lines = None, []

    def flush() -> None:
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        if kind is None or not lines:
            return
        if kind == "markdown":
            body = [re.sub(r"^# ?", "", line) for line in lines]
            cells.append({"cell_type": "markdown", "metadata": {}, "source": _source(body)})
        else:
            cells.append(
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "metadata": {},
                    "outputs": [],
                    "source": _source(lines),
                }
            )

    for line in text.splitlines():
        match = _MARKER.match(line)
        if match:
            flush()
            kind, lines = ("markdown" if match.group(1) else "code"), []
        else:
            lines.append(line)
    flush()
    return cells


def _source(lines: list[str]) -> list[str]:
    return [line + "\n" for line in lines[:-1]] + lines[-1:]


def notebook_from_script(path: Path) -> dict:
    cells = cells_from_script(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(cells):
        cell["id"] = f"{path.stem[:2]}-{i:02d}"  # stable ids keep rebuilt notebooks diff-free
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def scripts() -> list[Path]:
    return sorted(p for p in HERE.glob("[0-9][0-9]_*.py"))


def render(path: Path) -> str:
    return json.dumps(notebook_from_script(path), indent=1, ensure_ascii=False) + "\n"


def main() -> int:
    for script in scripts():
        target = script.with_suffix(".ipynb")
        target.write_text(render(script), encoding="utf-8")
        print(f"wrote {target.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
