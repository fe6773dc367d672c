"""Celery tasks: thin wrappers that call a service."""

from __future__ import annotations

from celery import shared_task

from .mentor_requests import mentor_requests_expire
from .services import ranking_windows_notify


@shared_task
def expire_mentor_requests() -> int:
    """Beat (hourly): requests past their reply days expire; mentees and coordinators are told."""
    return mentor_requests_expire()


@shared_task
def send_ranking_window_emails() -> int:
    """Beat (every 15 minutes): "ranking is open" and the reminder two days
    before it closes, once per window."""
    return ranking_windows_notify()
