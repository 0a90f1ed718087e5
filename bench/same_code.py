"""Same code, two libraries: each workload is ONE function that a ``datasets`` user writes, run with
``lib = datasets`` and with ``lib = polards`` (the import is the only difference), in every cache state.

Modes (each cell a fresh process; both libraries in the same cache state, caches under ``HF_DATASETS_CACHE``):

- ``cold``: empty cache folder;
- ``warm``: the dataset was loaded once before (``datasets`` has its Arrow conversion), the pipeline's map/filter
  run again (``load_from_cache_file=False``);
- ``hot``: an identical rerun of a finished run (cached map/filter results replayed);
- ``arrow``: warm, the same loop in ``with_format("arrow")``;
- ``stream``: ``streaming=True``.

Wall time counts from the library's import to the end of the workload (what the user's script pays).

``python -m bench.same_code --rows 250000 --repeat 3`` writes ``bench/same_code.md`` and ``bench/same_code.json``:
median wall per cell and ``datasets`` / polards (> 1 = polards faster), peak RSS of each.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

CORPORA = ("chat", "gsm8k", "hh")
TAKE_S3, TAKE_S4 = 100_000, 10_000


# ------------------------------------------------------------------------------------------- the user's code
def _load(lib: Any, ctx: dict, corpus: str) -> Any:
    return lib.load_dataset(
        ctx["repos"][corpus], split="train", cache_dir=ctx["cache"], streaming=ctx["mode"] == "stream"
    )


def _lfc(ctx: dict) -> dict:
    return {} if ctx["mode"] == "stream" else {"load_from_cache_file": ctx["mode"] == "hot"}


def _materialise(ds: Any, ctx: dict) -> int:
    if ctx["mode"] == "stream":
        return sum(1 for _ in ds)
    return ds.with_format("arrow")[:].num_rows


def s1_count(lib: Any, ctx: dict) -> int:
    """Open three folders, count rows."""
    return sum(
        len(list(_load(lib, ctx, c))) if ctx["mode"] == "stream" else _load(lib, ctx, c).num_rows
        for c in CORPORA
    )


def s2_iterate(lib: Any, ctx: dict) -> int:
    """Iterate the chat corpus in 1024-row python (or arrow) batches."""
    ds = _load(lib, ctx, "chat")
    if ctx["mode"] == "arrow":
        ds = ds.with_format("arrow")
        return sum(batch.num_rows for batch in ds.iter(batch_size=1024))
    return sum(len(batch["id"]) for batch in ds.iter(batch_size=1024))


def _many_turns(messages: list) -> list[bool]:
    return [len(m) >= 3 for m in messages]


def _turn_stats(messages: list) -> dict:
    return {
        "num_turns": [len(m) for m in messages],
        "total_chars": [sum(len(t["content"]) for t in m) for m in messages],
    }


def s3_pipeline(lib: Any, ctx: dict) -> int:
    """shuffle -> batched filter -> batched map -> take 100k -> arrow."""
    ds = _load(lib, ctx, "chat").shuffle(seed=0)
    ds = ds.filter(_many_turns, batched=True, input_columns=["messages"], **_lfc(ctx))
    ds = ds.map(_turn_stats, batched=True, input_columns=["messages"], **_lfc(ctx))
    return _materialise(ds.take(TAKE_S3), ctx)


_FINAL = re.compile(r"####\s*(.+?)\s*$")


def _final_answer(answers: list) -> dict:
    found = [_FINAL.search(a) for a in answers]
    return {"final": [m.group(1).replace(",", "") if m else "" for m in found]}


def _small_int(finals: list) -> list[bool]:
    return [f.isdigit() and int(f) < 1000 for f in finals]


def s4_gsm8k(lib: Any, ctx: dict) -> int:
    """GSM8K: batched map (final answer) -> filter small ints -> take 10k."""
    ds = _load(lib, ctx, "gsm8k")
    ds = ds.map(_final_answer, batched=True, input_columns=["answer"], **_lfc(ctx))
    ds = ds.filter(_small_int, batched=True, input_columns=["final"], **_lfc(ctx))
    return _materialise(ds.take(TAKE_S4), ctx)


_TURN = re.compile(r"\n\n(Human|Assistant): ")


def _messages(text: str) -> list[dict]:
    parts = _TURN.split(text)[1:]
    return [
        {"role": "user" if who == "Human" else "assistant", "content": said}
        for who, said in zip(parts[::2], parts[1::2], strict=False)
    ]


def _pairs(chosen: list, rejected: list) -> dict:
    c = [_messages(t) for t in chosen]
    r = [_messages(t) for t in rejected]
    return {"prompt": [m[:-1] for m in c], "chosen": [m[-1:] for m in c], "rejected": [m[-1:] for m in r]}


def s5_hh(lib: Any, ctx: dict) -> int:
    """hh-rlhf: batched map to prompt/chosen/rejected, removing the input columns."""
    ds = _load(lib, ctx, "hh")
    ds = ds.map(
        _pairs,
        batched=True,
        input_columns=["chosen", "rejected"],
        remove_columns=["chosen", "rejected"],
        **_lfc(ctx),
    )
    return _materialise(ds, ctx)


def _chat_text(messages: list) -> dict:
    return {"text": ["\n".join(t["content"] for t in m) for m in messages]}


def _gsm_text(questions: list, answers: list) -> dict:
    return {"text": [q + "\n" + a for q, a in zip(questions, answers, strict=True)]}


def _hh_text(chosen: list) -> dict:
    return {"text": list(chosen)}


def s6_concat_batch(lib: Any, ctx: dict) -> int:
    """concatenate three mapped corpora, batch(256, drop_last_batch=True), iterate."""
    chat = _load(lib, ctx, "chat")
    parts = [
        chat.map(
            _chat_text,
            batched=True,
            input_columns=["messages"],
            remove_columns=["id", "messages", "source"],
            **_lfc(ctx),
        ),
        _load(lib, ctx, "gsm8k").map(
            _gsm_text,
            batched=True,
            input_columns=["question", "answer"],
            remove_columns=["question", "answer"],
            **_lfc(ctx),
        ),
        _load(lib, ctx, "hh").map(
            _hh_text,
            batched=True,
            input_columns=["chosen"],
            remove_columns=["chosen", "rejected"],
            **_lfc(ctx),
        ),
    ]
    batched = lib.concatenate_datasets(parts).batch(256, drop_last_batch=True)
    return sum(len(b["text"]) for b in batched)


WORKLOADS = {
    "S1": ("open three folders, count rows", s1_count, ("cold", "warm", "stream")),
    "S2": ("iterate the chat corpus, 1024-row batches", s2_iterate, ("cold", "warm", "arrow", "stream")),
    "S3": (
        "shuffle -> batched filter -> batched map -> take 100k -> arrow",
        s3_pipeline,
        ("cold", "warm", "hot", "stream"),
    ),
    "S4": (
        "GSM8K: batched map -> filter small ints -> take 10k",
        s4_gsm8k,
        ("cold", "warm", "hot", "stream"),
    ),
    "S5": (
        "hh-rlhf: batched map to prompt/chosen/rejected, removing inputs",
        s5_hh,
        ("cold", "warm", "hot", "stream"),
    ),
    "S6": (
        "concatenate three mapped corpora, batch(256), iterate",
        s6_concat_batch,
        ("cold", "warm", "hot", "stream"),
    ),
}


# ------------------------------------------------------------------------------------------- one measured cell
def _peak_rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child(workload: str, lib_name: str, mode: str, repos: dict, cache: str) -> dict:
    """Run one workload once in this (fresh) process and measure it."""
    os.environ["HF_DATASETS_CACHE"] = cache
    os.environ.pop("POLARDS_CACHE", None)
    # the clock includes the import: a script pays it (``import datasets`` loads pyarrow and pandas up front,
    # polards loads Polars and pyarrow on first use), so neither library hides its start-up cost
    start = time.perf_counter()
    lib = importlib.import_module(lib_name)
    if hasattr(lib, "disable_progress_bars"):
        lib.disable_progress_bars()
    ctx = {"repos": repos, "cache": cache, "mode": mode}
    fn = WORKLOADS[workload][1]
    try:
        rows = fn(lib, ctx)
        error = None
    except Exception as exc:  # noqa: BLE001 - a failing cell is a result too
        rows, error = None, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
    return {"wall": time.perf_counter() - start, "rows": rows, "error": error, "rss_mb": _peak_rss_mb()}


def _spawn(workload: str, lib: str, mode: str, repos: dict, cache: str, timeout: float) -> dict:
    args = [sys.executable, "-m", "bench.same_code", "--child", workload, lib, mode, json.dumps(repos), cache]
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"wall": None, "rows": None, "error": f"timeout > {timeout:.0f} s", "rss_mb": None}
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        return {
            "wall": None,
            "rows": None,
            "error": f"exit {out.returncode}: {out.stderr[-300:]}",
            "rss_mb": None,
        }
    return json.loads(lines[-1])


def cell(workload: str, lib: str, mode: str, repos: dict, scratch: str, timeout: float) -> dict:
    """One timed run in ``mode``, after the untimed runs that put the cache in that state."""
    cache = tempfile.mkdtemp(prefix=f"{workload}-{lib}-{mode}-", dir=scratch)
    try:
        if mode in ("warm", "arrow"):
            _spawn("S1", lib, "cold", repos, cache, timeout)  # load once: datasets converts to Arrow
        elif mode == "hot":
            _spawn(workload, lib, "hot", repos, cache, timeout)  # the identical run, caching its results
        return _spawn(workload, lib, mode, repos, cache, timeout)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def run(
    rows: int,
    repeat: int,
    workloads: list[str],
    timeout: float,
    corpus_root: str,
    modes: list[str] | None = None,
) -> list[dict]:
    from bench.corpus import write_all

    repos = write_all(corpus_root, rows)
    results = []
    with tempfile.TemporaryDirectory(prefix="same-code-") as scratch:
        for w in workloads:
            for mode in WORKLOADS[w][2]:
                if modes and mode not in modes:
                    continue
                # the two libraries alternate run by run, so a change in the machine's load hits both alike
                by_lib: dict[str, list[dict]] = {"datasets": [], "polards": []}
                for _ in range(repeat):
                    for lib in by_lib:
                        by_lib[lib].append(cell(w, lib, mode, repos, scratch, timeout))
                for lib, runs in by_lib.items():
                    walls = [r["wall"] for r in runs if r["error"] is None and r["wall"] is not None]
                    row = {
                        "workload": w,
                        "mode": mode,
                        "lib": lib,
                        "rows": rows,
                        "median": statistics.median(walls) if walls else None,
                        "rss_mb": max((r["rss_mb"] or 0) for r in runs),
                        "result_rows": runs[-1]["rows"],
                        "error": next((r["error"] for r in runs if r["error"]), None),
                    }
                    results.append(row)
                    print(json.dumps(row), flush=True)
    return results


def table(results: list[dict]) -> str:
    """Markdown: one line per workload, a ``datasets`` / polards ratio per mode."""
    modes = ("cold", "warm", "hot", "arrow", "stream")
    by = {(r["rows"], r["workload"], r["mode"], r["lib"]): r for r in results}
    lines = []
    for rows in sorted({r["rows"] for r in results}):
        lines += [
            f"\n### {rows:,} rows (`datasets` time / polards time, > 1 = polards faster; "
            "polards time and peak RSS `datasets` / polards in brackets)\n",
            "| workload | " + " | ".join(modes) + " |",
            "|---|" + "---:|" * len(modes),
        ]
        for w, (title, _, _) in WORKLOADS.items():
            cells = []
            for m in modes:
                d, p = by.get((rows, w, m, "datasets")), by.get((rows, w, m, "polards"))
                if d is None or p is None:
                    cells.append("")
                elif p["error"] or p["median"] is None:
                    cells.append(f"polards fails: {p['error']}")
                elif d["error"] or d["median"] is None:
                    cells.append(f"datasets fails ({p['median']:.2f} s)")
                else:
                    rss = f"{d['rss_mb']:.0f}/{p['rss_mb']:.0f} MB"
                    cells.append(f"**{d['median'] / p['median']:.2f}x** ({p['median']:.2f} s, {rss})")
            lines.append(f"| {w} {title} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        workload, lib, mode, repos, cache = argv[1:6]
        print(json.dumps(child(workload, lib, mode, json.loads(repos), cache)), flush=True)
        return
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, nargs="+", default=[250_000])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--workloads", nargs="+", default=list(WORKLOADS))
    p.add_argument("--modes", nargs="+", default=None, help="only these modes (default: every mode)")
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--corpus", default=os.path.join("bench", "corpus"))
    p.add_argument("--out", default="bench")
    args = p.parse_args(argv)
    results = []
    for rows in args.rows:
        results += run(rows, args.repeat, args.workloads, args.timeout, args.corpus, args.modes)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "same_code.json"), "w") as fh:
        json.dump(results, fh, indent=1)
    with open(os.path.join(args.out, "same_code.md"), "w") as fh:
        fh.write("# Same code through `datasets` and polards\n" + table(results))
    print(table(results))


if __name__ == "__main__":
    main()
