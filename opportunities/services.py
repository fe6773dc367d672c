"""Writes for the Learner Mentorship Database: changes with their history,
suggestions and their review, and prepared exports."""

from __future__ import annotations

import datetime
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.services import email_queue_template
from programs.models import LearnerType, Specialty

from .models import (
    ChangeSource,
    DeadlinePrecision,
    ExportJob,
    Opportunity,
    OpportunityChange,
    Suggestion,
    deadline_display,
    natural_key_for,
    normalise,
)

log = logging.getLogger(__name__)

# The fields a change, an import or a suggestion may set, in display order.
SCALAR_FIELDS = [
    "name",
    "kind",
    "host_type",
    "host_name",
    "description",
    "how_to_join",
    "website",
    "contact_email",
    "deadline",
    "deadline_precision",
    "is_rolling",
    "cost",
    "format",
    "last_verified",
    "is_published",
]
M2M_FIELDS = ["specialties", "eligible_learners"]
TRACKED_FIELDS = SCALAR_FIELDS + M2M_FIELDS


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def opportunity_snapshot(opportunity: Opportunity) -> dict[str, Any]:
    """The tracked values of a saved opportunity, as JSON: specialties by name,
    learner types by code (prefetched values are used when present)."""
    snapshot = {name: _jsonable(getattr(opportunity, name)) for name in SCALAR_FIELDS}
    snapshot["specialties"] = sorted(s.name for s in opportunity.specialties.all())
    snapshot["eligible_learners"] = sorted(t.code for t in opportunity.eligible_learners.all())
    return snapshot


def values_snapshot(values: dict[str, Any]) -> dict[str, Any]:
    """The same shape as ``opportunity_snapshot`` for proposed values."""
    snapshot = {}
    for name, value in values.items():
        if name == "specialties":
            snapshot[name] = sorted(s.name for s in value)
        elif name == "eligible_learners":
            snapshot[name] = sorted(t.code for t in value)
        else:
            snapshot[name] = _jsonable(value)
    return snapshot


def diff_snapshots(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """``{field: [old, new]}`` for every field of ``after`` that differs."""
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if name in TRACKED_FIELDS and before.get(name) != value
    }


@transaction.atomic
def opportunity_change_record(
    *,
    opportunity: Opportunity,
    changes: dict[str, list],
    source: str,
    user=None,
    created: bool = False,
    note: str = "",
) -> OpportunityChange | None:
    """Add a line to the opportunity's history (nothing when nothing changed)."""
    if not changes and not created:
        return None
    return OpportunityChange.objects.create(
        opportunity=opportunity,
        changes=changes,
        source=source,
        changed_by=user if user is not None and user.is_authenticated else None,
        created=created,
        note=note[:300],
    )


class OpportunityDuplicate(Exception):
    """Another record already has this name and host (its natural key)."""

    def __init__(self, existing: Opportunity):
        self.existing = existing
        super().__init__(
            f"The database already has an entry called “{existing.name}” hosted by "
            f"{existing.host_name}: change that entry instead, or choose another name."
        )


def opportunity_check_unique(*, name: str, host_name: str, pk: int | None) -> None:
    """Raise OpportunityDuplicate when a record other than ``pk`` has the
    same normalised name and host."""
    existing = opportunity_find(name=name, host_name=host_name)
    if existing is not None and existing.pk != pk:
        raise OpportunityDuplicate(existing)


@transaction.atomic
def opportunity_apply(
    *,
    opportunity: Opportunity | None,
    values: dict[str, Any],
    source: str,
    user=None,
    note: str = "",
) -> tuple[Opportunity, dict[str, list]]:
    """Create an opportunity (``opportunity=None``) or change one, and record
    the change in its history. ``values`` holds any of TRACKED_FIELDS, with
    Specialty and LearnerType objects for the many-to-many fields. Fields left
    out keep their value; a change that changes nothing writes nothing.
    Returns the opportunity and ``{field: [old, new]}``. Raises
    OpportunityDuplicate (writing nothing) when the new name and host are
    another record's."""
    created = opportunity is None
    before = {} if created else opportunity_snapshot(opportunity)
    changes = diff_snapshots(before, values_snapshot(values))
    if created:
        opportunity = Opportunity()
    elif not changes:
        return opportunity, {}
    for name in SCALAR_FIELDS:
        if name in values and (created or name in changes):
            setattr(opportunity, name, values[name])
    if created or {"name", "host_name"} & set(changes):
        opportunity_check_unique(name=opportunity.name, host_name=opportunity.host_name, pk=opportunity.pk)
    opportunity.save()
    for name in M2M_FIELDS:
        if name in values and (created or name in changes):
            getattr(opportunity, name).set(values[name])
    opportunity_change_record(
        opportunity=opportunity, changes=changes, source=source, user=user, created=created, note=note
    )
    return opportunity, changes


