"""Writes for applications. Every status change goes through
``application_transition`` so history, emails and side effects stay together."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.services import RenderedEmail, email_queue_template, email_render, emails_combined
from programs.models import Outcome, Program, Specialty, Tier

from .models import (
    Answer,
    Application,
    ApplicationExport,
    IdentityDisclosure,
    Question,
    Status,
    StatusChange,
)
from .selectors import live_application
from .signals import application_status_changed

# Applications whose self-identification is kept only for the retention
# period: closed ones that did not end by withdrawal (which deletes it at
# once; listed too, in case an older row remains).
CLOSED_STATUSES = [Status.DECLINED, Status.ENDED, Status.WITHDRAWN]


class InvalidTransition(ValidationError):
    pass


@transaction.atomic
def application_transition(
    *,
    application: Application,
    to_status: str,
    by=None,
    note: str = "",
    note_in_email: bool = True,
    email_applicant: bool = True,
) -> Application:
    """Move an application to ``to_status`` if the lifecycle allows it.

    Side effects: records a StatusChange (who, when, note); sets ``accepted_at``
    on acceptance (it orders the waitlist); deletes the self-identification at
    once on withdrawal; emails the applicant after commit (with the note
    unless ``note_in_email`` is false: an internal note stays in the history),
    unless ``email_applicant`` is false (another email of the same event,
    such as a match's introduction, says it);
    sends ``signals.application_status_changed`` inside this transaction (on
    which matching ends a leaver's matches and tells coordinators about places,
    in one email per coordinator however many places the change frees).
    Raises InvalidTransition when the move is not allowed from the current state.
    """
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if not locked.can_move_to(to_status):
        raise InvalidTransition(
            f"An application that is {locked.get_status_display().lower()} cannot become "
            f"{Status(to_status).label.lower()}."
        )
    now = timezone.now()
    from_status = locked.status
    locked.status = to_status
    locked.status_changed_at = now
    fields = ["status", "status_changed_at", "updated_at"]
    if to_status == Status.ACCEPTED and locked.accepted_at is None:
        locked.accepted_at = now
        fields.append("accepted_at")
    locked.save(update_fields=fields)
    change = StatusChange.objects.create(
        application=locked, from_status=from_status, to_status=to_status, changed_by=by, note=note
    )
    if to_status == Status.WITHDRAWN:
        IdentityDisclosure.objects.filter(application=locked).delete()
    if email_applicant:
        email_queue_template(
            name="application-status",
            to=locked.applicant.email,
            context=_status_email_context(
                locked, from_status=from_status, note=note if note_in_email else ""
            ),
            dedup_key=f"application-status:{change.pk}",
            program=locked.program,
        )
    with emails_combined():
        application_status_changed.send(
            sender=Application, application=locked, from_status=from_status, event=str(change.pk)
        )
    application.status = locked.status
    application.status_changed_at = locked.status_changed_at
    application.accepted_at = locked.accepted_at
    return locked


def _status_email_context(application: Application, *, from_status: str, note: str) -> dict:
    return {
        "application": application,
        "program": application.program,
        "note": note,
        "from_status": from_status,
    }


def application_status_email_preview(
    *, application: Application, to_status: str, note: str = ""
) -> RenderedEmail:
    """The email ``application_transition`` would send the applicant for this
    move, rendered from an unsaved copy: nothing changes and nothing is queued."""
    after = copy.copy(application)
    after.status = to_status
    return email_render(
        name="application-status",
        context=_status_email_context(after, from_status=application.status, note=note),
    )


class DuplicateApplication(Exception):
    """A live application already exists for this person, program, role and tier."""

    def __init__(self, existing: Application):
        super().__init__(f"A live application already exists: {existing.pk}")
        self.existing = existing


class ApplicationLocked(ValidationError):
    """The applicant may no longer change this application."""


def _save_answers(*, application: Application, answers: dict[Question, Any]) -> None:
    for question, value in answers.items():
        if value is None:
            Answer.objects.filter(application=application, question=question).delete()
        else:
            Answer.objects.update_or_create(
                application=application, question=question, defaults={"value": value}
            )


def identity_save(*, application: Application, data: dict[str, Any] | None) -> IdentityDisclosure | None:
    """Store the self-identification, or delete it when ``data`` is None
    (nothing given, or the person removed it). Runs inside the caller's
    transaction; sends nothing."""
    if data is None:
        IdentityDisclosure.objects.filter(application=application).delete()
        return None
    fields = dict(data)
    dimensions = fields.pop("dimensions", [])
    disclosure, _ = IdentityDisclosure.objects.update_or_create(application=application, defaults=fields)
    disclosure.dimensions.set(dimensions)
    return disclosure


def _save_related(
    *,
    application: Application,
    specialties: Iterable[Specialty],
    outcomes: Iterable[Outcome],
    answers: dict[Question, Any] | None,
    identity: dict[str, Any] | None,
) -> None:
    """Store what the form gives beside the application's own fields: its
    specialties, outcomes, answers, and (for programs that ask) the
    self-identification, deleted when ``identity`` is None."""
    application.specialties.set(specialties)
    application.outcomes.set(outcomes)
    _save_answers(application=application, answers=answers or {})
    if application.program.collects_identity:
        identity_save(application=application, data=identity)


def _coordinator_addresses(program: Program) -> list[str]:
    addresses = sorted({u.email for u in program.coordinators.filter(is_active=True) if u.email})
    return addresses or [program.contact_email]


@transaction.atomic
def application_submit(
    *,
    applicant,
    program: Program,
    role: str,
    tier: Tier | None,
    fields: dict[str, Any],
    specialties: Iterable[Specialty] = (),
    outcomes: Iterable[Outcome] = (),
    answers: dict[Question, Any] | None = None,
    identity: dict[str, Any] | None = None,
) -> Application:
    """Create a submitted application with its answers and optional self-identification.

    Side effects: records the first StatusChange; emails the applicant and the
    program's coordinators (or its contact address) after commit, once each.
    Raises DuplicateApplication when the person already has a live application
    for the same program, role and tier (checked first, and by the database
    constraint when two submissions race).
    """
    existing = live_application(user=applicant, program=program, role=role, tier=tier)
    if existing is not None:
        raise DuplicateApplication(existing)
    try:
        with transaction.atomic():
            application = Application.objects.create(
                applicant=applicant, program=program, role=role, tier=tier, **fields
            )
    except IntegrityError:
        existing = live_application(user=applicant, program=program, role=role, tier=tier)
        if existing is None:
            raise
        raise DuplicateApplication(existing) from None
    _save_related(
        application=application,
        specialties=specialties,
        outcomes=outcomes,
        answers=answers,
        identity=identity,
    )
    StatusChange.objects.create(
        application=application, from_status="", to_status=Status.SUBMITTED, changed_by=applicant
    )
    context = {"application": application, "program": program}
    email_queue_template(
        name="application-submitted",
        to=applicant.email,
        context=context,
        dedup_key=f"application-submitted:{application.pk}",
        program=program,
    )
    for address in _coordinator_addresses(program):
        email_queue_template(
            name="application-new-coordinator",
            to=address,
            context=context,
            dedup_key=f"application-new:{application.pk}:{address}"[:200],
            program=program,
        )
    return application


@transaction.atomic
def application_update(
    *,
    application: Application,
    by,
    fields: dict[str, Any],
    specialties: Iterable[Specialty] = (),
    outcomes: Iterable[Outcome] = (),
    answers: dict[Question, Any] | None = None,
    identity: dict[str, Any] | None = None,
) -> Application:
    """The applicant's edit of a submitted application (program, role and tier
    stay). Replaces its specialties, outcomes, answers and self-identification
    (deleted when ``identity`` is None); sends nothing.
    Raises ApplicationLocked once a coordinator has started reviewing it."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if by.pk != locked.applicant_id or not locked.is_editable_by_applicant:
        raise ApplicationLocked("This application can no longer be changed.")
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save()
    _save_related(
        application=locked, specialties=specialties, outcomes=outcomes, answers=answers, identity=identity
    )
    return locked


