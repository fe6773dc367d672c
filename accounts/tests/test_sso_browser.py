"""Single sign-on in Chromium against a real OpenID provider on loopback."""

from __future__ import annotations

import logging

import pytest
from allauth.socialaccount.models import SocialAccount

from accounts.models import User
from accounts.services import user_is_member
from conftest import PASSWORD, assert_accessible, login, make_user

from .conftest import PROVIDER_ID

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sso_page(page, sso):
    # The provider's dev pages import a web font; there is no network, so fail it fast.
    page.route("https://fonts.googleapis.com/**", lambda route: route.abort())
    return page


def start_university_login(page, next_path: str = "/accounts/login/") -> None:
    page.goto(next_path)
    page.get_by_role("button", name="Continue with the university login").click()


def sign_in_at_provider(page, issuer: str, login_name: str) -> None:
    page.wait_for_url(f"{issuer}/**")
    page.locator("input[name=login]").fill(login_name)
    page.locator("input[name=password]").fill("anything: the dev login accepts any password")
    page.get_by_role("button", name="Sign-in").click()


def test_the_university_login_comes_first_on_the_login_page(sso_page):
    sso_page.goto("/accounts/login/")
    assert_accessible(sso_page, "sso-login")
    button = sso_page.get_by_role("button", name="Continue with the university login").bounding_box()
    email = sso_page.get_by_label("Email").bounding_box()
    assert button["y"] < email["y"]
    assert sso_page.get_by_text("Or use a third-party").count() == 0


def test_a_new_learner_signs_in_with_the_university_login(sso_page, sso):
    start_university_login(sso_page)
    sign_in_at_provider(sso_page, sso.issuer, "new-learner")
    sso_page.wait_for_url("**/home/")
    assert sso_page.get_by_text("Signed in as nia.new@mail.example.edu").is_visible()
    assert_accessible(sso_page, "sso-new-learner-profile")

    user = User.objects.get(email="nia.new@mail.example.edu")
    assert user.name == "Nia New"
    assert SocialAccount.objects.filter(user=user, provider=PROVIDER_ID, uid="new-learner").exists()
    assert user_is_member(user)


def test_an_existing_verified_account_is_connected_not_duplicated(sso_page, sso, learner):
    users_before = User.objects.count()
    start_university_login(sso_page)
    sign_in_at_provider(sso_page, sso.issuer, "lee")
    sso_page.wait_for_url("**/home/")
    assert sso_page.get_by_text(f"Signed in as {learner.email}").is_visible()

    assert User.objects.count() == users_before
    assert SocialAccount.objects.get(provider=PROVIDER_ID, uid="lee").user == learner
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD), "the password still works"


@pytest.mark.parametrize(
    ("login_name", "email", "local_verified", "explanation"),
    [
        ("una", "una.unverified@mail.example.edu", False, "that address has not been verified here yet"),
        ("lee-unconfirmed", "learner@mail.example.edu", True, "did not confirm that"),
    ],
    ids=["local-address-unverified", "provider-did-not-verify"],
)
def test_an_account_we_cannot_safely_connect_gets_an_explanation(
    sso_page, sso, login_name, email, local_verified, explanation
):
    local = make_user(email, verified=local_verified)
    users_before = User.objects.count()
    start_university_login(sso_page)
    sign_in_at_provider(sso_page, sso.issuer, login_name)

    heading = sso_page.get_by_role("heading", level=1)
    heading.wait_for()
    assert heading.inner_text() == f"You already have an account with {email}"
    assert sso_page.get_by_text(explanation).is_visible()
    assert sso_page.get_by_role("link", name="Sign in with your email and password").is_visible()
    assert_accessible(sso_page, f"sso-account-exists-{login_name}")

    assert User.objects.count() == users_before
    assert not SocialAccount.objects.exists()
    local.refresh_from_db()
    assert local.check_password(PASSWORD), "the password is not wiped"
    assert not sso_page.get_by_role("button", name="Log out").count()


def test_a_non_member_connects_the_university_login_and_becomes_a_member(sso_page, sso, settings, outsider):
    settings.INSTITUTION_EMAIL_DOMAINS = ["example.edu"]
    login(sso_page, outsider.email)
    sso_page.goto("/database/")
    assert sso_page.get_by_role("heading", name="The database is for institutional members").is_visible()
    assert_accessible(sso_page, "sso-members-only")

    sso_page.get_by_role("button", name="Connect your university login").click()
    sign_in_at_provider(sso_page, sso.issuer, "oz")
    sso_page.wait_for_url("**/database/")
    assert not sso_page.get_by_role("heading", name="The database is for institutional members").count()

    assert SocialAccount.objects.get(provider=PROVIDER_ID, uid="oz").user == outsider
    assert user_is_member(User.objects.get(pk=outsider.pk))
    sso_page.goto("/account/profile/")
    assert sso_page.get_by_text("Your university login is connected").is_visible()
    assert_accessible(sso_page, "sso-profile-connected")
    sso_page.get_by_role("link", name="Manage connected logins").click()
    sso_page.wait_for_url("**/accounts/3rdparty/")
    assert_accessible(sso_page, "sso-connections")


