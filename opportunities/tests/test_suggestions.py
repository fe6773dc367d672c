import pytest

from opportunities.models import HostType, Kind, Opportunity, Suggestion
from opportunities.services.suggestions import SuggestionAlreadyReviewed, suggestion_approve

from .factories import make_opportunity, specialty

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "name": "Anesthesia Mentorship Evenings",
        "kind": Kind.INFORMAL,
        "host_type": HostType.DEPARTMENT,
        "host_name": "Department of Anesthesiology and Pain Medicine",
        "description": "Twice-yearly evenings with anesthesiologists.",
        "how_to_join": "Sign up on the website.",
        "website": "anesthesia.example.org/evenings",
        "contact_email": "evenings@example.org",
        "deadline": "",
        "is_rolling": "on",
        "cost": "Free",
        "format": "in_person",
        "other_specialties": "Anesthesiology; Pain Medicine",
        "message": "Heard about it at a lunch talk.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def opportunity(learner_types):
    return make_opportunity(
        name="CMA Mentorship",
        host_name="Canadian Medical Association",
        host_type=HostType.ASSOCIATION,
        cost="Free",
        specialties=["Family Medicine"],
        learners=["MD1"],
    )


class TestSuggestingANewOpportunity:
    def test_a_signed_in_person_suggests_and_staff_are_emailed(
        self, client, learner, staff, learner_types, mailoutbox, django_capture_on_commit_callbacks
    ):
        client.force_login(learner)
        assert client.get("/database/suggest/").status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/database/suggest/", form_data(eligible_learners=[learner_types["MD1"].pk])
            )
        assert response.status_code == 302
        suggestion = Suggestion.objects.get()
        assert suggestion.is_new and suggestion.suggested_by == learner
        assert suggestion.proposed["specialties"] == ["Anesthesiology", "Pain Medicine"]
        assert suggestion.proposed["eligible_learners"] == ["MD1"]
        assert suggestion.proposed["website"] == "https://anesthesia.example.org/evenings"
        assert not Opportunity.objects.exists()
        [email] = mailoutbox
        assert email.to == [staff.email]
        assert "Suggested opportunity: Anesthesia Mentorship Evenings" in email.subject
        assert f"/admin/opportunities/suggestion/{suggestion.pk}/change/" in email.body

    def test_mistakes_are_shown_on_the_form(self, client, learner, learner_types):
        client.force_login(learner)
        response = client.post("/database/suggest/", form_data(name="", deadline="2027-01-01"))
        html = response.content.decode()
        assert response.status_code == 200
        assert "This field is required." in html
        assert "A rolling opportunity has no deadline" in html
        assert not Suggestion.objects.exists()

    def test_anonymous_people_must_log_in(self, client):
        response = client.post("/database/suggest/", form_data())
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


