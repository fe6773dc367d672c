"""The database spreadsheet's import: ``opportunity_import`` compares the
rows ``importer.read_workbook`` parsed with the records and applies them;
the admin's import wizard keeps the uploaded file under a random token
between its preview and its confirmation (``import_upload_*``)."""

from __future__ import annotations

import datetime
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from programs.models import LearnerType, Specialty

from ..importer import ImportFileError, read_workbook
from ..models import (
    ChangeSource,
    DeadlinePrecision,
    Opportunity,
    deadline_display,
    natural_key_for,
    normalise,
)
from .history import (
    M2M_FIELDS,
    TRACKED_FIELDS,
    diff_snapshots,
    jsonable,
    opportunity_apply,
    opportunity_snapshot,
)


@dataclass
class ImportRowResult:
    number: int
    name: str
    host_name: str
    action: str  # one of ImportReport.ACTIONS
    details: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # What the row says, field label → text, for the preview.
    values: list[tuple[str, str]] = field(default_factory=list)
    # For an update: field label, old text, new text.
    changes: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class ImportReport:
    ACTIONS = ("create", "update", "unchanged", "merged", "refused")

    sheet_title: str
    header_row: int
    columns: list[str]
    ignored_headers: list[str]
    rows: list[ImportRowResult]
    new_specialties: list[str]
    dry_run: bool
    publish: bool = True
    applied: bool = False
    headings: list[tuple[int, str]] = field(default_factory=list)  # rows read as section headings

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {action: self.count(action) for action in self.ACTIONS}

    def by_action(self, action: str) -> list[ImportRowResult]:
        return [r for r in self.rows if r.action == action]

    @property
    def refused(self) -> list[ImportRowResult]:
        return self.by_action("refused")

    @property
    def warning_count(self) -> int:
        return sum(1 for r in self.rows if r.warnings)


def _field_label(name: str) -> str:
    return str(Opportunity._meta.get_field(name).verbose_name)


def _display(name: str, value: Any, values: dict[str, Any] | None = None) -> str:
    """A value as staff read it in the preview."""
    if value in (None, "", []):
        return "—"
    if name == "deadline" and isinstance(value, datetime.date | str):
        day = datetime.date.fromisoformat(value) if isinstance(value, str) else value
        precision = (values or {}).get("deadline_precision", DeadlinePrecision.DAY)
        return deadline_display(day, precision)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    field_ = Opportunity._meta.get_field(name)
    if getattr(field_, "choices", None):
        return str(dict(field_.choices).get(value, value))
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _merge(first: dict[str, Any], later: dict[str, Any]) -> dict[str, Any]:
    """A repeated row fills in and overrides the first one's values; the name
    and host keep the first row's spelling."""
    merged = dict(first)
    no_deadline = later.get("deadline") is None and not later.get("is_rolling")
    for name, value in later.items():
        if name in ("name", "host_name") or value in (None, "", []):
            continue
        if no_deadline and name in ("is_rolling", "deadline_precision"):
            continue  # an empty deadline cell says nothing about the first row's
        merged[name] = value
    return merged


def opportunity_import(
    *, source, user=None, dry_run: bool = False, strict: bool = False, publish: bool = True
) -> ImportReport:
    """Import the database spreadsheet (a path or a binary file).

    Rows are upserted on the natural key (normalised name and host); the same
    opportunity twice in the file is one record; a row equal to its record
    changes nothing. A cell that cannot be read is left out with a warning
    (a new record leaves it empty, an existing one keeps its value); only a
    row without a usable name is refused. With ``publish`` new records are
    published (unless the sheet's Published column says otherwise); without
    it they are drafts, and records already in the database keep their
    published state. With ``dry_run`` nothing is written; with ``strict`` a
    single refused row means nothing is written. The writes run in one
    transaction: a failed import writes nothing. Each created or changed
    record gets a line in its history (source "import").
    Raises ``importer.ImportFileError`` when the file cannot be read at all
    or is past one of the IMPORT_MAX_* limits."""
    specialty_names = {normalise(s.name): s.name for s in Specialty.objects.all()}
    learner_types = list(LearnerType.objects.all())
    parsed = read_workbook(source, known_specialties=set(specialty_names), learner_types=learner_types)

    plan = _plan_rows(parsed.rows, publish=publish)
    new_specialties = _canonical_specialties(plan.values, specialty_names)
    existing = {
        o.natural_key: o
        for o in Opportunity.objects.filter(natural_key__in=list(plan.values)).prefetch_related(
            "specialties", "eligible_learners"
        )
    }
    for key in plan.values:
        record = existing.get(key)
        if record is None:
            _describe_new(plan, key, publish=publish)
        else:
            _describe_update(plan.first_row[key], plan.values[key], record)

    report = ImportReport(
        sheet_title=parsed.sheet_title,
        header_row=parsed.header_row,
        columns=[_field_label(c) for c in parsed.columns],
        ignored_headers=parsed.ignored_headers,
        rows=plan.results,
        new_specialties=sorted(new_specialties.values(), key=str.casefold),
        dry_run=dry_run,
        publish=publish,
        headings=parsed.headings,
    )
    if dry_run or (strict and report.refused):
        return report
    _apply_plan(
        plan,
        existing,
        new_specialties=new_specialties,
        learner_types=learner_types,
        user=user,
        sheet_title=parsed.sheet_title,
    )
    report.applied = True
    return report


