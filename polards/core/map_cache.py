"""Cached results of Python ``map``/``filter`` steps, stored as Arrow IPC under the plan's fingerprint.

As in ``datasets``, the result of a Python function over a file-backed dataset is written once and reused by
any later identical pipeline (same files, same earlier steps, same function code and parameters). The handle
stays lazy: a cached step compiles to ``pl.scan_ipc`` of its file (memory-mapped), and a missing entry is
written by the first full collection of the dataset (``to_polars``, ``to_list``, ``ds[:]``, ``take(n)`` ...:
:func:`materialize`, every Python step in full, as ``datasets`` does at ``map()`` time) or as a by-product of
the first iteration that runs the step over every row: its outputs are streamed to a temporary file as they
are made and renamed into place at the end, so an iteration that stops early (``break``) computes no more
rows than it needs and leaves no entry.

Disk cost, as ``datasets``': a map's entry is one uncompressed Arrow IPC file of its output rows, in
``datasets``' Arrow types (``string``, ``list``: a reader in those types maps it without a copy); a filter's
entry is its mask over its input, one bit per input row (``datasets`` writes the kept rows' 8-byte indices),
replayed over the input's own rows (:func:`apply_mask`: the input's cache file or the source) - 250k rows
cost 74 kB (S4's filter, where the copy of its kept rows, 37% of them, was about 40 MB).

Cache folder, like ``datasets``' "beside the dataset's cache files": a dataset whose root reads Arrow files
(``from_file``, ``load_from_disk``, ``cache()``) gets
``<their folder>/cache-<fingerprint>.arrow``, as ``datasets`` names it; otherwise (:func:`maps_root`) the
``cache_dir`` the source files were downloaded to (``load_dataset(..., cache_dir=...)``) + ``/polards-maps``,
else ``<polards cache>/maps`` (:func:`polards._paths.cache_root`: ``$POLARDS_CACHE``, else
``$HF_DATASETS_CACHE/polards``, else ``$HF_HOME/datasets/polards``). A ``num_proc`` map is cached as one file
per shard (``<stem>_00000_of_00004.arrow``, ``suffix_template``), reused by any later ``num_proc`` (or none)
with the number of shards it was written with, missing shards recomputed alone (``datasets``' rules; see
:mod:`polards.core.map_workers`). The fingerprint leaves ``num_proc`` out, as ``datasets``'.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from typing import Any

import polars as pl

from polards.core import steps as st
from polards.core.fingerprint import fingerprint_plan, has_file_sources, is_caching_enabled

OPTIONS = "cache"  # key in PythonMap.memo: {"load": bool, "file": str | None, "dir": str | None}
WRITTEN = "cache_written"  # key in PythonMap.memo: the file this handle's step was written to
SHARDS = (
    "cache_shards"  # key in PythonMap.memo: the shard files a num_proc run wrote or reused, in rank order
)
LOGGED = "cache_hit_logged"  # key in PythonMap.memo: the cache hit was logged
CACHE_TARGET = (
    "cache_target"  # key in PythonMap.memo: where a full pass writes the step's results (set at compile)
)


def cache_root(cache_dir: str | None = None, sub: str = "maps") -> str:
    """The folder of one kind of cache file (created on demand): ``cache_dir/sub``, else under
    :func:`polards._paths.cache_root`."""
    from polards._paths import cache_root as polards_root

    path = os.path.join(cache_dir or str(polards_root()), sub)
    os.makedirs(path, exist_ok=True)
    return path


def _download_cache_dir(prefix: tuple[Any, ...]) -> str | None:
    """The ``cache_dir`` given to the load of the plan's first source, else the Hub cache folder
    (``<cache_dir>/datasets--owner--name/...``) its first file lives in when it is not the default one."""
    root = prefix[0]
    while isinstance(root, st.Concat) and root.plans:
        root = root.plans[0][0]
    if getattr(root, "cache_dir", None):
        return str(root.cache_dir)
    files = getattr(root, "files", ())
    if not files:
        return None
    parts = os.path.abspath(str(files[0])).split(os.sep)
    hits = [i for i, p in enumerate(parts) if p.startswith("datasets--")]
    if not hits:
        return None
    folder = os.sep.join(parts[: hits[-1]]) or os.sep
    from polards._paths import hf_home

    default = (
        os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE") or str(hf_home() / "hub")
    )
    return None if os.path.abspath(folder) == os.path.abspath(os.path.expanduser(default)) else folder


def with_cache_dir(plan: tuple[Any, ...], cache_dir: Any) -> tuple[Any, ...]:
    """``plan`` with its source's map results cached under ``cache_dir`` (``load_dataset(..., cache_dir=)`` of
    local files, ``Dataset.from_parquet(..., cache_dir=)``), as ``datasets`` keeps them beside its cache files."""
    root = plan[0]
    if not isinstance(root, st.Source) or cache_dir is None:
        return plan
    return (
        dataclasses.replace(root, cache_dir=os.path.abspath(os.path.expanduser(str(cache_dir)))),
        *plan[1:],
    )


def maps_root(prefix: tuple[Any, ...] | None = None, cache_dir: str | None = None) -> str:
    """Where Python-map results of ``prefix`` are cached (see the module docstring; created on demand)."""
    from polards._paths import cache_root as polards_root

    if cache_dir:
        path = os.path.join(cache_dir, "polards-maps")
    elif prefix is not None and (beside := _download_cache_dir(prefix)) is not None:
        path = os.path.join(beside, "polards-maps")
    else:
        path = os.path.join(str(polards_root()), "maps")
    os.makedirs(path, exist_ok=True)
    return path


def set_options(
    step: st.PythonMap,
    load_from_cache_file: bool | None,
    cache_file_name: str | None,
    cache_dir: str | None = None,
    *,
    keep_in_memory: bool = False,
    fingerprint: str | None = None,
    suffix_template: str | None = None,
) -> None:
    """Record ``datasets``' caching arguments on a step (``None`` = the default: reuse).

    ``keep_in_memory``: never write a cache file; ``fingerprint``: ``datasets``' ``new_fingerprint`` (the
    cache key)."""
    load = load_from_cache_file if load_from_cache_file is not None else is_caching_enabled()
    step.memo[OPTIONS] = {
        "load": load is not False,
        "file": str(cache_file_name) if cache_file_name is not None else None,
        "dir": cache_dir,
        "memory": bool(keep_in_memory),
        "suffix": suffix_template,
    }
    if fingerprint is not None:
        step.memo["fingerprint"] = fingerprint


def cache_path(prefix: tuple[Any, ...]) -> str | None:
    """Where the result of ``prefix`` (ending in a PythonMap step) is cached, or ``None`` if it is not cacheable."""
    step = prefix[-1]
    opts = step.memo.get(OPTIONS, {})
    if opts.get("memory"):
        return None
    if opts.get("file"):
        return str(opts["file"])
    if not is_caching_enabled() or not has_file_sources(prefix):
        return None
    if "fingerprint" not in step.memo:  # num_proc is not part of it (datasets' fingerprint leaves it out)
        bare = dataclasses.replace(step, num_proc=None) if step.num_proc else step
        step.memo["fingerprint"] = fingerprint_plan((*prefix[:-1], bare))
    fp = step.memo["fingerprint"]
    if fp is None:
        return None
    if not opts.get("dir") and (beside := _arrow_root_file(prefix)):
        # datasets: beside the Arrow file the dataset reads (from_file, load_from_disk, cache())
        return os.path.join(os.path.dirname(os.path.abspath(beside)), f"cache-{fp}.arrow")
    return os.path.join(maps_root(prefix, opts.get("dir")), f"{fp}.arrow")


def _arrow_root_file(plan: tuple[Any, ...]) -> str | None:
    """The first Arrow file the plan's root reads (its first part's, for a concatenation), if any: a root, not
    an earlier step's cache file, so that a step's cache path does not depend on what is cached already."""
    root = plan[0]
    while isinstance(root, st.Concat) and root.plans:
        root = root.plans[0][0]
    if isinstance(root, st.Source) and root.format == "arrow" and root.files:
        return str(root.files[0])
    return None


def hit(prefix: tuple[Any, ...]) -> str | None:
    """The cache file holding the result of ``prefix`` (ending in a PythonMap step), if present and allowed: a
    map's output rows, or a filter's mask over its input (see :func:`apply_mask`)."""
    step = prefix[-1]
    written = step.memo.get(WRITTEN)
    if written and os.path.exists(written):
        return str(written)
    if not step.memo.get(OPTIONS, {}).get("load", True):
        return None
    path = cache_path(prefix)
    if path is None or not os.path.exists(path):
        return None
    return path if not step.is_filter or is_mask_file(path) else None


def is_mask_file(path: str) -> bool:
    """Whether ``path`` holds a filter's mask (one boolean per input row), not rows (an older layout)."""
    try:
        return dict(pl.read_ipc_schema(path)) == {st.MASK_COLUMN: pl.Boolean}
    except (OSError, pl.exceptions.PolarsError):
        return False


