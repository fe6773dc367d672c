"""python manage.py import_opportunities FILE.xlsx [--dry-run] [--strict]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from opportunities.importer import ImportFileError
from opportunities.services import opportunity_import


class Command(BaseCommand):
    help = (
        "Import the Learner Mentorship Database spreadsheet. Rows are matched to records by "
        "name and host; re-importing a file changes nothing. Unreadable rows are reported with "
        "their row number and skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .xlsx workbook.")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")
        parser.add_argument(
            "--strict", action="store_true", help="Write nothing if any row is refused (exit status 1)."
        )

    def handle(self, *args, file, dry_run, strict, **options):
        try:
            report = opportunity_import(source=file, dry_run=dry_run, strict=strict)
        except FileNotFoundError as exc:
            raise CommandError(f"No such file: {file}") from exc
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc

        self.stdout.write(
            f"Sheet “{report.sheet_title}”, header on row {report.header_row}; "
            f"columns: {', '.join(report.columns)}."
        )
        if report.ignored_headers:
            self.stdout.write(f"Columns ignored: {', '.join(report.ignored_headers)}.")
        for row in report.rows:
            if row.action == "unchanged":
                continue
            details = f": {'; '.join(row.details)}" if row.details else ""
            line = f"  row {row.number}: {row.action} “{row.name}” ({row.host_name}){details}"
            self.stdout.write(self.style.ERROR(line) if row.action == "refused" else line)
        if report.new_specialties:
            self.stdout.write(f"New specialties: {', '.join(report.new_specialties)}.")
        counts = report.counts
        summary = (
            f"{counts['create']} created, {counts['update']} updated, {counts['unchanged']} unchanged, "
            f"{counts['merged']} repeated rows combined, {counts['refused']} refused."
        )
        if dry_run:
            self.stdout.write(self.style.WARNING(f"Dry run, nothing written. Would be: {summary}"))
        elif not report.applied:
            raise CommandError(f"Nothing written (--strict and {counts['refused']} rows refused). {summary}")
        else:
            self.stdout.write(self.style.SUCCESS(summary))
