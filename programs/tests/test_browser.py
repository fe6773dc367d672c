import re

import pytest
from playwright.sync_api import expect

from conftest import assert_accessible, assert_keyboard_reaches_everything, login, mfa_set_up
from programs.models import SiteContent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_landing_and_program_pages(page, demo):
    SiteContent.objects.filter(pk=1).update(
        title="Our Programs", equity_intro="Why equity mentorship matters."
    )
    demo["dmp"].outcomes.create(text="A mentor who shares your path", order=99)
    demo["ilead"].tiers.filter(number=2).update(description="Seniors paired with residents.")
    page.goto("/")
    assert page.get_by_role("heading", name="Our Programs", level=1).is_visible()
    assert page.get_by_text("Why equity mentorship matters.").is_visible()
    assert_accessible(page, "landing")

    page.get_by_role("link", name=demo["dmp"].name, exact=True).click()
    page.wait_for_url("**/programs/dmp/")
    assert page.get_by_text("A mentor who shares your path").is_visible()
    assert (
        page.get_by_role("link", name="Apply as a mentee").get_attribute("href")
        == "/programs/dmp/apply/mentee/"
    )
    assert (
        page.get_by_role("link", name="Apply as a mentor").get_attribute("href")
        == "/programs/dmp/apply/mentor/"
    )
    assert_accessible(page, "program-dmp")

    page.goto("/")
    page.get_by_role("link", name=demo["ilead"].name, exact=True).click()
    page.wait_for_url("**/programs/ilead/")
    assert page.get_by_text("Seniors paired with residents.").is_visible()
    assert_accessible(page, "program-ilead")


def test_the_404_page_is_styled_and_accessible(page, demo):
    response = page.goto("/programs/no-such-program/")
    assert response.status == 404
    assert page.get_by_role("heading", name="Page not found").is_visible()
    assert_accessible(page, "404")


def test_keyboard_reaches_every_link_and_button_with_a_visible_focus(page, demo):
    for path in ("/", "/programs/dmp/"):
        page.goto(path)
        assert_keyboard_reaches_everything(page)


def test_the_skip_link_moves_to_main(page, demo):
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")


def test_staff_onboard_a_coordinator_who_then_sees_only_their_program(page, live_server, settings, staff):
    from notifications.models import OutgoingEmail
    from tests.factories import make_program

    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    settings.SITE_URL = live_server.url
    theirs = make_program(name="Peer Circles")
    other = make_program(name="Night Shift Buddies")

    # Staff add the coordinator by email on the program's coordinators page.
    login(page, staff.email)
    page.goto(f"/admin/programs/program/{theirs.pk}/change/")
    page.get_by_role("link", name="Add or remove coordinators").click()
    expect(page.get_by_role("heading", name="Coordinators of Peer Circles")).to_be_visible()
    assert_accessible(page, "admin-coordinators")

    page.get_by_label("Email address").fill("not-an-address")
    page.get_by_role("button", name="Add coordinator").click()
    expect(
        page.get_by_role("link", name="Enter an email address in the form name@example.com.")
    ).to_be_visible()
    expect(page.locator("#error-summary")).to_be_focused()  # its script moves the focus: wait for it
    assert_accessible(page, "admin-coordinators-error")

    page.get_by_label("Email address").fill("new.coordinator@example.edu")
    page.get_by_label("Full name (optional)").fill("Nia Newton")
    page.get_by_role("button", name="Add coordinator").click()
    expect(
        page.get_by_text("Added new.coordinator@example.edu as a coordinator of Peer Circles")
    ).to_be_visible()
    expect(page.get_by_role("cell", name="Nia Newton")).to_be_visible()
    assert_accessible(page, "admin-coordinators-added")

    # The coordinator follows the emailed link and chooses a password.
    (email,) = OutgoingEmail.objects.filter(to="new.coordinator@example.edu")
    link = re.search(r"http://\S+/accounts/password/reset/key/\S+/", email.body_text).group(0)
    assert link.startswith(live_server.url)
    page.context.clear_cookies()
    page.goto(link)
    expect(page.get_by_role("heading", name="Change Password")).to_be_visible()
    assert_accessible(page, "coordinator-set-password")
    page.locator("#id_password1").fill("a-new-long-password-7")
    page.locator("#id_password2").fill("a-new-long-password-7")
    page.get_by_role("button", name="Change Password").click()
    page.wait_for_url("**/accounts/password/reset/key/done/")

    # They sign in and see only their program in the admin.
    login(page, "new.coordinator@example.edu", "a-new-long-password-7")
    assert "/confirm-email/" not in page.url
    page.goto("/admin/")
    # Coordinators see identity data: the admin asks for a second factor first.
    mfa_set_up(page, "a-new-long-password-7")
    page.goto("/admin/")
    expect(page.get_by_role("link", name="Programs", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Users")).to_have_count(0)
    page.get_by_role("link", name="Programs", exact=True).click()
    expect(page.get_by_role("link", name="Peer Circles")).to_be_visible()
    expect(page.get_by_text("Night Shift Buddies")).to_have_count(0)

    # The other program's page is not theirs: the admin sends them back to its index.
    page.goto(f"/admin/programs/program/{other.pk}/change/")
    assert page.url.rstrip("/").endswith("/admin")
    expect(page.get_by_text("doesn’t exist")).to_be_visible()
    expect(page.get_by_text("Night Shift Buddies")).to_have_count(0)
    # Nor may they change who coordinates their own.
    assert page.goto(f"/admin/programs/program/{theirs.pk}/coordinators/").status == 403
