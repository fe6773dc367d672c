from datetime import timedelta

import pytest
from django.utils import timezone

from applications.models import Role
from conftest import assert_fits_phone_and_desktop, login
from matching import services as matching_services
from matching.models import Round, RoundStatus
from mentoring.models import (
    Agreement,
    ItemAnswer,
    Meeting,
    MentoringPolicy,
    ProgramYear,
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireKind,
)
from tests.factories import ProgramFactory, accepted_mentee, accepted_mentor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "Talked through the surgery elective and the research block."


def test_a_pairs_term(page, learner, mentor, coordinator_of):
    """Both confirm the agreement, a meeting is logged, a check-in is
    answered, and the coordinator sees the progress (hours against the
    rule), without the note."""
    program = ProgramFactory(name="Pathways", slug="pathways")
    MentoringPolicy.objects.create(
        program=program,
        minutes_per_term=120,
        agreement_goals="Plan the clerkship year together.",
        agreement_frequency="At least once a month.",
        agreement_confidentiality="What we share stays between us.",
        agreement_boundaries="No clinical advice about our own care.",
    )
    today = timezone.localdate()
    year = ProgramYear.objects.create(
        program=program,
        name="This year",
        starts_on=today - timedelta(days=60),
        ends_on=today + timedelta(days=300),
    )
    term = year.terms.create(
        name="This term", starts_on=today - timedelta(days=60), ends_on=today + timedelta(days=60)
    )
    check_in = Questionnaire.objects.create(
        year=year,
        term=term,
        kind=QuestionnaireKind.CHECK_IN,
        role=Role.MENTEE,
        title="Fall check-in",
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=10),
    )
    QuestionnaireItem.objects.create(questionnaire=check_in, text="We meet often enough.")
    coordinator = coordinator_of(program)
    round_ = Round.objects.create(program=program, name="Round 1", status=RoundStatus.PUBLISHED)
    match = matching_services.match_publish_one(
        round_=round_, mentee=accepted_mentee(program, learner), mentor=accepted_mentor(program, mentor)
    )

    # The mentee finds the mentorship, confirms the agreement and logs a meeting.
    login(page, learner.email)
    page.goto("/my/mentorships/")
    assert_fits_phone_and_desktop(page, "mentoring-mine")
    page.get_by_role("link", name="Your mentorship with Morgan Mentor").click()
    page.wait_for_url(f"**/my/mentorships/{match.pk}/")
    assert page.get_by_role("link", name="Read and confirm your mentorship agreement").is_visible()
    assert page.get_by_text("Plan the clerkship year together.").is_visible()
    assert_fits_phone_and_desktop(page, "mentoring-home-mentee")
    page.get_by_role("button", name="I have read the agreement and confirm it").click()
    page.wait_for_load_state()
    assert page.get_by_text("You confirmed the agreement.").is_visible()

    # The check-in is due: answered from the home's list, it is due no more.
    page.get_by_role("link", name="Answer Fall check-in").click()
    page.wait_for_url(f"**/questionnaires/{check_in.pk}/")
    page.get_by_label("Agree", exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    assert page.get_by_text("your answers to Fall check-in are saved").is_visible()
    assert ItemAnswer.objects.get(response__match=match).likert == 4
    page.get_by_role("link", name="Your mentorship").click()
    page.wait_for_url(f"**/my/mentorships/{match.pk}/")
    assert page.get_by_text("Nothing is due from you now.").is_visible()

    page.get_by_role("link", name="Log a meeting").click()
    page.wait_for_url("**/meetings/new/")
    assert_fits_phone_and_desktop(page, "mentoring-meeting-new")
    page.get_by_label("Date of the meeting").fill((today + timedelta(days=3)).isoformat())
    page.get_by_label("Length (minutes)").fill("90")
    page.get_by_label("Video call").check()
    page.get_by_label("Note (optional)").fill(NOTE)
    page.get_by_role("button", name="Log the meeting").click()
    page.wait_for_load_state()
    assert page.get_by_text("The date cannot be in the future.").first.is_visible()
    assert page.get_by_label("Note (optional)").input_value() == NOTE  # nothing typed is lost
    assert_fits_phone_and_desktop(page, "mentoring-meeting-errors")
    page.get_by_label("Date of the meeting").fill(today.isoformat())
    page.get_by_role("button", name="Log the meeting").click()
    page.wait_for_url(f"**/my/mentorships/{match.pk}/#meetings")
    assert page.get_by_text("Your meeting is logged.").is_visible()
    assert page.get_by_text(NOTE).is_visible()
    assert page.get_by_text("1 h 30 min", exact=True).is_visible()

    page.get_by_role("link", name="Ask the coordinator for help").click()
    page.wait_for_url("**/ask/?kind=help")
    assert_fits_phone_and_desktop(page, "mentoring-ask")
    meeting = Meeting.objects.get()
    page.goto(f"/my/mentorships/{match.pk}/")
    page.get_by_role("link", name=f"Change the meeting of {today:%-d %B %Y}").click()
    page.wait_for_url(f"**/meetings/{meeting.pk}/edit/")
    assert page.get_by_label("Length (minutes)").input_value() == "90"
    assert_fits_phone_and_desktop(page, "mentoring-meeting-edit")
    page.goto(f"/my/mentorships/{match.pk}/meetings/{meeting.pk}/delete/")
    assert_fits_phone_and_desktop(page, "mentoring-meeting-delete")

    # The mentor reads the note and confirms too: the agreement is then read-only.
    page.context.clear_cookies()
    login(page, mentor.email)
    page.goto(f"/my/mentorships/{match.pk}/")
    assert page.get_by_text(NOTE).is_visible()
    page.get_by_role("button", name="I have read the agreement and confirm it").click()
    page.wait_for_load_state()
    assert page.get_by_text("Both of you confirmed the agreement").is_visible()
    assert page.get_by_role("button", name="I have read the agreement and confirm it").count() == 0
    assert Agreement.objects.get(match=match).is_confirmed

    # The coordinator sees the progress and both dates, never the note.
    page.context.clear_cookies()
    login(page, coordinator.email)
    page.goto(f"/my/mentorships/{match.pk}/")
    assert page.get_by_text("1 h 30 min", exact=True).is_visible()
    assert page.locator("#agreement-confirmations").get_by_text("confirmed on").count() == 2
    assert page.get_by_text(NOTE).count() == 0
    assert_fits_phone_and_desktop(page, "mentoring-home-coordinator")
