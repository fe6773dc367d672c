"""Streaming Excel exports, shared by every app that exports.

One writer for the whole site so that every export gets the same treatment:
openpyxl's write-only mode (rows are streamed from a generator, the workbook is
never held in memory), a bold frozen header row, an autofilter over the data,
column widths, dates as dates, links as links, and every cell sanitised against
formula injection.

API::

    from mentorship.xlsx import Column, Link, Sheet, sanitize_cell, write_xlsx, xlsx_response

    sheet = Sheet(
        title="Applications",
        columns=[Column("Name", width=30), Column("Submitted", width=18), "Notes"],
        rows=(row_for(a) for a in queryset.iterator()),   # any iterable of sequences
    )
    write_xlsx(path_or_binary_file, [sheet])              # returns the number of data rows
    return xlsx_response([sheet], filename="applications.xlsx")   # a streamed FileResponse

Cell values: ``None`` → empty; ``str`` → sanitised text; ``int``/``float``/
``Decimal``/``bool`` as they are; ``date``/``datetime`` as Excel dates (aware
datetimes are converted to the current time zone, since Excel has none);
``list``/``tuple``/``set`` → their items joined with "; "; ``Link(url, text)`` →
a hyperlink; ``FormulaLink(url, text)`` → a link as a ``HYPERLINK()`` formula
(flat memory for very long exports); anything else → ``str(value)``, sanitised.
"""

from __future__ import annotations

import datetime
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from os import PathLike
from typing import IO, Any, NamedTuple

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Text starting with one of these is read as a formula by Excel, LibreOffice or
# Google Sheets (OWASP "CSV injection"); a leading apostrophe keeps it text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_MAX_CELL_CHARS = 32767
# openpyxl's ILLEGAL_CHARACTERS_RE covers the C0 controls only; XML 1.0 (so an
# .xlsx) cannot hold lone surrogates or U+FFFE/U+FFFF either, and lxml refuses
# them in the middle of writing the file.
_XML_ILLEGAL_RE = re.compile(r"[\ud800-\udfff\ufffe\uffff]")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]\*\?/\\:]")


class Link(NamedTuple):
    """A cell that links to ``url`` and shows ``text`` (or the URL)."""

    url: str
    text: str = ""


class FormulaLink(NamedTuple):
    """A link written as an Excel ``HYPERLINK()`` formula rather than a
    hyperlink object: for exports of very many rows. openpyxl keeps every
    hyperlink object (and its relationship) in memory until the sheet closes,
    about 2 KB a link, so memory grows with the rows; a formula is written
    with its row and costs nothing. The formula is built here, never taken
    from data: only http(s) and mailto URLs of at most 255 characters (Excel's
    limit for a text argument), quotes doubled; anything else is sanitised text."""

    url: str
    text: str = ""


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 18


@dataclass
class Sheet:
    title: str
    columns: Sequence[Column | str]
    rows: Iterable[Sequence[Any]]


def _strip_illegal(text: str) -> str:
    return _XML_ILLEGAL_RE.sub("", ILLEGAL_CHARACTERS_RE.sub("", text))


def sanitize_text(text: str) -> str:
    """Strip the control characters Excel rejects, cap the length and
    neutralise a formula trigger at the start with a leading apostrophe."""
    text = _strip_illegal(text)
    if text.startswith(FORMULA_TRIGGERS):
        text = "'" + text
    return text[:EXCEL_MAX_CELL_CHARS]


def sanitize_cell(value: Any) -> Any:
    """A value that is safe to put in a cell (see the module docstring)."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.make_naive(value)
        return value
    if isinstance(value, datetime.date | datetime.time):
        return value
    if isinstance(value, list | tuple | set | frozenset) and not isinstance(value, Link):
        return sanitize_text("; ".join(str(v) for v in value if v not in (None, "")))
    return sanitize_text(str(value))


def _link_cell(ws, link: Link) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=sanitize_text(link.text or link.url))
    url = _strip_illegal(link.url)
    if url.startswith(("http://", "https://", "mailto:")):
        cell.hyperlink = url
        cell.font = Font(color="0563C1", underline="single")
    return cell


_LINK_FONT = Font(color="0563C1", underline="single")
_HYPERLINK_ARG_MAX = 255


def _formula_link_cell(ws, link: FormulaLink) -> WriteOnlyCell | str:
    text = _strip_illegal(link.text or link.url)
    url = _strip_illegal(link.url)
    if (
        not url.startswith(("http://", "https://", "mailto:"))
        or max(len(url), len(text)) > _HYPERLINK_ARG_MAX
    ):
        return sanitize_text(text)
    quoted_url, quoted_text = url.replace('"', '""'), text.replace('"', '""')
    cell = WriteOnlyCell(ws, value=f'=HYPERLINK("{quoted_url}","{quoted_text}")')
    cell.font = _LINK_FONT
    return cell


def _cell(ws, value: Any) -> Any:
    if isinstance(value, Link):
        return _link_cell(ws, value)
    if isinstance(value, FormulaLink):
        return _formula_link_cell(ws, value)
    return sanitize_cell(value)


def _sheet_title(title: str, used: set[str]) -> str:
    base = _SHEET_TITLE_FORBIDDEN.sub(" ", _strip_illegal(title)).strip()[:31] or "Sheet"
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def write_xlsx(target: str | PathLike | IO[bytes], sheets: Iterable[Sheet]) -> int:
    """Write ``sheets`` to ``target`` (a path or a binary file object) in
    write-only mode. Returns the number of data rows written (all sheets)."""
    workbook = Workbook(write_only=True)
    total, used_titles = 0, set()
    for sheet in sheets:
        ws = workbook.create_sheet(_sheet_title(sheet.title, used_titles))
        columns = [c if isinstance(c, Column) else Column(c) for c in sheet.columns]
        # Widths and panes go in the sheet's head, so before the first row.
        for index, column in enumerate(columns, 1):
            ws.column_dimensions[get_column_letter(index)].width = column.width
        ws.freeze_panes = "A2"
        bold = Font(bold=True)
        header = []
        for column in columns:
            cell = WriteOnlyCell(ws, value=sanitize_text(column.header))
            cell.font = bold
            header.append(cell)
        ws.append(header)
        count = 0
        for row in sheet.rows:
            ws.append([_cell(ws, v) for v in row])
            count += 1
        last_column = get_column_letter(max(len(columns), 1))
        ws.auto_filter.ref = f"A1:{last_column}{count + 1}"
        total += count
    workbook.save(target)
    return total


def xlsx_response(sheets: Iterable[Sheet], *, filename: str) -> FileResponse:
    """Write the workbook to a temporary file and stream it as a download."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_xlsx(handle, sheets)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
