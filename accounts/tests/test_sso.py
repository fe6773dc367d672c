"""Single sign-on without a browser: failures of the provider, and the logout choice.
The whole flows run in Chromium against a real provider in test_sso_browser.py."""

from __future__ import annotations

import logging

import pytest
import requests
from allauth.core.exceptions import ImmediateHttpResponse
from django.test import RequestFactory
from django.urls import reverse

from accounts.adapters import SocialAccountAdapter
from accounts.sso import ID_TOKEN_SESSION_KEY

from .conftest import CLIENT_ID, CLIENT_SECRET, PROVIDER_ID

pytestmark = pytest.mark.django_db


@pytest.fixture
def sso_at(settings):
    """sso_at(url): SSO configured against a provider at that URL (nothing needs to answer)."""

    def configure(url: str) -> None:
        settings.OIDC_ENABLED = True
        settings.SOCIALACCOUNT_REQUESTS_TIMEOUT = 1
        settings.SOCIALACCOUNT_PROVIDERS = {
            "openid_connect": {
                "APPS": [
                    {
                        "provider_id": PROVIDER_ID,
                        "name": "University login",
                        "client_id": CLIENT_ID,
                        "secret": CLIENT_SECRET,
                        "settings": {"server_url": url},
                    }
                ]
            }
        }

    return configure


def signed_in_through_sso(client, user) -> None:
    client.force_login(user)
    session = client.session
    session[ID_TOKEN_SESSION_KEY] = "header.payload.signature"
    session.save()


def test_a_provider_that_refuses_connections_gets_a_page_not_a_500(client, sso_at, closed_port, caplog):
    sso_at(f"http://127.0.0.1:{closed_port}")
    caplog.set_level(logging.WARNING, logger="accounts.sso")
    response = client.post(f"/accounts/oidc/{PROVIDER_ID}/login/", {"process": "login"})
    assert response.status_code == 503
    assert "The university login is not answering" in response.content.decode()
    assert "ConnectionError" in caplog.text


def test_a_provider_that_does_not_answer_times_out_into_the_same_page(client, sso_at, silent_port, caplog):
    sso_at(f"http://127.0.0.1:{silent_port}")
    caplog.set_level(logging.WARNING, logger="accounts.sso")
    response = client.post(f"/accounts/oidc/{PROVIDER_ID}/login/", {"process": "login"})
    assert response.status_code == 503
    assert "ReadTimeout" in caplog.text


def test_an_unknown_provider_is_a_404(client, sso_at, closed_port):
    sso_at(f"http://127.0.0.1:{closed_port}")
    assert client.post("/accounts/oidc/nobody/login/").status_code == 404


def test_an_authentication_error_from_the_network_becomes_the_unavailable_page(caplog):
    request = RequestFactory().get("/accounts/oidc/institution/login/callback/")
    caplog.set_level(logging.WARNING, logger="accounts.sso")
    with pytest.raises(ImmediateHttpResponse) as raised:
        SocialAccountAdapter(request).on_authentication_error(
            request, provider=None, exception=requests.ReadTimeout("token endpoint too slow")
        )
    assert raised.value.response.status_code == 503
    assert "token endpoint too slow" in caplog.text


def test_other_authentication_errors_keep_allauths_handling():
    request = RequestFactory().get("/")
    SocialAccountAdapter(request).on_authentication_error(request, provider=None, exception=ValueError("bad"))


