"""Capacity holds when two coordinators publish at the same moment: real
PostgreSQL, one connection per thread. The publishers start together, and
the first to hold the locks waits inside the locked section until every other
publisher is queued behind its locks (or, were the locking broken, inside the
section too), so the publications surely overlap."""

import threading

import pytest
from django.db import connection

from conftest import wait_for
from matching import mentor_requests, services
from matching.models import Match, MatchStatus, MentorRequest, RequestStatus, Round, RoundStatus
from tests.factories import accepted_mentee, accepted_mentor

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL")


class Publishers:
    """Runs jobs in threads that start at a barrier. Each job's first pass
    through the locked section (``_introduce`` runs after the locks are taken
    and the capacity is counted) waits there until every other job is either
    waiting for a lock in PostgreSQL or in the locked section itself."""

    def __init__(self, monkeypatch):
        self.backends: dict[int, int] = {}  # thread index -> PostgreSQL backend pid
        self.inside: set[int] = set()
        self.lock = threading.Lock()
        self.local = threading.local()
        introduce = services._introduce

        def held_open(match):
            # Only the publishers' threads wait (not the test's own setup),
            # and each only on its first pass.
            if hasattr(self.local, "index") and not getattr(self.local, "held", False):
                self.local.held = True
                self.hold()
            introduce(match)

        monkeypatch.setattr(services, "_introduce", held_open)

    def others_queued_or_inside(self) -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT pid FROM pg_locks WHERE NOT granted")
            waiting = {pid for (pid,) in cursor.fetchall()}
        with self.lock:
            return all(
                index in self.inside or pid in waiting
                for index, pid in self.backends.items()
                if index != self.local.index
            )

    def hold(self) -> None:
        with self.lock:
            self.inside.add(self.local.index)
        wait_for(
            self.others_queued_or_inside, timeout=15, interval=0.01, what="the others to reach the locks"
        )

    def run(self, *jobs):
        barrier = threading.Barrier(len(jobs))
        outcomes = [None] * len(jobs)

        def run(index, job):
            self.local.index = index
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    (pid,) = cursor.fetchone()
                with self.lock:
                    self.backends[index] = pid
                barrier.wait(timeout=10)
                job()
                outcomes[index] = "published"
            except services.MatchingError as exc:
                outcomes[index] = " ".join(exc.messages)
            except Exception as exc:  # shown in the failing assertion, not lost in the thread
                outcomes[index] = f"error: {exc!r}"
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        return outcomes


@pytest.fixture
def publishers(monkeypatch):
    return Publishers(monkeypatch)


def test_two_rounds_published_at_once_never_overfill_a_mentor(demo, mentor, publishers):
    dmp = demo["dmp"]
    mentor_app = accepted_mentor(dmp, mentor, capacity=1)
    rounds = []
    for name in ("Round A", "Round B"):
        round_ = Round.objects.create(program=dmp, name=name)
        services.proposal_add(round_=round_, mentee=accepted_mentee(dmp), mentor=mentor_app)
        rounds.append(round_)

    outcomes = publishers.run(*(lambda r=r: services.round_publish(round_=r) for r in rounds))

    assert sorted(outcomes) == [
        "Morgan Mentor has room for 0 more mentees but 1 is proposed.",
        "published",
    ]
    assert Match.objects.filter(mentor=mentor_app, status=MatchStatus.PUBLISHED).count() == 1
    statuses = sorted(Round.objects.filter(pk__in=[r.pk for r in rounds]).values_list("status", flat=True))
    assert statuses == [RoundStatus.DRAFT, RoundStatus.PUBLISHED]


def test_rolling_intake_at_once_never_overfills_a_mentor(demo, publishers):
    dmp = demo["dmp"]
    round_ = Round.objects.create(program=dmp, name="Round 1", status=RoundStatus.PUBLISHED)
    mentor_app = accepted_mentor(dmp, capacity=2)
    services.match_publish_one(round_=round_, mentee=accepted_mentee(dmp), mentor=mentor_app)
    late = [accepted_mentee(dmp) for _ in range(3)]

    outcomes = publishers.run(
        *(lambda m=m: services.match_publish_one(round_=round_, mentee=m, mentor=mentor_app) for m in late)
    )

    assert outcomes.count("published") == 1
    assert Match.objects.filter(mentor=mentor_app, status=MatchStatus.PUBLISHED).count() == 2


