"""In Chromium: a mentee answers a check-in (phone and desktop, axe), turns
off the optional reminders, and the coordinator reads the answer and the
match-health list."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from applications.models import Role
from conftest import assert_accessible, assert_fits_phone_and_desktop, login, make_user
from mentoring.models import (
    ItemKind,
    ProgramYear,
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireKind,
    QuestionnaireResponse,
    Term,
)
from tests.factories import ProgramFactory

from .helpers import publish_pair

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_mentee_answers_a_check_in_and_the_coordinator_reads_it(page, coordinator_of):
    today = timezone.localdate()
    program = ProgramFactory(name="Pathways", slug="pathways")
    year = ProgramYear.objects.create(
        program=program,
        name="This year",
        starts_on=today - datetime.timedelta(days=20),
        ends_on=today + datetime.timedelta(days=200),
    )
    term = Term.objects.create(
        year=year, name="This term", starts_on=year.starts_on, ends_on=today + datetime.timedelta(days=80)
    )
    check_in = Questionnaire.objects.create(
        year=year,
        term=term,
        kind=QuestionnaireKind.CHECK_IN,
        role=Role.MENTEE,
        title="October check-in",
        intro="Three questions about your first weeks.",
        opens_on=today - datetime.timedelta(days=1),
        closes_on=today + datetime.timedelta(days=10),
    )
    QuestionnaireItem.objects.create(questionnaire=check_in, text="We have met at least once.", order=1)
    QuestionnaireItem.objects.create(
        questionnaire=check_in,
        text="How do you usually meet?",
        kind=ItemKind.CHOICE,
        choices="In person\nVideo call\nPhone",
        order=2,
    )
    QuestionnaireItem.objects.create(
        questionnaire=check_in,
        text="Anything you want the coordinators to know?",
        kind=ItemKind.TEXT,
        required=False,
        order=3,
    )
    mentee = make_user("mia@learners.example.edu", name="Mia Mentee")
    match = publish_pair(program, mentee, make_user("max@faculty.example.edu", name="Max Mentor"))
    coordinator = coordinator_of(program)

    login(page, mentee.email)
    page.goto(f"/mentoring/{match.pk}/questionnaires/{check_in.pk}/")
    assert page.get_by_role("heading", name="October check-in").is_visible()
    assert_fits_phone_and_desktop(page, "mentoring-check-in")

    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    summary = page.locator("#error-summary")
    assert summary.is_visible() and "Answer this question." in summary.inner_text()
    assert_accessible(page, "mentoring-check-in-errors")

    page.get_by_role("radio", name="Agree", exact=True).check()
    page.get_by_role("radio", name="Video call").check()
    page.get_by_label("Anything you want the coordinators to know?").fill("We are off to a good start.")
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    assert page.get_by_text("Thank you: your answers to October check-in are saved.").is_visible()
    assert page.get_by_text("We are off to a good start.").is_visible()
    assert QuestionnaireResponse.objects.filter(match=match, questionnaire=check_in).exists()
    assert_fits_phone_and_desktop(page, "mentoring-check-in-answered")

    page.get_by_role("link", name="Reminder settings").click()
    page.wait_for_load_state()
    assert_fits_phone_and_desktop(page, "mentoring-reminder-settings")
    page.get_by_label("Send me reminders to meet, to confirm our agreement and to answer check-ins").uncheck()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.get_by_text("Your optional reminders are off.").is_visible()

    page.context.clear_cookies()
    login(page, coordinator.email)
    page.goto("/admin/mentoring/questionnaireresponse/")
    assert page.get_by_text("Mia Mentee with Max Mentor").first.is_visible()
    assert_accessible(page, "mentoring-responses")
    page.get_by_role("link", name="October check-in").first.click()
    page.wait_for_load_state()
    assert page.get_by_text("We are off to a good start.", exact=True).is_visible()
    # Once: not again in the row heading the admin's tabular inline adds.
    assert page.get_by_text("We are off to a good start.").filter(visible=True).count() == 1
    assert_accessible(page, "mentoring-response")
    page.goto("/admin/mentoring/matchhealth/")
    assert page.get_by_role("link", name="Mia Mentee with Max Mentor").is_visible()
    assert_fits_phone_and_desktop(page, "mentoring-match-health")


def test_the_coordinators_schedule_pages_fit_a_phone(page, coordinator_of):
    from tests.test_phone_sweep import sweep

    program = ProgramFactory(name="Pathways", slug="pathways")
    coordinator = coordinator_of(program)
    login(page, coordinator.email)
    paths = [
        "/admin/mentoring/",
        "/admin/mentoring/mentoringpolicy/add/",
        "/admin/mentoring/programyear/add/",
        "/admin/mentoring/questionnaire/",
        "/admin/mentoring/questionnaire/add/",
        "/admin/mentoring/questionnaireresponse/",
        "/admin/mentoring/remindersent/",
        "/admin/mentoring/digestsent/",
        "/admin/mentoring/matchhealth/",
    ]
    assert sweep(page, paths) == []
