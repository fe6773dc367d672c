"""A waiting mentee asks a mentor from their requests page; the mentor follows
the link in the email (the outgoing-email row), signs in, and accepts. Every
new page fits a phone and a desktop with zero axe violations."""

import re

import pytest
from django.conf import settings as django_settings

from conftest import PASSWORD, assert_fits_phone_and_desktop, login, make_user
from matching.models import Match, MatchSource, MatchStatus, MentorRequest, RequestStatus, Round, RoundStatus
from notifications.models import OutgoingEmail
from tests.factories import accepted_mentee, accepted_mentor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_mentee_asks_and_the_mentor_accepts_from_the_email(page, demo, coordinator_of):
    dmp = demo["dmp"]
    Round.objects.create(program=dmp, name="Round 1, Fall 2025", status=RoundStatus.PUBLISHED)
    mentee = accepted_mentee(
        dmp,
        make_user("wren@mail.example.edu", name="Wren Waiting", learner_stage="MD", year=2),
        hopes="Advice on applying to surgery.",
        specialties=["Surgery"],
    )
    mentor = accepted_mentor(
        dmp, make_user("ola@hospital.example.org", name="Ola Oncologist", learner_stage="CLIN"), capacity=1
    )
    accepted_mentor(
        dmp, make_user("pat@hospital.example.org", name="Pat Paediatrician", learner_stage="CLIN")
    )

    login(page, mentee.applicant.email)
    page.get_by_role("link", name="Request a mentor").click()
    page.wait_for_url("**/my/requests/")
    assert page.get_by_role("heading", name="Mentors you can ask").is_visible()
    assert_fits_phone_and_desktop(page, "requests-mine-before")
    page.get_by_role("link", name="Ask Ola Oncologist").click()
    page.wait_for_url(f"**/my/requests/new/{mentor.pk}/")
    assert_fits_phone_and_desktop(page, "requests-new")
    page.get_by_label("A note to the mentor (optional)").fill("Your clinic sounds wonderful.")
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_url("**/my/requests/")
    assert page.get_by_text("Your request was sent to Ola Oncologist.").is_visible()
    assert page.get_by_role("button", name="Withdraw the request to Ola Oncologist").is_visible()
    assert_fits_phone_and_desktop(page, "requests-mine-open")
    page.context.clear_cookies()

    # The mentor follows the link in their email and signs in on the way.
    email = OutgoingEmail.objects.get(kind="mentor-request-new", to=mentor.applicant.email)
    link = re.search(re.escape(django_settings.SITE_URL) + r"(/my/requests/for-you/\d+/)", email.body_text)
    page.goto(link.group(1))
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("Email").fill(mentor.applicant.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"**{link.group(1)}")
    assert page.get_by_text("Your clinic sounds wonderful.").is_visible()
    assert page.get_by_text("Advice on applying to surgery.").is_visible()
    assert page.get_by_text(mentee.applicant.email).count() == 0
    assert_fits_phone_and_desktop(page, "requests-answer")
    page.get_by_role("button", name="Accept").click()
    page.wait_for_load_state()
    assert page.get_by_text("You accepted.").is_visible()
    assert page.get_by_role("link", name=mentee.applicant.email).is_visible()

    request = MentorRequest.objects.get()
    assert request.status == RequestStatus.ACCEPTED
    assert (request.match.status, request.match.source) == (MatchStatus.PUBLISHED, MatchSource.REQUEST)
    assert Match.objects.filter(mentee=mentee, status=MatchStatus.PUBLISHED).count() == 1
    assert OutgoingEmail.objects.filter(kind__startswith="match-introduction").count() == 2

    page.goto("/my/requests/for-you/")
    assert_fits_phone_and_desktop(page, "requests-for-me")

    # The coordinators read every request of their program in the admin.
    page.context.clear_cookies()
    login(page, coordinator_of(dmp).email)
    page.goto("/admin/matching/mentorrequest/")
    assert page.get_by_role("link", name=str(request)).is_visible()
    assert_fits_phone_and_desktop(page, "requests-admin-list")
