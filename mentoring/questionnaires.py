"""Check-ins and evaluations: which questionnaires a person of a pair owes,
answering one, the built-in outcome items, and the coordinators' reads.

Who reads answers: the person who gave them, and the coordinators of the
match's program (through the admin, scoped by ``programs.access``). The other
person of the pair never does: nothing here returns a response to anyone but
its respondent, and the answering page shows the respondent's own answers only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils import timezone

from applications.models import Role
from matching.models import Match, MatchStatus
from programs.access import narrowed
from programs.models import Outcome

from .access import role_in
from .models import (
    LIKERT_LABELS,
    ItemAnswer,
    ItemKind,
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireKind,
    QuestionnaireResponse,
)

# The statement of a built-in outcome item: the mentee (or the mentor, of
# their mentee) says how far the mentorship serves each of the program's outcomes.
OUTCOME_STATEMENT = {
    Role.MENTEE: "This mentorship helps me with: {outcome}",
    Role.MENTOR: "This mentorship helps my mentee with: {outcome}",
}
OUTCOME_KINDS = (QuestionnaireKind.MIDPOINT, QuestionnaireKind.CLOSING)


class QuestionnaireError(Exception):
    """An answer that cannot be taken; the message says why, for the person."""


def pair_role(match: Match, user) -> str | None:
    """The role ``user`` holds in ``match`` (mentee or mentor), or None: the
    pair rule of ``mentoring/access.py``, without the coordinators, who
    answer no questionnaire."""
    role = role_in(user, match)
    return role if role in (Role.MENTEE, Role.MENTOR) else None


def match_person(match: Match, role: str):
    return match.mentee.applicant if role == Role.MENTEE else match.mentor.applicant


# --- Reads --------------------------------------------------------------------------


def questionnaires_of_match(match: Match) -> QuerySet[Questionnaire]:
    """The questionnaires a match takes part in: its program's, of years that
    had begun by the time the match ended, that close on or after the day it
    was published (a pair matched late skips what closed before it began)."""
    published_on = timezone.localdate(match.published_at) if match.published_at else timezone.localdate()
    queryset = Questionnaire.objects.filter(
        year__program_id=match.round.program_id, closes_on__gte=published_on
    ).select_related("year", "term")
    if match.ended_at:
        queryset = queryset.filter(opens_on__lte=timezone.localdate(match.ended_at))
    return queryset


@dataclass(frozen=True)
class DueQuestionnaire:
    """A questionnaire the person still owes, for the pair's home "what is due next"."""

    questionnaire: Questionnaire
    url: str

    @property
    def closes_on(self) -> datetime.date:
        return self.questionnaire.closes_on

    @property
    def is_required(self) -> bool:
        return self.questionnaire.is_required


def questionnaire_url(match: Match, questionnaire: Questionnaire) -> str:
    return reverse("mentoring:questionnaire", args=[match.pk, questionnaire.pk])


def questionnaires_due(match: Match, user, today: datetime.date | None = None) -> list[DueQuestionnaire]:
    """What ``user`` owes for ``match`` today: the open questionnaires of their
    role they have not answered, soonest closing first. Empty for anyone
    outside the pair and for a match that is not running. Two queries."""
    role = pair_role(match, user)
    if role is None or match.status != MatchStatus.PUBLISHED:
        return []
    today = today or timezone.localdate()
    open_now = (
        questionnaires_of_match(match)
        .filter(role=role, opens_on__lte=today, closes_on__gte=today)
        .exclude(responses__match=match)
        .order_by("closes_on", "id")
    )
    return [DueQuestionnaire(q, questionnaire_url(match, q)) for q in open_now]