def test_the_profile_offers_to_connect_the_university_login(sso_page, settings, outsider):
    settings.INSTITUTION_EMAIL_DOMAINS = ["example.edu"]
    login(sso_page, outsider.email)
    sso_page.goto("/account/profile/")
    assert sso_page.get_by_text("connect your university login (below)").is_visible()
    assert sso_page.get_by_role("button", name="Connect your university login").is_visible()
    assert_accessible(sso_page, "sso-profile-not-member")


@pytest.mark.parametrize("failure", ["refused", "timeout"])
def test_a_provider_that_is_down_or_slow_gets_a_friendly_page(
    sso_page, sso, settings, caplog, closed_port, silent_port, failure
):
    port = closed_port if failure == "refused" else silent_port
    settings.SOCIALACCOUNT_REQUESTS_TIMEOUT = 1
    settings.SOCIALACCOUNT_PROVIDERS = sso.app_settings(server_url=f"http://127.0.0.1:{port}")
    caplog.set_level(logging.WARNING, logger="accounts.sso")

    sso_page.goto("/accounts/login/")
    with sso_page.expect_response(lambda r: "/accounts/oidc/" in r.url) as response:
        sso_page.get_by_role("button", name="Continue with the university login").click()
    assert response.value.status == 503
    assert sso_page.get_by_role("heading", name="The university login is not answering").is_visible()
    assert sso_page.get_by_role("link", name="sign in with your email and password").is_visible()
    assert_accessible(sso_page, f"sso-provider-{failure}")
    assert any(
        r.levelname == "WARNING"
        and r.name == "accounts.sso"
        and "University login unavailable" in r.getMessage()
        for r in caplog.records
    )


def test_a_token_call_that_fails_gets_the_same_friendly_page(sso_page, sso, settings, caplog, closed_port):
    start_university_login(sso_page)
    sso_page.wait_for_url(f"{sso.issuer}/**")
    # Discovery worked; now the token endpoint stops answering before the callback.
    settings.SOCIALACCOUNT_PROVIDERS = sso.app_settings(
        openid_configuration_overrides={"token_endpoint": f"http://127.0.0.1:{closed_port}/token"}
    )
    caplog.set_level(logging.WARNING, logger="accounts.sso")
    sign_in_at_provider(sso_page, sso.issuer, "new-learner")
    sso_page.get_by_role("heading", name="The university login is not answering").wait_for()
    assert not User.objects.filter(email="nia.new@mail.example.edu").exists()
    assert any(r.name == "accounts.sso" and r.levelname == "WARNING" for r in caplog.records)


def _sign_in_and_open_logout(page, issuer) -> None:
    start_university_login(page)
    sign_in_at_provider(page, issuer, "new-learner")
    page.wait_for_url("**/home/")
    page.get_by_role("link", name="Log out").click()
    page.wait_for_url("**/accounts/logout/")


def test_signing_out_of_the_university_login_too_ends_its_session(sso_page, sso, live_server):
    _sign_in_and_open_logout(sso_page, sso.issuer)
    assert_accessible(sso_page, "sso-logout")
    sso_page.get_by_role("button", name="Sign out here and of the university login").click()

    sso_page.wait_for_url(f"{sso.issuer}/**")
    sso_page.get_by_role("button", name="Yes, sign me out").click()
    sso_page.wait_for_url(f"{live_server.url}/")
    assert sso_page.get_by_role("link", name="Log in").is_visible()

    # The next person at this computer gets the provider's login form, not the last person's session.
    start_university_login(sso_page)
    sso_page.wait_for_url(f"{sso.issuer}/**")
    assert sso_page.locator("input[name=login]").is_visible()


def test_signing_out_of_this_site_only_keeps_the_university_session(sso_page, sso):
    _sign_in_and_open_logout(sso_page, sso.issuer)
    sso_page.get_by_role("button", name="Sign out of this site").click()
    sso_page.get_by_role("link", name="Log in").wait_for()

    start_university_login(sso_page)
    sso_page.wait_for_url("**/home/")
    assert sso_page.get_by_text("Signed in as nia.new@mail.example.edu").is_visible()


def test_an_invited_coordinator_may_sign_in_with_the_university_login(sso_page, sso, settings):
    """The invitation offers the university login: the account staff made for
    the address has no password and was never used, so connecting it is safe,
    and the provider's verification verifies the address here too."""
    from programs.services import coordinator_add_by_email
    from tests.factories import make_program

    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    invited, _ = coordinator_add_by_email(program=make_program(), email="una.unverified@mail.example.edu")
    users_before = User.objects.count()
    start_university_login(sso_page)
    sign_in_at_provider(sso_page, sso.issuer, "una")
    sso_page.wait_for_url("**/home/")
    assert sso_page.get_by_text("Signed in as una.unverified@mail.example.edu.", exact=True).is_visible()

    assert User.objects.count() == users_before
    assert SocialAccount.objects.get(provider=PROVIDER_ID, uid="una").user == invited
    invited.refresh_from_db()
    assert invited.emailaddress_set.get().verified
