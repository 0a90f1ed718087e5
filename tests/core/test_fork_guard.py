"""A child forked after Polars ran a query gets a clear error instead of a query that hangs forever."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import multiprocessing as mp
    import polards as pds

    def child(q):
        try:
            q.put(pds.Dataset.from_dict({"a": [1, 2, 3]}).map({"b": __import__("polars").col("a") * 2})["b"])
        except Exception as e:
            q.put(f"{type(e).__name__}: {e}")

    def run(ctx):
        q = ctx.Queue()
        p = ctx.Process(target=child, args=(q,))
        p.start()
        p.join(60)
        alive = p.is_alive()
        if alive:
            p.kill()
        return "HUNG" if alive else q.get()

    if __name__ == "__main__":
        fork = mp.get_context("fork")
        print("before:", run(fork))          # no query yet in the parent: the child's pool starts fresh
        print("parent:", pds.Dataset.from_dict({"a": [1]}).to_list())
        print("after:", run(fork))           # raises, names the fix
        print("spawn:", run(mp.get_context("spawn")))
    """
)


def test_fork_after_a_query_raises_and_spawn_works(tmp_path) -> None:
    script = tmp_path / "forks.py"
    script.write_text(SCRIPT)
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=240, check=True
    )
    lines = dict(line.split(": ", 1) for line in out.stdout.splitlines() if ": " in line)
    assert lines["before"] == "[2, 4, 6]"
    assert lines["after"].startswith("ForkedAfterPolarsError: ") and "'spawn'" in lines["after"]
    assert lines["spawn"] == "[2, 4, 6]"
