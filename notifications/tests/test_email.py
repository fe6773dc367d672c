import smtplib
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import OutgoingEmail
from notifications.services import (
    email_claim,
    email_deliver,
    email_queue_message,
    email_queue_template,
    email_resend,
)
from notifications.tasks import requeue_pending_emails, send_outgoing_email


def smtp_down(self, *args, **kwargs):
    raise smtplib.SMTPServerDisconnected("gone")


def queue(**overrides):
    fields = {"to": "a@example.edu", "subject": "Hello", "body_text": "Body", "body_html": "<p>Body</p>"}
    return email_queue_message(**{**fields, **overrides})


@pytest.mark.django_db
class TestOutgoingEmail:
    def test_it_is_sent_only_after_commit(self, mailoutbox, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            email = queue()
        assert len(mailoutbox) == 0
        assert OutgoingEmail.objects.get(pk=email.pk).status == OutgoingEmail.Status.PENDING
        for callback in callbacks:
            callback()
        assert len(mailoutbox) == 1
        assert mailoutbox[0].alternatives[0][1] == "text/html"
        email.refresh_from_db()
        assert email.status == OutgoingEmail.Status.SENT and email.sent_at and email.attempts == 1

    def test_a_retried_task_never_sends_twice(self, mailoutbox, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            email = queue()
        send_outgoing_email.apply(args=[email.pk])
        send_outgoing_email.apply(args=[email.pk])
        assert len(mailoutbox) == 1

    def test_a_rolled_back_transaction_sends_nothing(self, mailoutbox, django_capture_on_commit_callbacks):
        from django.db import transaction

        with django_capture_on_commit_callbacks(execute=True):
            with pytest.raises(RuntimeError), transaction.atomic():
                queue()
                raise RuntimeError
        assert len(mailoutbox) == 0
        assert not OutgoingEmail.objects.exists()

    def test_an_smtp_error_backs_off_then_marks_the_row_failed(self, monkeypatch, settings):
        settings.EMAIL_MAX_ATTEMPTS = 3
        settings.EMAIL_RETRY_BACKOFF_SECONDS = 10
        monkeypatch.setattr("django.core.mail.message.EmailMessage.send", smtp_down)
        email = OutgoingEmail.objects.create(
            to="a@example.edu", subject="S", body_text="B", kind="x", claim_token=uuid.uuid4()
        )
        before = timezone.now()
        assert email_deliver(email=email_claim(email_id=email.pk, token=email.claim_token)) == 10
        email.refresh_from_db()
        assert email.status == OutgoingEmail.Status.PENDING
        assert email.attempts == 1 and "SMTPServerDisconnected" in email.last_error
        assert email.next_attempt_at >= before + timedelta(seconds=10)
        assert email_deliver(email=email_claim(email_id=email.pk, token=email.claim_token)) == 20
        # The task retries (at once when eager) until the attempts run out.
        send_outgoing_email.apply(args=[email.pk, str(email.claim_token)])
        email.refresh_from_db()
        assert email.status == OutgoingEmail.Status.FAILED and email.attempts == 3
        assert email.claim_token is None

    def test_an_error_that_is_not_smtp_marks_the_row_failed_at_once(
        self, monkeypatch, django_capture_on_commit_callbacks
    ):
        def broken(self, *args, **kwargs):
            raise ValueError("Header values may not contain linefeed")

        monkeypatch.setattr("django.core.mail.message.EmailMessage.send", broken)
        with django_capture_on_commit_callbacks(execute=True):
            email = queue()
        email.refresh_from_db()
        assert email.status == OutgoingEmail.Status.FAILED and email.attempts == 1
        assert email.last_error == "ValueError: Header values may not contain linefeed"

    def test_only_the_chain_holding_the_claim_sends(self, mailoutbox, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False):
            email = queue()
        send_outgoing_email.apply(args=[email.pk, str(uuid.uuid4())])  # a stranger's message
        send_outgoing_email.apply(args=[email.pk])  # a message from before claims existed
        assert len(mailoutbox) == 0
        send_outgoing_email.apply(args=[email.pk, str(email.claim_token)])
        assert len(mailoutbox) == 1

    def test_every_copy_carries_the_same_message_id(self, mailoutbox, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            email = queue()
        message_id = mailoutbox[0].extra_headers["Message-ID"]
        assert message_id == email.message_id
        assert message_id.startswith(f"<outgoing-{email.pk}.{email.uid}@") and message_id.endswith(">")
        OutgoingEmail.objects.filter(pk=email.pk).update(status=OutgoingEmail.Status.FAILED, claim_token=None)
        with django_capture_on_commit_callbacks(execute=True):
            email_resend(email_ids=[email.pk])
        assert [m.extra_headers["Message-ID"] for m in mailoutbox] == [message_id, message_id]

    def test_a_dedup_key_queues_once(self, django_capture_on_commit_callbacks, mailoutbox):
        with django_capture_on_commit_callbacks(execute=True):
            assert queue(dedup_key="match-1-intro") is not None
            assert queue(dedup_key="match-1-intro") is None
        assert OutgoingEmail.objects.count() == 1
        assert len(mailoutbox) == 1

    def test_lost_tasks_are_picked_up_again(self, mailoutbox):
        from datetime import timedelta

        from django.utils import timezone

        email = OutgoingEmail.objects.create(to="a@example.edu", subject="S", body_text="B", kind="x")
        OutgoingEmail.objects.filter(pk=email.pk).update(created_at=timezone.now() - timedelta(hours=1))
        assert requeue_pending_emails.apply().get() == 1

    def test_templates_render_subject_text_and_html(self, django_capture_on_commit_callbacks, mailoutbox):
        with django_capture_on_commit_callbacks(execute=True):
            email_queue_template(name="test-message", to="a@example.edu", context={"name": "Ada <b>"})
        message = mailoutbox[0]
        assert message.subject == "Hello Ada <b>"
        assert "Ada <b>" in message.body
        assert "Ada &lt;b&gt;" in message.alternatives[0][0]

    def test_the_admin_shows_the_state_and_can_resend(
        self, client, staff, django_capture_on_commit_callbacks
    ):
        email = OutgoingEmail.objects.create(
            to="a@example.edu", subject="Stuck", body_text="B", kind="x", status=OutgoingEmail.Status.FAILED
        )
        client.force_login(staff)
        html = client.get("/admin/notifications/outgoingemail/").content.decode()
        assert "Stuck" in html and "Failed" in html
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                "/admin/notifications/outgoingemail/",
                {"action": "resend", "_selected_action": [email.pk]},
            )
        email.refresh_from_db()
        assert email.status == OutgoingEmail.Status.SENT

    def test_outsiders_cannot_see_the_emails(self, client, outsider):
        client.force_login(outsider)
        assert client.get("/admin/notifications/outgoingemail/").status_code == 302


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_sends_it_once(celery_broker, mailoutbox):
    from celery.contrib.testing.worker import start_worker

    from mentorship.celery import app

    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        email = queue(subject="Through Redis")  # commits (transactional test) and enqueues
        send_outgoing_email.delay(email.pk, str(email.claim_token))  # a duplicate delivery of the same id
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            email.refresh_from_db()
            if email.status == OutgoingEmail.Status.SENT and len(mailoutbox) >= 1:
                break
            time.sleep(0.1)
        time.sleep(1)  # let the duplicate task run too
    assert email.status == OutgoingEmail.Status.SENT
    assert [m.subject for m in mailoutbox] == ["Through Redis"]