class TestSuggestingACorrection:
    def test_the_form_starts_from_the_current_entry(self, client, learner, opportunity):
        client.force_login(learner)
        response = client.get(f"/database/{opportunity.pk}/suggest/")
        assert response.status_code == 200
        assert response.context["form"]["name"].value() == "CMA Mentorship"
        assert response.context["form"]["host_type"].value() == HostType.ASSOCIATION

    def test_a_non_member_cannot_suggest_a_correction(self, client, outsider, opportunity):
        client.force_login(outsider)
        assert client.post(f"/database/{opportunity.pk}/suggest/", form_data()).status_code == 403
        assert not Suggestion.objects.exists()

    def test_approval_applies_it_records_history_and_emails_the_person(
        self,
        client,
        learner,
        staff,
        opportunity,
        learner_types,
        mailoutbox,
        django_capture_on_commit_callbacks,
    ):
        client.force_login(learner)
        data = form_data(
            name="CMA Mentorship",
            host_name="Canadian Medical Association",
            host_type=HostType.ASSOCIATION,
            kind=Kind.FORMAL,
            cost="$25 for non-members",
            specialties=[specialty("Family Medicine").pk],
            other_specialties="",
            eligible_learners=[learner_types["MD1"].pk, learner_types["PGY1"].pk],
        )
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/database/{opportunity.pk}/suggest/", data)
        suggestion = Suggestion.objects.get()
        assert suggestion.opportunity == opportunity

        client.force_login(staff)
        page = client.get(f"/admin/opportunities/suggestion/{suggestion.pk}/change/").content.decode()
        assert "$25 for non-members" in page and "Approve and apply" in page
        mailoutbox.clear()
        url = f"/admin/opportunities/suggestion/{suggestion.pk}/review/"
        # First who is emailed and the email; nothing changes yet.
        page = client.post(url, {"decision": "approve"})
        assert page.status_code == 200 and learner.email in page.content.decode()
        preview = page.context["preview"]
        assert "approved" in preview.subject and preview.subject in page.content.decode()
        opportunity.refresh_from_db()
        assert opportunity.cost == "Free" and not mailoutbox
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, dict(page.context["hidden"]))
        assert response.status_code == 302
        opportunity.refresh_from_db()
        assert opportunity.cost == "$25 for non-members"
        assert sorted(t.code for t in opportunity.eligible_learners.all()) == ["MD1", "PGY1"]
        change = opportunity.changes.get()
        assert change.source == "suggestion" and change.changed_by == staff
        assert change.changes["cost"] == ["Free", "$25 for non-members"]
        assert change.changes["eligible_learners"] == [["MD1"], ["MD1", "PGY1"]]
        assert learner.email in change.note
        suggestion.refresh_from_db()
        assert suggestion.status == Suggestion.Status.APPROVED and suggestion.reviewed_by == staff
        [email] = mailoutbox
        assert email.to == [learner.email] and "approved" in email.subject
        assert f"/database/{opportunity.pk}/" in email.body
        assert (email.subject, email.body) == (preview.subject, preview.body_text)

    def test_rejection_needs_a_reason_which_is_emailed(
        self, client, learner, staff, opportunity, mailoutbox, django_capture_on_commit_callbacks
    ):
        suggestion = Suggestion.objects.create(
            opportunity=opportunity, suggested_by=learner, proposed={"cost": "$1"}
        )
        client.force_login(staff)
        url = f"/admin/opportunities/suggestion/{suggestion.pk}/review/"
        response = client.post(url, {"decision": "reject", "reason": " "})
        assert response.status_code == 400
        suggestion.refresh_from_db()
        assert suggestion.status == Suggestion.Status.PENDING
        page = client.post(url, {"decision": "reject", "reason": "The CMA confirmed it is still free."})
        assert "The CMA confirmed it is still free." in page.context["preview"].body_text
        suggestion.refresh_from_db()
        assert suggestion.status == Suggestion.Status.PENDING and not mailoutbox
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url, {**dict(page.context["hidden"])})
        suggestion.refresh_from_db()
        assert suggestion.status == Suggestion.Status.REJECTED
        assert suggestion.rejection_reason == "The CMA confirmed it is still free."
        [email] = mailoutbox
        assert email.to == [learner.email]
        assert "The CMA confirmed it is still free." in email.body
        opportunity.refresh_from_db()
        assert opportunity.cost == "Free" and not opportunity.changes.exists()

    def test_a_suggestion_is_reviewed_once(self, learner, staff, opportunity):
        suggestion = Suggestion.objects.create(
            opportunity=opportunity, suggested_by=learner, proposed={"cost": "$1"}
        )
        suggestion_approve(suggestion_id=suggestion.pk, reviewer=staff)
        with pytest.raises(SuggestionAlreadyReviewed):
            suggestion_approve(suggestion_id=suggestion.pk, reviewer=staff)
        assert opportunity.changes.count() == 1

    def test_only_staff_review(self, client, learner, opportunity):
        suggestion = Suggestion.objects.create(
            opportunity=opportunity, suggested_by=learner, proposed={"cost": "$1"}
        )
        client.force_login(learner)
        client.post(f"/admin/opportunities/suggestion/{suggestion.pk}/review/", {"decision": "approve"})
        suggestion.refresh_from_db()
        assert suggestion.status == Suggestion.Status.PENDING


class TestApprovingANewOpportunity:
    def test_it_creates_the_entry_with_new_specialties(self, learner, staff, learner_types):
        suggestion = Suggestion.objects.create(
            suggested_by=learner,
            proposed={
                "name": "Rural Mentors",
                "kind": "informal",
                "host_type": "department",
                "host_name": "Department of Family and Community Medicine",
                "specialties": ["Rural Medicine"],
                "eligible_learners": ["MD1", "NOPE"],
                "deadline": "2027-03-01",
                "is_rolling": False,
            },
        )
        opportunity = suggestion_approve(suggestion_id=suggestion.pk, reviewer=staff)
        assert opportunity.is_published and opportunity.deadline.isoformat() == "2027-03-01"
        assert [s.name for s in opportunity.specialties.all()] == ["Rural Medicine"]
        assert [t.code for t in opportunity.eligible_learners.all()] == ["MD1"]
        assert opportunity.changes.get().created

    def test_a_suggested_duplicate_corrects_the_existing_entry(self, learner, staff, opportunity):
        suggestion = Suggestion.objects.create(
            suggested_by=learner,
            proposed={"name": "cma  MENTORSHIP", "host_name": "Canadian Medical Association", "cost": "$5"},
        )
        result = suggestion_approve(suggestion_id=suggestion.pk, reviewer=staff)
        assert result == opportunity and Opportunity.objects.count() == 1
        opportunity.refresh_from_db()
        assert opportunity.cost == "$5"


