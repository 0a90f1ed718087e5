"""Throughput of the sandbox on HumanEval canonical solutions: ``python -m polards.sandbox.bench``.

Runs every canonical solution (``prompt + canonical_solution`` checked by its ``check(candidate)``) through
:func:`polards.sandbox.run_many` and prints programs per second, the median program time and the CPU time the
children and the parent spent per program (CPU time is less sensitive to a busy machine than wall time).

Usage::

    python -m polards.sandbox.bench [HumanEval.jsonl.gz] [--workers N] [--repeat K]
    python -m polards.sandbox.bench --compare OTHER_ROOT [--rounds R]   # this tree vs another checkout

``--compare`` runs the same benchmark with the ``polards`` package of another source tree (e.g. an export of an
older commit: ``git archive HEAD polards | tar -x -C /tmp/before``) and with this one, alternating, each in a
fresh process, ``R`` rounds, and prints the median programs per second of each and their ratio; alternating
keeps a busy machine's load from favouring one side.

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


_CHILD = (
    "import json, sys\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "from polards.sandbox.bench import bench\n"
    "print(json.dumps(bench(sys.argv[2], int(sys.argv[3]) or None)))\n"
)


def compare(other_root: str, path: str = DEFAULT, workers: int | None = None, rounds: int = 3) -> dict:
    """Programs per second of this tree and of ``other_root`` (alternating fresh processes, ``rounds`` each)."""
    import subprocess
    import sys

    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    runs: dict[str, list[float]] = {"this": [], "other": []}
    for _ in range(rounds):
        for name, root in (("other", other_root), ("this", here)):
            out = subprocess.run(
                [sys.executable, "-c", _CHILD, root, os.path.abspath(path), str(workers or 0)],
                capture_output=True,
                text=True,
                check=True,
                cwd=root,
            )
            runs[name].append(json.loads(out.stdout.strip().splitlines()[-1])["programs_per_second"])
    this, other = statistics.median(runs["this"]), statistics.median(runs["other"])
    return {
        "this_programs_per_second": this,
        "other_programs_per_second": other,
        "ratio_other_over_this": other / this,
        "this_runs": runs["this"],
        "other_runs": runs["other"],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=DEFAULT)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--compare", metavar="OTHER_ROOT", default=None)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if args.compare:
        for key, value in compare(args.compare, args.path, args.workers, args.rounds).items():
            print(f"{key:28s} {value:.3f}" if isinstance(value, float) else f"{key:28s} {value}")
        return
    for key, value in bench(args.path, args.workers, args.repeat).items():
        print(f"{key:28s} {value:.3f}" if isinstance(value, float) else f"{key:28s} {value}")


if __name__ == "__main__":
    main()
