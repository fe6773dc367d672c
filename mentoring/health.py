"""How published matches are doing: the last contact, the time met this term
against the program's rule, the agreement, evaluations and requests for help.

One reading for three readers: the match-health list in the admin, its Excel
export and the coordinators' weekly digest. ``match_states`` reads any number
of matches in a fixed number of queries (five), so the pages built on it stay
as fast with a thousand pairs as with ten.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, DateField, Exists, Max, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from applications.models import Role
from matching.models import Match, MatchStatus

from .models import (
    MentoringPolicy,
    Questionnaire,
    QuestionnaireKind,
    QuestionnaireResponse,
    SupportRequest,
    Term,
)

EVALUATION_KINDS = (QuestionnaireKind.MIDPOINT, QuestionnaireKind.CLOSING)
# A pair is not called behind until this share of the term has passed: on
# the term's first days everyone is "behind" a pro-rata share of two hours.
BEHIND_AFTER_SHARE = 0.25


class Agreement:
    CONFIRMED = "confirmed"
    PARTLY = "partly"
    NOT = "not"

    LABELS = {CONFIRMED: "Confirmed by both", PARTLY: "Confirmed by one", NOT: "Not confirmed"}


@dataclass
class MatchState:
    match: Match
    policy: MentoringPolicy
    today: datetime.date
    last_met: datetime.date | None
    term: Term | None
    minutes_this_term: int
    expected_minutes: int
    behind: bool
    agreement: str
    help_open: bool
    evaluations_done: list[Questionnaire] = field(default_factory=list)
    evaluations_overdue: list[Questionnaire] = field(default_factory=list)
    evaluations_open: list[Questionnaire] = field(default_factory=list)

    @property
    def published_on(self) -> datetime.date:
        return timezone.localdate(self.match.published_at)

    @property
    def days_since_contact(self) -> int:
        return (self.today - (self.last_met or self.published_on)).days

    @property
    def no_contact(self) -> bool:
        """No meeting since the introduction past the intro reminder's days,
        or none for the quiet reminder's days."""
        if self.last_met is None and self.days_since_contact >= self.policy.intro_reminder_days:
            return True
        return self.days_since_contact >= self.policy.quiet_reminder_days

    @property
    def evaluation_status(self) -> str:
        if self.evaluations_overdue:
            return "overdue"
        if self.evaluations_done and not self.evaluations_open:
            return "done"
        return "none due" if not self.evaluations_open else "open"

    def reasons(self) -> list[str]:
        """Why the match needs a coordinator's attention (empty: it does not)."""
        reasons = []
        if self.no_contact:
            reasons.append(
                "No meeting logged since the introduction"
                if self.last_met is None
                else f"No meeting for {self.days_since_contact} days"
            )
        if self.behind:
            reasons.append(
                f"Behind on time this term: {self.minutes_this_term} of {self.expected_minutes} minutes so far"
            )
        if self.help_open:
            reasons.append("Asked for help")
        for questionnaire in self.evaluations_overdue:
            reasons.append(f"Overdue: {questionnaire}")
        return reasons


def match_link(match: Match) -> str:
    """The match's page: the pair's home, which the program's coordinators open too."""
    return reverse("mentoring:match", args=[match.pk])


def expected_minutes(*, policy: MentoringPolicy, term: Term, published_on: datetime.date, today) -> tuple:
    """(minutes expected by ``today``, share of the term gone): the term's
    rule pro rata of the days the pair has had in the term so far."""
    start = max(term.starts_on, published_on)
    length = (term.ends_on - term.starts_on).days + 1
    elapsed = max((min(today, term.ends_on) - start).days + 1, 0)
    share = elapsed / length
    return int(policy.minutes_per_term * share), share


def current_terms(today: datetime.date) -> dict[int, Term]:
    """Each program's term running ``today`` (all programs: a short table)."""
    terms = Term.objects.filter(starts_on__lte=today, ends_on__gte=today).select_related("year")
    found: dict[int, Term] = {}
    for term in terms.order_by("starts_on"):
        found.setdefault(term.year.program_id, term)
    return found


def policies(program_ids) -> dict[int, MentoringPolicy]:
    return {p.program_id: p for p in MentoringPolicy.objects.filter(program_id__in=program_ids)}


