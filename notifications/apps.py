from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Outgoing email"

    def ready(self) -> None:
        from programs.signals import coordinator_added

        from . import receivers

        coordinator_added.connect(receivers.coordinator_added, dispatch_uid="coordinator_welcome")
