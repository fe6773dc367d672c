"""The report's figures, read from the database in a fixed number of queries.

Every figure is aggregated in the database (``values`` + ``Count``/``Sum``) or
read as one list of small tuples that Python adds up (the waitlist's history,
the times from acceptance to match, the matches' dates). So the number of
queries does not grow with the program: ``reports/tests/test_views.py`` pins
it. The figures here are true counts; ``reports.report`` suppresses them
before anyone sees them.

Which rows a filter keeps (the README's "Program reports" says the same):
- tier: applications of that tier; matches whose mentee is of that tier;
- a program year: applications submitted after the previous year ended (the
  intake for this one) up to its end; matches active at some time in the
  year; its terms, meetings and questionnaires; rounds whose ranking closed
  in that intake;
- a term: the same with the term's dates (applications submitted in the term);
- no period: everything.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, Exists, F, IntegerField, Min, OuterRef, Q, Sum, Value, When
from django.http import Http404
from django.utils import timezone

from applications.models import Application, IdentityDimension, Role, StatusChange
from matching.models import Match, RankList
from mentoring.models import (
    ItemAnswer,
    Meeting,
    MentoringPolicy,
    ProgramYear,
    Questionnaire,
    QuestionnaireKind,
    Term,
)
from programs import access
from programs.models import Outcome, Program, Tier

WAITING_STATUSES = ("accepted", "waitlisted")
STAGES = ("not_accepted", "accepted", "matched")
# Days from acceptance to the first published match: (label, last day).
WAIT_BUCKETS = [
    ("0–7 days", 7),
    ("8–14 days", 14),
    ("15–30 days", 30),
    ("31–60 days", 60),
    ("61–90 days", 90),
    ("More than 90 days", None),
]
AGREEMENT_STATES = ("both", "one", "neither")


def program_for_report(user, program_id: int) -> Program:
    """The program if ``user`` may read its report: 404 when it does not
    exist, 403 when the user does not coordinate it (``programs.access``)."""
    try:
        program = Program.objects.get(pk=program_id)
    except Program.DoesNotExist:
        raise Http404("No such program.") from None
    if not access.user_coordinates(user, program):
        raise PermissionDenied
    return program


@dataclass(frozen=True)
class Scope:
    """What the report covers: the program, a tier or all, and a period
    (``lo``/``hi`` dates, inclusive, None for open ends) for the intake and
    for the year."""

    program: Program
    tier: Tier | None = None
    year: ProgramYear | None = None
    term: Term | None = None
    intake_from: datetime.date | None = None
    intake_to: datetime.date | None = None
    period_from: datetime.date | None = None
    period_to: datetime.date | None = None


def scope_for(program: Program, *, tier: Tier | None, year: ProgramYear | None, term: Term | None) -> Scope:
    if term is not None:
        return Scope(
            program, tier, term.year, term, term.starts_on, term.ends_on, term.starts_on, term.ends_on
        )
    if year is not None:
        previous = (
            ProgramYear.objects.filter(program=program, starts_on__lt=year.starts_on)
            .order_by("-starts_on")
            .values_list("ends_on", flat=True)
            .first()
        )
        intake_from = previous + datetime.timedelta(days=1) if previous else None
        return Scope(program, tier, year, None, intake_from, year.ends_on, year.starts_on, year.ends_on)
    return Scope(program, tier)


def _dates(field: str, lo, hi) -> Q:
    q = Q()
    if lo is not None:
        q &= Q(**{f"{field}__gte": lo})
    if hi is not None:
        q &= Q(**{f"{field}__lte": hi})
    return q


def applications_in(scope: Scope):
    queryset = Application.objects.filter(program=scope.program)
    if scope.tier is not None:
        queryset = queryset.filter(tier=scope.tier)
    return queryset.filter(_dates("submitted_at__date", scope.intake_from, scope.intake_to))


def _published(role_field: str):
    return Match.objects.filter(**{role_field: OuterRef("pk")}, published_at__isnull=False)


def stage_expression():
    """An application's furthest stage: matched (a published match, now or
    once), accepted (and never matched), or not accepted."""
    return Case(
        When(Q(role=Role.MENTEE) & Exists(_published("mentee")), then=Value("matched")),
        When(Q(role=Role.MENTOR) & Exists(_published("mentor")), then=Value("matched")),
        When(accepted_at__isnull=False, then=Value("accepted")),
        default=Value("not_accepted"),
    )


def matches_in(scope: Scope):
    """Published (or since ended) matches of the program that were active in
    the period."""
    queryset = Match.objects.filter(round__program=scope.program, published_at__isnull=False)
    if scope.tier is not None:
        queryset = queryset.filter(mentee__tier=scope.tier)
    if scope.period_to is not None:
        queryset = queryset.filter(published_at__date__lte=scope.period_to)
    if scope.period_from is not None:
        queryset = queryset.filter(Q(ended_at__isnull=True) | Q(ended_at__date__gte=scope.period_from))
    return queryset


def _active(published_at, ended_at, lo: datetime.date, hi: datetime.date) -> bool:
    return published_at.date() <= hi and (ended_at is None or ended_at.date() >= lo)


@dataclass
class Figures:
    """True counts, before suppression. Keys are codes (statuses, stages)."""

    by_role_status: Counter = field(default_factory=Counter)  # (role, status)
    by_role_stage: Counter = field(default_factory=Counter)  # (role, stage)
    waitlist_months: list[tuple[datetime.date, int]] = field(default_factory=list)
    wait_days: list[int] = field(default_factory=list)
    ranks: Counter = field(default_factory=Counter)  # rank (None: not on their list) -> matches
    ranked_unmatched: int = 0
    pairs: int = 0
    agreements: Counter = field(default_factory=Counter)  # both / one / neither
    minutes_per_term: int = 120
    terms: list[dict] = field(default_factory=list)
    questionnaires: list[dict] = field(default_factory=list)
    outcomes: list[dict] = field(default_factory=list)
    mentor_years: list[dict] = field(default_factory=list)
    identity: dict[str, list[tuple[str, Counter]]] | None = None


def funnel(scope: Scope, figures: Figures) -> None:
    apps = applications_in(scope)
    for row in apps.values("role", "status").annotate(n=Count("id")).order_by():
        figures.by_role_status[row["role"], row["status"]] += row["n"]
    for row in (
        apps.annotate(stage=stage_expression()).values("role", "stage").annotate(n=Count("id")).order_by()
    ):
        figures.by_role_stage[row["role"], row["stage"]] += row["n"]
    figures.waitlist_months = _waitlist_months(scope, apps)
    first_match = (
        apps.filter(role=Role.MENTEE, accepted_at__isnull=False)
        .annotate(first=Min("matches_as_mentee__published_at"))
        .filter(first__isnull=False)
        .values_list("accepted_at", "first")
    )
    figures.wait_days = [max((first - accepted).days, 0) for accepted, first in first_match]


def _month_ends(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    ends, year, month = [], first.year, first.month
    while True:
        nxt = datetime.date(year + month // 12, month % 12 + 1, 1)
        end = nxt - datetime.timedelta(days=1)
        ends.append(end)
        if end >= last:
            return ends
        year, month = nxt.year, nxt.month


def _waitlist_months(scope: Scope, apps) -> list[tuple[datetime.date, int]]:
    """How many mentees were waiting for a mentor (accepted or waitlisted, not
    yet matched: matching's waitlist) at the end of each month, replayed from
    the status history."""
    changes = list(
        StatusChange.objects.filter(application__in=apps.filter(role=Role.MENTEE).values("pk"))
        .order_by("changed_at", "id")
        .values_list("application_id", "to_status", "changed_at")
    )
    if not changes:
        return []
    today = timezone.localdate()
    first = timezone.localtime(changes[0][2]).date()
    last = min(today, scope.period_to) if scope.period_to else today
    if scope.period_from:
        first = max(first, scope.period_from)
    if last < first:
        return []
    status: dict[int, str] = {}
    waiting = 0
    months, k = [], 0
    for end in _month_ends(first, last):
        while k < len(changes) and timezone.localtime(changes[k][2]).date() <= end:
            app_id, to_status, _ = changes[k]
            waiting -= status.get(app_id) in WAITING_STATUSES
            waiting += to_status in WAITING_STATUSES
            status[app_id] = to_status
            k += 1
        months.append((end, waiting))
    return months


def matching(scope: Scope, figures: Figures) -> None:
    """Rank lists: the rank each matched mentee gave their mentor, and the
    mentees who ranked but were not matched, in rounds with rank lists."""
    rounds = Q(round__program=scope.program, round__ranking_opens_at__isnull=False) & _dates(
        "round__ranking_closes_at__date", scope.intake_from, scope.intake_to
    )
    matches = Match.objects.filter(rounds, published_at__isnull=False)
    lists = RankList.objects.filter(rounds, owner__role=Role.MENTEE, entries__isnull=False)
    if scope.tier is not None:
        matches = matches.filter(mentee__tier=scope.tier)
        lists = lists.filter(owner__tier=scope.tier)
    for row in matches.values("mentee_rank").annotate(n=Count("id")).order_by():
        figures.ranks[row["mentee_rank"]] += row["n"]
    matched_in_round = Match.objects.filter(
        round=OuterRef("round"), mentee=OuterRef("owner"), published_at__isnull=False
    )
    figures.ranked_unmatched = lists.exclude(Exists(matched_in_round)).values("pk").distinct().count()


def year(scope: Scope, figures: Figures) -> None:
    matches = matches_in(scope)
    rows = list(matches.values_list("pk", "published_at", "ended_at"))
    figures.pairs = len(rows)
    state = Case(
        When(
            agreement__mentee_confirmed_at__isnull=False,
            agreement__mentor_confirmed_at__isnull=False,
            then=Value("both"),
        ),
        When(
            Q(agreement__mentee_confirmed_at__isnull=False) | Q(agreement__mentor_confirmed_at__isnull=False),
            then=Value("one"),
        ),
        default=Value("neither"),
    )
    for row in matches.annotate(state=state).values("state").annotate(n=Count("id")).order_by():
        figures.agreements[row["state"]] += row["n"]
    figures.minutes_per_term = MentoringPolicy.for_program(scope.program).minutes_per_term
    _terms(scope, figures, matches, rows)
    _questionnaires(scope, figures, matches, rows)


def terms_in(scope: Scope):
    terms = Term.objects.filter(year__program=scope.program).select_related("year")
    if scope.term is not None:
        return terms.filter(pk=scope.term.pk)
    if scope.year is not None:
        return terms.filter(year=scope.year)
    return terms.order_by("starts_on")


def _terms(scope: Scope, figures: Figures, matches, rows) -> None:
    terms = list(terms_in(scope).order_by("starts_on"))
    if not terms:
        return
    which = Case(
        *(When(met_on__gte=t.starts_on, met_on__lte=t.ends_on, then=Value(t.pk)) for t in terms),
        default=Value(None),
        output_field=IntegerField(),
    )
    per_pair = (
        Meeting.objects.filter(match__in=matches.values("pk"))
        .annotate(term=which)
        .filter(term__isnull=False)
        .values("term", "match")
        .annotate(minutes=Sum("minutes"), n=Count("id"))
        .order_by()
    )
    minutes: dict[tuple[int, int], int] = {}
    meetings, total_minutes = Counter(), Counter()
    for row in per_pair:
        minutes[row["term"], row["match"]] = row["minutes"]
        meetings[row["term"]] += row["n"]
        total_minutes[row["term"]] += row["minutes"]
    rule = figures.minutes_per_term
    for t in terms:
        active = [pk for pk, published, ended in rows if _active(published, ended, t.starts_on, t.ends_on)]
        met = sum(1 for pk in active if minutes.get((t.pk, pk), 0) >= rule)
        figures.terms.append(
            {
                "term": t,
                "met": met,
                "below": len(active) - met,
                "meetings": meetings[t.pk],
                "minutes": total_minutes[t.pk],
            }
        )


def questionnaires_in(scope: Scope):
    questionnaires = Questionnaire.objects.filter(year__program=scope.program)
    if scope.term is not None:
        return questionnaires.filter(
            Q(term=scope.term)
            | Q(term__isnull=True, opens_on__gte=scope.term.starts_on, opens_on__lte=scope.term.ends_on)
        )
    if scope.year is not None:
        return questionnaires.filter(year=scope.year)
    return questionnaires


def _questionnaires(scope: Scope, figures: Figures, matches, rows) -> None:
    """Completion: the pairs active while each questionnaire was open were
    expected to answer; those of them who did answered."""
    open_while = (
        Q(responses__match__in=matches.values("pk"))
        & Q(responses__match__published_at__date__lte=F("closes_on"))
        & (
            Q(responses__match__ended_at__isnull=True)
            | Q(responses__match__ended_at__date__gte=F("opens_on"))
        )
    )
    listed = (
        questionnaires_in(scope)
        .annotate(answered=Count("responses", filter=open_while))
        .order_by("opens_on", "role", "id")
    )
    for q in listed:
        expected = sum(
            1 for _, published, ended in rows if _active(published, ended, q.opens_on, q.closes_on)
        )
        figures.questionnaires.append(
            {
                "title": q.title,
                "kind": q.get_kind_display(),
                "role": q.role,
                "answered": q.answered,
                "not_answered": max(expected - q.answered, 0),
            }
        )


def outcomes(scope: Scope, figures: Figures) -> None:
    """Answers to the outcome items at the midpoint and at closing."""
    answers = (
        ItemAnswer.objects.filter(
            item__outcome__isnull=False,
            likert__isnull=False,
            item__questionnaire__kind__in=[QuestionnaireKind.MIDPOINT, QuestionnaireKind.CLOSING],
            item__questionnaire__in=questionnaires_in(scope).values("pk"),
            response__match__in=matches_in(scope).values("pk"),
        )
        .values("item__outcome", "item__questionnaire__role", "item__questionnaire__kind", "likert")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[tuple, Counter] = defaultdict(Counter)
    for row in answers:
        key = (row["item__outcome"], row["item__questionnaire__role"], row["item__questionnaire__kind"])
        counts[key][row["likert"]] += row["n"]
    for outcome in Outcome.objects.filter(program=scope.program).order_by("order", "id"):
        rows = [
            (role, kind, counts[outcome.pk, role, kind])
            for role in (Role.MENTEE, Role.MENTOR)
            for kind in (QuestionnaireKind.MIDPOINT, QuestionnaireKind.CLOSING)
        ]
        figures.outcomes.append({"outcome": outcome, "rows": rows})


def mentors(scope: Scope, figures: Figures) -> None:
    """Mentors (people, not applications) with a match active in each program
    year, and how many of them had one in the next year too."""
    years = list(ProgramYear.objects.filter(program=scope.program).order_by("starts_on"))
    matches = Match.objects.filter(round__program=scope.program, published_at__isnull=False)
    if scope.tier is not None:
        matches = matches.filter(mentee__tier=scope.tier)
    rows = list(matches.values_list("mentor__applicant_id", "published_at", "ended_at"))
    people = [
        {person for person, published, ended in rows if _active(published, ended, y.starts_on, y.ends_on)}
        for y in years
    ]
    for k in range(len(years) - 1):
        if scope.year is not None and scope.year.pk not in (years[k].pk, years[k + 1].pk):
            continue
        figures.mentor_years.append(
            {
                "from": years[k],
                "to": years[k + 1],
                "returned": len(people[k] & people[k + 1]),
                "left": len(people[k] - people[k + 1]),
            }
        )


def identity(scope: Scope, figures: Figures) -> None:
    """Self-identification of people who consented to be counted in reports, by dimension and stage, per role. A
    person may choose several dimensions, so rows overlap and have no total."""
    dimensions = list(IdentityDimension.objects.filter(program=scope.program).order_by("order", "id"))
    rows = (
        applications_in(scope)
        .filter(identity__consent_to_reporting=True, identity__dimensions__isnull=False)
        .annotate(stage=stage_expression())
        .values("role", "identity__dimensions", "stage")
        .annotate(n=Count("id", distinct=True))
        .order_by()
    )
    counts: dict[tuple, Counter] = defaultdict(Counter)
    for row in rows:
        counts[row["role"], row["identity__dimensions"]][row["stage"]] += row["n"]
    figures.identity = {
        role: [(d.label, counts[role, d.pk]) for d in dimensions] for role in (Role.MENTEE, Role.MENTOR)
    }


def report_figures(scope: Scope, *, show_identity: bool) -> Figures:
    figures = Figures()
    funnel(scope, figures)
    matching(scope, figures)
    year(scope, figures)
    outcomes(scope, figures)
    mentors(scope, figures)
    if show_identity:
        identity(scope, figures)
    return figures
