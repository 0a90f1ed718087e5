"""What people see: the HTML repr styles itself and keeps both ends of long cells; CLI cells stay one line."""

from __future__ import annotations

import polars as pl

import polards as pds
from polards.cli._common import print_table


def test_html_repr_is_styled_and_shows_where_two_long_answers_differ() -> None:
    common = "\n\nHuman: tell me a story\n\nAssistant: " + "once upon a time " * 300
    ds = pds.Dataset.from_dict({"chosen": [common + "THE GOOD END"], "rejected": [common + "THE BAD END"]})
    page = ds._repr_html_()
    assert "<style>" in page and 'class="polards-repr"' in page
    assert "THE GOOD END" in page and "THE BAD END" in page and "characters]" in page


def test_cli_table_cells_stay_on_one_line(capsys) -> None:
    print_table(pl.DataFrame({"chosen": ["\n\nHuman: hi\n\nAssistant: yo"]}))
    out = capsys.readouterr().out
    assert "\\n\\nHuman: hi\\n\\nAssistant: yo" in out
    assert not any(line.strip() == "" for line in out.splitlines())


def test_report_does_not_chart_identifiers() -> None:
    from polards.toolkit.report import _score_columns

    df = pl.DataFrame({"id": [1, 2], "row_idx": [0, 1], "score": [0.5, 1.0], "correct": [True, False]})
    assert _score_columns(df) == ["score", "correct"]
