"""Writes for requests after the round (rolling intake): a waiting mentee asks
one mentor with places left; the mentor accepts (which publishes the match
through the same locked path as the board) or declines; the mentee may
withdraw; an unanswered request expires after the program's reply days.

Kept apart from services.py, which it builds on: the checks of a late
applicant's pair (``_check_available``, ``_scored_pair``) and publishing
(``_publish``: row locks, capacity, status changes, introductions).
Every email is a row in the outgoing table, queued once (dedup keys).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from applications.models import Application, Role
from notifications.services import email_queue_template
from programs.models import Program

from . import scoring
from .models import ChoicePolicy, Match, MatchSource, MatchStatus, MentorRequest, RequestStatus
from .selectors import (
    MENTOR_STATUSES,
    blocked_pairs,
    mentee_is_waiting,
    person,
    request_blocked_mentors,
    request_round_for,
    tier_rules_for,
    weights_for,
    with_matching_data,
)
from .services import MatchingError, _places_left, _publish

MESSAGE_MAX = MentorRequest._meta.get_field("message").max_length
REASON_MAX = 1000

NOT_AVAILABLE = "This mentor is not available to you. Ask another mentor."
CLOSED_WORDS = {
    RequestStatus.ACCEPTED: "This request was already accepted.",
    RequestStatus.DECLINED: "This request was already declined.",
    RequestStatus.EXPIRED: "This request expired without an answer; the mentee may ask another mentor.",
    RequestStatus.WITHDRAWN: "The mentee withdrew this request.",
}


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _refusal(mentee: Application, mentor: Application, round_) -> str | None:
    """Why ``mentee`` may not ask ``mentor`` in ``round_``: the hard rules of
    matching (tiers, exclusions, pairs that ended or were declined) and a
    mentor who declined them or let their request expire before."""
    if mentor.role != Role.MENTOR or mentor.program_id != mentee.program_id:
        return "Pick a mentor of your program."
    if mentor.status not in MENTOR_STATUSES:
        return f"{mentor.applicant} is not taking mentees."
    if mentor.tier_id and round_.tier_id and mentor.tier_id != round_.tier_id:
        return NOT_AVAILABLE
    loaded = {a.pk: a for a in with_matching_data(Application.objects.filter(pk__in=[mentee.pk, mentor.pk]))}
    refusal = scoring.refusal(
        person(loaded[mentee.pk]),
        person(loaded[mentor.pk]),
        tier_rules=tier_rules_for(mentee.program),
        blocked=blocked_pairs(mentee.program),
    )
    if refusal:
        # Not the rule itself: an exclusion or an ended pair is the coordinators' business.
        return NOT_AVAILABLE
    if mentor.pk in request_blocked_mentors(mentee):
        return f"You asked {mentor.applicant} before. Ask the next mentor on your list."
    return None


def _coordinator_addresses(program: Program) -> list[str]:
    coordinators = sorted({u.email for u in program.coordinators.filter(is_active=True) if u.email})
    return coordinators or [program.contact_email]


def _context(request: MentorRequest, **extra) -> dict:
    return {
        "request": request,
        "program": request.round.program,
        "mentee": request.mentee.applicant,
        "mentor": request.mentor.applicant,
        **extra,
    }


ONE_OPEN = "You already have a request waiting for an answer. Withdraw it to ask someone else."


def request_refusal(*, mentee: Application, mentor: Application, round_) -> str | None:
    """Why ``mentee`` may not ask ``mentor`` now (``round_``: the mentee's
    ``request_round_for``), in words for them, or None when they may."""
    if mentee.role != Role.MENTEE or not mentee_is_waiting(mentee):
        return "You are not waiting for a mentor in this program."
    if round_ is None:
        return "Requests open once the program has published its first matches."
    if MentorRequest.objects.filter(mentee=mentee, status=RequestStatus.OPEN).exists():
        return ONE_OPEN
    refusal = _refusal(mentee, mentor, round_)
    if refusal:
        return refusal
    if _places_left(mentor) < 1:
        return f"{mentor.applicant} has no place left. Ask another mentor."
    return None


@transaction.atomic
def mentor_request_create(
    *, mentee: Application, mentor: Application, message: str, by, now: datetime | None = None
) -> MentorRequest:
    """A waiting mentee asks ``mentor`` (same program, eligible, with a place
    left) to be their mentor. At most one open request per mentee.

    Side effects: the request expires ``request_reply_days`` (the program's
    choice settings) from now; the mentor is emailed what the mentee wrote
    about themselves and a link to answer (never the mentee's contact details
    or self-identification). Raises MatchingError saying what is wrong."""
    now = _now(now)
    if mentee.applicant_id != by.pk:
        raise MatchingError("Only the mentee can ask for a mentor.")
    round_ = request_round_for(mentee)
    refusal = request_refusal(mentee=mentee, mentor=mentor, round_=round_)
    if refusal:
        raise MatchingError(refusal)
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise MatchingError(f"Keep the note under {MESSAGE_MAX} characters.")
    days = ChoicePolicy.for_program(mentee.program).request_reply_days
    try:
        with transaction.atomic():  # a savepoint: the constraint's error leaves the transaction usable
            request = MentorRequest.objects.create(
                round=round_,
                mentee=mentee,
                mentor=mentor,
                message=message,
                expires_at=now + timedelta(days=days),
            )
    except IntegrityError:
        # Two submissions at once: the constraint lets one open request through.
        raise MatchingError(ONE_OPEN) from None
    email_queue_template(
        name="mentor-request-new",
        to=mentor.applicant.email,
        context=_context(request, days=days),
        dedup_key=f"mentor-request-{request.pk}-new",
        program=round_.program,
    )
    return request


def _locked_open(request: MentorRequest, now: datetime) -> MentorRequest:
    """The request, locked, with what the answer needs; MatchingError when it
    is no longer open or its reply days are over."""
    request = (
        MentorRequest.objects.select_for_update(of=("self",))
        .select_related("round__program", "round__tier", "mentee__applicant", "mentor__applicant")
        .get(pk=request.pk)
    )
    if request.status != RequestStatus.OPEN:
        raise MatchingError(CLOSED_WORDS[request.status])
    if now >= request.expires_at:
        raise MatchingError(
            "This request expired without an answer; the mentee may ask another mentor. "
            "The coordinators can still pair you on the matching board."
        )
    return request


@transaction.atomic
def mentor_request_accept(*, request: MentorRequest, by, now: datetime | None = None) -> Match:
    """The mentor accepts: the pair is published at once (source "request"),
    through the board's publishing path, so capacity holds under concurrency:
    both applications are locked (primary-key order) before places are
    counted, and a second acceptance waits for the first to commit.

    Side effects: both applications become "matched"; both people get the
    introduction (contact details), once. Raises MatchingError when the
    request is closed or expired, the mentee no longer waits, a hard rule
    forbids the pair, or the mentor has no place left."""
    now = _now(now)
    # The applications first, then the request: the order of a coordinator's
    # publishing (applications, then the mentee's open request that the
    # status change closes), so the two cannot deadlock.
    ids = sorted([request.mentee_id, request.mentor_id])
    list(Application.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk"))
    request = _locked_open(request, now)
    if request.mentor.applicant_id != by.pk:
        raise MatchingError("Only the mentor asked can answer this request.")
    mentee, mentor = request.mentee, request.mentor
    if not mentee_is_waiting(mentee):
        raise MatchingError(f"{mentee.applicant} is no longer waiting for a mentor.")
    refusal = _refusal(mentee, mentor, request.round)
    if refusal:
        raise MatchingError(refusal)
    if _places_left(mentor) < 1:
        raise MatchingError(
            "You have no place left for another mentee. Decline the request, or ask the coordinators "
            "to raise your number of mentees."
        )
    loaded = {a.pk: a for a in with_matching_data(Application.objects.filter(pk__in=ids))}
    score, reasons = scoring.score_pair(
        person(loaded[mentee.pk]), person(loaded[mentor.pk]), weights_for(mentee.program)
    )
    suggestion = scoring.Suggestion(mentee.pk, mentor.pk, score, reasons)
    match = Match.objects.create(
        round=request.round,
        mentee=mentee,
        mentor=mentor,
        status=MatchStatus.PROPOSED,
        source=MatchSource.REQUEST,
        score=suggestion.score,
        identity_score=suggestion.identity_score,
        reasons=suggestion.reasons_json(),
        created_by=by,
    )
    # Closed before publishing: the mentee's move to "matched" closes their
    # other open requests (application_status_changed), not this one.
    request.status = RequestStatus.ACCEPTED
    request.answered_at = now
    request.save(update_fields=["status", "answered_at"])
    (match,) = _publish([match], by=by)
    request.match = match
    request.save(update_fields=["match"])
    return match


@transaction.atomic
def mentor_request_decline(
    *, request: MentorRequest, by, reason: str = "", now: datetime | None = None
) -> MentorRequest:
    """The mentor declines, with an optional reason for the coordinators.

    Side effects: the mentee is told (without the reason) that they may ask
    the next mentor on their list; the program's coordinators are told, with
    the reason."""
    now = _now(now)
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise MatchingError(f"Keep the reason under {REASON_MAX} characters.")
    request = _locked_open(request, now)
    if request.mentor.applicant_id != by.pk:
        raise MatchingError("Only the mentor asked can answer this request.")
    request.status = RequestStatus.DECLINED
    request.answered_at = now
    request.decline_reason = reason
    request.save(update_fields=["status", "answered_at", "decline_reason"])
    program = request.round.program
    email_queue_template(
        name="mentor-request-declined-mentee",
        to=request.mentee.applicant.email,
        context=_context(request),
        dedup_key=f"mentor-request-{request.pk}-declined-mentee",
        program=program,
    )
    for address in _coordinator_addresses(program):
        email_queue_template(
            name="mentor-request-declined-coordinator",
            to=address,
            context=_context(request, reason=reason),
            dedup_key=f"mentor-request-{request.pk}-declined-{address}"[:200],
            program=program,
        )
    return request


@transaction.atomic
def mentor_request_withdraw(*, request: MentorRequest, by, now: datetime | None = None) -> MentorRequest:
    """The mentee takes back an open request; the mentor is told, so they do
    not answer it. The mentee may then ask someone else."""
    request = (
        MentorRequest.objects.select_for_update(of=("self",))
        .select_related("round__program", "mentee__applicant", "mentor__applicant")
        .get(pk=request.pk)
    )
    if request.mentee.applicant_id != by.pk:
        raise MatchingError("Only the mentee can withdraw their request.")
    if request.status != RequestStatus.OPEN:
        raise MatchingError(CLOSED_WORDS[request.status])
    request.status = RequestStatus.WITHDRAWN
    request.save(update_fields=["status"])
    email_queue_template(
        name="mentor-request-withdrawn-mentor",
        to=request.mentor.applicant.email,
        context=_context(request),
        dedup_key=f"mentor-request-{request.pk}-withdrawn-mentor",
        program=request.round.program,
    )
    return request


@transaction.atomic
def mentor_requests_expire(*, now: datetime | None = None) -> int:
    """Beat (hourly): expire the open requests whose reply days are over.

    Side effects: each mentee is told they may ask the next mentor on their
    list; each program's coordinators get one email listing that program's
    expired requests of this run. Requests are claimed under row locks
    (``skip_locked``: a mentor answering now keeps their request), so a second
    run, or two at once, expires and emails nothing twice. Returns how many
    expired."""
    now = _now(now)
    due = list(
        MentorRequest.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(status=RequestStatus.OPEN, expires_at__lte=now)
        .select_related("round__program", "mentee__applicant", "mentor__applicant")
        .order_by("round__program_id", "expires_at", "pk")
    )
    by_program: dict[int, list[MentorRequest]] = {}
    for request in due:
        request.status = RequestStatus.EXPIRED
        request.save(update_fields=["status"])
        by_program.setdefault(request.round.program_id, []).append(request)
        email_queue_template(
            name="mentor-request-expired-mentee",
            to=request.mentee.applicant.email,
            context=_context(request),
            dedup_key=f"mentor-request-{request.pk}-expired-mentee",
            program=request.round.program,
        )
    for requests in by_program.values():
        program = requests[0].round.program
        ids = ",".join(str(r.pk) for r in requests)
        digest = hashlib.sha256(ids.encode()).hexdigest()[:16]
        for address in _coordinator_addresses(program):
            email_queue_template(
                name="mentor-requests-expired-coordinator",
                to=address,
                context={"program": program, "requests": requests},
                dedup_key=f"mentor-requests-expired-{program.pk}-{digest}-{address}"[:200],
                program=program,
            )
    return len(due)


def mentor_requests_close_for(*, mentee: Application) -> int:
    """The mentee stopped waiting (matched by a coordinator, withdrew, left):
    their open request closes as withdrawn, quietly. Called from
    ``application_status_changed``, inside the transition's transaction."""
    return MentorRequest.objects.filter(mentee=mentee, status=RequestStatus.OPEN).update(
        status=RequestStatus.WITHDRAWN
    )


def mentor_requests_close_for_mentor(*, mentor: Application) -> int:
    """The mentor left (withdrew, or their application ended): the open
    requests to them close as declined, and each mentee is told they may ask
    the next mentor (the coordinators already hear of the withdrawal). Called
    from ``application_status_changed``, inside the transition's transaction."""
    closed = list(
        MentorRequest.objects.select_for_update(of=("self",))
        .filter(mentor=mentor, status=RequestStatus.OPEN)
        .select_related("round__program", "mentee__applicant", "mentor__applicant")
    )
    now = timezone.now()
    for request in closed:
        request.status = RequestStatus.DECLINED
        request.answered_at = now
        request.save(update_fields=["status", "answered_at"])
        email_queue_template(
            name="mentor-request-declined-mentee",
            to=request.mentee.applicant.email,
            context=_context(request),
            dedup_key=f"mentor-request-{request.pk}-declined-mentee",
            program=request.round.program,
        )
    return len(closed)
