"""python manage.py import_opportunities FILE.xlsx [--dry-run] [--strict] [--draft | --publish]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize
from django.utils.text import capfirst

from opportunities.importer import ImportFileError
from opportunities.services.imports import ImportReport, ImportRowResult, opportunity_import


class Command(BaseCommand):
    help = (
        "Import the Learner Mentorship Database spreadsheet. Rows are matched to records by "
        "name and host; re-importing a file changes nothing. A cell that cannot be read is left "
        "out with a warning; only a row without a name is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .xlsx workbook.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Show each row's values and changes; write nothing."
        )
        parser.add_argument(
            "--strict", action="store_true", help="Write nothing if any row is refused (exit status 1)."
        )
        publishing = parser.add_mutually_exclusive_group()
        publishing.add_argument(
            "--publish",
            dest="publish",
            action="store_true",
            default=True,
            help="Publish new entries at once (the default).",
        )
        publishing.add_argument(
            "--draft",
            dest="publish",
            action="store_false",
            help="Keep new entries as drafts (unpublished); existing entries keep their state.",
        )

    def handle(self, *args, file, dry_run, strict, publish, **options):
        try:
            report = opportunity_import(source=file, dry_run=dry_run, strict=strict, publish=publish)
        except FileNotFoundError as exc:
            raise CommandError(f"No such file: {file}") from exc
        except (ImportFileError, IsADirectoryError, PermissionError) as exc:
            raise CommandError(str(exc)) from exc

        self.write_layout(report)
        for row in report.rows:
            if row.action == "unchanged" and not row.warnings and not dry_run:
                continue
            self.write_row(row, dry_run=dry_run)
        if report.new_specialties:
            self.stdout.write(f"New specialties: {', '.join(report.new_specialties)}.")
        self.write_summary(report, dry_run=dry_run, publish=publish)

    def write_layout(self, report: ImportReport) -> None:
        """Where the data was found: the sheet, its header, its columns."""
        self.stdout.write(
            f"Sheet “{report.sheet_title}”, header on row {report.header_row}; "
            f"columns: {', '.join(report.columns)}."
        )
        if report.ignored_headers:
            self.stdout.write(f"Columns ignored: {', '.join(report.ignored_headers)}.")
        for number, text in report.headings:
            self.stdout.write(f"  row {number}: a section heading, not an opportunity: “{text}”")

    def write_row(self, row: ImportRowResult, *, dry_run: bool) -> None:
        details = f": {'; '.join(row.details)}" if row.details else ""
        line = f"  row {row.number}: {row.action} “{row.name}” ({row.host_name}){details}"
        self.stdout.write(self.style.ERROR(line) if row.action == "refused" else line)
        if dry_run:
            # What would be written: a new entry's values, an update's old → new.
            if row.action == "create":
                for label, value in row.values:
                    self.stdout.write(f"      {capfirst(label)}: {value}")
            for label, old, new in row.changes:
                self.stdout.write(f"      {capfirst(label)}: {old} → {new}")
        for warning in row.warnings:
            self.stdout.write(self.style.WARNING(f"      warning: {warning}"))

    def write_summary(self, report: ImportReport, *, dry_run: bool, publish: bool) -> None:
        """The counts; a strict import that wrote nothing fails the command."""
        counts = report.counts
        summary = (
            f"{counts['create']} created{'' if publish else ' as drafts'}, {counts['update']} updated, "
            f"{counts['unchanged']} unchanged, {counts['merged']} repeated row{pluralize(counts['merged'])} "
            f"combined, {counts['refused']} refused, {report.warning_count} "
            f"row{pluralize(report.warning_count)} with warnings."
        )
        if dry_run:
            self.stdout.write(self.style.WARNING(f"Dry run, nothing written. Would be: {summary}"))
        elif not report.applied:
            raise CommandError(f"Nothing written (--strict and {counts['refused']} rows refused). {summary}")
        else:
            self.stdout.write(self.style.SUCCESS(summary))
