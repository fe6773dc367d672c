"""Applying as a mentee or a mentor: access, eligibility, intake, duplicates, emails."""

import re

import pytest
from django.test import Client

from applications.models import Answer, Application, IdentityDisclosure, Role, Status, StatusChange
from applications.tests.conftest import identity_data, lt, mentee_data, mentor_data
from conftest import make_user
from programs.models import MenteeIntake, MentorRecruitment, Program
from tests.factories import QuestionFactory, make_mentee_application

pytestmark = pytest.mark.django_db

DMP_MENTEE = "/programs/dmp/apply/mentee/"
DMP_MENTOR = "/programs/dmp/apply/mentor/"
ILEAD_MENTEE = "/programs/ilead/apply/mentee/"
ILEAD_MENTOR = "/programs/ilead/apply/mentor/"


def submit(client, url, data, capture):
    with capture(execute=True):
        return client.post(url, data)


class TestLoginAndMembership:
    def test_it_sends_anonymous_people_to_log_in_and_back(self, client, dmp):
        response = client.get(DMP_MENTEE)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/programs/dmp/apply/mentee/"

    def test_logging_in_returns_to_the_form_asked_for(self, client, dmp, learner):
        from conftest import PASSWORD

        response = client.post(
            "/accounts/login/?next=/programs/dmp/apply/mentor/",
            {"login": learner.email, "password": PASSWORD, "next": "/programs/dmp/apply/mentor/"},
        )
        assert response.status_code == 302
        assert response["Location"] == "/programs/dmp/apply/mentor/"

    def test_signing_up_returns_to_the_form_asked_for(self, client, dmp):
        response = client.post(
            "/accounts/signup/?next=/programs/dmp/apply/mentor/",
            {
                "email": "new.clinician@hospital.example.org",
                "password1": "a-long-new-password-77",
                "password2": "a-long-new-password-77",
                "next": "/programs/dmp/apply/mentor/",
            },
        )
        assert response.status_code == 302
        assert response["Location"] == "/programs/dmp/apply/mentor/"

    def test_a_non_member_cannot_apply_as_a_learner_and_is_told_why(self, client, dmp, mentor, settings):
        settings.INSTITUTION_EMAIL_DOMAINS = ["mail.example.edu"]
        client.force_login(mentor)
        response = client.get(DMP_MENTEE)
        assert response.status_code == 403
        assert "verify your institutional email" in response.content.decode().lower()
        assert client.post(DMP_MENTEE, mentee_data(dmp)).status_code == 403
        assert not Application.objects.exists()

    def test_a_clinician_with_a_hospital_email_may_apply_as_a_mentor(
        self, client, dmp, mentor, settings, django_capture_on_commit_callbacks
    ):
        settings.INSTITUTION_EMAIL_DOMAINS = ["mail.example.edu"]
        client.force_login(mentor)
        assert client.get(DMP_MENTOR).status_code == 200
        response = submit(client, DMP_MENTOR, mentor_data(dmp), django_capture_on_commit_callbacks)
        assert response.status_code == 302
        application = Application.objects.get()
        assert application.role == Role.MENTOR and application.learner_type.code == "FAC"

    def test_a_mentor_needs_a_verified_email(self, client, dmp):
        user = make_user("unverified@hospital.example.org", verified=False)
        client.force_login(user)
        response = client.get(DMP_MENTOR)
        assert response.status_code == 403
        assert "Verify your email address" in response.content.decode()

    def test_an_unpublished_program_is_not_found(self, client, dmp, learner):
        Program.objects.filter(pk=dmp.pk).update(is_published=False)
        client.force_login(learner)
        assert client.get(DMP_MENTEE).status_code == 404
        assert client.post(DMP_MENTEE, mentee_data(dmp)).status_code == 404


