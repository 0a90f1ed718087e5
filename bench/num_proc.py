"""``num_proc`` scaling of a Python-bound ``map``: polards and ``datasets``, 1, 2 and 4 processes.

Each cell runs in a fresh interpreter (process start-up, worker start-up and the Arrow hand-off are counted),
the same user code with only the import swapped, best of ``--repeats``. Run::

    python bench/num_proc.py --rows 200000 --repeats 3

It prints one line per library and process count: seconds and the speed-up over ``num_proc=1``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap

CHILD = textwrap.dedent(
    """
    import json, sys, time
    lib, rows, num_proc, batched = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
    if lib == "polards":
        import polards as datasets
    else:
        import datasets
        datasets.disable_progress_bars()
        datasets.disable_caching()

    def work(text):
        # Python-bound: a tokenizer-like loop over characters
        h = 0
        for ch in text:
            h = (h * 31 + ord(ch)) & 0xFFFFFFFF
        return h

    def tokenize(batch):
        return {"h": [work(t) for t in batch["text"]], "n": [len(t.split()) for t in batch["text"]]}

    def tokenize_row(row):
        return {"h": work(row["text"]), "n": len(row["text"].split())}

    if __name__ == "__main__":
        ds = datasets.Dataset.from_dict({"text": [f"question {i} " * (i % 7 + 3) for i in range(rows)]})
        t, start = time.perf_counter(), time.time()
        fn = tokenize if batched else tokenize_row
        out = ds.map(fn, batched=batched, num_proc=None if num_proc == 1 else num_proc)
        table = out.with_format("arrow")[:]
        assert table.num_rows == rows
        print(json.dumps({"seconds": time.perf_counter() - t, "checksum": int(sum(out["h"][:1000])), "start": start}))
    """
)


def run(lib: str, rows: int, num_proc: int, batched: bool, script: str, phases: bool = False) -> dict:
    env = dict(os.environ, POLARDS_NUM_PROC_TRACE="1") if phases else None
    out = subprocess.run(
        [sys.executable, script, lib, str(rows), str(num_proc), "1" if batched else "0"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    res = json.loads(out.stdout.strip().splitlines()[-1])
    if phases:  # polards' phase time stamps (polards.core.map_workers._trace), seconds from the map call
        events = [json.loads(line[6:]) for line in out.stderr.splitlines() if line.startswith("TRACE ")]
        t0 = res["start"]
        res["phases"] = [
            {"what": e["what"], **{k: round(v - t0, 3) for k, v in e.items() if k in ("t", "entry", "done")}}
            | ({"rank": e["rank"]} if "rank" in e else {})
            for e in events
        ]
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--procs", default="1,2,4")
    parser.add_argument("--libs", default="polards,datasets")
    parser.add_argument("--rowwise", action="store_true", help="a row function instead of a batched one")
    parser.add_argument("--phases", action="store_true", help="also print polards' per-phase time stamps")
    args = parser.parse_args()
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(CHILD)
        script = f.name
    procs = [int(p) for p in args.procs.split(",")]
    results: dict[str, dict[int, float]] = {}
    for lib in args.libs.split(","):
        results[lib] = {}
        for p in procs:
            runs = [
                run(lib, args.rows, p, not args.rowwise, script, args.phases) for _ in range(args.repeats)
            ]
            best = min(r["seconds"] for r in runs)
            results[lib][p] = best
            base = results[lib].get(1)
            speedup = f"{base / best:.2f}x" if base else "-"
            print(f"{lib:9s} num_proc={p}: {best:7.2f} s  speed-up vs 1: {speedup}", flush=True)
            if args.phases and lib == "polards":
                fastest = min(runs, key=lambda r: r["seconds"])
                print("  phases:", json.dumps(fastest.get("phases", [])), flush=True)
    print(json.dumps({"rows": args.rows, "rowwise": args.rowwise, "results": results}))


if __name__ == "__main__":
    main()
