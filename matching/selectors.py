"""Reads for matching: the board, the waitlist, scoring input and "My mentorships".

Everything here runs in a fixed number of queries however big the round is;
``board_for`` lists them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, Availability, HospitalSite, MeetingFormat, Role, Status
from programs import access
from programs.models import LearnerType, Program, Tier

from . import engine, scoring
from .models import (
    ChoicePolicy,
    Exclusion,
    Match,
    MatchingWeights,
    MatchSource,
    MatchStatus,
    MentorParticipation,
    MentorProfile,
    MentorRequest,
    MentorVerdict,
    RankEntry,
    RankList,
    RequestStatus,
    Round,
    RoundStatus,
)

WAITLIST_STATUSES = [Status.ACCEPTED, Status.WAITLISTED]
MENTOR_STATUSES = [Status.ACCEPTED, Status.MATCHED]
SUGGESTIONS_PER_MENTEE = 3
OFFERS = 3
AVAILABILITY_LABELS = dict(Availability.choices)
SITE_LABELS = dict(HospitalSite.choices)


# --- Access ------------------------------------------------------------------


def round_for_coordinator(user, round_id: int) -> Round:
    """The round if ``user`` coordinates its program (or runs the site);
    404 when it does not exist, 403 when the user may not see it."""
    try:
        round_ = Round.objects.select_related("program", "tier").get(pk=round_id)
    except Round.DoesNotExist:
        raise Http404("No such round.") from None
    if not access.user_coordinates(user, round_.program):
        raise PermissionDenied
    return round_


# --- Scoring input -------------------------------------------------------------


def weights_for(program: Program) -> scoring.Weights:
    row = MatchingWeights.objects.filter(program=program).first()
    if row is None:
        return scoring.Weights()
    return scoring.Weights(
        specialty=row.specialty,
        outcomes=row.outcomes,
        identity=row.identity,
        site=row.site,
        meeting_format=row.meeting_format,
        availability=row.availability,
    )


def tier_rules_for(program: Program) -> dict[int, scoring.TierRule]:
    codes = LearnerType.objects.only("code")
    tiers = Tier.objects.filter(program=program).prefetch_related(
        Prefetch("mentee_learner_types", queryset=codes), Prefetch("mentor_learner_types", queryset=codes)
    )
    return {
        tier.pk: scoring.TierRule(
            mentee_types=frozenset(t.code for t in tier.mentee_learner_types.all()),
            mentor_types=frozenset(t.code for t in tier.mentor_learner_types.all()),
        )
        for tier in tiers
    }


def blocked_pairs(program: Program) -> set[tuple[int, int]]:
    """Pairs a coordinator excluded, and pairs that ended or were declined before."""
    blocked = set(Exclusion.objects.filter(program=program).values_list("mentee_id", "mentor_id"))
    blocked |= set(
        Match.objects.filter(
            round__program=program, status__in=[MatchStatus.ENDED, MatchStatus.DECLINED]
        ).values_list("mentee_id", "mentor_id")
    )
    return blocked


def ended_pairs(program: Program) -> set[tuple[int, int]]:
    """Pairs that ended before (a hard rule even for a coordinator's own pick)."""
    return set(
        Match.objects.filter(round__program=program, status=MatchStatus.ENDED).values_list(
            "mentee_id", "mentor_id"
        )
    )


def with_matching_data(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("applicant", "learner_type", "tier", "identity").prefetch_related(
        "specialties", "outcomes", "identity__dimensions"
    )


def _published_matches():
    return Match.objects.filter(status=MatchStatus.PUBLISHED)


def _in_scope(queryset: QuerySet, program: Program, tier: Tier | None, *, mentors: bool) -> QuerySet:
    queryset = queryset.filter(program=program)
    if tier is not None:
        # Mentors who applied without a tier may mentor in any tier they are eligible for.
        queryset = (
            queryset.filter(Q(tier=tier) | Q(tier__isnull=True)) if mentors else queryset.filter(tier=tier)
        )
    return queryset


def waitlist(program: Program, tier: Tier | None = None) -> QuerySet:
    """Accepted (or waitlisted) mentees without a published match, in the
    program's order: a coordinator's placing first, then time of acceptance."""
    queryset = Application.objects.filter(role=Role.MENTEE, status__in=WAITLIST_STATUSES).exclude(
        Exists(_published_matches().filter(mentee=OuterRef("pk")))
    )
    return _in_scope(queryset, program, tier, mentors=False).order_by(
        F("waitlist_rank").asc(nulls_last=True),
        F("accepted_at").asc(nulls_last=True),
        "status_changed_at",
        "id",
    )


def mentors_in_scope(program: Program, tier: Tier | None = None) -> QuerySet:
    """Accepted or matched mentors, each with ``used``: their published matches."""
    queryset = Application.objects.filter(role=Role.MENTOR, status__in=MENTOR_STATUSES).annotate(
        used=Count("matches_as_mentor", filter=Q(matches_as_mentor__status=MatchStatus.PUBLISHED))
    )
    return _in_scope(queryset, program, tier, mentors=True).order_by("id")


def person(application: Application, *, used: int = 0) -> scoring.Person:
    """The scoring record of an application loaded with ``with_matching_data``."""
    disclosure = getattr(application, "identity", None)
    identity = (
        frozenset(d.pk for d in disclosure.dimensions.all() if not d.is_prefer_not)
        if disclosure is not None
        else frozenset()
    )
    return scoring.Person(
        id=application.pk,
        user_id=application.applicant_id,
        name=str(application.applicant),
        tier_id=application.tier_id,
        learner_type=application.learner_type.code,
        specialties=frozenset(s.name for s in application.specialties.all()),
        outcomes={o.pk: o.text for o in application.outcomes.all()},
        meeting_format=application.meeting_format,
        availability=frozenset(application.availability or []),
        availability_labels=AVAILABILITY_LABELS,
        hospital_site=application.hospital_site,
        hospital_site_label=SITE_LABELS.get(application.hospital_site, ""),
        identity=identity,
        consents_to_matching=bool(disclosure and disclosure.consent_to_matching),
        wants_shared_identity=bool(disclosure and disclosure.wants_shared_identity),
        capacity=max((application.capacity or 0) - used, 0),
    )


@dataclass
class Pool:
    """Who can be matched in a round's scope, and every allowed pair."""

    mentees: list[Application]
    mentors: list[Application]
    people: dict[int, scoring.Person]
    pairs: dict[tuple[int, int], scoring.Suggestion]
    tier_rules: dict[int, scoring.TierRule]
    blocked: set[tuple[int, int]]
    weights: scoring.Weights

    @property
    def capacities(self) -> dict[int, int]:
        return {m.pk: self.people[m.pk].capacity for m in self.mentors}


def pool_for(round_: Round) -> Pool:
    """The waitlisted mentees, the mentors and every allowed pair of a round.

    Queries: weights; tiers and their two learner-type lists (3); mentees and
    their specialties, outcomes and identity dimensions (4); mentors likewise
    (4); exclusions; earlier ended or declined matches.
    """
    program, tier = round_.program, round_.tier
    weights = weights_for(program)
    tier_rules = tier_rules_for(program)
    mentees = list(with_matching_data(waitlist(program, tier)))
    mentors = list(with_matching_data(mentors_in_scope(program, tier)))
    people = {a.pk: person(a) for a in mentees}
    people.update({a.pk: person(a, used=a.used) for a in mentors})
    blocked = blocked_pairs(program)
    pairs = scoring.suggestions(
        [people[a.pk] for a in mentees],
        [people[a.pk] for a in mentors],
        weights,
        tier_rules=tier_rules,
        blocked=blocked,
    )
    return Pool(mentees, mentors, people, pairs, tier_rules, blocked, weights)


# --- Rank lists (participant choice) ---------------------------------------------


def choices_for(round_: Round, *, owners: list[int] | None = None) -> scoring.Choices:
    """The round's rank lists and verdicts, with the program's N and mentor
    mode. Queries: the program's policy; the rank entries; the verdicts (VERDICT
    mode only). ``owners`` narrows the lists to those people's."""
    policy = ChoicePolicy.for_program(round_.program)
    entries = RankEntry.objects.filter(rank_list__round=round_)
    if owners is not None:
        entries = entries.filter(rank_list__owner_id__in=owners)
    mentee_lists: dict[int, list[int]] = {}
    mentor_lists: dict[int, list[int]] = {}
    rows = entries.order_by("rank_list_id", "position", "id").values_list(
        "rank_list__owner_id", "rank_list__owner__role", "candidate_id"
    )
    for owner_id, role, candidate_id in rows:
        lists = mentee_lists if role == Role.MENTEE else mentor_lists
        lists.setdefault(owner_id, []).append(candidate_id)
    verdicts = {}
    if policy.mentor_participation == MentorParticipation.VERDICT:
        found = MentorVerdict.objects.filter(round=round_)
        if owners is not None:
            found = found.filter(mentee_id__in=owners, mentor_id__in=owners)
        verdicts = {(e, m): v for e, m, v in found.values_list("mentee_id", "mentor_id", "verdict")}
    return scoring.Choices(
        max_ranks=policy.max_ranks,
        mentor_mode=policy.mentor_participation,
        mentee_lists=mentee_lists,
        mentor_lists=mentor_lists if policy.mentor_participation == MentorParticipation.RANK else {},
        verdicts=verdicts,
    )


def ranks_usable(round_: Round, now) -> bool:
    """Whether the round's rank lists may be used: it has a window, and the
    window has closed (lists change until then)."""
    return round_.has_ranking and now >= round_.ranking_closes_at


def pair_ranks(round_: Round, mentee_id: int, mentor_id: int) -> tuple[int | None, int | None]:
    """The rank each side gave the other in this round (None: not ranked,
    or a round without rank lists)."""
    if not round_.has_ranking:
        return None, None
    choices = choices_for(round_, owners=[mentee_id, mentor_id])
    return choices.mentee_rank(mentee_id, mentor_id), choices.mentor_rank(mentee_id, mentor_id)


def round_plan(
    pool: Pool, *, mode: str, choices: scoring.Choices | None, optimal_on_ranks: bool = False
) -> dict[int, int | None]:
    """What the engine proposes for the pool (mentee id → mentor id or None),
    writing nothing. With ``choices`` stable matching runs on the rank lists
    (``scoring.ranked_preferences``) and, with ``optimal_on_ranks``, optimal
    matching minimises the ranks (``scoring.rank_values``); otherwise both
    run on the scores as in a round without rank lists."""
    mentee_order = [a.pk for a in pool.mentees]
    mentor_order = [a.pk for a in pool.mentors]
    capacities = pool.capacities
    if choices is None:
        if mode == MatchSource.STABLE:
            prefs = scoring.preferences(pool.pairs, mentee_order=mentee_order, mentor_order=mentor_order)
            return engine.stable_match(*prefs, capacities)
        return engine.optimal_match({key: s.score for key, s in pool.pairs.items()}, capacities)
    prefs = scoring.ranked_preferences(
        pool.pairs,
        mentee_order=mentee_order,
        mentor_order=mentor_order,
        capacities=capacities,
        choices=choices,
    )
    if mode == MatchSource.STABLE:
        return engine.stable_match(*prefs, capacities)
    if optimal_on_ranks:
        return engine.optimal_match(scoring.rank_values(pool.pairs, *prefs, choices), capacities)
    return engine.optimal_match({key: s.score for key, s in pool.pairs.items()}, capacities)


def _ranked(choices: scoring.Choices) -> set[int]:
    return {pk for pk, ranked in choices.mentee_lists.items() if ranked}


def plan_summary(pool: Pool, result: dict[int, int | None], choices: scoring.Choices) -> scoring.RankSummary:
    matched = {e: choices.mentee_rank(e, m) for e, m in result.items() if m is not None}
    # One row per place on the longest list, so that two plans' rows line up.
    top = max([choices.max_ranks, *(len(ranked) for ranked in choices.mentee_lists.values())])
    return scoring.rank_summary(
        mentees=[a.pk for a in pool.mentees], matched=matched, ranked=_ranked(choices), max_ranks=top
    )


@dataclass
class Comparison:
    """Stable and optimal matching on the same rank lists, side by side (a preview: nothing saved)."""

    stable: scoring.RankSummary
    optimal: scoring.RankSummary
    differences: list[dict]

    @property
    def lines(self) -> list[tuple[str, int, int]]:
        return [
            (label, a, b) for (label, a), (_, b) in zip(self.stable.rows(), self.optimal.rows(), strict=True)
        ]


def round_comparison(
    round_: Round, *, pool: Pool | None = None, choices: scoring.Choices | None = None
) -> Comparison:
    """Run both engines on the round's lists without saving either. Queries:
    those of ``pool_for`` and ``choices_for`` (none when both are given)."""
    pool = pool or pool_for(round_)
    choices = choices or choices_for(round_)
    stable = round_plan(pool, mode=MatchSource.STABLE, choices=choices)
    optimal = round_plan(pool, mode=MatchSource.OPTIMAL, choices=choices, optimal_on_ranks=True)
    mentors = {a.pk: a for a in pool.mentors}

    def side(mentee_id: int, mentor_id: int | None) -> dict | None:
        if mentor_id is None:
            return None
        pair = Match(
            mentee_id=mentee_id,
            mentor_id=mentor_id,
            mentee_rank=choices.mentee_rank(mentee_id, mentor_id),
            mentor_rank=choices.mentor_rank(mentee_id, mentor_id),
        )
        return {"mentor": mentors[mentor_id], "text": choice_text(pair, choices)}

    differences = [
        {"mentee": a, "sides": [side(a.pk, stable.get(a.pk)), side(a.pk, optimal.get(a.pk))]}
        for a in pool.mentees
        if stable.get(a.pk) != optimal.get(a.pk)
    ]
    return Comparison(
        stable=plan_summary(pool, stable, choices),
        optimal=plan_summary(pool, optimal, choices),
        differences=differences,
    )


def round_rank_summary(
    matches: list[Match], waiting: list[int], choices: scoring.Choices
) -> scoring.RankSummary:
    """The round's summary from its proposed and published matches and the
    mentees still waiting. Ranks come from the lists, so a pair added by hand
    counts like one the engine proposed."""
    matched = {m.mentee_id: choices.mentee_rank(m.mentee_id, m.mentor_id) for m in matches}
    return scoring.rank_summary(
        mentees=waiting, matched=matched, ranked=_ranked(choices), max_ranks=choices.max_ranks
    )


def round_summary_for_export(round_: Round) -> scoring.RankSummary | None:
    """The summary for the round's Excel export (None for a round without rank lists)."""
    if not round_.has_ranking:
        return None
    matches = list(
        Match.objects.filter(round=round_, status__in=[MatchStatus.PROPOSED, MatchStatus.PUBLISHED]).only(
            "mentee_id", "mentor_id"
        )
    )
    waiting = list(waitlist(round_.program, round_.tier).values_list("pk", flat=True))
    return round_rank_summary(matches, waiting, choices_for(round_))


# --- The board -------------------------------------------------------------------


@dataclass
class MentorRow:
    application: Application
    capacity: int
    used: int
    proposed: int

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.used, 0)

    @property
    def remaining_after(self) -> int:
        return self.capacity - self.used - self.proposed

    @property
    def over_capacity(self) -> bool:
        return self.remaining_after < 0


@dataclass
class MenteeRow:
    application: Application
    position: int
    proposal: Match | None
    suggestions: list[dict] = field(default_factory=list)


@dataclass
class Ranking:
    """What the board shows of a round's rank lists."""

    choices: scoring.Choices
    usable: bool  # the window has closed
    summary: scoring.RankSummary
    has_pairs: bool  # proposed or published: until then the summary only counts lists
    comparison: Comparison | None = None


@dataclass
class Board:
    round: Round
    show_identity: bool
    waitlist: list[MenteeRow]
    mentors: list[MentorRow]
    proposals: list[Match]
    published: list[Match]
    mentor_choices: list[MentorRow]
    specialties: list[str]
    ranking: Ranking | None = None

    @property
    def unproposed(self) -> list[MenteeRow]:
        return [row for row in self.waitlist if row.proposal is None]

    @property
    def offers(self) -> list[MenteeRow]:
        """The first waitlisted mentees a mentor with a place can take."""
        return [row for row in self.unproposed if row.suggestions][:OFFERS]


def _visible(reasons: tuple[scoring.Reason, ...], show_identity: bool) -> list[str]:
    return [r.text for r in reasons if show_identity or not r.identity]


def choice_text(match: Match, choices: scoring.Choices) -> str:
    """The rank each side gave the other, in words: "mentee's 1st choice ·
    mentor's 2nd" (the ranks stored when the pair was proposed)."""
    mentee = (
        f"mentee's {scoring.ordinal(match.mentee_rank)} choice"
        if match.mentee_rank
        else "not on the mentee's list"
    )
    if choices.mentor_mode == scoring.RANK:
        mentor = (
            f"mentor's {scoring.ordinal(match.mentor_rank)}"
            if match.mentor_rank
            else "not on the mentor's list"
        )
    elif choices.mentor_mode == scoring.VERDICT:
        verdict = choices.verdicts.get((match.mentee_id, match.mentor_id), "")
        mentor = {"happy": "mentor: happy to mentor", "rather_not": "mentor: rather not"}.get(
            verdict, "mentor: not marked"
        )
    else:
        return mentee
    return f"{mentee} · {mentor}"


def _ranking_for(round_: Round, pool: Pool, matches: list[Match], *, compare: bool, now) -> Ranking:
    choices = choices_for(round_)
    for match in matches:
        match.choice_text = choice_text(match, choices)
    usable = ranks_usable(round_, now)
    paired = [m for m in matches if m.status in (MatchStatus.PROPOSED, MatchStatus.PUBLISHED)]
    summary = round_rank_summary(paired, [a.pk for a in pool.mentees], choices)
    comparison = None
    if compare and usable and round_.is_draft:
        comparison = round_comparison(round_, pool=pool, choices=choices)
    return Ranking(
        choices=choices, usable=usable, summary=summary, has_pairs=bool(paired), comparison=comparison
    )


def board_for(
    round_: Round, *, user, q: str = "", specialty: str = "", compare: bool = False, now=None
) -> Board:
    """Everything the matching board shows, in a fixed number of queries:
    those of ``pool_for`` (14), whether the user coordinates the program (1)
    and the round's proposed and published matches (1); for a round with a
    ranking window, those of ``choices_for`` (2, or 3 when mentors mark
    mentees). ``compare`` adds the preview of stable against optimal
    matching on the rank lists (no query: it reuses the pool).

    Suggestions, offers and the mentors to pick by hand count the draft:
    only mentors with a place left after this round's proposals appear, and
    a mentee with a proposed mentor gets no suggestions of their own."""
    pool = pool_for(round_)
    show_identity = access.user_sees_identity(user, round_.program)
    matches = list(
        Match.objects.filter(round=round_, status__in=[MatchStatus.PROPOSED, MatchStatus.PUBLISHED])
        .select_related("mentee__applicant", "mentor__applicant")
        .order_by("-score", "id")
    )
    for match in matches:
        match.visible_reasons = match.reasons_for(show_identity=show_identity)
        match.visible_score = match.score_for(show_identity=show_identity)
    # Best first by the score the viewer sees: an order by the whole score
    # would give the hidden identity part away.
    matches.sort(key=lambda m: (-m.visible_score, m.pk))
    proposals = [m for m in matches if m.status == MatchStatus.PROPOSED]
    published = [m for m in matches if m.status == MatchStatus.PUBLISHED]
    proposal_by_mentee = {m.mentee_id: m for m in proposals}
    proposed_count: dict[int, int] = {}
    for match in proposals:
        proposed_count[match.mentor_id] = proposed_count.get(match.mentor_id, 0) + 1

    mentor_rows = [MentorRow(a, a.capacity or 0, a.used, proposed_count.get(a.pk, 0)) for a in pool.mentors]
    mentor_by_id = {row.application.pk: row for row in mentor_rows}
    # Places left once the draft is published (the rule ``proposal_add`` enforces):
    # a mentor the draft fills is suggested to nobody else.
    open_mentors = {pk for pk, row in mentor_by_id.items() if row.remaining_after > 0}

    ranked: dict[int, list[scoring.Suggestion]] = {}
    for suggestion in pool.pairs.values():
        ranked.setdefault(suggestion.mentee_id, []).append(suggestion)

    needle = q.strip().lower()
    rows = []
    for position, application in enumerate(pool.mentees, 1):
        person = pool.people[application.pk]
        if needle and needle not in person.name.lower() and needle not in application.applicant.email:
            continue
        if specialty and specialty not in person.specialties:
            continue
        proposal = proposal_by_mentee.get(application.pk)
        # A mentee with a proposed mentor shows that pair, not fresh suggestions.
        best = (
            []
            if proposal is not None
            else sorted(
                (s for s in ranked.get(application.pk, []) if s.mentor_id in open_mentors),
                key=lambda s: (-s.score_for(show_identity=show_identity), s.mentor_id),
            )[:SUGGESTIONS_PER_MENTEE]
        )
        rows.append(
            MenteeRow(
                application,
                position,
                proposal,
                [
                    {
                        "mentor": mentor_by_id[s.mentor_id].application,
                        "score": s.score_for(show_identity=show_identity),
                        "reasons": _visible(s.reasons, show_identity),
                    }
                    for s in best
                ],
            )
        )
    specialties = sorted(
        {name for a in pool.mentees for name in pool.people[a.pk].specialties}
        | {name for a in pool.mentors for name in pool.people[a.pk].specialties}
    )
    ranking = None
    if round_.has_ranking:
        ranking = _ranking_for(round_, pool, matches, compare=compare, now=now or timezone.now())
    return Board(
        round=round_,
        show_identity=show_identity,
        waitlist=rows,
        mentors=mentor_rows,
        proposals=proposals,
        published=published,
        mentor_choices=[row for row in mentor_rows if row.application.pk in open_mentors],
        specialties=specialties,
        ranking=ranking,
    )


def suggestions_for_mentee(round_: Round, mentee_id: int, *, user) -> tuple[Application, list[dict]]:
    """Every mentor the mentee may be matched with, best first (404 if the
    mentee is not on this round's waitlist)."""
    pool = pool_for(round_)
    mentee = next((a for a in pool.mentees if a.pk == mentee_id), None)
    if mentee is None:
        raise Http404("This mentee is not waiting for a mentor in this round.")
    show_identity = access.user_sees_identity(user, round_.program)
    mentors = {a.pk: a for a in pool.mentors}
    # Places count the draft, as on the board: other mentees' proposed pairs
    # will take them when the round is published.
    proposed = Counter(
        Match.objects.filter(round=round_, status=MatchStatus.PROPOSED)
        .exclude(mentee_id=mentee_id)
        .values_list("mentor_id", flat=True)
    )
    rows = sorted(
        (s for (e, _), s in pool.pairs.items() if e == mentee_id),
        key=lambda s: (-s.score_for(show_identity=show_identity), s.mentor_id),
    )
    return mentee, [
        {
            "mentor": mentors[s.mentor_id],
            "remaining": max(pool.people[s.mentor_id].capacity - proposed[s.mentor_id], 0),
            "proposed": proposed[s.mentor_id],
            "score": s.score_for(show_identity=show_identity),
            "reasons": _visible(s.reasons, show_identity),
        }
        for s in rows
    ]


# --- Public and personal pages ----------------------------------------------------


def public_round_status(program: Program) -> list[str]:
    """The program page's status lines: the latest public round of each tier
    (or of the program), e.g. "Round 1, Fall 2025: complete". One query."""
    rounds = (
        Round.objects.filter(program=program, is_public=True)
        .exclude(status=RoundStatus.PLANNED)
        .select_related("tier")
        .order_by(F("tier__number").asc(nulls_first=True), "-created_at", "-id")
    )
    lines, seen = [], set()
    for round_ in rounds:
        if round_.tier_id in seen:
            continue
        seen.add(round_.tier_id)
        prefix = f"{round_.tier.name}, " if round_.tier_id else ""
        lines.append(prefix + round_.public_status_text)
    return lines


def mentorships_for(user) -> QuerySet:
    """The published matches ``user`` is in, as mentee or mentor."""
    return (
        Match.objects.published()
        .filter(Q(mentee__applicant=user) | Q(mentor__applicant=user))
        .select_related("round__program", "round__tier", "mentee__applicant", "mentor__applicant")
        .order_by("-published_at", "-id")
    )


@dataclass(frozen=True)
class Mentorship:
    """One row of "My mentorships": the match, the person's part in it, and the other person."""

    match: Match
    role: str
    other: object


def mentorship_rows_for(user) -> list[Mentorship]:
    """The rows of ``user``'s "My mentorships" page, newest first, in one query."""
    rows = []
    for match in mentorships_for(user):
        is_mentee = match.mentee.applicant_id == user.pk
        other = match.mentor.applicant if is_mentee else match.mentee.applicant
        rows.append(Mentorship(match=match, role="Mentee" if is_mentee else "Mentor", other=other))
    return rows


def published_matches_of(application: Application) -> QuerySet:
    """The published matches an application is in (as mentee or mentor), with
    both people: what its withdrawal would end."""
    return (
        Match.objects.published()
        .filter(Q(mentee=application) | Q(mentor=application))
        .select_related("round__program", "mentee__applicant", "mentor__applicant")
        .order_by("published_at", "id")
    )


def round_matches_for_export(round_: Round) -> QuerySet:
    return (
        Match.objects.filter(round=round_, status__in=[MatchStatus.PUBLISHED, MatchStatus.ENDED])
        .select_related("round__program", "round__tier", "mentee__applicant", "mentor__applicant")
        .order_by("published_at", "id")
    )


def mentor_keeps_other_matches(match: Match) -> bool:
    """Whether the mentor of ``match`` has another published match, and so
    stays "matched" (and is not emailed) when this one ends."""
    return (
        Match.objects.filter(mentor_id=match.mentor_id, status=MatchStatus.PUBLISHED)
        .exclude(pk=match.pk)
        .exists()
    )


# --- Participant choice: mentor profiles and rank lists (issue 13) ----------------


@dataclass(frozen=True)
class ProfileFilters:
    """A mentee's filters on the mentor profiles (GET parameters, as typed)."""

    q: str = ""
    specialty: str = ""  # a Specialty id
    site: str = ""  # a HospitalSite code
    meeting_format: str = ""  # a MeetingFormat code
    offers: str = ""  # an Outcome id

    @classmethod
    def from_query(cls, data) -> ProfileFilters:
        return cls(**{name: (data.get(name) or "").strip()[:100] for name in cls.__dataclass_fields__})

    def keeps(self, profile: MentorProfile) -> bool:
        if self.specialty and all(str(s.pk) != self.specialty for s in profile.specialties.all()):
            return False
        if self.offers and all(str(o.pk) != self.offers for o in profile.offers.all()):
            return False
        if self.site and profile.hospital_site != self.site:
            return False
        # A mentor who meets either way suits a mentee who asks for one way.
        if self.meeting_format and profile.meeting_format not in (self.meeting_format, MeetingFormat.EITHER):
            return False
        return not self.q or self.q.lower() in _searchable(profile)


def _searchable(profile: MentorProfile) -> str:
    words = [
        str(profile.application.applicant),
        profile.headline,
        profile.interests,
        profile.about,
        *(s.name for s in profile.specialties.all()),
        *(o.text for o in profile.offers.all()),
    ]
    return " ".join(words).lower()


def _bare_person(application: Application) -> scoring.Person:
    """What ``scoring.refusal`` reads of an application (its learner type loaded)."""
    return scoring.Person(
        id=application.pk,
        user_id=application.applicant_id,
        name="",
        tier_id=application.tier_id,
        learner_type=application.learner_type.code,
    )


def waiting_mentee_applications(user) -> list[Application]:
    """The person's mentee applications that wait for a mentor (accepted or
    waitlisted, without a published match), with program, tier and learner
    type. One query."""
    if not user.is_authenticated:
        return []
    return list(
        Application.objects.filter(applicant=user, role=Role.MENTEE, status__in=WAITLIST_STATUSES)
        .exclude(Exists(_published_matches().filter(mentee=OuterRef("pk"))))
        .select_related("program", "tier", "learner_type")
        .order_by("program__name", F("tier__number").asc(nulls_first=True), "id")
    )


def eligible_mentors_for(mentee: Application) -> list[Application]:
    """The mentors ``mentee`` may rank or request: the hard rules of
    ``scoring.refusal`` (tiers, exclusions, pairs that ended or were declined,
    nobody mentors themselves), accepted or matched, with a profile and a
    place left. Each comes with its applicant and profile (its specialties
    and offers prefetched). ``mentee`` is loaded with its program and learner type.

    Queries, however many mentors: tiers and their two learner-type lists (3),
    exclusions and earlier ended or declined pairs (2), the mentors with their
    people and profiles (1), the profiles' specialties and offers (2)."""
    program = mentee.program
    tier_rules = tier_rules_for(program)
    blocked = blocked_pairs(program)
    me = _bare_person(mentee)
    mentors = (
        mentors_in_scope(program, mentee.tier_id)
        .filter(mentor_profile__isnull=False, used__lt=F("capacity"))
        .select_related("applicant", "learner_type", "mentor_profile")
        .prefetch_related("mentor_profile__specialties", "mentor_profile__offers")
    )
    return [
        mentor
        for mentor in mentors
        if scoring.refusal(me, _bare_person(mentor), tier_rules=tier_rules, blocked=blocked) is None
    ]


@dataclass
class ProfileList:
    """The profiles a mentee sees, filtered, and the choices of each filter
    (taken from every profile the mentee may see, so a filter never offers
    a choice that can only show nothing)."""

    mentee: Application
    profiles: list[MentorProfile]
    total: int
    specialties: list
    sites: list[tuple[str, str]]
    outcomes: list


def profiles_for_mentee(mentee: Application, filters: ProfileFilters = ProfileFilters()) -> ProfileList:
    """The profiles of the mentors ``mentee`` is eligible for, by name, in
    the queries of ``eligible_mentors_for`` (8) and none more."""
    profiles = []
    for mentor in eligible_mentors_for(mentee):
        profile = mentor.mentor_profile
        profile.application = mentor  # the one with its applicant loaded
        profiles.append(profile)
    profiles.sort(key=lambda p: (str(p.application.applicant).lower(), p.pk))
    specialties = {s.pk: s for p in profiles for s in p.specialties.all()}
    outcomes = {o.pk: o for p in profiles for o in p.offers.all()}
    sites = {p.hospital_site for p in profiles if p.hospital_site}
    return ProfileList(
        mentee=mentee,
        profiles=[p for p in profiles if filters.keeps(p)],
        total=len(profiles),
        specialties=sorted(specialties.values(), key=lambda s: s.name),
        sites=[(code, label) for code, label in HospitalSite.choices if code in sites],
        outcomes=sorted(outcomes.values(), key=lambda o: (o.order, o.pk)),
    )


def visible_identity(profile: MentorProfile) -> list:
    """The dimensions of self-identification a mentor chose to show, and only
    those still in their own disclosure (a dimension they since removed, or
    "prefer not to say", is never shown). The profile comes from ``profile_with_details``."""
    disclosure = getattr(profile.application, "identity", None)
    if disclosure is None:
        return []
    own = {d.pk for d in disclosure.dimensions.all() if not d.is_prefer_not}
    return [d for d in profile.shown_identity.all() if d.pk in own]


def profile_with_details(pk: int) -> MentorProfile:
    """One profile with everything its page shows (404 if there is none)."""
    try:
        return (
            MentorProfile.objects.select_related(
                "application__applicant", "application__program", "application__identity"
            )
            .prefetch_related("specialties", "offers", "shown_identity", "application__identity__dimensions")
            .get(pk=pk)
        )
    except MentorProfile.DoesNotExist:
        raise Http404("No such profile.") from None


def profile_for_viewer(user, pk: int) -> MentorProfile:
    """A profile as ``user`` may see it: the mentor themselves, the program's
    coordinators (``programs.access``), and mentees waiting for a mentor who
    are eligible for this one. Everyone else gets a 404, as if it did not exist."""
    profile = profile_with_details(pk)
    application = profile.application
    if application.applicant_id == user.pk or access.user_coordinates(user, application.program):
        return profile
    if application.status in MENTOR_STATUSES and any(
        mentee.program_id == application.program_id
        and any(m.pk == application.pk for m in eligible_mentors_for(mentee))
        for mentee in waiting_mentee_applications(user)
    ):
        return profile
    raise Http404("No such profile.")


def own_mentor_application(user, application_id: int) -> Application:
    """One of the person's own accepted or matched mentor applications (404
    for anyone else's), with what its profile form needs."""
    try:
        return Application.objects.select_related("program", "identity").get(
            pk=application_id, applicant=user, role=Role.MENTOR, status__in=MENTOR_STATUSES
        )
    except Application.DoesNotExist:
        raise Http404("No such mentor application.") from None


def rank_list_for(round_: Round, owner: Application) -> list[RankEntry]:
    """``owner``'s rank list in ``round_``: its entries, position 1 (the first
    choice) first, positions 1..n without gaps; empty when there is no list.
    Each candidate comes with its applicant, learner type and (for mentors)
    profile. One query."""
    return list(
        RankEntry.objects.filter(rank_list__round=round_, rank_list__owner=owner)
        .select_related("candidate__applicant", "candidate__learner_type", "candidate__mentor_profile")
        .order_by("position")
    )


def in_ranking_scope(round_: Round, application: Application) -> bool:
    """Whether ``application`` takes part in ``round_``'s ranking: a mentee on
    its waitlist, or a mentor in its scope. One query."""
    if application.role == Role.MENTEE:
        return waitlist(round_.program, round_.tier_id).filter(pk=application.pk).exists()
    return mentors_in_scope(round_.program, round_.tier_id).filter(pk=application.pk).exists()


def participant_in_round(user, round_id: int) -> tuple[Round, Application]:
    """A round with a ranking window and the person's application that takes
    part in it (a waiting mentee first); 404 for anyone else, coordinators
    included: this is the person's own list."""
    round_ = (
        Round.objects.filter(pk=round_id, ranking_opens_at__isnull=False)
        .select_related("program", "tier")
        .first()
    )
    if round_ is None or not user.is_authenticated:
        raise Http404("No such ranking.")
    candidates = [
        *waitlist(round_.program, round_.tier_id).filter(applicant=user).select_related("learner_type"),
        *mentors_in_scope(round_.program, round_.tier_id)
        .filter(applicant=user)
        .select_related("learner_type"),
    ]
    if not candidates:
        raise Http404("No such ranking.")
    application = candidates[0]
    application.program = round_.program
    return round_, application


def mentees_who_ranked(round_: Round, mentor: Application) -> list[Application]:
    """The mentees who put ``mentor`` on their list in ``round_`` and still
    wait for a mentor, with what a mentor is shown of them: learner type,
    interests, outcomes and hopes (never their self-identification). Three queries."""
    return list(
        waitlist(round_.program, round_.tier_id)
        .filter(rank_lists__round=round_, rank_lists__entries__candidate=mentor)
        .select_related("applicant", "learner_type")
        .prefetch_related("specialties", "outcomes")
        .order_by("applicant__name", "id")
    )


def verdicts_of(round_: Round, mentor: Application) -> dict[int, str]:
    """A mentor's verdicts in the round, by mentee id."""
    return dict(MentorVerdict.objects.filter(round=round_, mentor=mentor).values_list("mentee_id", "verdict"))


def open_rankings_for(mentee: Application, now) -> list[Round]:
    """The rounds whose ranking window is open now and whose waitlist holds
    ``mentee`` (the tier matches, or the round takes the whole program)."""
    return list(
        Round.objects.filter(
            Q(tier__isnull=True) | Q(tier=mentee.tier_id),
            program=mentee.program_id,
            ranking_opens_at__lte=now,
            ranking_closes_at__gt=now,
        ).order_by("ranking_closes_at", "id")
    )


@dataclass(frozen=True)
class RankingCall:
    """A ranking window open now for one of a person's applications."""

    round: Round
    application: Application


def ranking_calls_for(applications: list[Application], now) -> list[RankingCall]:
    """For the home page: each open window the person takes part in, as a
    mentee waiting for a mentor or as a mentor whose program asks mentors to
    answer. One query (the rounds, with their program's choice settings)."""
    mentees = [a for a in applications if a.role == Role.MENTEE and a.status in WAITLIST_STATUSES]
    mentors = [a for a in applications if a.role == Role.MENTOR and a.status in MENTOR_STATUSES]
    if not mentees and not mentors:
        return []
    rounds = Round.objects.filter(
        program__in={a.program_id for a in mentees + mentors},
        ranking_opens_at__lte=now,
        ranking_closes_at__gt=now,
    ).select_related("program__choice_policy", "tier")
    calls = []
    for round_ in rounds.order_by("ranking_closes_at", "id"):
        for application in mentees:
            if application.program_id == round_.program_id and round_.tier_id in (None, application.tier_id):
                calls.append(RankingCall(round_, application))
        if ChoicePolicy.for_program(round_.program).mentor_participation == MentorParticipation.SCORES:
            continue
        for application in mentors:
            if application.program_id == round_.program_id and application.tier_id in (None, round_.tier_id):
                calls.append(RankingCall(round_, application))
    return calls


@dataclass(frozen=True)
class RankingWindow:
    round: Round
    is_open: bool


def ranking_windows(program: Program, now) -> list[RankingWindow]:
    """The program page's ranking windows: those of public rounds that are
    open now or still to come. One query."""
    rounds = (
        Round.objects.filter(program=program, is_public=True, ranking_closes_at__gt=now)
        .select_related("tier")
        .order_by("ranking_opens_at", "id")
    )
    return [RankingWindow(round_, round_.ranking_is_open(now)) for round_ in rounds]


# --- Requests after the round (rolling intake) ----------------------------------


def request_round_for(mentee: Application) -> Round | None:
    """The round a waiting mentee's request belongs to: the latest round of
    their program that takes rolling intake, of their tier before one without
    a tier (the rounds ``match_publish_one`` would pair them in)."""
    rounds = Round.objects.filter(
        program_id=mentee.program_id, status__in=[RoundStatus.PUBLISHED, RoundStatus.COMPLETE]
    ).select_related("program", "tier")
    rounds = rounds.filter(Q(tier_id=mentee.tier_id) | Q(tier__isnull=True)) if mentee.tier_id else rounds
    return rounds.order_by(
        F("tier_id").desc(nulls_last=True), F("published_at").desc(nulls_last=True), "-id"
    ).first()


def mentee_is_waiting(mentee: Application) -> bool:
    return (
        mentee.role == Role.MENTEE
        and mentee.status in WAITLIST_STATUSES
        and not _published_matches().filter(mentee=mentee).exists()
    )


def programs_taking_requests(program_ids) -> set[int]:
    """Which of these programs have a round that takes rolling intake (one query)."""
    return set(
        Round.objects.filter(
            program_id__in=program_ids, status__in=[RoundStatus.PUBLISHED, RoundStatus.COMPLETE]
        ).values_list("program_id", flat=True)
    )


def request_blocked_mentors(mentee: Application) -> set[int]:
    """Mentors the mentee asked before who declined or let the request expire:
    the mentee moves on to the next mentor on their list."""
    return set(
        MentorRequest.objects.filter(
            mentee=mentee, status__in=[RequestStatus.DECLINED, RequestStatus.EXPIRED]
        ).values_list("mentor_id", flat=True)
    )


@dataclass
class RequestableMentor:
    application: Application
    places_left: int
    refusal: str | None  # why the mentee may not request them now, or None
    rank: int | None = None

    @property
    def profile(self):
        return getattr(self.application, "mentor_profile", None)


def requestable_mentors(mentee: Application, round_: Round) -> tuple[list[RequestableMentor], bool]:
    """The mentors a waiting mentee may ask, with their places left.

    Returns (rows, from_rank_list): with a rank list of the mentee (the
    latest round's), its mentors in its order, each with why they cannot be
    asked now (no place left, a hard rule, asked before); without one, every
    eligible mentor with a place left. Queries: the rank list and its
    entries (2); the mentee's and the mentors' matching data (8 with the
    profiles); tier rules (3); exclusions and ended or declined matches (2);
    earlier requests (1)."""
    program = round_.program
    rank_list = RankList.objects.filter(owner=mentee).order_by("-round__created_at", "-round_id").first()
    ranks = (
        dict(RankEntry.objects.filter(rank_list=rank_list).values_list("candidate_id", "position"))
        if rank_list
        else {}
    )
    (loaded,) = with_matching_data(Application.objects.filter(pk=mentee.pk))
    me = person(loaded)
    mentors = with_matching_data(mentors_in_scope(program, round_.tier)).select_related("mentor_profile")
    if ranks:
        mentors = mentors.filter(pk__in=ranks)
    tier_rules = tier_rules_for(program)
    blocked = blocked_pairs(program)
    asked = request_blocked_mentors(mentee)
    rows = []
    for application in mentors:
        left = max((application.capacity or 0) - application.used, 0)
        ruled_out = scoring.refusal(
            me, person(application, used=application.used), tier_rules=tier_rules, blocked=blocked
        )
        # Not which rule: an exclusion or an ended pair is the coordinators' business.
        why = "Not available to you." if ruled_out else None
        if why is None and application.pk in asked:
            why = "You asked this mentor before."
        if why is None and not left:
            why = "No place left."
        if why is not None and not ranks:
            continue  # without a rank list only the mentors they may ask are listed
        rows.append(RequestableMentor(application, left, why, ranks.get(application.pk)))
    rows.sort(key=lambda row: (row.rank or 0, str(row.application.applicant).lower(), row.application.pk))
    return rows, bool(ranks)


def _requests() -> QuerySet:
    return MentorRequest.objects.select_related(
        "round__program", "round__tier", "mentee__applicant", "mentor__applicant", "match"
    )


def requests_made_by(user) -> list[MentorRequest]:
    """The requests of ``user``'s mentee applications, newest first (one query)."""
    return list(_requests().filter(mentee__applicant=user))


def requests_received_by(user) -> list[MentorRequest]:
    """The requests to ``user``'s mentor applications, open first, newest first (one query)."""
    requests = _requests().filter(mentor__applicant=user)
    return sorted(requests, key=lambda r: (r.status != RequestStatus.OPEN, -r.created_at.timestamp(), -r.pk))


def request_for_mentor(user, pk: int) -> MentorRequest:
    """A request ``user`` received; 404 for anyone else, coordinators included
    (they read requests in the admin)."""
    try:
        return (
            _requests()
            .select_related("mentee__learner_type")
            .prefetch_related("mentee__specialties", "mentee__outcomes")
            .get(pk=pk, mentor__applicant=user)
        )
    except MentorRequest.DoesNotExist:
        raise Http404("No such request for you.") from None


def request_for_mentee(user, pk: int) -> MentorRequest:
    """A request ``user`` made; 404 for anyone else."""
    try:
        return _requests().get(pk=pk, mentee__applicant=user)
    except MentorRequest.DoesNotExist:
        raise Http404("No such request of yours.") from None


def mentee_application_for(user, program_id: int) -> Application | None:
    """The user's mentee application in a program: the one waiting for a
    mentor if any, else the latest (None when they have none)."""
    applications = Application.objects.filter(
        applicant=user, program_id=program_id, role=Role.MENTEE
    ).select_related("program", "tier")
    waiting = [a for a in applications if a.status in WAITLIST_STATUSES]
    return (waiting or sorted(applications, key=lambda a: (a.submitted_at, a.pk), reverse=True) or [None])[0]


@dataclass
class RequestSection:
    """One waiting application on the mentee's requests page."""

    application: Application
    round: Round | None
    open_request: MentorRequest | None
    mentors: list[RequestableMentor]
    from_rank_list: bool


def request_sections_for(user) -> list[RequestSection]:
    """For each of ``user``'s waiting mentee applications: their open request
    and the mentors they may ask (``requestable_mentors``). Queries: the
    applications (1), open requests (1), then per application its round (1)
    and ``requestable_mentors`` — a fixed number however many mentors."""
    applications = waiting_mentee_applications(user)
    open_requests = {
        r.mentee_id: r for r in _requests().filter(mentee__in=applications, status=RequestStatus.OPEN)
    }
    sections = []
    for application in applications:
        round_ = request_round_for(application)
        mentors, ranked = requestable_mentors(application, round_) if round_ else ([], False)
        sections.append(
            RequestSection(application, round_, open_requests.get(application.pk), mentors, ranked)
        )
    return sections


def request_steps_for(user, applications: list[Application]) -> list[tuple[str, str, str]]:
    """The home page's next steps about requests, as (text, link text, url):
    a waiting mentee whose program takes requests may ask a mentor; a mentor
    has requests to answer. Two queries however many applications."""
    waiting = [a for a in applications if a.role == Role.MENTEE and a.status in WAITLIST_STATUSES]
    steps = []
    if waiting and programs_taking_requests({a.program_id for a in waiting}):
        steps.append(
            (
                "While you wait, you can ask a mentor with a place left to be your mentor.",
                "Request a mentor",
                reverse("matching:my_requests"),
            )
        )
    if any(a.role == Role.MENTOR for a in applications):
        count = MentorRequest.objects.filter(mentor__applicant=user, status=RequestStatus.OPEN).count()
        if count:
            steps.append(
                (
                    f"{count} mentee{'s' if count > 1 else ''} asked you to be their mentor.",
                    "Answer the requests",
                    reverse("matching:requests_for_me"),
                )
            )
    return steps
