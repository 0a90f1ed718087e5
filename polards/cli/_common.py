"""Helpers shared by the subcommands: common arguments, table printing, JSON output."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl


def add_repo_args(parser: argparse.ArgumentParser, *, split: bool = False) -> None:
    """``REPO`` plus ``--config``, ``--revision``, ``--token`` (and ``--split`` when asked)."""
    parser.add_argument(
        "repo", metavar="REPO", help="dataset repo id on the Hub (owner/name) or a local folder"
    )
    parser.add_argument("--config", "-c", dest="config", help="config (subset) name")
    parser.add_argument("--revision", help="branch, tag or commit (default: main)")
    parser.add_argument(
        "--token", help="Hub token for gated or private repos (default: HF_TOKEN / saved login)"
    )
    if split:
        parser.add_argument("--split", "-s", help="split name, with optional slicing: 'train[:100]'")


def repo_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if args.revision:
        out["revision"] = args.revision
    if args.token:
        out["token"] = args.token
    return out


def split_list(value: str | None) -> list[str] | None:
    """``"a,b, c"`` -> ``["a", "b", "c"]``."""
    if value is None:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


def print_table(df: pl.DataFrame, *, max_rows: int | None = None, str_len: int = 60) -> None:
    """Print a DataFrame as a box table sized to the terminal."""
    import polars as pl

    width = shutil.get_terminal_size((120, 40)).columns
    rows = df.height if max_rows is None else max_rows
    # a cell is one line: newlines (hh-rlhf turns start with "\n\n") shown as the visible escape "\n"
    df = df.with_columns(pl.col(pl.String).str.replace_all("\n", "\\n", literal=True))
    with pl.Config(
        tbl_rows=rows,
        tbl_cols=-1,
        fmt_str_lengths=str_len,
        tbl_width_chars=width,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=False,
        fmt_table_cell_list_len=6,
    ):
        print(df)


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, default=str, ensure_ascii=False)
    sys.stdout.write("\n")


_SLICE = re.compile(r"^\s*([\w.-]+)\s*\[\s*(\d*)\s*:\s*(\d*)\s*\]\s*$")


def load_split(repo: str, config: str | None, split: str, *, streaming: bool, **kwargs: Any) -> Any:
    """``load_dataset`` for one split; with ``streaming``, a row slice ``"train[10:20]"`` becomes skip/take and
    any other slice (percentages, ``+``) falls back to map-style loading, which supports them."""
    import polards as pds

    if streaming and ("[" in split or "+" in split):
        match = _SLICE.match(split)
        if match is None:
            return pds.load_dataset(repo, config, split=split, **kwargs)
        name, start, stop = match.group(1), int(match.group(2) or 0), match.group(3)
        ds = pds.load_dataset(repo, config, split=name, streaming=True, **kwargs)
        if start:
            ds = ds.skip(start)
        return ds.take(max(0, int(stop) - start)) if stop else ds
    return pds.load_dataset(repo, config, split=split, streaming=streaming, **kwargs)
