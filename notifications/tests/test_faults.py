"""Email through faults, as production runs it: a real Celery worker (another
process), real Redis, real PostgreSQL and a real SMTP server on loopback.
Each test counts what arrived at the SMTP server against the outgoing-email
table. The test itself plays beat, by calling the requeue task."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from conftest import wait_for
from notifications.models import OutgoingEmail
from notifications.services import email_queue_message
from notifications.tasks import requeue_pending_emails

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

Status = OutgoingEmail.Status
ROOT = Path(__file__).resolve().parents[2]
# The worker and this process (playing beat) agree on these.
LEASE_SECONDS = 3
FAST = {
    "EMAIL_MAX_ATTEMPTS": 5,
    "EMAIL_RETRY_BACKOFF_SECONDS": 1,
    "EMAIL_TIMEOUT": 2,
    "EMAIL_CLAIM_LEASE_SECONDS": LEASE_SECONDS,
}
CONCURRENCY = 2
REFUSED = "nobody@refused.example.edu"


@pytest.fixture(autouse=True)
def _postgres_only(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (the worker is another process): set DATABASE_URL")
    for name, value in FAST.items():
        setattr(settings, name, value)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An SMTP server on loopback that records every message it accepts.
    ``delay`` slows each message down; addresses in ``refuse`` get a 550."""

    def __init__(self, port: int, *, delay: float = 0.0):
        self.port = port
        self.delay = delay
        self.refuse = {REFUSED}
        self.arrived: list[tuple[str, str]] = []  # (Message-ID, recipient)
        self.lock = threading.Lock()
        self.controller = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message_id = message_from_bytes(envelope.content)["Message-ID"]
        with self.lock:
            self.arrived.extend((message_id, to) for to in envelope.rcpt_tos)
        return "250 Message accepted"

    def start(self):
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None

    def counts(self) -> Counter:
        with self.lock:
            return Counter(message_id for message_id, _ in self.arrived)


@pytest.fixture
def inbox():
    server = Inbox(free_port())
    yield server
    server.stop()


def database_url() -> str:
    """The test database, for the worker process."""
    db = connection.settings_dict
    auth = db["USER"] or ""
    if db["PASSWORD"]:
        auth += f":{db['PASSWORD']}"
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(celery_broker, inbox, tmp_path):
    """start() runs a Celery worker process on REDIS_URL (emptied by
    celery_broker) that sends to the inbox; kill() ends it with SIGKILL, as the
    kernel's OOM killer would. A process, unlike the root conftest's
    ``celery_worker`` thread, can be killed mid-task."""
    url = os.environ["REDIS_URL"]
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": url,
        "EMAIL_URL": f"smtp://127.0.0.1:{inbox.port}",
        **{name: str(value) for name, value in FAST.items()},
    }
    processes = []

    def start():
        log = open(tmp_path / f"worker-{len(processes)}.log", "wb")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "mentorship",
                "worker",
                "--pool=prefork",
                f"--concurrency={CONCURRENCY}",
                "--loglevel=INFO",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        processes.append((process, log))
        wait_for(
            lambda: (
                b"ready." in (tmp_path / f"worker-{len(processes) - 1}.log").read_bytes()
                or process.poll() is not None
            ),
            what="the worker to start",
        )
        assert process.poll() is None, (tmp_path / f"worker-{len(processes) - 1}.log").read_text()
        return process

    def kill(process):
        os.killpg(process.pid, signal.SIGKILL)  # the worker and its pool processes
        process.wait(timeout=10)

    yield type("Worker", (), {"start": staticmethod(start), "kill": staticmethod(kill)})
    for process, log in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def queue(count: int, **fields) -> list[OutgoingEmail]:
    return [
        email_queue_message(
            to=fields.get("to", f"person{n}@example.edu"), subject=f"Email {n}", body_text="Body"
        )
        for n in range(count)
    ]


def statuses() -> Counter:
    return Counter(OutgoingEmail.objects.values_list("status", flat=True))


def all_sent(expected: int) -> bool:
    return statuses() == Counter({Status.SENT: expected})


def message_ids() -> set[str]:
    return {email.message_id for email in OutgoingEmail.objects.all()}


