"""A self-contained HTML report: per-metric summary, hand-written SVG plots, a sortable table of items.

Every piece of user text (titles, column names, cell values, run ids, plot labels) goes through
:func:`html.escape`; the page also carries a Content-Security-Policy that allows only its own script (by hash),
so even a value that slipped through could not run. The file has no external resources.

Examples
--------
>>> import polars as pl
>>> page = html_report(pl.DataFrame({"q": ["<script>alert(1)</script>"], "correct": [True]}), title="t")
>>> "<script>alert(1)" in page, "&lt;script&gt;alert(1)" in page
(False, True)
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from polards.toolkit.export import _json_default, iter_frames

__all__ = ["bar_chart_svg", "histogram_svg", "html_report", "run_report", "write_html_report"]


def esc(value: Any) -> str:
    """Escape any value for HTML text or a quoted attribute.

    >>> esc('<img src=x onerror="x()">')
    '&lt;img src=x onerror=&quot;x()&quot;&gt;'
    """
    return html.escape(_as_text(value), quote=True)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, dict, tuple)):
        return json.dumps(value, default=_json_default, ensure_ascii=False)
    return str(value)


def _truncate(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return esc(value)


# ------------------------------------------------------------------------------------------------ SVG
_PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#eeca3b", "#9d755d"]


def bar_chart_svg(
    labels: Sequence[Any],
    values: Sequence[float],
    *,
    title: str = "",
    width: int = 520,
    height: int = 260,
    color: str = _PALETTE[0],
    value_format: str | None = None,
) -> str:
    """A vertical bar chart as an ``<svg>`` string (labels and title escaped).

    >>> svg = bar_chart_svg(["a", "<b>"], [1, 2], title="t")
    >>> svg.count("<rect class=\\"bar\\""), "&lt;b&gt;" in svg
    (2, True)
    """
    left, right, top, bottom = 60, 12, 28, 58
    plot_w, plot_h = width - left - right, height - top - bottom
    finite = [v for v in values if v is not None and math.isfinite(v)]
    vmax = max([0.0, *finite]) or 1.0
    vmin = min([0.0, *finite])
    span = (vmax - vmin) or 1.0
    n = max(len(values), 1)
    slot = plot_w / n
    bar_w = min(max(slot * 0.75, 1.0), 90.0)

    def y(v: float) -> float:
        return top + plot_h * (vmax - v) / span

    def fmt(v: float) -> str:
        if value_format is not None:
            return value_format.format(v)
        return f"{v:,.0f}" if abs(v) >= 1000 or float(v).is_integer() else f"{v:.3g}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{esc(title)}</title>',
        f'<text x="{width / 2:.1f}" y="16" text-anchor="middle" class="chart-title">{esc(title)}</text>',
        f'<line x1="{left}" y1="{y(0):.1f}" x2="{width - right}" y2="{y(0):.1f}" stroke="#888"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#888"/>',
    ]
    for tick in (vmin, (vmin + vmax) / 2, vmax):
        parts.append(
            f'<text x="{left - 4}" y="{y(tick) + 4:.1f}" text-anchor="end" class="tick">{esc(fmt(tick))}</text>'
        )
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        v = value if value is not None and math.isfinite(value) else 0.0
        x = left + i * slot + (slot - bar_w) / 2
        y0, y1 = sorted((y(0), y(v)))
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y0:.1f}" width="{bar_w:.1f}" height="{max(y1 - y0, 0.5):.1f}" '
            f'fill="{esc(color)}"><title>{esc(label)}: {esc(fmt(v))}</title></rect>'
        )
        text = str(label)
        text = text if len(text) <= 14 else text[:13] + "…"
        cx, cy = x + bar_w / 2, top + plot_h + 14
        parts.append(
            f'<text x="{cx:.1f}" y="{cy:.1f}" text-anchor="end" transform="rotate(-30 {cx:.1f} {cy:.1f})" class="tick">{esc(text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def histogram_svg(series: pl.Series, *, bins: int = 10, title: str | None = None) -> str:
    """Histogram of a numeric or boolean column as SVG (booleans get two bars: False / True)."""
    s = series.drop_nulls()
    title = title if title is not None else f"Distribution of {series.name}"
    if s.dtype == pl.Boolean:
        counts = [int((~s).sum()), int(s.sum())]
        return bar_chart_svg(["False", "True"], counts, title=title, value_format="{:.0f}")
    s = s.cast(pl.Float64).filter(s.cast(pl.Float64).is_finite())
    if s.len() == 0:
        return bar_chart_svg([], [], title=title)
    lo, hi = float(s.min()), float(s.max())  # type: ignore[arg-type]
    distinct = s.unique().sort()
    if (
        distinct.len() <= 10 and (distinct == distinct.round(0)).all()
    ):  # a few whole values (0/1 scores): one bar each
        counts = s.value_counts().sort(s.name)
        labels = [f"{v:g}" for v in counts[s.name].to_list()]
        return bar_chart_svg(labels, counts["count"].to_list(), title=title, value_format="{:.0f}")
    if lo == hi:
        return bar_chart_svg([f"{lo:.3g}"], [s.len()], title=title, value_format="{:.0f}")
    width = (hi - lo) / bins
    idx = ((s - lo) / width).floor().clip(0, bins - 1).cast(pl.Int64)
    counts = idx.value_counts().sort(idx.name)
    by_bin = dict(zip(counts[idx.name].to_list(), counts["count"].to_list(), strict=True))
    labels = [f"{lo + i * width:.3g}" for i in range(bins)]
    return bar_chart_svg(labels, [by_bin.get(i, 0) for i in range(bins)], title=title, value_format="{:.0f}")


# ------------------------------------------------------------------------------------------------ page
_SCRIPT = """
(function () {
  function key(cell, numeric) {
    var t = cell.getAttribute('data-v');
    if (t === null) { t = cell.textContent; }
    if (numeric) { var f = parseFloat(t); return isNaN(f) ? -Infinity : f; }
    return t.toLowerCase();
  }
  function sortTable(table, col, desc) {
    var body = table.tBodies[0];
    var th = table.tHead.rows[0].cells[col];
    var numeric = th.getAttribute('data-type') === 'number';
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[col], numeric), y = key(b.cells[col], numeric);
      return (x < y ? -1 : x > y ? 1 : 0) * (desc ? -1 : 1);
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', desc ? 'descending' : 'ascending');
  }
  var tables = document.querySelectorAll('table.sortable');
  Array.prototype.forEach.call(tables, function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      th.addEventListener('click', function () {
        sortTable(table, col, th.getAttribute('aria-sort') === 'ascending');
      });
    });
  });
  var m = /^#sort=([^:]+)(?::(asc|desc))?$/.exec(decodeURIComponent(location.hash || ''));
  if (m) {
    Array.prototype.forEach.call(tables, function (table) {
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
        if (th.getAttribute('data-col') === m[1]) { sortTable(table, col, m[2] === 'desc'); }
      });
    });
  }
  document.documentElement.setAttribute('data-report-ready', '1');
})();
"""

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#222;max-width:1200px}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;font-size:.85rem}th,td{border:1px solid #ddd;padding:.3rem .5rem;vertical-align:top}
th{background:#f4f4f4;cursor:pointer;user-select:none;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
td{max-width:40rem;white-space:pre-wrap;word-break:break-word}.meta{color:#666;font-size:.85rem}
.plots{display:flex;flex-wrap:wrap;gap:1rem}.chart .tick{font-size:10px;fill:#444}.chart .chart-title{font-size:13px}
"""


