"""Setting a password from an emailed link verifies the address it went to."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress

from conftest import make_user
from notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db
NEW = "a-new-long-password-7"


def reset_by_email(client, address: str) -> None:
    client.post("/accounts/password/reset/", {"email": address})
    body = OutgoingEmail.objects.filter(to=address).latest("pk").body_text
    link = re.search(r"http://\S+(/accounts/password/reset/key/\S+/)", body).group(1)
    set_password = client.get(link)["Location"]
    response = client.post(set_password, {"password1": NEW, "password2": NEW})
    assert response.status_code == 302


def test_a_reset_from_the_emailed_link_verifies_the_only_address(client):
    user = make_user("unverified@example.edu", verified=False)
    reset_by_email(client, "unverified@example.edu")
    assert EmailAddress.objects.get(user=user).verified


def test_an_account_made_outside_allauth_gets_a_verified_address(client):
    from accounts.models import User

    user = User.objects.create_user(email="shell@example.edu", password="x-long-old-password")
    reset_by_email(client, "shell@example.edu")
    assert EmailAddress.objects.get(user=user, email="shell@example.edu").verified


def test_with_several_addresses_none_is_verified_by_guess(client):
    user = make_user("first@example.edu", verified=False)
    EmailAddress.objects.create(user=user, email="second@example.edu", verified=False)
    reset_by_email(client, "second@example.edu")
    assert not EmailAddress.objects.filter(user=user, verified=True).exists()