@dataclass
class _ImportPlan:
    """What the rows say, one entry per natural key."""

    results: list[ImportRowResult] = field(default_factory=list)  # one per row, in order
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    defaults: dict[str, dict[str, Any]] = field(default_factory=dict)  # for a new record only
    first_row: dict[str, ImportRowResult] = field(default_factory=dict)


def _plan_rows(rows, *, publish: bool) -> _ImportPlan:
    """Refused rows are reported; a repeated opportunity is merged into its
    first row."""
    plan = _ImportPlan()
    for row in rows:
        if row.errors:
            plan.results.append(
                ImportRowResult(row.number, row.name, row.host_name, "refused", row.errors, row.warnings)
            )
            continue
        values = dict(row.values)
        if not publish:
            values.pop("is_published", None)
        key = natural_key_for(row.name, row.host_name)
        if key in plan.values:
            plan.values[key] = _merge(plan.values[key], values)
            plan.defaults[key] = {**row.defaults, **plan.defaults[key]}
            plan.results.append(
                ImportRowResult(
                    row.number,
                    row.name,
                    row.host_name,
                    "merged",
                    [f"the same opportunity as row {plan.first_row[key].number}; combined with it"],
                    row.warnings,
                )
            )
            continue
        plan.values[key] = values
        plan.defaults[key] = row.defaults
        plan.first_row[key] = ImportRowResult(
            row.number, row.name, row.host_name, "create", warnings=row.warnings
        )
        plan.results.append(plan.first_row[key])
    return plan


def _canonical_specialties(
    planned: dict[str, dict[str, Any]], specialty_names: dict[str, str]
) -> dict[str, str]:
    """Spell each row's specialties as the database does (the first spelling
    in the file for a new one), in place. Returns the new ones, normalised
    name → name."""
    new_specialties: dict[str, str] = {}
    for values in planned.values():
        if "specialties" not in values:
            continue
        canonical = []
        for name in values["specialties"]:
            key = normalise(name)
            if key not in specialty_names:
                new_specialties.setdefault(key, name)
            canonical.append(specialty_names.get(key) or new_specialties[key])
        values["specialties"] = list(dict.fromkeys(canonical))
    return new_specialties


def _describe_new(plan: _ImportPlan, key: str, *, publish: bool) -> None:
    # A new record: the defaults fill what the row could not give.
    values = plan.values[key] = {**plan.defaults[key], **plan.values[key]}
    # Published is shown only when the sheet says; otherwise staff choose on confirming.
    plan.first_row[key].values = [
        (_field_label(name), _display(name, values[name], values))
        for name in TRACKED_FIELDS
        if name in values and name != "deadline_precision"
    ]
    if not publish:
        values["is_published"] = False
    values.setdefault("is_published", True)


def _describe_update(result: ImportRowResult, values: dict[str, Any], record: Opportunity) -> None:
    after = {k: sorted(v) if k in M2M_FIELDS else jsonable(v) for k, v in values.items()}
    before = opportunity_snapshot(record)
    changes = diff_snapshots(before, after)
    result.action = "update" if changes else "unchanged"
    result.details = [_field_label(name) for name in changes if name != "deadline_precision"]
    result.values = [
        (_field_label(name), _display(name, after[name], after))
        for name in TRACKED_FIELDS
        if name in after and name != "deadline_precision"
    ]
    if "deadline_precision" in changes and "deadline" not in changes:
        changes["deadline"] = [before["deadline"], after.get("deadline")]
    result.changes = [
        (
            _field_label(name),
            _display(name, old, before),
            _display(name, new, after),
        )
        for name, (old, new) in changes.items()
        if name != "deadline_precision"
    ]


