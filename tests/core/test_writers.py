"""to_parquet / to_json / to_csv against ``datasets``: the same bytes (or rows), return values and errors."""

from __future__ import annotations

import gzip
import io
import os

import datasets
import pyarrow.parquet as pq
import pytest

import polards as pds

PLAIN = {"a": [1, 2, None], "s": ["é", "x😀", None], "b": [True, False, None]}
NESTED = {**PLAIN, "f": [1.5, None, -2.0], "l": [[1], [2, 3], None], "d": [{"k": 1}, {"k": None}, None]}


def _both(rows: dict) -> tuple[pds.Dataset, datasets.Dataset]:
    return pds.Dataset.from_dict(rows), datasets.Dataset.from_dict(rows)


@pytest.mark.parametrize("rows", [PLAIN, NESTED], ids=["plain", "nested"])
@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("to_csv", {}),
        ("to_csv", {"sep": ";", "header": False}),
        ("to_csv", {"index": True}),
        ("to_json", {}),
        ("to_json", {"lines": False}),
        ("to_json", {"orient": "split"}),
        ("to_json", {"force_ascii": False}),
    ],
)
def test_text_writers_write_datasets_bytes(rows, method, kwargs, tmp_path) -> None:
    ours, theirs = _both(rows)
    n_ours = getattr(ours, method)(tmp_path / "ours", **kwargs)
    n_theirs = getattr(theirs, method)(str(tmp_path / "theirs"), **kwargs)
    assert (tmp_path / "ours").read_bytes() == (tmp_path / "theirs").read_bytes()
    assert n_ours == n_theirs


@pytest.mark.parametrize("batch_size", [None, 1, 2])
def test_batches_and_buffers(batch_size) -> None:
    ours, theirs = _both(NESTED)
    for method in ("to_csv", "to_json"):
        a, b = io.BytesIO(), io.BytesIO()
        assert getattr(ours, method)(a, batch_size=batch_size) == getattr(theirs, method)(
            b, batch_size=batch_size
        )
        assert a.getvalue() == b.getvalue()


def test_parquet_rows_features_and_byte_count(tmp_path) -> None:
    ours, theirs = _both(NESTED)
    assert ours.to_parquet(tmp_path / "o.parquet") == theirs.to_parquet(str(tmp_path / "t.parquet"))
    a, b = pq.read_table(tmp_path / "o.parquet"), pq.read_table(tmp_path / "t.parquet")
    assert a.to_pylist() == b.to_pylist()
    assert a.schema.metadata[b"huggingface"] == b.schema.metadata[b"huggingface"]
    buf = io.BytesIO()
    ours.to_parquet(buf, compression="snappy")
    assert pq.read_table(io.BytesIO(buf.getvalue())).to_pylist() == b.to_pylist()


def test_plain_json_lines_keep_full_float_precision(tmp_path) -> None:
    """Deliberate difference (README): datasets' pandas path keeps 10 decimals; polards keeps every digit."""
    floats = [0.1 + 0.2, -0.0, 1e-12, 123456789.123, 1.5, None]
    ours, theirs = _both({"f": floats})
    ours.to_json(tmp_path / "o.jsonl")
    theirs.to_json(str(tmp_path / "t.jsonl"))
    back = datasets.load_dataset("json", data_files=str(tmp_path / "o.jsonl"), split="train")["f"]
    assert [repr(x) for x in back] == [repr(x) for x in floats]
    lossy = datasets.load_dataset("json", data_files=str(tmp_path / "t.jsonl"), split="train")["f"]
    assert lossy[0] == 0.3 and lossy[4] == 1.5


def test_gzip_by_suffix_and_compression_on_a_buffer(tmp_path) -> None:
    ours, theirs = _both(PLAIN)
    ours.to_json(tmp_path / "o.jsonl.gz")
    theirs.to_json(str(tmp_path / "t.jsonl.gz"))
    assert gzip.decompress((tmp_path / "o.jsonl.gz").read_bytes()) == gzip.decompress(
        (tmp_path / "t.jsonl.gz").read_bytes()
    )
    with pytest.raises(NotImplementedError):
        ours.to_json(io.BytesIO(), compression="gzip")
    with pytest.raises(NotImplementedError):
        ours.to_json(tmp_path / "x.jsonl", compression="zstd")


@pytest.mark.parametrize("method", ["to_csv", "to_json", "to_parquet"])
def test_unknown_keyword_raises_type_error_and_writes_nothing(method, tmp_path) -> None:
    ours, _ = _both(PLAIN)
    with pytest.raises(TypeError, match="bogus"):
        getattr(ours, method)(tmp_path / "out", bogus=1)
    assert os.listdir(tmp_path) == []


def test_failed_write_leaves_no_file(tmp_path) -> None:
    def boom(row):
        if row["a"] == 2:
            raise RuntimeError("boom")
        return row

    ds = pds.Dataset.from_dict(PLAIN).map(boom)
    with pytest.raises(RuntimeError, match="boom"):
        ds.to_parquet(tmp_path / "o.parquet", batch_size=1)
    assert os.listdir(tmp_path) == []


def test_num_proc_must_be_positive(tmp_path) -> None:
    with pytest.raises(ValueError, match="num_proc"):
        pds.Dataset.from_dict(PLAIN).to_json(tmp_path / "x.jsonl", num_proc=0)


def test_writers_show_datasets_bars(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("HF_DATASETS_DISABLE_PROGRESS_BARS")
    pds.Dataset.from_dict(PLAIN).to_csv(tmp_path / "x.csv")
    assert "Creating CSV from Arrow format" in capsys.readouterr().err
