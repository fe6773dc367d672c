"""Writes for programs: the coordinators' group and its permissions."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from .reference import COORDINATOR_PERMISSIONS, COORDINATORS_GROUP, LEARNER_TYPES


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


@transaction.atomic
def coordinator_add(*, program, user) -> None:
    """Make ``user`` a coordinator of ``program`` with admin access."""
    program.coordinators.add(user)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.groups.add(coordinator_group_sync())
