import re

import pytest

from accounts.models import User
from conftest import PASSWORD, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_verify_log_in_edit_profile_log_out(page, settings, mailoutbox, demo):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    page.goto("/accounts/signup/")
    assert_accessible(page, "signup")

    # A mismatched password shows a message and keeps the email.
    page.get_by_label("Email").fill("newcomer@mail.example.edu")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill("something-else-entirely")
    page.get_by_role("button", name="Sign Up").click()
    # The error summary (issue 16) repeats the message: look for the one by the field.
    assert page.get_by_text("You must type the same password each time.", exact=True).is_visible()
    assert page.get_by_label("Email").input_value() == "newcomer@mail.example.edu"
    assert_accessible(page, "signup-error")

    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url("**/confirm-email/")
    assert_accessible(page, "verification-sent")

    assert len(mailoutbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailoutbox[0].body).group(0)
    page.goto(link.split("/accounts/", 1)[1].join(["/accounts/", ""]))
    assert_accessible(page, "confirm-email")
    page.get_by_role("button", name="Confirm").click()

    page.goto("/accounts/login/")
    assert_accessible(page, "login")
    page.get_by_label("Email").fill("newcomer@mail.example.edu")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    # Signing in lands on the home page, whose first next step is the profile (issue 16).
    page.wait_for_url("**/home/")
    assert_accessible(page, "home-new-person")
    page.get_by_role("link", name="Complete your profile").click()
    page.wait_for_url("**/account/profile/")
    assert_accessible(page, "profile")

    page.get_by_label("Full name").fill("New Comer")
    page.get_by_label("Pronouns").fill("they/them")
    page.get_by_label("Learner type").select_option("MD")
    page.get_by_label("Year").fill("9")
    page.get_by_role("button", name="Save profile").click()
    assert page.get_by_text("MD students are in year 1 to 4.", exact=True).is_visible()
    assert page.get_by_label("Full name").input_value() == "New Comer"
    assert_accessible(page, "profile-error")
    page.get_by_label("Year").fill("1")
    page.get_by_role("button", name="Save profile").click()
    assert page.get_by_text("Your profile is saved.").is_visible()
    user = User.objects.get(email="newcomer@mail.example.edu")
    assert (user.name, user.pronouns, user.year) == ("New Comer", "they/them", 1)

    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Log in").is_visible()


def test_password_reset_sends_a_link(page, mailoutbox, demo, learner):
    page.goto("/accounts/password/reset/")
    assert_accessible(page, "password-reset")
    page.get_by_label("Email").fill(learner.email)
    page.get_by_role("button", name="Reset My Password").click()
    page.wait_for_url("**/password/reset/done/")
    assert_accessible(page, "password-reset-done")
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/key/" in mailoutbox[0].body


def test_staff_set_up_an_authenticator_before_the_admin_opens(page, demo):
    from allauth.mfa.models import Authenticator

    from conftest import make_user, totp_code

    user = make_user("first.staff@mail.example.edu", name="First Staff", is_staff=True, is_superuser=True)
    page.goto("/admin/")
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("Email").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    # Setting up a second factor asks for the password once more (allauth's
    # reauthentication), then shows why it is needed.
    page.wait_for_url("**/accounts/reauthenticate/**")
    assert page.get_by_text("Set up two-factor authentication to use the administration").is_visible()
    assert_accessible(page, "mfa-reauthenticate")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/accounts/2fa/totp/activate/**")
    assert_accessible(page, "mfa-activate")
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill("000000" if totp_code(secret) != "000000" else "111111")
    page.get_by_role("button", name="Activate").click()
    assert page.get_by_text("Incorrect code.", exact=True).is_visible()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    assert_accessible(page, "mfa-recovery-codes")
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()

    page.goto("/admin/")
    assert page.get_by_role("heading", name="Programs, applications, matching and the database").is_visible()

    # Signing in again asks for the app's code after the password.
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/accounts/2fa/authenticate/")
    assert_accessible(page, "mfa-authenticate")
    from django.core.cache import cache

    code = totp_code(secret)
    cache.delete(f"allauth.mfa.totp.used?user={user.pk}&code={code}")
    page.locator("#id_code").fill(code)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign In").click()
    page.goto("/admin/")
    assert page.get_by_role("heading", name="Programs, applications, matching and the database").is_visible()
