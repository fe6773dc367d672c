"""Bar charts drawn on the server as inline SVG.

No JavaScript and no style: the site's Content-Security-Policy refuses inline
styles, so every look is an SVG presentation attribute (``fill``,
``font-size``), which the policy does not cover. Each chart is an image
(``role="img"``) named by its ``<title>``; its text equivalent is the table
beside it, which it says. A bar is drawn only for a count that is shown: a
suppressed count gets its words ("fewer than 5") and no bar, so the chart
never shows more than the table.

Labels sit above their bars, so the chart scales down to a phone's width
(``width="100%"`` and a ``viewBox``) without a column of labels squeezing it.
"""

from __future__ import annotations

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

from .report import Row, Table

WIDTH = 480
BAR_AREA = 330  # the value's text goes to the right of the longest bar
BAR, GAP, LABEL, GROUP_GAP = 16, 3, 20, 10
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'
TEXT = "#212529"  # 15:1 on white
MUTED = "#495057"  # 8:1 on white
# Series colours, dark enough for 3:1 against white (WCAG 1.4.11).
PALETTE = ["#1f5fa8", "#a34e00", "#2e7d32", "#6a1b9a", "#37474f", "#00695c", "#ad1457", "#6d5e00"]


def _scale(table: Table) -> int:
    values = [c.number for row in table.rows for c in row.cells[: table.charted] if c.number is not None]
    return max(values, default=0) or 1


def _one_row_as_groups(table: Table) -> Table:
    """A table of one row (a distribution) is drawn as a bar per column, each
    with its own label, rather than as one group under a legend."""
    (row,) = table.rows
    rows = [Row(column, [cell]) for column, cell in zip(table.chart_series, row.cells, strict=False)]
    return Table(table.key, table.title, table.row_header, [row.label], rows, charted=1)


def bar_chart(table: Table, chart_id: str) -> SafeString:
    """The chart of ``table``'s first ``table.charted`` columns, one group of
    bars per row (one bar per column, a legend when there are several)."""
    if len(table.rows) == 1 and table.charted > 1:
        table = _one_row_as_groups(table)
    series = table.chart_series
    top = 0
    parts: list[str] = []
    if len(series) > 1:
        x = 0
        for k, name in enumerate(series):
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="12" height="12" fill="{}"></rect>'
                    '<text x="{}" y="{}" font-size="13" fill="{}">{}</text>',
                    x,
                    top + 2,
                    PALETTE[k % len(PALETTE)],
                    x + 16,
                    top + 12,
                    TEXT,
                    name,
                )
            )
            x += 28 + 8 * len(name)
            if x > WIDTH - 120 and k < len(series) - 1:
                x, top = 0, top + 18
        top += 26
    scale = _scale(table)
    for row in table.rows:
        parts.append(
            format_html('<text x="0" y="{}" font-size="14" fill="{}">{}</text>', top + 14, TEXT, row.label)
        )
        top += LABEL
        for k, cell in enumerate(row.cells[: table.charted]):
            y = top
            if cell.number is not None:
                width = round(BAR_AREA * cell.number / scale, 1)
                parts.append(
                    format_html(
                        '<rect x="0" y="{}" width="{}" height="{}" fill="{}"></rect>'
                        '<text x="{}" y="{}" font-size="13" fill="{}">{}</text>',
                        y,
                        width,
                        BAR,
                        PALETTE[k % len(PALETTE)],
                        width + 4,
                        y + 12,
                        TEXT,
                        cell.display,
                    )
                )
            else:
                parts.append(
                    format_html(
                        '<text x="0" y="{}" font-size="13" fill="{}" font-style="italic">{}</text>',
                        y + 12,
                        MUTED,
                        cell.display,
                    )
                )
            top += BAR + GAP
        top += GROUP_GAP
    height = max(top, 20)
    title = f"Chart: {table.title}. The table beside it gives the same figures."
    return format_html(
        '<svg class="report-chart" role="img" aria-labelledby="{}" viewBox="0 0 {} {}" width="100%" '
        'preserveAspectRatio="xMinYMin meet" focusable="false" '
        + FONT
        + '><title id="{}">{}</title>{}</svg>',
        f"{chart_id}-title",
        WIDTH,
        height,
        f"{chart_id}-title",
        title,
        format_html_join("", "{}", ((part,) for part in parts)),
    )


def chart_for(table: Table) -> SafeString:
    if table.withheld or not table.charted:
        return SafeString("")
    return bar_chart(table, f"chart-{escape(table.key)}")