def opportunity_find(*, name: str, host_name: str) -> Opportunity | None:
    """The record with the same natural key (normalised name and host)."""
    return Opportunity.objects.filter(natural_key=natural_key_for(name, host_name)).first()


# --- Suggestions --------------------------------------------------------------


def _admin_url(suggestion: Suggestion) -> str:
    return settings.SITE_URL + reverse("admin:opportunities_suggestion_change", args=[suggestion.pk])


@transaction.atomic
def suggestion_create(
    *, user, proposed: dict[str, Any], opportunity: Opportunity | None = None, message: str = ""
) -> Suggestion:
    """Store a suggested new opportunity or correction and email the staff.
    ``proposed`` is JSON (see ``Suggestion.proposed``)."""
    from .selectors import staff_emails

    suggestion = Suggestion.objects.create(
        opportunity=opportunity, suggested_by=user, proposed=proposed, message=message
    )
    for address in staff_emails():
        email_queue_template(
            name="opportunity-suggestion-received",
            to=address,
            context={"suggestion": suggestion, "review_url": _admin_url(suggestion), "user": user},
            dedup_key=f"suggestion-{suggestion.pk}-received-{address}",
        )
    return suggestion


def suggestion_values(proposed: dict[str, Any]) -> dict[str, Any]:
    """Proposed JSON → values for ``opportunity_apply``. Specialties are
    matched by name (case-insensitive) and created when new; unknown learner
    type codes are ignored."""
    values: dict[str, Any] = {}
    for name in SCALAR_FIELDS:
        if name in proposed:
            value = proposed[name]
            if name in ("deadline", "last_verified") and value:
                value = datetime.date.fromisoformat(value)
            values[name] = value
    if "deadline" in proposed and "deadline_precision" not in proposed:
        values["deadline_precision"] = DeadlinePrecision.DAY  # the form asks for a day
    if "specialties" in proposed:
        values["specialties"] = specialties_by_name(proposed["specialties"], create=True)
    if "eligible_learners" in proposed:
        values["eligible_learners"] = list(LearnerType.objects.filter(code__in=proposed["eligible_learners"]))
    return values


def specialties_by_name(names, *, create: bool) -> list[Specialty]:
    """The specialties called ``names`` (any case); new ones are created when
    ``create``, otherwise left out."""
    existing = {normalise(s.name): s for s in Specialty.objects.all()}
    result = []
    for name in names:
        specialty = existing.get(normalise(name))
        if specialty is None and create:
            specialty, _ = Specialty.objects.get_or_create(name=" ".join(name.split()))
            existing[normalise(name)] = specialty
        if specialty is not None and specialty not in result:
            result.append(specialty)
    return result


class SuggestionAlreadyReviewed(Exception):
    pass


def _claim(suggestion_id: int) -> Suggestion:
    suggestion = Suggestion.objects.select_for_update().select_related("suggested_by").get(pk=suggestion_id)
    if suggestion.status != Suggestion.Status.PENDING:
        raise SuggestionAlreadyReviewed(
            f"This suggestion was already {suggestion.get_status_display().lower()}."
        )
    return suggestion


@transaction.atomic
def suggestion_approve(*, suggestion_id: int, reviewer) -> Opportunity:
    """Apply a suggestion (recorded in the opportunity's history) and email
    the person who made it. A suggested new opportunity whose name and host
    match an existing record corrects that record instead."""
    suggestion = _claim(suggestion_id)
    opportunity = suggestion.opportunity
    if opportunity is None:
        opportunity = opportunity_find(
            name=suggestion.proposed.get("name", ""), host_name=suggestion.proposed.get("host_name", "")
        )
    values = suggestion_values(suggestion.proposed)
    if opportunity is not None and values.get("deadline") == opportunity.deadline:
        # The deadline was left as it was: a month-only deadline stays a month.
        values.pop("deadline_precision", None)
    opportunity, _ = opportunity_apply(
        opportunity=opportunity,
        values=values,
        source=ChangeSource.SUGGESTION,
        user=reviewer,
        note=f"Suggested by {suggestion.suggested_by.email}",
    )
    suggestion.opportunity = opportunity
    suggestion.status = Suggestion.Status.APPROVED
    suggestion.reviewed_by = reviewer
    suggestion.reviewed_at = timezone.now()
    suggestion.save(update_fields=["opportunity", "status", "reviewed_by", "reviewed_at"])
    _email_outcome(suggestion)
    return opportunity


