"""Streaming Excel exports, shared by every app that exports.

One writer for the whole site so that every export gets the same treatment:
openpyxl's write-only mode (rows are streamed from a generator, the workbook is
never held in memory), a bold frozen header row, an autofilter over the data,
column widths, one font, landscape printing fitted to the page width with the
header row repeated, dates as dates, links as links, and every cell sanitised
against formula injection.

API::

    from mentorship.xlsx import Column, Link, Sheet, sanitize_cell, write_xlsx, xlsx_response

    sheet = Sheet(
        title="Applications",
        columns=[Column("Name", width=30), Column("Submitted", width=18), "Notes"],
        rows=(row_for(a) for a in queryset.iterator()),   # any iterable of sequences
    )
    write_xlsx(path_or_binary_file, [sheet])              # returns the number of data rows
    return xlsx_response([sheet], filename="applications.xlsx")   # a streamed FileResponse

Cell values: ``None`` → empty; ``str`` → a text cell (never a formula, even
when it starts with ``=``, ``+``, ``-`` or ``@``: see ``_text_cell``);
``int``/``float``/``Decimal``/``bool`` as they are; ``date``/``datetime`` as
Excel dates (aware datetimes are converted to the current time zone, since
Excel has none); ``list``/``tuple``/``set`` → their items joined with "; ";
``Link(url, text)`` → a hyperlink that shows its text (the URL by default);
anything else → ``str(value)``, sanitised.

Notes sheets (an "About" sheet) pass ``autofilter=False``: no filter arrows.
"""

from __future__ import annotations

import datetime
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from os import PathLike
from typing import IO, Any, NamedTuple
from zipfile import ZIP_DEFLATED, ZipFile

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.packaging.relationship import get_rels_path
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.constants import PKG_REL_NS, REL_NS
from openpyxl.xml.functions import Element, xmlfile

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Text starting with one of these is read as a formula by Excel, LibreOffice or
# Google Sheets when typed or imported from CSV (OWASP "CSV injection"). In an
# .xlsx a text cell is never evaluated, so such text is written as a text cell
# (see ``_text_cell``), not escaped with an apostrophe that everyone would see.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_MAX_CELL_CHARS = 32767
# openpyxl's ILLEGAL_CHARACTERS_RE covers the C0 controls only; XML 1.0 (so an
# .xlsx) cannot hold lone surrogates or U+FFFE/U+FFFF either, and lxml refuses
# them in the middle of writing the file.
_XML_ILLEGAL_RE = re.compile(r"[\ud800-\udfff\ufffe\uffff]")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]\*\?/\\:]")
_LINK_SCHEMES = ("http://", "https://", "mailto:")
_HYPERLINK_REL_TYPE = f"{REL_NS}/hyperlink"

# One font throughout: the workbook's default (Calibri 11, openpyxl's default
# style). A Font without a name makes LibreOffice fall back to a serif face, so
# the header and link fonts name it too.
FONT_NAME, FONT_SIZE = "Calibri", 11
_HEADER_FONT = Font(name=FONT_NAME, size=FONT_SIZE, family=2, scheme="minor", bold=True)
_LINK_FONT = Font(
    name=FONT_NAME, size=FONT_SIZE, family=2, scheme="minor", color="0563C1", underline="single"
)


class Link(NamedTuple):
    """A cell that links to ``url`` and shows ``text`` (by default the URL, so
    that readers that show only stored values show the address)."""

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
    # Filter arrows in the header row: for data, not for a sheet of notes.
    autofilter: bool = True


def _strip_illegal(text: str) -> str:
    return _XML_ILLEGAL_RE.sub("", ILLEGAL_CHARACTERS_RE.sub("", text))


def sanitize_text(text: str) -> str:
    """Strip the characters an .xlsx cannot hold and cap the length. The text
    is otherwise kept exactly; the writer stores it as a text cell."""
    return _strip_illegal(text)[:EXCEL_MAX_CELL_CHARS]


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


def _text_cell(ws, text: str) -> WriteOnlyCell | str:
    """Text as a text cell. openpyxl reads a string that starts with "=" as a
    formula, so such text (and any other formula trigger) gets a cell whose
    type is forced to text: an inline string, which no spreadsheet evaluates
    and which shows exactly as typed. ``quotePrefix`` is the flag Excel sets
    itself when someone types '=…: the apostrophe is not shown in the cell,
    and the text stays text if the cell is edited."""
    if not text.startswith(FORMULA_TRIGGERS):
        return text
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


class _LinkSpool:
    """One sheet's hyperlinks (cell reference and URL), on disk until the
    sheet closes. openpyxl keeps a hyperlink object per link in memory and
    builds the sheet's whole ``<hyperlinks>`` element and relationships at
    the end, about 2 KB a link; spooled, memory stays flat however many rows."""

    def __init__(self):
        self.count = 0
        self._file = None

    def add(self, ref: str, url: str) -> str:
        if self._file is None:
            self._file = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self.count += 1
        self._file.write(f"{ref} {url}\n")
        return f"rId{self.count}"

    def __iter__(self) -> Iterator[tuple[str, str, str]]:
        """(relationship id, cell reference, URL) for each link, in order."""
        if self._file is None:
            return
        self._file.seek(0)
        for number, line in enumerate(self._file, 1):
            ref, url = line.rstrip("\n").split(" ", 1)
            yield f"rId{number}", ref, url

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


