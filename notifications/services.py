"""Queue and send outgoing email. Writes only; the tasks are thin wrappers.

One retry chain owns an email at a time: the row's ``claim_token`` names it,
every task message carries it, and a task may claim the row only with it.
Beat (``email_requeue_due``) gives a row a new token, which silently retires
any older message, only when the row has no owner (the broker was down), when
its owner is overdue by a lease (its message was lost), or when it has sat in
"sending" longer than a lease (the worker died while sending)."""

from __future__ import annotations

import logging
import smtplib
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.sites.models import Site
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template import Context, Engine
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import KombuError

from .models import OutgoingEmail

log = logging.getLogger(__name__)

Status = OutgoingEmail.Status


def _publish(email_id: int, token: uuid.UUID) -> bool:
    """Hand one email to the broker. A broker that is down must not fail the
    request whose data is already committed: the row stays pending without an
    owner, and beat's requeue publishes it once the broker is back."""
    from .tasks import send_outgoing_email

    try:
        send_outgoing_email.delay(email_id, str(token))
    except (KombuError, OSError) as exc:
        OutgoingEmail.objects.filter(pk=email_id, status=Status.PENDING, claim_token=token).update(
            claim_token=None
        )
        log.warning("Email %s not handed to the broker (beat will retry): %s", email_id, exc)
        return False
    return True


def _publish_on_commit(email_id: int, token: uuid.UUID) -> None:
    transaction.on_commit(partial(_publish, email_id, token))


@transaction.atomic
def email_queue_message(
    *,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    kind: str = "message",
    dedup_key: str | None = None,
    program=None,
) -> OutgoingEmail | None:
    """Write an outgoing email and send it after the current transaction commits.

    With a ``dedup_key`` an email already queued under that key is not queued
    again (returns None), which makes "send once" notifications idempotent.
    ``program`` (the program the email is about) lets its coordinators see it.
    """
    if dedup_key and OutgoingEmail.objects.filter(dedup_key=dedup_key).exists():
        return None
    try:
        with transaction.atomic():
            email = OutgoingEmail.objects.create(
                kind=kind,
                program=program,
                to=to,
                subject=" ".join(subject.split())[:255],
                body_text=body_text,
                body_html=body_html,
                dedup_key=dedup_key,
                claim_token=uuid.uuid4(),
            )
    except IntegrityError:
        if dedup_key:
            return None
        raise
    _publish_on_commit(email.pk, email.claim_token)
    return email


def _render_plain(name: str, context: dict) -> str:
    """Render a plain-text template: no HTML escaping, so "O'Neil & Co"
    arrives as typed, not as "O&#x27;Neil &amp; Co"."""
    return Engine.get_default().get_template(name).render(Context(context, autoescape=False))


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body_text: str
    body_html: str


def email_render(*, name: str, context: dict) -> RenderedEmail:
    """Render ``emails/<name>-subject.txt``, ``-body.txt`` (plain text) and
    ``-body.html`` (escaped). Queues nothing: the admin's confirmation pages
    show what an action would send with it."""
    context = {"SITE_URL": settings.SITE_URL, "SITE_NAME": Site.objects.get_current().name, **context}
    return RenderedEmail(
        subject=" ".join(_render_plain(f"emails/{name}-subject.txt", context).split()),
        body_text=_render_plain(f"emails/{name}-body.txt", context),
        body_html=render_to_string(f"emails/{name}-body.html", context),
    )


# Notices queued with a ``combine_key`` inside ``emails_combined()`` wait until
# the outermost block ends; of those with the same key only the last is
# queued. One action that causes several notices of the same kind to the same
# person (a bulk accept that frees places twice) sends that person one email:
# the last, written from the most recent state.
_combined: ContextVar[dict | None] = ContextVar("combined_emails", default=None)


@contextmanager
def emails_combined() -> Iterator[None]:
    """Combine the notices queued (with a ``combine_key``) inside this block:
    one email per key, the last one, queued when the outermost block ends
    (in the transaction current then, so still sent only after commit)."""
    if _combined.get() is not None:
        yield
        return
    token = _combined.set({})
    try:
        yield
        pending = _combined.get()
    finally:
        _combined.reset(token)
    for kwargs in pending.values():
        email_queue_template(**kwargs)


def email_queue_template(
    *,
    name: str,
    to: str,
    context: dict,
    dedup_key: str | None = None,
    program=None,
    combine_key: str | None = None,
) -> OutgoingEmail | None:
    """Render the email ``name`` (see ``email_render``) and queue the result.

    Inside ``emails_combined()`` an email with a ``combine_key`` is held back
    (returns None) and replaced by a later one with the same key."""
    pending = _combined.get()
    if combine_key and pending is not None:
        pending[combine_key] = {
            "name": name,
            "to": to,
            "context": context,
            "dedup_key": dedup_key,
            "program": program,
        }
        return None
    rendered = email_render(name=name, context=context)
    return email_queue_message(
        to=to,
        subject=rendered.subject,
        body_text=rendered.body_text,
        body_html=rendered.body_html,
        kind=name,
        dedup_key=dedup_key,
        program=program,
    )


def email_claim(*, email_id: int, token: str | uuid.UUID) -> OutgoingEmail | None:
    """Move a pending email to "sending" for the chain holding ``token``.
    Returns None when the row is not pending or another chain owns it."""
    claimed = OutgoingEmail.objects.filter(pk=email_id, status=Status.PENDING, claim_token=token).update(
        status=Status.SENDING, claimed_at=timezone.now()
    )
    if not claimed:
        return None
    return OutgoingEmail.objects.get(pk=email_id)