@transaction.atomic
def suggestion_reject(*, suggestion_id: int, reviewer, reason: str) -> Suggestion:
    """Reject a suggestion with a reason, and email the person who made it."""
    reason = reason.strip()
    if not reason:
        raise ValueError("A reason is required to reject a suggestion.")
    suggestion = _claim(suggestion_id)
    suggestion.status = Suggestion.Status.REJECTED
    suggestion.reviewed_by = reviewer
    suggestion.reviewed_at = timezone.now()
    suggestion.rejection_reason = reason
    suggestion.save(update_fields=["status", "reviewed_by", "reviewed_at", "rejection_reason"])
    _email_outcome(suggestion)
    return suggestion


def _email_outcome(suggestion: Suggestion) -> None:
    opportunity_url = ""
    if suggestion.opportunity_id and suggestion.status == Suggestion.Status.APPROVED:
        opportunity_url = settings.SITE_URL + suggestion.opportunity.get_absolute_url()
    email_queue_template(
        name=f"opportunity-suggestion-{suggestion.status}",
        to=suggestion.suggested_by.email,
        context={"suggestion": suggestion, "opportunity_url": opportunity_url},
        dedup_key=f"suggestion-{suggestion.pk}-{suggestion.status}",
    )


# --- Exports -----------------------------------------------------------------


def _enqueue_export(job_id) -> None:
    from .tasks import build_export

    transaction.on_commit(lambda: build_export.delay(str(job_id)))


#: A job still waiting after this long is marked failed (see
#: ``export_delete_expired``), so it is not handed out again either.
EXPORT_STUCK_AFTER = datetime.timedelta(hours=1)


@transaction.atomic
def export_request(*, user, query_string: str, total_rows: int) -> ExportJob:
    """Queue a large export of the list that ``query_string`` selects; a task
    builds it after commit.

    Asking again for the same list while its file is still being prepared
    (a second click, a reload) returns the job already under way rather than
    building the same file twice.  The person's row is locked first, so two
    requests at the same moment cannot both start one."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    waiting = (
        ExportJob.objects.filter(
            requested_by=user,
            query_string=query_string,
            status__in=[ExportJob.Status.PENDING, ExportJob.Status.RUNNING],
            created_at__gte=timezone.now() - EXPORT_STUCK_AFTER,
        )
        .order_by("-created_at")
        .first()
    )
    if waiting is not None:
        return waiting
    job = ExportJob.objects.create(
        requested_by=user,
        query_string=query_string,
        total_rows=total_rows,
        expires_at=ExportJob.default_expiry(),
    )
    _enqueue_export(job.pk)
    return job


def export_claim(*, job_id) -> ExportJob | None:
    """Move a waiting export to "running"; None when another worker (or an
    earlier try) has it already."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.PENDING).update(
        status=ExportJob.Status.RUNNING, started_at=timezone.now()
    )
    return ExportJob.objects.select_related("requested_by").get(pk=job_id) if claimed else None


PROGRESS_EVERY = 500


def export_build(*, job_id) -> ExportJob | None:
    """Build a claimed export into MEDIA_ROOT/exports/, reporting progress as
    it goes, then email the person a link. A failure is recorded on the job
    (visible on the waiting page and in the admin) and re-raised."""
    from django.http import QueryDict

    from .exports import write_database_xlsx
    from .selectors import opportunity_search

    job = export_claim(job_id=job_id)
    if job is None:
        return None
    directory = Path(settings.MEDIA_ROOT) / "exports"
    directory.mkdir(parents=True, exist_ok=True)
    relative = f"exports/{job.pk}.xlsx"
    final_path = Path(settings.MEDIA_ROOT) / relative
    partial_path = final_path.with_suffix(".partial")

    def progress(rows: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(rows_written=rows)

    try:
        view = opportunity_search(QueryDict(job.query_string))
        with open(partial_path, "wb") as handle:
            rows = write_database_xlsx(handle, view, progress=progress, progress_every=PROGRESS_EVERY)
        os.replace(partial_path, final_path)
    except Exception as exc:
        partial_path.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        log.exception("Export %s failed", job.pk)
        raise
    with transaction.atomic():
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.DONE,
            file=relative,
            rows_written=rows,
            total_rows=rows,
            finished_at=timezone.now(),
            expires_at=ExportJob.default_expiry(),
        )
        job.refresh_from_db()
        email_queue_template(
            name="opportunity-export-ready",
            to=job.requested_by.email,
            context={
                "job": job,
                "download_url": settings.SITE_URL + reverse("opportunities:export_status", args=[job.pk]),
                "retention_hours": settings.EXPORT_RETENTION_HOURS,
            },
            dedup_key=f"export-{job.pk}-ready",
        )
    return job


