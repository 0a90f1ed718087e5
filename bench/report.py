"""The Markdown table (with ratios) and the PNG plots of a benchmark ``results.json``."""

from __future__ import annotations

import os
import platform
from typing import Any

DATASETS_SIDE = (
    "datasets:cold",
    "datasets:warm",
    "datasets:arrow",
    "datasets:hot",
    "datasets:stream",
    "reference",
)


def machine() -> dict[str, Any]:
    import polars

    info: dict[str, Any] = {
        "cpus": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "polars": polars.__version__,
    }
    try:
        info["mem_gib"] = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):  # pragma: no cover
        pass
    for mod in ("datasets", "pyarrow", "polards"):
        try:
            info[mod] = __import__(mod).__version__
        except ImportError:
            info[mod] = None
    info["load_average_1min"] = os.getloadavg()[0]
    return info


def counterpart(w: str, impl: str, rows: int, runs: dict[str, Any]) -> str:
    """The key of the run a ``datasets`` (or reference) run is compared with: the polards run in the same state.

    ``hot`` (identical rerun) -> ``polards:hot`` (the pipeline ending in ``cache()``, rerun); ``stream`` ->
    ``polards:stream``; ``warm``/``arrow`` -> plain polards (a warm ``datasets`` cache spares the parquet -> Arrow
    conversion, which polards never does), except for workloads that only iterate stored rows (W2), where the
    warm Arrow cache is the counterpart of polards' ``cache()`` file -> ``polards:hot``. Falls back to polards.
    """
    from bench.workloads import WORKLOADS

    mode = impl.split(":", 1)[1] if ":" in impl else ""
    want = {"hot": "polards:hot", "stream": "polards:stream"}.get(mode, "polards")
    if mode in ("warm", "arrow") and WORKLOADS.get(w, {}).get("warm_is_cached"):
        want = "polards:hot"
    key = f"{w}|{want}|{rows}"
    return key if key in runs else f"{w}|polards|{rows}"


def _fmt(x: float | None, unit: str = "") -> str:
    if x is None:
        return "-"
    return f"{x:.3g}{unit}" if x < 100 else f"{x:.0f}{unit}"


