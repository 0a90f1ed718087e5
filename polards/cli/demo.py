"""``polards demo``: the README demo on the bundled local Hub emulator (no network)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser(
        "demo", help="load GSM8K from the bundled local Hub emulator: configs, streaming, lazy plan"
    )
    p.add_argument("--rows", type=int, default=3, help="rows to print at the end (default 3)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from polards.demo import main as demo_main

    return demo_main(rows=args.rows)
