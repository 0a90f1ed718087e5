"""Entry point of the ``polards`` console script.

Each subcommand lives in its own module exposing ``register(subparsers)``, which adds a parser whose default
``func`` runs the command and returns an exit code. Errors print one line on stderr
(``polards: error: ...``) and exit non-zero; set ``POLARDS_DEBUG=1`` (or pass ``--debug``) for the traceback.

>>> main(["--version"])  # doctest: +ELLIPSIS
polards ...
0
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from polards import __version__

__all__ = ["build_parser", "main"]

COMMANDS = ("info", "head", "load", "datasets", "eval", "results", "cache", "demo", "hub")

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse prints usage first by default)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="polards",
        description="Hugging Face datasets on lazy Polars plans: inspect, load, export, evaluate, manage caches.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"polards.cli.{name}").register(sub)
    return parser


def one_line(exc: BaseException) -> str:
    """An exception as one line: its message with newlines folded, prefixed by its type when unclear.

    >>> one_line(FileNotFoundError(2, "No such file or directory", "x.parquet"))
    "No such file or directory: 'x.parquet'"
    >>> one_line(ValueError("bad value\\nHint: try 1"))
    'ValueError: bad value Hint: try 1'
    """
    if isinstance(exc, OSError) and exc.strerror and exc.filename:
        text = f"{exc.strerror}: {exc.filename!r}"
    elif isinstance(exc, KeyError) and exc.args:
        text = str(exc.args[0])
    else:
        text = str(exc)
    text = " ".join(part.strip() for part in text.splitlines() if part.strip())
    from polards.exceptions import PolardsError

    if not text:
        return type(exc).__name__
    if not isinstance(exc, (PolardsError, OSError)) and type(exc).__name__ not in text:
        return f"{type(exc).__name__}: {text}"
    return text


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (the console script exits with it)."""
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    debug = args.debug or os.environ.get("POLARDS_DEBUG", "") not in ("", "0")
    if args.version:
        print(f"polards {__version__}")
        return 0
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE if args.command is None else 0
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("polards: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `polards head ... | head -1`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - the CLI's contract: one clear line, never a traceback
        if debug:
            raise
        print(f"polards: error: {one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