@transaction.atomic
def application_identity_update(*, application: Application, by, data: dict[str, Any] | None) -> None:
    """The applicant changes their self-identification while the application is
    live, and may delete it (``data=None``) at any time, even after it ended.
    Sends nothing (identity data is never emailed). Raises ApplicationLocked
    for anyone else, for programs that do not ask, and for changes (not
    deletion) once the application has ended."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if by.pk != locked.applicant_id or not locked.program.collects_identity:
        raise ApplicationLocked("Only the applicant can change their self-identification.")
    if data is not None and not locked.is_live:
        raise ApplicationLocked("This application has ended: its self-identification can only be deleted.")
    identity_save(application=locked, data=data)


@transaction.atomic
def identity_delete_expired(*, now: datetime | None = None) -> int:
    """Delete the self-identification (and its dimensions) of applications
    that were declined, ended or withdrawn more than IDENTITY_RETENTION_DAYS
    ago. Live applications keep theirs. Sends nothing; returns how many
    disclosures were deleted. Run daily by beat."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.IDENTITY_RETENTION_DAYS)
    expired = IdentityDisclosure.objects.filter(
        application__status__in=CLOSED_STATUSES, application__status_changed_at__lt=cutoff
    )
    _, deleted = expired.delete()
    return deleted.get(IdentityDisclosure._meta.label, 0)


def application_withdraw(*, application: Application, by) -> Application:
    """The applicant withdraws; their self-identification is deleted at once.
    Side effects are those of ``application_transition``: history, an email to
    the applicant, and the end of any published match (the other person's
    place or waitlist position comes back)."""
    if by.pk != application.applicant_id:
        raise ApplicationLocked("Only the applicant can withdraw an application.")
    return application_transition(application=application, to_status=Status.WITHDRAWN, by=by)


def applications_bulk_transition(
    *, applications: Iterable[Application], to_status: str, by, note: str = ""
) -> tuple[list[Application], list[tuple[Application, str]]]:
    """Move each application that may move; returns (moved, [(not moved, why)]).
    Each move is its own transaction, so one refusal does not undo the others;
    each moved applicant is emailed once, after its commit; the notices the
    moves cause to coordinators (places freed) are combined into one email
    per coordinator, written after the last move."""
    moved, refused = [], []
    with emails_combined():
        for application in applications:
            try:
                moved.append(
                    application_transition(application=application, to_status=to_status, by=by, note=note)
                )
            except InvalidTransition as exc:
                refused.append((application, exc.messages[0]))
    return moved, refused


@transaction.atomic
def application_export_record(*, by, applications, included_identity: bool) -> ApplicationExport:
    """Record an export of the ``applications`` queryset in the audit trail
    (who, when, which programs, how many, whether self-identification was in it)."""
    export = ApplicationExport.objects.create(
        exported_by=by, application_count=applications.count(), included_identity=included_identity
    )
    export.programs.set(set(applications.values_list("program_id", flat=True)))
    return export
