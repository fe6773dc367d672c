import pytest

from conftest import assert_accessible, assert_keyboard_reaches_everything

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_landing_and_program_pages(page, demo):
    page.goto("/")
    assert page.get_by_role("heading", name="Mentorship Programs", level=1).is_visible()
    assert page.get_by_text("environmental scan of Temerty Medicine").is_visible()
    assert_accessible(page, "landing")

    page.get_by_role("link", name="DMP", exact=True).click()
    page.wait_for_url("**/programs/dmp/")
    assert page.get_by_text("Increased sense of belonging").is_visible()
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
    page.get_by_role("link", name="iLEAD", exact=True).click()
    page.wait_for_url("**/programs/ilead/")
    assert page.get_by_text("current upper year medical students with resident physicians").is_visible()
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