def apply_mask(lf: pl.LazyFrame, masks: pl.LazyFrame) -> pl.LazyFrame:
    """The rows of ``lf`` whose mask is true: a filter replayed from its cached mask (``datasets`` keeps a
    filter's result as the indices of the kept rows over its input, and replays it the same way).

    >>> lf = pl.LazyFrame({"a": [1, 2, 3]})
    >>> apply_mask(lf, pl.LazyFrame({st.MASK_COLUMN: [True, False, True]})).collect()["a"].to_list()
    [1, 3]
    """
    both = pl.concat([lf, masks], how="horizontal")
    return both.filter(pl.col(st.MASK_COLUMN)).drop(st.MASK_COLUMN)


def lookup(prefix: tuple[Any, ...]) -> pl.LazyFrame | None:
    """A scan of the cached result of ``prefix``, if present and allowed (logged at INFO once per step, in
    ``datasets``' words, when the entry was not written by this handle)."""
    path = hit(prefix)
    if path is None:
        return None
    step = prefix[-1]
    if step.memo.get(WRITTEN) != path and not step.memo.get(LOGGED):
        step.memo[LOGGED] = True
        log_cache_hit(path)
    return pl.scan_ipc(path)


def log_cache_hit(path: str) -> None:
    """``datasets``' INFO line for a map/filter result read from its cache file."""
    from polards.logging import get_logger

    get_logger(__name__).info(f"Loading cached processed dataset at {path}")


