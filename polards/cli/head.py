"""``polards head REPO --split S -n 5``: the first rows as a table, streamed (nothing else is read)."""

from __future__ import annotations

import argparse
from typing import Any

from polards.cli._common import add_repo_args, load_split, print_json, print_table, repo_kwargs, split_list


def register(sub: Any) -> None:
    p = sub.add_parser("head", help="print the first rows of a split (streamed)")
    add_repo_args(p, split=True)
    p.add_argument("-n", "--rows", type=int, default=5, help="number of rows (default 5)")
    p.add_argument("--columns", help="comma-separated columns to show")
    p.add_argument("--width", type=int, default=60, help="max characters per text cell (default 60)")
    p.add_argument("--json", action="store_true", help="print rows as JSON")
    p.set_defaults(func=run)


def first_split(repo: str, config: str | None, kw: dict[str, Any]) -> str:
    import polards as pds

    splits = pds.get_dataset_split_names(repo, config, **kw)
    return "train" if "train" in splits else splits[0]


def run(args: argparse.Namespace) -> int:
    from polards.exceptions import InvalidArgumentError

    if args.rows < 0:
        raise InvalidArgumentError(f"-n must be >= 0, got {args.rows}.")
    kw = repo_kwargs(args)
    split = args.split or first_split(args.repo, args.config, kw)
    ds = load_split(args.repo, args.config, split, streaming=True, **kw)
    columns = split_list(args.columns)
    if columns:
        ds = ds.select_columns(columns)
    df = ds.take(args.rows).to_polars()
    if args.json:
        print_json(df.to_dicts())
    else:
        print(f"{args.repo} [{args.config or 'default'}] {split}: first {df.height} row(s)")
        print_table(df, str_len=args.width)
    return 0
