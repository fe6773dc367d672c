"""Sign-in hardening: the admin login, rate limits, the second factor for staff,
idle staff sessions, and the headers that keep personal pages private."""

from __future__ import annotations

import time

import pytest
from django.core.checks import run_checks
from django.core.management import call_command

from accounts.signals import LAST_ACTIVITY_SESSION_KEY
from conftest import PASSWORD, make_user, mfa_enroll

pytestmark = pytest.mark.django_db


class TestAdminLogin:
    def test_it_goes_through_the_sites_login(self, client):
        response = client.get("/admin/login/?next=/admin/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        assert "next=%2Fadmin%2F" in response["Location"]

    def test_it_throttles_guessing_and_then_refuses_the_right_password(self, client, settings, staff):
        settings.ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/300s/key"}
        for _ in range(5):
            response = client.post("/accounts/login/", {"login": staff.email, "password": "wrong-guess"})
            assert response.status_code == 200
        response = client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})
        assert "Too many failed login attempts" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_a_learner_cannot_open_the_admin(self, client, learner):
        client.force_login(learner)
        assert client.get("/admin/login/").status_code == 403


class TestSharedCacheCheck:
    def test_a_per_process_cache_is_a_deployment_warning(self, settings):
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        assert "accounts.W001" in [m.id for m in run_checks(include_deployment_checks=True)]

    def test_a_shared_cache_passes(self, settings):
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:6379/1",
            }
        }
        assert "accounts.W001" not in [m.id for m in run_checks(include_deployment_checks=True)]


class TestSecondFactorForStaff:
    def test_staff_without_an_authenticator_are_sent_to_set_one_up(self, client):
        user = make_user("new.staff@mail.example.edu", is_staff=True, is_superuser=True)
        client.force_login(user)
        response = client.get("/admin/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/2fa/totp/activate/")

    def test_a_coordinator_without_an_authenticator_is_sent_to_set_one_up(self, client, coordinator_of):
        from programs.models import Program

        program = Program.objects.create(
            name="P", slug="p", summary="s", audience="a", contact_email="p@example.com"
        )
        user = coordinator_of(program)
        user.authenticator_set.all().delete()
        client.force_login(user)
        response = client.get("/admin/applications/application/")
        assert response.status_code == 302 and "/2fa/totp/activate/" in response["Location"]

    def test_staff_with_an_authenticator_open_the_admin(self, client, staff):
        client.force_login(staff)
        assert client.get("/admin/").status_code == 200

    def test_a_learner_may_set_one_up_but_need_not(self, client, learner):
        client.force_login(learner)
        assert client.get("/account/profile/").status_code == 200
        assert client.get("/accounts/2fa/").status_code == 200

    def test_sign_in_asks_staff_for_the_code(self, client):
        user = make_user("coded.staff@mail.example.edu", is_staff=True, is_superuser=True)
        mfa_enroll(user)
        response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
        assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
        assert "_auth_user_id" not in client.session


class TestIdleStaffSessions:
    def test_an_idle_staff_session_ends(self, client, staff, settings):
        settings.STAFF_SESSION_IDLE_MINUTES = 30
        client.force_login(staff)
        session = client.session
        session[LAST_ACTIVITY_SESSION_KEY] = time.time() - 31 * 60
        session.save()
        response = client.get("/admin/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        assert "_auth_user_id" not in client.session

    def test_an_active_staff_session_goes_on(self, client, staff, settings):
        settings.STAFF_SESSION_IDLE_MINUTES = 30
        client.force_login(staff)
        session = client.session
        session[LAST_ACTIVITY_SESSION_KEY] = time.time() - 29 * 60
        session.save()
        assert client.get("/admin/").status_code == 200

    def test_a_learner_session_has_no_idle_limit(self, client, learner, settings):
        settings.STAFF_SESSION_IDLE_MINUTES = 30
        client.force_login(learner)
        session = client.session
        session[LAST_ACTIVITY_SESSION_KEY] = time.time() - 24 * 60 * 60
        session.save()
        assert client.get("/account/profile/").status_code == 200


class TestHeaders:
    def test_pages_for_a_signed_in_person_are_not_stored(self, client, learner):
        client.force_login(learner)
        response = client.get("/account/profile/")
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]

    def test_admin_downloads_are_not_stored(self, client, staff):
        client.force_login(staff)
        response = client.get("/admin/")
        assert "no-store" in response["Cache-Control"]

    def test_every_page_has_a_content_security_policy(self, client):
        call_command("check")
        policy = client.get("/accounts/login/")["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy


def test_no_template_has_an_inline_script_or_style():
    """The Content-Security-Policy refuses inline code: a template with one
    would break in the browser without failing any server-side test."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    # The project's own templates: templates/ and each app's templates/.
    for template in [*root.glob("templates/**/*.html"), *root.glob("*/templates/**/*.html")]:
        text = template.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(
            r"\sstyle=\"|<style\b|\son[a-z]+=\"", text
        ):
            offenders.append(str(template.relative_to(root)))
    assert not offenders, offenders
