import datetime
import io
import re
from pathlib import Path

import pytest
from django.http import QueryDict
from django.utils import timezone
from openpyxl import load_workbook

from conftest import make_user
from opportunities.exports import write_database_xlsx
from opportunities.models import ExportJob
from opportunities.selectors import opportunity_search
from opportunities.services.exports import export_build
from opportunities.tasks import build_export, delete_expired_exports

from .factories import bulk_opportunities

pytestmark = pytest.mark.django_db


@pytest.fixture
def large(settings, learner_types):
    settings.EXPORT_ASYNC_THRESHOLD = 5
    return bulk_opportunities(9)


def job_id_from(response) -> str:
    match = re.fullmatch(r"/database/exports/([0-9a-f-]{36})/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def workbook_from(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


class TestBackgroundExport:
    def test_a_large_export_is_prepared_by_a_task_and_emailed(
        self, client, learner, large, mailoutbox, django_capture_on_commit_callbacks, settings
    ):
        client.force_login(learner)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get("/database/export.xlsx?kind=formal&kind=summer&sort=-name")
        assert response.status_code == 302
        job = ExportJob.objects.get(pk=job_id_from(response))
        assert job.requested_by == learner and job.status == ExportJob.Status.DONE
        assert job.total_rows == job.rows_written == 6
        assert Path(settings.MEDIA_ROOT, job.file.name).exists()

        [email] = mailoutbox
        assert email.to == [learner.email]
        assert f"https://mentorship.example.edu/database/exports/{job.pk}/" in email.body

        page = client.get(job.get_absolute_url())
        assert "Your file is ready" in page.content.decode()
        assert "Refresh" not in page
        download = client.get(f"/database/exports/{job.pk}/download/")
        assert download.status_code == 200
        built = f"{timezone.localdate(job.finished_at):%Y-%m-%d}"
        assert download["Content-Disposition"] == (
            f'attachment; filename="learner-mentorship-database-{built}-filtered-{str(job.pk)[:8]}.xlsx"'
        )
        rows = list(workbook_from(download)["Opportunities"].iter_rows(min_row=2, values_only=True))
        assert [r[0] for r in rows] == sorted(
            (o.name for o in large if o.kind in ("formal", "summer")), reverse=True
        )

    def test_small_exports_are_immediate(self, client, learner, large, settings):
        settings.EXPORT_ASYNC_THRESHOLD = 9
        client.force_login(learner)
        assert client.get("/database/export.xlsx").status_code == 200
        assert not ExportJob.objects.exists()

    def test_the_waiting_page_refreshes_itself_and_shows_progress(
        self, client, learner, large, django_capture_on_commit_callbacks
    ):
        client.force_login(learner)
        with django_capture_on_commit_callbacks(execute=False):
            response = client.get("/database/export.xlsx")
        job = ExportJob.objects.get(pk=job_id_from(response))
        page = client.get(job.get_absolute_url())
        html = page.content.decode()
        assert "Preparing your file" in html and "Waiting to start" in html
        assert page["Refresh"] == "5"
        assert "Stop refreshing automatically" in html
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, rows_written=3)
        html = client.get(job.get_absolute_url()).content.decode()
        assert "3 of 9 rows written (33%)" in html
        assert 'value="33"' in html
        still = client.get(job.get_absolute_url() + "?refresh=off")
        assert "Refresh" not in still and "Check again" in still.content.decode()

    def test_asking_again_while_it_is_prepared_reuses_the_job(
        self, client, learner, large, django_capture_on_commit_callbacks
    ):
        client.force_login(learner)
        with django_capture_on_commit_callbacks(execute=False) as first_tasks:
            first = job_id_from(client.get("/database/export.xlsx"))
        with django_capture_on_commit_callbacks(execute=False) as again_tasks:
            again = job_id_from(client.get("/database/export.xlsx"))
        assert again == first and len(first_tasks) == 1 and again_tasks == []
        # Another list is another file.
        with django_capture_on_commit_callbacks(execute=False):
            other = job_id_from(client.get("/database/export.xlsx?sort=-name"))
        assert other != first
        # Another member asking for the same list gets a file of their own.
        client.force_login(make_user("second@mail.example.edu"))
        with django_capture_on_commit_callbacks(execute=False):
            theirs = job_id_from(client.get("/database/export.xlsx"))
        assert theirs not in (first, other)
        client.force_login(learner)
        # Once the file is ready (or the job failed), asking again builds a
        # fresh one: the database may have changed.
        ExportJob.objects.filter(pk=first).update(status=ExportJob.Status.DONE)
        with django_capture_on_commit_callbacks(execute=False):
            fresh = job_id_from(client.get("/database/export.xlsx"))
        assert fresh not in (first, other)
        # A job waiting for over an hour is not handed out again.
        ExportJob.objects.filter(pk=fresh).update(created_at=timezone.now() - datetime.timedelta(hours=2))
        with django_capture_on_commit_callbacks(execute=False):
            assert job_id_from(client.get("/database/export.xlsx")) != fresh
        assert ExportJob.objects.count() == 5

    def test_progress_is_reported_while_rows_are_written(self, large):
        calls = []
        view = opportunity_search(QueryDict(""))
        rows = write_database_xlsx(io.BytesIO(), view, progress=calls.append, progress_every=2)
        assert rows == 9 and calls == [2, 4, 6, 8]

    def test_a_duplicate_delivery_builds_once(
        self, client, learner, large, mailoutbox, django_capture_on_commit_callbacks
    ):
        client.force_login(learner)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get("/database/export.xlsx")
        job_id = job_id_from(response)
        assert build_export.apply(args=[job_id]).get() is None
        assert len(mailoutbox) == 1

    def test_a_failure_is_shown_on_the_waiting_page(
        self, client, learner, large, monkeypatch, django_capture_on_commit_callbacks
    ):
        def broken(*args, **kwargs):
            raise OSError("disk full")

        monkeypatch.setattr("opportunities.exports.write_database_xlsx", broken)
        client.force_login(learner)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = client.get("/database/export.xlsx")
        job_id = job_id_from(response)
        with pytest.raises(OSError):
            export_build(job_id=job_id)
        job = ExportJob.objects.get(pk=job_id)
        assert job.status == ExportJob.Status.FAILED and "disk full" in job.error
        page = client.get(job.get_absolute_url())
        assert "could not be prepared" in page.content.decode() and "Refresh" not in page
        assert callbacks  # the task was queued on commit


