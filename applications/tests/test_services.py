"""The lifecycle and the writes behind the pages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from applications import services
from applications.models import IdentityDisclosure, Role, Status, StatusChange
from notifications.models import OutgoingEmail
from tests.factories import ApplicationFactory, ProgramFactory, make_mentee_application

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        [Status.UNDER_REVIEW, Status.ACCEPTED, Status.MATCHED, Status.ENDED],
        [Status.WAITLISTED, Status.ACCEPTED, Status.MATCHED, Status.WITHDRAWN],
        [Status.UNDER_REVIEW, Status.DECLINED],
        [Status.WITHDRAWN],
    ],
)
def test_allowed_paths_succeed_and_are_recorded(path, staff):
    application = ApplicationFactory()
    for status in path:
        services.application_transition(
            application=application, to_status=status, by=staff, note=f"to {status}"
        )
    assert application.status == path[-1]
    history = list(StatusChange.objects.filter(application=application).values_list("to_status", "note"))
    assert history == [(s, f"to {s}") for s in path]


@pytest.mark.parametrize(
    "start,to",
    [
        (Status.SUBMITTED, Status.MATCHED),
        (Status.DECLINED, Status.ACCEPTED),
        (Status.WITHDRAWN, Status.SUBMITTED),
        (Status.ENDED, Status.WITHDRAWN),
        (Status.UNDER_REVIEW, Status.SUBMITTED),
    ],
)
def test_other_moves_are_refused(start, to):
    application = ApplicationFactory(status=start)
    with pytest.raises(services.InvalidTransition):
        services.application_transition(application=application, to_status=to)
    application.refresh_from_db()
    assert application.status == start
    assert not StatusChange.objects.exists()


def test_each_change_emails_the_applicant_once(django_capture_on_commit_callbacks, mailoutbox):
    application = ApplicationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_transition(application=application, to_status=Status.ACCEPTED, note="Welcome!")
    assert len(mailoutbox) == 1 and "Welcome!" in mailoutbox[0].body
    change = StatusChange.objects.get()
    email = OutgoingEmail.objects.get()
    assert email.dedup_key == f"application-status:{change.pk}"
    assert email.program == application.program  # its coordinators see it in the admin


def test_status_emails_carry_no_identity_data(dmp, dimension, django_capture_on_commit_callbacks, mailoutbox):
    application = make_mentee_application(
        dmp,
        identity={"dimensions": [dimension], "self_described": "Afro-Caribbean", "consent_to_matching": True},
    )
    with django_capture_on_commit_callbacks(execute=True):
        for status in (Status.UNDER_REVIEW, Status.ACCEPTED, Status.WAITLISTED):
            services.application_transition(application=application, to_status=status)
    assert len(mailoutbox) == 3
    for message in mailoutbox:
        text = message.subject + message.body + "".join(body for body, _ in message.alternatives)
        assert dimension.label not in text and "Afro-Caribbean" not in text and "identif" not in text.lower()


def test_withdrawal_deletes_the_identity(dmp, learner):
    application = make_mentee_application(dmp, learner, identity={"consent_to_matching": True})
    services.application_withdraw(application=application, by=learner)
    assert not IdentityDisclosure.objects.exists()


def test_only_the_applicant_withdraws_through_the_service(dmp, learner, outsider):
    application = make_mentee_application(dmp, learner)
    with pytest.raises(services.ApplicationLocked):
        services.application_withdraw(application=application, by=outsider)


def test_submission_emails_the_contact_address_when_there_are_no_coordinators(
    learner, django_capture_on_commit_callbacks, mailoutbox
):
    program = ProgramFactory(contact_email="peer@example.edu")
    first = ApplicationFactory.build(program=program)
    with django_capture_on_commit_callbacks(execute=True):
        application = services.application_submit(
            applicant=learner,
            program=program,
            role=Role.MENTEE,
            tier=None,
            fields={
                "learner_type": first.learner_type,
                "meeting_format": "virtual",
                "availability": ["weekend"],
            },
        )
    assert sorted(m.to[0] for m in mailoutbox) == [learner.email, "peer@example.edu"]
    assert (
        f"/admin/applications/application/{application.pk}/change/" in mailoutbox[1].body + mailoutbox[0].body
    )


def test_the_applicant_cannot_edit_once_reviewed(dmp, learner):
    application = make_mentee_application(dmp, learner, status=Status.UNDER_REVIEW)
    with pytest.raises(services.ApplicationLocked):
        services.application_update(application=application, by=learner, fields={"hopes": "new"})


def test_identity_is_not_stored_for_programs_that_do_not_ask(learner):
    program = ProgramFactory(collects_identity=False)
    application = services.application_submit(
        applicant=learner,
        program=program,
        role=Role.MENTEE,
        tier=None,
        fields={
            "learner_type": ApplicationFactory.build(program=program).learner_type,
            "meeting_format": "virtual",
        },
        identity={
            "dimensions": [],
            "self_described": "x",
            "consent_to_matching": True,
            "wants_shared_identity": False,
        },
    )
    assert not IdentityDisclosure.objects.filter(application=application).exists()


def test_migrating_refreshes_the_coordinators_permissions(coordinator_of, dmp):
    from django.contrib.auth.models import Group, Permission
    from django.core.management import call_command

    coordinator_of(dmp)
    group = Group.objects.get(name="Coordinators")
    group.permissions.remove(Permission.objects.get(codename="view_applicationexport"))
    call_command("migrate", "applications", verbosity=0)
    assert group.permissions.filter(codename="view_applicationexport").exists()


class TestIdentityRetention:
    """Self-identification on closed applications is deleted after
    IDENTITY_RETENTION_DAYS; live applications keep theirs."""

    @pytest.fixture(autouse=True)
    def _retention(self, settings):
        settings.IDENTITY_RETENTION_DAYS = 30

    def closed(self, dmp, status, *, days, minutes=0):
        dimension = dmp.identity_dimensions.first()
        application = make_mentee_application(
            dmp, status=status, identity={"dimensions": [dimension], "self_described": "Métis"}
        )
        when = timezone.now() - timedelta(days=days, minutes=minutes)
        type(application).objects.filter(pk=application.pk).update(status_changed_at=when)
        return application

    @pytest.mark.parametrize("status", [Status.DECLINED, Status.ENDED, Status.WITHDRAWN])
    def test_it_is_deleted_just_after_the_period_and_kept_just_before(self, dmp, status):
        expired = self.closed(dmp, status, days=30, minutes=1)
        recent = self.closed(dmp, status, days=29, minutes=59 * 24)
        assert services.identity_delete_expired() == 1
        assert not IdentityDisclosure.objects.filter(application=expired).exists()
        assert IdentityDisclosure.objects.filter(application=recent).exists()
        # The dimensions go with it; the application itself stays.
        through = IdentityDisclosure.dimensions.through
        assert through.objects.count() == 1
        expired.refresh_from_db()
        assert expired.status == status

    @pytest.mark.parametrize(
        "status", [Status.SUBMITTED, Status.UNDER_REVIEW, Status.ACCEPTED, Status.WAITLISTED, Status.MATCHED]
    )
    def test_live_applications_keep_it_however_old(self, dmp, status):
        self.closed(dmp, status, days=3000)
        assert services.identity_delete_expired() == 0
        assert IdentityDisclosure.objects.count() == 1

    def test_the_period_is_the_setting(self, dmp, settings):
        application = self.closed(dmp, Status.DECLINED, days=40)
        settings.IDENTITY_RETENTION_DAYS = 60
        assert services.identity_delete_expired() == 0
        assert services.identity_delete_expired(now=timezone.now() + timedelta(days=21)) == 1
        assert not IdentityDisclosure.objects.filter(application=application).exists()

    def test_the_daily_task_runs_it(self, dmp, settings):
        from applications.tasks import delete_expired_identity

        self.closed(dmp, Status.ENDED, days=31)
        assert delete_expired_identity.apply().get() == 1
        schedule = settings.CELERY_BEAT_SCHEDULE["delete-expired-identity"]
        assert schedule == {"task": "applications.tasks.delete_expired_identity", "schedule": 86400.0}
