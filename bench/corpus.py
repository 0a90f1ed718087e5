"""Seeded, Hub-like benchmark corpora: parquet shards with modest row groups, one repo folder per corpus.

Layout (a root that the local Hub emulator can serve as-is)::

    <out>/<rows>/bench/chat/data/train-0000i-of-0000n.parquet   # tulu-3-sft shape: id, messages, source
    <out>/<rows>/bench/gsm8k/data/train-....parquet             # question, answer ending "#### N"
    <out>/<rows>/bench/hh/data/train-....parquet                # hh-rlhf shape: chosen, rejected transcripts

Text is drawn from a fixed pool of pseudo-sentences with numpy, so 1M rows build in seconds and the same
seed always gives byte-identical files.

Usage: ``python -m bench.corpus --rows 100000 300000 [--out bench/corpus]``.
"""

from __future__ import annotations

import argparse
import os

import numpy as np
import polars as pl
import pyarrow as pa

CORPORA = ("chat", "gsm8k", "hh")
SHARD_ROWS = 250_000
ROW_GROUP = 20_000
SOURCES = [f"source_{i}" for i in range(12)]


def _sentence_pool(rng: np.random.Generator, n: int = 4096) -> np.ndarray:
    syll = np.array(
        ["ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "de", "an", "el", "or", "ux", "ve", "zi", "ho"]
    )
    words = np.array(["".join(rng.choice(syll, size=rng.integers(1, 4))) for _ in range(2000)])
    out = []
    for _ in range(n):
        w = rng.choice(words, size=int(rng.integers(4, 18)))
        out.append(" ".join(w).capitalize() + rng.choice([".", ".", "?", "!"]))
    return np.array(out, dtype=object)


def _texts(rng: np.random.Generator, pool: np.ndarray, n: int, lo: int, hi: int) -> pl.Series:
    """``n`` texts of ``lo..hi`` sentences each (vectorised: list-gather then join)."""
    k = rng.integers(lo, hi + 1, size=n)
    offsets = np.concatenate([[0], np.cumsum(k)]).astype(np.int64)
    flat = pa.array(pool[rng.integers(0, len(pool), size=int(offsets[-1]))].tolist(), type=pa.large_string())
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), flat)
    s = pl.Series(pl.from_arrow(lists))
    return s.list.join(" ")


def chat_frame(rng: np.random.Generator, pool: np.ndarray, start: int, n: int) -> pl.DataFrame:
    turns = rng.integers(1, 5, size=n) * 2  # 2..8 messages, user/assistant alternating
    turns[rng.random(n) < 0.1] += 1  # some end on a user turn
    offsets = np.concatenate([[0], np.cumsum(turns)]).astype(np.int64)
    total = int(offsets[-1])
    pos = np.arange(total) - np.repeat(offsets[:-1], turns)
    role = np.where(pos % 2 == 0, "user", "assistant")
    content = _texts(rng, pool, total, 1, 6).to_arrow()
    msgs = pa.StructArray.from_arrays(
        [pa.array(role, type=pa.large_string()), content], names=["role", "content"]
    )
    messages = pl.Series("messages", pl.from_arrow(pa.LargeListArray.from_arrays(pa.array(offsets), msgs)))
    return pl.DataFrame(
        {
            "id": [f"chat-{i:09d}" for i in range(start, start + n)],
            "messages": messages,
            "source": np.array(SOURCES)[rng.integers(0, len(SOURCES), size=n)],
        }
    )


def gsm8k_frame(rng: np.random.Generator, pool: np.ndarray, start: int, n: int) -> pl.DataFrame:
    q = _texts(rng, pool, n, 2, 5)
    steps = _texts(rng, pool, n, 2, 6)
    value = rng.integers(0, 2500, size=n)
    kind = rng.random(n)
    final = pl.Series(value.astype(str))
    final = pl.select(
        pl.when(pl.lit(kind < 0.08))
        .then(pl.lit(final) + pl.lit(".5"))  # a decimal: not an integer
        .when(pl.lit(kind > 0.95) & (pl.lit(value) >= 1000))
        .then(
            pl.lit(pl.Series(value // 1000).cast(pl.String))
            + ","
            + pl.lit(pl.Series(value % 1000)).cast(pl.String).str.zfill(3)
        )
        .otherwise(pl.lit(final))
    ).to_series()
    return pl.DataFrame({"question": q, "answer": steps + "\n#### " + final})


def hh_frame(rng: np.random.Generator, pool: np.ndarray, start: int, n: int) -> pl.DataFrame:
    turns = rng.integers(1, 4, size=n)  # human/assistant exchanges
    texts = _texts(rng, pool, int(turns.sum()) * 2 + n, 1, 4)
    pieces = texts.to_numpy()
    chosen, rejected = [], []
    j = 0
    for t in turns.tolist():
        parts = []
        for _ in range(t):
            parts.append(f"\n\nHuman: {pieces[j]}\n\nAssistant: {pieces[j + 1]}")
            j += 2
        prefix = "".join(parts[:-1]) + parts[-1].rsplit("\n\nAssistant: ", 1)[0]
        chosen.append("".join(parts))
        rejected.append(f"{prefix}\n\nAssistant: {pieces[j]}")
        j += 1
    return pl.DataFrame({"chosen": chosen, "rejected": rejected})


BUILDERS = {"chat": chat_frame, "gsm8k": gsm8k_frame, "hh": hh_frame}


def repo_dir(root: str, rows: int, corpus: str) -> str:
    """The repo folder of ``corpus`` at ``rows`` rows (the Hub emulator root is ``<root>/<rows>``)."""
    return os.path.join(root, str(rows), "bench", corpus)


def write_corpus(root: str, rows: int, corpus: str, seed: int = 0) -> str:
    """Write one corpus (idempotent: skipped when its shards exist); returns the repo folder."""
    repo = repo_dir(root, rows, corpus)
    n_shards = max(1, -(-rows // SHARD_ROWS))
    names = [f"train-{i:05d}-of-{n_shards:05d}.parquet" for i in range(n_shards)]
    data = os.path.join(repo, "data")
    if all(os.path.exists(os.path.join(data, f)) for f in names):
        return repo
    os.makedirs(data, exist_ok=True)
    rng = np.random.default_rng([seed, CORPORA.index(corpus)])
    pool = _sentence_pool(np.random.default_rng(seed))
    for i, name in enumerate(names):
        start, stop = i * rows // n_shards, (i + 1) * rows // n_shards
        df = BUILDERS[corpus](rng, pool, start, stop - start)
        tmp = os.path.join(data, f".{name}.tmp")
        df.write_parquet(tmp, row_group_size=ROW_GROUP, compression="zstd", statistics=True)
        os.replace(tmp, os.path.join(data, name))
    with open(os.path.join(repo, "README.md"), "w") as fh:
        fh.write(
            f"---\nconfigs:\n- config_name: default\n  data_files:\n  - split: train\n    path: data/train-*\n---\n# bench/{corpus} ({rows} rows, seed {seed})\n"
        )
    return repo


def write_all(root: str, rows: int, seed: int = 0) -> dict[str, str]:
    return {c: write_corpus(root, rows, c, seed) for c in CORPORA}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Generate the seeded benchmark corpora.")
    p.add_argument("--rows", type=int, nargs="+", default=[100_000])
    p.add_argument("--out", default=os.path.join("bench", "corpus"))
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    for rows in args.rows:
        for corpus, path in write_all(args.out, rows, args.seed).items():
            print(f"{rows:>9} {corpus:6} {path}")


if __name__ == "__main__":
    main()
