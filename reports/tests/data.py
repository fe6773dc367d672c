"""A generated program for the report's tests and benchmark: two program
years of two terms, two tiers, applications of both roles in every status
with their status history, rounds with rank lists, published and ended
matches, agreements, meetings, questionnaires with outcome items and answers,
and self-identification. Everything is written with ``bulk_create`` (and
``bulk_update`` for the ``auto_now_add`` dates), so 5,000 applications take
seconds."""

from __future__ import annotations

import datetime
import random

from allauth.account.models import EmailAddress

from accounts.models import User
from applications.models import (
    Application,
    IdentityDimension,
    IdentityDisclosure,
    MeetingFormat,
    Role,
    Status,
    StatusChange,
)
from matching.models import Match, MatchSource, MatchStatus, RankEntry, RankList, Round, RoundStatus
from mentoring.models import (
    Agreement,
    ItemAnswer,
    ItemKind,
    Meeting,
    MentoringPolicy,
    ProgramYear,
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireKind,
    QuestionnaireResponse,
    Term,
)
from programs.models import Outcome
from tests.factories import TierFactory, learner_type

UTC = datetime.UTC


def _at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def build_program(program, *, mentees=300, mentors=80, matches=120, meetings=600, seed=7) -> dict:  # noqa: C901 - one long recipe, read top to bottom
    """Fill ``program`` with generated data; returns the objects tests name."""
    rng = random.Random(seed)
    tiers = [TierFactory(program=program, number=n) for n in (1, 2)]
    outcomes = [
        Outcome.objects.create(program=program, text="Access to networks and career planning", order=1),
        Outcome.objects.create(program=program, text="A sense of belonging and support", order=2),
    ]
    MentoringPolicy.objects.create(program=program, minutes_per_term=120)
    years = [
        ProgramYear.objects.create(
            program=program,
            name="2025–2026",
            starts_on=datetime.date(2025, 9, 1),
            ends_on=datetime.date(2026, 6, 30),
        ),
        ProgramYear.objects.create(
            program=program,
            name="2026–2027",
            starts_on=datetime.date(2026, 9, 1),
            ends_on=datetime.date(2027, 6, 30),
        ),
    ]
    terms = []
    for y in years:
        terms.append(
            Term.objects.create(
                year=y,
                name=f"Fall {y.starts_on.year}",
                starts_on=y.starts_on,
                ends_on=datetime.date(y.starts_on.year, 12, 31),
            )
        )
        terms.append(
            Term.objects.create(
                year=y,
                name=f"Winter {y.ends_on.year}",
                starts_on=datetime.date(y.ends_on.year, 1, 1),
                ends_on=y.ends_on,
            )
        )
    dimensions = [
        IdentityDimension.objects.create(program=program, label=label, order=k)
        for k, label in enumerate(["Black", "Indigenous", "First-generation", "Prefer not to say"])
    ]

    start = User.objects.count()
    users = User.objects.bulk_create(
        User(email=f"gen{start + i}@mail.example.edu", name=f"Generated {start + i}")
        for i in range(mentees + mentors)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
    )
    mentee_type, mentor_type = learner_type("MD2"), learner_type("FAC")
    first_day, span = datetime.date(2025, 4, 1), 680
    apps = []
    for i, user in enumerate(users):
        is_mentee = i < mentees
        submitted = _at(first_day + datetime.timedelta(days=rng.randrange(span)), rng.randrange(8, 18))
        status = rng.choice(
            [
                Status.SUBMITTED,
                Status.UNDER_REVIEW,
                *[Status.ACCEPTED] * 5,
                Status.WAITLISTED,
                Status.DECLINED,
                Status.WITHDRAWN,
            ]
            if is_mentee
            else [Status.ACCEPTED] * 4 + [Status.DECLINED, Status.SUBMITTED]
        )
        accepted = (
            submitted + datetime.timedelta(days=rng.randrange(1, 30)) if status == Status.ACCEPTED else None
        )
        if status == Status.WITHDRAWN and rng.random() < 0.5:
            accepted = submitted + datetime.timedelta(days=3)
        apps.append(
            Application(
                applicant=user,
                program=program,
                tier=rng.choice(tiers),
                role=Role.MENTEE if is_mentee else Role.MENTOR,
                status=status,
                learner_type=mentee_type if is_mentee else mentor_type,
                meeting_format=MeetingFormat.EITHER,
                capacity=None if is_mentee else 10,
                accepted_at=accepted,
            )
        )
    apps = Application.objects.bulk_create(apps)
    submitted_at = {}
    for app in apps:
        app.submitted_at = submitted_at[app.pk] = _at(
            first_day + datetime.timedelta(days=rng.randrange(span)), 9
        )
        if app.accepted_at:
            app.accepted_at = app.submitted_at + datetime.timedelta(days=rng.randrange(1, 30))
    Application.objects.bulk_update(apps, ["submitted_at", "accepted_at"], batch_size=1000)
    mentee_apps = [a for a in apps if a.role == Role.MENTEE]
    mentor_apps = [a for a in apps if a.role == Role.MENTOR and a.status == Status.ACCEPTED]

    # Rounds: one per year, both with rank lists, closing before the year starts.
    rounds = [
        Round.objects.create(
            program=program,
            name=f"Round {y.name}",
            status=RoundStatus.PUBLISHED,
            ranking_opens_at=_at(y.starts_on - datetime.timedelta(days=30)),
            ranking_closes_at=_at(y.starts_on - datetime.timedelta(days=10)),
        )
        for y in years
    ]
    accepted_mentees = [a for a in mentee_apps if a.status == Status.ACCEPTED]
    rng.shuffle(accepted_mentees)
    matched = accepted_mentees[: min(matches, len(accepted_mentees))]
    match_rows = []
    for k, mentee in enumerate(matched):
        y = 0 if mentee.accepted_at.date() < datetime.date(2026, 6, 1) else 1
        published = max(
            mentee.accepted_at + datetime.timedelta(days=rng.randrange(0, 150)),
            _at(years[y].starts_on) - datetime.timedelta(days=5),
        )
        ended = k % 5 == 0
        # Mentors: a pool per year that overlaps, so some come back.
        pool = (
            mentor_apps[: max(1, len(mentor_apps) * 2 // 3)]
            if y == 0
            else mentor_apps[len(mentor_apps) // 3 :]
        )
        match_rows.append(
            Match(
                round=rounds[y],
                mentee=mentee,
                mentor=rng.choice(pool or mentor_apps),
                status=MatchStatus.ENDED if ended else MatchStatus.PUBLISHED,
                source=MatchSource.STABLE,
                published_at=published,
                ended_at=_at(years[y].ends_on) if ended else None,
                mentee_rank=rng.choice([1, 1, 1, 2, 2, 3, 4, 5, None]),
            )
        )
    match_rows = Match.objects.bulk_create(match_rows)
    matched_ids = {m.mentee_id for m in match_rows}
    for app in mentee_apps:
        if app.pk in matched_ids:
            app.status = Status.MATCHED
    Application.objects.bulk_update(mentee_apps, ["status"], batch_size=1000)

    # Status history: submitted, then accepted or waitlisted, then matched.
    publish_of = {m.mentee_id: m.published_at for m in match_rows}
    changes = []
    for app in apps:
        when = app.submitted_at
        changes.append((app, "", Status.SUBMITTED, when))
        if app.status == Status.WAITLISTED:
            changes.append((app, Status.SUBMITTED, Status.WAITLISTED, when + datetime.timedelta(days=10)))
        if app.accepted_at:
            changes.append((app, Status.SUBMITTED, Status.ACCEPTED, app.accepted_at))
        if app.pk in publish_of:
            changes.append((app, Status.ACCEPTED, Status.MATCHED, publish_of[app.pk]))
        elif app.status in (Status.DECLINED, Status.WITHDRAWN):
            changes.append((app, Status.SUBMITTED, app.status, when + datetime.timedelta(days=40)))
    rows = StatusChange.objects.bulk_create(
        StatusChange(application=a, from_status=f, to_status=t) for a, f, t, _ in changes
    )
    for row, (*_, when) in zip(rows, changes, strict=True):
        row.changed_at = when
    StatusChange.objects.bulk_update(rows, ["changed_at"], batch_size=2000)

    # Rank lists: every matched mentee, and some accepted ones who were not.
    lists = []
    for m in match_rows:
        lists.append(RankList(round=m.round, owner=m.mentee))
    for app in accepted_mentees[len(matched) : len(matched) + 25]:
        lists.append(RankList(round=rounds[0], owner=app))
    lists = RankList.objects.bulk_create(lists)
    RankEntry.objects.bulk_create(
        RankEntry(rank_list=rl, candidate=mentor_apps[k % len(mentor_apps)], position=1)
        for k, rl in enumerate(lists)
    )

    # Agreements: both, one or neither confirmed.
    agreements = []
    for k, m in enumerate(match_rows):
        when = m.published_at + datetime.timedelta(days=3)
        agreements.append(
            Agreement(
                match=m,
                mentee_confirmed_at=when if k % 3 != 2 else None,
                mentor_confirmed_at=when if k % 3 == 0 else None,
            )
        )
    Agreement.objects.bulk_create(agreements)

    # Meetings in the match's year.
    year_of = {m.pk: years[0] if m.round_id == rounds[0].pk else years[1] for m in match_rows}
    Meeting.objects.bulk_create(
        (
            Meeting(
                match=m,
                met_on=year_of[m.pk].starts_on + datetime.timedelta(days=rng.randrange(300)),
                minutes=rng.choice([15, 30, 45, 60, 90]),
                format=MeetingFormat.IN_PERSON if rng.random() < 0.5 else "virtual",
            )
            for m in (rng.choice(match_rows) for _ in range(meetings))
        ),
        batch_size=2000,
    )

    # Questionnaires: a check-in per term (mentees), midpoint and closing (both roles).
    items = []
    for y, (fall, winter) in zip(years, (terms[0:2], terms[2:4]), strict=True):
        specs = [
            (QuestionnaireKind.CHECK_IN, Role.MENTEE, fall, fall.starts_on + datetime.timedelta(days=40))
        ]
        specs.append(
            (QuestionnaireKind.CHECK_IN, Role.MENTEE, winter, winter.starts_on + datetime.timedelta(days=40))
        )
        for role in (Role.MENTEE, Role.MENTOR):
            specs.append((QuestionnaireKind.MIDPOINT, role, None, datetime.date(y.ends_on.year, 1, 15)))
            specs.append((QuestionnaireKind.CLOSING, role, None, y.ends_on - datetime.timedelta(days=20)))
        for kind, role, term, opens in specs:
            q = Questionnaire.objects.create(
                year=y,
                term=term,
                kind=kind,
                role=role,
                title=f"{QuestionnaireKind(kind).label} {y.name}",
                opens_on=opens,
                closes_on=opens + datetime.timedelta(days=14),
            )
            if kind == QuestionnaireKind.CHECK_IN:
                items.append(
                    (
                        q,
                        QuestionnaireItem.objects.create(
                            questionnaire=q, text="How is it going?", kind=ItemKind.TEXT
                        ),
                    )
                )
                continue
            for outcome in outcomes:
                items.append(
                    (q, QuestionnaireItem.objects.create(questionnaire=q, text=outcome.text, outcome=outcome))
                )
    by_questionnaire: dict = {}
    for q, item in items:
        by_questionnaire.setdefault(q, []).append(item)
    responses, answers = [], []
    for q, q_items in by_questionnaire.items():
        for m in match_rows:
            if year_of[m.pk] != q.year or rng.random() < 0.3:
                continue
            responses.append((QuestionnaireResponse(questionnaire=q, match=m), q_items, q.kind))
    saved = QuestionnaireResponse.objects.bulk_create(r for r, _, _ in responses)
    for response, (_, q_items, kind) in zip(saved, responses, strict=True):
        for item in q_items:
            if item.outcome_id:
                base = 3 if kind == QuestionnaireKind.MIDPOINT else 4
                answers.append(
                    ItemAnswer(
                        response=response,
                        item=item,
                        likert=max(1, min(5, base + rng.choice([-2, -1, 0, 0, 1]))),
                    )
                )
            else:
                answers.append(ItemAnswer(response=response, item=item, text="Fine."))
    ItemAnswer.objects.bulk_create(answers, batch_size=2000)

    # Self-identification for every other application; most consent.
    disclosures = IdentityDisclosure.objects.bulk_create(
        IdentityDisclosure(application=a, consent_to_matching=k % 2 == 0, consent_to_reporting=k % 4 != 3)
        for k, a in enumerate(apps)
        if k % 2 == 0
    )
    through = IdentityDisclosure.dimensions.through
    through.objects.bulk_create(
        through(identitydisclosure=d, identitydimension=dim)
        for k, d in enumerate(disclosures)
        for dim in rng.sample(dimensions[:3], 1 + k % 2)
    )
    return {"tiers": tiers, "years": years, "terms": terms, "outcomes": outcomes, "rounds": rounds}
