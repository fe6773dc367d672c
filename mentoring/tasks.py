"""Celery tasks of the mentorship year: thin wrappers that call a service."""

from __future__ import annotations

from celery import shared_task

from .digest import digest_send
from .reminders import reminders_send
from .services import matches_end_at_year_end as end_at_year_end


@shared_task
def send_reminders() -> int:
    """Beat (daily): the reminders of the mentorship year, each sent once."""
    return reminders_send()


@shared_task
def send_coordinator_digest() -> int:
    """Beat (weekly): each program's digest of the matches that need attention."""
    return digest_send()


@shared_task
def matches_end_at_year_end() -> int:
    """Beat (daily): end the matches of every program year that is over."""
    return len(end_at_year_end())
