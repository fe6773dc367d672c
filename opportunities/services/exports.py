"""Prepared exports: a large list is built by a task into MEDIA_ROOT/exports/,
and the person is emailed a link; expired files are deleted."""

from __future__ import annotations

import datetime
import logging
import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from notifications.services import email_queue_template

from .. import exports as workbooks  # the xlsx writer (a module, so tests can replace it)
from ..models import ExportJob
from ..selectors import opportunity_search

log = logging.getLogger(__name__)


def _enqueue_export(job_id) -> None:
    from ..tasks import build_export  # the tasks module imports this one

    transaction.on_commit(lambda: build_export.delay(str(job_id)))


#: A job still waiting after this long is marked failed (see
#: ``export_delete_expired``), so it is not handed out again either.
EXPORT_STUCK_AFTER = datetime.timedelta(hours=1)


@transaction.atomic
def export_request(*, user, query_string: str, total_rows: int) -> ExportJob:
    """Queue a large export of the list that ``query_string`` selects; a task
    builds it after commit.

    Asking again for the same list while its file is still being prepared
    (a second click, a reload) returns the job already under way rather than
    building the same file twice.  The person's row is locked first, so two
    requests at the same moment cannot both start one."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    waiting = (
        ExportJob.objects.filter(
            requested_by=user,
            query_string=query_string,
            status__in=[ExportJob.Status.PENDING, ExportJob.Status.RUNNING],
            created_at__gte=timezone.now() - EXPORT_STUCK_AFTER,
        )
        .order_by("-created_at")
        .first()
    )
    if waiting is not None:
        return waiting
    job = ExportJob.objects.create(
        requested_by=user,
        query_string=query_string,
        total_rows=total_rows,
        expires_at=ExportJob.default_expiry(),
    )
    _enqueue_export(job.pk)
    return job


def export_claim(*, job_id) -> ExportJob | None:
    """Move a waiting export to "running"; None when another worker (or an
    earlier try) has it already."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.PENDING).update(
        status=ExportJob.Status.RUNNING, started_at=timezone.now()
    )
    return ExportJob.objects.select_related("requested_by").get(pk=job_id) if claimed else None


PROGRESS_EVERY = 500


def export_build(*, job_id) -> ExportJob | None:
    """Build a claimed export into MEDIA_ROOT/exports/, reporting progress as
    it goes, then email the person a link. A failure is recorded on the job
    (visible on the waiting page and in the admin) and re-raised."""
    job = export_claim(job_id=job_id)
    if job is None:
        return None
    directory = Path(settings.MEDIA_ROOT) / "exports"
    directory.mkdir(parents=True, exist_ok=True)
    relative = f"exports/{job.pk}.xlsx"
    final_path = Path(settings.MEDIA_ROOT) / relative
    partial_path = final_path.with_suffix(".partial")

    def progress(rows: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(rows_written=rows)

    try:
        view = opportunity_search(QueryDict(job.query_string))
        with open(partial_path, "wb") as handle:
            rows = workbooks.write_database_xlsx(
                handle, view, progress=progress, progress_every=PROGRESS_EVERY
            )
        os.replace(partial_path, final_path)
    except Exception as exc:
        partial_path.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        log.exception("Export %s failed", job.pk)
        raise
    with transaction.atomic():
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.DONE,
            file=relative,
            rows_written=rows,
            total_rows=rows,
            finished_at=timezone.now(),
            expires_at=ExportJob.default_expiry(),
        )
        job.refresh_from_db()
        email_queue_template(
            name="opportunity-export-ready",
            to=job.requested_by.email,
            context={
                "job": job,
                "download_url": settings.SITE_URL + reverse("opportunities:export_status", args=[job.pk]),
                "retention_hours": settings.EXPORT_RETENTION_HOURS,
            },
            dedup_key=f"export-{job.pk}-ready",
        )
    return job


def export_delete_expired(*, now: datetime.datetime | None = None) -> int:
    """Delete expired exports and their files, and mark exports stuck for an
    hour as failed. Returns how many exports were deleted."""
    now = now or timezone.now()
    count = 0
    for job in ExportJob.objects.filter(expires_at__lte=now).only("pk", "file"):
        if job.file:
            job.file.delete(save=False)
        job.delete()
        count += 1
    # A job whose worker died (or whose task was lost) would keep its waiting
    # page refreshing for ever: after an hour it is marked failed.
    ExportJob.objects.filter(
        status__in=[ExportJob.Status.PENDING, ExportJob.Status.RUNNING],
        created_at__lt=now - EXPORT_STUCK_AFTER,
    ).update(status=ExportJob.Status.FAILED, error="Not finished within an hour.", finished_at=now)
    return count