def test_a_worker_killed_mid_batch_loses_nothing(inbox, worker):
    inbox.delay = 0.02
    inbox.start()
    first = worker.start()
    queue(100)
    wait_for(lambda: len(inbox.arrived) >= 20, what="some emails to arrive")
    worker.kill(first)
    in_flight = statuses()[Status.SENDING]
    assert in_flight <= CONCURRENCY
    worker.start()

    def beat_until_all_sent():
        requeue_pending_emails()
        return all_sent(100)

    wait_for(beat_until_all_sent, timeout=60, what="every email to be sent")
    counts = inbox.counts()
    assert set(counts) == message_ids()  # none lost
    duplicates = sum(n - 1 for n in counts.values())
    assert duplicates <= in_flight <= CONCURRENCY


def test_redis_down_while_a_learner_applies(client, inbox, worker, celery_broker, demo, learner):
    from applications import demo as applications_demo
    from applications.models import Application
    from applications.tests.conftest import mentee_data

    applications_demo.seed_reference()
    inbox.start()
    worker.start()
    celery_broker(f"redis://127.0.0.1:{free_port()}/0")  # the request's broker is down
    client.force_login(learner)
    started = time.monotonic()
    response = client.post("/programs/dmp/apply/mentee/", mentee_data(demo["dmp"]))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert time.monotonic() - started < 10  # the request did not hang on the broker
    assert Application.objects.filter(applicant=learner).exists()
    emails = list(OutgoingEmail.objects.all())
    assert emails and all(e.status == Status.PENDING and e.claim_token is None for e in emails)
    assert "We sent you a confirmation email" in client.get(response.url).content.decode()

    celery_broker(os.environ["REDIS_URL"])  # the broker is back; beat runs
    assert requeue_pending_emails() == len(emails)
    wait_for(lambda: all_sent(len(emails)), what="the emails to be sent")
    assert requeue_pending_emails() == 0
    assert inbox.counts() == Counter({message_id: 1 for message_id in message_ids()})
    assert learner.email in {to for _, to in inbox.arrived}


def test_smtp_down_then_back_sends_each_once_with_one_chain(inbox, worker):
    worker.start()
    queue(5)

    # The SMTP server is down: each email retries, backing off, and beat
    # (running all along) starts no second chain beside the first.
    def retrying():
        assert requeue_pending_emails() == 0
        rows = OutgoingEmail.objects.values_list("attempts", "status")
        return all(attempts >= 2 and status == Status.PENDING for attempts, status in rows)

    wait_for(retrying, what="every email to have failed twice")
    before = dict(OutgoingEmail.objects.values_list("pk", "attempts"))
    assert all(
        "ConnectionRefusedError" in e for e in OutgoingEmail.objects.values_list("last_error", flat=True)
    )
    inbox.start()

    def beat_until_all_sent():
        requeue_pending_emails()
        return all_sent(5)

    wait_for(beat_until_all_sent, timeout=40, what="every email to be sent")
    assert inbox.counts() == Counter({message_id: 1 for message_id in message_ids()})
    for pk, attempts in OutgoingEmail.objects.values_list("pk", "attempts"):
        # counted up, one per try, never reset
        assert before[pk] < attempts <= FAST["EMAIL_MAX_ATTEMPTS"]


def test_a_permanently_refused_address_fails_visibly_and_can_be_resent(client, inbox, worker, staff):
    inbox.start()
    worker.start()
    refused = email_queue_message(to=REFUSED, subject="To a mailbox that does not exist", body_text="B")
    fine = email_queue_message(to="someone@example.edu", subject="Fine", body_text="B")

    def settled():
        return {e.pk: e for e in OutgoingEmail.objects.exclude(status__in=[Status.PENDING, Status.SENDING])}

    rows = wait_for(lambda: len(settled()) == 2 and settled(), what="both emails to settle")
    assert rows[fine.pk].status == Status.SENT
    assert rows[refused.pk].status == Status.FAILED and rows[refused.pk].attempts == 1  # no retries
    assert "550" in rows[refused.pk].last_error and "No such user" in rows[refused.pk].last_error

    client.force_login(staff)
    html = client.get("/admin/notifications/outgoingemail/?status__exact=failed").content.decode()
    assert "To a mailbox that does not exist" in html and "Fine" not in html
    inbox.refuse.clear()  # the mailbox now exists
    response = client.post(
        "/admin/notifications/outgoingemail/",
        {"action": "resend", "_selected_action": [refused.pk, fine.pk], "confirm": "yes"},
        follow=True,
    )
    assert "1 email queued again" in response.content.decode()
    assert "1 email not re-sent" in response.content.decode()
    wait_for(lambda: all_sent(2), what="the re-sent email to arrive")
    assert inbox.counts() == Counter({message_id: 1 for message_id in message_ids()})
