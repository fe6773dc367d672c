"""The SVG charts: named images, no style, a bar only for a count that is shown."""

from __future__ import annotations

import re

from reports.charts import BAR_AREA, chart_for
from reports.report import Row, Table
from reports.suppression import suppress


def _table(cells, **kw):
    protected = suppress(cells, row_totals=False, col_totals=False)
    rows = [Row(f"Row {i}", list(r)) for i, r in enumerate(protected.cells)]
    return Table(
        "t",
        "Things by kind",
        "Kind",
        [f"Col {j}" for j in range(len(cells[0]))],
        rows,
        charted=len(cells[0]),
        **kw,
    )


def test_a_chart_is_a_named_image_without_style():
    svg = str(chart_for(_table([[10, 20], [30, 40]])))
    assert svg.startswith('<svg class="report-chart" role="img" aria-labelledby="chart-t-title"')
    assert (
        '<title id="chart-t-title">Chart: Things by kind. The table beside it gives the same figures.</title>'
        in svg
    )
    assert not re.search(r"\sstyle=|<style|<script", svg)
    assert svg.count("<rect") == 4 + 2  # four bars and two legend keys


def test_bars_are_to_scale_and_hidden_counts_have_words_and_no_bar():
    svg = str(chart_for(_table([[2, 20, 40]])))
    widths = [float(w) for w in re.findall(r'<rect x="0" y="\d+" width="([\d.]+)"', svg)]
    assert widths == [BAR_AREA / 2, BAR_AREA]  # 20 and 40; the 2 has no bar
    assert "fewer than 5" in svg and ">2<" not in svg


def test_a_one_row_table_is_drawn_as_a_bar_per_column():
    svg = str(chart_for(_table([[10, 20, 30]])))
    assert ">Col 0<" in svg and ">Col 2<" in svg and ">Row 0<" not in svg


def test_text_is_escaped():
    table = _table([[10]])
    table.rows[0].label = "<b>bold</b>"
    assert "&lt;b&gt;bold&lt;/b&gt;" in str(chart_for(table))


def test_a_withheld_table_has_no_chart():
    assert str(chart_for(_table([[10]], withheld=True))) == ""
