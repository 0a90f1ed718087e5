"""Construction, access, errors, formats, repr and laziness of ``Dataset``."""

from __future__ import annotations

import io

import numpy as np
import polars as pl
import pytest

import polards as pds
from polards.exceptions import ColumnExistsError, ColumnNotFoundError, PolardsError
from polards.features import ClassLabel, Features, Image, List, Value


@pytest.fixture
def ds() -> pds.Dataset:
    return pds.Dataset.from_dict({"q": ["a", "bb", "ccc", "dddd"], "n": [1, 2, 3, 4]})


def test_access_forms(ds: pds.Dataset) -> None:
    assert ds[0] == {"q": "a", "n": 1}
    assert ds[-1] == {"q": "dddd", "n": 4}
    assert ds[1:3] == {"q": ["bb", "ccc"], "n": [2, 3]}
    assert ds[[3, 0, 3]] == {"q": ["dddd", "a", "dddd"], "n": [4, 1, 4]}
    assert ds["n"] == [1, 2, 3, 4]
    assert list(ds)[2] == {"q": "ccc", "n": 3}
    assert ds.shape == (4, 2) and ds.num_rows == 4 and ds.num_columns == 2


@pytest.mark.parametrize(
    ("call", "exc", "needle"),
    [
        (lambda d: d[10], IndexError, "10"),
        (lambda d: d[-5], IndexError, "-5"),
        (lambda d: d["nope"], ValueError, "nope"),
        (lambda d: d[1.5], TypeError, "1.5"),
        (lambda d: d.select([7]), IndexError, "7"),
        (lambda d: d.remove_columns("nope"), ValueError, "nope"),
        (lambda d: d.select_columns(["q", "nope"]), ValueError, "nope"),
        (lambda d: d.rename_column("nope", "x"), ValueError, "nope"),
        (lambda d: d.rename_column("q", "n"), ValueError, "n"),
        (lambda d: d.sort("nope"), ValueError, "nope"),
        (lambda d: d.add_column("q", [1, 2, 3, 4]), ValueError, "q"),
        (lambda d: d.map(lambda r: {}, input_columns=["nope"]), ValueError, "nope"),
        (lambda d: d.train_test_split(test_size=10), ValueError, "test_size=10"),
        (lambda d: d.shard(2, 5), ValueError, "index"),
        (lambda d: d.with_format("torchy"), ValueError, "torchy"),
    ],
)
def test_errors_are_datasets_classes_and_name_the_culprit(ds: pds.Dataset, call, exc, needle) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(exc) as info:
        call(ds)
    assert isinstance(info.value, PolardsError)
    assert needle in str(info.value)


def test_unknown_column_hint(ds: pds.Dataset) -> None:
    with pytest.raises(ColumnNotFoundError, match="did you mean 'q'"):
        ds.remove_columns("qq")
    with pytest.raises(ColumnExistsError):
        ds.rename_columns({"q": "n"})


def test_map_with_expressions_and_functions(ds: pds.Dataset) -> None:
    out = ds.map({"n2": pl.col("n") * 2}, remove_columns=["q"])
    assert out.to_dict() == {"n": [1, 2, 3, 4], "n2": [2, 4, 6, 8]}
    out = ds.map(lambda b: {"len": [len(x) for x in b]}, input_columns="q", batched=True, batch_size=3)
    assert out["len"] == [1, 2, 3, 4]
    out = ds.map(lambda r, i: {"i": i}, with_indices=True)
    assert out["i"] == [0, 1, 2, 3]
    out = ds.map(lambda b, k: {"n": [x + k for x in b["n"]]}, batched=True, fn_kwargs={"k": 10})
    assert out["n"] == [11, 12, 13, 14]
    # a batched map may change the row count when the old columns are removed
    out = ds.map(
        lambda b: {"x": [v for v in b["n"] for _ in range(2)]}, batched=True, remove_columns=ds.column_names
    )
    assert out["x"] == [1, 1, 2, 2, 3, 3, 4, 4]


def test_filter_forms(ds: pds.Dataset) -> None:
    assert ds.filter(pl.col("n") % 2 == 0)["n"] == [2, 4]
    assert ds.filter(lambda r: r["q"].startswith("c"))["q"] == ["ccc"]
    assert ds.filter(lambda b: [x > 2 for x in b], input_columns="n", batched=True)["n"] == [3, 4]
    assert ds.filter(lambda r, i: i % 2 == 1, with_indices=True)["n"] == [2, 4]


def test_udf_errors_name_the_function(ds: pds.Dataset) -> None:
    def broken(row):  # type: ignore[no-untyped-def]
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom") as info:  # the user's exception as itself (datasets)
        ds.map(broken).to_list()
    assert any("broken" in note for note in info.value.__notes__)


def test_laziness_len_and_features_do_not_run_row_udfs() -> None:
    calls = []

    def fn(row):  # type: ignore[no-untyped-def]
        calls.append(1)
        return {"x": row["n"]}

    ds = pds.Dataset.from_dict({"n": list(range(5000))})
    mapped = ds.map(fn)
    assert calls == []  # nothing runs at map()
    assert len(mapped) == 5000 and calls == []  # len skips row-preserving steps
    _ = mapped.explain()
    assert calls == []
    chained = mapped.take(10).shuffle(seed=0).filter(pl.col("n") >= 0)
    assert "SHUFFLE" in chained.explain() and calls == []  # building ops that need no schema runs nothing
    assert mapped.column_names == ["n", "x"]  # schema: inferred on a small sample only
    assert 0 < len(calls) <= 64 * 16


