"""Who counts as a member of the institution, and profile writes.

"Staff" has one meaning here and everywhere: **site staff** are the
superusers, who run the whole site. ``is_staff`` is Django's "may open the
admin" flag; the project gives it to site staff and to coordinators only
(``programs.services`` keeps it in step with ``Program.coordinators``), so it
is named for what it is, ``user_has_admin_access``. Who may do what with a
program is decided in ``programs.access``, which builds on these two."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.conf import settings

from .models import User


def email_in_institution(email: str) -> bool:
    domains = settings.INSTITUTION_EMAIL_DOMAINS
    if not domains:
        return True
    domain = email.rsplit("@", 1)[-1].lower()
    return any(domain == d or domain.endswith("." + d) for d in domains)


def user_is_site_staff(user) -> bool:
    """Site staff: the superusers, who run the whole site (not coordinators)."""
    return user.is_authenticated and user.is_active and user.is_superuser


def site_staff():
    """The site staff as people to reach: the same rule as user_is_site_staff."""
    return User.objects.filter(is_superuser=True, is_active=True)


def user_has_admin_access(user) -> bool:
    """May open the admin: site staff and the programs' coordinators."""
    return user.is_authenticated and user.is_active and user.is_staff


def user_is_member(user) -> bool:
    """An institutional member signed in through SSO, or verified an email in one
    of INSTITUTION_EMAIL_DOMAINS (any verified email when that list is empty).

    People with admin access count as members too: site staff appointed them
    (a coordinator is added by site staff, by name and address), they answer
    learners' questions about the database, and a coordinator whose address is
    outside the institution's domains must not be locked out of it."""
    if not user.is_authenticated:
        return False
    if user_has_admin_access(user):
        return True
    cached = getattr(user, "_is_member", None)
    if cached is not None:
        return cached
    member = SocialAccount.objects.filter(user=user).exists() or any(
        email_in_institution(address.email)
        for address in EmailAddress.objects.filter(user=user, verified=True)
    )
    user._is_member = member
    return member


def user_has_verified_email(user) -> bool:
    return user.is_authenticated and (
        user_has_admin_access(user) or EmailAddress.objects.filter(user=user, verified=True).exists()
    )


def profile_update(*, user: User, name: str, pronouns: str, learner_stage: str, year: int | None) -> User:
    user.name = name
    user.pronouns = pronouns
    user.learner_stage = learner_stage
    user.year = year
    user.save(update_fields=["name", "pronouns", "learner_stage", "year"])
    return user