class TestMenteeForm:
    def test_it_prefills_the_learner_type_from_the_profile(self, client, dmp, learner):
        client.force_login(learner)
        html = client.get(DMP_MENTEE).content.decode()
        assert f'<option value="{lt("MD2")}" selected>MD year 2</option>' in html

    def test_it_warns_of_the_waitlist_when_intake_is_limited(self, client, dmp, learner):
        client.force_login(learner)
        html = client.get(DMP_MENTEE).content.decode()
        assert "you may be placed on a waitlist" in html

    def test_it_shows_the_outcomes_and_no_tier_for_dmp(self, client, dmp, learner):
        dmp.outcomes.create(text="A mentor who shares your path", order=99)
        client.force_login(learner)
        html = client.get(DMP_MENTEE).content.decode()
        assert "A mentor who shares your path" in html
        assert 'name="tier"' not in html

    def test_a_learner_applies_and_everything_is_stored(
        self,
        client,
        dmp,
        learner,
        dimension,
        other_dimension,
        coordinator_of,
        mailoutbox,
        django_capture_on_commit_callbacks,
    ):
        coordinator = coordinator_of(dmp)
        client.force_login(learner)
        question = QuestionFactory(
            program=dmp, text="Where did you hear of us?", kind="single_choice", choices="A friend\nA poster"
        )
        data = mentee_data(
            dmp,
            **{f"question_{question.pk}": "A poster"},
            **identity_data(dmp, dimension, other_dimension),
        )
        response = submit(client, DMP_MENTEE, data, django_capture_on_commit_callbacks)
        application = Application.objects.get()
        assert response["Location"] == f"/my/applications/{application.pk}/"
        assert application.applicant == learner and application.status == Status.SUBMITTED
        assert application.learner_type.code == "MD2" and application.year == 2
        assert [o.order for o in application.outcomes.all()] == [0]
        assert [s.name for s in application.specialties.all()] == ["Psychiatry"]
        assert application.availability == ["weekday_evening"]
        assert Answer.objects.get(application=application).value == "A poster"
        identity = application.identity
        assert identity.consent_to_matching and identity.dimensions.count() == 2
        assert not identity.consent_to_reporting  # a separate box, left unticked
        assert StatusChange.objects.get(application=application).to_status == Status.SUBMITTED
        # One email to the applicant, one to the coordinator, no identity data in either.
        coordinators = sorted(u.email for u in dmp.coordinators.all())
        assert coordinator.email in coordinators
        assert sorted(m.to[0] for m in mailoutbox) == sorted([*coordinators, learner.email])
        for message in mailoutbox:
            body = message.body + message.alternatives[0][0]
            assert dimension.label not in body and other_dimension.label not in body

    def test_consent_to_be_counted_in_reports_is_its_own_box(
        self, client, dmp, learner, django_capture_on_commit_callbacks
    ):
        client.force_login(learner)
        data = mentee_data(dmp, **identity_data(dmp, consent=False))
        data["identity-consent_to_reporting"] = "on"
        submit(client, DMP_MENTEE, data, django_capture_on_commit_callbacks)
        identity = Application.objects.get().identity
        assert identity.consent_to_reporting and not identity.consent_to_matching

    def test_no_identity_row_without_answers_or_consent(
        self, client, dmp, learner, django_capture_on_commit_callbacks
    ):
        client.force_login(learner)
        data = mentee_data(dmp, **identity_data(dmp, consent=False))
        submit(client, DMP_MENTEE, data, django_capture_on_commit_callbacks)
        assert Application.objects.count() == 1
        assert not IdentityDisclosure.objects.exists()

    def test_a_learner_type_the_program_does_not_admit_is_neither_offered_nor_accepted(
        self, client, dmp, learner
    ):
        # Issue 16: the form offers only what the server accepts (it used to
        # offer MD1 here and then explain the refusal).
        client.force_login(learner)
        dmp.mentee_learner_types.remove(*dmp.mentee_learner_types.filter(code="MD1"))
        assert lt("MD1") not in offered(client.get(DMP_MENTEE).content.decode(), "learner_type")
        response = client.post(DMP_MENTEE, mentee_data(dmp, learner_type=lt("MD1")))
        assert response.status_code == 422
        assert "Choose one of the learner types in the list." in response.content.decode()
        assert not Application.objects.exists()

    def test_at_least_one_outcome_is_required(self, client, dmp, learner):
        client.force_login(learner)
        data = mentee_data(dmp)
        del data["outcomes"]
        response = client.post(DMP_MENTEE, data)
        assert response.status_code == 422
        assert "Choose at least one reason for joining." in response.content.decode()

    def test_nothing_typed_is_lost_on_an_error(self, client, dmp, learner):
        client.force_login(learner)
        data = mentee_data(dmp, meeting_format="", **identity_data(dmp, self_described="Two-spirit"))
        html = client.post(DMP_MENTEE, data).content.decode()
        assert "Someone to talk to about residency applications." in html
        assert 'value="Two-spirit"' in html
        assert 'value="weekday_evening" checked' in html or "checked" in html

    def test_prefer_not_to_say_cannot_be_combined(self, client, dmp, learner, dimension, prefer_not):
        client.force_login(learner)
        data = mentee_data(dmp, **identity_data(dmp, dimension, prefer_not))
        response = client.post(DMP_MENTEE, data)
        assert response.status_code == 422
        assert "prefer not to say" in response.content.decode()

    def test_a_shared_identity_wish_needs_consent(self, client, dmp, learner, dimension):
        client.force_login(learner)
        data = mentee_data(dmp, **identity_data(dmp, dimension, consent=False, wants_shared=True))
        response = client.post(DMP_MENTEE, data)
        assert response.status_code == 422
        assert not Application.objects.exists()