def test_len_uses_index_arithmetic_not_a_scan(ds: pds.Dataset) -> None:
    sel = ds.shuffle(seed=1).select([0, 2]).skip(1)
    assert "SHUFFLE" in sel.explain() and len(sel) == 1


def test_explain_shows_pushdown(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "x.parquet")
    pl.DataFrame({"a": range(10), "b": ["x"] * 10}).write_parquet(path)
    plan = pds.Dataset.from_parquet(path).filter(pl.col("a") > 3).select_columns(["a"]).explain()
    assert "SELECTION" in plan.upper() or "FILTER" in plan.upper()
    assert "PROJECT 1/2" in plan or "1/2 COLUMNS" in plan


def test_features_classlabel_and_cast(ds: pds.Dataset) -> None:
    d = pds.Dataset.from_dict({"label": ["pos", "neg", "pos"]}).class_encode_column("label")
    assert d.features["label"] == ClassLabel(names=["neg", "pos"])
    assert d["label"] == [1, 0, 1]
    assert d.features["label"].int2str(d[0]["label"]) == "pos"
    kept = d.shuffle(seed=0).filter(pl.col("label") >= 0).select([0])
    assert isinstance(kept.features["label"], ClassLabel)
    c = ds.cast_column("n", Value("int32"))
    assert c.features["n"] == Value("int32") and c.lazy().collect_schema()["n"] == pl.Int32
    c2 = pds.Dataset.from_dict({"y": ["B", "A"]}).cast_column("y", ClassLabel(names=["A", "B"]))
    assert c2["y"] == [1, 0]


def test_image_feature_decodes_to_pil() -> None:
    from PIL import Image as PILImage

    buf = io.BytesIO()
    PILImage.new("RGB", (4, 3), (255, 0, 0)).save(buf, format="PNG")
    feats = Features({"image": Image(), "label": ClassLabel(names=["red"])})
    d = pds.Dataset.from_dict({"image": [buf.getvalue()], "label": [0]}, features=feats)
    img = d[0]["image"]
    assert img.size == (4, 3) and img.getpixel((0, 0)) == (255, 0, 0)
    raw = d.cast_column("image", Image(decode=False))[0]["image"]
    assert raw["bytes"] == buf.getvalue()
    seen = d.map(lambda r: {"w": r["image"].size[0]})["w"]  # map sees PIL images, as in datasets
    assert seen == [4]


def test_formats(ds: pds.Dataset) -> None:
    assert isinstance(ds.with_format("numpy")["n"], np.ndarray)
    assert isinstance(ds.with_format("polars")[0:2], pl.DataFrame)
    assert ds.with_format("arrow")["n"].to_pylist() == [1, 2, 3, 4]
    assert ds.with_format("pandas")[0:2].shape == (2, 2)
    d = pds.Dataset.from_dict({"n": [1]})
    d.set_format("numpy")
    assert isinstance(d["n"], np.ndarray)
    d.reset_format()
    assert d["n"] == [1]


def test_repr_and_html_do_not_collect_everything() -> None:
    ds = pds.Dataset.from_polars(pl.LazyFrame({"a": range(100_000)}))
    assert "num_rows: 100000" in repr(ds)
    html = ds.shuffle(seed=0)._repr_html_()
    assert "<table>" in html and "100000 rows" in html
    assert "frame" not in ds._memo


def test_columns_ops(ds: pds.Dataset) -> None:
    assert ds.rename_columns({"q": "question"}).column_names == ["question", "n"]
    assert ds.select_columns(["n", "q"]).column_names == ["n", "q"]
    assert ds.add_column("z", [0, 0, 0, 0])["z"] == [0, 0, 0, 0]
    assert ds.add_item({"q": "e", "n": 5})[-1] == {"q": "e", "n": 5}
    assert ds.unique("n") == [1, 2, 3, 4]
    nested = pds.Dataset.from_dict({"a": [{"b": 1, "c": {"d": "x"}}]}).flatten()
    assert nested.to_list() == [{"a.b": 1, "a.c.d": "x"}]
    assert ds.sort("n", reverse=True)["n"] == [4, 3, 2, 1]


def test_messages_round_trip_with_nulls() -> None:
    rows = [
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": None}]},
        {"messages": []},
    ]
    d = pds.Dataset.from_list(rows)
    assert d.features["messages"] == List({"role": Value("string"), "content": Value("string")})
    assert d.to_list() == rows


def test_from_polars_and_arrow_and_pandas() -> None:
    df = pl.DataFrame({"a": [1, 2]})
    assert pds.Dataset.from_polars(df.lazy())["a"] == [1, 2]
    assert pds.Dataset.from_arrow(df.to_arrow())["a"] == [1, 2]
    assert pds.Dataset.from_pandas(df.to_pandas())["a"] == [1, 2]
    assert pds.Dataset.from_generator(lambda: iter([{"x": 1}, {"x": 2}]))["x"] == [1, 2]


def test_arrow_batches_have_large_types_and_exact_sizes() -> None:
    ds = pds.Dataset.from_dict(
        {"s": [f"row {i}" for i in range(2500)], "m": [[{"role": "u", "content": "x"}]] * 2500}
    )
    lazy_batches = list(ds.with_format("arrow").iter(1000))
    ds.to_polars()  # materialised: the zero-copy path
    eager = ds.with_format("arrow")
    eager._memo = ds._memo
    eager_batches = list(eager.iter(1000, drop_last_batch=True))
    assert [b.num_rows for b in lazy_batches] == [1000, 1000, 500]
    assert [b.num_rows for b in eager_batches] == [1000, 1000]
    assert str(lazy_batches[0].schema.field("s").type) == "large_string"
    assert eager_batches[1].to_pylist() == lazy_batches[1].to_pylist()
