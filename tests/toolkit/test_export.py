"""Exporters: CSV / JSONL / Parquet round-trips, streaming from lazy sources, atomic writes, Markdown escaping."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from polards.exceptions import InvalidArgumentError
from polards.toolkit.export import export, infer_format, to_markdown, write_batches

FLAT = pl.DataFrame(
    {
        "id": [1, 2, 3, 4],
        "text": ["plain", 'comma, "quote"', "new\nline", None],
        "score": [0.5, None, -1.25, 1e-9],
        "ok": [True, False, None, True],
    }
)


@pytest.mark.parametrize("suffix", ["csv", "jsonl", "parquet"])
def test_round_trip_flat(tmp_path: Path, suffix: str) -> None:
    path = export(FLAT, tmp_path / f"out.{suffix}", batch_size=3)
    back = {
        "csv": lambda: pl.read_csv(path, schema=FLAT.schema),
        "jsonl": lambda: pl.read_ndjson(path, schema=FLAT.schema),
        "parquet": lambda: pl.read_parquet(path),
    }[suffix]()
    assert_frame_equal(back, FLAT)
    assert [p.name for p in tmp_path.iterdir()] == [f"out.{suffix}"]  # no temp file left behind


def test_round_trip_nested(tmp_path: Path) -> None:
    df = pl.DataFrame({"msgs": [[{"role": "user", "content": "hi"}], []], "tags": [["a", "b"], None]})
    assert_frame_equal(pl.read_parquet(export(df, tmp_path / "n.parquet")), df)
    assert_frame_equal(pl.read_ndjson(export(df, tmp_path / "n.jsonl"), schema=df.schema), df)
    csv = pl.read_csv(export(df, tmp_path / "n.csv"))
    assert json.loads(csv["msgs"][0]) == [{"role": "user", "content": "hi"}]
    assert json.loads(csv["tags"][0]) == ["a", "b"] and csv["tags"][1] is None


def test_streams_lazyframe_in_batches(tmp_path: Path) -> None:
    lf = pl.LazyFrame({"x": range(25_000)}).with_columns(y=pl.col("x") * 2)
    seen: list[int] = []
    from polards.toolkit.export import iter_frames

    path = write_batches(
        iter_frames(lf, 10_000), tmp_path / "big.parquet", on_batch=lambda df: seen.append(df.height)
    )
    assert seen == [10_000, 10_000, 5_000]
    assert_frame_equal(pl.read_parquet(path), lf.collect())


def test_null_first_batch_keeps_schema(tmp_path: Path) -> None:
    batches = [pl.DataFrame({"a": [None, None]}), pl.DataFrame({"a": ["x", "y"]})]
    path = write_batches(batches, tmp_path / "o.parquet", schema=pl.Schema({"a": pl.String}))
    assert pl.read_parquet(path)["a"].to_list() == [None, None, "x", "y"]


def test_empty_exports_are_valid(tmp_path: Path) -> None:
    empty = pl.DataFrame(schema={"a": pl.Int64, "b": pl.String})
    assert pl.read_parquet(export(empty, tmp_path / "e.parquet")).schema == empty.schema
    assert pl.read_csv(export(empty, tmp_path / "e.csv")).columns == ["a", "b"]
    assert export(empty, tmp_path / "e.jsonl").read_text() == ""


def test_failed_export_leaves_no_file(tmp_path: Path) -> None:
    def boom():
        yield pl.DataFrame({"a": [1]})
        raise RuntimeError("source died")

    with pytest.raises(RuntimeError):
        write_batches(boom(), tmp_path / "x.jsonl")
    assert list(tmp_path.iterdir()) == []


def test_existing_file_replaced_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    target.write_text("old\n")

    def boom():
        raise RuntimeError("no")
        yield

    with pytest.raises(RuntimeError):
        write_batches(boom(), target)
    assert target.read_text() == "old\n"


def test_infer_format_errors() -> None:
    assert infer_format("a.ndjson") == "jsonl"
    with pytest.raises(InvalidArgumentError, match="'.xlsx'"):
        infer_format("a.xlsx")
    with pytest.raises(InvalidArgumentError, match="'yaml'"):
        infer_format("a.csv", "yaml")


def test_markdown_escapes_everything() -> None:
    df = pl.DataFrame(
        {"a|b": ["x|y", "<script>alert(1)</script>", "line1\nline2", "`code`"], "n": [1, 2, 3, None]}
    )
    md = to_markdown(df)
    lines = md.splitlines()
    assert lines[0] == "| a\\|b | n |" and lines[1] == "| --- | ---: |"
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "line1<br>line2" in md and "\\`code\\`" in md
    assert len(lines) == 6 and all(line.count(" | ") == 1 for line in lines[2:])
    assert to_markdown(pl.LazyFrame({"x": range(100)}), max_rows=3).count("\n") == 4


def test_export_polards_dataset(tmp_path: Path) -> None:
    try:
        from polards import Dataset
    except ImportError as exc:
        pytest.skip(f"core Dataset not importable yet: {exc}")
    ds = Dataset.from_dict({"a": list(range(50)), "b": [str(i) for i in range(50)]})
    path = export(ds.filter(pl.col("a") % 2 == 0), tmp_path / "d.jsonl", batch_size=7, progress=True)
    assert pl.read_ndjson(path)["a"].to_list() == list(range(0, 50, 2))
    md = tmp_path / "d.md"
    export(ds, md, batch_size=20)
    assert md.read_text().count("\n") == 52
