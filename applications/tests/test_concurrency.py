"""Two submissions of the same application at the same moment: real
PostgreSQL, one connection per thread. The database constraint decides, and
the loser is led to the winner's application."""

import threading

import pytest
from django.db import connection

from applications import services
from applications.models import Application, Role
from programs.models import LearnerType

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL")


def test_a_double_submission_makes_one_application(demo, learner, monkeypatch):
    dmp = demo["dmp"]
    both_checked = threading.Barrier(2)
    real_check = services.live_application
    seen = threading.local()

    def check_then_wait(**kwargs):
        # Both requests pass the "already applied?" check before either inserts.
        result = real_check(**kwargs)
        if not getattr(seen, "done", False):
            seen.done = True
            both_checked.wait(timeout=10)
        return result

    monkeypatch.setattr(services, "live_application", check_then_wait)
    outcomes = []

    def submit():
        try:
            application = services.application_submit(
                applicant=learner,
                program=dmp,
                role=Role.MENTEE,
                tier=None,
                fields={"learner_type": LearnerType.objects.get(code="MD2"), "meeting_format": "virtual"},
            )
            outcomes.append(("created", application.pk))
        except services.DuplicateApplication as exc:
            outcomes.append(("existing", exc.existing.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    application = Application.objects.get()
    assert sorted(outcomes) == [("created", application.pk), ("existing", application.pk)]