class TestTiers:
    def test_a_tiered_program_requires_a_tier(self, client, ilead, learner):
        client.force_login(learner)
        response = client.post(ILEAD_MENTEE, mentee_data(ilead))
        assert response.status_code == 422
        assert "Choose a tier." in response.content.decode()

    def test_the_tier_eligibility_message_says_why(self, client, ilead, learner):
        client.force_login(learner)
        tier2 = ilead.tiers.get(number=2)
        response = client.post(ILEAD_MENTEE, mentee_data(ilead, tier=str(tier2.pk), learner_type=lt("MD1")))
        assert response.status_code == 422
        assert "iLEAD tier 2 mentees must be MD students in years 2–4; you chose MD year 1." in (
            response.content.decode()
        )

    def test_an_upper_year_is_a_tier_2_mentee_and_a_tier_1_mentor(
        self, client, ilead, learner, django_capture_on_commit_callbacks
    ):
        client.force_login(learner)
        tier1, tier2 = ilead.tiers.order_by("number")
        mentee = mentee_data(ilead, tier=str(tier2.pk), learner_type=lt("MD3"))
        assert submit(client, ILEAD_MENTEE, mentee, django_capture_on_commit_callbacks).status_code == 302
        mentor = mentor_data(ilead, tier=str(tier1.pk), mentor_role="student", year="3", specialty="")
        assert submit(client, ILEAD_MENTOR, mentor, django_capture_on_commit_callbacks).status_code == 302
        roles = {(a.role, a.tier.number, a.learner_type.code) for a in Application.objects.all()}
        assert roles == {("mentee", 2, "MD3"), ("mentor", 1, "MD3")}

    def test_a_resident_cannot_mentor_tier_1(self, client, ilead, learner):
        client.force_login(learner)
        tier1 = ilead.tiers.get(number=1)
        data = mentor_data(ilead, tier=str(tier1.pk), mentor_role="resident", year="2")
        response = client.post(ILEAD_MENTOR, data)
        assert response.status_code == 422
        assert "iLEAD tier 1 mentors must be MD students in years 2–4; you are a resident in PGY2." in (
            response.content.decode()
        )

    def test_a_pgy3_resident_counts_as_a_resident_physician(
        self, client, ilead, learner, django_capture_on_commit_callbacks
    ):
        client.force_login(learner)
        tier2 = ilead.tiers.get(number=2)
        data = mentor_data(ilead, tier=str(tier2.pk), mentor_role="resident", year="4")
        assert submit(client, ILEAD_MENTOR, data, django_capture_on_commit_callbacks).status_code == 302
        assert Application.objects.get().learner_type.code == "RES"

    def test_a_second_application_for_the_same_tier_leads_to_the_first(self, client, ilead, learner):
        tier2 = ilead.tiers.get(number=2)
        first = make_mentee_application(ilead, learner, tier=tier2, learner_type="MD2")
        client.force_login(learner)
        assert "You already applied to iLEAD as a mentee for" in client.get(ILEAD_MENTEE).content.decode()
        response = client.post(ILEAD_MENTEE, mentee_data(ilead, tier=str(tier2.pk)))
        assert response["Location"] == f"/my/applications/{first.pk}/"
        assert Application.objects.count() == 1


