"""``polards hub serve [--root DIR] [--port N]``: the local Hub emulator (see :mod:`polards.testing.hub`)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("hub", help="local Hub emulator")
    hub_sub = p.add_subparsers(dest="hub_command", metavar="ACTION")
    serve = hub_sub.add_parser("serve", help="serve dataset repos from folders on 127.0.0.1 (Ctrl-C to stop)")
    serve.add_argument(
        "--root", action="append", help="repos folder (repeatable; default: the bundled fixture repos)"
    )
    serve.add_argument("--port", type=int, default=0, help="TCP port (default: a free one)")
    serve.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    serve.add_argument("--lfs-redirect", action="store_true", help="302 LFS files to a /cdn/ URL")
    serve.set_defaults(func=run_serve)
    p.set_defaults(func=lambda args: p.print_help() or 2)


def run_serve(args: argparse.Namespace) -> int:
    from polards.testing.hub.__main__ import main as serve_main

    argv = ["--port", str(args.port), "--host", args.host]
    for root in args.root or []:
        argv += ["--root", root]
    if args.lfs_redirect:
        argv.append("--lfs-redirect")
    return int(serve_main(argv) or 0)
