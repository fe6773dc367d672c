"""Demo data for this app, loaded by ``manage.py seed_demo`` after the programs.

About forty realistic-looking entries (Temerty programs, departments, TAHSN
hospital sites, Canadian professional associations, summer research), kept
as the office keeps its spreadsheet: ``opportunities.xlsx`` beside this file,
with a title, a "Last updated" line, a section per kind and the office's own
column headings. It is loaded through the importer, as
``manage.py import_opportunities`` loads it (new entries published at once),
so the demo exercises the import too. To change the demo, edit the workbook.
They are demo data: names and details are illustrative, not verified
listings. Safe to run again: entries are matched on name and host, and a row
equal to its record changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from ..services.imports import ImportReport, opportunity_import

WORKBOOK = Path(__file__).with_name("opportunities.xlsx")


def seed() -> ImportReport:
    """Import the demo workbook, publishing new entries. Returns the import's
    report."""
    return opportunity_import(source=str(WORKBOOK), publish=True)
