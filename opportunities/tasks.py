"""Celery tasks: thin wrappers that take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from .services.exports import export_build, export_delete_expired
from .services.imports import import_uploads_delete_stale


@shared_task(acks_late=True)
def build_export(job_id: str) -> int | None:
    """Build a large export. The job is claimed first, so a duplicate delivery
    of the same id does nothing; a failure is recorded on the job."""
    job = export_build(job_id=job_id)
    return job.rows_written if job else None


@shared_task
def delete_expired_exports() -> int:
    """Beat (hourly): delete prepared exports older than EXPORT_RETENTION_HOURS."""
    return export_delete_expired()


@shared_task
def delete_stale_import_uploads() -> int:
    """Beat (hourly): delete import uploads never confirmed within
    IMPORT_UPLOAD_RETENTION_HOURS."""
    return import_uploads_delete_stale()
