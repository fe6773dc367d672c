"""Read the database spreadsheet as staff keep it today.

``read_workbook`` finds the data sheet and its header row (wherever it is,
under a title, notes or a "Last updated" line), maps headers in any case,
spacing or common synonym to fields, and turns each row into clean values or
warnings about the cells it could not read (only a row without a name is
refused). It writes nothing; ``services.imports.opportunity_import`` compares the rows
with the database and applies them.

The file comes from a person, so memory is bounded before anything is
parsed: ``inspect_package`` looks at the zip's directory (entry count,
unpacked size, compression ratio, macros) and refuses encrypted and old
binary files; the data sheet's XML is then streamed once to count the rows
that hold something and to collect merged ranges and hyperlinks (which
openpyxl's read-only mode does not give), with a cap on each; only then are
the cell values streamed in read-only mode. The limits are settings
(IMPORT_MAX_*).
"""

from __future__ import annotations

import calendar
import datetime
import logging
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from lxml import etree
from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_from_string, range_boundaries
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import CellCoordinatesException

from mentorship.xlsx import FORMULA_TRIGGERS
from programs.models import Specialty

from .models import DeadlinePrecision, Format, HostType, Kind, normalise

HEADER_SCAN_ROWS = 30
MAX_LENGTHS = {"name": 200, "host_name": 200, "cost": 200, "website": 500}
EMAIL_MAX_LENGTH = 254
UNKNOWN_HOST = "Unknown host"
SPECIALTY_MAX_LENGTH = Specialty._meta.get_field("name").max_length


log = logging.getLogger(__name__)


class ImportFileError(Exception):
    """The file as a whole cannot be read (not a workbook, no header row...)."""


