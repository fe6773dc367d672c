import pytest
from playwright.sync_api import expect

from conftest import assert_accessible, assert_no_horizontal_scroll, login
from notifications.models import OutgoingEmail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_check_who_is_emailed_before_sending_again(page, staff):
    failed = OutgoingEmail.objects.create(
        to="ada@mail.example.edu",
        subject="Your application is accepted",
        body_text="Hello Ada,\n\nWelcome to the program.",
        kind="application-status",
        status=OutgoingEmail.Status.FAILED,
        last_error="SMTPRecipientsRefused: 450 mailbox busy",
    )
    login(page, staff.email)
    page.goto("/admin/notifications/outgoingemail/")
    page.get_by_role("checkbox", name="Select this object for an action").first.check()
    page.get_by_label("Action:").select_option("resend")
    page.get_by_role("button", name="Go").click()

    assert page.get_by_role("heading", name="Who will be emailed (1)").is_visible()
    assert page.get_by_text("Welcome to the program.").is_visible()
    failed.refresh_from_db()
    assert failed.status == OutgoingEmail.Status.FAILED  # nothing sent before Confirm
    assert_accessible(page, "admin-confirm-resend")
    page.set_viewport_size({"width": 390, "height": 844})
    assert_no_horizontal_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Confirm: send 1 email again").click()
    expect(page.get_by_text("1 email queued again.")).to_be_visible()
    failed.refresh_from_db()
    assert failed.status == OutgoingEmail.Status.SENT
