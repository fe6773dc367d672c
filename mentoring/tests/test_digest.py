"""The coordinators' weekly digest: what needs attention, each with its
link; nothing when nothing needs it; once per program and week."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from applications.models import Role
from mentoring.digest import digest_send
from mentoring.health import match_link
from mentoring.models import DigestSent, Meeting, QuestionnaireKind, SupportRequest
from mentoring.questionnaires import questionnaire_respond
from notifications.models import OutgoingEmail
from tests.factories import ProgramFactory

from .helpers import make_program_year, publish_pair

pytestmark = pytest.mark.django_db


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, 12, tzinfo=datetime.UTC)


def digests():
    return OutgoingEmail.objects.filter(kind="coordinator-digest")


def meet(match, day, minutes=60):
    Meeting.objects.create(match=match, met_on=day, minutes=minutes, format="in_person", note="Secret")


@pytest.fixture
def program_with_pair(make_user_pair, coordinator_of):
    with time_machine.travel(at(datetime.date(2026, 9, 1)), tick=False):
        program, _, _, questionnaires = make_program_year()
        match = publish_pair(program, *make_user_pair("dee"))
        coordinator = coordinator_of(program)
    return program, match, questionnaires, coordinator


def test_nothing_to_report_sends_nothing(program_with_pair):
    program, match, _, _ = program_with_pair
    with time_machine.travel(at(datetime.date(2026, 9, 14)), tick=False):
        meet(match, datetime.date(2026, 9, 7))
        assert digest_send() == 0
    assert not digests().exists() and not DigestSent.objects.exists()


def test_a_match_that_needs_attention_is_listed_with_its_link_once_a_week(program_with_pair):
    program, match, _, coordinator = program_with_pair
    with time_machine.travel(at(datetime.date(2026, 9, 21)), tick=False) as traveller:
        # No meeting three weeks after the introduction, and help asked.
        SupportRequest.objects.create(match=match, kind="help", asked_by=match.mentee.applicant, text="Help")
        assert digest_send() == 1
        assert digest_send() == 0  # the same week: once
        traveller.move_to(at(datetime.date(2026, 9, 24)))
        assert digest_send() == 0
        traveller.move_to(at(datetime.date(2026, 9, 28)))
        assert digest_send() == 1  # a new week
    first = digests().earliest("pk")
    assert first.to == coordinator.email
    assert "No meeting logged since the introduction" in first.body_text
    assert "Asked for help" in first.body_text
    assert match_link(match) in first.body_text
    assert "Secret" not in first.body_text
    assert digests().count() == 2


def test_behind_on_time_and_an_overdue_evaluation_are_reported(program_with_pair):
    program, match, questionnaires, _ = program_with_pair
    midpoint = questionnaires[(QuestionnaireKind.MIDPOINT, Role.MENTEE)]
    with time_machine.travel(at(datetime.date(2026, 12, 7)), tick=False):
        meet(match, datetime.date(2026, 12, 1), minutes=30)
        mentor_midpoint = questionnaires[(QuestionnaireKind.MIDPOINT, Role.MENTOR)]
        questionnaire_respond(
            match=match,
            questionnaire=mentor_midpoint,
            user=match.mentor.applicant,
            answers={i.pk: 4 for i in mentor_midpoint.items.filter(required=True)},
            today=datetime.date(2026, 11, 20),
        )
        assert digest_send() == 1
    body = digests().get().body_text
    assert "Behind on time this term: 30 of" in body
    assert f"Overdue: {midpoint}" in body
    assert "Midpoint evaluation (mentor)" not in body


def test_each_program_hears_of_its_own_matches_only(program_with_pair, make_user_pair, coordinator_of):
    program, match, _, coordinator = program_with_pair
    with time_machine.travel(at(datetime.date(2026, 9, 1)), tick=False):
        other = ProgramFactory(name="Forward", slug="forward")
        other_coordinator = coordinator_of(other)
        make_program_year(other)
        other_match = publish_pair(other, *make_user_pair("fay"))
    with time_machine.travel(at(datetime.date(2026, 9, 21)), tick=False):
        assert digest_send() == 2
    mine = digests().get(to=coordinator.email).body_text
    theirs = digests().get(to=other_coordinator.email).body_text
    assert str(match.mentee.applicant.name) in mine and str(other_match.mentee.applicant.name) not in mine
    assert str(match.mentee.applicant.name) not in theirs


def test_working_out_the_digest_takes_the_same_queries_for_more_pairs(
    program_with_pair, make_user_pair, django_assert_num_queries
):
    from mentoring.digest import attention_by_program

    program, *_ = program_with_pair
    today = datetime.date(2026, 9, 21)
    # The current terms (twice: the queryset and the states), the matches,
    # the policies, the evaluations, the responses.
    with django_assert_num_queries(6):
        assert len(attention_by_program(today)[program.pk]) == 1
    with time_machine.travel(at(datetime.date(2026, 9, 1)), tick=False):
        for i in range(5):
            publish_pair(program, *make_user_pair(f"more{i}"))
    with django_assert_num_queries(6):
        assert len(attention_by_program(today)[program.pk]) == 6