def read_ipc(path: str) -> pl.DataFrame:
    """A whole cache file as a DataFrame through pyarrow's memory map (2-5x faster than ``pl.read_ipc``:
    numeric buffers are not copied, strings are converted once)."""
    import pyarrow as pa

    source = pa.memory_map(path)
    try:
        table = pa.ipc.open_file(source).read_all()
    except pa.ArrowInvalid:  # an Arrow *stream* file (datasets' save_to_disk / cache layout)
        source.seek(0)
        table = pa.ipc.open_stream(source).read_all()
    df = pl.from_arrow(table, rechunk=False)
    assert isinstance(df, pl.DataFrame)
    return df


def whole_file(plan: tuple[Any, ...]) -> str | None:
    """The cache file whose rows are exactly the plan's result (a ``cache()`` source or a Python step's
    cached result with nothing after it), if any: the plan can be read without Polars' IPC reader."""
    last = plan[-1]
    if len(plan) == 1 and isinstance(last, st.Source) and last.format == "arrow" and len(last.files) == 1:
        return last.files[0]
    if len(plan) > 1 and isinstance(last, st.PythonMap) and not last.is_filter:  # a filter's file: a mask
        return hit(plan)
    return None


def write_atomic(lf: pl.LazyFrame, path: str, *, for_arrow: bool = False) -> None:
    """Stream ``lf`` to Arrow IPC at ``path`` through a temporary file (no partial file on failure).

    Written with Arrow's large types (what ``datasets`` and Arrow tools expect; pyarrow then hands out zero-copy
    batches); ``for_arrow`` is kept for callers that say so explicitly.
    """
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    # always Arrow's large types: Polars' string views after a gather point into the whole source buffer, which
    # IPC would write once per batch (a 14 GB file for 250k shuffled rows)
    compat = pl.CompatLevel.oldest()
    try:
        lf.sink_ipc(tmp, compression="uncompressed", compat_level=compat)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def materialize(plan: tuple[Any, ...], compile_plan: Any) -> list[str]:
    """Write the cache entry of every cacheable Python step of ``plan`` that has none (innermost first, the
    plans of a concatenation included), as ``datasets`` does at ``map()`` time.

    Called before a full collection (``to_list``, ``ds[:]``, ``take(n)`` ...), so each later step runs over a
    memory-mapped scan of the one before; returns the files written. A step writes its own entry while its
    results stream by (``polards.core.udf``), so this drains the step once; a step run by ``num_proc``
    workers is written here.
    """
    written = []
    for i, step in enumerate(plan):
        if isinstance(step, st.Concat):
            for sub in step.plans:
                written += materialize(sub, compile_plan)
        if i == 0 or not isinstance(step, st.PythonMap):
            continue
        prefix = plan[: i + 1]
        if lookup(prefix) is not None:
            continue
        path = cache_path(prefix)
        if path is None:
            continue
        lf = compile_plan(prefix)  # a num_proc step runs here and writes its shard files
        if step.memo.get(SHARDS):
            written += [f for f in step.memo[SHARDS] if f not in written]
            continue
        if step.num_proc and step.is_filter:  # the workers' masks, as one file (none: no input rows)
            res = step.memo["parallel"]
            masks = res.shards() if res.files else pl.LazyFrame(schema={st.MASK_COLUMN: pl.Boolean})
            write_atomic(masks, path)
        elif step.num_proc:
            write_atomic(lf, path)
        else:
            for _ in lf.collect_batches(lazy=True):
                pass
            if not os.path.exists(path):  # nothing streamed (no input rows): nothing to cache
                continue
        step.memo[WRITTEN] = path
        written.append(path)
    return written


