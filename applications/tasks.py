"""Celery tasks: thin wrappers that call a service."""

from __future__ import annotations

from celery import shared_task

from .services import identity_delete_expired


@shared_task
def delete_expired_identity() -> int:
    """Beat (daily): delete self-identification kept past IDENTITY_RETENTION_DAYS."""
    return identity_delete_expired()
