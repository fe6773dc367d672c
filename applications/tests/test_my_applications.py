"""The applicant's own pages: list, detail, edit, self-identification, withdraw."""

import pytest
from django.test import Client
from django.utils.html import escape

from applications.models import Application, IdentityDisclosure, Status, StatusChange
from applications.services import application_transition
from applications.tests.conftest import identity_data, lt, mentee_data
from tests.factories import ApplicationFactory, make_mentee_application, make_mentor_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(dmp, learner, dimension):
    return make_mentee_application(
        dmp,
        learner,
        outcomes=[dmp.outcomes.first()],
        identity={"dimensions": [dimension], "consent_to_matching": True},
    )


class TestMyApplications:
    def test_it_lists_only_my_applications_with_their_status(self, client, dmp, ilead, learner, outsider):
        make_mentee_application(dmp, learner)
        make_mentor_application(ilead, learner, tier=ilead.tiers.get(number=1), status=Status.ACCEPTED)
        make_mentee_application(dmp, outsider)
        client.force_login(learner)
        response = client.get("/my/applications/")
        rows = response.content.decode().count("<tr>") - 1
        assert rows == 2
        html = response.content.decode()
        assert "Accepted" in html and "Submitted" in html and "Tier 1" in html

    def test_it_needs_a_login(self, client, db):
        assert client.get("/my/applications/")["Location"] == "/accounts/login/?next=/my/applications/"

    def test_it_says_so_when_there_are_none(self, client, learner):
        client.force_login(learner)
        assert "You have not applied to a program yet." in client.get("/my/applications/").content.decode()

    @pytest.mark.parametrize("count", [10, 500])
    def test_query_count_is_fixed(self, client, learner, dmp, count, django_assert_num_queries):
        ApplicationFactory.create_batch(count, applicant=learner, program=dmp, status=Status.DECLINED)
        client.force_login(learner)
        # session, user, applications with their program and tier
        with django_assert_num_queries(3):
            response = client.get("/my/applications/")
        assert response.content.decode().count("<tr>") - 1 == count


