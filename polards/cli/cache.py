"""``polards cache ls|du|prune|rm|clear``: the Hub cache entries polards created and its own caches."""

from __future__ import annotations

import argparse
from typing import Any

from polards.cli._common import print_json, print_table


def register(sub: Any) -> None:
    p = sub.add_parser("cache", help="list, size, prune and remove cached datasets")
    cs = p.add_subparsers(dest="cache_command", metavar="ACTION")
    ls = cs.add_parser("ls", help="list cache entries with sizes")
    ls.add_argument("--all", action="store_true", help="include Hub cache repos polards did not create")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=run_ls)
    du = cs.add_parser("du", help="disk usage totals")
    du.add_argument("--all", action="store_true", help="include Hub cache repos polards did not create")
    du.add_argument("--json", action="store_true")
    du.set_defaults(func=run_du)
    pr = cs.add_parser("prune", help="remove entries not used for a while")
    pr.add_argument("--older-than", required=True, metavar="AGE", help="e.g. 30d, 12h, 2w")
    pr.add_argument("--dry-run", action="store_true", help="only say what would be removed")
    pr.set_defaults(func=run_prune)
    rm = cs.add_parser("rm", help="remove one dataset repo from the Hub cache")
    rm.add_argument("repo", metavar="REPO")
    rm.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for another process's lock")
    rm.set_defaults(func=run_rm)
    cl = cs.add_parser("clear", help="remove every polards cache entry")
    cl.add_argument("--yes", "-y", action="store_true", help="do it (required)")
    cl.add_argument("--dry-run", action="store_true")
    cl.set_defaults(func=run_clear)
    p.set_defaults(func=lambda args: p.print_help() or 2)


def run_ls(args: argparse.Namespace) -> int:
    import polars as pl

    from polards.toolkit import cache

    table = cache.ls(include_foreign=args.all)
    if args.json:
        print_json(table.with_columns(pl.col(pl.Datetime).dt.to_string("%Y-%m-%dT%H:%M:%S%z")).to_dicts())
        return 0
    shown = table.select(
        "kind",
        "name",
        pl.col("revisions").list.join(","),
        "nb_files",
        "size",
        pl.col("last_accessed").dt.to_string("%Y-%m-%d %H:%M"),
        "path",
    )
    print_table(shown, str_len=80)
    total = cache.format_size(int(table["size_bytes"].sum()))
    print(
        f"{table.height} entr{'y' if table.height == 1 else 'ies'}, {total}  (hub cache: {cache.hub_cache_dir()})"
    )
    return 0


def run_du(args: argparse.Namespace) -> int:
    from polards.toolkit import cache

    sizes = cache.du(include_foreign=args.all)
    if args.json:
        print_json(sizes)
        return 0
    for key in ("hub", "polards", "total"):
        print(f"{key:<8} {cache.format_size(sizes[key]):>10}")
    return 0


def _report(done: list[Any], verb: str) -> None:
    from polards.toolkit import cache

    for e in done:
        print(f"{verb} {e.kind} {e.name} ({cache.format_size(e.size_bytes)})")
    freed = sum(e.size_bytes for e in done)
    print(f"{len(done)} entr{'y' if len(done) == 1 else 'ies'}, {cache.format_size(freed)}")


def run_prune(args: argparse.Namespace) -> int:
    from polards.toolkit import cache

    done = cache.prune(args.older_than, dry_run=args.dry_run)
    _report(done, "would remove" if args.dry_run else "removed")
    return 0


def run_rm(args: argparse.Namespace) -> int:
    from polards.toolkit import cache

    entry = cache.remove(args.repo, timeout=args.timeout)
    print(f"removed {entry.name} ({cache.format_size(entry.size_bytes)}) from {cache.hub_cache_dir()}")
    return 0


def run_clear(args: argparse.Namespace) -> int:
    from polards.exceptions import InvalidArgumentError
    from polards.toolkit import cache

    if not (args.yes or args.dry_run):
        raise InvalidArgumentError(
            "`polards cache clear` removes every polards cache entry; pass --yes to confirm."
        )
    done = cache.clear(dry_run=args.dry_run)
    _report(done, "would remove" if args.dry_run else "removed")
    return 0