class TestAdminEdits:
    def test_an_admin_edit_is_recorded_in_the_history(self, client, staff, opportunity, learner_types):
        client.force_login(staff)
        url = f"/admin/opportunities/opportunity/{opportunity.pk}/change/"
        data = {
            "name": opportunity.name,
            "kind": opportunity.kind,
            "host_type": opportunity.host_type,
            "host_name": opportunity.host_name,
            "is_published": "on",
            "specialties": [s.pk for s in opportunity.specialties.all()],
            "eligible_learners": [learner_types["MD2"].pk],
            "description": opportunity.description,
            "how_to_join": opportunity.how_to_join,
            "website": opportunity.website,
            "contact_email": opportunity.contact_email,
            "cost": "$30",
            "format": opportunity.format,
            "changes-TOTAL_FORMS": "0",
            "changes-INITIAL_FORMS": "0",
        }
        response = client.post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        change = opportunity.changes.get()
        assert change.source == "admin" and change.changed_by == staff
        assert change.changes == {"cost": ["Free", "$30"], "eligible_learners": [["MD1"], ["MD2"]]}


class TestNameAndHostCollisions:
    """Two records cannot share a name and host (the natural key): a change
    that would make them do so is refused with a message, not a 500."""

    @pytest.fixture
    def other(self, learner_types):
        return make_opportunity(name="Other Mentors", host_name="Department of Surgery")

    def test_approving_a_correction_onto_another_entry_is_refused(
        self, client, learner, staff, opportunity, other, mailoutbox
    ):
        suggestion = Suggestion.objects.create(
            opportunity=opportunity,
            suggested_by=learner,
            proposed={"name": "other mentors", "host_name": "Department of Surgery"},
        )
        client.force_login(staff)
        response = client.post(
            f"/admin/opportunities/suggestion/{suggestion.pk}/review/",
            {"decision": "approve", "confirm": "yes"},
            follow=True,
        )
        assert response.status_code == 200
        assert "already has an entry called" in response.content.decode()
        suggestion.refresh_from_db()
        opportunity.refresh_from_db()
        assert suggestion.status == Suggestion.Status.PENDING and opportunity.name == "CMA Mentorship"
        assert not mailoutbox

    def test_an_admin_edit_onto_another_entry_is_a_form_error(self, client, staff, opportunity, other):
        client.force_login(staff)
        response = client.post(
            f"/admin/opportunities/opportunity/{opportunity.pk}/change/",
            {
                "name": "OTHER mentors ",
                "kind": opportunity.kind,
                "host_type": opportunity.host_type,
                "host_name": "department of surgery",
                "is_published": "on",
                "changes-TOTAL_FORMS": "0",
                "changes-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 200
        assert "already has an entry called" in response.content.decode()
        opportunity.refresh_from_db()
        assert opportunity.name == "CMA Mentorship"
        client.post(
            "/admin/opportunities/opportunity/add/",
            {
                "name": "Other Mentors",
                "kind": "formal",
                "host_type": "department",
                "host_name": "Department of Surgery",
                "changes-TOTAL_FORMS": "0",
                "changes-INITIAL_FORMS": "0",
            },
        )
        assert Opportunity.objects.count() == 2


class TestMonthDeadlines:
    def test_a_correction_that_keeps_a_month_deadline_keeps_it_a_month(self, learner, staff, learner_types):
        import datetime

        from opportunities.services.suggestions import suggestion_create

        entry = make_opportunity(deadline=datetime.date(2027, 3, 31), deadline_precision="month")
        kept = suggestion_create(
            user=learner, opportunity=entry, proposed={"deadline": "2027-03-31", "cost": "$5"}
        )
        suggestion_approve(suggestion_id=kept.pk, reviewer=staff)
        entry.refresh_from_db()
        assert (entry.deadline_text, entry.cost) == ("March 2027", "$5")

        changed = suggestion_create(user=learner, opportunity=entry, proposed={"deadline": "2027-03-15"})
        suggestion_approve(suggestion_id=changed.pk, reviewer=staff)
        entry.refresh_from_db()
        assert entry.deadline_text == "March 15, 2027"
