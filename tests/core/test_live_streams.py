"""Exit-time stopping of abandoned streams and of the Python sources Polars threads pull."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from polards.core import live_streams


def test_a_python_source_is_counted_until_it_finishes_and_closes_what_it_wraps() -> None:
    closed = []

    def batches():  # type: ignore[no-untyped-def]
        try:
            yield from range(5)
        finally:
            closed.append(True)

    before = live_streams._SOURCES[0]
    src = live_streams.python_source(batches())
    assert next(src) == 0
    assert live_streams._SOURCES[0] == before + 1
    src.close()
    assert live_streams._SOURCES[0] == before
    assert closed == [True]


def test_at_exit_a_source_stops_before_its_next_batch() -> None:
    script = textwrap.dedent(
        """
        from polards.core import live_streams
        src = live_streams.python_source(iter(range(10)))
        live_streams.track(src)
        assert next(src) == 0
        live_streams._STOP.set()
        print(list(src), live_streams._SOURCES[0])
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[]", "0"]


def test_a_script_that_abandons_a_mapped_stream_exits_cleanly(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import polars as pl

    data = tmp_path / "d.parquet"
    pl.DataFrame({"n": list(range(100)), "s": ["a b c"] * 100}).write_parquet(data)
    script = textwrap.dedent(
        f"""
        import polards as pds
        ds = pds.Dataset.from_parquet({str(data)!r})
        m = ds.map(lambda b: {{"k": [x + 1 for x in b["n"]]}}, batched=True, batch_size=10)
        it = m.iter(batch_size=5)
        next(it)  # leaves a Polars thread running the map (the exit aborted about 1 run in 3)
        """
    )
    for i in range(6):
        env = {**os.environ, "HF_DATASETS_CACHE": str(tmp_path / f"cache{i}")}  # a fresh cache: the map runs
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr[-2000:]
