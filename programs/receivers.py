"""Keep coordinators' admin access in step with ``Program.coordinators``,
whichever way the relation changes: the admin's coordinators page, a service,
or ``program.coordinators.add/remove/set/clear`` (and the reverse
``user.coordinated_programs``) from code or the shell.

Only access follows here; the welcome email is an explicit act of
services.coordinator_add (the admin's page calls it), so a change made in code
emails nobody."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from . import services


def coordinators_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action == "pre_clear" and not reverse:
        # post_clear gives no pk_set: note who is about to lose the program.
        instance._coordinators_before_clear = list(instance.coordinators.values_list("pk", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:
        # instance is the user; pk_set holds programs.
        users = [instance]
    else:
        user_pks = (
            pk_set if action != "post_clear" else instance.__dict__.pop("_coordinators_before_clear", [])
        )
        users = get_user_model().objects.filter(pk__in=user_pks)
    for user in users:
        services.coordinator_access_sync(user=user)


def program_deleting(sender, instance, **kwargs) -> None:
    # Deleting a program removes its coordinator rows without m2m_changed.
    instance._coordinator_pks = list(instance.coordinators.values_list("pk", flat=True))


def program_deleted(sender, instance, **kwargs) -> None:
    for user in get_user_model().objects.filter(pk__in=getattr(instance, "_coordinator_pks", [])):
        services.coordinator_access_sync(user=user)
