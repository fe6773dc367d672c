"""Read the database spreadsheet as staff keep it today.

``read_workbook`` finds the data sheet and its header row (wherever it is,
under a title, notes or a "Last updated" line), maps headers in any case,
spacing or common synonym to fields, and turns each row into clean values or
a reason it was refused. It writes nothing; ``services.opportunity_import``
compares the rows with the database and applies them.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel

from mentorship.xlsx import FORMULA_TRIGGERS
from programs.models import Specialty

from .models import Format, HostType, Kind, normalise

HEADER_SCAN_ROWS = 30
MAX_LENGTHS = {"name": 200, "host_name": 200, "cost": 200, "website": 500}
EMAIL_MAX_LENGTH = 254
SPECIALTY_MAX_LENGTH = Specialty._meta.get_field("name").max_length


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
]
_MONTH_FORMATS = ["%B %Y", "%b %Y"]
_ROLLING_WORDS = {
    "rolling",
    "rolling basis",
    "ongoing",
    "open",
    "any time",
    "anytime",
    "year round",
    "continuous",
}
_NO_VALUE_WORDS = {"", "n a", "na", "none", "tbd", "tba", "not applicable", "no deadline", "unknown"}
_TRUE = {"yes", "y", "true", "1", "published", "x"}
_FALSE = {"no", "n", "false", "0", "unpublished", "hidden"}


def unsanitise(text: str) -> str:
    """Undo the exporter's apostrophe before a formula trigger, so an exported
    file imports back to the same text."""
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def clean_line(text: str) -> str:
    return " ".join(text.split())


def clean_block(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip()


def parse_date(value: Any, *, allow_month: bool = False) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        converted = from_excel(value)
        return converted.date() if isinstance(converted, datetime.datetime) else converted
    text = clean_line(str(value)).rstrip(".")
    for fmt in _DATE_FORMATS + (_MONTH_FORMATS if allow_month else []):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
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


def parse_kind(text: str) -> str | None:
    key = _header_key(text)
    for value, label in Kind.choices:
        if key in (_header_key(label), value):
            return value
    if "summer" in key:
        return Kind.SUMMER
    if "informal" in key or "connection" in key or "event" in key or "list" in key:
        return Kind.INFORMAL
    if "formal" in key or "program" in key:
        return Kind.FORMAL
    return None


_HOST_TYPE_KEYWORDS = [
    ("learner group", HostType.LEARNER_GROUP),
    ("student group", HostType.LEARNER_GROUP),
    ("interest group", HostType.LEARNER_GROUP),
    ("club", HostType.LEARNER_GROUP),
    ("association", HostType.ASSOCIATION),
    ("society", HostType.ASSOCIATION),
    ("college", HostType.ASSOCIATION),
    ("hospital", HostType.HOSPITAL),
    ("tahsn", HostType.HOSPITAL),
    ("site", HostType.HOSPITAL),
    ("division", HostType.DIVISION),
    ("department", HostType.DEPARTMENT),
    ("dept", HostType.DEPARTMENT),
    ("temerty", HostType.PROGRAM),
    ("program", HostType.PROGRAM),
    ("office", HostType.PROGRAM),
]


def parse_host_type(text: str) -> str | None:
    key = _header_key(text)
    for value, label in HostType.choices:
        if key in (_header_key(label), _header_key(value)):
            return value
    for word, value in _HOST_TYPE_KEYWORDS:
        if word in key:
            return value
    return None


def parse_format(text: str) -> str | None:
    key = _header_key(text)
    virtual = "virtual" in key or "online" in key or "remote" in key
    in_person = "person" in key or "on site" in key or "onsite" in key
    if "both" in key or "hybrid" in key or (virtual and in_person):
        return Format.BOTH
    if virtual:
        return Format.VIRTUAL
    if in_person:
        return Format.IN_PERSON
    return None


# --- Learner types -------------------------------------------------------------


def _code_key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", normalise(text))


LEARNER_ALIASES: dict[str, list[str]] = {
    "md": ["MD1", "MD2", "MD3", "MD4"],
    "mdstudents": ["MD1", "MD2", "MD3", "MD4"],
    "mdstudent": ["MD1", "MD2", "MD3", "MD4"],
    "medicalstudents": ["MD1", "MD2", "MD3", "MD4"],
    "allmd": ["MD1", "MD2", "MD3", "MD4"],
    "preclerkship": ["MD1", "MD2"],
    "clerkship": ["MD3", "MD4"],
    "clerks": ["MD3", "MD4"],
    "residents": ["PGY1", "PGY2", "RES"],
    "pgy": ["PGY1", "PGY2", "RES"],
    "postgraduate": ["PGY1", "PGY2", "RES"],
    "clinicalrehab": ["PT", "OT", "SLP"],
    "rehab": ["PT", "OT", "SLP"],
    "physicaltherapy": ["PT"],
    "physiotherapy": ["PT"],
    "occupationaltherapy": ["OT"],
    "speechlanguagepathology": ["SLP"],
    "faculty": ["FAC"],
    "clinicians": ["FAC"],
}
ALL_LEARNERS = {"all", "alllearners", "any", "everyone", "alllearnertypes"}


class LearnerTypeResolver:
    """Learner types by code, by label or by a common alias ("MD students")."""

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

    def resolve(self, text: str) -> tuple[list[str], list[str]]:
        """Codes for the cell's values, and the values not understood."""
        codes, unknown = [], []
        for part in split_values(text):
            key = _code_key(part)
            if key in ALL_LEARNERS:
                found = [c for c in self.by_code if c != "FAC"]
            else:
                found = self.lookup.get(key) or self.lookup.get(key.rstrip("s"))
            if found:
                codes.extend(c for c in found if c not in codes)
            else:
                unknown.append(part)
        return codes, unknown


