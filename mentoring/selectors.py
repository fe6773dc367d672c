"""Reads for the mentorship year: a match's home, its progress against the
program's rule, and what is due next. Who may see what is decided in
``access.py``; these functions are given a ``MatchAccess`` and show what it
allows (no meeting note for coordinators)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone

from matching.models import Match, MatchStatus, MentorProfile

from .access import COORDINATOR, MENTEE, MatchAccess
from .models import Agreement, Meeting, MentoringPolicy, SupportRequest, Term
from .questionnaires import questionnaires_due


def minutes_label(minutes: int) -> str:
    """125 → "2 h 5 min"; 120 → "2 h"; 45 → "45 min"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def term_on(program, today: date) -> Term | None:
    """The program's term that contains ``today``, if one is set up."""
    return (
        Term.objects.filter(year__program=program, starts_on__lte=today, ends_on__gte=today)
        .select_related("year")
        .first()
    )


@dataclass(frozen=True)
class Progress:
    """Meeting time against the program's rule, for the current term or,
    when no term is set up, since the match was published."""

    minutes: int
    expected: int
    term: Term | None
    since: date

    @property
    def met(self) -> bool:
        return self.minutes >= self.expected

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.minutes / self.expected)) if self.expected else 100

    @property
    def label(self) -> str:
        return minutes_label(self.minutes)

    @property
    def expected_label(self) -> str:
        return minutes_label(self.expected)


def progress_for(match: Match, today: date, *, policy: MentoringPolicy | None = None) -> Progress:
    policy = policy or MentoringPolicy.for_program(match.round.program)
    term = term_on(match.round.program, today)
    published_on = timezone.localdate(match.published_at) if match.published_at else today
    meetings = Meeting.objects.filter(match=match)
    if term:
        meetings = meetings.filter(met_on__gte=term.starts_on, met_on__lte=term.ends_on)
        since = term.starts_on
    else:
        since = published_on
    minutes = meetings.aggregate(total=Sum("minutes"))["total"] or 0
    return Progress(minutes=minutes, expected=policy.minutes_per_term, term=term, since=since)


@dataclass(frozen=True)
class DueItem:
    """Something the person should do for this match, with where to do it."""

    text: str
    url: str
    kind: str  # "agreement", and the year-schedule's kinds ("questionnaire")
    due_on: date | None = None


def agreement_of(match: Match) -> Agreement:
    """The match's agreement, or (for a match published before agreements
    existed) the unsaved one the program's template gives, which the first
    confirmation saves."""
    try:
        return match.agreement
    except Agreement.DoesNotExist:
        policy = MentoringPolicy.for_program(match.round.program)
        return Agreement(
            match=match,
            goals=policy.agreement_goals,
            frequency=policy.agreement_frequency,
            confidentiality=policy.agreement_confidentiality,
            boundaries=policy.agreement_boundaries,
        )


def due_items(match: Match, user, today: date) -> list[DueItem]:
    """What ``user`` (one of the pair) has to do next for ``match``: the
    agreement while they have not confirmed it, then the check-ins and
    evaluations of their role that are open and unanswered, soonest closing
    first. Nothing for an ended match or for anyone outside the pair."""
    if match.status != MatchStatus.PUBLISHED:
        return []
    if user.pk == match.mentee.applicant_id:
        role = "mentee"
    elif user.pk == match.mentor.applicant_id:
        role = "mentor"
    else:
        return []
    items = []
    if getattr(agreement_of(match), f"{role}_confirmed_at") is None:
        url = reverse("mentoring:match", args=[match.pk]) + "#agreement"
        items.append(DueItem("Read and confirm your mentorship agreement", url, "agreement"))
    for due in questionnaires_due(match, user, today):
        items.append(DueItem(f"Answer {due.questionnaire.title}", due.url, "questionnaire", due.closes_on))
    return items


@dataclass
class MatchHome:
    access: MatchAccess
    agreement: Agreement
    meetings: list[Meeting]
    progress: Progress
    due: list[DueItem]
    profile: MentorProfile | None
    requests: list[SupportRequest] = field(default_factory=list)


def match_home(access: MatchAccess, today: date) -> MatchHome:
    """Everything the match's home shows ``access``'s viewer. Coordinators
    get the meetings without their notes (the column is not even loaded), and
    every request of the pair; each of the pair sees only their own requests."""
    match = access.match
    meetings = Meeting.objects.filter(match=match).select_related("logged_by")
    if not access.reads_notes:
        meetings = meetings.defer("note")
    requests = SupportRequest.objects.filter(match=match).select_related("asked_by")
    if access.role != COORDINATOR:
        requests = requests.filter(asked_by=access.user)
    # The mentor's profile (pronouns, headline) where the program has them.
    profile = (
        MentorProfile.objects.filter(application=match.mentor_id).first()
        if access.role in (MENTEE, COORDINATOR)
        else None
    )
    return MatchHome(
        access=access,
        agreement=agreement_of(match),
        meetings=list(meetings),
        progress=progress_for(match, today),
        due=due_items(match, access.user, today) if access.in_pair else [],
        profile=profile,
        requests=list(requests),
    )


@dataclass(frozen=True)
class MentorshipRow:
    """One row of "My mentorships"."""

    match: Match
    role: str
    other: object

    @property
    def is_current(self) -> bool:
        return self.match.status == MatchStatus.PUBLISHED


def mentorship_rows_for(user) -> list[MentorshipRow]:
    """``user``'s matches, published first then ended, newest first, in one query."""
    matches = (
        Match.objects.filter(status__in=[MatchStatus.PUBLISHED, MatchStatus.ENDED])
        .filter(Q(mentee__applicant=user) | Q(mentor__applicant=user))
        .select_related("round__program", "round__tier", "mentee__applicant", "mentor__applicant")
        .order_by("-status", "-published_at", "-id")
    )
    rows = []
    for match in matches:
        is_mentee = match.mentee.applicant_id == user.pk
        other = match.mentor.applicant if is_mentee else match.mentee.applicant
        rows.append(MentorshipRow(match=match, role="Mentee" if is_mentee else "Mentor", other=other))
    return rows
