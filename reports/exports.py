"""The report as a workbook: an "About" sheet, then one sheet per section.

A section's tables go one after another on its sheet in long form, one row per
figure (table, row, column, value), so every sheet has one header and filters
well. A value is the number when it is shown and the words the page shows
otherwise ("fewer than 5", "suppressed", "not shown"): the same suppression,
the same numbers. Written by ``mentorship.xlsx`` (write-only, sanitised).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from django.utils.text import slugify

from mentorship.xlsx import Column, Sheet, xlsx_response

from .report import Section, Table
from .suppression import FEWER_THAN, SUPPRESSED

COLUMNS = [Column("Table", 44), Column("Row", 34), Column("Column", 30), Column("Value", 16)]


def _value(cell):
    return cell.number if cell.number is not None else cell.display


def table_rows(table: Table) -> Iterator[list]:
    rows = [*table.rows, *([table.footer] if table.footer else [])]
    for row in rows:
        for column, cell in zip(table.columns, row.cells, strict=True):
            yield [table.title, row.label, column, _value(cell)]


def _section_rows(section: Section) -> Iterator[list]:
    for label, fact in section.facts:
        yield [section.title, label, None, _value(fact)]
    for table in section.tables:
        yield from table_rows(table)


def _about(program, scope) -> Iterator[list]:
    yield ["Program", program.name]
    yield ["Tier", scope.tier.name if scope.tier else "All tiers"]
    period = scope.term or scope.year
    yield ["Period", str(period) if period else "All years"]
    yield ["Made on", timezone.localdate()]
    yield [
        "Small numbers",
        f'A count from 1 to 4 is shown as "{FEWER_THAN}". Other counts that would let a total give '
        f'one back are shown as "{SUPPRESSED}". Zero is shown as 0. Percentages and means are left out '
        '("not shown") when a count they need is hidden.',
    ]


def report_response(program, scope, sections: list[Section]):
    sheets = [
        Sheet("About", [Column("", 18), Column("", 100)], _about(program, scope), autofilter=False),
        *(Sheet(section.title, COLUMNS, _section_rows(section)) for section in sections),
    ]
    filename = f"report-{slugify(program.slug or program.name)}-{timezone.localdate():%Y-%m-%d}.xlsx"
    return xlsx_response(sheets, filename=filename)
