from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "Matching"

    def ready(self) -> None:
        from applications.models import Application
        from applications.signals import application_status_changed, withdrawal_asked

        from . import receivers

        application_status_changed.connect(
            receivers.application_status_changed, sender=Application, dispatch_uid="matching_status"
        )
        withdrawal_asked.connect(
            receivers.withdrawal_ends_mentorships, sender=Application, dispatch_uid="matching_withdrawal"
        )
