"""HTML report: escaping of all user text, SVG plots, and a real render in headless Chromium."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

from polards.toolkit.report import bar_chart_svg, histogram_svg, html_report, run_report, write_html_report
from polards.toolkit.results import ResultStore

# Each payload, if it ran, would write a marker ("PW" + "NED...") that never appears literally in the page source.
SCRIPT_PAYLOAD = (
    "<script>document.title='PW'+'NED1';document.documentElement.setAttribute('data-x','PW'+'NED1')</script>"
)
IMG_PAYLOAD = "<img src=x onerror=\"document.documentElement.setAttribute('data-y','PW'+'NED2')\">"
SVG_PAYLOAD = "</text><script>document.title='PW'+'NED3'</script><text>"
ATTR_PAYLOAD = "\"><svg onload=\"document.documentElement.setAttribute('data-z','PW'+'NED4')\">"


def _hostile_items() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "question": [SCRIPT_PAYLOAD, IMG_PAYLOAD, "What is 2+2?", ATTR_PAYLOAD],
            "score": [0.1, 0.9, 0.5, 0.7],
            "correct": [False, True, True, False],
            ATTR_PAYLOAD: [1, 2, 3, 4],  # hostile column name too
        }
    )


def _report(tmp_path: Path) -> Path:
    return write_html_report(
        tmp_path / "report.html",
        _hostile_items(),
        title=SCRIPT_PAYLOAD,
        metrics={"accuracy": 0.5, SVG_PAYLOAD: 0.25},
        metadata={"model": IMG_PAYLOAD},
    )


def test_no_user_markup_survives(tmp_path: Path) -> None:
    page = _report(tmp_path).read_text()
    for payload in (SCRIPT_PAYLOAD, IMG_PAYLOAD, SVG_PAYLOAD, ATTR_PAYLOAD):
        assert payload not in page
    assert html.escape(SCRIPT_PAYLOAD) in page
    assert page.count("<script>") == 1  # only the report's own sorting script
    assert "onerror=" not in page.replace("onerror=&quot;", "")
    assert re.search(
        r"Content-Security-Policy\" content=\"default-src 'none';[^\"]*script-src 'sha256-", page
    )
    assert (
        "http://" not in page.replace("http://www.w3.org/2000/svg", "") and "https://" not in page
    )  # self-contained


def test_svg_charts() -> None:
    svg = histogram_svg(pl.Series("s", [0.0, 0.1, 0.5, 1.0, None]), bins=4)
    assert svg.startswith("<svg") and svg.count('<rect class="bar"') == 4
    assert histogram_svg(pl.Series("b", [True, False, True])).count('<rect class="bar"') == 2
    assert histogram_svg(pl.Series("c", [3.0, 3.0])).count('<rect class="bar"') == 1
    assert bar_chart_svg([], [], title="empty").endswith("</svg>")
    assert "nan" not in bar_chart_svg(["x"], [float("nan")])


def test_runs_and_comparison_sections(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "store")
    a = store.append(
        model="m-a", dataset="d", metrics={"acc": 0.5}, items={"id": ["1", "2"], "correct": [True, False]}
    )
    b = store.append(
        model="m-b", dataset="d", metrics={"acc": 1.0}, items={"id": ["1", "2"], "correct": [True, True]}
    )
    page = run_report(store, b, compare_to=a)
    assert "Comparison" in page and "gained: 1" in page and "lost: 0" in page
    page = html_report(runs=store.runs(), title="runs")
    assert 'id="runs"' in page and "acc by run" in page


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _chromium(tmp_path: Path, name: str, *args: str) -> subprocess.Popen:
    profile = tmp_path / f"profile-{name}"
    return subprocess.Popen(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],  # type: ignore[list-item]
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=tmp_path,
    )


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install -y chromium)")
def test_report_in_headless_chromium(tmp_path: Path) -> None:
    report = _report(tmp_path)
    # Control: the same payloads in an unescaped page do execute, so the checks below can detect execution.
    control = tmp_path / "control.html"
    control.write_text(
        f"<html><head><title>t</title></head><body>{SCRIPT_PAYLOAD}{IMG_PAYLOAD}</body></html>"
    )
    url = report.as_uri() + "#sort=score:desc"
    procs = {
        "report": _chromium(tmp_path, "a", "--dump-dom", url),
        "control": _chromium(tmp_path, "b", "--dump-dom", control.as_uri()),
        "shot": _chromium(
            tmp_path, "c", "--window-size=1200,1600", f"--screenshot={tmp_path / 'shot.png'}", url
        ),
    }
    out = {k: p.communicate(timeout=90)[0] for k, p in procs.items()}

    assert "PWNED1" in out["control"] and "PWNED2" in out["control"], "control payload did not run"

    dom = out["report"]
    assert 'data-report-ready="1"' in dom, "the report's own script did not run"
    assert "PWNED" not in dom, "a payload from the data executed"
    assert "&lt;script&gt;document.title='PW'+'NED1'" in dom  # shown as text instead
    # The items table rendered and was sorted by the #sort hash (descending score).
    items = dom[dom.index('<table id="items"') :]
    assert 'aria-sort="descending"' in items[: items.index("</thead>")]
    scores = [
        float(v)
        for v in re.findall(
            r'<td class="num" data-v="([0-9.]+)">[0-9.]+</td><td class="num" data-v="[01]">', items
        )
    ]
    assert scores == sorted(scores, reverse=True) and len(scores) == 4
    # The plots rendered: SVG bars in the DOM and bar-coloured pixels in the screenshot.
    assert dom.count('<rect class="bar"') >= 6
    from PIL import Image

    image = Image.open(tmp_path / "shot.png").convert("RGB")
    pixels = image.get_flattened_data() if hasattr(image, "get_flattened_data") else image.getdata()
    assert sum(1 for px in pixels if px == (0x4C, 0x78, 0xA8)) > 500