# --- Rows ----------------------------------------------------------------------


@dataclass
class ParsedRow:
    number: int  # the row number in the sheet, as Excel shows it
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

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


def _cell_text(cell, field_name: str) -> Any:
    """A cell's value: hyperlinks and HYPERLINK formulas give their target in
    the website column; any other formula is kept as the text it is."""
    value = cell.value
    if field_name == "website" and getattr(cell, "hyperlink", None) is not None and cell.hyperlink.target:
        return cell.hyperlink.target
    if isinstance(value, str):
        match = _HYPERLINK_FORMULA.match(value.strip())
        if match and getattr(cell, "data_type", "s") == "f":
            url, text = (part.replace('""', '"') if part else part for part in match.groups())
            return url if field_name == "website" else (text or url)
        return unsanitise(value)
    return value


def _fill_merged_cells(ws) -> dict[tuple[int, int], Any]:
    """Every cell of a merged range takes the value of its top-left cell."""
    filled = {}
    for merged in ws.merged_cells.ranges:
        top_left = ws.cell(merged.min_row, merged.min_col)
        for row in range(merged.min_row, merged.max_row + 1):
            for col in range(merged.min_col, merged.max_col + 1):
                filled[(row, col)] = top_left
    return filled


def _find_header(ws) -> tuple[int, dict[str, int], list[str], datetime.date | None] | None:
    last_updated = None
    for row_number, row in enumerate(ws.iter_rows(max_row=HEADER_SCAN_ROWS), start=1):
        columns: dict[str, int] = {}
        ignored = []
        for index, cell in enumerate(row):
            name = header_field(cell.value)
            if name and name not in columns:
                columns[name] = index
            elif isinstance(cell.value, str) and cell.value.strip():
                ignored.append(cell.value.strip())
        if all(c in columns for c in REQUIRED_COLUMNS) and len(columns) >= 3:
            return row_number, columns, ignored, last_updated
        for cell in row:
            if isinstance(cell.value, str):
                match = _LAST_UPDATED.search(cell.value.strip())
                if match:
                    last_updated = parse_date(match.group(1), allow_month=True) or last_updated
    return None


def read_workbook(source: str | IO[bytes], *, known_specialties: set[str], learner_types) -> ParsedSheet:
    """Parse the first sheet that has a header row; the others (notes, an
    "About" sheet, pivot tables) are not the data and are left alone."""
    try:
        workbook = load_workbook(source, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise ImportFileError(f"This file cannot be read as an Excel workbook (.xlsx): {exc}") from exc
    resolver = LearnerTypeResolver(learner_types)
    for ws in workbook.worksheets:
        found = _find_header(ws)
        if found is None:
            continue
        header_row, columns, ignored, last_updated = found
        merged = _fill_merged_cells(ws)
        rows = []
        for row_number, row in enumerate(ws.iter_rows(min_row=header_row + 1), start=header_row + 1):
            raw = {}
            for name, index in columns.items():
                cell = row[index] if index < len(row) else None
                if cell is None:
                    continue
                cell = merged.get((row_number, index + 1), cell)
                raw[name] = _cell_text(cell, name)
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw.values()):
                continue  # a blank row
            website_link = None
            if "website" not in columns or not raw.get("website"):
                name_cell = row[columns["name"]] if columns["name"] < len(row) else None
                if name_cell is not None and getattr(name_cell, "hyperlink", None) is not None:
                    website_link = name_cell.hyperlink.target
            parsed = parse_row(
                row_number,
                raw,
                known_specialties=known_specialties,
                resolver=resolver,
                last_updated=last_updated,
            )
            if website_link and "website" not in parsed.values and not parsed.errors:
                parsed.values["website"] = website_link
            rows.append(parsed)
        return ParsedSheet(ws.title, header_row, columns, ignored, last_updated, rows)
    raise ImportFileError(
        "No header row found. The data sheet needs a row of column headings with at least "
        "the opportunity's name and its host (for example “Opportunity Name” and “Host / Organization”) "
        f"within its first {HEADER_SCAN_ROWS} rows."
    )


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


