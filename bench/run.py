"""Run the benchmark: every (workload, implementation, size) in a fresh subprocess, repeated.

Usage::

    python -m bench.run [--quick] [--sizes 100000 300000] [--repeat 3] [--out bench/out]
                        [--workloads W1 W3] [--impls polards polars] [--timeout 900] [--report-only]

Writes ``<out>/results.json`` (every run, appended as it goes), ``<out>/results.md`` and ``<out>/plots/*.png``;
without ``--quick`` it also copies them to ``bench/results.md``, ``bench/results.json`` and ``bench/plots/``.

Cache modes (``datasets``): ``cold`` = an empty ``HF_DATASETS_CACHE`` for every run; ``warm`` = the converted
Arrow cache is present (a priming run filled it) and ``load_from_cache_file=False`` recomputes each
map/filter/shuffle; ``arrow`` = warm, with ``with_format("arrow")`` functions (pyarrow.compute); ``hot`` = an
identical rerun that replays cached results; ``stream`` = ``streaming=True``. polards runs with an empty
``POLARDS_CACHE`` except ``polards:hot`` (a primed cache: fingerprinted Python-map results are reused).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from bench import corpus as corpus_mod
from bench import report
from bench.workloads import SKIPPED, WORKLOADS

HERE = os.path.dirname(os.path.abspath(__file__))
PRIMED = {"datasets:warm", "datasets:arrow", "datasets:hot", "polards:hot"}


def _env(base: dict[str, str], impl: str, rows: int, out: str, tmp: str) -> dict[str, str]:
    env = dict(base)
    env.update(
        HF_HOME=os.path.join(tmp, "hf_home"),
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        HF_DATASETS_DISABLE_PROGRESS_BARS="1",
        HF_HUB_DISABLE_TELEMETRY="1",
        TQDM_DISABLE="1",
        POLARDS_CACHE=os.path.join(tmp, "polards_cache"),
        HF_DATASETS_CACHE=os.path.join(tmp, "hf_datasets"),
        PYTHONPATH=os.path.dirname(HERE) + os.pathsep + base.get("PYTHONPATH", ""),
    )
    env.pop("HF_ENDPOINT", None)
    if impl in ("datasets:warm", "datasets:arrow", "datasets:hot"):
        env["HF_DATASETS_CACHE"] = os.path.join(out, "cache", str(rows), "hf_datasets")
    if impl == "polards:hot":
        env["POLARDS_CACHE"] = os.path.join(out, "cache", str(rows), "polards")
    return env


def run_child(
    workload: str, impl: str, root: str, rows: int, out: str, timeout: float, extra: dict[str, Any]
) -> dict[str, Any]:
    """One run in a fresh process (its scratch folder removed afterwards); a dict with the measures or an error."""
    tmp = tempfile.mkdtemp(prefix=f"run-{workload}-", dir=os.path.join(out, "tmp"))
    cmd = [
        sys.executable,
        "-m",
        "bench.child",
        workload,
        impl,
        "--root",
        root,
        "--rows",
        str(rows),
        "--tmp",
        tmp,
        "--extra",
        json.dumps(extra),
    ]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd,
            env=_env(os.environ, impl, rows, out, tmp),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=os.path.dirname(HERE),
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f}s"}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
    if not lines:
        return {"error": f"exit {proc.returncode}: {tail[:300]}"}
    res = json.loads(lines[-1])
    if proc.returncode != 0:  # measured, then the process died at exit: keep the numbers, flag the crash
        res["exit_note"] = f"process exited {proc.returncode} after the workload: {tail[:120]}"
    res["process_wall_s"] = time.perf_counter() - t0
    return res


def aggregate(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return {"error": runs[0]["error"] if runs else "no runs"}
    walls = [r["wall_s"] for r in ok]
    return {
        "n": len(ok),
        "wall_min_s": min(walls),
        "wall_median_s": statistics.median(walls),
        "cpu_median_s": statistics.median(r["cpu_s"] for r in ok),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in ok),
        "base_rss_mb": min(r["base_rss_mb"] for r in ok),
        "children_peak_rss_mb": max(r["children_peak_rss_mb"] for r in ok),
        "import_s": statistics.median(r["import_s"] for r in ok),
        "summary": {**ok[0]["summary"], **({"note": ok[0]["exit_note"]} if "exit_note" in ok[0] else {})},
        **({"errors": [r["error"] for r in runs if "error" in r]} if len(ok) < len(runs) else {}),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="polards benchmark runner")
    p.add_argument(
        "--quick", action="store_true", help="tiny corpus, one repeat, polards + Polars only (CI smoke test)"
    )
    p.add_argument("--sizes", type=int, nargs="+", default=None)
    p.add_argument("--repeat", type=int, default=None)
    p.add_argument("--out", default=os.path.join(HERE, "out"))
    p.add_argument("--corpus", default=os.path.join(HERE, "corpus"))
    p.add_argument("--workloads", nargs="+", default=None)
    p.add_argument("--impls", nargs="+", default=None)
    p.add_argument("--timeout", type=float, default=900.0)
    p.add_argument(
        "--merge", action="store_true", help="update an existing results.json instead of starting anew"
    )
    p.add_argument("--report-only", action="store_true", help="rewrite the table and plots from results.json")
    p.add_argument(
        "--publish",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="copy results to bench/ (default: not with --quick)",
    )
    a = p.parse_args(argv)
    sizes = a.sizes or ([2000] if a.quick else [100_000, 300_000])
    repeat = a.repeat or (1 if a.quick else 3)
    workloads = a.workloads or (["W1", "W3", "W4", "W7"] if a.quick else list(WORKLOADS))
    impls_filter = a.impls or (["polards", "polars"] if a.quick else None)
    os.makedirs(os.path.join(a.out, "tmp"), exist_ok=True)
    json_path = os.path.join(a.out, "results.json")
    results: dict[str, Any] = {"machine": report.machine(), "sizes": sizes, "repeat": repeat, "runs": {}}
    if a.report_only or (a.merge and os.path.exists(json_path)):
        with open(json_path) as fh:
            old = json.load(fh)
        if a.report_only:
            results = old
        else:
            results["runs"] = old["runs"]
            results["sizes"] = sorted(set(old.get("sizes", [])) | set(sizes))
    if not a.report_only:
        extra = {"humaneval_limit": 20, "pairs": 200} if a.quick else {}
        primed: set[tuple[str, int, str]] = set()
        for rows in sizes:
            root = os.path.dirname(os.path.dirname(corpus_mod.write_all(a.corpus, rows)["chat"]))
            for w in workloads:
                spec = WORKLOADS[w]
                done = {(r["workload"], r["impl"]) for r in results["runs"].values() if "wall_median_s" in r}
                if spec.get("fixed_size") and rows != sizes[0]:
                    continue  # size-independent: measured once
                for impl in spec["impls"]:
                    if impls_filter and impl not in impls_filter:
                        continue
                    key = f"{w}|{impl}|{rows}"
                    if spec.get("fixed_size") and (w, impl) in done and not a.workloads:
                        continue  # already measured; name the workload to measure it again
                    if impl in PRIMED and (w, rows, impl.split(":")[0]) not in primed:
                        primed.add((w, rows, impl.split(":")[0]))
                        run_child(w, impl.split(":")[0] + ":hot", root, rows, a.out, a.timeout, extra)
                    runs = []
                    for _ in range(1 if spec.get("fixed_size") and not a.quick else repeat):
                        runs.append(run_child(w, impl, root, rows, a.out, a.timeout, extra))
                        if "error" in runs[-1]:
                            break
                    results["runs"][key] = {"workload": w, "impl": impl, "rows": rows, **aggregate(runs)}
                    agg = results["runs"][key]
                    msg = (
                        agg.get("error")
                        or f"{agg['wall_median_s']:.3f}s {agg['peak_rss_mb']:.0f}MB {agg['summary']}"
                    )
                    print(f"{w:4} {impl:16} {rows:>8} {msg}", flush=True)
                    with open(json_path, "w") as fh:
                        json.dump(results, fh, indent=1)
            for k, why in SKIPPED.items():
                if k[0] not in workloads or (impls_filter and k[1] not in impls_filter):
                    continue
                results["runs"][f"{k[0]}|{k[1]}|{sizes[0]}"] = {
                    "workload": k[0],
                    "impl": k[1],
                    "rows": sizes[0],
                    "skipped": why,
                }
        with open(json_path, "w") as fh:
            json.dump(results, fh, indent=1)
    md = report.markdown(results)
    with open(os.path.join(a.out, "results.md"), "w") as fh:
        fh.write(md)
    plots = report.plots(results, os.path.join(a.out, "plots"))
    publish = a.publish if a.publish is not None else not a.quick
    if publish:
        shutil.copy(json_path, os.path.join(HERE, "results.json"))
        shutil.copy(os.path.join(a.out, "results.md"), os.path.join(HERE, "results.md"))
        os.makedirs(os.path.join(HERE, "plots"), exist_ok=True)
        for f in plots:
            shutil.copy(f, os.path.join(HERE, "plots", os.path.basename(f)))
    print(f"wrote {json_path}, {os.path.join(a.out, 'results.md')} and {len(plots)} plots")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
