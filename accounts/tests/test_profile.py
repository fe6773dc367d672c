import pytest

from accounts.models import User
from conftest import PASSWORD, make_user


@pytest.mark.django_db
class TestProfile:
    def test_it_requires_login(self, client):
        response = client.get("/account/profile/")
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]

    def test_it_saves_name_pronouns_type_and_year(self, client, learner):
        client.force_login(learner)
        response = client.post(
            "/account/profile/",
            {"name": "Lee L.", "pronouns": "they/them", "learner_stage": "MD", "year": "3"},
        )
        assert response.status_code == 302
        learner.refresh_from_db()
        assert (learner.name, learner.pronouns, learner.year) == ("Lee L.", "they/them", 3)

    def test_bad_input_shows_a_message_and_keeps_what_was_typed(self, client, learner):
        client.force_login(learner)
        response = client.post(
            "/account/profile/",
            {"name": "Typed Name", "pronouns": "xe/xem", "learner_stage": "MD", "year": "7"},
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "MD students are in year 1 to 4." in html
        assert 'value="Typed Name"' in html
        assert 'value="xe/xem"' in html
        learner.refresh_from_db()
        assert learner.name == "Lee Learner"

    def test_a_learner_type_not_offered_is_refused(self, client, learner):
        client.force_login(learner)
        response = client.post("/account/profile/", {"name": "X", "learner_stage": "WIZARD"})
        assert "Select a valid choice" in response.content.decode()

    def test_posting_without_csrf_is_refused(self, learner):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(learner)
        assert client.post("/account/profile/", {"name": "X"}).status_code == 403


@pytest.mark.django_db
class TestAccounts:
    def test_email_is_the_login(self, client):
        make_user("person@example.edu")
        response = client.post("/accounts/login/", {"login": "person@example.edu", "password": PASSWORD})
        assert response.status_code == 302

    def test_signup_with_mandatory_verification_sends_a_link_and_blocks_login(
        self, client, settings, mailoutbox, django_capture_on_commit_callbacks
    ):
        settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/accounts/signup/",
                {"email": "new@example.edu", "password1": PASSWORD, "password2": PASSWORD},
            )
        assert response.status_code == 302
        assert User.objects.filter(email="new@example.edu").exists()
        assert len(mailoutbox) == 1
        assert "/accounts/confirm-email/" in mailoutbox[0].body
        response = client.post("/accounts/login/", {"login": "new@example.edu", "password": PASSWORD})
        assert "/accounts/confirm-email/" in response["Location"]

    def test_signup_errors_keep_the_email(self, client):
        response = client.post(
            "/accounts/signup/", {"email": "kept@example.edu", "password1": "short", "password2": "nope"}
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert 'value="kept@example.edu"' in html
        assert "invalid-feedback" in html or "errorlist" in html

    def test_create_superuser_works_without_username(self):
        user = User.objects.create_superuser(email="Admin@Example.edu", password=PASSWORD)
        assert user.email == "admin@example.edu" and user.is_superuser
