"""Celery tasks: thin wrappers that call a service."""

from __future__ import annotations

from celery import shared_task

from .services import ranking_windows_notify


@shared_task
def send_ranking_window_emails() -> int:
    """Beat (every 15 minutes): "ranking is open" and the reminder two days
    before it closes, once per window."""
    return ranking_windows_notify()
