"""The beat entries and the thin tasks that call the services."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.conf import settings

from mentoring import tasks
from notifications.models import OutgoingEmail

from .helpers import make_program_year, publish_pair

pytestmark = pytest.mark.django_db


def test_beat_runs_the_reminders_daily_and_the_digest_weekly():
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["mentoring.tasks.send_reminders"].day_of_week == set(range(7))
    assert schedule["mentoring.tasks.send_coordinator_digest"].day_of_week == {1}


def test_the_tasks_send_once(make_user_pair, coordinator_of):
    with time_machine.travel(datetime.datetime(2026, 9, 1, 12, tzinfo=datetime.UTC), tick=False) as traveller:
        program, *_ = make_program_year()
        publish_pair(program, *make_user_pair("tia"))
        coordinator_of(program)
        traveller.move_to(datetime.datetime(2026, 9, 21, 12, tzinfo=datetime.UTC))
        # Three weeks in, no meeting and no one confirmed: the introduction
        # and agreement reminders, to both.
        assert tasks.send_reminders.delay().get() == 4
        assert tasks.send_reminders.delay().get() == 0
        assert tasks.send_coordinator_digest.delay().get() == 1
        assert tasks.send_coordinator_digest.delay().get() == 0
    assert OutgoingEmail.objects.filter(kind="coordinator-digest").count() == 1