def _header_key(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", normalise(text)).split())


# Exact headers (after _header_key) for each field.
HEADER_SYNONYMS: dict[str, list[str]] = {
    "name": ["name", "opportunity", "opportunity name", "name of opportunity", "program name", "title"],
    "kind": ["kind", "type", "type of opportunity", "opportunity type", "category", "kind of opportunity"],
    "host_type": ["host type", "type of host", "host category", "organization type", "organisation type"],
    "host_name": [
        "host",
        "host name",
        "host organization",
        "host organisation",
        "organization",
        "organisation",
        "hosted by",
        "offered by",
        "sponsor",
    ],
    "specialties": [
        "specialty",
        "specialties",
        "speciality",
        "specialities",
        "specialty s",
        "field",
        "fields",
    ],
    "eligible_learners": [
        "eligible learners",
        "eligibility",
        "learners",
        "eligible",
        "who can join",
        "learner type",
        "learner types",
        "audience",
    ],
    "description": ["description", "details", "about", "summary"],
    "how_to_join": ["how to join", "how to apply", "application process", "to join", "joining"],
    "website": ["website", "url", "link", "web site", "webpage", "web page", "web link"],
    "contact_email": ["contact email", "email", "contact", "e mail", "contact e mail", "email address"],
    "deadline": ["deadline", "application deadline", "deadline date", "apply by", "due date"],
    "cost": ["cost", "fee", "fees", "price"],
    "format": ["format", "delivery", "in person virtual", "mode", "in person or virtual", "setting"],
    "last_verified": ["last verified", "verified", "last checked", "date verified", "verified on"],
    "is_published": ["published", "publish", "visible"],
}
_EXACT = {_header_key(s): name for name, synonyms in HEADER_SYNONYMS.items() for s in synonyms}
# Then, for headers worded otherwise, the first rule whose words all appear.
_KEYWORD_RULES: list[tuple[tuple[str, ...], str]] = [
    (("deadline",), "deadline"),
    (("verified",), "last_verified"),
    (("email",), "contact_email"),
    (("website",), "website"),
    (("url",), "website"),
    (("how", "to"), "how_to_join"),
    (("eligib",), "eligible_learners"),
    (("learner",), "eligible_learners"),
    (("special",), "specialties"),
    (("host", "type"), "host_type"),
    (("host",), "host_name"),
    (("organi",), "host_name"),
    (("type",), "kind"),
    (("descr",), "description"),
    (("cost",), "cost"),
    (("fee",), "cost"),
    (("format",), "format"),
    (("opportunit",), "name"),
    (("name",), "name"),
]
REQUIRED_COLUMNS = ("name", "host_name")


def header_field(text: Any) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return None
    key = _header_key(text)
    if key in _EXACT:
        return _EXACT[key]
    for words, name in _KEYWORD_RULES:
        if all(w in key for w in words):
            return name
    return None


# --- Limits and the package ------------------------------------------------------

# Entries this small are not checked for their ratio: a tiny, very regular
# XML part compresses well and cannot hurt.
RATIO_CHECK_FROM_BYTES = 1024 * 1024

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The stream an encrypted Office file carries inside its OLE container.
ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")

NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def limit(name: str) -> int:
    """One of the IMPORT_MAX_* settings (read at each import, so tests and
    operators can change them)."""
    return getattr(settings, name)


def _megabytes(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def _rewind(source) -> None:
    if hasattr(source, "seek"):
        source.seek(0)


def _contains(source, needle: bytes) -> bool:
    """Whether the file holds ``needle``, read in chunks."""
    _rewind(source)
    handle = open(source, "rb") if isinstance(source, str) else source  # noqa: SIM115
    try:
        tail = b""
        while chunk := handle.read(1024 * 1024):
            if needle in tail + chunk:
                return True
            tail = chunk[-len(needle) :]
        return False
    finally:
        if handle is not source:
            handle.close()
        _rewind(source)


def inspect_package(source: str | IO[bytes]) -> None:
    """Refuse, with a message staff can act on, a file that is not a plain
    .xlsx or whose unpacked size could exhaust memory. Reads only the zip's
    directory and its content types. Raises ImportFileError."""
    _refuse_old_binary(source)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportFileError(f"This file cannot be read as an Excel workbook (.xlsx): {exc}") from exc
    with archive:
        entries = archive.infolist()
        _check_sizes(entries)
        _check_contents(archive, {e.filename for e in entries})
    _rewind(source)


def _refuse_old_binary(source: str | IO[bytes]) -> None:
    """An old binary Office file (.xls), or an encrypted workbook, which is
    one too (an OLE container), is refused with what to do instead."""
    _rewind(source)
    if isinstance(source, str):
        with open(source, "rb") as handle:
            signature = handle.read(8)
    else:
        signature = source.read(8)
        _rewind(source)
    if signature != OLE_SIGNATURE:
        return
    if _contains(source, ENCRYPTION_STREAM):
        raise ImportFileError(
            "This workbook is protected by a password (encrypted), so it cannot be read. "
            "In Excel, remove the password (File → Info → Protect Workbook → Encrypt with "
            "Password, then clear it), save it as .xlsx and upload it again."
        )
    raise ImportFileError(
        "This is an older Excel file (.xls). Open it in Excel, save it as an Excel "
        "Workbook (.xlsx) and upload that."
    )


def _check_sizes(entries: list[zipfile.ZipInfo]) -> None:
    """The zip's parts: how many, their unpacked size, their compression."""
    if len(entries) > limit("IMPORT_MAX_ZIP_ENTRIES"):
        raise ImportFileError(
            f"This file holds {len(entries):,} parts; an Excel workbook of the database has far "
            f"fewer (the limit is {limit('IMPORT_MAX_ZIP_ENTRIES'):,}). Save the data sheet in a "
            "new workbook and upload that."
        )
    unpacked = sum(e.file_size for e in entries)
    if unpacked > limit("IMPORT_MAX_UNPACKED_BYTES"):
        raise ImportFileError(
            f"This workbook unpacks to {_megabytes(unpacked)}, more than the "
            f"{_megabytes(limit('IMPORT_MAX_UNPACKED_BYTES'))} the import accepts. Remove the "
            "sheets, images or empty formatted rows that are not the database, or split the file."
        )
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > RATIO_CHECK_FROM_BYTES and ratio > limit("IMPORT_MAX_COMPRESSION_RATIO"):
            raise ImportFileError(
                f"Part “{entry.filename}” of this file is compressed {ratio:,.0f} to 1, which "
                "no ordinary spreadsheet is: it is refused as a possible zip bomb."
            )


def _check_contents(archive: zipfile.ZipFile, names: set[str]) -> None:
    """A plain workbook: no macros, and a workbook part."""
    content_types = ""
    if "[Content_Types].xml" in names:
        content_types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
    if any(n.lower().endswith("vbaproject.bin") for n in names) or "macroenabled" in content_types.lower():
        raise ImportFileError(
            "This workbook contains macros (an .xlsm file). The import accepts only plain "
            "workbooks: in Excel choose File → Save As → Excel Workbook (.xlsx) and upload that."
        )
    if "xl/workbook.xml" not in names:
        raise ImportFileError(
            "This file cannot be read as an Excel workbook (.xlsx): it is a zip file without a workbook in it."
        )


@dataclass
class SheetLayout:
    """What the streamed pass over a sheet's XML found."""

    last_row: int = 0  # the last row that holds a value
    merged: list[tuple[int, int, int, int]] = field(
        default_factory=list
    )  # min_col, min_row, max_col, max_row
    links: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) → URL


def _xml_events(handle, **kwargs):
    """lxml's streaming parser, with entities left unexpanded and no DTD or
    network fetched: a sheet's XML comes from the person who uploaded it."""
    return etree.iterparse(
        handle, resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, **kwargs
    )


def _sheet_links(archive: zipfile.ZipFile, sheet_path: str) -> dict[str, str]:
    """The sheet's external relationships (hyperlink targets) by id."""
    folder, _, name = sheet_path.rpartition("/")
    rels_path = f"{folder}/_rels/{name}.rels"
    if rels_path not in archive.namelist():
        return {}
    targets = {}
    with archive.open(rels_path) as handle:
        for _, elem in _xml_events(handle, tag=f"{NS_PKG_REL}Relationship"):
            if elem.get("TargetMode") == "External":
                targets[elem.get("Id")] = elem.get("Target", "")
            elem.clear()
    return targets


_VALUE_TAGS = {f"{NS_MAIN}v", f"{NS_MAIN}is", f"{NS_MAIN}f"}


def _has_value(row) -> bool:
    return any(child.tag in _VALUE_TAGS and (child.text or len(child)) for cell in row for child in cell)


class _SheetScan:
    """One streamed pass over a sheet's XML (see ``scan_sheet``): a handler
    for each element it looks at, each enforcing its limit as it counts."""

    def __init__(self, *, title: str, header_row: int):
        self.title, self.header_row = title, header_row
        self.max_rows, self.max_merged = limit("IMPORT_MAX_ROWS"), limit("IMPORT_MAX_MERGED_RANGES")
        self.max_columns = limit("IMPORT_MAX_COLUMNS")
        self.layout = SheetLayout()
        self.link_ids: list[tuple[str, str]] = []  # cell reference, relationship id
        self.row_number = self.data_rows = 0

    def handlers(self) -> dict[str, Callable[[Any], None]]:
        return {
            f"{NS_MAIN}row": self.row,
            f"{NS_MAIN}mergeCell": self.merge_cell,
            f"{NS_MAIN}hyperlink": self.hyperlink,
        }

    def row(self, elem) -> None:
        self.row_number = int(elem.get("r") or self.row_number + 1)
        if not _has_value(elem):
            return
        self.layout.last_row = self.row_number
        if self.row_number <= self.header_row:
            return
        self.data_rows += 1
        if self.data_rows > self.max_rows:
            raise ImportFileError(
                f"The sheet “{self.title}” has more than {self.max_rows:,} rows of data; the "
                "import reads at most that many. Split the file, or delete the "
                "rows below the database."
            )

    def merge_cell(self, elem) -> None:
        if len(self.layout.merged) >= self.max_merged:
            raise ImportFileError(
                f"The sheet “{self.title}” has more than {self.max_merged:,} merged cell ranges. "
                "Unmerge the cells (Home → Merge & Center → Unmerge Cells) and upload it again."
            )
        min_col, min_row, max_col, max_row = range_boundaries(elem.get("ref", ""))
        if min_row is not None and min_col <= self.max_columns:
            self.layout.merged.append((min_col, min_row, min(max_col, self.max_columns), max_row))

    def hyperlink(self, elem) -> None:
        rel_id = elem.get(f"{NS_REL}id")
        if rel_id and len(self.link_ids) < self.max_rows * 2:
            self.link_ids.append((elem.get("ref", ""), rel_id))

    def resolve_links(self, targets: dict[str, str]) -> None:
        for ref, rel_id in self.link_ids:
            if rel_id not in targets:
                continue
            try:
                column, row = coordinate_from_string(ref.split(":")[0])
                self.layout.links[(row, range_boundaries(f"{column}1")[0])] = targets[rel_id]
            except (CellCoordinatesException, ValueError, TypeError):
                continue  # a link on no readable cell: the cell's text still imports


def _free(elem) -> None:
    """Done with the element: free it and the ones before it."""
    elem.clear()
    while elem.getprevious() is not None:
        del elem.getparent()[0]


def scan_sheet(archive: zipfile.ZipFile, sheet_path: str, *, title: str, header_row: int) -> SheetLayout:
    """Stream the sheet's XML once: the last row holding a value (formatted
    empty rows do not count), the merged ranges and the cell hyperlinks.
    Raises ImportFileError past IMPORT_MAX_ROWS data rows or
    IMPORT_MAX_MERGED_RANGES merged ranges, before reading further."""
    scan = _SheetScan(title=title, header_row=header_row)
    handlers = scan.handlers()
    try:
        with archive.open(sheet_path) as handle:
            for _, elem in _xml_events(handle, tag=tuple(handlers)):
                handlers[elem.tag](elem)
                _free(elem)
        targets = _sheet_links(archive, sheet_path) if scan.link_ids else {}
    except (etree.XMLSyntaxError, ValueError, TypeError, KeyError, zipfile.BadZipFile) as exc:
        raise ImportFileError(f"The sheet “{title}” cannot be read: {exc}") from exc
    scan.resolve_links(targets)
    return scan.layout


class MergedCells:
    """Every cell of a merged range reads as its top-left cell, without
    expanding the ranges (a few kilobytes of XML can merge millions of cells)."""

    def __init__(self, ranges: list[tuple[int, int, int, int]]):
        self.top_lefts = {(min_row, min_col) for min_col, min_row, _, _ in ranges}
        self.by_column: dict[int, list[tuple[int, int, int]]] = {}
        self.values: dict[tuple[int, int], Any] = {}
        self.ranges = ranges
        # A cell merged across a row (three columns or more) is a heading
        # ("Summer opportunities"), not a row of data.
        self.headings = {
            (min_row, min_col)
            for min_col, min_row, max_col, max_row in ranges
            if min_row == max_row and max_col - min_col >= 2
        }

    def for_columns(self, columns: set[int]) -> None:
        """Index only the ranges that cover a column that is read."""
        for min_col, min_row, max_col, max_row in self.ranges:
            for col in columns:
                if min_col <= col <= max_col:
                    self.by_column.setdefault(col, []).append((min_row, max_row, min_col))

    def remember(self, row: int, col: int, cell) -> None:
        if (row, col) in self.top_lefts:
            self.values[(row, col)] = cell

    def top_left(self, row: int, col: int):
        for min_row, max_row, min_col in self.by_column.get(col, ()):
            if min_row <= row <= max_row and (row, col) != (min_row, min_col):
                return self.values.get((min_row, min_col))
        return None


# --- Values ------------------------------------------------------------------


_HYPERLINK_FORMULA = re.compile(
    r'^=\s*HYPERLINK\(\s*"((?:[^"]|"")*)"\s*(?:[,;]\s*"((?:[^"]|"")*)"\s*)?\)\s*$', re.I
)
_LAST_UPDATED = re.compile(r"last\s+(?:updated|verified|revised)\s*:?\s*(.+)$", re.I)
_DATE_FORMATS = [
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%B %d, %Y",
    "%b %d, %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d %Y",
    "%b %d %Y",
    "%A, %B %d, %Y",
    "%a, %b %d, %Y",
]
_MONTH_FORMATS = ["%B %Y", "%b %Y", "%m/%Y", "%Y-%m", "%m-%Y", "%Y/%m"]
_ROLLING_WORDS = {
    "rolling",
    "rolling basis",
    "rolling admission",
    "ongoing",
    "open",
    "always open",
    "open until filled",
    "until filled",
    "open until full",
    "any time",
    "anytime",
    "year round",
    "open year round",
    "continuous",
    "no fixed deadline",
}
_NO_VALUE_WORDS = {"", "n a", "na", "none", "tbd", "tba", "not applicable", "no deadline", "unknown", "-"}
_TRUE = {"yes", "y", "true", "1", "published", "x"}
_FALSE = {"no", "n", "false", "0", "unpublished", "hidden", "draft"}


def unsanitise(text: str) -> str:
    """Undo the apostrophe that exports before issue 16 put before a formula
    trigger, so those files still import to the text people typed. Exports
    now write such text as a text cell, as it is; the one text this misreads
    is a value that itself starts with an apostrophe and a trigger ("'=x")."""
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def clean_line(text: str) -> str:
    return " ".join(text.split())


def clean_block(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip()


def _date_text(text: str) -> str:
    """ "Sept. 15th, 2027" → "Sep 15, 2027": what strptime reads."""
    text = clean_line(text).rstrip(".")
    text = re.sub(r"\b(\d{1,2})(?:st|nd|rd|th)\b", r"\1", text, flags=re.I)
    text = re.sub(r"\b([A-Za-z]{3,9})\.", r"\1", text)
    return re.sub(r"\bsept\b", "Sep", text, flags=re.I)


def _excel_date(value: int | float) -> datetime.date | None:
    try:
        converted = from_excel(value)
    except (ValueError, OverflowError):
        return None
    return converted.date() if isinstance(converted, datetime.datetime) else converted


def parse_date(value: Any, *, allow_month: bool = False) -> datetime.date | None:
    """A day; with ``allow_month`` a month alone gives its first day."""
    parsed = parse_deadline_date(value)
    if parsed is None:
        return None
    day, precision = parsed
    if precision == DeadlinePrecision.MONTH:
        return day.replace(day=1) if allow_month else None
    return day


def parse_deadline_date(value: Any) -> tuple[datetime.date, str] | None:
    """A date and its precision: a month alone ("March 2027", "03/2027") is
    that month's last day, with month precision."""
    if isinstance(value, datetime.datetime):
        return value.date(), DeadlinePrecision.DAY
    if isinstance(value, datetime.date):
        return value, DeadlinePrecision.DAY
    if isinstance(value, int | float) and not isinstance(value, bool):
        day = _excel_date(value) if 1 <= value < 2958466 else None
        return (day, DeadlinePrecision.DAY) if day else None
    text = _date_text(str(value))
    text = re.sub(r"^(?:by|due|before|end of|the end of)\s+", "", text, flags=re.I)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?", text):
        text = text[:10]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date(), DeadlinePrecision.DAY
        except ValueError:
            continue
    for fmt in _MONTH_FORMATS:
        try:
            first = datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        last = calendar.monthrange(first.year, first.month)[1]
        return first.replace(day=last), DeadlinePrecision.MONTH
    return None


def split_values(text: str, known: set[str] | None = None) -> list[str]:
    """Several values in one cell: separated by semicolons or line breaks, or
    else by commas (a part that is itself a known value keeps its commas)."""
    parts = [p for p in re.split(r"[;\n\r•]+", text) if p.strip()]
    result = []
    for part in parts:
        if "," in part and not (known and normalise(part) in known):
            result.extend(p for p in part.split(",") if p.strip())
        else:
            result.append(part)
    return [clean_line(p) for p in result]


def _has_word(key: str, words: str) -> bool:
    return re.search(rf"\b{words}\b", key) is not None


# Kinds, tried in order on the cell's words. The office's sheet says
# "program", "list", "event series", "summer research"...
_KIND_WORDS: list[tuple[str, str]] = [
    (r"summer\w*|studentships?", Kind.SUMMER),
    (
        r"informal|connections?|events?|event series|series|lists?|directory|directories|networks?|"
        r"networking|speakers?|socials?|drop in|meet ?ups?|roster|database|panels?|talks?|seminars?",
        Kind.INFORMAL,
    ),
    (
        r"formal|programs?|programmes?|mentorships?|mentoring|pairings?|one on one|1 1|longitudinal|"
        r"structured|matched|buddy|dyads?",
        Kind.FORMAL,
    ),
]


def parse_kind(text: str) -> str | None:
    key = _header_key(text)
    for value, label in Kind.choices:
        if key in (_header_key(label), value):
            return value
    for words, value in _KIND_WORDS:
        if _has_word(key, f"(?:{words})"):
            return value
    return None


# Host types by the words of the cell (or, failing that, of the host's
# name): first match wins, so the narrower words come first.
_HOST_TYPE_WORDS: list[tuple[str, str]] = [
    (
        r"learner groups?|student groups?|interest groups?|ig|clubs?|students? associations?|"
        r"students? society|students? council|student union|chapter",
        HostType.LEARNER_GROUP,
    ),
    (r"division|div", HostType.DIVISION),
    (r"department|dept|depts|departments", HostType.DEPARTMENT),
    (
        r"hospitals?|tahsn|tahsn sites?|hospital sites?|sites?|health sciences? centres?|health centres?|"
        r"medical centres?|sunnybrook|sickkids|sick kids|hospital for sick children|uhn|"
        r"university health network|toronto general|toronto western|princess margaret|mount sinai|"
        r"sinai health|st michael s|unity health|st joseph s|women s college|camh|"
        r"centre for addiction and mental health|holland bloorview|baycrest|north york general|"
        r"michael garron|trillium|scarborough health|humber river|bridgepoint|toronto rehab",
        HostType.HOSPITAL,
    ),
    (
        r"association|associations|society|societies|college|academy|federation|alliance|"
        r"professional association|professional body|cma|oma|rcpsc|cfpc|ama",
        HostType.ASSOCIATION,
    ),
    (
        r"temerty|faculty of medicine|faculty|office|offices|program|programs|programme|ola|"
        r"university of toronto|u of t|uoft|md program|postgraduate medical education|pgme",
        HostType.PROGRAM,
    ),
]


def parse_host_type(text: str) -> str | None:
    key = _header_key(text)
    for value, label in HostType.choices:
        if key in (_header_key(label), _header_key(value)):
            return value
    for words, value in _HOST_TYPE_WORDS:
        if _has_word(key, f"(?:{words})"):
            return value
    return None


def parse_format(text: str) -> str | None:
    key = _header_key(text)
    virtual = any(_has_word(key, w) for w in ("virtual", "online", "remote", "zoom", "teams", "virtually"))
    in_person = "person" in key or any(_has_word(key, w) for w in ("on site", "onsite", "on campus", "f2f"))
    if "both" in key or "hybrid" in key or "either" in key or (virtual and in_person):
        return Format.BOTH
    if virtual:
        return Format.VIRTUAL
    if in_person:
        return Format.IN_PERSON
    return None


# --- Learner types -------------------------------------------------------------


def _code_key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", normalise(text))


MD_ALL = ["MD1", "MD2", "MD3", "MD4"]
RESIDENTS = ["PGY1", "PGY2", "RES"]
REHAB = ["PT", "OT", "SLP"]
LEARNER_ALIASES: dict[str, list[str]] = {
    "md": MD_ALL,
    "mds": MD_ALL,
    "mdstudents": MD_ALL,
    "mdstudent": MD_ALL,
    "allmd": MD_ALL,
    "allmds": MD_ALL,
    "allmdstudents": MD_ALL,
    "allmdyears": MD_ALL,
    "medicalstudents": MD_ALL,
    "medicalstudent": MD_ALL,
    "medstudents": MD_ALL,
    "undergraduatemedicalstudents": MD_ALL,
    "ume": MD_ALL,
    "allyears": MD_ALL,
    "preclerkship": ["MD1", "MD2"],
    "preclerks": ["MD1", "MD2"],
    "preclerkshipstudents": ["MD1", "MD2"],
    "clerkship": ["MD3", "MD4"],
    "clerks": ["MD3", "MD4"],
    "clerk": ["MD3", "MD4"],
    "clerkshipstudents": ["MD3", "MD4"],
    "residents": RESIDENTS,
    "resident": RESIDENTS,
    "allresidents": RESIDENTS,
    "residentphysicians": RESIDENTS,
    "pgy": RESIDENTS,
    "allpgy": RESIDENTS,
    "postgraduate": RESIDENTS,
    "postgraduatetrainees": RESIDENTS,
    "pgytrainees": RESIDENTS,
    "pgme": RESIDENTS,
    "clinicalrehab": REHAB,
    "rehab": REHAB,
    "rehabsciences": REHAB,
    "rehabilitationsciences": REHAB,
    "rehabilitation": REHAB,
    "allrehab": REHAB,
    "pt": ["PT"],
    "physicaltherapy": ["PT"],
    "physiotherapy": ["PT"],
    "physiotherapist": ["PT"],
    "ot": ["OT"],
    "occupationaltherapy": ["OT"],
    "slp": ["SLP"],
    "speechlanguagepathology": ["SLP"],
    "speechpathology": ["SLP"],
    "faculty": ["FAC"],
    "fac": ["FAC"],
    "clinicians": ["FAC"],
    "clinician": ["FAC"],
    "clinicianfaculty": ["FAC"],
    "staffphysicians": ["FAC"],
}
ALL_LEARNERS = {"all", "alllearners", "any", "everyone", "alllearnertypes", "open to all", "opentoall"}
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
# "PGY1-2", "PGY 1-2", "MD1–4", "Years 1-2", "MD 3 to 4", "Year 2": a prefix
# (or none, to take the one before: "MD3/4") and a number or a range.
_RANGE = re.compile(
    r"^(?P<prefix>md|pgy|years?|yrs?|y)?\s*-?\s*(?P<a>\d)\s*(?:(?:-|to|through)\s*(?:md|pgy|years?|yrs?|y)?\s*-?\s*(?P<b>\d))?"
    r"(?:\s*(?:students?|residents?|learners?|medical students?))?$"
)


def _range_codes(prefix: str, a: int, b: int) -> list[str]:
    if prefix == "pgy":
        return list(dict.fromkeys(f"PGY{n}" if n <= 2 else "RES" for n in range(a, b + 1)))
    return [f"MD{n}" for n in range(a, b + 1) if 1 <= n <= 4]


class LearnerTypeResolver:
    """Learner types by code, by label, by a group ("All MD", "Clerks",
    "PT/OT/SLP") or by a range ("PGY1-2", "MD 1–4", "Years 1-2")."""

    def __init__(self, learner_types):
        self.by_code = {t.code: t for t in learner_types}
        self.lookup: dict[str, list[str]] = {}
        for t in learner_types:
            self.lookup[_code_key(t.code)] = [t.code]
            self.lookup[_code_key(t.label)] = [t.code]
        for alias, codes in LEARNER_ALIASES.items():
            known = [c for c in codes if c in self.by_code]
            if known:
                self.lookup.setdefault(alias, known)

    def _known(self, codes: list[str]) -> list[str]:
        return [c for c in codes if c in self.by_code]

    def _piece(self, text: str, prefix: str | None) -> tuple[list[str] | None, str | None]:
        """The codes for one piece, and the prefix a following bare number takes."""
        key = _code_key(text)
        if key in ALL_LEARNERS or normalise(text) in ALL_LEARNERS:
            return [c for c in self.by_code if c != "FAC"], prefix
        found = self.lookup.get(key) or self.lookup.get(key.rstrip("s"))
        if found:
            return found, (
                "pgy" if found[0].startswith("PGY") else "md" if found[0].startswith("MD") else prefix
            )
        words = normalise(text).replace("–", "-").replace("—", "-")
        words = re.sub(r"[^0-9a-z\- ]+", " ", words)
        for word, number in _ORDINALS.items():
            words = re.sub(rf"\b{word}\b", str(number), words)
        words = re.sub(r"\b(\d)\s*(?:-\s*)?years?\b", r"year \1", words)  # "1st year" → "year 1"
        words = re.sub(r"\b(?:all|the)\s+", "", " ".join(words.split()))
        match = _RANGE.match(words)
        if match:
            raw_prefix = match.group("prefix")
            if raw_prefix is None:
                raw_prefix = prefix
            if raw_prefix is None:
                return None, prefix
            kind = "pgy" if raw_prefix == "pgy" else "md"
            a = int(match.group("a"))
            b = int(match.group("b") or a)
            codes = self._known(_range_codes(kind, min(a, b), max(a, b)))
            return (codes or None), kind
        return None, prefix

    def resolve(self, text: str) -> tuple[list[str], list[str]]:
        """Codes for the cell's values, and the values not understood."""
        codes: list[str] = []
        unknown: list[str] = []
        for part in [p for p in re.split(r"[;\n\r•]+", text) if p.strip()]:
            found, _ = self._piece(part, None)
            if found:
                codes.extend(c for c in found if c not in codes)
                continue
            prefix = None
            for piece in re.split(r"[,/&+|]+|\band\b|\bor\b", part, flags=re.I):
                if not piece.strip():
                    continue
                found, prefix = self._piece(piece, prefix)
                if found:
                    codes.extend(c for c in found if c not in codes)
                else:
                    unknown.append(clean_line(piece))
        return codes, unknown


# --- Rows ----------------------------------------------------------------------


@dataclass
class ParsedRow:
    number: int  # the row number in the sheet, as Excel shows it
    values: dict[str, Any] = field(default_factory=dict)
    # Values for a new record only, where a cell could not be read (the kind
    # or host type a record must have): an existing record keeps its own.
    defaults: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # the row is refused
    warnings: list[str] = field(default_factory=list)  # the row is kept; a cell was not read

    @property
    def name(self) -> str:
        return self.values.get("name", "")

    @property
    def host_name(self) -> str:
        return self.values.get("host_name", "")


@dataclass
class ParsedSheet:
    sheet_title: str
    header_row: int
    columns: dict[str, int]  # field → 0-based column index
    ignored_headers: list[str]
    last_updated: datetime.date | None
    rows: list[ParsedRow]
    headings: list[tuple[int, str]] = field(default_factory=list)  # row number, text


def _cell_text(cell, field_name: str, link: str | None) -> Any:
    """A cell's value: hyperlinks and HYPERLINK formulas give their target in
    the website column; any other formula is kept as the text it is."""
    if cell is None:
        return None
    value = cell.value
    if field_name == "website" and link:
        return link
    if isinstance(value, str):
        match = _HYPERLINK_FORMULA.match(value.strip())
        if match and getattr(cell, "data_type", "s") == "f":
            url, text = (part.replace('""', '"') if part else part for part in match.groups())
            return url if field_name == "website" else (text or url)
        return unsanitise(value)
    return value


def _header_in(row) -> tuple[dict[str, int], list[str]] | None:
    columns: dict[str, int] = {}
    ignored = []
    for index, cell in enumerate(row):
        value = getattr(cell, "value", None)
        name = header_field(value)
        if name and name not in columns:
            columns[name] = index
        elif isinstance(value, str) and value.strip():
            ignored.append(value.strip())
    if all(c in columns for c in REQUIRED_COLUMNS) and len(columns) >= 3:
        return columns, ignored
    return None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_workbook(source: str | IO[bytes], *, known_specialties: set[str], learner_types) -> ParsedSheet:
    """Parse the first sheet that has a header row; the others (notes, an
    "About" sheet, pivot tables) are not the data and are left alone.
    Raises ImportFileError for a file that cannot be read or is past a limit."""
    inspect_package(source)
    try:
        workbook = load_workbook(source, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise ImportFileError(f"This file cannot be read as an Excel workbook (.xlsx): {exc}") from exc
    try:
        return _read_data_sheet(workbook, known_specialties=known_specialties, learner_types=learner_types)
    except ImportFileError:
        raise
    except Exception as exc:
        # openpyxl reads cells lazily, so a malformed cell (a number cell
        # holding letters, a date that is not one, a column past XFD, a shared
        # string that is not there) fails only now, with any kind of error.
        log.warning("Unreadable workbook: %s", exc, exc_info=True)
        raise ImportFileError(
            f"This workbook has a cell that cannot be read ({type(exc).__name__}: {exc}). "
            "Open it in Excel, save it again as .xlsx, and upload that copy."
        ) from exc
    finally:
        workbook.close()


def _find_header(
    ws, max_columns: int
) -> tuple[list[tuple], tuple[dict[str, int], list[str]] | None, datetime.date | None]:
    """The rows down to the header row, the header's columns (None when the
    sheet's first HEADER_SCAN_ROWS rows hold none) and the date of a "Last
    updated" line above it."""
    top: list[tuple] = []
    last_updated = None
    for row in ws.iter_rows(max_row=HEADER_SCAN_ROWS, max_col=max_columns):
        top.append(row)
        found = _header_in(row)
        if found:
            return top, found, last_updated
        for cell in row:
            if isinstance(cell.value, str):
                match = _LAST_UPDATED.search(cell.value.strip())
                if match:
                    last_updated = parse_date(match.group(1), allow_month=True) or last_updated
    return top, None, last_updated


def _read_data_sheet(workbook, *, known_specialties: set[str], learner_types) -> ParsedSheet:
    max_columns = limit("IMPORT_MAX_COLUMNS")
    resolver = LearnerTypeResolver(learner_types)
    for ws in workbook.worksheets:
        if not hasattr(ws, "_worksheet_path"):
            continue  # a chart sheet
        top, found, last_updated = _find_header(ws, max_columns)
        if found is None:
            continue
        columns, ignored = found
        header_row = len(top)
        layout = scan_sheet(workbook._archive, ws._worksheet_path, title=ws.title, header_row=header_row)
        merged = MergedCells(layout.merged)
        merged.for_columns({i + 1 for i in columns.values()})
        for row_number, row in enumerate(top, start=1):
            for col, cell in enumerate(row, start=1):
                merged.remember(row_number, col, cell)
        sheet = ParsedSheet(ws.title, header_row, columns, ignored, last_updated, [])
        if layout.last_row > header_row:
            data = ws.iter_rows(min_row=header_row + 1, max_row=layout.last_row, max_col=max_columns)
            sheet.rows = list(
                _parse_rows(data, sheet, merged, layout, known_specialties, resolver, last_updated)
            )
        return sheet
    raise ImportFileError(
        "No header row found. The data sheet needs a row of column headings with at least "
        "the opportunity's name and its host (for example “Opportunity Name” and “Host / Organization”) "
        f"within its first {HEADER_SCAN_ROWS} rows."
    )


def _parse_rows(
    data, sheet: ParsedSheet, merged, layout, known_specialties, resolver, last_updated
) -> Iterator[ParsedRow]:
    columns = sheet.columns
    section_kind = None
    for row_number, row in enumerate(data, start=sheet.header_row + 1):
        for col, cell in enumerate(row, start=1):
            merged.remember(row_number, col, cell)
        values = [c.value for c in row if not _blank(getattr(c, "value", None))]
        heading = next(
            (
                c.value
                for col, c in enumerate(row, 1)
                if (row_number, col) in merged.headings and not _blank(c.value)
            ),
            None,
        )
        if heading is not None and len(values) == 1:
            sheet.headings.append((row_number, clean_line(str(heading))))
            section_kind = parse_kind(str(heading))  # rows below without a kind take it
            continue
        raw = {}
        for name, index in columns.items():
            cell = row[index] if index < len(row) else None
            if cell is None or _blank(cell.value):
                cell = merged.top_left(row_number, index + 1) or cell
            raw[name] = _cell_text(cell, name, layout.links.get((row_number, index + 1)))
        if all(_blank(v) for v in raw.values()):
            continue  # a blank row
        parsed = parse_row(
            row_number,
            raw,
            known_specialties=known_specialties,
            resolver=resolver,
            last_updated=last_updated,
            kind_hint=section_kind,
        )
        if not parsed.values.get("website"):
            # A link on the opportunity's name stands for its website.
            name_cell = row[columns["name"]] if columns["name"] < len(row) else None
            link = layout.links.get((row_number, columns["name"] + 1))
            link = link or _cell_text(name_cell, "website", None)
            if isinstance(link, str) and re.match(r"^https?://\S+$", link):
                parsed.values["website"] = link
        yield parsed


def _text(raw: dict[str, Any], name: str) -> str | None:
    """The cell as text (None when the column is absent)."""
    if name not in raw:
        return None
    value = raw[name]
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


def _quote(text: str, length: int = 60) -> str:
    text = clean_line(text)
    return f"“{text[:length]}…”" if len(text) > length else f"“{text}”"


@dataclass
class RowContext:
    """What reading a row needs beyond its cells."""

    known_specialties: set[str]
    resolver: LearnerTypeResolver
    last_updated: datetime.date | None
    kind_hint: str | None = None


def parse_row(
    number: int,
    raw: dict[str, Any],
    *,
    known_specialties: set[str],
    resolver: LearnerTypeResolver,
    last_updated: datetime.date | None,
    kind_hint: str | None = None,
) -> ParsedRow:
    """Clean values for the fields of ``raw`` (field → cell value). A cell
    that cannot be read is left out of the values (a new record leaves it
    empty, an existing one keeps its value) with a warning. An empty kind
    takes ``kind_hint`` (the section heading's) when there is one. Only a row
    without a name, or whose name or host is too long to be its key, is
    refused."""
    row = ParsedRow(number)
    context = RowContext(known_specialties, resolver, last_updated, kind_hint)
    for read in ROW_READERS:
        read(row, raw, context)
    return row


def _filled(text: str | None) -> bool:
    return bool(text and text.strip())


def _read_texts(row: ParsedRow, raw: dict[str, Any], context: RowContext) -> None:
    for name in ("name", "host_name", "cost"):
        text = _text(raw, name)
        if text is not None:
            row.values[name] = clean_line(text)
    for name in ("description", "how_to_join"):
        text = _text(raw, name)
        if text is not None:
            row.values[name] = clean_block(text)


def _read_key(row: ParsedRow, raw: dict[str, Any], context: RowContext) -> None:
    """The name and host (the record's key), and the cost's length."""
    values = row.values
    if not values.get("name"):
        row.errors.append("the name is missing")
    for name in ("name", "host_name"):
        if len(values.get(name) or "") > MAX_LENGTHS[name]:
            row.errors.append(
                f"the {name.replace('_name', '')} is longer than {MAX_LENGTHS[name]} characters"
            )
    if not values.get("host_name"):
        values["host_name"] = UNKNOWN_HOST
        row.warnings.append(f"the host is missing: imported as “{UNKNOWN_HOST}”, to be corrected")
    if len(values.get("cost") or "") > MAX_LENGTHS["cost"]:
        row.warnings.append(f"the cost is longer than {MAX_LENGTHS['cost']} characters: left out")
        del values["cost"]


def _read_kind(row: ParsedRow, raw: dict[str, Any], context: RowContext) -> None:
    text = _text(raw, "kind")
    kind = parse_kind(text) if _filled(text) else None
    if kind:
        row.values["kind"] = kind
    elif context.kind_hint:
        row.values["kind"] = context.kind_hint  # from the section heading above the row
        if _filled(text):
            row.warnings.append(
                f"the kind {_quote(text)} is not known: “{Kind(context.kind_hint).label}”, from its section"
            )
    else:
        name = row.values.get("name", "")
        guess = parse_kind(name) if "summer" in normalise(name) else None
        row.defaults["kind"] = guess or Kind.FORMAL
        label = Kind(row.defaults["kind"]).label
        if _filled(text):
            row.warnings.append(f"the kind {_quote(text)} is not known: a new entry becomes “{label}”")
        else:
            row.warnings.append(f"the kind is missing: a new entry becomes “{label}”")


def _read_host_type(row: ParsedRow, raw: dict[str, Any], context: RowContext) -> None:
    text = _text(raw, "host_type")
    host_type = parse_host_type(text) if _filled(text) else None
    if host_type:
        row.values["host_type"] = host_type
        return
    # "Sunnybrook Hospital", "Dept. of Surgery", "Pediatrics Interest Group"
    host_name = row.values["host_name"]
    inferred = parse_host_type(host_name) if host_name != UNKNOWN_HOST else None
    if inferred:
        row.values["host_type"] = inferred
        if _filled(text):
            row.warnings.append(
                f"the host type {_quote(text)} is not known: “{HostType(inferred).label}”, from the host's name"
            )
        return
    row.defaults["host_type"] = HostType.OTHER
    if _filled(text):
        row.warnings.append(f"the host type {_quote(text)} is not known: a new entry gets “Other”")
    else:
        row.warnings.append("the host type is missing: a new entry gets “Other”")


def _read_format(row: ParsedRow, raw: dict[str, Any], context: RowContext) -> None:
    text = _text(raw, "format")
    if text is None:
        return
    if not text.strip():
        row.values["format"] = ""
        return
    fmt = parse_format(text)
    if fmt is None:
        row.warnings.append(f"the format {_quote(text)} is not in person, virtual or both: left out")
    else:
        row.values["format"] = fmt


def _read_specialties(row: ParsedRow, raw: dict[str, Any], context: RowContext) -> None:
    if "specialties" not in raw:
        return
    names = split_values(_text(raw, "specialties") or "", context.known_specialties)
    for name in names:
        if len(name) > SPECIALTY_MAX_LENGTH:
            row.warnings.append(
                f"a specialty is longer than {SPECIALTY_MAX_LENGTH} characters: {_quote(name, 40)} left out"
            )
    row.values["specialties"] = [n for n in names if len(n) <= SPECIALTY_MAX_LENGTH]


def _read_learners(row: ParsedRow, raw: dict[str, Any], context: RowContext) -> None:
    if "eligible_learners" not in raw:
        return
    codes, unknown = context.resolver.resolve(_text(raw, "eligible_learners") or "")
    if unknown:
        row.warnings.append(
            "eligible learners not known: " + ", ".join(_quote(u, 40) for u in unknown) + " (left out)"
        )
    if codes or not unknown:
        row.values["eligible_learners"] = codes


def _read_website(row: ParsedRow, raw: dict[str, Any], context: RowContext) -> None:
    if "website" not in raw:
        return
    text = clean_line(_text(raw, "website") or "")
    if text and "://" not in text:
        text = "https://" + text
    if not text:
        row.values["website"] = ""
        return
    if len(text) > MAX_LENGTHS["website"]:
        row.warnings.append(f"the website is longer than {MAX_LENGTHS['website']} characters: left out")
        return
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError:
        row.warnings.append(f"the website {_quote(text)} is not a web address: left out")
    else:
        row.values["website"] = text


def _read_contact_email(row: ParsedRow, raw: dict[str, Any], context: RowContext) -> None:
    if "contact_email" not in raw:
        return
    text = clean_line(_text(raw, "contact_email") or "")
    text = re.sub(r"^mailto:", "", text, flags=re.I)
    if not text:
        row.values["contact_email"] = ""
        return
    if len(text) > EMAIL_MAX_LENGTH:
        row.warnings.append(f"the contact email is longer than {EMAIL_MAX_LENGTH} characters: left out")
        return
    try:
        validate_email(text)
    except ValidationError:
        row.warnings.append(f"the contact email {_quote(text)} is not one email address: left out")
    else:
        row.values["contact_email"] = text.lower()


def _read_deadline(row: ParsedRow, raw: dict[str, Any], context: RowContext) -> None:
    if "deadline" in raw:
        _parse_deadline(raw["deadline"], row.values, row.warnings)


def _read_last_verified(row: ParsedRow, raw: dict[str, Any], context: RowContext) -> None:
    value = raw.get("last_verified")
    if _blank(value):
        if context.last_updated is not None:
            row.values["last_verified"] = context.last_updated
        return
    verified = parse_date(value, allow_month=True)
    if verified is None:
        row.warnings.append(f"the last verified date {_quote(str(value))} is not a date: left out")
    else:
        row.values["last_verified"] = verified


def _read_published(row: ParsedRow, raw: dict[str, Any], context: RowContext) -> None:
    published = raw.get("is_published")
    if _blank(published):
        return
    key = _header_key(str(published))
    if published is True or (published is not False and key in _TRUE):
        row.values["is_published"] = True
    elif published is False or key in _FALSE:
        row.values["is_published"] = False
    else:
        row.warnings.append(f"published {_quote(str(published))} is not yes or no: left out")


# Each reads its cells into the row; in this order, which is the order of
# the warnings in the preview.
ROW_READERS: list[Callable[[ParsedRow, dict[str, Any], RowContext], None]] = [
    _read_texts,
    _read_key,
    _read_kind,
    _read_host_type,
    _read_format,
    _read_specialties,
    _read_learners,
    _read_website,
    _read_contact_email,
    _read_deadline,
    _read_last_verified,
    _read_published,
]


def _parse_deadline(value: Any, values: dict[str, Any], warnings: list[str]) -> None:
    text = _header_key(str(value)) if isinstance(value, str) else None
    if _blank(value) or text in _NO_VALUE_WORDS:
        values.update(deadline=None, is_rolling=False, deadline_precision=DeadlinePrecision.DAY)
    elif text is not None and (
        text in _ROLLING_WORDS or text.startswith(("rolling", "ongoing", "open until", "until filled"))
    ):
        values.update(deadline=None, is_rolling=True, deadline_precision=DeadlinePrecision.DAY)
    else:
        parsed = parse_deadline_date(value)
        if parsed is None:
            warnings.append(
                f"the deadline {_quote(str(value))} is not a date, a month or “rolling”: left out"
            )
        else:
            values.update(deadline=parsed[0], is_rolling=False, deadline_precision=parsed[1])
