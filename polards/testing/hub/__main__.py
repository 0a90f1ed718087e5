"""Serve fixture repos on loopback: ``python -m polards.testing.hub [--root DIR] [--port N] [--host H]``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from polards.testing.hub.server import LOOPBACK_HOSTS, HubEmulator, bundled_root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m polards.testing.hub", description="Serve dataset repos from folders as a local Hub."
    )
    parser.add_argument(
        "--root", action="append", help=f"repos folder (repeatable; default {bundled_root()})"
    )
    parser.add_argument("--port", type=int, default=0, help="TCP port (default: a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--lfs-redirect", action="store_true", help="302 LFS files to a /cdn/ URL on localhost"
    )
    parser.add_argument("--page-size", type=int, default=1000, help="tree listing page size")
    args = parser.parse_args(argv)
    if args.host not in LOOPBACK_HOSTS and not args.host.startswith("127."):
        parser.error(f"--host must be a loopback address, got {args.host!r}")
    hub = HubEmulator(
        args.root, args.port, host=args.host, lfs_redirect=args.lfs_redirect, page_size=args.page_size
    )
    hub.start()
    roots = ", ".join(str(r) for r in hub.roots)
    print(f"Hub emulator serving {roots} at {hub.endpoint}", flush=True)
    print(f"export HF_ENDPOINT={hub.endpoint}", flush=True)
    print(
        "export HF_HUB_DISABLE_XET=1  # uploads (push_to_hub) go through LFS, which the emulator speaks",
        flush=True,
    )
    for root in hub.roots:
        if not root.is_dir():
            print(f"warning: {root} does not exist (no repos served from it)", file=sys.stderr, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        hub.stop()
        print("Hub emulator stopped.", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