class TestWhoMayDownload:
    @pytest.fixture
    def job(self, client, learner, large, django_capture_on_commit_callbacks):
        client.force_login(learner)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get("/database/export.xlsx")
        client.logout()
        return ExportJob.objects.get(pk=job_id_from(response))

    def test_another_member_is_refused(self, client, job):
        client.force_login(make_user("other@mail.example.edu"))
        assert client.get(job.get_absolute_url()).status_code == 403
        assert client.get(f"/database/exports/{job.pk}/download/").status_code == 403

    def test_anonymous_people_are_sent_to_log_in(self, client, job):
        for url in (job.get_absolute_url(), f"/database/exports/{job.pk}/download/"):
            response = client.get(url)
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    def test_a_coordinator_is_not_staff_here_and_is_refused(self, client, job, demo, coordinator_of):
        client.force_login(coordinator_of(demo["dmp"]))
        assert client.get(job.get_absolute_url()).status_code == 403
        assert client.get(f"/database/exports/{job.pk}/download/").status_code == 403

    def test_a_non_member_is_refused_the_export_itself(self, client, outsider, job):
        client.force_login(outsider)
        assert client.get(f"/database/exports/{job.pk}/download/").status_code == 403
        assert client.get("/database/export.xlsx").status_code == 403
        assert ExportJob.objects.count() == 1

    def test_staff_may_download_from_the_admin(self, client, staff, job):
        client.force_login(staff)
        page = client.get(f"/admin/opportunities/exportjob/{job.pk}/change/").content.decode()
        assert f'href="/database/exports/{job.pk}/download/"' in page and "/media/" not in page
        assert client.get(f"/database/exports/{job.pk}/download/").status_code == 200

    def test_an_unknown_export_is_404(self, client, learner, job):
        client.force_login(learner)
        assert client.get("/database/exports/00000000-0000-0000-0000-000000000000/").status_code == 404

    def test_an_expired_export_is_gone_and_then_deleted(self, client, learner, job, settings):
        path = Path(settings.MEDIA_ROOT, job.file.name)
        ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
        client.force_login(learner)
        assert client.get(f"/database/exports/{job.pk}/download/").status_code == 404
        assert "This file has expired" in client.get(job.get_absolute_url()).content.decode()
        fresh = ExportJob.objects.create(
            requested_by=learner, expires_at=timezone.now() + datetime.timedelta(hours=1)
        )
        assert delete_expired_exports.apply().get() == 1
        assert not path.exists()
        assert list(ExportJob.objects.all()) == [fresh]

    def test_an_export_stuck_for_an_hour_is_marked_failed(self, client, learner, learner_types):
        stuck = ExportJob.objects.create(
            requested_by=learner,
            status=ExportJob.Status.RUNNING,
            expires_at=timezone.now() + datetime.timedelta(hours=20),
        )
        recent = ExportJob.objects.create(
            requested_by=learner, expires_at=timezone.now() + datetime.timedelta(hours=20)
        )
        ExportJob.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - datetime.timedelta(hours=2))
        delete_expired_exports.apply()
        stuck.refresh_from_db()
        recent.refresh_from_db()
        assert stuck.status == ExportJob.Status.FAILED and recent.status == ExportJob.Status.PENDING
        client.force_login(learner)
        page = client.get(stuck.get_absolute_url())
        assert "could not be prepared" in page.content.decode() and "Refresh" not in page

    def test_the_retention_is_a_setting(
        self, client, learner, large, settings, django_capture_on_commit_callbacks
    ):
        settings.EXPORT_RETENTION_HOURS = 2
        client.force_login(learner)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get("/database/export.xlsx")
        job = ExportJob.objects.get(pk=job_id_from(response))
        remaining = job.expires_at - timezone.now()
        assert datetime.timedelta(hours=1, minutes=59) < remaining <= datetime.timedelta(hours=2)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_builds_the_export(client, settings, mailoutbox, learner_types, celery_worker):
    settings.EXPORT_ASYNC_THRESHOLD = 3
    bulk_opportunities(12)
    owner = make_user("owner@mail.example.edu")
    client.force_login(owner)
    response = client.get("/database/export.xlsx?format=virtual")  # commits, then enqueues
    job_id = job_id_from(response)
    celery_worker.wait_for_runs("opportunities.tasks.build_export", 1)
    celery_worker.wait_for_runs("notifications.tasks.send_outgoing_email", 1)  # the "ready" email
    job = ExportJob.objects.get(pk=job_id)
    assert job.status == ExportJob.Status.DONE, job.error
    assert job.rows_written == 4
    assert [m.to for m in mailoutbox] == [[owner.email]]
    download = client.get(f"/database/exports/{job_id}/download/")
    assert download.status_code == 200
    assert workbook_from(download)["Opportunities"].max_row == 5
    client.force_login(make_user("someone.else@mail.example.edu"))
    assert client.get(f"/database/exports/{job_id}/download/").status_code == 403