def set_target(prefix: tuple[Any, ...]) -> None:
    """Tell a Python step (the end of ``prefix``) where a full pass of it writes its cache entry (a ``num_proc``
    step: the stem of its shard files)."""
    step = prefix[-1]
    step.memo[CACHE_TARGET] = cache_path(prefix)


# ------------------------------------------------------------------------------ num_proc shard files
DEFAULT_SUFFIX = "_{rank:05d}_of_{num_proc:05d}"


def shard_file(path: str, suffix_template: str, rank: int | str, num_shards: int) -> str:
    """``datasets``' name of shard ``rank`` of ``num_shards`` of the cache file ``path``.

    >>> shard_file("/c/cache-ab.arrow", DEFAULT_SUFFIX, 1, 4)
    '/c/cache-ab_00001_of_00004.arrow'
    >>> shard_file("/c/cache-ab.arrow", DEFAULT_SUFFIX, "*", 4)
    '/c/cache-ab_*_of_00004.arrow'
    """
    stem, ext = os.path.splitext(path)
    if isinstance(rank, str):
        return (
            stem
            + suffix_template.replace("{rank:05d}", "{rank}").format(rank=rank, num_proc=num_shards)
            + ext
        )
    return stem + suffix_template.format(rank=rank, num_proc=num_shards) + ext


