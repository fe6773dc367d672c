"""The database as a filterable Excel workbook: a sheet of exactly the rows the
list shows (same filters, same order) and an "About" sheet.

The shared writer (``mentorship.xlsx``) streams the rows into openpyxl's
write-only workbook and sanitises every cell.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import IO

from django.conf import settings
from django.db.models import Max
from django.db.models.functions import Length
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from mentorship.xlsx import Column, Link, Sheet, write_xlsx, xlsx_response

from .importer import HEADER_SYNONYMS, LEARNER_ALIASES
from .models import ExportJob, Format, HostType, Kind, Opportunity
from .selectors import (
    DatabaseView,
    database_last_updated,
    describe_filters,
    opportunity_search,
    with_related,
)

CHUNK_SIZE = 2000
MIN_WIDTH, MAX_WIDTH = 10, 60

# Header, and how to read a cell from an opportunity. The importer knows these
# headers too, so an exported file imports back to the same records.
COLUMNS: list[tuple[str, str]] = [
    ("Name", "name"),
    ("Kind", "kind"),
    ("Host type", "host_type"),
    ("Host", "host_name"),
    ("Specialties", "specialties"),
    ("Eligible learners", "eligible_learners"),
    ("Description", "description"),
    ("How to join", "how_to_join"),
    ("Website", "website"),
    ("Contact email", "contact_email"),
    ("Deadline", "deadline"),
    ("Cost", "cost"),
    ("Format", "format"),
    ("Last verified", "last_verified"),
]
# Columns whose width is fitted to the longest value (one aggregate query).
_MEASURED = {"name", "host_name", "website", "contact_email", "cost"}
_FIXED_WIDTHS = {
    "kind": 26,
    "host_type": 24,
    "specialties": 40,
    "eligible_learners": 40,
    "description": 60,
    "how_to_join": 50,
    "deadline": 12,
    "format": 20,
    "last_verified": 13,
}


def _row(opportunity: Opportunity) -> list:
    deadline = "Rolling" if opportunity.is_rolling else opportunity.deadline
    if deadline and opportunity.deadline_is_month:
        # Text, as the office writes it; the importer reads it back as the month.
        deadline = opportunity.deadline_text
    return [
        opportunity.name,
        opportunity.get_kind_display(),
        opportunity.get_host_type_display(),
        opportunity.host_name,
        [s.name for s in opportunity.specialties.all()],
        [t.label for t in opportunity.eligible_learners.all()],
        opportunity.description,
        opportunity.how_to_join,
        # The address as the cell's text, and a link: readers that show only
        # stored values (Excel's Protected View) show it too.
        Link(opportunity.website) if opportunity.website else None,
        opportunity.contact_email,
        deadline,
        opportunity.cost,
        opportunity.get_format_display(),
        opportunity.last_verified,
    ]


def _columns(view: DatabaseView) -> list[Column]:
    longest = view.queryset.order_by().aggregate(**{f: Max(Length(f)) for f in _MEASURED})
    columns = []
    for header, field in COLUMNS:
        if field in _MEASURED:
            width = max(len(header), longest[field] or 0) + 2
        else:
            width = max(len(header) + 2, _FIXED_WIDTHS.get(field, 18))
        columns.append(Column(header, width=min(MAX_WIDTH, max(MIN_WIDTH, width))))
    return columns


def _rows(view: DatabaseView, progress: Callable[[int], None] | None, progress_every: int) -> Iterator[list]:
    # iterator() with a chunk size keeps memory flat and still prefetches the
    # many-to-many values: two more queries per chunk.
    rows = with_related(view.queryset).iterator(chunk_size=CHUNK_SIZE)
    for count, opportunity in enumerate(rows, 1):
        yield _row(opportunity)
        if progress is not None and count % progress_every == 0:
            progress(count)


def _about_rows(view: DatabaseView, exported_at) -> list[list]:
    query = view.params.urlencode()
    list_url = settings.SITE_URL + reverse("opportunities:list") + (f"?{query}" if query else "")
    rows = [
        ["Exported", timezone.localtime(exported_at)],
        ["Database last updated", database_last_updated()],
        ["Rows", view.queryset.count()],
    ]
    filters = describe_filters(view)
    if len(filters) == 1:
        rows.append(["Filters", "None: every published opportunity"])
    rows.extend([label, text] for label, text in filters)
    rows.append(["The same list on the web", Link(list_url)])
    rows.append(
        [
            "Note",
            "Use the arrows in the header row to filter. Suggest corrections or additions from "
            "any entry's page on the web.",
        ]
    )
    return rows


def database_sheets(
    view: DatabaseView,
    *,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 1000,
) -> list[Sheet]:
    exported_at = timezone.now()
    return [
        Sheet(
            title="Opportunities",
            columns=_columns(view),
            rows=_rows(view, progress, progress_every),
        ),
        Sheet(
            title="About",
            columns=[Column("About this file", width=28), Column("", width=80)],
            rows=_about_rows(view, exported_at),
            autofilter=False,
        ),
    ]


def write_database_xlsx(
    target: IO[bytes],
    view: DatabaseView,
    *,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 1000,
) -> int:
    """Write the workbook; returns the number of opportunities written."""
    sheets = database_sheets(view, progress=progress, progress_every=progress_every)
    written = write_xlsx(target, sheets)
    return written - len(sheets[1].rows)  # write_xlsx counts the About rows too


def export_filename(view: DatabaseView, *, day: datetime.date | None = None) -> str:
    """``learner-mentorship-database-2026-11-30-filtered.xlsx``, or ``-all``
    when no filter narrowed the list: two downloads side by side say which
    is which."""
    day = day or timezone.localdate()
    scope = "filtered" if view.active else "all"
    return f"learner-mentorship-database-{day:%Y-%m-%d}-{scope}.xlsx"


def prepared_export_filename(job: ExportJob) -> str:
    """A prepared export's name: the day it was built, filtered or all, and
    the job's first characters (two prepared files of a day stay apart)."""
    view = opportunity_search(QueryDict(job.query_string))
    day = timezone.localdate(job.finished_at) if job.finished_at else None
    return export_filename(view, day=day).replace(".xlsx", f"-{str(job.pk)[:8]}.xlsx")


