"""Every account email names the site: allauth's templates greet with
``current_site.name`` ("Hello from OLA Mentorship!"), which an empty name
turned into "Hello from !"."""

from __future__ import annotations

from pathlib import Path

import allauth
import pytest
from allauth.account.adapter import get_adapter
from allauth.core.context import request_context
from django.test import RequestFactory

from conftest import PASSWORD, make_user
from notifications.models import OutgoingEmail

SITE_NAME = "OLA Mentorship"
ALLAUTH_EMAILS = sorted(
    path.name.removesuffix("_message.txt")
    for path in (Path(allauth.__file__).parent / "templates" / "account" / "email").glob("*_message.txt")
    if not path.name.startswith("base_")
)


def assert_names_the_site(email: OutgoingEmail) -> None:
    assert f"Hello from {SITE_NAME}!" in email.body_text
    assert f"Thank you for using {SITE_NAME}!" in email.body_text
    assert "from !" not in email.body_text and "using !" not in email.body_text
    assert email.subject.startswith(f"[{SITE_NAME}]")


def test_the_site_is_named_by_migration(db):
    from django.contrib.sites.models import Site

    assert Site.objects.get_current().name == SITE_NAME


@pytest.mark.parametrize("template", ALLAUTH_EMAILS)
def test_every_allauth_email_names_the_site(db, template):
    user = make_user("reader@mail.example.edu", name="Rae Reader")
    request = RequestFactory().get("/")
    request.user = user
    context = {
        "user": user,
        "activate_url": "http://testserver/confirm/KEY/",
        "password_reset_url": "http://testserver/reset/KEY/",
        "signup_url": "http://testserver/accounts/signup/",
        "password_reset_code": "ABC123",
        "code": "ABC123",
        "from_email": "old@mail.example.edu",
        "to_email": "reader@mail.example.edu",
        "deleted_email": "old@mail.example.edu",
        "ip": "127.0.0.1",
        "user_agent": "pytest",
        "timestamp": "now",
    }
    with request_context(request):
        get_adapter(request).send_mail(f"account/email/{template}", user.email, context)
    assert_names_the_site(OutgoingEmail.objects.get(kind=template))


def test_the_signup_verification_email_names_the_site(client, db):
    client.post(
        "/accounts/signup/",
        {"email": "new@mail.example.edu", "password1": PASSWORD, "password2": PASSWORD},
    )
    email = OutgoingEmail.objects.get(to="new@mail.example.edu")
    assert email.kind == "email_confirmation_signup"
    assert_names_the_site(email)


def test_the_password_reset_email_names_the_site(client, learner):
    client.post("/accounts/password/reset/", {"email": learner.email})
    email = OutgoingEmail.objects.get(to=learner.email)
    assert email.kind == "password_reset_key"
    assert_names_the_site(email)


def test_a_reset_for_an_unknown_address_names_the_site(client, db):
    client.post("/accounts/password/reset/", {"email": "nobody@mail.example.edu"})
    email = OutgoingEmail.objects.get(to="nobody@mail.example.edu")
    assert email.kind == "unknown_account"
    assert_names_the_site(email)


def test_our_own_emails_are_signed_with_the_site_name(db):
    from notifications.services import email_queue_template

    email = email_queue_template(name="test-message", to="someone@mail.example.edu", context={"name": "Sam"})
    assert SITE_NAME in email.body_text and SITE_NAME in email.body_html


def test_every_email_body_template_signs_with_the_site_name():
    """A new email that forgets the signature would not name the site."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    bodies = [p for p in root.glob("*/templates/emails/*-body.*") if ".venv" not in p.parts]
    assert len(bodies) > 20
    unsigned = [str(p.relative_to(root)) for p in bodies if "emails/_signature." not in p.read_text()]
    assert not unsigned, unsigned