def existing_shards(path: str, suffix_template: str) -> dict[int, list[str]]:
    """The shard files of ``path`` on disk, by the ``num_proc`` that wrote them (``datasets``' map; ``1`` is the
    unsharded file itself)."""
    import glob
    import re
    import string

    stem, ext = os.path.splitext(path)
    pattern = ""
    for literal, name, _, _ in string.Formatter().parse(suffix_template):
        pattern += re.escape(literal) + (f"(?P<{name}>[0-9]+)" if name else "")
    rx = re.compile(re.escape(stem) + pattern + re.escape(ext) + "$")
    found: dict[int, list[str]] = {}
    if os.path.exists(path):
        found[1] = [path]
    for f in sorted(glob.glob(glob.escape(stem) + "*" + glob.escape(ext))):
        m = rx.match(f)
        if m is not None and "num_proc" in m.groupdict():
            found.setdefault(int(m.group("num_proc")), []).append(f)
    return found


def choose_num_shards(found: dict[int, list[str]], wanted: int) -> int:
    """``datasets``' choice: the most complete set of existing shards, then the one closest to ``wanted``, then
    the smaller; ``wanted`` when nothing is cached."""
    if not found:
        return wanted
    return min(found, key=lambda k: ((k - len(found[k])) / k, abs(k - wanted), k))


def has_shards(step: st.PythonMap) -> bool:
    """Whether a step without ``num_proc`` finds its result cached as shard files of an earlier ``num_proc``
    run (``datasets`` then reuses them, recomputing only the missing shards)."""
    path = step.memo.get(CACHE_TARGET)
    opts = step.memo.get(OPTIONS, {})
    if step.is_filter or not path or os.path.exists(path) or not opts.get("load", True):
        return False
    return any(k > 1 for k in existing_shards(path, opts.get("suffix") or DEFAULT_SUFFIX))


def table_files(plan: tuple[Any, ...]) -> list[str]:
    """``datasets``' ``cache_files`` of the plan's result: the Arrow files its rows are read from.

    ``datasets`` lists the memory-mapped Arrow files behind a dataset's table: a file-backed root (``from_file``,
    ``load_from_disk``, ``cache()``: a Source of format ``"arrow"`` with files), every part of a concatenation,
    the cache file a ``map`` wrote (it replaces the table: earlier files are no longer read; a map kept in
    memory has none), then the file of each later ``filter`` (``datasets``' indices file). Steps that keep the
    table (select, rename, cast, sort ...) keep its files. Only existing cache files are listed; a scanned
    parquet/json/csv source has none (``datasets`` converts it to an Arrow file first, polards reads it).
    """
    last = max(
        (i for i, s in enumerate(plan) if i and isinstance(s, st.PythonMap) and not s.is_filter), default=0
    )
    files: list[str] = []
    if last:
        shards = plan[last].memo.get(SHARDS)
        path = hit(plan[: last + 1])
        if shards and all(os.path.exists(f) for f in shards):
            files = list(shards)
        else:
            files = [path] if path else []
    elif isinstance(plan[0], st.Concat):
        for sub in plan[0].plans:  # datasets lists a file once per block that reads it
            files += table_files(sub)
    elif isinstance(plan[0], st.Source) and plan[0].format == "arrow":
        files = list(plan[0].files)
    for j in range(last + 1, len(plan)):
        step = plan[j]
        if isinstance(step, st.PythonMap) and step.is_filter and (path := hit(plan[: j + 1])):
            files.append(path)
    return files


def plan_cache_files(plan: tuple[Any, ...]) -> list[str]:
    """The cache files of the Python steps of ``plan`` (existing ones only): the files polards wrote."""
    files = []
    for i, step in enumerate(plan):
        if isinstance(step, st.Concat):
            for p in step.plans:
                files.extend(plan_cache_files(p))
        elif i and isinstance(step, st.PythonMap):
            for path in (step.memo.get(WRITTEN), cache_path(plan[: i + 1]), *step.memo.get(SHARDS, ())):
                if path and os.path.exists(path) and path not in files:
                    files.append(path)
    return files
