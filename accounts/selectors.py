"""Reads about accounts."""

from __future__ import annotations

from allauth.socialaccount.models import SocialAccount

from .sso import sso_app


def user_has_university_login(user) -> bool:
    """Whether the user has connected the configured university login (SSO)."""
    app = sso_app()
    return bool(app) and SocialAccount.objects.filter(user=user, provider=app["provider_id"]).exists()