def with_health(queryset: QuerySet, terms: dict[int, Term]) -> QuerySet:
    """``queryset`` of matches annotated with ``last_met``, ``term_minutes``
    (the minutes met in its program's current term) and ``help_open``."""
    term_start = Case(
        *(When(round__program_id=pid, then=Value(t.starts_on)) for pid, t in terms.items()),
        default=Value(None),
        output_field=DateField(),
    )
    term_end = Case(
        *(When(round__program_id=pid, then=Value(t.ends_on)) for pid, t in terms.items()),
        default=Value(None),
        output_field=DateField(),
    )
    return queryset.annotate(
        last_met=Max("meetings__met_on"),
        term_minutes=Coalesce(
            Sum(
                "meetings__minutes",
                filter=Q(meetings__met_on__gte=term_start, meetings__met_on__lte=term_end),
            ),
            0,
        ),
        help_open=Exists(SupportRequest.objects.filter(match=OuterRef("pk"), resolved_at__isnull=True)),
    )


def health_queryset(queryset: QuerySet, today: datetime.date) -> QuerySet:
    """Published matches of ``queryset`` with their joins and health annotations."""
    return with_health(
        queryset.filter(status=MatchStatus.PUBLISHED).select_related(
            "round__program", "round__tier", "mentee__applicant", "mentor__applicant", "agreement"
        ),
        current_terms(today),
    )


def _agreement_state(match: Match) -> str:
    agreement = getattr(match, "agreement", None)
    if agreement is None:
        return Agreement.NOT
    confirmed = sum(1 for at in (agreement.mentee_confirmed_at, agreement.mentor_confirmed_at) if at)
    return (Agreement.NOT, Agreement.PARTLY, Agreement.CONFIRMED)[confirmed]


def agreement_q(state: str) -> Q:
    """The filter for an agreement state, in SQL."""
    mentee, mentor = (
        Q(agreement__mentee_confirmed_at__isnull=False),
        Q(agreement__mentor_confirmed_at__isnull=False),
    )
    if state == Agreement.CONFIRMED:
        return mentee & mentor
    if state == Agreement.PARTLY:
        return (mentee & ~mentor) | (mentor & ~mentee)
    return ~mentee & ~mentor


def match_states(matches, today: datetime.date | None = None) -> dict[int, MatchState]:
    """The state of each match of ``matches`` (matches from ``with_health``
    with ``round__program`` and ``agreement`` selected). Four queries, plus
    the one that loads ``matches`` if it is a queryset."""
    today = today or timezone.localdate()
    matches = list(matches)
    program_ids = {m.round.program_id for m in matches}
    terms = current_terms(today)
    rules = policies(program_ids)
    evaluations: dict[int, list[Questionnaire]] = {}
    for q in Questionnaire.objects.filter(
        year__program_id__in=program_ids, kind__in=EVALUATION_KINDS, opens_on__lte=today
    ).select_related("year"):
        evaluations.setdefault(q.year.program_id, []).append(q)
    answered = set(
        QuestionnaireResponse.objects.filter(match__in=[m.pk for m in matches]).values_list(
            "questionnaire_id", "match_id"
        )
    )
    states = {}
    for match in matches:
        pid = match.round.program_id
        policy = rules.get(pid) or MentoringPolicy(program_id=pid)
        state = _state(match, policy, terms.get(pid), today)
        _sort_evaluations(state, evaluations.get(pid, []), answered)
        states[match.pk] = state
    return states


def _state(match: Match, policy: MentoringPolicy, term: Term | None, today) -> MatchState:
    published_on = timezone.localdate(match.published_at) if match.published_at else today
    expected, share = (0, 0.0)
    if term is not None:
        expected, share = expected_minutes(policy=policy, term=term, published_on=published_on, today=today)
    minutes = getattr(match, "term_minutes", 0) or 0
    return MatchState(
        match=match,
        policy=policy,
        today=today,
        last_met=getattr(match, "last_met", None),
        term=term,
        minutes_this_term=minutes,
        expected_minutes=expected,
        behind=term is not None and share >= BEHIND_AFTER_SHARE and minutes < expected,
        agreement=_agreement_state(match),
        help_open=bool(getattr(match, "help_open", False)),
    )


def _sort_evaluations(state: MatchState, evaluations: list[Questionnaire], answered: set) -> None:
    match = state.match
    for q in evaluations:
        if q.closes_on < state.published_on or q.role not in (Role.MENTEE, Role.MENTOR):
            continue
        if (q.pk, match.pk) in answered:
            state.evaluations_done.append(q)
        elif q.closes_on < state.today:
            state.evaluations_overdue.append(q)
        else:
            state.evaluations_open.append(q)


def attach_states(matches, today: datetime.date | None = None) -> list[Match]:
    """``matches`` with ``.health`` set on each (for the admin's list)."""
    matches = list(matches)
    states = match_states(matches, today)
    for match in matches:
        match.health = states[match.pk]
    return matches