class TestMentorForm:
    def test_a_resident_must_give_a_year_and_a_specialty(self, client, ilead, learner):
        client.force_login(learner)
        tier2 = ilead.tiers.get(number=2)
        data = mentor_data(ilead, tier=str(tier2.pk), mentor_role="resident", year="", specialty="")
        html = client.post(ILEAD_MENTOR, data).content.decode()
        assert "Choose your PGY year." in html and "Choose your specialty." in html

    @pytest.mark.parametrize(
        "capacity,message",
        [
            ("0", "You can take at least 1 mentee."),
            ("11", "You can take at most 10 mentees."),
            ("many", "Enter a whole number from 1 to 10."),
            ("", "Enter how many mentees you can take"),
        ],
    )
    def test_capacity_is_1_to_10(self, client, dmp, mentor, capacity, message):
        client.force_login(mentor)
        response = client.post(DMP_MENTOR, mentor_data(dmp, capacity=capacity))
        assert response.status_code == 422
        assert message in response.content.decode()

    def test_the_program_question_is_required_when_marked_so(self, client, dmp, mentor):
        client.force_login(mentor)
        question = dmp.questions.get(required=True)
        data = mentor_data(dmp)
        del data[f"question_{question.pk}"]
        response = client.post(DMP_MENTOR, data)
        assert response.status_code == 422
        # Issue 16's proofreading: the message says what to do, not "This field is required."
        assert "Answer this question." in response.content.decode()

    def test_yes_no_answers_are_stored_as_booleans(
        self, client, dmp, mentor, django_capture_on_commit_callbacks
    ):
        client.force_login(mentor)
        question = dmp.questions.get(required=True)
        submit(
            client,
            DMP_MENTOR,
            mentor_data(dmp, **{f"question_{question.pk}": "no"}),
            django_capture_on_commit_callbacks,
        )
        assert Answer.objects.get().value is False

    def test_mentors_are_not_asked_for_a_shared_identity_wish(self, client, dmp, mentor):
        client.force_login(mentor)
        html = client.get(DMP_MENTOR).content.decode()
        assert "consent" in html and "wants_shared_identity" not in html


class TestIntake:
    def test_closed_mentee_intake_says_so_and_accepts_nothing(self, client, dmp, learner):
        Program.objects.filter(pk=dmp.pk).update(mentee_intake=MenteeIntake.CLOSED)
        client.force_login(learner)
        response = client.get(DMP_MENTEE)
        assert "DMP mentee applications are closed" in response.content.decode()
        assert '<form method="post" novalidate>' not in response.content.decode()
        assert client.post(DMP_MENTEE, mentee_data(dmp)).status_code == 403
        assert not Application.objects.exists()

    def test_closed_mentor_recruitment_refuses_mentors(self, client, dmp, mentor):
        Program.objects.filter(pk=dmp.pk).update(mentor_recruitment=MentorRecruitment.CLOSED)
        client.force_login(mentor)
        assert "DMP mentor applications are closed" in client.get(DMP_MENTOR).content.decode()
        assert client.post(DMP_MENTOR, mentor_data(dmp)).status_code == 403

    def test_open_intake_does_not_warn_of_a_waitlist(self, client, dmp, learner):
        Program.objects.filter(pk=dmp.pk).update(mentee_intake=MenteeIntake.OPEN)
        client.force_login(learner)
        assert "waitlist" not in client.get(DMP_MENTEE).content.decode()


