import smtplib
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

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
            email_queue_template(
                name="test-message", to="a@example.edu", context={"name": 'Ada "Al" O\'Neil & <b>'}
            )
        message = mailoutbox[0]
        # Plain text is not HTML: no &quot; or &amp; in the subject or the body.
        assert message.subject == 'Hello Ada "Al" O\'Neil & <b>'
        assert 'Hello Ada "Al" O\'Neil & <b>,' in message.body
        assert "Ada &quot;Al&quot; O&#x27;Neil &amp; &lt;b&gt;" in message.alternatives[0][0]

    def test_the_admin_shows_the_state_and_can_resend(
        self, client, staff, django_capture_on_commit_callbacks
    ):
        email = OutgoingEmail.objects.create(
            to="a@example.edu", subject="Stuck", body_text="B", kind="x", status=OutgoingEmail.Status.FAILED
        )
        client.force_login(staff)
        html = client.get("/admin/notifications/outgoingemail/").content.decode()
        assert "Stuck" in html and "Failed" in html
        # First the page that says who will be emailed, and what; nothing moves yet.
        response = client.post(
            "/admin/notifications/outgoingemail/", {"action": "resend", "_selected_action": [email.pk]}
        )
        html = response.content.decode()
        assert "Check before sending again" in html and "a@example.edu" in html and "Stuck" in html
        email.refresh_from_db()
        assert email.status == OutgoingEmail.Status.FAILED
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                "/admin/notifications/outgoingemail/",
                {"action": "resend", "_selected_action": [email.pk], "confirm": "yes"},
            )
        email.refresh_from_db()
        assert email.status == OutgoingEmail.Status.SENT

    def test_the_admin_resends_only_failed_or_stuck_emails(
        self, client, staff, mailoutbox, django_capture_on_commit_callbacks
    ):
        pending = OutgoingEmail.objects.create(to="a@example.edu", subject="Waiting", body_text="B", kind="x")
        sending = OutgoingEmail.objects.create(
            to="b@example.edu",
            subject="Now",
            body_text="B",
            kind="x",
            status=OutgoingEmail.Status.SENDING,
            claimed_at=timezone.now(),
        )
        client.force_login(staff)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/admin/notifications/outgoingemail/",
                {"action": "resend", "_selected_action": [pending.pk, sending.pk]},
                follow=True,
            )
        assert "2 emails not re-sent: only failed emails" in response.content.decode()
        assert len(mailoutbox) == 0
        OutgoingEmail.objects.filter(pk=sending.pk).update(claimed_at=timezone.now() - timedelta(hours=1))
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                "/admin/notifications/outgoingemail/",
                {"action": "resend", "_selected_action": [sending.pk], "confirm": "yes"},
            )
        assert [m.subject for m in mailoutbox] == ["Now"]

    def test_outsiders_cannot_see_the_emails(self, client, outsider):
        client.force_login(outsider)
        assert client.get("/admin/notifications/outgoingemail/").status_code == 302


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_sends_it_once(celery_worker, mailoutbox):
    email = queue(subject="Through Redis")  # commits (transactional test) and enqueues
    send_outgoing_email.delay(email.pk, str(email.claim_token))  # a duplicate delivery of the same id
    runs = celery_worker.wait_for_runs("notifications.tasks.send_outgoing_email", 2)
    assert [state for _, state in runs] == ["SUCCESS", "SUCCESS"]  # both deliveries ran to the end
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT and email.attempts == 1
    assert [m.subject for m in mailoutbox] == ["Through Redis"]


