"""The signed-in home page: where signing in lands, with the person's
applications, mentorships and next steps."""

import pytest
from django.utils import timezone

from applications.models import Status
from conftest import PASSWORD, make_user
from matching.models import Match, MatchStatus, Round, RoundStatus
from programs.models import MenteeIntake
from tests.factories import make_mentee_application, make_mentor_application

pytestmark = pytest.mark.django_db


def home(client) -> str:
    response = client.get("/home/")
    assert response.status_code == 200
    return response.content.decode()


def publish_match(mentee, mentor) -> Match:
    round_ = Round.objects.create(program=mentee.program, name="Round 1", status=RoundStatus.PUBLISHED)
    for application in (mentee, mentor):
        application.status = Status.MATCHED
        application.save(update_fields=["status"])
    return Match.objects.create(
        round=round_, mentee=mentee, mentor=mentor, status=MatchStatus.PUBLISHED, published_at=timezone.now()
    )


class TestSigningIn:
    def test_it_lands_on_the_home_page(self, client, learner):
        response = client.post("/accounts/login/", {"login": learner.email, "password": PASSWORD})
        assert response["Location"] == "/home/"

    def test_the_home_page_needs_signing_in(self, client):
        response = client.get("/home/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


class TestNextSteps:
    def test_a_new_person_is_asked_to_complete_the_profile_and_verify_the_email(self, client, demo):
        person = make_user("new@mail.example.edu", verified=False)
        client.force_login(person)
        html = home(client)
        assert 'href="/account/profile/">Complete your profile' in html
        assert "Verify your email" in html

    def test_a_learner_is_invited_to_the_programs_and_roles_they_may_apply_to(self, client, demo, learner):
        client.force_login(learner)  # an MD2 student
        html = home(client)
        assert 'href="/programs/dmp/apply/mentee/">Apply to DMP as a mentee' in html
        assert 'href="/programs/ilead/apply/mentee/">Apply to iLEAD as a mentee' in html
        assert 'href="/programs/ilead/apply/mentor/">Apply to iLEAD as a mentor' in html
        assert "Apply to DMP as a mentor" not in html  # DMP's mentors are clinicians
        assert "Complete your profile" not in html

    def test_a_closed_intake_is_not_offered(self, client, demo, learner):
        demo["dmp"].mentee_intake = MenteeIntake.CLOSED
        demo["dmp"].save()
        client.force_login(learner)
        assert "Apply to DMP as a mentee" not in home(client)

    def test_an_application_under_review_says_so_instead_of_inviting_again(self, client, demo, learner):
        application = make_mentee_application(demo["dmp"], learner, status=Status.UNDER_REVIEW)
        client.force_login(learner)
        html = home(client)
        assert "Your DMP mentee application is under review." in html
        assert f'href="/my/applications/{application.pk}/">See your application' in html
        assert "Apply to DMP as a mentee" not in html

    def test_a_match_names_the_other_person(self, client, demo, learner, mentor):
        mentee_app = make_mentee_application(demo["dmp"], learner, status=Status.ACCEPTED)
        publish_match(mentee_app, make_mentor_application(demo["dmp"], mentor, status=Status.ACCEPTED))
        client.force_login(learner)
        html = home(client)
        assert "You are matched with Morgan Mentor (DMP mentee application)." in html
        assert "See My mentorships" in html

    def test_a_coordinator_is_pointed_to_the_administration(self, client, demo, coordinator_of):
        client.force_login(coordinator_of(demo["dmp"]))
        assert 'href="/admin/">Open the administration' in home(client)

    def test_a_learner_is_not_pointed_to_the_administration(self, client, demo, learner):
        client.force_login(learner)
        assert "Open the administration" not in home(client)


class TestQueries:
    def test_the_query_count_does_not_grow_with_applications_or_mentorships(
        self, client, demo, learner, mentor, django_assert_num_queries
    ):
        client.force_login(learner)
        make_mentee_application(demo["dmp"], learner, status=Status.WITHDRAWN)
        # session, user, applications, mentorships, programs, their outcomes, mentee
        # types, mentor types, tiers, tiers' mentee types, tiers' mentor types, a
        # verified email?, membership: a university login?, the verified addresses
        with django_assert_num_queries(14):
            home(client)
        tier2 = demo["ilead"].tiers.get(number=2)
        make_mentee_application(demo["ilead"], learner, tier=tier2, status=Status.SUBMITTED)
        mentee_app = make_mentee_application(demo["dmp"], learner, status=Status.ACCEPTED)
        publish_match(mentee_app, make_mentor_application(demo["dmp"], mentor, status=Status.ACCEPTED))
        with django_assert_num_queries(14):
            home(client)
