"""``repr`` and ``_repr_html_`` of datasets: schema, row count and a few rows, never the whole dataset."""

from __future__ import annotations

import html
from typing import Any

import polars as pl

PREVIEW_ROWS = 5


def _len_text(ds: Any) -> str:
    n = ds._memo.get("len")
    if n is None:
        try:
            n = len(ds)
        except Exception:  # a repr must never raise
            return "?"
    return str(n)


def dataset_repr(ds: Any) -> str:
    return f"Dataset({{\n    features: {ds.column_names},\n    num_rows: {_len_text(ds)}\n}})"


def _preview(ds: Any) -> pl.DataFrame:
    if "frame" in ds._memo:
        return ds._memo["frame"].head(PREVIEW_ROWS)
    return ds.lazy().head(PREVIEW_ROWS).collect()


def dataset_html(ds: Any) -> str:
    feats = "".join(
        f"<tr><td><code>{html.escape(k)}</code></td><td>{html.escape(repr(v))}</td></tr>"
        for k, v in ds.features.items()
    )
    df = _preview(ds)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in df.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_short(v))}</td>" for v in row) + "</tr>"
        for row in df.iter_rows()
    )
    return (
        f"<div><b>Dataset</b>: {_len_text(ds)} rows &times; {len(ds.features)} columns"
        f"<table><tr><th>column</th><th>feature</th></tr>{feats}</table>"
        f"<table><tr>{head}</tr>{body}</table></div>"
    )


def _short(v: Any, limit: int = 80) -> str:
    text = repr(v) if not isinstance(v, str) else v
    return text if len(text) <= limit else text[: limit - 1] + "…"
