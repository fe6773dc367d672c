"""Writes for programs: the coordinators, their group and its permissions."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from accounts.models import User

from .reference import COORDINATOR_PERMISSIONS, COORDINATORS_GROUP, LEARNER_TYPES
from .signals import coordinator_added


@transaction.atomic
def learner_types_ensure():
    """Create or relabel the standard learner types; returns them by code."""
    from .models import LearnerType

    for order, (code, label) in enumerate(LEARNER_TYPES):
        LearnerType.objects.update_or_create(code=code, defaults={"label": label, "order": order})
    return {t.code: t for t in LearnerType.objects.all()}


@transaction.atomic
def coordinator_group_sync() -> Group:
    """Create or refresh the Coordinators group with COORDINATOR_PERMISSIONS."""
    group, _ = Group.objects.get_or_create(name=COORDINATORS_GROUP)
    query = Q(pk__in=[])
    for app_label, codenames in COORDINATOR_PERMISSIONS.items():
        app_query = Q(content_type__app_label=app_label)
        if codenames is not None:
            app_query &= Q(codename__in=codenames)
        query |= app_query
    group.permissions.set(Permission.objects.filter(query))
    return group


class CoordinatorError(Exception):
    """A coordinator change that cannot be made; the message says why."""


@transaction.atomic
def coordinator_access_sync(*, user) -> None:
    """Give ``user`` admin access (is_staff and the Coordinators group) while
    they coordinate a program, and take it away when they coordinate none.

    Called for every change of ``Program.coordinators`` by the receivers in
    programs/receivers.py, so it holds however the relation changed (the
    welcome email, though, comes only from coordinator_add). A
    superuser keeps is_staff (they run the site regardless)."""
    coordinates = user.coordinated_programs.exists()
    if coordinates:
        user.groups.add(coordinator_group_sync())
    else:
        user.groups.remove(*Group.objects.filter(name=COORDINATORS_GROUP))
    is_staff = coordinates or user.is_superuser
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])


@transaction.atomic
def coordinator_add(*, program, user, notify: bool = True) -> bool:
    """Make ``user`` a coordinator of ``program``; False when they were one already.

    Side effects: admin access for the user (the m2m_changed receiver) and,
    when they were not one already and ``notify``, the ``coordinator_added``
    signal, on which notifications emails them (a link to set a password when
    the account has none). The demo seed passes notify=False: its people are
    made up."""
    Membership = program.coordinators.through
    if Membership.objects.filter(program=program, user=user).exists():
        # Already one: only make sure of the access (people added before
        # access followed the relation have none).
        coordinator_access_sync(user=user)
        return False
    program.coordinators.add(user)
    # The receiver saved its own copy of the user; keep the caller's current.
    user.refresh_from_db(fields=["is_staff"])
    if notify:
        membership = Membership.objects.get(program=program, user=user)
        coordinator_added.send(
            sender=program.__class__, program=program, user=user, membership_id=membership.pk
        )
    return True


@transaction.atomic
def coordinator_remove(*, program, user) -> None:
    """Stop ``user`` coordinating ``program``; the receiver takes the admin
    access away when it was their last program."""
    program.coordinators.remove(user)
    user.refresh_from_db(fields=["is_staff"])


def _user_by_email(email: str):
    """The account that owns ``email``: one that verified it, or one an
    earlier invitation made for it (no password of its own yet). An account
    that only typed the address, unverified, has not shown it is theirs:
    anyone can add any address to their account, and coordinators see
    identity data. None when no account lists the address."""
    verified = EmailAddress.objects.filter(email__iexact=email, verified=True).select_related("user").first()
    if verified is not None:
        return verified.user
    user = User.objects.filter(email__iexact=email).first()
    if user is not None and not user.has_usable_password():
        return user
    if user is not None or EmailAddress.objects.filter(email__iexact=email).exists():
        raise CoordinatorError(
            f"An account lists {email} but has not verified it, so it may not be theirs. Ask the person "
            "to verify the address (Profile → Manage email addresses), then add them again."
        )
    return None


@transaction.atomic
def coordinator_add_by_email(*, program, email: str, name: str = "") -> tuple[User, bool]:
    """Make the person with this address a coordinator of ``program``,
    creating an account for a new address. Returns the user, and False when
    they were a coordinator already.

    A new account has no usable password and an unverified address: the
    welcome email carries a link to set a password, and setting it from that
    link verifies the address (accounts/receivers.py).
    Raises CoordinatorError for a deactivated account."""
    email = email.strip().lower()
    user = _user_by_email(email)
    if user is None:
        user = User.objects.create_user(email=email, password=None, name=name.strip())
        EmailAddress.objects.create(user=user, email=email, verified=False, primary=True)
    elif not user.is_active:
        raise CoordinatorError(
            f"The account of {email} is deactivated. Reactivate it under Accounts → Users first."
        )
    return user, coordinator_add(program=program, user=user)