class TestDetail:
    def test_it_shows_my_answers_identity_and_history(self, client, application, learner, dimension):
        application_transition(
            application=application, to_status=Status.UNDER_REVIEW, by=None, note="<b>Soon</b>"
        )
        client.force_login(learner)
        html = client.get(f"/my/applications/{application.pk}/").content.decode()
        assert "Advice on choosing a specialty." in html
        assert escape(application.outcomes.get().text) in html
        assert dimension.label in html
        assert "Under review" in html and "&lt;b&gt;Soon&lt;/b&gt;" in html
        assert "Change application" not in html  # under review: no more edits

    @pytest.mark.parametrize("who", ["outsider", "other_learner", "other_coordinator", "staff"])
    def test_nobody_else_may_see_it_or_its_identity(
        self, client, application, who, request, coordinator_of, ilead
    ):
        from conftest import make_user

        user = {
            "outsider": lambda: request.getfixturevalue("outsider"),
            "other_learner": lambda: make_user("other.learner@mail.example.edu", learner_stage="MD", year=2),
            "other_coordinator": lambda: coordinator_of(ilead),
            "staff": lambda: request.getfixturevalue("staff"),
        }[who]()
        client.force_login(user)
        pk = application.pk
        for url in (
            f"/my/applications/{pk}/",
            f"/my/applications/{pk}/edit/",
            f"/my/applications/{pk}/identity/",
            f"/my/applications/{pk}/withdraw/",
        ):
            assert client.get(url).status_code == 404, url
            assert client.post(url, {"remove": "1"}).status_code == 404, url
        application.refresh_from_db()
        assert application.status == Status.SUBMITTED
        assert IdentityDisclosure.objects.filter(application=application).exists()

    def test_anonymous_people_are_sent_to_log_in(self, client, application):
        response = client.get(f"/my/applications/{application.pk}/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    def test_a_missing_application_is_not_found(self, client, learner):
        client.force_login(learner)
        assert client.get("/my/applications/999999/").status_code == 404


class TestEdit:
    def test_the_form_is_prefilled_and_saves_changes(
        self, client, application, dmp, learner, django_capture_on_commit_callbacks
    ):
        client.force_login(learner)
        html = client.get(f"/my/applications/{application.pk}/edit/").content.decode()
        assert "Advice on choosing a specialty." in html
        data = mentee_data(
            dmp, hopes="Changed my mind.", learner_type=lt("MD3"), **identity_data(dmp, consent=False)
        )
        response = client.post(f"/my/applications/{application.pk}/edit/", data)
        assert response.status_code == 302
        application.refresh_from_db()
        assert application.hopes == "Changed my mind." and application.learner_type.code == "MD3"
        assert application.year == 3
        # They cleared every identity answer and consent: the row is gone.
        assert not IdentityDisclosure.objects.filter(application=application).exists()

    def test_invalid_edits_are_shown_again(self, client, application, dmp, learner):
        client.force_login(learner)
        response = client.post(f"/my/applications/{application.pk}/edit/", mentee_data(dmp, hopes=""))
        assert response.status_code == 422
        assert "Tell us briefly what you hope for from a mentor." in response.content.decode()

    def test_no_edits_once_review_has_started(self, client, application, dmp, learner):
        application_transition(application=application, to_status=Status.UNDER_REVIEW)
        client.force_login(learner)
        assert client.get(f"/my/applications/{application.pk}/edit/").status_code == 403
        response = client.post(f"/my/applications/{application.pk}/edit/", mentee_data(dmp, hopes="Sneaky"))
        assert response.status_code == 403
        application.refresh_from_db()
        assert application.hopes != "Sneaky"

    def test_the_tier_cannot_be_changed(self, client, ilead, learner):
        tier1, tier2 = ilead.tiers.order_by("number")
        application = make_mentee_application(ilead, learner, tier=tier2, learner_type="MD2")
        client.force_login(learner)
        data = mentee_data(ilead, tier=str(tier1.pk))
        assert client.post(f"/my/applications/{application.pk}/edit/", data).status_code == 302
        application.refresh_from_db()
        assert application.tier == tier2

    def test_eligibility_is_checked_again(self, client, ilead, learner):
        tier2 = ilead.tiers.get(number=2)
        application = make_mentee_application(ilead, learner, tier=tier2, learner_type="MD2")
        client.force_login(learner)
        response = client.post(
            f"/my/applications/{application.pk}/edit/", mentee_data(ilead, learner_type=lt("MD1"))
        )
        assert response.status_code == 422
        # Issue 16: a type the tier does not admit is not offered, so it is refused as such.
        assert "Choose one of the learner types in the list." in response.content.decode()


class TestIdentity:
    def test_it_can_be_changed_even_under_review(self, client, application, dmp, learner, other_dimension):
        application_transition(application=application, to_status=Status.UNDER_REVIEW)
        client.force_login(learner)
        data = identity_data(dmp, other_dimension, consent=True, wants_shared=True)
        assert client.post(f"/my/applications/{application.pk}/identity/", data).status_code == 302
        identity = IdentityDisclosure.objects.get(application=application)
        assert list(identity.dimensions.all()) == [other_dimension]
        assert identity.wants_shared_identity

    def test_a_refused_change_lists_its_errors_in_a_summary(
        self, client, application, dmp, learner, dimension
    ):
        client.force_login(learner)
        data = identity_data(dmp, dimension, consent=False, wants_shared=True)
        response = client.post(f"/my/applications/{application.pk}/identity/", data)
        assert response.status_code == 422
        html = response.content.decode()
        assert 'id="error-summary"' in html
        assert 'href="#div_id_identity-consent_to_matching"' in html

    def test_it_can_be_deleted(self, client, application, learner):
        client.force_login(learner)
        response = client.post(f"/my/applications/{application.pk}/identity/", {"remove": "1"})
        assert response.status_code == 302
        assert not IdentityDisclosure.objects.filter(application=application).exists()

    def test_not_for_programs_that_do_not_ask(self, client, learner):
        application = make_mentee_application(ApplicationFactory().program, learner)
        client.force_login(learner)
        assert client.get(f"/my/applications/{application.pk}/identity/").status_code == 404

    def test_once_the_application_ended_it_can_be_deleted_but_not_changed(
        self, client, application, dmp, learner, other_dimension
    ):
        application_transition(application=application, to_status=Status.DECLINED)
        client.force_login(learner)
        url = f"/my/applications/{application.pk}/identity/"
        assert (
            "Delete your self-identification answers"
            in client.get(f"/my/applications/{application.pk}/").content.decode()
        )
        response = client.get(url)
        assert response.status_code == 200 and "can no longer be changed" in response.content.decode()
        assert client.post(url, identity_data(dmp, other_dimension)).status_code == 403
        assert client.post(url, {"remove": "1"}).status_code == 302
        assert not IdentityDisclosure.objects.filter(application=application).exists()
        assert client.get(url).status_code == 403


class TestIdentityNotice:
    """Finding 10: the form says why the answers are collected, who sees them
    and how long they are kept (IDENTITY_RETENTION_DAYS, in words)."""

    @pytest.mark.parametrize(
        "days,words",
        [(365, "deleted one year later"), (730, "deleted 2 years later"), (90, "deleted 90 days later")],
    )
    def test_the_form_states_why_who_and_how_long(self, client, application, learner, settings, days, words):
        from conftest import make_user

        settings.IDENTITY_RETENTION_DAYS = days
        applicant = make_user("new.learner@mail.example.edu", learner_stage="MD", year=2)
        pages = [
            (learner, f"/my/applications/{application.pk}/identity/"),
            (applicant, "/programs/dmp/apply/mentee/"),
        ]
        for user, url in pages:
            client.force_login(user)
            response = client.get(url)
            assert response.status_code == 200, url
            html = " ".join(response.content.decode().split())
            assert "Why we ask:" in html, url
            assert "Who sees it:</strong> only DMP's program coordinators" in html.replace("&#x27;", "'"), url
            assert "How long it is kept:</strong> while your application is open" in html, url
            assert words in html, url
            assert "If you withdraw your application, they are deleted at once." in html, url

    def test_an_ended_applications_page_says_when_they_go(self, client, application, learner, settings):
        settings.IDENTITY_RETENTION_DAYS = 180
        application_transition(application=application, to_status=Status.DECLINED)
        client.force_login(learner)
        html = " ".join(client.get(f"/my/applications/{application.pk}/identity/").content.decode().split())
        assert "deleted automatically 180 days after the application closed" in html


class TestWithdraw:
    def test_get_asks_for_confirmation(self, client, application, learner):
        client.force_login(learner)
        response = client.get(f"/my/applications/{application.pk}/withdraw/")
        assert response.status_code == 200
        assert "self-identification answers are deleted at once" in response.content.decode()
        application.refresh_from_db()
        assert application.status == Status.SUBMITTED

    def test_withdrawing_deletes_the_identity_at_once_and_emails(
        self, client, application, learner, mailoutbox, django_capture_on_commit_callbacks
    ):
        application_transition(application=application, to_status=Status.ACCEPTED)
        client.force_login(learner)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/my/applications/{application.pk}/withdraw/")
        assert response["Location"] == "/my/applications/"
        application.refresh_from_db()
        assert application.status == Status.WITHDRAWN
        assert not IdentityDisclosure.objects.filter(application=application).exists()
        change = StatusChange.objects.filter(application=application).last()
        assert change.changed_by == learner and change.to_status == Status.WITHDRAWN
        assert [m.subject for m in mailoutbox][-1] == "Your DMP mentee application is withdrawn"

    def test_an_ended_application_cannot_be_withdrawn(self, client, application, learner):
        application_transition(application=application, to_status=Status.DECLINED)
        client.force_login(learner)
        assert client.post(f"/my/applications/{application.pk}/withdraw/").status_code == 403
        application.refresh_from_db()
        assert application.status == Status.DECLINED

    def test_it_needs_a_csrf_token(self, application, learner):
        client = Client(enforce_csrf_checks=True)
        client.force_login(learner)
        assert client.post(f"/my/applications/{application.pk}/withdraw/").status_code == 403
        assert Application.objects.get(pk=application.pk).status == Status.SUBMITTED
