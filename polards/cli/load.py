"""``polards load REPO [--config C] [--split S] --to out.parquet|jsonl|csv``: streamed export with a progress bar.

Rows are streamed from the Hub (``streaming=True``) batch by batch into a temporary file that is renamed into
place at the end, so memory stays bounded and an interrupted export leaves no partial file. Without ``--split``
every split is exported; ``--to`` must then contain ``{split}``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from polards.cli._common import add_repo_args, load_split, repo_kwargs, split_list


def register(sub: Any) -> None:
    p = sub.add_parser("load", help="stream a dataset split to a parquet / jsonl / csv file")
    add_repo_args(p, split=True)
    p.add_argument(
        "--to",
        required=True,
        metavar="PATH",
        help="output file; the suffix picks the format ({split} is replaced)",
    )
    p.add_argument(
        "--format", choices=["parquet", "jsonl", "csv"], help="output format (default: from --to's suffix)"
    )
    p.add_argument("--columns", help="comma-separated columns to keep (only these are read)")
    p.add_argument("--limit", type=int, help="stop after this many rows")
    p.add_argument("--batch-size", type=int, default=10_000, help="rows per batch (default 10000)")
    p.add_argument(
        "--no-streaming", action="store_true", help="download the shards to the cache first, then export"
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _expected_rows(repo: str, config: str | None, split: str, kw: dict[str, Any]) -> int | None:
    import polards as pds

    try:
        infos = pds.get_dataset_infos(repo, **kw)
        info = infos.get(config) if config else next(iter(infos.values()), None)
        return int(info.splits[split].num_examples) if info and info.splits and split in info.splits else None
    except Exception:  # noqa: BLE001 - the total is only for the progress bar
        return None


def run(args: argparse.Namespace) -> int:
    import polards as pds
    from polards.exceptions import InvalidArgumentError
    from polards.toolkit.export import export, infer_format

    kw = repo_kwargs(args)
    infer_format(args.to.replace("{split}", "x"), args.format)  # fail fast on a bad suffix
    splits = [args.split] if args.split else pds.get_dataset_split_names(args.repo, args.config, **kw)
    if len(splits) > 1 and "{split}" not in args.to:
        raise InvalidArgumentError(
            f"{args.repo} has splits {splits}; pass --split, or put '{{split}}' in --to to write one file per split."
        )
    columns = split_list(args.columns)
    for split in splits:
        ds = load_split(args.repo, args.config, split, streaming=not args.no_streaming, columns=columns, **kw)
        if args.limit is not None:
            ds = ds.take(args.limit)
        total = len(ds) if not hasattr(ds, "n_shards") else _expected_rows(args.repo, args.config, split, kw)
        if total is not None and "[" in split and hasattr(ds, "n_shards"):
            total = None  # a sliced stream: the split's row count is not the slice's
        if args.limit is not None:
            total = min(total, args.limit) if total is not None else args.limit
        target = Path(args.to.replace("{split}", split.replace("/", "_")))
        path = export(
            ds,
            target,
            args.format,
            batch_size=args.batch_size,
            progress=not args.quiet,
            total=total,
            desc=f"{args.repo} {split}",
        )
        print(f"wrote {path}", file=sys.stderr if not args.quiet else sys.stdout)
    return 0