class _SheetWriter(WorksheetWriter):
    """openpyxl's sheet writer, with the ``<hyperlinks>`` element streamed
    from the spool (its relationships are written by ``write_xlsx``)."""

    def __init__(self, ws, links: _LinkSpool):
        super().__init__(ws)
        self.links = links

    def write_hyperlinks(self):
        if not self.links.count:
            return
        xf = self.xf.send(True)
        with xf.element("hyperlinks"):
            for rel_id, ref, _url in self.links:
                xf.write(Element("hyperlink", {"ref": ref, f"{{{REL_NS}}}id": rel_id}, nsmap={"r": REL_NS}))
        self.xf.send(None)


def _write_link_relationships(archive: ZipFile, ws, links: _LinkSpool) -> None:
    with (
        archive.open(get_rels_path(ws.path)[1:], "w") as handle,
        xmlfile(handle) as xf,
        xf.element(f"{{{PKG_REL_NS}}}Relationships", nsmap={None: PKG_REL_NS}),
    ):
        for rel_id, _ref, url in links:
            attributes = {"Id": rel_id, "Type": _HYPERLINK_REL_TYPE, "Target": url, "TargetMode": "External"}
            xf.write(Element(f"{{{PKG_REL_NS}}}Relationship", attributes, nsmap={None: PKG_REL_NS}))


def _link_cell(ws, link: Link, ref: str, links: _LinkSpool) -> WriteOnlyCell | str:
    text = sanitize_text(link.text or link.url)
    url = _strip_illegal(link.url)
    # Only web and mail addresses become links; a URL with spaces is not one.
    if not url.startswith(_LINK_SCHEMES) or any(c.isspace() for c in url):
        return _text_cell(ws, text)
    links.add(ref, url)
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"
    cell.font = _LINK_FONT
    return cell


def _sheet_title(title: str, used: set[str]) -> str:
    base = _SHEET_TITLE_FORBIDDEN.sub(" ", _strip_illegal(title)).strip()[:31] or "Sheet"
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def _set_up_page(ws) -> None:
    """Landscape, as wide as the page (as many pages tall as it takes), narrow
    margins so the fitted text is as large as it can be, the header row
    repeated on each page, grid lines printed, page numbers in the footer."""
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.page_margins = PageMargins(left=0.25, right=0.25, top=0.5, bottom=0.5, header=0.25, footer=0.25)
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True
    ws.oddFooter.center.text = "Page &P of &N"


def _write_sheet(workbook: Workbook, sheet: Sheet, title: str) -> tuple[Any, _LinkSpool, int]:
    ws = workbook.create_sheet(title)
    columns = [c if isinstance(c, Column) else Column(c) for c in sheet.columns]
    # Widths, panes and page properties go in the sheet's head, so before the
    # first row; the writer is made here so that it streams the links.
    for index, column in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"
    _set_up_page(ws)
    links = _LinkSpool()
    ws._writer = _SheetWriter(ws, links)
    ws._writer.write_top()

    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=sanitize_text(column.header))
        cell.data_type = "s"
        cell.font = _HEADER_FONT
        header.append(cell)
    ws.append(header)
    count = 0
    for row_number, row in enumerate(sheet.rows, 2):
        cells = []
        for column_number, value in enumerate(row, 1):
            if isinstance(value, Link):
                ref = f"{get_column_letter(column_number)}{row_number}"
                cells.append(_link_cell(ws, value, ref, links))
                continue
            value = sanitize_cell(value)
            cells.append(_text_cell(ws, value) if isinstance(value, str) else value)
        ws.append(cells)
        count += 1
    if sheet.autofilter:
        ws.auto_filter.ref = f"A1:{get_column_letter(max(len(columns), 1))}{count + 1}"
    return ws, links, count


def write_xlsx(target: str | PathLike | IO[bytes], sheets: Iterable[Sheet]) -> int:
    """Write ``sheets`` to ``target`` (a path or a binary file object) in
    write-only mode. Returns the number of data rows written (all sheets)."""
    workbook = Workbook(write_only=True)
    total, used_titles, written = 0, set(), []
    try:
        for sheet in sheets:
            ws, links, count = _write_sheet(workbook, sheet, _sheet_title(sheet.title, used_titles))
            written.append((ws, links))
            total += count
        # What Workbook.save does, with the links' relationships added to the
        # package before it is closed.
        workbook.properties.modified = timezone.now().astimezone(datetime.UTC).replace(tzinfo=None)
        with ZipFile(target, "w", ZIP_DEFLATED, allowZip64=True) as archive:
            ExcelWriter(workbook, archive).write_data()
            for ws, links in written:
                if links.count:
                    _write_link_relationships(archive, ws, links)
    finally:
        for _ws, links in written:
            links.close()
    return total


def xlsx_response(sheets: Iterable[Sheet], *, filename: str) -> FileResponse:
    """Write the workbook to a temporary file and stream it as a download."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_xlsx(handle, sheets)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
