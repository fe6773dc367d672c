from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _refresh_coordinator_permissions(sender, using="default", **kwargs) -> None:
    """Give the Coordinators group this app's permissions, including those of
    models added by later migrations (application exports, for instance)."""
    from django.contrib.auth.models import Group

    from programs.services import COORDINATORS_GROUP, coordinator_group_sync

    if Group.objects.using(using).filter(name=COORDINATORS_GROUP).exists():
        coordinator_group_sync()


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = "Applications"

    def ready(self) -> None:
        post_migrate.connect(_refresh_coordinator_permissions, sender=self)
