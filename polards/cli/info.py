"""``polards info REPO [--config C]``: configs, splits, features and row counts, from metadata only."""

from __future__ import annotations

import argparse
from typing import Any

from polards.cli._common import add_repo_args, print_json, repo_kwargs


def register(sub: Any) -> None:
    p = sub.add_parser("info", help="configs, splits, features and row counts of a dataset (metadata only)")
    add_repo_args(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=run)


def _describe(repo: str, config: str | None, kw: dict[str, Any]) -> dict[str, Any]:
    import polards as pds

    configs = pds.get_dataset_config_names(repo, **kw)
    if config is not None and config not in configs:
        from polards.exceptions import ConfigNotFoundError

        raise ConfigNotFoundError.from_names(repo, config, configs)
    infos = pds.get_dataset_infos(repo, **kw)
    out: dict[str, Any] = {"repo": repo, "configs": {}}
    for name in [config] if config else configs:
        info = infos.get(name)
        entry: dict[str, Any] = {"splits": {}, "features": {}}
        if info is not None and info.splits:
            for split_name, split in info.splits.items():
                entry["splits"][split_name] = {"num_rows": split.num_examples, "num_bytes": split.num_bytes}
        else:
            for split_name in pds.get_dataset_split_names(repo, name, **kw):
                entry["splits"][split_name] = {"num_rows": None, "num_bytes": None}
        if info is not None and info.features:
            entry["features"] = {k: repr(v) for k, v in info.features.items()}
        out["configs"][name] = entry
    return out


def run(args: argparse.Namespace) -> int:
    desc = _describe(args.repo, args.config, repo_kwargs(args))
    if args.json:
        print_json(desc)
        return 0
    print(f"{desc['repo']}: {len(desc['configs'])} config(s)")
    for name, entry in desc["configs"].items():
        print(f"\nconfig {name}")
        for split, meta in entry["splits"].items():
            rows = "?" if meta["num_rows"] is None else f"{meta['num_rows']:,}"
            print(f"  split {split:<14} {rows:>12} rows")
        if entry["features"]:
            print("  features:")
            for col, feat in entry["features"].items():
                print(f"    {col}: {feat}")
    return 0
