"""Demo data for the mentorship year (``seed_demo``, DEBUG only): DMP's
current program year with three terms, a check-in each term and the midpoint
and closing evaluations for both roles, so a coordinator trying the demo finds
the schedule set up as the office would set it."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from applications.models import Role
from programs.models import Program

from .models import ItemKind, ProgramYear, Questionnaire, QuestionnaireItem, QuestionnaireKind, Term
from .questionnaires import questionnaire_add_outcome_items


def _academic_year(today: date) -> tuple[date, date]:
    start = date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    return start, date(start.year + 1, 8, 31)


def seed() -> None:
    program = Program.objects.filter(slug="dmp").first()
    if program is None:
        return
    starts, ends = _academic_year(timezone.localdate())
    year, created = ProgramYear.objects.get_or_create(
        program=program,
        name=f"{starts.year}–{ends.year}",
        defaults={"starts_on": starts, "ends_on": ends},
    )
    if not created:
        return  # seeded before: leave what the demo's users changed
    terms = [
        Term.objects.create(
            year=year, name=f"Fall {starts.year}", starts_on=starts, ends_on=date(starts.year, 12, 31)
        ),
        Term.objects.create(
            year=year,
            name=f"Winter {ends.year}",
            starts_on=date(ends.year, 1, 1),
            ends_on=date(ends.year, 4, 30),
        ),
        Term.objects.create(
            year=year, name=f"Summer {ends.year}", starts_on=date(ends.year, 5, 1), ends_on=ends
        ),
    ]
    for role in (Role.MENTEE, Role.MENTOR):
        for term in terms:
            check_in = Questionnaire.objects.create(
                year=year,
                term=term,
                kind=QuestionnaireKind.CHECK_IN,
                role=role,
                title=f"{term.name} check-in",
                opens_on=date.fromordinal(term.ends_on.toordinal() - 30),
                closes_on=term.ends_on,
            )
            QuestionnaireItem.objects.create(
                questionnaire=check_in,
                text="How is your mentorship going?",
                kind=ItemKind.TEXT,
                required=False,
            )
        for kind, title, opens, closes in [
            (
                QuestionnaireKind.MIDPOINT,
                "Midpoint evaluation",
                date(ends.year, 1, 5),
                date(ends.year, 1, 31),
            ),
            (QuestionnaireKind.CLOSING, "Closing evaluation", date(ends.year, 4, 1), date(ends.year, 4, 30)),
        ]:
            evaluation = Questionnaire.objects.create(
                year=year, kind=kind, role=role, title=title, opens_on=opens, closes_on=closes
            )
            questionnaire_add_outcome_items(questionnaire=evaluation)