class TestLogout:
    def test_a_password_session_gets_a_plain_confirmation(self, client, sso_at, closed_port, learner):
        sso_at(f"http://127.0.0.1:{closed_port}")
        client.force_login(learner)
        html = client.get("/accounts/logout/").content.decode()
        assert "Sign out here and of the university login" not in html
        assert "Sign Out" in html

    def test_an_sso_session_is_offered_both_choices(self, client, sso_at, closed_port, learner):
        sso_at(f"http://127.0.0.1:{closed_port}")
        signed_in_through_sso(client, learner)
        html = client.get("/account/profile/").content.decode()
        assert 'href="/accounts/logout/"' in html, "the navigation leads to the choice"
        html = client.get("/accounts/logout/").content.decode()
        assert "Sign out here and of the university login" in html
        assert "Sign out of this site" in html

    def test_signing_out_of_this_site_only_stays_here(self, client, sso_at, closed_port, learner):
        sso_at(f"http://127.0.0.1:{closed_port}")
        signed_in_through_sso(client, learner)
        response = client.post("/accounts/logout/", {"sso_logout": "0"})
        assert response.status_code == 302
        assert response.url == "/"
        assert "_auth_user_id" not in client.session

    def test_an_unreachable_provider_still_signs_out_here_and_says_so(
        self, client, sso_at, closed_port, learner, caplog
    ):
        sso_at(f"http://127.0.0.1:{closed_port}")
        signed_in_through_sso(client, learner)
        caplog.set_level(logging.WARNING, logger="accounts.sso")
        response = client.post("/accounts/logout/", {"sso_logout": "1"}, follow=True)
        assert response.redirect_chain[0] == ("/", 302)
        assert "_auth_user_id" not in client.session
        assert "could not reach the university login" in response.content.decode()
        assert "University login unavailable for sign-out" in caplog.text


class TestNonMembersAreToldHowToConnect:
    @pytest.fixture(autouse=True)
    def _sso(self, sso_at, closed_port, settings):
        sso_at(f"http://127.0.0.1:{closed_port}")
        settings.INSTITUTION_EMAIL_DOMAINS = ["example.edu"]

    def connect_form_back_to(self, html: str, path: str) -> bool:
        return (
            f"/accounts/oidc/{PROVIDER_ID}/login/?process=connect&amp;next={path.replace('/', '%2F')}" in html
        )

    def test_on_the_database(self, client, outsider):
        client.force_login(outsider)
        response = client.get("/database/")
        assert response.status_code == 403
        assert self.connect_form_back_to(response.content.decode(), "/database/")

    def test_on_a_mentee_application(self, client, outsider, demo):
        client.force_login(outsider)
        slug = next(iter(demo))
        path = reverse("applications:apply_mentee", args=[slug])
        response = client.get(path)
        assert response.status_code == 403
        assert self.connect_form_back_to(response.content.decode(), path)

    def test_on_the_profile(self, client, outsider):
        client.force_login(outsider)
        html = client.get("/account/profile/").content.decode()
        assert "connect your university login (below)" in html
        assert self.connect_form_back_to(html, "/account/profile/")


class TestInvitedAccounts:
    """The university login may take over only an account an invitation made:
    no password of its own, never used."""

    def sociallogin(self, email):
        from types import SimpleNamespace

        from allauth.account.models import EmailAddress

        return SimpleNamespace(email_addresses=[EmailAddress(email=email, verified=True)])

    def test_an_invited_account_is_connected_and_its_address_verified(self, monkeypatch, db):
        from accounts.adapters import SocialAccountAdapter
        from programs.services import coordinator_add_by_email
        from tests.factories import make_program

        monkeypatch.setattr(
            SocialAccountAdapter, "can_authenticate_by_email", lambda self, login, email: True
        )
        invited, _ = coordinator_add_by_email(program=make_program(), email="new@mail.example.edu")
        assert SocialAccountAdapter().authenticate_by_email(self.sociallogin("new@mail.example.edu")) == (
            invited,
            "new@mail.example.edu",
        )
        assert invited.emailaddress_set.get().verified

    def test_an_account_with_a_password_or_a_past_sign_in_is_not(self, monkeypatch, db):
        from django.utils import timezone

        from accounts.adapters import SocialAccountAdapter
        from conftest import make_user

        monkeypatch.setattr(
            SocialAccountAdapter, "can_authenticate_by_email", lambda self, login, email: True
        )
        make_user("typed@mail.example.edu", verified=False)
        used = make_user("used@mail.example.edu", verified=False)
        used.set_unusable_password()
        used.last_login = timezone.now()
        used.save()
        adapter = SocialAccountAdapter()
        assert adapter.authenticate_by_email(self.sociallogin("typed@mail.example.edu")) is None
        assert adapter.authenticate_by_email(self.sociallogin("used@mail.example.edu")) is None
