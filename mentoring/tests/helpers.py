"""Building blocks for the mentorship year's tests: a program with its year,
terms, check-ins and evaluations, and published pairs."""

from __future__ import annotations

import datetime

from applications.models import Role
from matching import services as matching_services
from matching.models import Round, RoundStatus
from mentoring.models import (
    Agreement,
    ItemKind,
    ProgramYear,
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireKind,
    Term,
)
from programs.models import Outcome
from tests.factories import ProgramFactory, accepted_mentee, accepted_mentor

D = datetime.date


def make_program_year(program=None, *, year: int = 2026):
    """A program with two outcomes, a year from September to April, a fall
    term, a check-in in October and a midpoint evaluation in late November,
    each for both roles (with one required Likert item and an optional text)."""
    program = program or ProgramFactory(name="Pathways", slug="pathways")
    for i, text in enumerate(["Networks and career planning", "Belonging and support"]):
        Outcome.objects.get_or_create(program=program, text=text, defaults={"order": i})
    program_year = ProgramYear.objects.create(
        program=program, name=f"{year}–{year + 1}", starts_on=D(year, 9, 1), ends_on=D(year + 1, 4, 30)
    )
    fall = Term.objects.create(
        year=program_year, name=f"Fall {year}", starts_on=D(year, 9, 1), ends_on=D(year, 12, 15)
    )
    questionnaires = {}
    for kind, opens, closes in (
        (QuestionnaireKind.CHECK_IN, D(year, 10, 1), D(year, 10, 14)),
        (QuestionnaireKind.MIDPOINT, D(year, 11, 15), D(year, 11, 30)),
    ):
        for role in (Role.MENTEE, Role.MENTOR):
            q = Questionnaire.objects.create(
                year=program_year,
                term=fall,
                kind=kind,
                role=role,
                title=f"{QuestionnaireKind(kind).label} ({Role(role).label.lower()})",
                opens_on=opens,
                closes_on=closes,
            )
            QuestionnaireItem.objects.create(questionnaire=q, text="We meet often enough.", order=1)
            QuestionnaireItem.objects.create(
                questionnaire=q, text="Anything else?", kind=ItemKind.TEXT, required=False, order=2
            )
            questionnaires[(kind, role)] = q
    return program, program_year, fall, questionnaires


def publish_pair(program, mentee_user=None, mentor_user=None, *, agreement: bool = True):
    """A published match of ``program`` (published now), with its agreement
    unconfirmed unless ``agreement`` is False."""
    round_ = Round.objects.filter(program=program).first() or Round.objects.create(
        program=program, name="Fall pairing", status=RoundStatus.PUBLISHED
    )
    mentee = accepted_mentee(program, mentee_user)
    mentor = accepted_mentor(program, mentor_user)
    match = matching_services.match_publish_one(round_=round_, mentee=mentee, mentor=mentor)
    if agreement:
        Agreement.objects.get_or_create(match=match)
    return match
