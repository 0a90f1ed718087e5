"""The benchmark still runs end to end (``python -m bench.run --quick``); numbers are never asserted."""

from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_quick_run_writes_table_and_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out, corpus = tmp_path / "out", tmp_path / "corpus"
    cmd = [
        sys.executable,
        "-m",
        "bench.run",
        "--quick",
        "--out",
        str(out),
        "--corpus",
        str(corpus),
        "--workloads",
        "W1",
        "W4",
        "--timeout",
        "120",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads((out / "results.json").read_text())
    assert {r["impl"] for r in results["runs"].values()} == {"polards", "polars"}
    assert all("wall_median_s" in r for r in results["runs"].values()), results["runs"]
    table = (out / "results.md").read_text()
    assert "| W1 open a repo folder" in table and "| W4 GSM8K" in table
    # --quick never overwrites the published results
    assert not (tmp_path / "results.md").exists()


def test_corpus_is_seeded_and_hub_shaped(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import polars as pl

    sys.path.insert(0, ROOT)
    from bench.corpus import write_all

    a = write_all(str(tmp_path / "a"), 300)
    b = write_all(str(tmp_path / "b"), 300)
    for name in ("chat", "gsm8k", "hh"):
        fa = pl.read_parquet(os.path.join(a[name], "data", "*.parquet"))
        assert fa.equals(pl.read_parquet(os.path.join(b[name], "data", "*.parquet")))
        assert fa.height == 300 and os.path.exists(os.path.join(a[name], "README.md"))
    chat = pl.read_parquet(os.path.join(a["chat"], "data", "*.parquet"))
    assert chat.schema["messages"] == pl.List(pl.Struct({"role": pl.String, "content": pl.String}))
    gsm = pl.read_parquet(os.path.join(a["gsm8k"], "data", "*.parquet"))
    assert gsm["answer"].str.contains(r"\n#### \S+$").all()
