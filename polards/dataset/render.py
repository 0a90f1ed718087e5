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


# Scoped to the repr's own class, so it styles the table in any HTML viewer (VS Code, nbviewer, exported
# notebooks), not only where Jupyter's own table CSS applies.
_STYLE = (
    "<style>.polards-repr table{border-collapse:collapse;margin:4px 0;font-size:12px}"
    ".polards-repr th,.polards-repr td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
    ".polards-repr th{background:#f3f3f3}.polards-repr td div{max-height:12em;overflow:auto;white-space:pre-wrap;"
    "max-width:48em}</style>"
)


def dataset_html(ds: Any) -> str:
    feats = "".join(
        f"<tr><td><code>{html.escape(k)}</code></td><td>{html.escape(repr(v))}</td></tr>"
        for k, v in ds.features.items()
    )
    df = _preview(ds)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in df.columns)
    body = "".join(
        "<tr>" + "".join(f"<td><div>{html.escape(_short(v))}</div></td>" for v in row) + "</tr>"
        for row in df.iter_rows()
    )
    return (
        f'<div class="polards-repr">{_STYLE}<b>Dataset</b>: {_len_text(ds)} rows &times; {len(ds.features)} columns'
        f"<table><tr><th>column</th><th>feature</th></tr>{feats}</table>"
        f"<table><tr>{head}</tr>{body}</table></div>"
    )


def _short(v: Any, limit: int = 2000) -> str:
    """A cell's text, cut in the middle past ``limit`` characters: the start and the end both stay visible
    (two hh-rlhf answers differ in their last turn).

    >>> _short("a" * 10 + "b" * 10, limit=10)
    'aaaa … [11 characters] … bbbbb'
    """
    text = repr(v) if not isinstance(v, str) else v
    if len(text) <= limit:
        return text
    keep = limit // 2
    return f"{text[: keep - 1]} … [{len(text) - 2 * keep + 1} characters] … {text[-keep:]}"
