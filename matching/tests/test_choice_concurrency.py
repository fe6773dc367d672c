"""Two saves of one rank list at the same moment leave one whole list: real
PostgreSQL, one connection per thread. The first save to hold the list's lock
waits inside the locked section until the other is queued behind the lock
(were the locking broken, it would never queue, and the wait fails), so the
saves surely overlap."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from conftest import wait_for
from matching import selectors, services
from matching.models import RankList, Round
from tests.factories import ProgramFactory, accepted_mentee, accepted_mentor

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL")


def _someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0] > 0


def test_two_saves_at_once_leave_one_whole_list(monkeypatch):
    program = ProgramFactory()
    now = timezone.now()
    round_ = Round.objects.create(
        program=program,
        name="Round 1",
        ranking_opens_at=now - timedelta(days=1),
        ranking_closes_at=now + timedelta(days=1),
    )
    mentee = accepted_mentee(program)
    mentors = []
    for _ in range(4):
        mentor = accepted_mentor(program)
        services.mentor_profile_create_from(mentor)
        mentors.append(mentor.pk)
    services.rank_list_save(round_=round_, owner=mentee, candidate_ids=mentors[:1])

    held = threading.Event()
    save = RankList.save

    def held_open(self, *args, **kwargs):
        # The first save in a thread waits, holding the lock, for the other to queue.
        if threading.current_thread() is not threading.main_thread() and not held.is_set():
            held.set()
            wait_for(_someone_waits_for_a_lock, timeout=15, interval=0.01, what="the other save to queue")
        return save(self, *args, **kwargs)

    monkeypatch.setattr(RankList, "save", held_open)
    lists = [mentors[:3], list(reversed(mentors))]
    barrier = threading.Barrier(len(lists))
    outcomes = [None] * len(lists)

    def run(index):
        try:
            barrier.wait(timeout=10)
            services.rank_list_save(round_=round_, owner=mentee, candidate_ids=lists[index])
            outcomes[index] = "saved"
        except Exception as exc:  # shown in the failing assertion, not lost in the thread
            outcomes[index] = f"error: {exc!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(lists))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes == ["saved", "saved"]
    entries = selectors.rank_list_for(round_, mentee)
    assert [e.position for e in entries] == list(range(1, len(entries) + 1))
    assert [e.candidate_id for e in entries] in lists
