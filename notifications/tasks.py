from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .models import OutgoingEmail
from .services import email_claim, email_deliver, email_resend


@shared_task(bind=True, acks_late=True, max_retries=4, default_retry_delay=60)
def send_outgoing_email(self, email_id: int) -> None:
    email = email_claim(email_id=email_id)
    if email is None:
        return
    try:
        email_deliver(email=email)
    except OSError as exc:
        if OutgoingEmail.objects.filter(pk=email_id, status=OutgoingEmail.Status.PENDING).exists():
            raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc


@shared_task
def requeue_pending_emails() -> int:
    """Beat: pick up emails whose task was lost (a worker died, or the broker
    was down at commit time) and those stuck in "sending" for an hour."""
    now = timezone.now()
    stale = OutgoingEmail.objects.filter(
        status=OutgoingEmail.Status.SENDING, claimed_at__lt=now - timedelta(hours=1)
    )
    waiting = OutgoingEmail.objects.filter(
        status=OutgoingEmail.Status.PENDING, created_at__lt=now - timedelta(minutes=5)
    )
    ids = list(stale.values_list("pk", flat=True)) + list(waiting.values_list("pk", flat=True))
    return email_resend(email_ids=ids)