def markdown(results: dict[str, Any]) -> str:
    """One row per (workload, size, implementation): min/median wall, CPU, peak RSS and the two ratios."""
    from bench.workloads import WORKLOADS

    runs = results["runs"]
    m = results.get("machine", {})
    lines = [
        f"Machine: {m.get('cpus')} cores, {m.get('mem_gib')} GiB, Python {m.get('python')}, polars {m.get('polars')}, "
        f"pyarrow {m.get('pyarrow')}, datasets {m.get('datasets')}, polards {m.get('polards')}; "
        f"{results.get('repeat')} repeats per cell, each in a fresh process. Times exclude interpreter start and "
        "library import; peak RSS is the process's ru_maxrss (import baseline included).",
        "",
        "Ratios: `vs polars` = this time / hand-written Polars time (polards rows: the 1.3x target); "
        "`vs polards` = this time / the polards time in the same state (datasets rows: > 1 means polards is "
        "faster; `hot` vs `polards:hot`, `stream` vs `polards:stream`, W2 `warm`/`arrow` vs `polards:hot`, the "
        "rest vs `polards`).",
        "",
        "| workload | rows | implementation | wall min (s) | wall median (s) | CPU (s) | peak RSS (MB) | vs polars | vs polards | result |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    order = list(WORKLOADS)
    keys = sorted(
        runs,
        key=lambda k: (
            order.index(runs[k]["workload"]) if runs[k]["workload"] in order else 99,
            runs[k]["rows"],
            k,
        ),
    )
    for k in keys:
        r = runs[k]
        w, impl, rows = r["workload"], r["impl"], r["rows"]
        title = f"{w} {WORKLOADS[w]['title']}" if w in WORKLOADS else w
        size = "fixed" if WORKLOADS.get(w, {}).get("fixed_size") else str(rows)
        if "skipped" in r or "error" in r:
            why = r.get("skipped") and f"skipped: {r['skipped']}" or f"failed: {r['error']}"
            lines.append(f"| {title} | {size} | {impl} | - | - | - | - | - | - | {why.replace('|', '/')} |")
            continue
        base = (
            "polars:stream" if impl.endswith(":stream") and f"{w}|polars:stream|{rows}" in runs else "polars"
        )
        pl_ = runs.get(f"{w}|{base}|{rows}", {})
        pds = runs.get(counterpart(w, impl, rows, runs), {})
        vs_pl = (
            r["wall_median_s"] / pl_["wall_median_s"]
            if impl.startswith("polards") and pl_.get("wall_median_s")
            else None
        )
        vs_pds = (
            r["wall_median_s"] / pds["wall_median_s"]
            if impl in DATASETS_SIDE and pds.get("wall_median_s")
            else None
        )
        summ = ", ".join(f"{a}={b}" for a, b in r.get("summary", {}).items())
        lines.append(
            f"| {title} | {size} | {impl} | {_fmt(r['wall_min_s'])} | {_fmt(r['wall_median_s'])} | {_fmt(r['cpu_median_s'])} | "
            f"{r['peak_rss_mb']:.0f} | {_fmt(vs_pl, 'x')} | {_fmt(vs_pds, 'x')} | {summ} |"
        )
    return "\n".join(lines) + "\n"


def headline(results: dict[str, Any]) -> str:
    """A compact table: per workload and size, polards vs Polars and each `datasets` mode vs polards (median wall)."""
    runs = results["runs"]
    cols = ["polars", *DATASETS_SIDE]
    lines = [
        "| workload | rows | polards (s) | "
        + " | ".join(f"{c} / polards" if c != "polars" else "polards / polars" for c in cols)
        + " |",
        "|---|---:|---:|" + "---:|" * len(cols),
    ]
    cells = sorted({(r["workload"], r["rows"]) for r in runs.values()}, key=lambda x: (len(x[0]), x[0], x[1]))
    for w, rows in cells:
        pds = runs.get(f"{w}|polards|{rows}", {})
        t = pds.get("wall_median_s")
        if t is None:
            continue
        out = []
        for c in cols:
            r = runs.get(f"{w}|{c}|{rows}", {})
            base = runs.get(counterpart(w, c, rows, runs), pds)
            bt = base.get("wall_median_s") or t
            if "wall_median_s" in r:
                out.append(
                    _fmt(t / r["wall_median_s"], "x") if c == "polars" else _fmt(r["wall_median_s"] / bt, "x")
                )
            elif "error" in r:
                out.append("timeout" if "timeout" in r["error"] else "failed")
            else:
                out.append("-")
        lines.append(f"| {w} | {rows} | {_fmt(t)} | " + " | ".join(out) + " |")
    return "\n".join(lines) + "\n"


def plots(results: dict[str, Any], folder: str) -> list[str]:
    """Per workload: wall time and peak RSS against rows, one line per implementation (needs matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    os.makedirs(folder, exist_ok=True)
    by_w: dict[str, dict[str, list[tuple[int, float, float]]]] = {}
    for r in results["runs"].values():
        if "wall_median_s" not in r:
            continue
        by_w.setdefault(r["workload"], {}).setdefault(r["impl"], []).append(
            (r["rows"], r["wall_median_s"], r["peak_rss_mb"])
        )
    out = []
    for w, impls in sorted(by_w.items()):
        if all(len(v) < 2 for v in impls.values()):
            continue  # a fixed-size workload: nothing to plot against rows
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.4), dpi=72)
        for impl, pts in sorted(impls.items()):
            pts.sort()
            xs = [p[0] for p in pts]
            style = "-" if impl.startswith("polards") else ("--" if impl.startswith("polars") else ":")
            ax1.plot(xs, [p[1] for p in pts], style, marker="o", ms=3, label=impl)
            ax2.plot(xs, [p[2] for p in pts], style, marker="o", ms=3, label=impl)
        ax1.set(xscale="log", yscale="log", xlabel="rows", ylabel="wall median (s)", title=f"{w} time")
        ax2.set(xscale="log", xlabel="rows", ylabel="peak RSS (MB)", title=f"{w} peak RSS")
        ax2.legend(fontsize=6, loc="center left", bbox_to_anchor=(1.0, 0.5))
        fig.tight_layout()
        path = os.path.join(folder, f"{w}.png")
        fig.savefig(path)
        plt.close(fig)
        out.append(path)
    return out
