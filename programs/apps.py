from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, pre_delete


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = "Programs and site content"

    def ready(self) -> None:
        from . import receivers
        from .models import Program

        m2m_changed.connect(
            receivers.coordinators_changed, sender=Program.coordinators.through, dispatch_uid="coordinators"
        )
        pre_delete.connect(receivers.program_deleting, sender=Program, dispatch_uid="program_deleting")
        post_delete.connect(receivers.program_deleted, sender=Program, dispatch_uid="program_deleted")