class TestDuplicates:
    def test_a_second_attempt_leads_to_the_existing_application(self, client, dmp, learner):
        first = make_mentee_application(dmp, learner)
        client.force_login(learner)
        response = client.get(DMP_MENTEE)
        assert response["Location"] == f"/my/applications/{first.pk}/"
        response = client.post(DMP_MENTEE, mentee_data(dmp))
        assert response["Location"] == f"/my/applications/{first.pk}/"
        assert Application.objects.count() == 1

    def test_after_withdrawing_one_can_apply_again(
        self, client, dmp, learner, django_capture_on_commit_callbacks
    ):
        make_mentee_application(dmp, learner, status=Status.WITHDRAWN)
        client.force_login(learner)
        response = submit(client, DMP_MENTEE, mentee_data(dmp), django_capture_on_commit_callbacks)
        assert response.status_code == 302
        assert Application.objects.live().count() == 1

    def test_a_race_caught_by_the_constraint_leads_to_the_existing_one(self, dmp, learner, monkeypatch):
        from applications import services

        first = make_mentee_application(dmp, learner)
        calls = []
        real = services.live_application

        def misses_the_first_time(**kw):
            # As if the other submission committed between the check and the insert.
            calls.append(kw)
            return None if len(calls) == 1 else real(**kw)

        monkeypatch.setattr(services, "live_application", misses_the_first_time)
        with pytest.raises(services.DuplicateApplication) as caught:
            services.application_submit(
                applicant=learner,
                program=dmp,
                role=Role.MENTEE,
                tier=None,
                fields={"learner_type": first.learner_type, "meeting_format": "virtual"},
            )
        assert caught.value.existing == first


class TestBadInput:
    def test_oversized_text_is_refused_with_a_clear_message(self, client, dmp, learner):
        client.force_login(learner)
        response = client.post(DMP_MENTEE, mentee_data(dmp, hopes="x" * 2001))
        assert response.status_code == 422
        assert "Ensure this value has at most 2000 characters (it has 2001)." in response.content.decode()

    def test_a_choice_not_offered_is_refused(self, client, dmp, learner):
        client.force_login(learner)
        for bad in (
            {"meeting_format": "carrier-pigeon"},
            {"availability": ["midnight"]},
            {"learner_type": lt("FAC")},
            {"learner_type": "999999"},
        ):
            response = client.post(DMP_MENTEE, mentee_data(dmp, **bad))
            assert response.status_code == 422, bad
        assert not Application.objects.exists()

    @pytest.mark.parametrize("field", ["outcomes", "specialties", "identity-dimensions"])
    @pytest.mark.parametrize("bad", ["9" * 30, "abc", "\x00"])
    def test_ids_that_are_not_ids_are_refused_and_nothing_typed_is_lost(
        self, client, dmp, learner, field, bad
    ):
        client.force_login(learner)
        hopes = "Keep this text, please."
        response = client.post(DMP_MENTEE, mentee_data(dmp, hopes=hopes, **{field: [bad]}))
        assert response.status_code == 422
        html = response.content.decode()
        assert (
            "Select a valid choice." in html or "is not a valid value." in html or "Null characters" in html
        )
        assert hopes in html
        assert not Application.objects.exists()

    def test_an_outcome_of_another_program_is_refused(self, client, ilead, dmp, learner):
        from programs.models import Outcome

        other = Outcome.objects.create(program=ilead, text="Not DMP's")
        client.force_login(learner)
        response = client.post(DMP_MENTEE, mentee_data(dmp, outcomes=[str(other.pk)]))
        assert response.status_code == 422

    def test_an_identity_dimension_of_another_program_is_refused(self, client, ilead, dmp, learner):
        client.force_login(learner)
        other = ilead.identity_dimensions.first()
        response = client.post(DMP_MENTEE, mentee_data(dmp, **{"identity-dimensions": [str(other.pk)]}))
        assert response.status_code == 422
        assert not Application.objects.exists()

    def test_html_and_script_are_stored_as_text_and_shown_escaped(
        self, client, dmp, learner, django_capture_on_commit_callbacks
    ):
        client.force_login(learner)
        script = '<script>alert("x")</script><b>bold</b>'
        submit(client, DMP_MENTEE, mentee_data(dmp, hopes=script), django_capture_on_commit_callbacks)
        application = Application.objects.get()
        assert application.hopes == script
        html = client.get(f"/my/applications/{application.pk}/").content.decode()
        assert script not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html

    def test_a_post_without_a_csrf_token_is_refused(self, dmp, learner):
        client = Client(enforce_csrf_checks=True)
        client.force_login(learner)
        assert client.post(DMP_MENTEE, mentee_data(dmp)).status_code == 403
        assert not Application.objects.exists()

    def test_other_methods_are_not_allowed(self, client, dmp, learner):
        client.force_login(learner)
        assert client.put(DMP_MENTEE).status_code == 405


