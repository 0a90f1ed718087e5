"""Ray Data throughput of polards plans with 1 and 2 workers (a local Ray cluster of ``num_cpus`` = workers).

Two workloads over seeded parquet shards (gsm8k-like ``question``/``answer`` text):

* ``to_ray``: a row-local polards plan (filter, expression maps, a batched Python map) run inside one Ray read
  task per file, then collected with ``from_ray``;
* ``map_batches``: a CPU-bound per-batch Python function (a toy tokeniser) via
  ``polards.distributed.map_batches(engine="ray")``, results back in order.

Each workload runs once to warm the workers, then ``--repeat`` times; the best wall time is reported as rows/s.
The single-process polards time of the same plan is printed for reference.

Usage: ``python -m bench.ray_throughput [--rows 200000] [--files 8] [--workers 1 2] [--repeat 1]``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

WORDS = np.array(
    "the a of to seven apples each costs dollars how many total left after she he buys sells".split()
)


def make_files(root: Path, rows: int, files: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    paths = []
    per = rows // files
    for k in range(files):
        lengths = rng.integers(8, 40, per)
        words = WORDS[rng.integers(0, len(WORDS), int(lengths.sum()))]
        cuts = np.cumsum(lengths)[:-1]
        questions = [" ".join(w) for w in np.split(words, cuts)]
        answers = [f"so the answer is\n#### {int(x)}" for x in rng.integers(0, 1000, per)]
        path = root / f"train-{k:05d}.parquet"
        pl.DataFrame(
            {"id": np.arange(k * per, (k + 1) * per), "question": questions, "answer": answers}
        ).write_parquet(path)
        paths.append(str(path))
    return paths


def tokenise(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """A CPU-bound stand-in for a tokeniser: word ids by hashing, ~1 ms per 20 rows."""
    ids = [[hash(w) % 50_000 for w in q.split() for _ in range(4)] for q in batch["question"]]
    return {"n_tokens": [len(i) for i in ids], "checksum": [sum(i) % 997 for i in ids]}


def plan(paths: list[str]) -> Any:
    import polards as pds

    ds = pds.Dataset.from_parquet(paths)
    ds = ds.filter(pl.col("question").str.len_chars() > 40)
    ds = ds.map(
        {
            "final": pl.col("answer").str.extract(r"#### (\d+)").cast(pl.Int64),
            "words": pl.col("question").str.split(" ").list.len(),
        }
    )
    return ds.map(tokenise, batched=True, batch_size=1000)


def timed(fn: Any, repeat: int) -> tuple[float, Any]:
    fn()  # warm-up: starts workers, imports polars/polards in them
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def run_workers(workers: int, paths: list[str], rows: int, repeat: int) -> dict[str, Any]:
    import ray

    from polards.distributed import from_ray, map_batches

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    t0 = time.perf_counter()
    ray.init(
        num_cpus=workers,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        log_to_driver=False,
        logging_level="ERROR",
        configure_logging=False,
    )
    ray.data.DataContext.get_current().enable_progress_bars = False
    startup = time.perf_counter() - t0
    try:
        import polards as pds

        ds = plan(paths)
        t_read, out = timed(lambda: from_ray(ds.to_ray()), repeat)
        src = pds.Dataset.from_parquet(paths)
        t_map, out2 = timed(lambda: map_batches(src, tokenise, batch_size=2000, concurrency=workers), repeat)
        assert len(out2) == rows
        return {
            "workers": workers,
            "ray_startup_s": round(startup, 1),
            "to_ray_rows_per_s": round(rows / t_read),
            "to_ray_out_rows": len(out),
            "map_batches_rows_per_s": round(rows / t_map),
        }
    finally:
        ray.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    from polards.core.fingerprint import disable_caching

    disable_caching()  # time the work, not polards' cache of Python map results
    with tempfile.TemporaryDirectory(prefix="polards-ray-bench-") as tmp:
        paths = make_files(Path(tmp), args.rows, args.files)
        rows = args.rows // args.files * args.files
        t_local, _ = timed(lambda: plan(paths).to_polars(), args.repeat)
        from polards import Dataset

        t_local_map, _ = timed(
            lambda: Dataset.from_parquet(paths).map(tokenise, batched=True, batch_size=2000).to_polars(),
            args.repeat,
        )
        print(
            json.dumps(
                {
                    "workers": "single process",
                    "plan_rows_per_s": round(rows / t_local),
                    "map_rows_per_s": round(rows / t_local_map),
                }
            )
        )
        for w in args.workers:
            print(json.dumps(run_workers(w, paths, rows, args.repeat)), flush=True)


if __name__ == "__main__":
    main()