@pytest.mark.django_db
class TestRequeue:
    """Beat's job: publish only what no live chain will send."""

    @pytest.fixture(autouse=True)
    def _lease(self, settings, django_capture_on_commit_callbacks):
        settings.EMAIL_CLAIM_LEASE_SECONDS = 300
        self.capture = django_capture_on_commit_callbacks

    def beat(self) -> int:
        with self.capture(execute=True):  # publishes after commit
            return requeue_pending_emails.apply().get()

    def make(self, *, ago=0, **fields):
        email = OutgoingEmail.objects.create(
            to="a@example.edu", subject="S", body_text="B", kind="x", **fields
        )
        OutgoingEmail.objects.filter(pk=email.pk).update(
            next_attempt_at=timezone.now() - timedelta(seconds=ago)
        )
        return email

    def test_it_leaves_emails_that_a_chain_owns(self, mailoutbox):
        self.make(claim_token=uuid.uuid4())  # just queued
        self.make(claim_token=uuid.uuid4(), ago=-60)  # retrying in a minute
        self.make(claim_token=uuid.uuid4(), ago=200)  # a busy worker, within the lease
        self.make(status=OutgoingEmail.Status.SENDING, claim_token=uuid.uuid4(), claimed_at=timezone.now())
        assert self.beat() == 0
        assert len(mailoutbox) == 0

    def test_it_sends_emails_without_an_owner_once(self, mailoutbox):
        email = self.make()  # the broker was down at commit
        assert self.beat() == 1
        assert self.beat() == 0
        assert len(mailoutbox) == 1
        email.refresh_from_db()
        assert email.status == OutgoingEmail.Status.SENT and email.attempts == 1

    def test_an_overdue_chain_is_replaced_and_its_messages_retired(self, mailoutbox):
        old_token = uuid.uuid4()
        email = self.make(claim_token=old_token, ago=301)  # its retry message was lost
        assert self.beat() == 1
        send_outgoing_email.apply(args=[email.pk, str(old_token)])  # the lost message turns up
        assert len(mailoutbox) == 1

    def test_an_email_stuck_while_sending_counts_as_an_attempt(self, mailoutbox, settings):
        settings.EMAIL_MAX_ATTEMPTS = 3
        long_ago = timezone.now() - timedelta(seconds=301)
        again = self.make(status=OutgoingEmail.Status.SENDING, claim_token=uuid.uuid4(), claimed_at=long_ago)
        spent = self.make(
            status=OutgoingEmail.Status.SENDING, claim_token=uuid.uuid4(), claimed_at=long_ago, attempts=2
        )
        assert self.beat() == 1
        again.refresh_from_db()
        spent.refresh_from_db()
        assert again.status == OutgoingEmail.Status.SENT and again.attempts == 2
        assert spent.status == OutgoingEmail.Status.FAILED and "worker stopped" in spent.last_error
        assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_broker_that_is_down_does_not_fail_the_request(
    client, learner, monkeypatch, mailoutbox, django_capture_on_commit_callbacks, caplog
):
    """A password reset while Redis is down: the person is told the email is
    on its way, the row waits without an owner, and beat sends it later."""

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as patch:
        patch.setattr(send_outgoing_email, "delay", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/accounts/password/reset/", {"email": learner.email})
    assert response.status_code == 302 and response.url.endswith("/password/reset/done/")
    email = OutgoingEmail.objects.get()
    assert email.status == OutgoingEmail.Status.PENDING and email.claim_token is None
    assert "not handed to the broker" in caplog.text
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_pending_emails.apply().get() == 1
    assert [m.to for m in mailoutbox] == [[learner.email]]


@pytest.mark.django_db
class TestCoordinatorsSeeTheirProgramsEmails:
    @pytest.fixture
    def emails(self, demo):
        make = OutgoingEmail.objects.create
        return {
            "dmp": make(
                to="a@example.edu",
                subject="About DMP",
                body_text="B",
                kind="x",
                program=demo["dmp"],
                status=OutgoingEmail.Status.FAILED,
            ),
            "ilead": make(
                to="b@example.edu",
                subject="About iLEAD",
                body_text="B",
                kind="x",
                program=demo["ilead"],
                status=OutgoingEmail.Status.FAILED,
            ),
            "account": make(
                to="c@example.edu",
                subject="Reset your password",
                body_text="B",
                kind="x",
                status=OutgoingEmail.Status.FAILED,
            ),
        }

    def test_a_coordinator_sees_only_their_programs_emails(self, client, demo, coordinator_of, emails):
        client.force_login(coordinator_of(demo["dmp"]))
        response = client.get("/admin/notifications/outgoingemail/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "About DMP" in html
        assert "About iLEAD" not in html and "Reset your password" not in html
        url = "/admin/notifications/outgoingemail/{}/change/"
        assert client.get(url.format(emails["dmp"].pk)).status_code == 200
        assert client.get(url.format(emails["ilead"].pk)).status_code == 302  # "does not exist" redirect
        assert client.get(url.format(emails["account"].pk)).status_code == 302

    def test_a_coordinator_resends_only_their_programs_emails(
        self, client, demo, coordinator_of, emails, mailoutbox, django_capture_on_commit_callbacks
    ):
        client.force_login(coordinator_of(demo["dmp"]))
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                "/admin/notifications/outgoingemail/",
                {"action": "resend", "_selected_action": [e.pk for e in emails.values()], "confirm": "yes"},
            )
        assert [m.subject for m in mailoutbox] == ["About DMP"]
        statuses = dict(OutgoingEmail.objects.values_list("subject", "status"))
        assert statuses == {"About DMP": "sent", "About iLEAD": "failed", "Reset your password": "failed"}

    def test_a_superuser_sees_every_email(self, client, staff, emails):
        client.force_login(staff)
        html = client.get("/admin/notifications/outgoingemail/").content.decode()
        assert all(e.subject in html for e in emails.values())


def test_the_admin_hides_sign_in_links(client, staff):
    email = OutgoingEmail.objects.create(
        to="a@example.edu",
        subject="Reset your password",
        kind="password_reset_key",
        body_text="Reset it here: https://site.example/accounts/password/reset/key/4-abc123-secret/ today.",
        body_html='<a href="https://site.example/accounts/password/reset/key/4-abc123-secret/">reset</a>',
        status=OutgoingEmail.Status.FAILED,
    )
    client.force_login(staff)
    html = client.get(f"/admin/notifications/outgoingemail/{email.pk}/change/").content.decode()
    assert "abc123-secret" not in html
    assert "/accounts/password/reset/key/(link hidden: it signs the person in)" in html
    response = client.post(
        "/admin/notifications/outgoingemail/", {"action": "resend", "_selected_action": [email.pk]}
    )
    assert "abc123-secret" not in response.content.decode()