def test_the_same_mentee_published_twice_at_once_gets_one_mentor(demo, publishers):
    dmp = demo["dmp"]
    round_ = Round.objects.create(program=dmp, name="Round 1", status=RoundStatus.PUBLISHED)
    mentee = accepted_mentee(dmp)
    mentors = [accepted_mentor(dmp, capacity=3) for _ in range(2)]

    outcomes = publishers.run(
        *(lambda m=m: services.match_publish_one(round_=round_, mentee=mentee, mentor=m) for m in mentors)
    )

    assert outcomes.count("published") == 1
    # The other is refused with a message, not a deadlock error.
    assert not any(o.startswith("error") for o in outcomes), outcomes
    assert Match.objects.filter(mentee=mentee, status=MatchStatus.PUBLISHED).count() == 1


# --- Requests after the round: a mentor accepting several at once ------------


def _requests_to(mentor_app, mentees):
    return [
        mentor_requests.mentor_request_create(mentee=m, mentor=mentor_app, message="", by=m.applicant)
        for m in mentees
    ]


def test_a_mentor_accepting_requests_at_once_never_exceeds_their_places(demo, publishers):
    dmp = demo["dmp"]
    round_ = Round.objects.create(program=dmp, name="Round 1", status=RoundStatus.PUBLISHED)
    mentor_app = accepted_mentor(dmp, capacity=2)
    services.match_publish_one(
        round_=round_, mentee=accepted_mentee(dmp), mentor=mentor_app
    )  # one place left
    requests = _requests_to(mentor_app, [accepted_mentee(dmp) for _ in range(3)])
    by = mentor_app.applicant

    outcomes = publishers.run(
        *(lambda r=r: mentor_requests.mentor_request_accept(request=r, by=by) for r in requests)
    )

    assert outcomes.count("published") == 1, outcomes
    assert all("no place left" in o for o in outcomes if o != "published"), outcomes
    assert Match.objects.filter(mentor=mentor_app, status=MatchStatus.PUBLISHED).count() == 2
    statuses = sorted(MentorRequest.objects.filter(mentor=mentor_app).values_list("status", flat=True))
    assert statuses == [RequestStatus.ACCEPTED, RequestStatus.OPEN, RequestStatus.OPEN]


def test_the_same_request_accepted_twice_at_once_publishes_one_match(demo, publishers):
    dmp = demo["dmp"]
    Round.objects.create(program=dmp, name="Round 1", status=RoundStatus.PUBLISHED)
    mentor_app = accepted_mentor(dmp, capacity=3)
    (request,) = _requests_to(mentor_app, [accepted_mentee(dmp)])
    by = mentor_app.applicant

    outcomes = publishers.run(
        *(lambda: mentor_requests.mentor_request_accept(request=request, by=by) for _ in range(2))
    )

    assert sorted(outcomes) == ["This request was already accepted.", "published"]
    assert Match.objects.filter(mentor=mentor_app, status=MatchStatus.PUBLISHED).count() == 1


def test_a_coordinator_and_a_mentor_pairing_the_same_mentee_at_once_neither_deadlocks_nor_doubles(
    demo, publishers
):
    dmp = demo["dmp"]
    round_ = Round.objects.create(program=dmp, name="Round 1", status=RoundStatus.PUBLISHED)
    asked, other = accepted_mentor(dmp, capacity=2), accepted_mentor(dmp, capacity=2)
    mentee = accepted_mentee(dmp)
    (request,) = _requests_to(asked, [mentee])

    outcomes = publishers.run(
        lambda: mentor_requests.mentor_request_accept(request=request, by=asked.applicant),
        lambda: services.match_publish_one(round_=round_, mentee=mentee, mentor=other),
    )

    assert outcomes.count("published") == 1, outcomes
    assert not any(o.startswith("error") for o in outcomes), outcomes
    assert Match.objects.filter(mentee=mentee, status=MatchStatus.PUBLISHED).count() == 1
