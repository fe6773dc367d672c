from __future__ import annotations

from celery import shared_task

from .services import email_claim, email_deliver, email_requeue_due


# max_retries=None: the row counts the attempts (EMAIL_MAX_ATTEMPTS), so a
# chain that beat restarts does not get a fresh allowance from Celery.
@shared_task(bind=True, acks_late=True, max_retries=None)
def send_outgoing_email(self, email_id: int, token: str | None = None) -> None:
    # token None: a message queued before claim tokens existed; it may still
    # claim a row that has no owner.
    email = email_claim(email_id=email_id, token=token)
    if email is None:  # sent, failed, or owned by another chain
        return
    retry_in = email_deliver(email=email)
    if retry_in is not None:
        raise self.retry(countdown=retry_in)


@shared_task
def requeue_pending_emails() -> int:
    """Beat: publish the emails no live task will send (see email_requeue_due)."""
    return email_requeue_due()