def parse_row(
    number: int,
    raw: dict[str, Any],
    *,
    known_specialties: set[str],
    resolver: LearnerTypeResolver,
    last_updated: datetime.date | None,
) -> ParsedRow:
    """Clean values for the fields of ``raw`` (field → cell value), or the
    reasons the row cannot be read."""
    row = ParsedRow(number)
    values, errors = row.values, row.errors

    for name in ("name", "host_name", "cost"):
        text = _text(raw, name)
        if text is not None:
            values[name] = clean_line(text)
    for name in ("description", "how_to_join"):
        text = _text(raw, name)
        if text is not None:
            values[name] = clean_block(text)
    if not values.get("name"):
        errors.append("the name is missing")
    if not values.get("host_name"):
        errors.append("the host is missing")
    for name, limit in MAX_LENGTHS.items():
        if len(values.get(name) or "") > limit:
            errors.append(f"the {name.replace('_name', '')} is longer than {limit} characters")

    text = _text(raw, "kind")
    if text is not None and text.strip():
        kind = parse_kind(text)
        if kind is None:
            errors.append(
                f"the kind “{clean_line(text)}” is not a formal program, informal connection source or summer opportunity"
            )
        values["kind"] = kind
    else:
        errors.append("the kind of opportunity is missing")

    text = _text(raw, "host_type")
    host_type = parse_host_type(text) if text and text.strip() else None
    if host_type is None and values.get("host_name"):
        host_type = parse_host_type(values["host_name"])  # "Sunnybrook Hospital", "Department of ..."
    if host_type is None:
        if text and text.strip():
            errors.append(f"the host type “{clean_line(text)}” is not one of: {', '.join(HostType.labels)}")
        else:
            errors.append("the host type is missing")
    values["host_type"] = host_type

    text = _text(raw, "format")
    if text is not None:
        if text.strip():
            fmt = parse_format(text)
            if fmt is None:
                errors.append(f"the format “{clean_line(text)}” is not in person, virtual or both")
            values["format"] = fmt or ""
        else:
            values["format"] = ""

    if "specialties" in raw:
        text = _text(raw, "specialties") or ""
        values["specialties"] = split_values(text, known_specialties)
        for name in values["specialties"]:
            if len(name) > SPECIALTY_MAX_LENGTH:
                errors.append(f"a specialty is longer than {SPECIALTY_MAX_LENGTH} characters: “{name[:40]}…”")

    if "eligible_learners" in raw:
        codes, unknown = resolver.resolve(_text(raw, "eligible_learners") or "")
        if unknown:
            errors.append("unknown eligible learners: " + ", ".join(f"“{u}”" for u in unknown))
        values["eligible_learners"] = codes

    if "website" in raw:
        text = clean_line(_text(raw, "website") or "")
        if text and "://" not in text:
            text = "https://" + text
        if text:
            try:
                URLValidator(schemes=["http", "https"])(text)
            except ValidationError:
                errors.append(f"the website “{text}” is not a web address")
        values["website"] = text

    if "contact_email" in raw:
        text = clean_line(_text(raw, "contact_email") or "")
        text = re.sub(r"^mailto:", "", text, flags=re.I)
        if len(text) > EMAIL_MAX_LENGTH:
            errors.append(f"the contact email is longer than {EMAIL_MAX_LENGTH} characters")
        elif text:
            try:
                validate_email(text)
            except ValidationError:
                errors.append(f"the contact email “{text}” is not one email address")
        values["contact_email"] = text.lower() if text else ""

    if "deadline" in raw:
        value = raw["deadline"]
        text = _header_key(str(value)) if isinstance(value, str) else None
        if value is None or text in _NO_VALUE_WORDS:
            values["deadline"], values["is_rolling"] = None, False
        elif text is not None and (text in _ROLLING_WORDS or text.startswith("rolling")):
            values["deadline"], values["is_rolling"] = None, True
        else:
            deadline = parse_date(value)
            if deadline is None:
                errors.append(f"the deadline “{clean_line(str(value))}” is not a date or “rolling”")
            values["deadline"], values["is_rolling"] = deadline, False

    verified_value = raw.get("last_verified")
    if verified_value not in (None, ""):
        verified = parse_date(verified_value, allow_month=True)
        if verified is None:
            errors.append(f"the last verified date “{clean_line(str(verified_value))}” is not a date")
        values["last_verified"] = verified
    elif last_updated is not None:
        values["last_verified"] = last_updated

    published = raw.get("is_published")
    if published not in (None, ""):
        key = _header_key(str(published))
        if key in _TRUE or published is True:
            values["is_published"] = True
        elif key in _FALSE or published is False:
            values["is_published"] = False
        else:
            errors.append(f"published “{published}” is not yes or no")
    return row
