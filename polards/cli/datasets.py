"""``polards datasets [--domain D] [--task T]``: the catalog of named post-training datasets."""

from __future__ import annotations

import argparse
from typing import Any

from polards.cli._common import print_json, print_table


def register(sub: Any) -> None:
    p = sub.add_parser("datasets", help="list the catalog of named datasets")
    p.add_argument("--domain", help="math, code, chat, preference, rubric, vision or knowledge")
    p.add_argument("--task", help="filter by task")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import polars as pl

    from polards.catalog import list_datasets

    rows = list_datasets(domain=args.domain, task=args.task)
    if args.json:
        print_json(rows)
        return 0
    table = pl.DataFrame(
        {
            "name": [r["name"] for r in rows],
            "repo_id": [r["repo_id"] for r in rows],
            "domain": [r["domain"] for r in rows],
            "task": [r["task"] for r in rows],
            "configs": [", ".join(r.get("configs") or []) for r in rows],
            "splits": [", ".join(r.get("splits") or []) for r in rows],
            "rows≈": [r.get("approx_rows") for r in rows],
            "licence": [r.get("licence") for r in rows],
        },
        schema_overrides={"rows≈": pl.Int64},
    )
    print_table(table, str_len=40)
    print(f"{table.height} dataset(s). Load one with polards.catalog.load(NAME).")
    return 0
