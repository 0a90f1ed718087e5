"""The benchmark workloads W1..W10, each implemented several ways.

A workload implementation is a function ``fn(ctx) -> dict`` (a small summary, e.g. the number of rows produced,
used to check that implementations agree). ``ctx`` is a :class:`Ctx`. Implementations are named
``"polards"``, ``"polards:stream"``, ``"polards:hot"``, ``"polars"``, ``"polars:stream"``, ``"datasets:cold"``,
``"datasets:warm"``, ``"datasets:arrow"``, ``"datasets:hot"``, ``"datasets:stream"`` and ``"reference"`` (W9/W10:
the reference packages). The runner decides the cache directories for each mode (see :mod:`bench.run`); a
function only reads ``ctx.mode`` to pass ``load_from_cache_file``.

Imports are done inside the functions so that each child process imports only what its implementation needs.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TAKE_W3 = 100_000
TAKE_W4 = 10_000
BATCH = 1024


@dataclass
class Ctx:
    root: str  # emulator root: <corpus>/<rows>
    rows: int
    mode: str = ""  # cold | warm | arrow | hot | stream | ""
    tmp: str = ""  # a scratch folder private to this run
    extra: dict[str, Any] = field(default_factory=dict)

    def repo(self, corpus: str) -> str:
        return os.path.join(self.root, "bench", corpus)

    def files(self, corpus: str) -> list[str]:
        return sorted(glob.glob(os.path.join(self.repo(corpus), "data", "*.parquet")))

    @property
    def lfc(self) -> bool:
        """``load_from_cache_file`` for ``datasets``: only the hot rerun replays cached map results."""
        return self.mode == "hot"


# ------------------------------------------------------------------------------------------------ helpers
def _pds_load(ctx: Ctx, corpus: str, streaming: bool = False) -> Any:
    import polards as pds

    return pds.load_dataset(ctx.repo(corpus), split="train", streaming=streaming)


def _hf_load(ctx: Ctx, corpus: str) -> Any:
    import datasets

    if ctx.mode == "stream":
        return datasets.load_dataset(ctx.repo(corpus), split="train", streaming=True)
    ds = datasets.load_dataset(ctx.repo(corpus), split="train")
    return ds.with_format("arrow") if ctx.mode == "arrow" else ds


def _hf_rows(obj: Any) -> int:
    """Materialise a ``datasets`` result as an Arrow table (map-style) or drain a stream; returns the rows."""
    import datasets

    if isinstance(obj, datasets.IterableDataset):
        return sum(b.num_rows for b in obj.with_format("arrow").iter(BATCH))
    return obj.with_format("arrow")[:].num_rows


def _pds_rows(ds: Any, ctx: Ctx) -> int:
    """Materialise a polards result as a Polars frame. ``polards:hot`` ends the pipeline with ``cache()`` (polards
    never caches expression results on its own) and, like the ``datasets`` cells, takes ``with_format("arrow")[:]``:
    in both libraries an identical rerun then returns the memory-mapped Arrow cache file without reading its rows."""
    if ctx.mode == "hot":
        return ds.cache().with_format("arrow")[:].num_rows
    return ds.to_polars().height


def _iter_count(batches: Any) -> int:
    return sum(batches)


# -------------------------------------------------------------------------------------------- W1 count rows
def w1_polards(ctx: Ctx) -> dict:
    return {"rows": len(_pds_load(ctx, "chat"))}


def w1_polars(ctx: Ctx) -> dict:
    import polars as pl

    return {"rows": pl.scan_parquet(ctx.files("chat")).select(pl.len()).collect().item()}


def w1_datasets(ctx: Ctx) -> dict:
    ds = _hf_load(ctx, "chat")
    return {"rows": _hf_rows(ds) if ctx.mode == "stream" else ds.num_rows}


# -------------------------------------------------------------------------------------- W2 stream in batches
def w2_polards(ctx: Ctx) -> dict:
    ds = _pds_load(ctx, "chat", streaming=ctx.mode == "stream")
    if ctx.mode == "hot":  # epoch 2+: iterate the Arrow IPC file that Dataset.cache() wrote (primed run)
        ds = ds.cache()
    return {"rows": _iter_count(b.num_rows for b in ds.with_format("arrow").iter(BATCH))}


def w2_polars(ctx: Ctx) -> dict:
    import polars as pl

    # the practical limit: convert big frames to Arrow once, then zero-copy slices (a 1024-row frame's
    # ``to_arrow()`` re-encodes its parent's string buffers: 3-4x slower). Same Arrow types as datasets/polards.
    if ctx.mode == "stream":  # bounded memory: 32k-row frames straight from the reader
        it = pl.scan_parquet(ctx.files("chat")).collect_batches(chunk_size=32_768, lazy=True)
        return {"rows": sum(b.num_rows for df in it for b in df.to_arrow().to_batches(BATCH))}
    table = pl.scan_parquet(ctx.files("chat")).collect().to_arrow()
    return {"rows": sum(b.num_rows for b in table.to_batches(BATCH))}


def w2_datasets(ctx: Ctx) -> dict:
    ds = _hf_load(ctx, "chat")
    return {"rows": sum(b.num_rows for b in ds.with_format("arrow").iter(BATCH))}


# ------------------------------------------------------------------- W3 shuffle -> filter -> map -> head -> collect
def _w3_exprs() -> tuple[Any, dict[str, Any]]:
    import polars as pl

    m = pl.col("messages")
    chars = m.list.eval(pl.element().struct.field("content").str.len_chars()).list.sum()
    return m.list.len() >= 3, {"num_turns": m.list.len(), "total_chars": chars}


def w3_polards(ctx: Ctx) -> dict:
    pred, cols = _w3_exprs()
    ds = _pds_load(ctx, "chat", streaming=ctx.mode == "stream")
    if ctx.mode == "stream":
        out = ds.shuffle(seed=0).filter(pred).map(cols).take(TAKE_W3)
        return {"rows": _iter_count(b.num_rows for b in out.with_format("arrow").iter(BATCH))}
    out = ds.shuffle(seed=0).filter(pred).map(cols).take(TAKE_W3)
    return {"rows": _pds_rows(out, ctx)}


def w3_polars(ctx: Ctx) -> dict:
    import numpy as np
    import polars as pl

    pred, cols = _w3_exprs()
    lf = pl.scan_parquet(ctx.files("chat"))
    n = lf.select(pl.len()).collect().item()
    perm = pl.Series(np.random.default_rng(0).permutation(n), dtype=pl.get_index_type())
    gathered = lf.select(pl.all().gather(perm))
    # Polars 2.1's streaming engine panics when the head() below stops a large gather early (always at 1M rows);
    # the same non-streamable identity step polards uses is the cheapest hand-written way around it
    gathered = gathered.map_batches(lambda d: d, schema=gathered.collect_schema(), streamable=False)
    df = gathered.filter(pred).with_columns(**cols).head(TAKE_W3).collect()
    return {"rows": df.height}


def _w3_filter(msgs: list) -> list[bool]:
    return [len(m) >= 3 for m in msgs]


def _w3_map(msgs: list) -> dict:
    return {
        "num_turns": [len(m) for m in msgs],
        "total_chars": [sum(len(t["content"]) for t in m) for m in msgs],
    }


def _w3_filter_arrow(t: Any) -> Any:
    import pyarrow.compute as pc

    return pc.greater_equal(pc.list_value_length(t["messages"]), 3)


def _w3_map_arrow(t: Any) -> Any:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    m = t["messages"].combine_chunks()
    lens = pc.utf8_length(pc.struct_field(pc.list_flatten(m), "content")).to_numpy(zero_copy_only=False)
    parents = pc.list_parent_indices(m).to_numpy()
    total = np.bincount(parents, weights=lens, minlength=len(m)).astype(np.int64)
    return t.append_column("num_turns", pc.list_value_length(m)).append_column("total_chars", pa.array(total))


def w3_datasets(ctx: Ctx) -> dict:
    ds = _hf_load(ctx, "chat")
    if ctx.mode == "stream":
        out = ds.shuffle(seed=0, buffer_size=1000).filter(_w3_filter, input_columns="messages", batched=True)
        out = out.map(_w3_map, input_columns="messages", batched=True).take(TAKE_W3)
        return {"rows": _hf_rows(out)}
    kw = {"load_from_cache_file": ctx.lfc}
    if ctx.mode == "arrow":
        out = (
            ds.shuffle(seed=0, **kw)
            .filter(_w3_filter_arrow, batched=True, **kw)
            .map(_w3_map_arrow, batched=True, **kw)
        )
    else:
        out = ds.shuffle(seed=0, **kw).filter(_w3_filter, input_columns="messages", batched=True, **kw)
        out = out.map(_w3_map, input_columns="messages", batched=True, **kw)
    return {"rows": _hf_rows(out.select(range(min(TAKE_W3, len(out)))))}


# ------------------------------------------------------------------------------ W4 GSM8K final answers < 1000
_GSM = re.compile(r"####\s*(.+?)\s*$")


def w4_polards(ctx: Ctx) -> dict:
    import polars as pl

    from polards.eval import extract_gsm8k_expr

    final = extract_gsm8k_expr("answer")
    f = pl.col("final")
    keep = f.str.contains(r"^-?\d+$") & (f.cast(pl.Int64, strict=False) < 1000)
    ds = (
        _pds_load(ctx, "gsm8k", streaming=ctx.mode == "stream")
        .map({"final": final})
        .filter(keep)
        .take(TAKE_W4)
    )
    if ctx.mode == "stream":
        return {"rows": _iter_count(b.num_rows for b in ds.with_format("arrow").iter(BATCH))}
    return {"rows": _pds_rows(ds, ctx)}


def w4_polars(ctx: Ctx) -> dict:
    import polars as pl

    from polards.eval import extract_gsm8k_expr

    # the same extraction semantics as polards (the text after the *last* "####"), as W5 uses the mapper's
    # expressions: the polards/Polars ratio measures the library's overhead, not two different regexes
    final = extract_gsm8k_expr("answer")
    f = pl.col("final")
    keep = f.str.contains(r"^-?\d+$") & (f.cast(pl.Int64, strict=False) < 1000)
    lf = pl.scan_parquet(ctx.files("gsm8k")).with_columns(final.alias("final")).filter(keep).head(TAKE_W4)
    return {"rows": lf.collect().height}


def _w4_map(answers: list) -> dict:
    out = []
    for a in answers:
        m = _GSM.search(a)
        out.append(m.group(1).replace(",", "") if m else None)
    return {"final": out}


def _w4_filter(finals: list) -> list[bool]:
    return [f is not None and re.fullmatch(r"-?\d+", f) is not None and int(f) < 1000 for f in finals]


def _w4_map_arrow(t: Any) -> Any:
    import pyarrow.compute as pc

    f = pc.struct_field(pc.extract_regex(t["answer"], r"####\s*(?P<f>[^\n]+?)\s*$"), "f")
    return t.append_column("final", pc.replace_substring(f, ",", ""))


def _w4_filter_arrow(t: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    f = t["final"]
    is_int = pc.match_substring_regex(f, r"^-?\d+$")
    num = pc.cast(pc.if_else(is_int, f, pa.scalar("0")), pa.int64())
    return pc.fill_null(pc.and_(is_int, pc.less(num, 1000)), False)


def w4_datasets(ctx: Ctx) -> dict:
    ds = _hf_load(ctx, "gsm8k")
    if ctx.mode == "stream":
        out = ds.map(_w4_map, input_columns="answer", batched=True).filter(
            _w4_filter, input_columns="final", batched=True
        )
        return {"rows": _hf_rows(out.take(TAKE_W4))}
    kw = {"load_from_cache_file": ctx.lfc}
    if ctx.mode == "arrow":
        out = ds.map(_w4_map_arrow, batched=True, **kw).filter(_w4_filter_arrow, batched=True, **kw)
    else:
        out = ds.map(_w4_map, input_columns="answer", batched=True, **kw)
        out = out.filter(_w4_filter, input_columns="final", batched=True, **kw)
    return {"rows": _hf_rows(out.select(range(min(TAKE_W4, len(out)))))}


# ------------------------------------------------------------------------------ W5 hh-rlhf -> comparison structs
def w5_polards(ctx: Ctx) -> dict:
    from polards.mappers import hh_rlhf

    ds = _pds_load(ctx, "hh", streaming=ctx.mode == "stream").map_schema(hh_rlhf())
    if ctx.mode == "stream":
        return {"rows": _iter_count(b.num_rows for b in ds.with_format("arrow").iter(BATCH))}
    return {"rows": _pds_rows(ds, ctx)}


def w5_polars(ctx: Ctx) -> dict:
    import polars as pl

    from polards.mappers import hh_rlhf

    # the same Polars expressions the mapper builds, applied to a bare scan (the "hand-written" limit)
    return {"rows": hh_rlhf()(pl.scan_parquet(ctx.files("hh"))).collect().height}


_TURN = re.compile(r"\n\n(Human|Assistant): ")


def _transcript(text: str) -> list[dict]:
    parts = _TURN.split("\n\n" + text.lstrip())[1:]
    return [
        {"role": "user" if parts[i] == "Human" else "assistant", "content": parts[i + 1].strip()}
        for i in range(0, len(parts) - 1, 2)
    ]


def _w5_map(chosen: list, rejected: list) -> dict:
    out: dict[str, list] = {"comparison": [], "label": []}
    for c, r in zip(chosen, rejected, strict=True):
        cm, rm = _transcript(c), _transcript(r)
        if len(cm) != len(rm) or not cm or cm[:-1] != rm[:-1] or cm[-1] == rm[-1]:
            continue
        out["comparison"].append(
            {"prompt_conversation": cm[:-1], "completion_A": cm[-1:], "completion_B": rm[-1:]}
        )
        out["label"].append("A")
    return out


def w5_datasets(ctx: Ctx) -> dict:
    ds = _hf_load(ctx, "hh")
    kw = {} if ctx.mode == "stream" else {"load_from_cache_file": ctx.lfc}
    out = ds.map(
        _w5_map,
        input_columns=["chosen", "rejected"],
        batched=True,
        remove_columns=["chosen", "rejected"],
        **kw,
    )
    return {"rows": _hf_rows(out)}


# --------------------------------------------------------------------- W6 concatenate texts, batch(256, drop_last)
def _w6_exprs() -> dict[str, Any]:
    import polars as pl

    return {
        "chat": pl.col("messages").list.eval(pl.element().struct.field("content")).list.join("\n"),
        "gsm8k": pl.col("question") + "\n" + pl.col("answer"),
        "hh": pl.col("chosen"),
    }


def w6_polards(ctx: Ctx) -> dict:
    import polards as pds

    parts = [_pds_load(ctx, c).map({"text": e}).select_columns(["text"]) for c, e in _w6_exprs().items()]
    out = pds.concatenate_datasets(parts).batch(256, drop_last_batch=True)
    return {"rows": _pds_rows(out, ctx)}


def w6_polars(ctx: Ctx) -> dict:
    import polars as pl

    lfs = [pl.scan_parquet(ctx.files(c)).select(e.alias("text")) for c, e in _w6_exprs().items()]
    lf = pl.concat(lfs).with_columns((pl.int_range(pl.len()) // 256).alias("_b"))
    out = (
        lf.group_by("_b", maintain_order=True).agg("text").filter(pl.col("text").list.len() == 256).drop("_b")
    )
    return {"rows": out.collect().height}


def _w6_chat(msgs: list) -> dict:
    return {"text": ["\n".join(t["content"] for t in m) for m in msgs]}


def _w6_gsm(q: list, a: list) -> dict:
    return {"text": [x + "\n" + y for x, y in zip(q, a, strict=True)]}


def _w6_hh(c: list) -> dict:
    return {"text": c}


def w6_datasets(ctx: Ctx) -> dict:
    import datasets

    kw = {} if ctx.mode == "stream" else {"load_from_cache_file": ctx.lfc}
    specs = [
        ("chat", _w6_chat, ["messages"]),
        ("gsm8k", _w6_gsm, ["question", "answer"]),
        ("hh", _w6_hh, ["chosen"]),
    ]
    parts = []
    for corpus, fn, cols in specs:
        ds = _hf_load(ctx, corpus)
        names = ds.column_names if ctx.mode != "stream" else list(ds.features)
        parts.append(ds.map(fn, input_columns=cols, batched=True, remove_columns=names, **kw))
    out = datasets.concatenate_datasets(parts).batch(256, drop_last_batch=True)
    return {"rows": _hf_rows(out)}


# ---------------------------------------------------------------------- W7 a Python batched map (opaque to Polars)
_WORD = re.compile(r"\w+")


def py_features(batch: dict) -> dict:
    """Word counts and a checksum: a function polards cannot turn into an expression."""
    import zlib

    return {
        "n_words": [len(_WORD.findall(q)) for q in batch["question"]],
        "checksum": [zlib.crc32(a.encode()) & 0xFFFF for a in batch["answer"]],
    }


def w7_polards(ctx: Ctx) -> dict:
    ds = _pds_load(ctx, "gsm8k", streaming=ctx.mode == "stream").map(py_features, batched=True)
    if ctx.mode == "stream":
        return {"rows": _iter_count(b.num_rows for b in ds.with_format("arrow").iter(BATCH))}
    return {"rows": ds.to_polars().height}


def w7_polars(ctx: Ctx) -> dict:
    import polars as pl

    def fn(df: pl.DataFrame) -> pl.DataFrame:
        new = py_features({"question": df["question"].to_list(), "answer": df["answer"].to_list()})
        return df.with_columns(
            pl.Series("n_words", new["n_words"], dtype=pl.Int64),
            pl.Series("checksum", new["checksum"], dtype=pl.Int64),
        )

    lf = pl.scan_parquet(ctx.files("gsm8k"))
    schema = pl.Schema({**lf.collect_schema(), "n_words": pl.Int64, "checksum": pl.Int64})
    return {"rows": lf.map_batches(fn, schema=schema, streamable=True).collect().height}


def w7_datasets(ctx: Ctx) -> dict:
    ds = _hf_load(ctx, "gsm8k")
    kw = {} if ctx.mode == "stream" else {"load_from_cache_file": ctx.lfc}
    return {"rows": _hf_rows(ds.map(py_features, batched=True, **kw))}


# ----------------------------------------------------------------------------- W8 through the local Hub emulator
REPO_W8 = "bench/gsm8k"


def w8_polards(ctx: Ctx) -> dict:
    import polards as pds

    cache = os.path.join(ctx.tmp, "hub")
    if ctx.mode == "stream":
        ds = pds.load_dataset(REPO_W8, split="train", streaming=True, token=False)
    else:
        ds = pds.load_dataset(REPO_W8, split="train", cache_dir=cache, token=False)
    first = next(iter(ds.with_format("arrow").iter(BATCH)))
    return {"rows": first.num_rows}


def w8_polars(ctx: Ctx) -> dict:
    import polars as pl
    from huggingface_hub import HfApi, snapshot_download

    endpoint = os.environ["HF_ENDPOINT"]
    if ctx.mode == "stream":
        files = [
            f
            for f in HfApi(endpoint=endpoint, token=False).list_repo_files(REPO_W8, repo_type="dataset")
            if f.endswith(".parquet")
        ]
        urls = [f"{endpoint}/datasets/{REPO_W8}/resolve/main/{f}" for f in sorted(files)]
        return {"rows": pl.scan_parquet(urls).head(BATCH).collect().height}
    path = snapshot_download(
        REPO_W8, repo_type="dataset", cache_dir=os.path.join(ctx.tmp, "hub"), endpoint=endpoint, token=False
    )
    it = pl.scan_parquet(sorted(glob.glob(os.path.join(path, "data", "*.parquet")))).collect_batches(
        chunk_size=BATCH, lazy=True
    )
    return {"rows": next(iter(it)).height}


def w8_datasets(ctx: Ctx) -> dict:
    import datasets

    ds = datasets.load_dataset(REPO_W8, split="train", streaming=ctx.mode == "stream")
    return {"rows": next(iter(ds.with_format("arrow").iter(BATCH))).num_rows}


# ------------------------------------------------------------------------------ W9 grading and BLEU/ROUGE scoring
def _w9_pairs(ctx: Ctx, n: int) -> tuple[list[str], list[str]]:
    import polars as pl

    df = pl.scan_parquet(ctx.files("gsm8k")).head(n).collect()
    refs = df["question"].to_list()
    hyps = [
        " ".join(r.split()[::-1][:12]) + " " + a.split("\n")[0][:60]
        for r, a in zip(refs, df["answer"].to_list(), strict=True)
    ]
    return hyps, refs


def _w9_math(ctx: Ctx, n: int) -> tuple[list[str], list[str]]:
    import polars as pl

    gold = (
        pl.scan_parquet(ctx.files("gsm8k"))
        .head(n)
        .select(pl.col("answer").str.extract(r"####\s*(\S+)", 1))
        .collect()
        .to_series()
        .to_list()
    )
    forms = ["{}", "{}.0", "\\frac{{{}}}{{1}}", "{} ", "2*{}/2", "{}+1"]
    given = [forms[i % len(forms)].format(g.replace(",", "")) for i, g in enumerate(gold)]
    return given, gold


N_GRADE, N_TEXT = 10_000, 100_000


def w9_grade_polards(ctx: Ctx) -> dict:
    from polards.eval import grade_answers

    given, gold = _w9_math(ctx, min(ctx.extra.get("pairs", N_GRADE), ctx.rows))
    return {"correct": int(grade_answers(given, gold).sum())}


def w9_grade_reference(ctx: Ctx) -> dict:
    """The same pairs through math-verify (Hugging Face's grader: sympy in this process, one pair at a time)."""
    from math_verify import parse, verify

    given, gold = _w9_math(ctx, min(ctx.extra.get("pairs", N_GRADE), ctx.rows))
    correct = sum(bool(verify(parse(f"${g}$"), parse(f"${x}$"))) for x, g in zip(given, gold, strict=True))
    return {"correct": int(correct)}


def w9_bleu_polards(ctx: Ctx) -> dict:
    from polards.eval import corpus_bleu

    hyps, refs = _w9_pairs(ctx, min(ctx.extra.get("pairs", N_TEXT), ctx.rows))
    return {"score": round(corpus_bleu(hyps, [[r] for r in refs]).score, 4)}


def w9_bleu_reference(ctx: Ctx) -> dict:
    import sacrebleu

    hyps, refs = _w9_pairs(ctx, min(ctx.extra.get("pairs", N_TEXT), ctx.rows))
    return {"score": round(sacrebleu.corpus_bleu(hyps, [refs]).score, 4)}


def w9_rouge_polards(ctx: Ctx) -> dict:
    from polards.eval import rouge

    hyps, refs = _w9_pairs(ctx, min(ctx.extra.get("pairs", N_TEXT), ctx.rows))
    res = rouge(hyps, refs)
    return {"rows": len(hyps), "summary": str(getattr(res, "score", ""))[:40]}


def w9_rouge_reference(ctx: Ctx) -> dict:
    from rouge_score import rouge_scorer

    hyps, refs = _w9_pairs(ctx, min(ctx.extra.get("pairs", N_TEXT), ctx.rows))
    sc = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"])
    scores = [sc.score(r, h) for h, r in zip(hyps, refs, strict=True)]
    return {"rows": len(scores)}


# --------------------------------------------------------------------------- W10 sandbox throughput (HumanEval)
HUMANEVAL = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    "tests",
    "data",
    "humaneval",
    "HumanEval.jsonl.gz",
)