def _script_hash() -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()


_ID_NAMES = {"item", "id", "idx", "index", "row", "row_id", "item_id", "example_id", "uid"}


def _is_identifier(name: str) -> bool:
    """``id``, ``row_idx``, ``problem_id``...: numbers that label items, not scores to chart."""
    low = name.lower()
    return low in _ID_NAMES or low.endswith(("_id", "_idx", "_index")) or low.startswith(("id_", "idx_"))


def _score_columns(df: pl.DataFrame) -> list[str]:
    """Numeric and boolean columns to summarise and chart, identifiers excluded.

    >>> _score_columns(pl.DataFrame({"id": [1], "problem_id": [3], "correct": [True], "reward": [0.5]}))
    ['correct', 'reward']
    """
    return [c for c, t in df.schema.items() if (t.is_numeric() or t == pl.Boolean) and not _is_identifier(c)]


def _summary_table(df: pl.DataFrame, columns: Sequence[str]) -> str:
    rows = []
    for c in columns:
        s = df.get_column(c).cast(pl.Float64)
        stats = [s.len() - s.null_count(), s.mean(), s.std(), s.min(), s.median(), s.max()]
        rows.append(
            f"<tr><th>{esc(c)}</th>" + "".join(f'<td class="num">{_fmt(v)}</td>' for v in stats) + "</tr>"
        )
    head = "".join(f"<th>{h}</th>" for h in ("column", "n", "mean", "std", "min", "median", "max"))
    return f'<table class="summary"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _items_table(df: pl.DataFrame, *, table_id: str, max_chars: int) -> str:
    head = []
    for c, t in df.schema.items():
        kind = "number" if (t.is_numeric() or t == pl.Boolean) else "text"
        head.append(f'<th data-col="{esc(c)}" data-type="{kind}">{esc(c)}</th>')
    body = []
    numeric = [t.is_numeric() or t == pl.Boolean for t in df.schema.values()]
    for row in df.iter_rows():
        cells = []
        for value, is_num in zip(row, numeric, strict=True):
            if is_num:
                raw = "" if value is None else str(int(value) if isinstance(value, bool) else value)
                cells.append(f'<td class="num" data-v="{esc(raw)}">{_fmt(value)}</td>')
            else:
                cells.append(f"<td>{esc(_truncate(_as_text(value), max_chars))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table id="{esc(table_id)}" class="sortable"><thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def html_report(
    items: Any = None,
    *,
    title: str = "polards report",
    metrics: Mapping[str, Any] | None = None,
    runs: pl.DataFrame | None = None,
    comparison: pl.DataFrame | None = None,
    score_columns: Sequence[str] | None = None,
    metadata: Mapping[str, Any] | None = None,
    max_rows: int = 2000,
    max_chars: int = 500,
) -> str:
    """Render a self-contained HTML page.

    Parameters
    ----------
    items
        Per-item rows (a DataFrame, LazyFrame or polards Dataset); shown as a sortable table, and their numeric
        or boolean columns are summarised and plotted.
    metrics
        Corpus-level metric values (name -> number), shown as a table and a bar chart.
    runs
        A frame of runs (from :meth:`ResultStore.runs`): a table and one bar chart per metric comparing runs.
    comparison
        An item-by-item comparison (from :meth:`ResultStore.compare`): counts of gained/lost/same items.
    metadata
        Extra key/value lines shown under the title (dataset, model, run id...).
    """
    if items is not None and not isinstance(items, pl.DataFrame):
        items = (
            items.head(max_rows).collect()
            if isinstance(items, pl.LazyFrame)
            else next(iter_frames(items, max_rows), pl.DataFrame())
        )
    sections: list[str] = []
    plots: list[str] = []
    if metrics:
        names = list(metrics)
        vals = [
            float(v) if isinstance(v, (int, float)) and v is not None else float("nan")
            for v in metrics.values()
        ]
        rows = "".join(
            f'<tr><th>{esc(k)}</th><td class="num">{_fmt(v)}</td></tr>'
            for k, v in zip(names, vals, strict=True)
        )
        sections.append(
            f'<h2>Metrics</h2><table class="metrics"><thead><tr><th>metric</th><th>value</th></tr></thead><tbody>{rows}</tbody></table>'
        )
        # Plot the headline metrics (no "." detail entries such as counts and timings).
        headline = [(k, v) for k, v in zip(names, vals, strict=True) if "." not in k] or list(
            zip(names, vals, strict=True)
        )
        plots.append(bar_chart_svg([k for k, _ in headline], [v for _, v in headline], title="Metrics"))
    if runs is not None and runs.height:
        fixed = {"run_id", "created_at", "dataset", "config", "split", "revision", "model", "n", "params"}
        metric_cols = [c for c, t in runs.schema.items() if c not in fixed and t.is_numeric()]
        label = runs.select(
            pl.coalesce(pl.col("model"), pl.col("run_id")) if "model" in runs.columns else pl.col("run_id")
        ).to_series()
        label = [f"{m} ({r[-8:]})" for m, r in zip(label.to_list(), runs["run_id"].to_list(), strict=True)]
        for i, c in enumerate(metric_cols):
            plots.append(
                bar_chart_svg(
                    label, runs[c].to_list(), title=f"{c} by run", color=_PALETTE[(i + 1) % len(_PALETTE)]
                )
            )
        shown = runs.drop([c for c in ("params",) if c in runs.columns]).with_columns(
            pl.col(pl.Datetime).dt.to_string("%Y-%m-%d %H:%M:%S")
        )
        sections.append("<h2>Runs</h2>" + _items_table(shown, table_id="runs", max_chars=max_chars))
    if comparison is not None and comparison.height:
        order = ["gained", "lost", "same", "only_a", "only_b"]
        counts = dict(comparison.group_by("change").len().iter_rows())
        plots.append(
            bar_chart_svg(
                order,
                [counts.get(k, 0) for k in order],
                title="Items changed (A → B)",
                color=_PALETTE[3],
                value_format="{:.0f}",
            )
        )
        flipped = comparison.filter(pl.col("change").is_in(["gained", "lost"]))
        sections.append(
            f"<h2>Comparison</h2><p>{' · '.join(f'{esc(k)}: {counts.get(k, 0)}' for k in order)}</p>"
            + _items_table(flipped.head(max_rows), table_id="flips", max_chars=max_chars)
        )
    if items is not None and items.height:
        cols = list(score_columns) if score_columns is not None else _score_columns(items)
        if cols:
            sections.insert(
                0 if not metrics else 1, "<h2>Per-column summary</h2>" + _summary_table(items, cols)
            )
            plots.extend(histogram_svg(items.get_column(c), title=f"Distribution of {c}") for c in cols[:6])
        note = f" (first {max_rows} rows)" if items.height >= max_rows else ""
        sections.append(
            f"<h2>Items{esc(note)}</h2>"
            + _items_table(items.head(max_rows), table_id="items", max_chars=max_chars)
        )
    if plots:
        sections.insert(
            min(len(sections), 1), '<h2>Plots</h2><div class="plots">' + "".join(plots) + "</div>"
        )
    meta = dict(metadata or {})
    meta.setdefault("generated", dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"))
    meta_html = " · ".join(f"{esc(k)}: {esc(v)}" for k, v in meta.items())
    csp = f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src '{_script_hash()}'"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_CSS}</style></head>\n<body>"
        f'<h1>{esc(title)}</h1><p class="meta">{meta_html}</p>\n'
        + "\n".join(sections)
        + f"\n<script>{_SCRIPT}</script></body></html>\n"
    )


def write_html_report(path: str | os.PathLike[str], items: Any = None, **kwargs: Any) -> Path:
    """Render :func:`html_report` and write it to ``path`` (atomically). Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(html_report(items, **kwargs), encoding="utf-8")
    os.replace(tmp, path)
    return path


def run_report(store: Any, run_id: str, *, compare_to: str | None = None, **kwargs: Any) -> str:
    """Report one run of a :class:`~polards.toolkit.results.ResultStore` (optionally against another)."""
    record = store.run(run_id)
    meta = {
        k: record[k] for k in ("run_id", "dataset", "config", "split", "model", "created_at") if record.get(k)
    }
    comparison = None
    if compare_to is not None:
        other = store.resolve(compare_to)
        comparison = store.compare(other, record["run_id"])  # baseline (A) -> this run (B)
        meta["compared with"] = other
    title = kwargs.pop("title", f"{record.get('model') or 'run'} on {record.get('dataset') or '?'}")
    return html_report(
        store.items(record["run_id"]),
        title=title,
        metrics=record["metrics"],
        comparison=comparison,
        metadata=meta,
        **kwargs,
    )
