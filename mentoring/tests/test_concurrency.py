"""Two workers sending the same reminder at the same moment (a retried task
beside the original, two beat schedulers): real PostgreSQL, one connection
per thread. The first holds its transaction open, after its ReminderSent row
is written and before it commits, until the second is waiting on that row's
unique key; then exactly one email is in the outgoing table."""

from __future__ import annotations

import datetime
import threading

import pytest
import time_machine
from django.db import connection

from conftest import wait_for
from mentoring import reminders
from notifications.models import OutgoingEmail

from .helpers import make_program_year, publish_pair

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL")


def test_two_workers_send_a_reminder_once(make_user_pair, monkeypatch):
    with time_machine.travel(datetime.datetime(2026, 9, 1, 12, tzinfo=datetime.UTC), tick=False):
        program, *_ = make_program_year()
        match = publish_pair(program, *make_user_pair("cy"), agreement=False)
    with time_machine.travel(datetime.datetime(2026, 9, 16, 12, tzinfo=datetime.UTC), tick=False):
        reminder = next(r for r in reminders.reminders_due() if r.kind == "intro" and r.role == "mentee")

    release, first_pid, results = threading.Event(), [], {}
    queue = reminders.email_queue_template

    def held_open(**kwargs):
        if not first_pid:  # the first worker: hold its transaction open
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                first_pid.append(cursor.fetchone()[0])
            release.wait(timeout=30)
        return queue(**kwargs)

    monkeypatch.setattr(reminders, "email_queue_template", held_open)

    def worker(name):
        try:
            results[name] = reminders.reminder_send(reminder=reminder)
        finally:
            connection.close()

    first = threading.Thread(target=worker, args=("first",))
    first.start()
    wait_for(lambda: bool(first_pid), what="the first worker inside its transaction")
    second = threading.Thread(target=worker, args=("second",))
    second.start()

    def second_waits_on_the_first() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks w JOIN pg_locks h ON h.transactionid = w.transactionid "
                "WHERE NOT w.granted AND h.granted AND h.pid = %s",
                [first_pid[0]],
            )
            return cursor.fetchone()[0] > 0

    wait_for(second_waits_on_the_first, what="the second worker waiting on the first's row")
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert results == {"first": True, "second": False}
    assert OutgoingEmail.objects.filter(kind="reminder-intro", to=match.mentee.applicant.email).count() == 1
