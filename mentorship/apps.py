from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _refresh_coordinator_permissions(sender, using="default", **kwargs) -> None:
    """Give the Coordinators group every permission it is meant to have,
    including those of models added by later migrations (their permissions only
    exist once post_migrate has run for their app, which is why this listens
    for the last app's signal)."""
    from django.contrib.auth.models import Group

    from programs.reference import COORDINATORS_GROUP
    from programs.services import coordinator_group_sync

    if Group.objects.using(using).filter(name=COORDINATORS_GROUP).exists():
        coordinator_group_sync()


class MentorshipConfig(AppConfig):
    """The project package as an app: commands that span every app (setup_site,
    seed_demo) and the data migrations for the site and the Coordinators group,
    which depend on every app's models."""

    name = "mentorship"
    verbose_name = "OLA Mentorship"

    def ready(self) -> None:
        # Listed last in INSTALLED_APPS, so this runs after every app's
        # permissions have been created.
        post_migrate.connect(_refresh_coordinator_permissions, sender=self)
