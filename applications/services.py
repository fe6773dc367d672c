"""Writes for applications. Every status change goes through
``application_transition`` so history, emails and side effects stay together."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from notifications.services import email_queue_template

from .models import Application, IdentityDisclosure, Status, StatusChange


class InvalidTransition(ValidationError):
    pass


@transaction.atomic
def application_transition(
    *, application: Application, to_status: str, by=None, note: str = ""
) -> Application:
    """Move an application to ``to_status`` if the lifecycle allows it.

    Side effects: records a StatusChange (who, when, note); sets ``accepted_at``
    on acceptance (it orders the waitlist); deletes the self-identification at
    once on withdrawal; emails the applicant after commit.
    Raises InvalidTransition when the move is not allowed from the current state.
    """
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if not locked.can_move_to(to_status):
        raise InvalidTransition(
            f"An application that is {locked.get_status_display().lower()} cannot become "
            f"{Status(to_status).label.lower()}."
        )
    now = timezone.now()
    from_status = locked.status
    locked.status = to_status
    locked.status_changed_at = now
    fields = ["status", "status_changed_at", "updated_at"]
    if to_status == Status.ACCEPTED and locked.accepted_at is None:
        locked.accepted_at = now
        fields.append("accepted_at")
    locked.save(update_fields=fields)
    StatusChange.objects.create(
        application=locked, from_status=from_status, to_status=to_status, changed_by=by, note=note
    )
    if to_status == Status.WITHDRAWN:
        IdentityDisclosure.objects.filter(application=locked).delete()
    email_queue_template(
        name="application-status",
        to=locked.applicant.email,
        context={"application": locked, "program": locked.program, "note": note, "from_status": from_status},
    )
    application.status = locked.status
    application.status_changed_at = locked.status_changed_at
    application.accepted_at = locked.accepted_at
    return locked