def questionnaire_is_open(questionnaire: Questionnaire, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return questionnaire.opens_on <= today <= questionnaire.closes_on


def response_of(match: Match, questionnaire: Questionnaire) -> QuestionnaireResponse | None:
    """The match's answers to ``questionnaire``, with their items; only ever
    shown to their respondent (the view checks the role first)."""
    return (
        QuestionnaireResponse.objects.filter(match=match, questionnaire=questionnaire)
        .prefetch_related("answers__item")
        .first()
    )


def responses_for(user) -> QuerySet[QuestionnaireResponse]:
    """The responses of the programs ``user`` administers (none for anyone else)."""
    queryset = QuestionnaireResponse.objects.select_related(
        "questionnaire__year__program",
        "questionnaire__term",
        "match__mentee__applicant",
        "match__mentor__applicant",
        "respondent",
    )
    return narrowed(queryset, user, "questionnaire__year__program")


# --- Writes -------------------------------------------------------------------------


def _check_answer(item: QuestionnaireItem, value) -> None:
    if value in (None, ""):
        return
    if item.kind == ItemKind.LIKERT and str(value) not in {str(v) for v in LIKERT_LABELS}:
        raise QuestionnaireError(f"{item.text}: pick one of the five answers.")
    if item.kind == ItemKind.CHOICE and value not in item.choice_list:
        raise QuestionnaireError(f"{item.text}: pick one of the choices offered.")
    if item.kind == ItemKind.TEXT and len(str(value)) > 4000:
        raise QuestionnaireError(f"{item.text}: at most 4000 characters.")


@transaction.atomic
def questionnaire_respond(
    *,
    match: Match,
    questionnaire: Questionnaire,
    user,
    answers: dict[int, int | str | None],
    today: datetime.date | None = None,
) -> QuestionnaireResponse:
    """Record ``user``'s answers (item id → 1–5 for a Likert item, text
    otherwise; None or "" for an optional item left blank).

    Refused (QuestionnaireError) for anyone but the person of the pair whose
    role the questionnaire is for, outside its dates, on a match that is not
    running, and a second time. Sends nothing."""
    today = today or timezone.localdate()
    role = pair_role(match, user)
    if role is None or role != questionnaire.role:
        raise QuestionnaireError("This questionnaire is not for you.")
    if match.status != MatchStatus.PUBLISHED:
        raise QuestionnaireError("This mentorship has ended.")
    if not questionnaires_of_match(match).filter(pk=questionnaire.pk).exists():
        raise QuestionnaireError("This questionnaire is not for this mentorship.")
    if not questionnaire_is_open(questionnaire, today):
        raise QuestionnaireError(
            f"This questionnaire is open from {questionnaire.opens_on:%-d %B %Y} "
            f"to {questionnaire.closes_on:%-d %B %Y}."
        )
    items = list(questionnaire.items.all())
    missing = [item.text for item in items if item.required and answers.get(item.pk) in (None, "")]
    if missing:
        raise QuestionnaireError(f"Answer every required question: {'; '.join(missing)}.")
    for item in items:
        _check_answer(item, answers.get(item.pk))
    try:
        with transaction.atomic():
            response = QuestionnaireResponse.objects.create(
                questionnaire=questionnaire, match=match, respondent=user
            )
    except IntegrityError:
        raise QuestionnaireError("This questionnaire has already been answered.") from None
    ItemAnswer.objects.bulk_create(
        ItemAnswer(
            response=response,
            item=item,
            likert=int(answers[item.pk]) if item.kind == ItemKind.LIKERT else None,
            text="" if item.kind == ItemKind.LIKERT else str(answers[item.pk]),
        )
        for item in items
        if answers.get(item.pk) not in (None, "")
    )
    return response


@transaction.atomic
def questionnaire_add_outcome_items(*, questionnaire: Questionnaire) -> list[QuestionnaireItem]:
    """Add the built-in outcome items: one required Likert statement per
    outcome of the program, after the items already there. An outcome that
    already has its item is skipped, so running it twice adds nothing."""
    have = set(questionnaire.items.filter(outcome__isnull=False).values_list("outcome_id", flat=True))
    outcomes = Outcome.objects.filter(program_id=questionnaire.year.program_id).exclude(pk__in=have)
    start = (questionnaire.items.aggregate(m=Max("order"))["m"] or 0) + 1
    statement = OUTCOME_STATEMENT.get(questionnaire.role, OUTCOME_STATEMENT[Role.MENTEE])
    return QuestionnaireItem.objects.bulk_create(
        QuestionnaireItem(
            questionnaire=questionnaire,
            text=statement.format(outcome=outcome.text)[:300],
            kind=ItemKind.LIKERT,
            outcome=outcome,
            required=True,
            order=start + i,
        )
        for i, outcome in enumerate(outcomes)
    )