def offered(html: str, name: str) -> set[str]:
    """The values of the choices the form offers for field ``name``."""
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    if select:
        return set(re.findall(r'<option value="(\w+)"', select.group(0)))
    return set(re.findall(rf'name="{name}" value="(\w+)"', html))


def codes(*names: str) -> set[str]:
    return {lt(name) for name in names}


class TestTheFormsOfferOnlyWhatTheProgramAdmits:
    def test_dmp_offers_mentees_its_learners_and_no_resident_physician(self, client, dmp, learner):
        client.force_login(learner)
        html = client.get(DMP_MENTEE).content.decode()
        assert offered(html, "learner_type") == codes(
            "MD1", "MD2", "MD3", "MD4", "PGY1", "PGY2", "PT", "OT", "SLP"
        )

    def test_ilead_offers_mentees_md_students_only(self, client, ilead, learner):
        client.force_login(learner)
        html = client.get(ILEAD_MENTEE).content.decode()
        assert offered(html, "learner_type") == codes("MD1", "MD2", "MD3", "MD4")

    def test_dmp_offers_mentors_the_clinician_role_only(self, client, dmp, mentor):
        client.force_login(mentor)
        assert offered(client.get(DMP_MENTOR).content.decode(), "mentor_role") == {"clinician"}

    def test_ilead_offers_mentors_the_student_and_resident_roles(self, client, ilead, mentor):
        client.force_login(mentor)
        assert offered(client.get(ILEAD_MENTOR).content.decode(), "mentor_role") == {"student", "resident"}

    def test_a_role_not_offered_is_refused(self, client, ilead, mentor):
        client.force_login(mentor)
        tier2 = ilead.tiers.get(number=2)
        response = client.post(ILEAD_MENTOR, mentor_data(ilead, tier=str(tier2.pk)))
        assert response.status_code == 422
        assert not Application.objects.exists()


class TestWhatHappensNext:
    def test_the_form_says_what_happens_after_submitting(self, client, dmp, mentor):
        client.force_login(mentor)
        html = client.get(DMP_MENTOR).content.decode()
        assert "After you submit, we email you a confirmation." in html
        assert 'aria-describedby="what-happens-next"' in html

    def test_the_confirmation_page_says_what_happens_next(
        self, client, dmp, learner, django_capture_on_commit_callbacks
    ):
        client.force_login(learner)
        response = submit(client, DMP_MENTEE, mentee_data(dmp), django_capture_on_commit_callbacks)
        html = client.get(response["Location"]).content.decode()
        assert "What happens next" in html


class TestErrorSummary:
    def test_it_takes_the_focus_and_lists_the_errors_in_the_order_of_the_fields(self, client, ilead, mentor):
        client.force_login(mentor)
        data = mentor_data(ilead, mentor_role="", hospital_site="", availability=[], capacity="")
        html = client.post(ILEAD_MENTOR, data).content.decode()
        assert re.search(r'id="error-summary"\s+tabindex="-1"', html)
        assert "js/error-summary.js" in html
        summary = html[
            html.index('id="error-summary"') : html.index("</ul>", html.index('id="error-summary"'))
        ]
        links = [
            summary.index(f'href="#div_id_{name}"')
            for name in ("tier", "mentor_role", "hospital_site", "capacity", "availability")
        ]
        assert links == sorted(links)


class TestApplyingAgainAfterAWithdrawal:
    def test_the_form_starts_from_the_last_answers(self, client, dmp, learner):
        from programs.models import LearnerType

        make_mentee_application(dmp, learner, status=Status.WITHDRAWN, learner_type="MD3")
        Application.objects.update(hopes="A mentor who listens.", meeting_format="in_person")
        client.force_login(learner)
        html = client.get(DMP_MENTEE).content.decode()
        assert "We filled in the answers of the application you withdrew" in html
        assert "A mentor who listens." in html
        md3 = LearnerType.objects.get(code="MD3").pk
        assert f'<option value="{md3}" selected>' in html
        assert re.search(r'value="in_person"[^>]*checked', html)

    def test_without_a_withdrawn_application_the_form_starts_from_the_profile(self, client, dmp, learner):
        client.force_login(learner)
        assert "We filled in the answers" not in client.get(DMP_MENTEE).content.decode()