@transaction.atomic
def _apply_plan(
    plan: _ImportPlan,
    existing: dict[str, Opportunity],
    *,
    new_specialties: dict[str, str],
    learner_types: list[LearnerType],
    user,
    sheet_title: str,
) -> None:
    """Write the plan in one transaction, through ``opportunity_apply``."""
    specialties = {normalise(s.name): s for s in Specialty.objects.all()}
    for key, name in new_specialties.items():
        specialties[key], _ = Specialty.objects.get_or_create(name=name)
    types = {t.code: t for t in learner_types}
    for key, values in plan.values.items():
        result = plan.first_row[key]
        if result.action == "unchanged":
            continue
        values = dict(values)
        if "specialties" in values:
            values["specialties"] = [specialties[normalise(n)] for n in values["specialties"]]
        if "eligible_learners" in values:
            values["eligible_learners"] = [types[c] for c in values["eligible_learners"]]
        opportunity_apply(
            opportunity=existing.get(key),
            values=values,
            source=ChangeSource.IMPORT,
            user=user,
            note=f"Imported from sheet “{sheet_title}”, row {result.number}",
        )


# --- The admin wizard's uploads ---------------------------------------------------
#
# Between its preview and its confirmation the uploaded workbook waits under
# MEDIA_ROOT/imports/ with a random name, its token, which the preview page
# carries in a hidden field; it is used once. Unconfirmed uploads are deleted
# by a periodic task (``import_uploads_delete_stale``).

IMPORT_UPLOAD_DIR = "imports"
_TOKEN = re.compile(r"[0-9a-f]{32}")


class ImportUploadError(Exception):
    """The token names no upload that can be imported."""


class ImportUploadNotOurs(ImportUploadError):
    """The token is not one this service gives out (a tampered form)."""

    def __init__(self):
        super().__init__("No such upload.")


class ImportUploadExpired(ImportUploadError):
    """The upload was imported already, or deleted as stale."""

    def __init__(self):
        super().__init__("That upload has expired; please upload the file again.")


def _upload_folder() -> Path:
    return Path(settings.MEDIA_ROOT) / IMPORT_UPLOAD_DIR


def import_upload_path(*, token: str) -> Path:
    """Where the upload ``token`` is kept. Raises ImportUploadNotOurs for a
    token that is not one of ours, so no path outside the folder is formed."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise ImportUploadNotOurs
    return _upload_folder() / f"{token}.xlsx"


def import_upload_store(*, file) -> str:
    """Keep an uploaded workbook (a Django ``UploadedFile``) until it is
    confirmed; returns its token. Writes a file under MEDIA_ROOT/imports/."""
    token = secrets.token_hex(16)
    path = import_upload_path(token=token)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        for chunk in file.chunks():
            handle.write(chunk)
    return token


def import_upload_discard(*, token: str) -> None:
    """Delete the upload ``token`` (nothing when it is gone already)."""
    import_upload_path(token=token).unlink(missing_ok=True)


def _existing_upload(token: str) -> Path:
    path = import_upload_path(token=token)
    if not path.exists():
        raise ImportUploadExpired
    return path


def import_upload_preview(*, token: str) -> ImportReport:
    """What importing the upload would do (a dry run: nothing is written).
    A file that cannot be read is deleted and its ImportFileError re-raised;
    raises ImportUploadError for a token that names no upload."""
    path = _existing_upload(token)
    try:
        return opportunity_import(source=str(path), dry_run=True)
    except ImportFileError:
        import_upload_discard(token=token)
        raise


def import_upload_confirm(*, token: str, publish: bool, user) -> ImportReport:
    """Import the upload (see ``opportunity_import``) and delete it, whether
    the import succeeded or not: an upload is used once. Raises
    ImportUploadError for a token that names no upload (or no longer does),
    and ImportFileError for a file that cannot be read."""
    path = _existing_upload(token)
    try:
        return opportunity_import(source=str(path), user=user, publish=publish)
    finally:
        import_upload_discard(token=token)


def import_uploads_delete_stale(*, now: datetime.datetime | None = None) -> int:
    """Delete spreadsheets uploaded to the admin's import but never confirmed,
    once they are IMPORT_UPLOAD_RETENTION_HOURS old. Returns how many."""
    now = now or timezone.now()
    stale = now.timestamp() - settings.IMPORT_UPLOAD_RETENTION_HOURS * 3600
    count = 0
    for upload in _upload_folder().glob("*.xlsx"):
        if upload.stat().st_mtime < stale:
            upload.unlink(missing_ok=True)
            count += 1
    return count
