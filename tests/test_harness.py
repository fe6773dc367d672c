"""The test harness itself: what a test changes is put back for the next one."""

import os

from django.conf import settings

from conftest import celery_publishing_to, wait_for
from mentorship.celery import app


def test_the_real_broker_is_left_as_it_was_found():
    environ = os.environ.get("CELERY_BROKER_URL")
    before = (app.conf.broker_url, app.conf.task_always_eager)
    assert before == (settings.CELERY_BROKER_URL, settings.CELERY_TASK_ALWAYS_EAGER)
    with celery_publishing_to("redis://127.0.0.1:9/0") as use:
        assert (app.conf.broker_url, app.conf.task_always_eager) == ("redis://127.0.0.1:9/0", False)
        use("redis://127.0.0.1:10/0")
        assert app.conf.broker_url == "redis://127.0.0.1:10/0"
    assert (app.conf.broker_url, app.conf.task_always_eager) == before
    assert os.environ.get("CELERY_BROKER_URL") == environ
    assert app.connection_for_write().as_uri() == app.connection_for_write(before[0]).as_uri()


def test_waiting_returns_the_condition_or_fails_with_what_it_waited_for():
    calls = iter([0, 0, "ready"])
    assert wait_for(lambda: next(calls), interval=0) == "ready"
    try:
        wait_for(lambda: False, timeout=0, what="nothing")
    except AssertionError as exc:
        assert "waiting for nothing" in str(exc)
    else:
        raise AssertionError("wait_for did not fail")