def database_xlsx_response(view: DatabaseView):
    return xlsx_response(database_sheets(view), filename=export_filename(view))


# --- The import template ------------------------------------------------------

TEMPLATE_COLUMNS = [*COLUMNS, ("Published", "is_published")]
TEMPLATE_EXAMPLE = [
    "Example: Surgery Mentorship Program (delete this row)",
    "Formal program",
    "Department",
    "Department of Surgery",
    "General Surgery; Orthopaedic Surgery",
    "MD 1-2; PGY1-2",
    "Learners are paired with a surgeon for the academic year.",
    "Fill in the form on the website.",
    "https://example.org/surgery-mentorship",
    "surgery.mentorship@example.org",
    "March 2027",
    "Free",
    "In person and virtual",
    datetime.date(2026, 9, 1),
    "No",
]


def _accepted_rows() -> list[list[str]]:
    def headers(field: str) -> str:
        return "; ".join(HEADER_SYNONYMS.get(field, []))

    groups = sorted({k for k in LEARNER_ALIASES})
    rows = [
        ["Name", headers("name"), "Required: the only cell without which a row is refused."],
        [
            "Kind",
            "; ".join(Kind.labels) + "; or words such as: program, mentorship program, formal, list, "
            "directory, network, event series, events, informal, summer, summer research, studentship",
            "Not understood or empty: a new entry becomes “Formal program”, with a warning.",
        ],
        [
            "Host type",
            "; ".join(HostType.labels) + "; or words such as: Dept., Division, Hospital, TAHSN site, "
            "Sunnybrook, SickKids, UHN, Sinai Health, Unity Health, Society, Association, College, "
            "Interest group, Club, Student group, Office, Faculty, Temerty",
            "Empty: taken from the host's name when it says (“Sunnybrook Hospital”); otherwise “Other”, "
            "with a warning.",
        ],
        ["Host", headers("host_name"), "Empty: imported as “Unknown host”, with a warning."],
        [
            "Specialties",
            "Any names, separated by semicolons, line breaks or commas",
            "New names are added to the list of specialties.",
        ],
        [
            "Eligible learners",
            "Codes: MD1 MD2 MD3 MD4 PGY1 PGY2 PT OT SLP RES FAC, or their labels; ranges: MD1-4, "
            "MD 1-2, MD1–4, PGY1-2, PGY 1-2, Years 1-2, MD3/4; groups: All MD, Pre-clerkship, Clerks, "
            "Residents, PT/OT/SLP, Rehab, Faculty, All; and: " + ", ".join(groups),
            "Separated by semicolons, commas, slashes or “and”. Values not understood are left out, "
            "with a warning.",
        ],
        ["Description", headers("description"), "Text; line breaks are kept."],
        ["How to join", headers("how_to_join"), "Text; line breaks are kept."],
        [
            "Website",
            "A web address (https:// is added when missing), or a cell with a link",
            "Not a web address: left out, with a warning.",
        ],
        ["Contact email", "One email address", "Not an email address: left out, with a warning."],
        [
            "Deadline",
            "A date (2027-03-15, March 15, 2027, 15 Mar 2027, or an Excel date); a month alone "
            "(March 2027, Mar 2027, 03/2027, 2027-03), shown as the month; Rolling, Ongoing, "
            "Open until filled, Year round, Any time; empty, N/A, TBD for none",
            "Not understood: left out, with a warning.",
        ],
        ["Cost", headers("cost"), "Text, for example Free or $50 membership."],
        [
            "Format",
            "; ".join(Format.labels) + "; or: hybrid, both, online, remote, Zoom, on site",
            "Not understood: left out, with a warning.",
        ],
        ["Last verified", "A date or a month", "Empty: the sheet's “Last updated: …” line, when it has one."],
        [
            "Published",
            "Yes / No",
            "Only when new entries are published at once; when kept as drafts, every new entry is a draft.",
        ],
        ["(any other column)", "", "Ignored, and listed in the preview."],
        [
            "The sheet",
            "",
            "The first sheet with a header row is read; the header may sit under a title or notes. "
            "Blank rows are skipped; the same name and host twice are combined into one entry.",
        ],
    ]
    return rows


def import_template_sheets(*, example: bool = True) -> list[Sheet]:
    """The workbook staff download from the import page: the columns (and one
    example row), and a sheet of the spellings the importer accepts."""
    return [
        Sheet(
            title="Opportunities",
            columns=[Column(header, width=_FIXED_WIDTHS.get(f, 24)) for header, f in TEMPLATE_COLUMNS],
            rows=[TEMPLATE_EXAMPLE] if example else [],
        ),
        Sheet(
            title="Accepted values",
            columns=[
                Column("Column", width=20),
                Column("Accepted spellings", width=90),
                Column("If not", width=60),
            ],
            rows=_accepted_rows(),
            autofilter=False,
        ),
    ]
