"""Queue and send outgoing email. Writes only; the task is a thin wrapper."""

from __future__ import annotations

import logging

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import OutgoingEmail

log = logging.getLogger(__name__)


def _enqueue_on_commit(email_id: int) -> None:
    from .tasks import send_outgoing_email

    transaction.on_commit(lambda: send_outgoing_email.delay(email_id))


@transaction.atomic
def email_queue_message(
    *,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    kind: str = "message",
    dedup_key: str | None = None,
) -> OutgoingEmail | None:
    """Write an outgoing email and send it after the current transaction commits.

    With a ``dedup_key`` an email already queued under that key is not queued
    again (returns None), which makes "send once" notifications idempotent.
    """
    if dedup_key and OutgoingEmail.objects.filter(dedup_key=dedup_key).exists():
        return None
    try:
        with transaction.atomic():
            email = OutgoingEmail.objects.create(
                kind=kind,
                to=to,
                subject=" ".join(subject.split())[:255],
                body_text=body_text,
                body_html=body_html,
                dedup_key=dedup_key,
            )
    except IntegrityError:
        if dedup_key:
            return None
        raise
    _enqueue_on_commit(email.pk)
    return email


def email_queue_template(
    *, name: str, to: str, context: dict, dedup_key: str | None = None
) -> OutgoingEmail | None:
    """Render ``emails/<name>-subject.txt``, ``-body.txt`` and ``-body.html``
    and queue the result."""
    context = {"SITE_URL": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{name}-subject.txt", context)
    return email_queue_message(
        to=to,
        subject=subject,
        body_text=render_to_string(f"emails/{name}-body.txt", context),
        body_html=render_to_string(f"emails/{name}-body.html", context),
        kind=name,
        dedup_key=dedup_key,
    )


def email_claim(*, email_id: int) -> OutgoingEmail | None:
    """Move a pending email to "sending". Returns None when another worker
    (or an earlier try of this one) already has it."""
    claimed = OutgoingEmail.objects.filter(pk=email_id, status=OutgoingEmail.Status.PENDING).update(
        status=OutgoingEmail.Status.SENDING, claimed_at=timezone.now()
    )
    if not claimed:
        return None
    return OutgoingEmail.objects.get(pk=email_id)


def email_deliver(*, email: OutgoingEmail) -> None:
    """Send a claimed email. On an SMTP/network error the row goes back to
    pending (or failed after EMAIL_MAX_ATTEMPTS) and the error is re-raised."""
    message = EmailMultiAlternatives(
        subject=email.subject, body=email.body_text, from_email=settings.DEFAULT_FROM_EMAIL, to=[email.to]
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    attempts = email.attempts + 1
    try:
        message.send()
    except OSError as exc:  # smtplib.SMTPException is an OSError
        status = (
            OutgoingEmail.Status.FAILED
            if attempts >= settings.EMAIL_MAX_ATTEMPTS
            else OutgoingEmail.Status.PENDING
        )
        OutgoingEmail.objects.filter(pk=email.pk).update(
            status=status, attempts=attempts, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        log.warning("Email %s failed (attempt %s): %s", email.pk, attempts, exc)
        raise
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=OutgoingEmail.Status.SENT, attempts=attempts, sent_at=timezone.now(), last_error=""
    )


def email_resend(*, email_ids) -> int:
    """Put failed (or stuck) emails back in the queue; returns how many."""
    ids = list(
        OutgoingEmail.objects.filter(pk__in=email_ids)
        .exclude(status=OutgoingEmail.Status.SENT)
        .values_list("pk", flat=True)
    )
    OutgoingEmail.objects.filter(pk__in=ids).update(status=OutgoingEmail.Status.PENDING, attempts=0)
    for pk in ids:
        _enqueue_on_commit(pk)
    return len(ids)


def email_coordinator_welcome(*, program, user, membership_id: int) -> OutgoingEmail | None:
    """Tell a new coordinator of ``program`` how to reach the admin.

    An account without a usable password (made for them from their address)
    gets a link to allauth's "set a password" page, and, when single sign-on
    is on, is told they may use the university login instead; an existing
    account gets a short note. Queued once per onboarding (the coordinators
    row ``membership_id``), sent after commit."""
    set_password_url = ""
    if not user.has_usable_password():
        path = reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
        )
        set_password_url = settings.SITE_URL + path
    sso_name = ""
    if settings.OIDC_ENABLED:
        apps = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
        sso_name = apps[0]["name"] if apps else "the university login"
    return email_queue_template(
        name="coordinator-invite" if set_password_url else "coordinator-added",
        to=user.email,
        context={
            "program": program,
            "user": user,
            "set_password_url": set_password_url,
            "link_valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
            "sso_name": sso_name,
            "login_url": settings.SITE_URL + reverse("account_login"),
            "password_reset_url": settings.SITE_URL + reverse("account_reset_password"),
            "admin_url": settings.SITE_URL + reverse("admin:index"),
        },
        dedup_key=f"coordinator-welcome:{membership_id}",
    )
