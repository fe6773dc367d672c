"""Every page a learner or a coordinator opens, at 390 px: nothing scrolls
sideways. The pages with their own browser tests are checked there at both
widths with axe; this sweep catches the rest (account pages, a learner's own
pages, the admin's lists and forms)."""

import pytest

from conftest import PHONE, assert_no_horizontal_scroll, login
from opportunities.tests.factories import make_opportunity
from tests.factories import accepted_mentor, make_mentee_application

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sweep(page, paths) -> list[str]:
    page.set_viewport_size(PHONE)
    wide = []
    for path in paths:
        response = page.goto(path)
        assert response.status < 400, f"{path} answered {response.status}"
        try:
            assert_no_horizontal_scroll(page)
        except AssertionError as exc:
            wide.append(f"{path}: {exc}")
    return wide


def test_a_learners_pages_fit_a_phone(page, demo, learner):
    application = make_mentee_application(demo["dmp"], learner)
    opportunity = make_opportunity()
    paths = [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/",
        f"/programs/{demo['ilead'].slug}/",
    ]
    assert sweep(page, paths) == []
    login(page, learner.email)
    paths = [
        "/home/",
        "/account/profile/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/database/",
        f"/database/{opportunity.pk}/",
        f"/database/{opportunity.pk}/suggest/",
        "/database/suggest/",
        "/my/applications/",
        f"/my/applications/{application.pk}/",
        f"/my/applications/{application.pk}/edit/",
        f"/my/applications/{application.pk}/identity/",
        f"/my/applications/{application.pk}/withdraw/",
        "/my/mentorships/",
        f"/programs/{demo['ilead'].slug}/apply/mentor/",
    ]
    assert sweep(page, paths) == []


def test_a_coordinators_admin_pages_fit_a_phone(page, demo, coordinator_of):
    coordinator = coordinator_of(demo["dmp"])
    mentee = make_mentee_application(demo["dmp"])
    accepted_mentor(demo["dmp"])
    login(page, coordinator.email)
    paths = [
        "/admin/",
        "/admin/applications/application/",
        f"/admin/applications/application/{mentee.pk}/change/",
        "/admin/matching/round/",
        "/admin/matching/round/add/",
        "/admin/matching/mentorrequest/",  # participant choice: requests after the round
        "/admin/notifications/outgoingemail/",
        f"/admin/programs/program/{demo['dmp'].pk}/change/",
    ]
    assert sweep(page, paths) == []