def export_delete_expired(*, now: datetime.datetime | None = None) -> int:
    """Delete expired exports and their files, and mark exports stuck for an
    hour as failed. Returns how many exports were deleted."""
    now = now or timezone.now()
    count = 0
    for job in ExportJob.objects.filter(expires_at__lte=now).only("pk", "file"):
        if job.file:
            job.file.delete(save=False)
        job.delete()
        count += 1
    # A job whose worker died (or whose task was lost) would keep its waiting
    # page refreshing for ever: after an hour it is marked failed.
    ExportJob.objects.filter(
        status__in=[ExportJob.Status.PENDING, ExportJob.Status.RUNNING],
        created_at__lt=now - EXPORT_STUCK_AFTER,
    ).update(status=ExportJob.Status.FAILED, error="Not finished within an hour.", finished_at=now)
    return count


# --- Import ------------------------------------------------------------------


def import_uploads_delete_stale(*, now: datetime.datetime | None = None) -> int:
    """Delete spreadsheets uploaded to the admin's import but never confirmed,
    once they are IMPORT_UPLOAD_RETENTION_HOURS old. Returns how many."""
    now = now or timezone.now()
    stale = now.timestamp() - settings.IMPORT_UPLOAD_RETENTION_HOURS * 3600
    count = 0
    for upload in (Path(settings.MEDIA_ROOT) / "imports").glob("*.xlsx"):
        if upload.stat().st_mtime < stale:
            upload.unlink(missing_ok=True)
            count += 1
    return count


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
    from .importer import read_workbook

    specialty_names = {normalise(s.name): s.name for s in Specialty.objects.all()}
    learner_types = list(LearnerType.objects.all())
    parsed = read_workbook(source, known_specialties=set(specialty_names), learner_types=learner_types)

    results: list[ImportRowResult] = []
    planned: dict[str, dict[str, Any]] = {}
    defaults: dict[str, dict[str, Any]] = {}
    first_row: dict[str, ImportRowResult] = {}
    for row in parsed.rows:
        if row.errors:
            results.append(
                ImportRowResult(row.number, row.name, row.host_name, "refused", row.errors, row.warnings)
            )
            continue
        values = dict(row.values)
        if not publish:
            values.pop("is_published", None)
        key = natural_key_for(row.name, row.host_name)
        if key in planned:
            planned[key] = _merge(planned[key], values)
            defaults[key] = {**row.defaults, **defaults[key]}
            results.append(
                ImportRowResult(
                    row.number,
                    row.name,
                    row.host_name,
                    "merged",
                    [f"the same opportunity as row {first_row[key].number}; combined with it"],
                    row.warnings,
                )
            )
            continue
        planned[key] = values
        defaults[key] = row.defaults
        first_row[key] = ImportRowResult(row.number, row.name, row.host_name, "create", warnings=row.warnings)
        results.append(first_row[key])

    new_specialties: dict[str, str] = {}
    for values in planned.values():
        canonical = []
        for name in values.get("specialties", []):
            key = normalise(name)
            if key not in specialty_names:
                new_specialties.setdefault(key, name)
            canonical.append(specialty_names.get(key) or new_specialties[key])
        if "specialties" in values:
            values["specialties"] = list(dict.fromkeys(canonical))

    existing = {
        o.natural_key: o
        for o in Opportunity.objects.filter(natural_key__in=list(planned)).prefetch_related(
            "specialties", "eligible_learners"
        )
    }
    for key, values in planned.items():
        record = existing.get(key)
        result = first_row[key]
        if record is None:
            # A new record: the defaults fill what the row could not give.
            values = planned[key] = {**defaults[key], **values}
            # Published is shown only when the sheet says; otherwise staff choose on confirming.
            result.values = [
                (_field_label(name), _display(name, values[name], values))
                for name in TRACKED_FIELDS
                if name in values and name != "deadline_precision"
            ]
            if not publish:
                values["is_published"] = False
            values.setdefault("is_published", True)
            continue
        after = {k: sorted(v) if k in M2M_FIELDS else _jsonable(v) for k, v in values.items()}
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

    report = ImportReport(
        sheet_title=parsed.sheet_title,
        header_row=parsed.header_row,
        columns=[_field_label(c) for c in parsed.columns],
        ignored_headers=parsed.ignored_headers,
        rows=results,
        new_specialties=sorted(new_specialties.values(), key=str.casefold),
        dry_run=dry_run,
        publish=publish,
        headings=parsed.headings,
    )
    if dry_run or (strict and report.refused):
        return report

    with transaction.atomic():
        specialties = {normalise(s.name): s for s in Specialty.objects.all()}
        for key, name in new_specialties.items():
            specialties[key], _ = Specialty.objects.get_or_create(name=name)
        types = {t.code: t for t in learner_types}
        for key, values in planned.items():
            result = first_row[key]
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
                note=f"Imported from sheet “{parsed.sheet_title}”, row {result.number}",
            )
    report.applied = True
    return report
