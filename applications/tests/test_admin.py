"""The coordinators' console: scoping, identity visibility, bulk actions, export."""

import io

import pytest
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.utils import timezone
from openpyxl import load_workbook

from applications.models import (
    Application,
    ApplicationExport,
    IdentityDisclosure,
    Question,
    Status,
    StatusChange,
)
from tests.factories import (
    ApplicationFactory,
    QuestionFactory,
    learner_type,
    make_mentee_application,
    make_mentor_application,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/applications/application/"


def change_url(application):
    return f"{CHANGELIST}{application.pk}/change/"


@pytest.fixture
def dmp_coordinator(coordinator_of, dmp):
    return coordinator_of(dmp)


@pytest.fixture
def ilead_coordinator(coordinator_of, ilead):
    return coordinator_of(ilead)


@pytest.fixture
def dmp_application(dmp, learner, dimension):
    return make_mentee_application(
        dmp,
        learner,
        identity={"dimensions": [dimension], "self_described": "Afro-Caribbean", "consent_to_matching": True},
    )


def post_action(client, action, applications, **extra):
    return client.post(
        CHANGELIST,
        {"action": action, ACTION_CHECKBOX_NAME: [str(a.pk) for a in applications], **extra},
    )


def confirm(client, page):
    """Press Confirm on a confirmation page: post back exactly its hidden fields."""
    assert page.status_code == 200, page.content.decode()[:2000]
    data: dict[str, list[str]] = {}
    for name, value in page.context["hidden"]:
        data.setdefault(name, []).append(value)
    return client.post(page.wsgi_request.get_full_path(), data)


def workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


class TestScoping:
    def test_coordinators_see_only_their_programs(
        self, client, dmp_coordinator, dmp_application, ilead, outsider
    ):
        other = make_mentee_application(ilead, outsider, tier=ilead.tiers.get(number=1), learner_type="MD1")
        client.force_login(dmp_coordinator)
        html = client.get(CHANGELIST).content.decode()
        assert "Lee Learner" in html and "Oz Outsider" not in html
        assert client.get(change_url(dmp_application)).status_code == 200
        assert client.get(change_url(other)).status_code == 404
        assert client.get(f"{CHANGELIST}{other.pk}/history/").status_code == 404

    def test_staff_see_everything(self, client, staff, dmp_application, ilead, outsider):
        make_mentee_application(ilead, outsider, tier=ilead.tiers.get(number=1), learner_type="MD1")
        client.force_login(staff)
        html = client.get(CHANGELIST).content.decode()
        assert "Lee Learner" in html and "Oz Outsider" in html

    @pytest.mark.parametrize("who", ["outsider", "learner"])
    def test_people_without_admin_access_are_sent_to_the_admin_login(
        self, client, who, request, dmp_application
    ):
        client.force_login(request.getfixturevalue(who))
        for url in (CHANGELIST, change_url(dmp_application)):
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
        response = post_action(client, "export_xlsx", [dmp_application], confirm="1", include_identity="on")
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
        assert not ApplicationExport.objects.exists()

    def test_applications_cannot_be_added_or_deleted_by_coordinators(
        self, client, dmp_coordinator, dmp_application
    ):
        client.force_login(dmp_coordinator)
        assert client.get(f"{CHANGELIST}add/").status_code == 403
        assert client.get(f"{CHANGELIST}{dmp_application.pk}/delete/").status_code == 403


class TestIdentityInTheAdmin:
    def test_the_programs_coordinator_sees_it_on_the_application(
        self, client, dmp_coordinator, dmp_application
    ):
        client.force_login(dmp_coordinator)
        html = client.get(change_url(dmp_application)).content.decode()
        assert "Afro-Caribbean" in html and "visible to this program" in html

    def test_staff_who_do_not_coordinate_the_program_do_not(self, client, staff, dmp_application):
        client.force_login(staff)
        response = client.get(change_url(dmp_application))
        assert response.status_code == 200
        assert "Afro-Caribbean" not in response.content.decode()

    def test_it_is_never_in_the_list_or_searchable(self, client, dmp_coordinator, dmp_application):
        client.force_login(dmp_coordinator)
        assert "Afro-Caribbean" not in client.get(CHANGELIST).content.decode()
        assert "Lee Learner" not in client.get(CHANGELIST + "?q=Afro-Caribbean").content.decode()

    @pytest.mark.parametrize(
        "query", ["identity__isnull=False", "identity=1", "identity__id__gte=0", "identity__in=1"]
    )
    def test_it_cannot_be_filtered_on_by_a_hand_written_url(
        self, client, staff, dmp_coordinator, dmp_application, query
    ):
        # Otherwise ?identity__isnull=False would tell staff who self-identified.
        for user in (staff, dmp_coordinator):
            client.force_login(user)
            assert client.get(f"{CHANGELIST}?{query}").status_code == 400

    def test_a_nul_character_in_a_search_is_dropped_not_a_500(self, client, dmp_coordinator, dmp_application):
        client.force_login(dmp_coordinator)
        assert "Lee Learner" in client.get(CHANGELIST, {"q": "Lee\x00"}).content.decode()
        query = {
            "app_label": "matching",
            "model_name": "exclusion",
            "field_name": "mentee",
            "term": "Lee\x00",
        }
        response = client.get("/admin/autocomplete/", query)
        assert response.status_code == 200 and "Lee Learner" in response.content.decode()

    def test_another_programs_coordinator_finds_nothing_through_autocomplete(
        self, client, ilead_coordinator, dmp_application
    ):
        client.force_login(ilead_coordinator)
        for field in ("mentee", "mentor"):
            url = f"/admin/autocomplete/?app_label=matching&model_name=exclusion&field_name={field}&term=Lee"
            response = client.get(url)
            assert response.status_code in (200, 403)
            assert "Lee Learner" not in response.content.decode()


class TestDeleteConfirmation:
    """Finding 9: Django's "are you sure?" page lists what a deletion takes
    with it; "Identity disclosures: 1" would tell who self-identified."""

    @pytest.fixture
    def dmp_coordinating_superuser(self, staff, dmp):
        dmp.coordinators.add(staff)
        return staff

    @pytest.mark.parametrize("who", ["staff", "dmp_coordinating_superuser"])
    def test_it_does_not_count_or_name_identity_disclosures(self, client, request, who, dmp_application):
        client.force_login(request.getfixturevalue(who))
        response = client.get(f"{CHANGELIST}{dmp_application.pk}/delete/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "Applications: 1" in html  # the rest of the summary is still there
        assert "disclosure" not in html.lower()
        assert "Self-identification for application" not in html

    def test_the_bulk_delete_confirmation_neither(self, client, staff, dmp_application):
        client.force_login(staff)
        response = post_action(client, "delete_selected", [dmp_application])
        assert response.status_code == 200
        html = response.content.decode()
        assert "Applications: 1" in html and "disclosure" not in html.lower()

    def test_the_identity_rows_are_deleted_all_the_same(self, client, staff, dmp_application):
        client.force_login(staff)
        client.post(f"{CHANGELIST}{dmp_application.pk}/delete/", {"post": "yes"})
        assert not IdentityDisclosure.objects.exists()
        assert not IdentityDisclosure.dimensions.through.objects.exists()


class TestListAndFilters:
    def test_filters_and_search(self, client, dmp_coordinator, dmp, learner, outsider):
        make_mentee_application(dmp, learner, specialties=["Psychiatry"])
        make_mentor_application(dmp, outsider, specialties=["Family Medicine"])
        client.force_login(dmp_coordinator)
        html = client.get(CHANGELIST).content.decode()
        # (DMP has no tiers, so no tier filter; iLEAD's coordinators get one.)
        for heading in ("By status", "By role", "By learner type", "By specialties", "By submitted at"):
            assert heading.lower() in html.lower(), heading
        assert "Oz Outsider" not in client.get(CHANGELIST + "?role__exact=mentee").content.decode()
        assert "Lee Learner" not in client.get(CHANGELIST + "?q=outsider@example").content.decode()
        assert "Oz Outsider" in client.get(CHANGELIST + "?q=outsider@example").content.decode()

    @pytest.mark.parametrize("count", [10, 500])
    def test_query_count_is_fixed(self, client, dmp_coordinator, dmp, count, django_assert_num_queries):
        ApplicationFactory.create_batch(count, program=dmp, specialties=["Psychiatry"])
        client.force_login(dmp_coordinator)
        # session, user, "has an authenticator app?" (the admin requires one),
        # the user's own and group permissions (2), how many programs
        # they coordinate (for the program column), one query per related filter
        # (program, tier, learner type, specialties), the filtered count, the total
        # count, the site context processor's content check, and one page of
        # applications joined with applicant, program, tier and learner type.
        with django_assert_num_queries(14):
            response = client.get(CHANGELIST)
        assert response.status_code == 200

    def test_a_filter_with_a_single_choice_still_applies_and_shows(self, client, dmp_coordinator, dmp):
        # Every DMP application is MD2, so Django would hide the learner type
        # filter (one choice) and then ignore ?learner_type__id__exact=.
        ApplicationFactory.create_batch(2, program=dmp, applicant__name="Ann Second-year")
        md1 = learner_type("MD1")
        client.force_login(dmp_coordinator)
        html = client.get(f"{CHANGELIST}?learner_type__id__exact={md1.pk}").content.decode()
        assert "Ann Second-year" not in html
        assert "0 results" in html and "by learner type" in html.lower()

    def test_select_all_acts_on_the_filtered_list_only(self, client, dmp_coordinator, dmp, ilead):
        """Finding 11: "select all" with a one-choice filter acted on everything."""
        waiting = ApplicationFactory.create_batch(3, program=dmp)
        other = make_mentee_application(ilead, tier=ilead.tiers.get(number=1), learner_type="MD1")
        md1 = learner_type("MD1")
        client.force_login(dmp_coordinator)
        for query in (f"learner_type__id__exact={md1.pk}", f"program__id__exact={ilead.pk}"):
            response = client.post(
                f"{CHANGELIST}?{query}",
                {"action": "accept", ACTION_CHECKBOX_NAME: [str(waiting[0].pk)], "select_across": "1"},
            )
            assert response.status_code == 302
        for application in [*waiting, other]:
            application.refresh_from_db()
            assert application.status == Status.SUBMITTED
        # The same filter matching some: exactly those move, never another program's.
        md2 = learner_type("MD2")
        response = client.post(
            f"{CHANGELIST}?learner_type__id__exact={md2.pk}",
            {"action": "accept", ACTION_CHECKBOX_NAME: [str(waiting[0].pk)], "select_across": "1"},
        )
        assert set(response.context["applications"]) == set(waiting)
        confirm(client, response)
        assert [a.status for a in Application.objects.filter(pk__in=[w.pk for w in waiting])] == [
            Status.ACCEPTED
        ] * 3
        other.refresh_from_db()
        assert other.status == Status.SUBMITTED

    def test_ilead_coordinators_can_filter_by_tier(self, client, ilead_coordinator, ilead, learner):
        make_mentee_application(ilead, learner, tier=ilead.tiers.get(number=2))
        client.force_login(ilead_coordinator)
        assert "by tier" in client.get(CHANGELIST).content.decode().lower()

    def test_a_mentor_application_shows_the_mentor_fields(self, client, dmp_coordinator, dmp, outsider):
        application = make_mentor_application(dmp, outsider, capacity=4, department="Emergency Medicine")
        client.force_login(dmp_coordinator)
        html = client.get(change_url(application)).content.decode()
        assert "Capacity" in html and "Emergency Medicine" in html and "Meeting frequency" not in html


class TestStatusChanges:
    def test_bulk_accept_moves_those_that_can_and_reports_the_others(
        self, client, dmp_coordinator, dmp, mailoutbox, django_capture_on_commit_callbacks
    ):
        movable = ApplicationFactory.create_batch(2, program=dmp)
        stuck = ApplicationFactory(program=dmp, status=Status.WITHDRAWN)
        client.force_login(dmp_coordinator)
        with django_capture_on_commit_callbacks(execute=True):
            page = post_action(client, "accept", [*movable, stuck])
        assert set(page.context["applications"]) == set(movable) and page.context["refused"] == [stuck]
        assert not mailoutbox and not Application.objects.filter(status=Status.ACCEPTED).exists()
        with django_capture_on_commit_callbacks(execute=True):
            response = confirm(client, page)
        assert response.status_code == 302
        for application in movable:
            application.refresh_from_db()
            assert application.status == Status.ACCEPTED and application.accepted_at
        stuck.refresh_from_db()
        assert stuck.status == Status.WITHDRAWN
        assert len(mailoutbox) == 2
        messages = [str(m) for m in response.wsgi_request._messages]
        assert messages == ["2 applications accepted; the applicants are being emailed."]
        # The one that cannot move was named, with why, before confirming.
        html = page.content.decode()
        assert "Not changed, not emailed (1)" in html and "it is withdrawn" in html

    @pytest.mark.parametrize("bad", ["abc", "1.5", "9" * 30, "\x00", ""])
    @pytest.mark.parametrize("action", ["accept", "export_xlsx"])
    def test_a_tampered_selection_is_a_bad_request(
        self, client, dmp_coordinator, dmp_application, action, bad
    ):
        client.force_login(dmp_coordinator)
        response = client.post(
            CHANGELIST, {"action": action, ACTION_CHECKBOX_NAME: [str(dmp_application.pk), bad]}
        )
        assert response.status_code == 400
        dmp_application.refresh_from_db()
        assert dmp_application.status == Status.SUBMITTED

    @pytest.mark.parametrize("action,status", [("waitlist", Status.WAITLISTED), ("decline", Status.DECLINED)])
    def test_waitlist_and_decline(self, client, dmp_coordinator, dmp_application, action, status):
        client.force_login(dmp_coordinator)
        confirm(client, post_action(client, action, [dmp_application]))
        dmp_application.refresh_from_db()
        assert dmp_application.status == status
        assert StatusChange.objects.filter(application=dmp_application, changed_by=dmp_coordinator).exists()

    def test_a_coordinator_cannot_act_on_another_programs_applications(
        self, client, ilead_coordinator, dmp_application
    ):
        client.force_login(ilead_coordinator)
        post_action(client, "accept", [dmp_application])
        dmp_application.refresh_from_db()
        assert dmp_application.status == Status.SUBMITTED

    def test_the_change_form_moves_the_status_with_a_note(
        self, client, dmp_coordinator, dmp_application, mailoutbox, django_capture_on_commit_callbacks
    ):
        client.force_login(dmp_coordinator)
        data = {
            "new_status": "waitlisted",
            "status_note": "We will write in January.",
            "waitlist_rank": "3",
            **{
                f"{prefix}-{k}": v
                for prefix in ("answers", "history", "identity")
                for k, v in {
                    "TOTAL_FORMS": "0",
                    "INITIAL_FORMS": "0",
                    "MIN_NUM_FORMS": "0",
                    "MAX_NUM_FORMS": "1000",
                }.items()
            },
        }
        with django_capture_on_commit_callbacks(execute=True):
            page = client.post(change_url(dmp_application), data)
        assert "We will write in January." in page.context["preview"].body_text
        dmp_application.refresh_from_db()
        assert dmp_application.status == Status.SUBMITTED and not mailoutbox
        with django_capture_on_commit_callbacks(execute=True):
            response = confirm(client, page)
        assert response.status_code == 302, response.content.decode()[:3000]
        dmp_application.refresh_from_db()
        assert dmp_application.status == Status.WAITLISTED and dmp_application.waitlist_rank == 3
        assert StatusChange.objects.filter(note="We will write in January.").exists()
        assert "We will write in January." in mailoutbox[-1].body


class TestExport:
    def test_it_asks_first_then_streams_a_sanitised_workbook(self, client, dmp_coordinator, dmp, learner):
        question = QuestionFactory(program=dmp, text="Where did you first hear of us?")
        application = make_mentee_application(dmp, learner, hopes='=HYPERLINK("http://evil")')
        application.answers.create(question=question, value="A classmate or colleague")
        client.force_login(dmp_coordinator)
        response = post_action(client, "export_xlsx", [application])
        assert response.status_code == 200
        assert "Include self-identification columns" in response.content.decode()
        response = post_action(client, "export_xlsx", [application], confirm="1")
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        ws = workbook(response)
        header = [c.value for c in ws[1]]
        assert "Name" in header and "Where did you first hear of us?" in header
        assert "Identifies as" not in header
        cells = dict(zip(header, ws[2], strict=False))
        row = {name: cell.value for name, cell in cells.items()}
        # A text cell, shown as typed: never a formula, no apostrophe.
        assert row["Hopes from a mentor"] == '=HYPERLINK("http://evil")'
        assert cells["Hopes from a mentor"].data_type == "s"
        # The admin link shows its address, so a reader of stored values shows it too.
        admin_url = f"{settings.SITE_URL}/admin/applications/application/{application.pk}/change/"
        assert row["Admin link"] == admin_url and cells["Admin link"].hyperlink.target == admin_url
        disposition = response["Content-Disposition"]
        assert disposition == f'attachment; filename="applications-dmp-{timezone.localdate():%Y-%m-%d}.xlsx"'
        assert row["Where did you first hear of us?"] == "A classmate or colleague"
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
        export = ApplicationExport.objects.get()
        assert export.exported_by == dmp_coordinator and export.application_count == 1
        assert not export.included_identity and list(export.programs.all()) == [dmp]

    def test_identity_columns_only_when_ticked_by_the_programs_coordinator(
        self, client, dmp_coordinator, dmp_application, dimension
    ):
        client.force_login(dmp_coordinator)
        response = post_action(client, "export_xlsx", [dmp_application], confirm="1", include_identity="on")
        ws = workbook(response)
        header = [c.value for c in ws[1]]
        row = dict(zip(header, [c.value for c in ws[2]], strict=False))
        assert (
            row["Identifies as"] == dimension.label
            and row["Another identity (own words)"] == "Afro-Caribbean"
        )
        assert ApplicationExport.objects.get().included_identity

    def test_staff_who_do_not_coordinate_are_not_offered_identity(self, client, staff, dmp_application):
        client.force_login(staff)
        response = post_action(client, "export_xlsx", [dmp_application])
        assert "Include self-identification columns" not in response.content.decode()
        response = post_action(client, "export_xlsx", [dmp_application], confirm="1", include_identity="on")
        header = [c.value for c in workbook(response)[1]]
        assert "Identifies as" not in header
        assert not ApplicationExport.objects.get().included_identity

    def test_another_programs_coordinator_is_refused(self, client, ilead_coordinator, dmp_application):
        client.force_login(ilead_coordinator)
        response = post_action(client, "export_xlsx", [dmp_application], confirm="1", include_identity="on")
        assert response.status_code == 403
        assert not ApplicationExport.objects.exists()

    def test_select_across_exports_the_filtered_list(self, client, dmp_coordinator, dmp, ilead):
        ApplicationFactory.create_batch(3, program=dmp)
        make_mentee_application(ilead, tier=ilead.tiers.get(number=1), learner_type="MD1")
        client.force_login(dmp_coordinator)
        response = client.post(
            CHANGELIST,
            {"action": "export_xlsx", ACTION_CHECKBOX_NAME: ["0"], "select_across": "1", "confirm": "1"},
        )
        assert workbook(response).max_row == 4
        assert ApplicationExport.objects.get().application_count == 3

    def test_the_audit_trail_is_read_only_and_scoped(
        self, client, dmp_coordinator, ilead_coordinator, dmp_application
    ):
        client.force_login(dmp_coordinator)
        post_action(client, "export_xlsx", [dmp_application], confirm="1")
        export = ApplicationExport.objects.get()
        assert client.get("/admin/applications/applicationexport/").status_code == 200
        assert client.get(f"/admin/applications/applicationexport/{export.pk}/change/").status_code == 200
        assert client.post(f"/admin/applications/applicationexport/{export.pk}/delete/").status_code == 403
        client.force_login(ilead_coordinator)
        assert "Cory Coordinator" not in client.get("/admin/applications/applicationexport/").content.decode()


class TestQuestionsAndDimensions:
    def test_coordinators_manage_their_programs_questions_only(self, client, dmp_coordinator, dmp, ilead):
        QuestionFactory(program=dmp, text="A question for DMP's applicants?")
        other = QuestionFactory(program=ilead, text="A question for iLEAD's applicants?")
        client.force_login(dmp_coordinator)
        html = client.get("/admin/applications/question/").content.decode()
        assert "A question for DMP&#x27;s applicants?" in html
        assert "A question for iLEAD" not in html
        form = client.get("/admin/applications/question/add/").content.decode()
        assert f'<option value="{dmp.pk}">{dmp.name}</option>' in form
        assert f'<option value="{ilead.pk}">' not in form
        response = client.post(
            "/admin/applications/question/add/",
            {"program": ilead.pk, "text": "Sneaky?", "kind": "short_text", "audience": "both", "order": 0},
        )
        assert response.status_code == 200  # invalid choice, shown again
        assert not Question.objects.filter(text="Sneaky?").exists()
        assert client.get(f"/admin/applications/question/{other.pk}/change/").status_code == 404

    def test_a_choice_question_needs_choices(self, client, dmp_coordinator, dmp):
        client.force_login(dmp_coordinator)
        response = client.post(
            "/admin/applications/question/add/",
            {"program": dmp.pk, "text": "Pick one", "kind": "single_choice", "audience": "both", "order": 0},
        )
        assert "A choice question needs at least two choices" in response.content.decode()

    def test_a_new_question_appears_on_the_form(self, client, dmp_coordinator, dmp, learner):
        client.force_login(dmp_coordinator)
        client.post(
            "/admin/applications/question/add/",
            {
                "program": dmp.pk,
                "text": "Favourite journal?",
                "kind": "short_text",
                "audience": "mentee",
                "order": 5,
            },
        )
        client.force_login(learner)
        assert "Favourite journal?" in client.get("/programs/dmp/apply/mentee/").content.decode()
        assert "Favourite journal?" not in client.get("/programs/dmp/apply/mentor/").content.decode()

    def test_dimensions_are_scoped_too(self, client, ilead_coordinator, dmp):
        client.force_login(ilead_coordinator)
        dimension = dmp.identity_dimensions.first()
        assert client.get(f"/admin/applications/identitydimension/{dimension.pk}/change/").status_code == 404


class TestConfirmationBeforeSending:
    """Every action that emails applicants shows who and what first."""

    def test_bulk_accept_lists_the_recipients_and_previews_the_email_then_sends_it(
        self, client, dmp_coordinator, dmp, mailoutbox, django_capture_on_commit_callbacks
    ):
        applications = ApplicationFactory.create_batch(3, program=dmp)
        client.force_login(dmp_coordinator)
        with django_capture_on_commit_callbacks(execute=True):
            page = post_action(client, "accept", applications)
        html = page.content.decode()
        assert "Who will be emailed (3)" in html
        for application in applications:
            assert application.applicant.email in html
        preview, to = page.context["preview"], page.context["preview_to"]
        assert to in [a.applicant for a in applications]
        assert preview.subject in html and "is now: accepted" in preview.body_text
        assert f"Hello {to.get_short_name()}," in preview.body_text
        # Nothing changed or sent before the coordinator confirms.
        assert not mailoutbox
        assert not StatusChange.objects.filter(to_status=Status.ACCEPTED).exists()
        assert set(Application.objects.values_list("status", flat=True)) == {Status.SUBMITTED}
        with django_capture_on_commit_callbacks(execute=True):
            confirm(client, page)
        assert sorted(m.to[0] for m in mailoutbox) == sorted(a.applicant.email for a in applications)
        sent = next(m for m in mailoutbox if m.to == [to.email])
        assert (sent.subject, sent.body) == (preview.subject, preview.body_text)

    def test_the_page_uses_the_admin_look_and_cancel_changes_nothing(
        self, client, dmp_coordinator, dmp_application, mailoutbox
    ):
        client.force_login(dmp_coordinator)
        page = post_action(client, "decline", [dmp_application])
        html = page.content.decode()
        assert 'id="site-name"' in html and "Cancel" in html and "style=" not in html
        assert client.get(page.context["cancel_url"]).status_code == 200
        dmp_application.refresh_from_db()
        assert dmp_application.status == Status.SUBMITTED and not mailoutbox

    def test_the_change_form_previews_the_note_and_an_invalid_form_shows_its_errors(
        self, client, dmp_coordinator, dmp_application
    ):
        client.force_login(dmp_coordinator)
        response = client.post(
            change_url(dmp_application), {"status_note": "No status chosen", "new_status": ""}
        )
        assert "hidden" not in (response.context or {})
        response = client.post(change_url(dmp_application), {"new_status": "bogus"})
        assert response.status_code == 200 and "preview" not in response.context
        dmp_application.refresh_from_db()
        assert dmp_application.status == Status.SUBMITTED

    def test_another_programs_coordinator_gets_no_preview(self, client, ilead_coordinator, dmp_application):
        client.force_login(ilead_coordinator)
        response = client.post(change_url(dmp_application), {"new_status": "accepted"})
        assert response.status_code == 404
