"""The public and learner pages in Chromium at 390 px and 1280 px: no sideways
scroll, zero axe violations, the phone menu, and the error summary's focus.
The landing page's screenshots are copied to docs/ for the README."""

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from applications import demo as applications_demo
from applications.models import Status
from conftest import (
    DESKTOP,
    PHONE,
    TEST_OUTPUT,
    assert_accessible,
    assert_fits_phone_and_desktop,
    assert_no_horizontal_scroll,
    login,
)
from tests.factories import make_mentee_application

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture
def programs(demo):
    applications_demo.seed_reference()
    return demo


def test_the_landing_page_fits_a_phone_and_a_desktop(page, programs):
    page.goto("/")
    assert_fits_phone_and_desktop(page, "landing")
    for label in ("phone", "desktop"):
        shutil.copyfile(TEST_OUTPUT / f"landing-{label}.png", DOCS / f"screenshot-landing-{label}.png")
    shutil.copyfile(TEST_OUTPUT / "landing-desktop.png", DOCS / "screenshot-landing.png")


def test_on_a_phone_the_menu_opens_without_javascript(browser, live_server, programs):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/")
        database = page.get_by_role("link", name="Mentorship Database", exact=True)
        expect(database).to_be_hidden()
        page.get_by_text("Menu", exact=True).click()
        expect(database).to_be_visible()
        page.screenshot(path=str(TEST_OUTPUT / "menu-open-phone.png"))
        database.click()
        page.wait_for_url("**/database/**")
    finally:
        context.close()


def test_a_program_page_fits(page, programs):
    page.goto("/programs/ilead/")
    assert_fits_phone_and_desktop(page, "program-ilead")


def test_the_home_page_fits_and_shows_the_next_steps(page, programs, learner):
    make_mentee_application(programs["dmp"], learner, status=Status.UNDER_REVIEW)
    login(page, learner.email)
    page.wait_for_url("**/home/")
    assert page.get_by_text("Your DMP mentee application is under review.").is_visible()
    assert page.get_by_role("link", name="Apply to iLEAD as a mentee").is_visible()
    assert_fits_phone_and_desktop(page, "home")


def test_an_application_form_fits_and_its_errors_take_the_focus(page, programs, mentor):
    login(page, mentor.email)
    page.goto("/programs/ilead/apply/mentor/")
    assert_fits_phone_and_desktop(page, "apply-ilead-mentor")
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.goto("/programs/ilead/apply/mentor/")
        page.get_by_role("button", name="Submit application").click()
        summary = page.locator("#error-summary")
        expect(summary).to_be_focused()
        links = summary.get_by_role("link").all_inner_texts()
        assert [text.split(":")[0] for text in links][:3] == ["Tier", "Your role", "Main hospital site"]
        assert_no_horizontal_scroll(page)
        assert_accessible(page, f"apply-ilead-mentor-errors-{label}")
