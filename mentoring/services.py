"""Writes for the mentorship year: the agreement, meetings, requests to the
coordinators, and the end of a program year.

The rules of who may write are in ``access.py`` (the pair, while the match is
published); each service checks them again, so a stale page cannot write to
an ended match or to someone else's meeting.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from matching.models import Match, MatchStatus
from matching.services import match_end
from notifications.services import email_queue_template

from .access import COORDINATOR, role_in
from .models import Agreement, Meeting, MentoringPolicy, ProgramYear, SupportKind, SupportRequest

MIN_MINUTES, MAX_MINUTES = 5, 600


class MentoringError(ValidationError):
    pass


def _require_writer(match: Match, user) -> str:
    """The user's role if they are one of the pair and the match is published."""
    role = role_in(user, match)
    if role is None or role == COORDINATOR:
        raise MentoringError("Only the two people of this mentorship can do that.")
    if match.status != MatchStatus.PUBLISHED:
        raise MentoringError("This mentorship has ended; its history can be read but not changed.")
    return role


# --- The agreement ----------------------------------------------------------------


def agreement_create(*, match: Match) -> Agreement:
    """The match's agreement, copied from the program's template as it is now
    (a later edit of the template changes nothing already agreed). Idempotent:
    an existing agreement is returned unchanged. Sends nothing. Called when a
    match is published (``matching.signals.match_published``), and for a
    match published before agreements existed, when someone first confirms."""
    policy = MentoringPolicy.for_program(match.round.program)
    agreement, _ = Agreement.objects.get_or_create(
        match=match,
        defaults={
            "goals": policy.agreement_goals,
            "frequency": policy.agreement_frequency,
            "confidentiality": policy.agreement_confidentiality,
            "boundaries": policy.agreement_boundaries,
        },
    )
    return agreement


@transaction.atomic
def agreement_confirm(*, match: Match, by, now: datetime | None = None) -> Agreement:
    """``by`` (the mentee or the mentor) confirms the agreement; the moment is
    kept. Confirming twice keeps the first date. Sends nothing."""
    role = _require_writer(match, by)
    agreement = agreement_create(match=match)
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    field = f"{role}_confirmed_at"
    if getattr(agreement, field) is None:
        setattr(agreement, field, now or timezone.now())
        agreement.save(update_fields=[field])
    return agreement


# --- Meetings ----------------------------------------------------------------------


def meeting_date_error(*, match: Match, met_on: date, today: date | None = None) -> str:
    """Why a meeting cannot have happened on ``met_on`` ("" when it can): not
    in the future, not before the match was published."""
    today = today or timezone.localdate()
    if met_on > today:
        return "The date cannot be in the future."
    matched = timezone.localdate(match.published_at) if match.published_at else None
    if matched and met_on < matched:
        return f"The date cannot be before you were matched ({matched:%-d %B %Y})."
    return ""


def meeting_check(*, match: Match, met_on: date, minutes: int, today: date | None = None) -> None:
    """Raise MentoringError unless the meeting could have happened: a
    possible date (``meeting_date_error``) and 5 to 600 minutes."""
    errors = {}
    date_error = meeting_date_error(match=match, met_on=met_on, today=today)
    if date_error:
        errors["met_on"] = date_error
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        errors["minutes"] = f"Enter a length from {MIN_MINUTES} to {MAX_MINUTES} minutes."
    if errors:
        raise MentoringError(errors)


@transaction.atomic
def meeting_log(
    *, match: Match, by, met_on: date, minutes: int, format: str, note: str = "", today: date | None = None
) -> Meeting:
    """Either person of the pair logs a meeting. Sends nothing."""
    _require_writer(match, by)
    meeting_check(match=match, met_on=met_on, minutes=minutes, today=today)
    return Meeting.objects.create(
        match=match, met_on=met_on, minutes=minutes, format=format, note=note.strip(), logged_by=by
    )


def _require_own(meeting: Meeting, by) -> None:
    _require_writer(meeting.match, by)
    if meeting.logged_by_id != by.pk:
        raise MentoringError("Only the person who logged a meeting can change it.")


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    by,
    met_on: date,
    minutes: int,
    format: str,
    note: str = "",
    today: date | None = None,
) -> Meeting:
    """The person who logged a meeting corrects it. Sends nothing."""
    _require_own(meeting, by)
    meeting_check(match=meeting.match, met_on=met_on, minutes=minutes, today=today)
    meeting.met_on, meeting.minutes, meeting.format, meeting.note = met_on, minutes, format, note.strip()
    meeting.save(update_fields=["met_on", "minutes", "format", "note"])
    return meeting


@transaction.atomic
def meeting_delete(*, meeting: Meeting, by) -> None:
    """The person who logged a meeting deletes it. Sends nothing."""
    _require_own(meeting, by)
    meeting.delete()


# --- Requests to the coordinators --------------------------------------------------


@transaction.atomic
def support_request_create(*, match: Match, by, kind: str, text: str) -> SupportRequest:
    """One of the pair asks the coordinators for help, a rematch or an early
    end. The text is for the coordinators only (the other person is not told).

    Side effects: emails each active coordinator of the program (or the
    program's contact address when it has none) once, after commit, with a
    link to the match's page."""
    _require_writer(match, by)
    if kind not in SupportKind.values:
        raise MentoringError({"kind": "Choose what you are asking for."})
    text = text.strip()
    if not text:
        raise MentoringError({"text": "Tell the coordinators what you need."})
    request = SupportRequest.objects.create(match=match, kind=kind, asked_by=by, text=text)
    program = match.round.program
    context = {
        "request": request,
        "match": match,
        "program": program,
        "asked_by": by,
        "mentee": match.mentee.applicant,
        "mentor": match.mentor.applicant,
    }
    addresses = sorted({u.email for u in program.coordinators.filter(is_active=True) if u.email})
    for address in addresses or [program.contact_email]:
        email_queue_template(
            name="support-request-coordinator",
            to=address,
            context=context,
            dedup_key=f"support-{request.pk}-{address}"[:200],
            program=program,
        )
    return request


def support_requests_close(*, match: Match, by=None, now: datetime | None = None) -> int:
    """Mark the match's open requests resolved (its end answers them). Called
    inside ``match_end``'s transaction (``matching.signals.match_ended``).
    Sends nothing; returns how many were closed."""
    return SupportRequest.objects.filter(match=match, resolved_at__isnull=True).update(
        resolved_at=now or timezone.now(), resolved_by=by
    )


# --- The end of the year -----------------------------------------------------------


def matches_end_at_year_end(*, today: date | None = None) -> list[Match]:
    """End the published matches of every program year that is over: those
    of the year's program published on or before its last day.

    Both applications end (``match_end`` with ``year_end``; the mentor's once
    their last match has ended), so the applications leave the live lists and
    the retention of self-identification (``applications.tasks.delete_expired_identity``)
    starts counting. Each match ends in its own transaction, so one that
    fails leaves the others ended; running it again ends only what is left.
    Side effects: those of ``match_end`` (status emails to the applicants;
    no waitlist email: a year that is over frees no place)."""
    today = today or timezone.localdate()
    ended = []
    for year in ProgramYear.objects.filter(ends_on__lt=today).select_related("program").order_by("ends_on"):
        matches = Match.objects.published().filter(
            round__program=year.program, published_at__date__lte=year.ends_on
        )
        for match in matches.order_by("pk"):
            ended.append(
                match_end(
                    match=match,
                    reason=f"The program year {year.name} ended on {year.ends_on:%-d %B %Y}.",
                    rematch=False,
                    year_end=True,
                )
            )
    return ended
