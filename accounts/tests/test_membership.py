import pytest
from allauth.socialaccount.models import SocialAccount

from accounts.services import email_in_institution, user_is_member
from conftest import make_user


def test_any_domain_counts_when_the_setting_is_empty(settings):
    settings.INSTITUTION_EMAIL_DOMAINS = []
    assert email_in_institution("someone@gmail.com")


def test_domains_and_their_subdomains_count(settings):
    settings.INSTITUTION_EMAIL_DOMAINS = ["utoronto.ca"]
    assert email_in_institution("a@utoronto.ca")
    assert email_in_institution("a@mail.UTORONTO.ca")
    assert not email_in_institution("a@notutoronto.ca")
    assert not email_in_institution("a@utoronto.ca.evil.com")


@pytest.mark.django_db
class TestMembership:
    def test_a_verified_institutional_email_makes_a_member(self, settings):
        settings.INSTITUTION_EMAIL_DOMAINS = ["example.edu"]
        assert user_is_member(make_user("a@example.edu"))

    def test_an_unverified_institutional_email_does_not(self, settings):
        settings.INSTITUTION_EMAIL_DOMAINS = ["example.edu"]
        assert not user_is_member(make_user("a@example.edu", verified=False))

    def test_a_verified_outside_email_does_not(self, settings):
        settings.INSTITUTION_EMAIL_DOMAINS = ["example.edu"]
        assert not user_is_member(make_user("a@hospital.org"))

    def test_any_verified_email_counts_without_domains(self, settings):
        settings.INSTITUTION_EMAIL_DOMAINS = []
        assert user_is_member(make_user("a@hospital.org"))
        assert not user_is_member(make_user("b@hospital.org", verified=False))

    def test_single_sign_on_makes_a_member(self, settings):
        settings.INSTITUTION_EMAIL_DOMAINS = ["example.edu"]
        user = make_user("a@gmail.com", verified=False)
        SocialAccount.objects.create(user=user, provider="institution", uid="123")
        assert user_is_member(user)

    def test_anonymous_is_not_a_member(self):
        from django.contrib.auth.models import AnonymousUser

        assert not user_is_member(AnonymousUser())


@pytest.mark.django_db
def test_the_login_page_offers_single_sign_on_when_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "institution",
                    "name": "University login",
                    "client_id": "id",
                    "secret": "secret",
                    "settings": {"server_url": "https://login.example.edu"},
                }
            ]
        }
    }
    html = client.get("/accounts/login/").content.decode()
    assert "University login" in html
    assert "/accounts/oidc/institution/login/" in html


@pytest.mark.django_db
def test_the_login_page_has_no_sso_by_default(client):
    assert "/accounts/oidc/" not in client.get("/accounts/login/").content.decode()
