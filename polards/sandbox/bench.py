"""Throughput of the sandbox on HumanEval canonical solutions: ``python -m polards.sandbox.bench``.

Runs every canonical solution (``prompt + canonical_solution`` checked by its ``check(candidate)``) through
:func:`polards.sandbox.run_many` and prints programs per second, the median program time and the CPU time the
children and the parent spent per program (CPU time is less sensitive to a busy machine than wall time).

Usage::

    python -m polards.sandbox.bench [HumanEval.jsonl.gz] [--workers N] [--repeat K]

The default data path is the project's test copy ``tests/data/humaneval/HumanEval.jsonl.gz``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import time

DEFAULT = os.path.join("tests", "data", "humaneval", "HumanEval.jsonl.gz")


def bench(path: str = DEFAULT, workers: int | None = None, repeat: int = 1) -> dict[str, float]:
    """Run the canonical solutions ``repeat`` times; return throughput figures (all programs must pass)."""
    from polards.sandbox import AssertTest, run_many

    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    programs = [
        (r["prompt"] + r["canonical_solution"], AssertTest(r["test"], r["entry_point"])) for r in rows
    ]
    programs = programs * repeat
    c0, t0 = os.times(), time.perf_counter()
    results = run_many(programs, workers=workers, progress=False)
    wall, c1 = time.perf_counter() - t0, os.times()
    n = len(results)
    failed = [i for i, r in enumerate(results) if not r.all_passed]
    if failed:
        raise RuntimeError(f"{len(failed)} canonical solutions did not pass, e.g. row {failed[0]}")
    return {
        "programs": n,
        "workers": workers or len(os.sched_getaffinity(0)),
        "seconds": wall,
        "programs_per_second": n / wall,
        "median_program_seconds": statistics.median(r.duration for r in results),
        "child_cpu_ms_per_program": 1000
        * (c1.children_user - c0.children_user + c1.children_system - c0.children_system)
        / n,
        "parent_cpu_ms_per_program": 1000 * (c1.user - c0.user + c1.system - c0.system) / n,
        "load_average_1min": os.getloadavg()[0],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=DEFAULT)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    for key, value in bench(args.path, args.workers, args.repeat).items():
        print(f"{key:28s} {value:.3f}" if isinstance(value, float) else f"{key:28s} {value}")


if __name__ == "__main__":
    main()
