"""``polards results ls|show|compare|report|export``: browse the local result store."""

from __future__ import annotations

import argparse
from typing import Any

from polards.cli._common import print_json, print_table


def add_store_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--store",
        metavar="DIR",
        help="results folder (default: $POLARDS_RESULTS or ~/.local/share/polards/results)",
    )


def register(sub: Any) -> None:
    p = sub.add_parser("results", help="list, show and compare stored evaluation runs")
    rs = p.add_subparsers(dest="results_command", metavar="ACTION")

    ls = rs.add_parser("ls", help="list runs (newest last)")
    add_store_arg(ls)
    ls.add_argument("--dataset", help="dataset repo id (SQL LIKE wildcards %% and _ allowed)")
    ls.add_argument("--model", help="model name (LIKE wildcards allowed)")
    ls.add_argument("--metric", help="only runs that recorded this metric")
    ls.add_argument("--since", help="ISO date/time lower bound")
    ls.add_argument("--until", help="ISO date/time upper bound")
    ls.add_argument("--all-metrics", action="store_true", help="also show detail metrics (names with a dot)")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=run_ls)

    show = rs.add_parser("show", help="one run: metadata, metrics and the first items")
    add_store_arg(show)
    show.add_argument("run", help="run id, unique prefix, 'latest' or 'latest~N'")
    show.add_argument("-n", "--items", type=int, default=5, help="items to print (default 5)")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=run_show)

    cmp = rs.add_parser("compare", help="compare two runs item by item (which items flipped)")
    add_store_arg(cmp)
    cmp.add_argument("run_a", help="baseline run")
    cmp.add_argument("run_b", help="new run")
    cmp.add_argument("--on", help="key column (default: id, else item position)")
    cmp.add_argument("--score", help="per-item score column (default: correct/score/... shared by both)")
    cmp.add_argument("-n", "--rows", type=int, default=10, help="flipped items to print (default 10)")
    cmp.add_argument("--report", metavar="HTML", help="also write an HTML report")
    cmp.add_argument("--json", action="store_true")
    cmp.set_defaults(func=run_compare)

    rep = rs.add_parser("report", help="write a self-contained HTML report of a run")
    add_store_arg(rep)
    rep.add_argument("run")
    rep.add_argument("--to", required=True, metavar="HTML")
    rep.add_argument("--compare-to", metavar="RUN", help="baseline run to compare against")
    rep.set_defaults(func=run_report)

    exp = rs.add_parser(
        "export", help="export a run's items (or the run list with RUN=all) to csv/jsonl/parquet/md"
    )
    add_store_arg(exp)
    exp.add_argument("run", help="run id, or 'all' for the run table")
    exp.add_argument("--to", required=True, metavar="PATH")
    exp.set_defaults(func=run_export)

    rm = rs.add_parser("rm", help="delete runs")
    add_store_arg(rm)
    rm.add_argument("runs", nargs="+", metavar="RUN")
    rm.add_argument("--yes", "-y", action="store_true", help="delete without asking")
    rm.set_defaults(func=run_rm)

    p.set_defaults(func=lambda args: p.print_help() or 2)


def run_rm(args: argparse.Namespace) -> int:
    store = _store(args)
    ids = [store.resolve(r) for r in args.runs]  # resolve all first: nothing is deleted if one id is wrong
    if not args.yes and not _confirm(f"delete {len(ids)} run(s): {', '.join(ids)}? [y/N] "):
        from polards.exceptions import InvalidArgumentError

        raise InvalidArgumentError(
            f"`polards results rm` deletes {', '.join(ids)} for good; answer y at the prompt or pass --yes."
        )
    for run_id in ids:
        store.delete(run_id)
        print(f"deleted {run_id}")
    removed = store.gc()
    if removed:
        print(f"removed {len(removed)} orphan file(s)")
    return 0


def _confirm(question: str) -> bool:
    """Ask on a terminal; without one (scripts, CI) the answer is no, so deleting needs ``--yes``."""
    import sys

    if not sys.stdin.isatty():
        return False
    return input(question).strip().lower() in {"y", "yes"}


def _store(args: argparse.Namespace) -> Any:
    from polards.toolkit.results import ResultStore

    return ResultStore(args.store)


def run_ls(args: argparse.Namespace) -> int:
    import polars as pl

    runs = _store(args).runs(
        dataset=args.dataset, model=args.model, metric=args.metric, since=args.since, until=args.until
    )
    if args.json:
        print_json(runs.with_columns(pl.col("created_at").dt.to_string("%Y-%m-%dT%H:%M:%S%.f%z")).to_dicts())
        return 0
    fixed = ["run_id", "created_at", "dataset", "config", "split", "model", "n"]
    metric_cols = [
        c
        for c in runs.columns
        if c not in (*fixed, "revision", "params") and (args.all_metrics or "." not in c)
    ]
    shown = runs.select(*fixed, *metric_cols).with_columns(
        pl.col("created_at").dt.to_string("%Y-%m-%d %H:%M")
    )
    shown = shown.select([c for c in shown.columns if c in fixed[:2] or shown[c].null_count() < shown.height])
    print_table(shown, str_len=32)
    print(f"{runs.height} run(s) in {_store(args).root}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    store = _store(args)
    record = store.run(args.run)
    items = store.items(record["run_id"])
    if args.json:
        print_json(record | {"items": items.head(args.items).to_dicts()})
        return 0
    for key in ("run_id", "created_at", "dataset", "config", "split", "revision", "model", "n"):
        if record.get(key) is not None:
            print(f"{key:>10}: {record[key]}")
    if record["params"]:
        print(f"{'params':>10}: {record['params']}")
    print("   metrics:")
    for name, value in record["metrics"].items():
        print(f"    {name:<28} {value:.6g}" if value is not None else f"    {name:<28} -")
    if items.height:
        print(f"items ({items.height} total):")
        print_table(items.head(args.items))
    return 0


def run_compare(args: argparse.Namespace) -> int:
    import polars as pl

    store = _store(args)
    a, b = store.resolve(args.run_a), store.resolve(args.run_b)
    table = store.compare(a, b, on=args.on, score=args.score)
    counts = dict(table.group_by("change").len().iter_rows())
    summary = {k: int(counts.get(k, 0)) for k in ("gained", "lost", "same", "only_a", "only_b")}
    if args.report:
        _write(args.report, store, b, compare_to=a)
    if args.json:
        print_json(
            {
                "a": a,
                "b": b,
                "summary": summary,
                "flipped": table.filter(pl.col("change").is_in(["gained", "lost"])).to_dicts(),
            }
        )
        return 0
    print(f"A = {a}\nB = {b}")
    print("  ".join(f"{k}: {v}" for k, v in summary.items()))
    flipped = table.filter(pl.col("change").is_in(["gained", "lost"]))
    if flipped.height:
        print_table(flipped.head(args.rows))
    if args.report:
        print(f"wrote {args.report}")
    return 0


def _write(path: str, store: Any, run: str, compare_to: str | None = None) -> None:
    import os
    from pathlib import Path

    from polards.toolkit.report import run_report as render

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(render(store, run, compare_to=compare_to), encoding="utf-8")
    os.replace(tmp, target)


def run_report(args: argparse.Namespace) -> int:
    _write(args.to, _store(args), args.run, compare_to=args.compare_to)
    print(f"wrote {args.to}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from polards.toolkit.export import export

    store = _store(args)
    data = store.runs() if args.run == "all" else store.items(args.run)
    print(f"wrote {export(data, args.to)}")
    return 0
