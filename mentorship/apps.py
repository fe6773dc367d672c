from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _refresh_coordinator_permissions(sender, using="default", **kwargs) -> None:
    """Give the Coordinators group every permission it is meant to have,
    including those of models added by later migrations (their permissions only
    exist once post_migrate has run for their app, which is why this acts on
    the signal of the last app that has models)."""
    from django.contrib.auth.models import Group

    if sender is not [config for config in apps.get_app_configs() if config.models_module][-1]:
        return

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
        # Django sends post_migrate only for apps with models, which this one
        # has not; the handler picks the last app's signal itself.
        post_migrate.connect(_refresh_coordinator_permissions)