def _humaneval(limit: int | None) -> list[dict]:
    import gzip
    import json

    with gzip.open(HUMANEVAL, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    return rows[:limit] if limit else rows


def w10_polards(ctx: Ctx) -> dict:
    from polards.sandbox import AssertTest, run_many

    rows = _humaneval(ctx.extra.get("humaneval_limit"))
    progs = [(r["prompt"] + r["canonical_solution"], AssertTest(r["test"], r["entry_point"])) for r in rows]
    res = run_many(progs, progress=False)
    return {"programs": len(res), "passed": sum(r.all_passed for r in res)}


def w10_reference(ctx: Ctx) -> dict:
    """Baseline: one fresh ``python -c`` subprocess per program, 2 at a time (what ad-hoc harnesses do)."""
    import subprocess
    import sys
    from concurrent.futures import ThreadPoolExecutor

    rows = _humaneval(ctx.extra.get("humaneval_limit"))

    def one(r: dict) -> bool:
        src = r["prompt"] + r["canonical_solution"] + "\n" + r["test"] + f"\ncheck({r['entry_point']})\n"
        return subprocess.run([sys.executable, "-c", src], capture_output=True, timeout=10).returncode == 0

    with ThreadPoolExecutor(2) as ex:
        ok = list(ex.map(one, rows))
    return {"programs": len(ok), "passed": sum(ok)}


# ------------------------------------------------------------------------------------------------- registry
D_MODES = ("datasets:cold", "datasets:warm", "datasets:arrow", "datasets:hot", "datasets:stream")


def _impls(
    pds: Callable,
    pl_: Callable,
    hf: Callable | None,
    *,
    stream: bool = True,
    arrow: bool = False,
    hot: bool = True,
    pds_hot: bool = False,
) -> dict[str, Callable]:
    out: dict[str, Callable] = {"polards": pds, "polars": pl_}
    if stream:
        out["polards:stream"] = pds
    if pds_hot:
        out["polards:hot"] = pds
    if hf is not None:
        for m in D_MODES:
            if (
                (m == "datasets:arrow" and not arrow)
                or (m == "datasets:hot" and not hot)
                or (m == "datasets:stream" and not stream)
            ):
                continue
            out[m] = hf
    return out


WORKLOADS: dict[str, dict[str, Any]] = {
    "W1": {
        "title": "open a repo folder, count rows",
        "impls": _impls(w1_polards, w1_polars, w1_datasets, stream=True, hot=False),
    },
    "W2": {
        "title": "stream chat corpus, batches of 1024 (arrow)",
        "warm_is_cached": True,
        "impls": {
            **_impls(w2_polards, w2_polars, w2_datasets, hot=False, pds_hot=True),
            "polars:stream": w2_polars,
        },
    },
    "W3": {
        "title": "shuffle, filter >=3 turns, map 2 cols, first 100k",
        "impls": _impls(w3_polards, w3_polars, w3_datasets, arrow=True, pds_hot=True),
    },
    "W4": {
        "title": "GSM8K final answer, ints < 1000, take 10k",
        "impls": _impls(w4_polards, w4_polars, w4_datasets, arrow=True, pds_hot=True),
    },
    "W5": {
        "title": "hh-rlhf transcripts -> comparison structs",
        "impls": _impls(w5_polards, w5_polars, w5_datasets, pds_hot=True),
    },
    "W6": {
        "title": "concat 3 corpora text, batch(256, drop_last)",
        "impls": _impls(w6_polards, w6_polars, w6_datasets, stream=False, pds_hot=True),
    },
    "W7": {
        "title": "Python batched map (opaque function)",
        "impls": _impls(w7_polards, w7_polars, w7_datasets, pds_hot=True),
    },
    "W8": {
        "title": "load via Hub emulator: download + first batch",
        "impls": {
            "polards": w8_polards,
            "polards:stream": w8_polards,
            "polars": w8_polars,
            "polars:stream": w8_polars,
            "datasets:cold": w8_datasets,
            "datasets:stream": w8_datasets,
        },
    },
    "W9a": {
        "title": "grade 10k math pairs",
        "impls": {"polards": w9_grade_polards, "reference": w9_grade_reference},
        "fixed_size": True,
    },
    "W9b": {
        "title": "corpus BLEU on 100k pairs",
        "impls": {"polards": w9_bleu_polards, "reference": w9_bleu_reference},
        "fixed_size": True,
    },
    "W9c": {
        "title": "ROUGE-1/2/L/Lsum on 100k pairs",
        "impls": {"polards": w9_rouge_polards, "reference": w9_rouge_reference},
        "fixed_size": True,
    },
    "W10": {
        "title": "sandbox: HumanEval canonical solutions",
        "impls": {"polards": w10_polards, "reference": w10_reference},
        "fixed_size": True,
    },
}
SKIPPED: dict[tuple[str, str], str] = {}
