"""One measured run of one (workload, implementation, size), in its own fresh process.

Prints one JSON line: the workload's wall and CPU time (imports excluded and reported apart), this process's
peak RSS (``ru_maxrss``) and that of its children, and the workload's small result summary.

Usage (the runner calls it): ``python -m bench.child W3 polards --root DIR --rows N --tmp DIR``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _peak_rss_mb() -> float:
    """This process's RSS high-water mark (``VmHWM``; ``ru_maxrss`` would include the parent's at fork)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _preimport(impl: str, workload: str = "") -> None:
    """Import the implementation's library before the clock starts (import time is reported apart)."""
    if impl.startswith("polards") and workload == "W8":
        # polards imports huggingface_hub only when it first talks to a Hub (it freezes HF_* variables at
        # import); ``import datasets`` imports it up front, so it is imported before the clock here too
        from huggingface_hub import HfApi, HfFileSystem, errors  # noqa: F401
        from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status  # noqa: F401

        import polards.hub.download  # noqa: F401
        import polards.hub.info  # noqa: F401
        import polards.hub.streaming  # noqa: F401
    if impl.startswith("polars") and workload in ("W4", "W5"):
        import polards.eval  # noqa: F401  (the baseline applies polards' own extraction / mapper expressions)
        import polards.mappers  # noqa: F401
    if impl.startswith("polards"):
        import pandas  # noqa: F401  (polards' Features.from_arrow_schema imports it on first use; datasets at import)

        import polards.dataset.dataset  # noqa: F401
        import polards.eval  # noqa: F401  (~0.6-1.3 s: its __init__ imports grading, metrics, extractors)
        import polards.loading  # noqa: F401
        import polards.mappers  # noqa: F401
    elif impl.startswith("datasets"):
        import datasets  # noqa: F401
    import polars  # noqa: F401


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("workload")
    p.add_argument("impl")
    p.add_argument("--root", required=True)
    p.add_argument("--rows", type=int, required=True)
    p.add_argument("--tmp", required=True)
    p.add_argument("--extra", default="{}")
    a = p.parse_args(argv)
    t_start = time.perf_counter()
    hub = None
    if a.workload == "W8":
        from polards.testing.hub import HubEmulator

        hub = HubEmulator(a.root)
        hub.__enter__()
        os.environ["HF_ENDPOINT"] = hub.endpoint  # before datasets / huggingface_hub are imported
    _preimport(a.impl, a.workload)
    from bench.workloads import WORKLOADS, Ctx

    fn = WORKLOADS[a.workload]["impls"][a.impl]
    mode = a.impl.split(":", 1)[1] if ":" in a.impl else ""
    ctx = Ctx(root=a.root, rows=a.rows, mode=mode, tmp=a.tmp, extra=json.loads(a.extra))
    import_s = time.perf_counter() - t_start
    rss_before = _peak_rss_mb()
    c0, t0 = _cpu(), time.perf_counter()
    summary = fn(ctx)
    wall = time.perf_counter() - t0
    cpu = _cpu() - c0
    out = {
        "wall_s": wall,
        "cpu_s": cpu,
        "import_s": import_s,
        "peak_rss_mb": _peak_rss_mb(),
        "base_rss_mb": rss_before,
        "children_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "summary": summary,
    }
    sys.stdout.write("\n" + json.dumps(out) + "\n")
    sys.stdout.flush()
    # the emulator (daemon threads) stays up until the process exits: polards' exit hook first stops readers
    # that an abandoned stream left prefetching, which need the server to answer their current request


if __name__ == "__main__":
    main()
