"""Layout test repos for the Hub loading tests (built once per session in a temp folder)."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import polars as pl
from PIL import Image as PILImage

from polards.testing.hub import write_repo

TOKEN = "hf_polards_test_token"


def qa_frame(n: int, offset: int = 0, prefix: str = "q") -> pl.DataFrame:
    ids = list(range(offset, offset + n))
    return pl.DataFrame(
        {
            "id": ids,
            "question": [f"{prefix}{i}" for i in ids],
            "answer": [f"answer {i} " + "x" * 50 for i in ids],
            "label": [i % 3 for i in ids],
        }
    )


TRAIN = pl.concat([qa_frame(60), qa_frame(40, 60)])
TEST = qa_frame(30, 0, "t")


def _png(color: str) -> bytes:
    buf = io.BytesIO()
    PILImage.new("RGB", (2, 2), color).save(buf, format="PNG")
    return buf.getvalue()


def _wide(n: int, seed: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": list(range(seed, seed + n)),
            "question": [f"question {i}" for i in range(seed, seed + n)],
            "blob": [
                random.Random(i).randbytes(2000).hex() for i in range(seed, seed + n)
            ],  # 4 kB, incompressible
        }
    )


def build(root: Path) -> Path:
    """Write every layout repo under ``root``."""
    write_repo(
        root,
        "acme/qa",
        {
            "data/train-00000-of-00002.parquet": TRAIN[:60],
            "data/train-00001-of-00002.parquet": TRAIN[60:],
            "data/test-00000-of-00001.parquet": TEST,
        },
        card={"license": "mit"},
    )
    configs_card = {
        "configs": [
            {
                "config_name": "main",
                "data_files": [
                    {"split": "train", "path": "main/train-*"},
                    {"split": "test", "path": "main/test-*"},
                ],
            },
            {
                "config_name": "socratic",
                "data_files": [{"split": "train", "path": "socratic/*.parquet"}],
                "default": True,
            },
        ],
        "dataset_info": [
            {
                "config_name": "main",
                "features": [
                    {"name": "id", "dtype": "int64"},
                    {"name": "question", "dtype": "string"},
                    {"name": "answer", "dtype": "string"},
                    {"name": "label", "dtype": {"class_label": {"names": {"0": "a", "1": "b", "2": "c"}}}},
                ],
                "splits": [{"name": "train", "num_examples": 100}, {"name": "test", "num_examples": 30}],
            }
        ],
    }
    write_repo(
        root,
        "acme/configs",
        {
            "main/train-00000-of-00001.parquet": TRAIN,
            "main/test-00000-of-00001.parquet": TEST,
            "socratic/train-00000-of-00001.parquet": TRAIN[:10],
        },
        card=configs_card,
    )
    rows = TRAIN.to_dicts()
    write_repo(
        root,
        "acme/synonyms",
        {"train.jsonl.gz": rows[:50], "valid.jsonl": rows[50:60], "eval.jsonl.zst": rows[60:75]},
    )
    write_repo(root, "acme/dirs", {"training/part-0.csv": TRAIN[:20], "dev/part-0.csv": TEST[:5]})
    write_repo(
        root,
        "acme/folders",
        {
            "alpha/train-00000-of-00001.parquet": TRAIN[:10],
            "alpha/test-00000-of-00001.parquet": TEST[:3],
            "beta/train-00000-of-00001.parquet": TRAIN[10:15],
        },
    )
    write_repo(
        root,
        "acme/convert",
        {"convert.py": "# a loading script polards does not run\n", "notes.md": "n"},
        card={"license": "mit"},
        revisions={
            "refs/convert/parquet": {
                "default/train/0000.parquet": TRAIN[:7],
                "default/partial-test/0000.parquet": TEST[:2],
            }
        },
    )
    write_repo(
        root,
        "acme/datadir",
        {"en/train.jsonl": rows[:8], "en/test.jsonl": rows[8:10], "fr/train.jsonl": rows[10:13]},
        card={
            "configs": [
                {"config_name": "en", "data_dir": "en", "default": True},
                {"config_name": "fr", "data_dir": "fr"},
            ]
        },
    )
    write_repo(
        root,
        "acme/records",
        {
            "train.json": json.dumps({"version": "1", "data": rows[:12]}, indent=1).encode(),
            "test.json": rows[12:15],
        },
    )
    write_repo(
        root, "acme/text", {"train.txt": "line one\nline two\nline three\n", "test.txt.gz": "t1\nt2\n"}
    )
    write_repo(root, "acme/csvgz", {"data/train.csv.gz": TRAIN[:9], "data/test.csv": TEST[:4]})
    write_repo(
        root,
        "acme/images",
        {"train/cat/1.png": _png("red"), "train/cat/2.png": _png("red"), "train/dog/3.png": _png("blue")},
    )
    write_repo(
        root,
        "acme/gated",
        {"data/train-00000-of-00001.parquet": TRAIN[:20], "data/test-00000-of-00001.parquet": TEST[:5]},
        settings={"gated": "auto", "tokens": [TOKEN]},
    )
    write_repo(root, "acme/private", {"train.jsonl": rows[:4]}, settings={"private": True, "tokens": [TOKEN]})
    write_repo(
        root,
        "acme/wide",
        {"data/train-00000-of-00001.parquet": pl.concat([_wide(400, 0), _wide(400, 400)])},
    )
    write_repo(
        root,
        "acme/many",
        {f"data/train-{i:05d}-of-00012.parquet": qa_frame(10, 10 * i) for i in range(12)},
    )
    for name, (first, second) in DRIFT.items():
        for ext in ("parquet", "jsonl"):
            shards = {f"data/train-0000{i}-of-00002.{ext}": f for i, f in enumerate((first, second))}
            if ext == "jsonl":
                shards = {k: v.to_dicts() for k, v in shards.items()}
            write_repo(root, f"acme/drift-{name}-{ext}", shards)
    return root


# Shard-schema drift within one split: (shard 0, shard 1). Expected outcomes are datasets 5.2's, measured with the
# same frames (tests/hub/test_never_wrong_rows.py::test_drift_matches_datasets runs the oracle).
DRIFT = {
    "extra": (pl.DataFrame({"a": [1, 2]}), pl.DataFrame({"a": [3], "b": ["x"]})),
    "missing": (pl.DataFrame({"a": [1, 2], "b": ["x", "y"]}), pl.DataFrame({"a": [3]})),
    "lossy": (pl.DataFrame({"a": [1, 2]}), pl.DataFrame({"a": [3.5]})),
    "widen": (pl.DataFrame({"a": [1.5, 2.0]}), pl.DataFrame({"a": [3]})),
    "tostr": (pl.DataFrame({"a": ["x"]}), pl.DataFrame({"a": [1, 2]})),
    "unparsable": (pl.DataFrame({"a": [1, 2]}), pl.DataFrame({"a": ["x"]})),
}


def rewrite_keeping_stat(path: Path, data: bytes) -> None:
    """Overwrite ``path`` in place with same-size ``data``, restoring its mtime (so the emulator keeps its hash)."""
    import os

    st = path.stat()
    assert len(data) == st.st_size
    with path.open("r+b") as f:
        f.write(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
