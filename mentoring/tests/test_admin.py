"""The coordinators' console: the match-health list (filters, scope, a fixed
number of queries), its Excel export without meeting notes, and the
questionnaires' built-in outcome items."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import Role
from mentoring.models import Meeting, Questionnaire, QuestionnaireKind
from mentoring.questionnaires import questionnaire_respond
from programs.reference import COORDINATORS_GROUP
from tests.factories import ProgramFactory

from .helpers import make_program_year, publish_pair

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 12, 7, 15, tzinfo=datetime.UTC)
HEALTH = "admin:mentoring_matchhealth_changelist"


def at(day):
    return datetime.datetime(day.year, day.month, day.day, 15, tzinfo=datetime.UTC)


@pytest.fixture
def year(make_user_pair, coordinator_of):
    """Three pairs of Pathways (one that meets and has confirmed, one quiet,
    one that ended) and one pair of Forward."""
    with time_machine.travel(at(datetime.date(2026, 9, 1)), tick=False):
        program, _, _, questionnaires = make_program_year()
        good = publish_pair(program, *make_user_pair("good"))
        quiet = publish_pair(program, *make_user_pair("quiet"))
        forward = ProgramFactory(name="Forward", slug="forward")
        make_program_year(forward)
        elsewhere = publish_pair(forward, *make_user_pair("else"))
    good.agreement.mentee_confirmed_at = good.agreement.mentor_confirmed_at = timezone.now()
    good.agreement.save()
    quiet.agreement.mentee_confirmed_at = timezone.now()
    quiet.agreement.save()
    for day in (datetime.date(2026, 10, 1), datetime.date(2026, 11, 1), datetime.date(2026, 12, 1)):
        Meeting.objects.create(
            match=good, met_on=day, minutes=45, format="virtual", note="=Only the pair may read this"
        )
    midpoint = questionnaires[(QuestionnaireKind.MIDPOINT, Role.MENTEE)]
    questionnaire_respond(
        match=good,
        questionnaire=midpoint,
        user=good.mentee.applicant,
        answers={i.pk: 5 for i in midpoint.items.filter(required=True)},
        today=datetime.date(2026, 11, 20),
    )
    mentor_midpoint = questionnaires[(QuestionnaireKind.MIDPOINT, Role.MENTOR)]
    questionnaire_respond(
        match=good,
        questionnaire=mentor_midpoint,
        user=good.mentor.applicant,
        answers={i.pk: 5 for i in mentor_midpoint.items.filter(required=True)},
        today=datetime.date(2026, 11, 20),
    )
    return {
        "program": program,
        "good": good,
        "quiet": quiet,
        "elsewhere": elsewhere,
        "coordinator": coordinator_of(program),
        "other_coordinator": coordinator_of(forward),
    }


def rows(client, **params) -> set[str]:
    page = client.get(reverse(HEALTH), params)
    assert page.status_code == 200
    html = page.content.decode()
    return {name for name in ("Good Mentee", "Quiet Mentee", "Else Mentee") if name in html}


@time_machine.travel(TODAY, tick=False)
def test_the_health_list_shows_the_coordinators_programs_only(client, year):
    client.force_login(year["coordinator"])
    assert rows(client) == {"Good Mentee", "Quiet Mentee"}
    html = client.get(reverse(HEALTH)).content.decode()
    assert "<h1>Match health</h1>" in html
    assert "Confirmed by both" in html and "Confirmed by one" in html
    # 98 of the term's 106 days gone: 120 minutes pro rata is 110.
    assert "135 of 110 so far (on track)" in html and "0 of 110 so far (behind)" in html
    client.force_login(year["other_coordinator"])
    assert rows(client) == {"Else Mentee"}


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"agreement": "confirmed"}, {"Good Mentee"}),
        ({"agreement": "partly"}, {"Quiet Mentee"}),
        ({"agreement": "not"}, set()),
        ({"contact": "2w"}, {"Good Mentee"}),
        ({"contact": "never"}, {"Quiet Mentee"}),
        ({"hours": "behind"}, {"Quiet Mentee"}),
        ({"hours": "on_track"}, {"Good Mentee"}),
        ({"evaluations": "done"}, {"Good Mentee"}),
        ({"evaluations": "overdue"}, {"Quiet Mentee"}),
    ],
)
def test_the_health_list_filters(client, year, params, expected):
    client.force_login(year["coordinator"])
    assert rows(client, **params) == expected


@time_machine.travel(TODAY, tick=False)
def test_the_health_list_takes_the_same_number_of_queries_with_more_pairs(client, year, make_user_pair):
    client.force_login(year["coordinator"])
    url = reverse(HEALTH)
    client.get(url)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(6):
        match = publish_pair(year["program"], *make_user_pair(f"more{i}"))
        Meeting.objects.create(match=match, met_on=datetime.date(2026, 12, 1), minutes=30, format="phone")
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(few) == len(many)
    # 16: session, user, MFA, permissions (twice); the current terms (the
    # admin builds its queryset twice); the program filter's choices; the
    # count (filtered and not); the page; the states: terms, policies,
    # evaluations, responses; the site's texts for the layout.
    assert len(many) == 16, "\n".join(q["sql"][:150] for q in many.captured_queries)


@time_machine.travel(TODAY, tick=False)
def test_the_export_has_meetings_and_evaluations_but_never_a_note(client, year):
    client.force_login(year["coordinator"])
    response = client.get(reverse("admin:mentoring_matchhealth_export"))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as workbook:
        text = "".join(workbook.read(name).decode() for name in workbook.namelist() if name.endswith(".xml"))
    assert "Only the pair may read this" not in text
    assert "Good Mentee" in text and "Else Mentee" not in text
    assert "overdue" in text and "answered" in text


@time_machine.travel(TODAY, tick=False)
def test_another_programs_coordinator_cannot_export_its_meetings(client, year):
    client.force_login(year["other_coordinator"])
    response = client.get(reverse("admin:mentoring_matchhealth_export"))
    data = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as workbook:
        text = "".join(workbook.read(name).decode() for name in workbook.namelist() if name.endswith(".xml"))
    assert "Good Mentee" not in text and "Else Mentee" in text


def test_a_new_midpoint_evaluation_gets_the_outcome_items(client, year):
    client.force_login(year["coordinator"])
    program_year = year["program"].years.get()
    data = {
        "year": program_year.pk,
        "term": "",
        "kind": QuestionnaireKind.CLOSING,
        "role": Role.MENTEE,
        "title": "Closing evaluation",
        "intro": "",
        "opens_on": "2027-04-01",
        "closes_on": "2027-04-20",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-order": "1",
        "items-0-text": "My mentor listens.",
        "items-0-kind": "likert",
        "items-0-choices": "",
        "items-0-required": "on",
        "items-0-outcome": "",
    }
    response = client.post(reverse("admin:mentoring_questionnaire_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    closing = Questionnaire.objects.get(title="Closing evaluation")
    assert [i.text for i in closing.items.all()] == [
        "My mentor listens.",
        "This mentorship helps me with: Networks and career planning",
        "This mentorship helps me with: Belonging and support",
    ]


def test_coordinators_hold_the_permissions_of_the_schedule_but_cannot_change_answers():
    codenames = set(Group.objects.get(name=COORDINATORS_GROUP).permissions.values_list("codename", flat=True))
    assert {
        "add_questionnaire",
        "change_mentoringpolicy",
        "view_matchhealth",
        "view_questionnaireresponse",
    } <= codenames
    assert "change_questionnaireresponse" not in codenames


def test_a_questionnaire_must_close_after_it_opens_within_its_year(client, year):
    client.force_login(year["coordinator"])
    program_year = year["program"].years.get()
    response = client.post(
        reverse("admin:mentoring_questionnaire_add"),
        {
            "year": program_year.pk,
            "term": "",
            "kind": QuestionnaireKind.CHECK_IN,
            "role": Role.MENTOR,
            "title": "Backwards",
            "opens_on": "2026-10-10",
            "closes_on": "2026-10-01",
            "items-TOTAL_FORMS": "0",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200
    assert b"It must close on or after the day it opens." in response.content
    assert not Questionnaire.objects.filter(title="Backwards").exists()
