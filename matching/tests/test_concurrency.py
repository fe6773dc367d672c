"""Capacity holds when two coordinators publish at the same moment: real
PostgreSQL, two connections (one per thread), started together by a barrier."""

import threading
import time

import pytest
from django.db import connection

from matching import services
from matching.models import Match, MatchStatus, Round, RoundStatus
from matching.tests.factories import accepted_mentee, accepted_mentor

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL")


@pytest.fixture
def slow_introductions(monkeypatch):
    """Hold each publishing transaction open a little after it has locked the
    rows, so the two publishers surely overlap."""
    introduce = services._introduce

    def slow(match):
        time.sleep(0.3)
        introduce(match)

    monkeypatch.setattr(services, "_introduce", slow)


def run_together(*jobs):
    barrier = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait()
            job()
            outcomes[index] = "published"
        except services.MatchingError as exc:
            outcomes[index] = " ".join(exc.messages)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_rounds_published_at_once_never_overfill_a_mentor(demo, mentor, slow_introductions):
    dmp = demo["dmp"]
    mentor_app = accepted_mentor(dmp, mentor, capacity=1)
    rounds = []
    for name in ("Round A", "Round B"):
        round_ = Round.objects.create(program=dmp, name=name)
        services.proposal_add(round_=round_, mentee=accepted_mentee(dmp), mentor=mentor_app)
        rounds.append(round_)

    outcomes = run_together(*(lambda r=r: services.round_publish(round_=r) for r in rounds))

    assert sorted(outcomes) == [
        "Morgan Mentor has room for 0 more mentee(s) but 1 are proposed.",
        "published",
    ]
    assert Match.objects.filter(mentor=mentor_app, status=MatchStatus.PUBLISHED).count() == 1
    statuses = sorted(Round.objects.filter(pk__in=[r.pk for r in rounds]).values_list("status", flat=True))
    assert statuses == [RoundStatus.DRAFT, RoundStatus.PUBLISHED]


def test_rolling_intake_at_once_never_overfills_a_mentor(demo, slow_introductions):
    dmp = demo["dmp"]
    round_ = Round.objects.create(program=dmp, name="Round 1", status=RoundStatus.PUBLISHED)
    mentor_app = accepted_mentor(dmp, capacity=2)
    services.match_publish_one(round_=round_, mentee=accepted_mentee(dmp), mentor=mentor_app)
    late = [accepted_mentee(dmp) for _ in range(3)]

    outcomes = run_together(
        *(lambda m=m: services.match_publish_one(round_=round_, mentee=m, mentor=mentor_app) for m in late)
    )

    assert outcomes.count("published") == 1
    assert Match.objects.filter(mentor=mentor_app, status=MatchStatus.PUBLISHED).count() == 2


def test_the_same_mentee_published_twice_at_once_gets_one_mentor(demo, slow_introductions):
    dmp = demo["dmp"]
    round_ = Round.objects.create(program=dmp, name="Round 1", status=RoundStatus.PUBLISHED)
    mentee = accepted_mentee(dmp)
    mentors = [accepted_mentor(dmp, capacity=3) for _ in range(2)]

    outcomes = run_together(
        *(lambda m=m: services.match_publish_one(round_=round_, mentee=mentee, mentor=m) for m in mentors)
    )

    assert outcomes.count("published") == 1
    assert Match.objects.filter(mentee=mentee, status=MatchStatus.PUBLISHED).count() == 1
