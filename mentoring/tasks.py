"""Celery tasks of the mentorship year: thin wrappers that call a service."""

from __future__ import annotations

from celery import shared_task

from .services import matches_end_at_year_end as end_at_year_end


@shared_task
def matches_end_at_year_end() -> int:
    """Beat (daily): end the matches of every program year that is over."""
    return len(end_at_year_end())
