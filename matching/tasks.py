from __future__ import annotations

from celery import shared_task

from .mentor_requests import mentor_requests_expire


@shared_task
def expire_mentor_requests() -> int:
    """Beat (hourly): requests past their reply days expire; mentees and coordinators are told."""
    return mentor_requests_expire()
