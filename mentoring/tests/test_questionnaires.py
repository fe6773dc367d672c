"""Answering check-ins and evaluations: who may, when, once; what is due;
the built-in outcome items; and who reads the answers."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from applications.models import Role
from mentoring.models import ItemAnswer, QuestionnaireKind, QuestionnaireResponse
from mentoring.questionnaires import (
    QuestionnaireError,
    questionnaire_add_outcome_items,
    questionnaire_respond,
    questionnaires_due,
)
from tests.factories import ProgramFactory

from .helpers import make_program_year, publish_pair

pytestmark = pytest.mark.django_db

OPEN_DAY = datetime.datetime(2026, 10, 3, 15, tzinfo=datetime.UTC)


@pytest.fixture
def pair(make_user_pair):
    with time_machine.travel(datetime.datetime(2026, 9, 1, 15, tzinfo=datetime.UTC), tick=False):
        program, _, _, questionnaires = make_program_year()
        match = publish_pair(program, *make_user_pair("pat"))
    return match, questionnaires


def answers_for(questionnaire, secret="My private answer"):
    return {item.pk: (4 if item.kind == "likert" else secret) for item in questionnaire.items.all()}


def test_questionnaires_due_lists_what_the_person_owes_for_their_role(pair):
    match, questionnaires = pair
    mentee, mentor = match.mentee.applicant, match.mentor.applicant
    check_in = questionnaires[(QuestionnaireKind.CHECK_IN, Role.MENTEE)]
    due = questionnaires_due(match, mentee, datetime.date(2026, 10, 3))
    assert [d.questionnaire for d in due] == [check_in]
    assert due[0].url == reverse("mentoring:questionnaire", args=[match.pk, check_in.pk])
    assert not due[0].is_required
    assert [d.questionnaire for d in questionnaires_due(match, mentor, datetime.date(2026, 10, 3))] == [
        questionnaires[(QuestionnaireKind.CHECK_IN, Role.MENTOR)]
    ]
    assert questionnaires_due(match, mentee, datetime.date(2026, 9, 30)) == []
    questionnaire_respond(
        match=match,
        questionnaire=check_in,
        user=mentee,
        answers=answers_for(check_in),
        today=datetime.date(2026, 10, 3),
    )
    assert questionnaires_due(match, mentee, datetime.date(2026, 10, 3)) == []


def test_someone_outside_the_pair_owes_nothing(pair, outsider):
    match, _ = pair
    assert questionnaires_due(match, outsider, datetime.date(2026, 10, 3)) == []


def test_required_items_are_required_and_one_response_per_match(pair):
    match, questionnaires = pair
    check_in = questionnaires[(QuestionnaireKind.CHECK_IN, Role.MENTEE)]
    mentee = match.mentee.applicant
    today = datetime.date(2026, 10, 3)
    with pytest.raises(QuestionnaireError, match="required"):
        questionnaire_respond(match=match, questionnaire=check_in, user=mentee, answers={}, today=today)
    required_only = {i.pk: 5 for i in check_in.items.filter(required=True)}
    questionnaire_respond(
        match=match, questionnaire=check_in, user=mentee, answers=required_only, today=today
    )
    with pytest.raises(QuestionnaireError, match="already"):
        questionnaire_respond(
            match=match, questionnaire=check_in, user=mentee, answers=required_only, today=today
        )
    assert QuestionnaireResponse.objects.count() == 1


def test_a_questionnaire_is_closed_outside_its_dates_and_to_the_other_role(pair):
    match, questionnaires = pair
    check_in = questionnaires[(QuestionnaireKind.CHECK_IN, Role.MENTEE)]
    with pytest.raises(QuestionnaireError, match="open from"):
        questionnaire_respond(
            match=match,
            questionnaire=check_in,
            user=match.mentee.applicant,
            answers=answers_for(check_in),
            today=datetime.date(2026, 10, 15),
        )
    with pytest.raises(QuestionnaireError, match="not for you"):
        questionnaire_respond(
            match=match,
            questionnaire=check_in,
            user=match.mentor.applicant,
            answers=answers_for(check_in),
            today=datetime.date(2026, 10, 3),
        )


def test_outcome_items_are_added_once_per_program_outcome(pair):
    _, questionnaires = pair
    midpoint = questionnaires[(QuestionnaireKind.MIDPOINT, Role.MENTEE)]
    added = questionnaire_add_outcome_items(questionnaire=midpoint)
    assert [i.text for i in added] == [
        "This mentorship helps me with: Networks and career planning",
        "This mentorship helps me with: Belonging and support",
    ]
    assert all(i.kind == "likert" and i.outcome_id and i.required for i in added)
    assert questionnaire_add_outcome_items(questionnaire=midpoint) == []
    mentor_midpoint = questionnaires[(QuestionnaireKind.MIDPOINT, Role.MENTOR)]
    assert questionnaire_add_outcome_items(questionnaire=mentor_midpoint)[0].text.startswith(
        "This mentorship helps my mentee with:"
    )


# --- The page --------------------------------------------------------------------------


def test_the_mentee_answers_the_check_in_on_its_page(client, pair):
    match, questionnaires = pair
    check_in = questionnaires[(QuestionnaireKind.CHECK_IN, Role.MENTEE)]
    url = reverse("mentoring:questionnaire", args=[match.pk, check_in.pk])
    likert, text = check_in.items.order_by("order")
    client.force_login(match.mentee.applicant)
    with time_machine.travel(OPEN_DAY, tick=False):
        page = client.get(url)
        assert page.status_code == 200
        assert b"never shown to your" in page.content
        assert b"error-summary" in client.post(url, {}).content
        # A required answer missing: the error summary, and the text typed is kept.
        page = client.post(url, {f"item_{text.pk}": "Kept as typed"})
        assert b"error-summary" in page.content and b"Kept as typed" in page.content
        page = client.post(url, {f"item_{likert.pk}": "4", f"item_{text.pk}": "Going well"}, follow=True)
    assert b"Your answers" in page.content and b"Going well" in page.content
    answer = ItemAnswer.objects.get(item=likert)
    assert answer.likert == 4


def test_the_mentor_never_sees_the_mentees_questionnaire_or_answers(client, pair):
    match, questionnaires = pair
    check_in = questionnaires[(QuestionnaireKind.CHECK_IN, Role.MENTEE)]
    questionnaire_respond(
        match=match,
        questionnaire=check_in,
        user=match.mentee.applicant,
        answers=answers_for(check_in, "Mentor must not read this"),
        today=datetime.date(2026, 10, 3),
    )
    client.force_login(match.mentor.applicant)
    url = reverse("mentoring:questionnaire", args=[match.pk, check_in.pk])
    with time_machine.travel(OPEN_DAY, tick=False):
        assert client.get(url).status_code == 404
        assert client.post(url, {}).status_code == 404
        mentor_check_in = questionnaires[(QuestionnaireKind.CHECK_IN, Role.MENTOR)]
        own = client.get(reverse("mentoring:questionnaire", args=[match.pk, mentor_check_in.pk]))
    assert own.status_code == 200
    assert b"Mentor must not read this" not in own.content


def test_the_page_is_closed_after_closes_on(client, pair):
    match, questionnaires = pair
    check_in = questionnaires[(QuestionnaireKind.CHECK_IN, Role.MENTEE)]
    client.force_login(match.mentee.applicant)
    url = reverse("mentoring:questionnaire", args=[match.pk, check_in.pk])
    with time_machine.travel(datetime.datetime(2026, 10, 20, 15, tzinfo=datetime.UTC), tick=False):
        page = client.post(url, {f"item_{i.pk}": "4" for i in check_in.items.all()})
    assert page.status_code == 200 and b"not open" in page.content
    assert not QuestionnaireResponse.objects.exists()


def test_coordinators_read_answers_of_their_own_program_only(client, pair, coordinator_of):
    match, questionnaires = pair
    check_in = questionnaires[(QuestionnaireKind.CHECK_IN, Role.MENTEE)]
    response = questionnaire_respond(
        match=match,
        questionnaire=check_in,
        user=match.mentee.applicant,
        answers=answers_for(check_in, "For the coordinators"),
        today=datetime.date(2026, 10, 3),
    )
    other = coordinator_of(ProgramFactory(name="Forward", slug="forward"))
    client.force_login(other)
    listing = client.get(reverse("admin:mentoring_questionnaireresponse_changelist"))
    assert listing.status_code == 200 and str(match.mentee.applicant) not in listing.content.decode()
    detail = reverse("admin:mentoring_questionnaireresponse_change", args=[response.pk])
    assert client.get(detail).status_code == 302  # the admin's "does not exist"
    client.force_login(coordinator_of(match.round.program))
    listing = client.get(reverse("admin:mentoring_questionnaireresponse_changelist"))
    assert str(match.mentee.applicant) in listing.content.decode()
    assert b"For the coordinators" in client.get(detail).content


def test_an_answer_out_of_range_is_refused_not_a_database_error(pair):
    match, questionnaires = pair
    check_in = questionnaires[(QuestionnaireKind.CHECK_IN, Role.MENTEE)]
    likert = check_in.items.get(kind="likert")
    with pytest.raises(QuestionnaireError, match="five answers"):
        questionnaire_respond(
            match=match,
            questionnaire=check_in,
            user=match.mentee.applicant,
            answers={likert.pk: 7},
            today=datetime.date(2026, 10, 3),
        )
    assert not QuestionnaireResponse.objects.exists()