def retry_delay(attempts: int) -> int:
    """Seconds before the next try after ``attempts`` failed ones: doubling
    from EMAIL_RETRY_BACKOFF_SECONDS, at most a day."""
    return min(settings.EMAIL_RETRY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), 86400)


def _is_permanent(exc: OSError) -> bool:
    """A 5xx reply about this message or its address (550 no such user, for
    instance): the same email will be refused again. A refused login is not
    permanent: it is the server's configuration, which someone will fix."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return False
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def email_deliver(*, email: OutgoingEmail) -> int | None:
    """Send a claimed email; returns the seconds after which its chain should
    try again, or None when there is nothing more to do.

    Side effects: the row becomes "sent"; or, on an SMTP/network error
    (``OSError``), "pending" with ``next_attempt_at`` set, and "failed" after
    EMAIL_MAX_ATTEMPTS; on a permanent SMTP refusal (5xx) or any other error
    "failed" at once with the error, because trying again cannot help."""
    attempts = email.attempts + 1
    mine = OutgoingEmail.objects.filter(pk=email.pk, status=Status.SENDING, claim_token=email.claim_token)
    try:
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email.to],
            headers={"Message-ID": email.message_id},
        )
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        message.send()
    except OSError as exc:  # smtplib.SMTPException is an OSError
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if attempts >= settings.EMAIL_MAX_ATTEMPTS or _is_permanent(exc):
            mine.update(status=Status.FAILED, attempts=attempts, last_error=error, claim_token=None)
            log.warning("Email %s failed for good (attempt %s): %s", email.pk, attempts, exc)
            return None
        delay = retry_delay(attempts)
        mine.update(
            status=Status.PENDING,
            attempts=attempts,
            last_error=error,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
        )
        log.warning("Email %s failed (attempt %s), next in %ss: %s", email.pk, attempts, delay, exc)
        return delay
    except Exception as exc:  # a bad address or header, or a bug: no retry will help
        log.exception("Email %s failed for good", email.pk)
        mine.update(
            status=Status.FAILED,
            attempts=attempts,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            claim_token=None,
        )
        return None
    # Not conditional on the claim: if beat took the row back meanwhile, this
    # stops its new chain from sending a second copy.
    OutgoingEmail.objects.filter(pk=email.pk).exclude(status=Status.SENT).update(
        status=Status.SENT, attempts=attempts, sent_at=timezone.now(), last_error="", claim_token=None
    )
    return None


def _lease() -> timedelta:
    return timedelta(seconds=settings.EMAIL_CLAIM_LEASE_SECONDS)


def _take_over(rows, **changes) -> int:
    """Give each row (pk, claim_token) a new owner and publish it after commit;
    a row changed meanwhile by its old owner is left to it."""
    count = 0
    for pk, old_token in rows:
        token = uuid.uuid4()
        taken = (
            OutgoingEmail.objects.filter(pk=pk, claim_token=old_token)
            .exclude(status=Status.SENT)
            .update(status=Status.PENDING, claim_token=token, next_attempt_at=timezone.now(), **changes)
        )
        if taken:
            _publish_on_commit(pk, token)
            count += 1
    return count


def email_requeue_due() -> int:
    """Beat: publish the emails that no live chain will send; returns how many.

    - pending without an owner (the broker was down when it was queued);
    - pending, but overdue by a lease (the retry message was lost);
    - "sending" for longer than a lease (the worker died while sending: this
      counts as an attempt, and the email may have gone, hence the stable
      Message-ID).
    """
    now = timezone.now()
    stale = OutgoingEmail.objects.filter(status=Status.SENDING, claimed_at__lt=now - _lease())
    for pk, token, attempts in stale.values_list("pk", "claim_token", "attempts"):
        if attempts + 1 >= settings.EMAIL_MAX_ATTEMPTS:
            OutgoingEmail.objects.filter(pk=pk, status=Status.SENDING, claim_token=token).update(
                status=Status.FAILED,
                attempts=attempts + 1,
                last_error="The worker stopped while sending, too many times.",
                claim_token=None,
            )
    count = _take_over(
        stale.values_list("pk", "claim_token"),
        attempts=F("attempts") + 1,
        last_error="The worker stopped while sending; it may have gone out.",
    )
    waiting = OutgoingEmail.objects.filter(status=Status.PENDING).filter(
        Q(claim_token__isnull=True, next_attempt_at__lte=now) | Q(next_attempt_at__lt=now - _lease())
    )
    return count + _take_over(waiting.values_list("pk", "claim_token"))


def email_resendable(queryset):
    """The emails a person may send again: failed ones, and those stuck in
    "sending" for longer than a lease. Others are pending (a chain or beat
    will send them) or already sent."""
    return queryset.filter(
        Q(status=Status.FAILED) | Q(status=Status.SENDING, claimed_at__lt=timezone.now() - _lease())
    )


def email_resend(*, email_ids: Iterable[int]) -> int:
    """Queue failed (or stuck) emails again with a fresh count of attempts;
    returns how many. Other emails are left as they are."""
    rows = email_resendable(OutgoingEmail.objects.filter(pk__in=list(email_ids))).values_list(
        "pk", "claim_token"
    )
    return _take_over(list(rows), attempts=0, last_error="")


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
