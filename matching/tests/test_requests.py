"""Requests after the round: a waiting mentee asks one mentor with a place
left; the mentor accepts (the match is published and both are introduced),
declines (the coordinators are told, the mentee asks the next), or lets the
request expire (the hourly task tells mentee and coordinators, once)."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from applications.models import IdentityDimension, Status
from applications.services import application_withdraw
from matching import mentor_requests, services
from matching.models import (
    ChoicePolicy,
    Exclusion,
    Match,
    MatchSource,
    MatchStatus,
    MentorRequest,
    RankEntry,
    RankList,
    RequestStatus,
    Round,
    RoundStatus,
)
from matching.tasks import expire_mentor_requests
from notifications.models import OutgoingEmail
from tests.factories import UserFactory, accepted_mentee, accepted_mentor

pytestmark = pytest.mark.django_db


@pytest.fixture
def mia(dmp, first_round):
    """A mentee still waiting after the first round was published."""
    return accepted_mentee(
        dmp,
        UserFactory(name="Mia Waiting", email="mia@mail.example.edu"),
        hopes="Someone to ask about surgery.",
    )


@pytest.fixture
def max_(dmp):
    return accepted_mentor(dmp, UserFactory(name="Max Mentor", email="max@hospital.example.org"), capacity=1)


@pytest.fixture
def noor(dmp):
    return accepted_mentor(
        dmp, UserFactory(name="Noor Mentor", email="noor@hospital.example.org"), capacity=2
    )


def ask(mentee, mentor, message="I would love to learn from you.", **kw):
    return mentor_requests.mentor_request_create(
        mentee=mentee, mentor=mentor, message=message, by=mentee.applicant, **kw
    )


def emails(kind_prefix="mentor-request"):
    return sorted(OutgoingEmail.objects.filter(kind__startswith=kind_prefix).values_list("kind", "to"))


class TestAsking:
    def test_a_waiting_mentee_asks_a_mentor_who_is_emailed_a_link_to_answer(self, mia, max_, dmp):
        ChoicePolicy.objects.create(program=dmp, request_reply_days=5)
        now = timezone.now()
        request = ask(mia, max_, now=now)
        assert request.status == RequestStatus.OPEN
        assert request.expires_at == now + timedelta(days=5)
        assert request.round.status == RoundStatus.PUBLISHED
        email = OutgoingEmail.objects.get(kind="mentor-request-new")
        assert email.to == "max@hospital.example.org"
        assert reverse("matching:request_answer", args=[request.pk]) in email.body_text
        assert "I would love to learn from you." in email.body_text
        # No contact details before the mentor accepts.
        assert "mia@mail.example.edu" not in email.body_text + email.body_html

    def test_a_mentee_has_one_open_request_at_a_time(self, mia, max_, noor):
        ask(mia, max_)
        with pytest.raises(services.MatchingError, match="already have a request waiting"):
            ask(mia, noor)

    def test_the_database_constraint_becomes_the_same_clear_message(self, mia, max_, noor, monkeypatch):
        # Two submissions at once both pass the check; the constraint stops the second.
        ask(mia, max_)
        monkeypatch.setattr(mentor_requests, "request_refusal", lambda **kw: None)
        with pytest.raises(services.MatchingError, match="already have a request waiting"):
            ask(mia, noor)
        assert MentorRequest.objects.filter(mentee=mia).count() == 1

    def test_only_after_a_round_is_published(self, dmp, max_):
        mentee = accepted_mentee(dmp)  # no first_round: nothing published yet
        Round.objects.create(program=dmp, name="Draft round", status=RoundStatus.DRAFT)
        with pytest.raises(services.MatchingError, match="published its first matches"):
            ask(mentee, max_)

    def test_a_matched_mentee_is_not_waiting(self, mia, max_, noor, first_round):
        services.match_publish_one(round_=first_round, mentee=mia, mentor=noor)
        mia.refresh_from_db()
        with pytest.raises(services.MatchingError, match="not waiting"):
            ask(mia, max_)

    def test_hard_rules_of_matching_apply(self, mia, max_, dmp, ilead):
        Exclusion.objects.create(program=dmp, mentee=mia, mentor=max_)
        # The mentee is not told which rule (an exclusion is the coordinators' business).
        with pytest.raises(services.MatchingError, match="not available to you"):
            ask(mia, max_)
        with pytest.raises(services.MatchingError, match="mentor of your program"):
            ask(mia, accepted_mentor(ilead))

    def test_a_mentor_without_a_place_left_cannot_be_asked(self, mia, max_, dmp, first_round):
        services.match_publish_one(round_=first_round, mentee=accepted_mentee(dmp), mentor=max_)
        with pytest.raises(services.MatchingError, match="no place left"):
            ask(mia, max_)

    def test_only_the_mentee_asks(self, mia, max_, outsider):
        with pytest.raises(services.MatchingError, match="Only the mentee"):
            mentor_requests.mentor_request_create(mentee=mia, mentor=max_, message="", by=outsider)


class TestAccepting:
    def test_accepting_publishes_the_match_and_introduces_both(self, mia, max_, first_round):
        request = ask(mia, max_)
        match = mentor_requests.mentor_request_accept(request=request, by=max_.applicant)
        request.refresh_from_db()
        assert (request.status, request.match) == (RequestStatus.ACCEPTED, match)
        assert request.answered_at is not None
        assert (match.status, match.source, match.round) == (
            MatchStatus.PUBLISHED,
            MatchSource.REQUEST,
            first_round,
        )
        mia.refresh_from_db()
        max_.refresh_from_db()
        assert (mia.status, max_.status) == (Status.MATCHED, Status.MATCHED)
        assert emails("match-introduction") == [
            ("match-introduction-mentee", "mia@mail.example.edu"),
            ("match-introduction-mentor", "max@hospital.example.org"),
        ]
        # Published like any match: the mentorship year starts with its agreement.
        assert match.agreement.mentee_confirmed_at is None

    def test_accepting_twice_gives_a_clear_message_and_publishes_once(self, mia, max_):
        request = ask(mia, max_)
        mentor_requests.mentor_request_accept(request=request, by=max_.applicant)
        with pytest.raises(services.MatchingError, match="already accepted"):
            mentor_requests.mentor_request_accept(request=request, by=max_.applicant)
        assert Match.objects.filter(mentee=mia).count() == 1

    def test_never_more_accepted_than_the_mentors_places(self, dmp, max_, first_round):
        first, second = accepted_mentee(dmp), accepted_mentee(dmp)
        one, two = ask(first, max_), ask(second, max_)
        mentor_requests.mentor_request_accept(request=one, by=max_.applicant)
        with pytest.raises(services.MatchingError, match="no place left"):
            mentor_requests.mentor_request_accept(request=two, by=max_.applicant)
        two.refresh_from_db()
        assert two.status == RequestStatus.OPEN  # still to decline, or to expire
        assert Match.objects.filter(mentor=max_, status=MatchStatus.PUBLISHED).count() == 1

    def test_only_the_mentor_asked_answers(self, mia, max_, noor):
        request = ask(mia, max_)
        for other in (noor.applicant, mia.applicant):
            with pytest.raises(services.MatchingError, match="Only the mentor asked"):
                mentor_requests.mentor_request_accept(request=request, by=other)
            with pytest.raises(services.MatchingError, match="Only the mentor asked"):
                mentor_requests.mentor_request_decline(request=request, by=other)

    def test_answering_after_the_reply_days_gives_a_clear_message(self, mia, max_):
        request = ask(mia, max_)
        later = request.expires_at + timedelta(minutes=1)
        with pytest.raises(services.MatchingError, match="expired"):
            mentor_requests.mentor_request_accept(request=request, by=max_.applicant, now=later)
        assert not Match.objects.exists()

    def test_a_mentee_matched_by_a_coordinator_closes_their_open_request(self, mia, max_, noor, first_round):
        request = ask(mia, max_)
        services.match_publish_one(round_=first_round, mentee=mia, mentor=noor)
        request.refresh_from_db()
        assert request.status == RequestStatus.WITHDRAWN
        with pytest.raises(services.MatchingError, match="withdrew"):
            mentor_requests.mentor_request_accept(request=request, by=max_.applicant)


class TestDecliningAndWithdrawing:
    def test_a_mentor_who_withdraws_declines_their_open_requests(self, mia, max_):
        request = ask(mia, max_)
        application_withdraw(application=max_, by=max_.applicant)
        request.refresh_from_db()
        assert request.status == RequestStatus.DECLINED
        assert ("mentor-request-declined-mentee", "mia@mail.example.edu") in emails()

    def test_declining_tells_the_mentee_and_the_coordinators_who_may_ask_the_next(
        self, mia, max_, noor, coordinator
    ):
        request = ask(mia, max_)
        mentor_requests.mentor_request_decline(
            request=request, by=max_.applicant, reason="On leave this term."
        )
        request.refresh_from_db()
        assert request.status == RequestStatus.DECLINED
        assert request.decline_reason == "On leave this term."  # coordinators read it in the admin
        assert ("mentor-request-declined-mentee", "mia@mail.example.edu") in emails()
        to_mentee = OutgoingEmail.objects.get(kind="mentor-request-declined-mentee")
        assert "On leave" not in to_mentee.body_text  # the reason is for the coordinators
        assert reverse("matching:my_requests") in to_mentee.body_text
        to_coordinator = OutgoingEmail.objects.get(
            kind="mentor-request-declined-coordinator", to=coordinator.email
        )
        assert "On leave this term." in to_coordinator.body_text
        # The mentee asks the next mentor, not the one who declined.
        mentor_requests.mentor_request_withdraw(request=ask(mia, noor), by=mia.applicant)
        with pytest.raises(services.MatchingError, match="asked Max Mentor before"):
            ask(mia, max_)

    def test_a_decline_reason_has_a_limit(self, mia, max_):
        request = ask(mia, max_)
        with pytest.raises(services.MatchingError, match="under 1000"):
            mentor_requests.mentor_request_decline(request=request, by=max_.applicant, reason="x" * 1001)

    def test_the_mentee_withdraws_and_the_mentor_is_told(self, mia, max_, noor):
        request = ask(mia, max_)
        mentor_requests.mentor_request_withdraw(request=request, by=mia.applicant)
        request.refresh_from_db()
        assert request.status == RequestStatus.WITHDRAWN
        assert ("mentor-request-withdrawn-mentor", "max@hospital.example.org") in emails()
        with pytest.raises(services.MatchingError, match="withdrew"):
            mentor_requests.mentor_request_withdraw(request=request, by=mia.applicant)
        with pytest.raises(services.MatchingError, match="Only the mentee"):
            mentor_requests.mentor_request_withdraw(request=ask(mia, noor), by=noor.applicant)


class TestExpiry:
    def test_unanswered_requests_expire_after_the_reply_days_and_alert_once(
        self, dmp, max_, noor, coordinator
    ):
        start = timezone.now()
        first, second = accepted_mentee(dmp), accepted_mentee(dmp)
        with time_machine.travel(start, tick=False):
            Round.objects.create(program=dmp, name="Round 1", status=RoundStatus.PUBLISHED)
            ask(first, max_)
            ask(second, noor)
        with time_machine.travel(start + timedelta(days=6, hours=23), tick=False):
            assert expire_mentor_requests() == 0
        with time_machine.travel(start + timedelta(days=7, hours=1), tick=False):
            assert expire_mentor_requests() == 2
            assert expire_mentor_requests() == 0  # the next hour's run finds nothing
        assert set(MentorRequest.objects.values_list("status", flat=True)) == {RequestStatus.EXPIRED}
        alerts = OutgoingEmail.objects.filter(
            kind="mentor-requests-expired-coordinator", to=coordinator.email
        )
        assert alerts.count() == 1  # one email per program per run, listing both
        assert (
            str(first.applicant) in alerts.get().body_text and str(second.applicant) in alerts.get().body_text
        )
        assert sorted(
            OutgoingEmail.objects.filter(kind="mentor-request-expired-mentee").values_list("to", flat=True)
        ) == sorted([first.applicant.email, second.applicant.email])
        # Each mentee may ask the next mentor (not the one who did not answer).
        assert ask(first, noor).status == RequestStatus.OPEN
        with pytest.raises(services.MatchingError, match="before"):
            ask(second, noor)

    def test_the_task_is_on_the_beat_schedule(self, settings):
        entry = settings.CELERY_BEAT_SCHEDULE["expire-mentor-requests"]
        assert (entry["task"], entry["schedule"]) == ("matching.tasks.expire_mentor_requests", 3600.0)


# --- Pages ---------------------------------------------------------------------


class TestMenteePages:
    def test_the_requests_page_lists_the_rank_list_with_places_left(
        self, client, mia, max_, noor, first_round
    ):
        rank_list = RankList.objects.create(round=first_round, owner=mia)
        RankEntry.objects.create(rank_list=rank_list, candidate=noor, position=1)
        RankEntry.objects.create(rank_list=rank_list, candidate=max_, position=2)
        client.force_login(mia.applicant)
        response = client.get(reverse("matching:my_requests"))
        page = response.content.decode()
        assert "The mentors on your rank list" in page
        assert page.index("Noor Mentor") < page.index("Max Mentor")
        assert reverse("matching:mentor_request_new", args=[noor.pk]) in page

    def test_without_a_rank_list_every_eligible_mentor_with_places_left(self, client, mia, max_, noor, dmp):
        Exclusion.objects.create(program=dmp, mentee=mia, mentor=max_)
        client.force_login(mia.applicant)
        page = client.get(reverse("matching:my_requests")).content.decode()
        assert "Mentors you can ask" in page
        assert "Noor Mentor" in page and "Max Mentor" not in page

    def test_the_requests_page_runs_in_a_fixed_number_of_queries(
        self, client, mia, dmp, first_round, django_assert_num_queries
    ):
        accepted_mentor(dmp)
        client.force_login(mia.applicant)
        client.get(reverse("matching:my_requests"))  # warm the session and site caches
        # Session and user (2); the waiting applications and their open
        # requests (2); the round (1); requestable_mentors: the rank list, the
        # mentee with specialties and outcomes (3), tiers (1), exclusions and
        # earlier matches (2), earlier requests (1), the mentors with
        # specialties and outcomes (3); all the mentee's requests (1). (Tiers'
        # learner types and identity dimensions add a query each when any exist.)
        with django_assert_num_queries(17):
            client.get(reverse("matching:my_requests"))
        for _ in range(4):
            ask(accepted_mentee(dmp), accepted_mentor(dmp, specialties=["Surgery"]))
        ask(mia, accepted_mentor(dmp))
        with django_assert_num_queries(17):
            client.get(reverse("matching:my_requests"))

    def test_asking_sends_the_request_once_on_a_double_submit(self, client, mia, max_):
        client.force_login(mia.applicant)
        url = reverse("matching:mentor_request_new", args=[max_.pk])
        assert "Ask Max Mentor to be your mentor" in client.get(url).content.decode()
        response = client.post(url, {"message": "Hello"})
        assert response.status_code == 302 and response["Location"] == reverse("matching:my_requests")
        again = client.post(url, {"message": "Hello"}, follow=True)
        assert "already have a request waiting" in again.content.decode()
        assert MentorRequest.objects.filter(mentee=mia).count() == 1

    def test_a_note_too_long_is_shown_again_with_the_error(self, client, mia, max_):
        client.force_login(mia.applicant)
        response = client.post(
            reverse("matching:mentor_request_new", args=[max_.pk]), {"message": "ab" * 600}
        )
        assert response.status_code == 422
        page = response.content.decode()
        assert "Keep the note under 1000 characters." in page and "error-summary" in page
        assert "ab" * 600 in page  # nothing typed is lost
        assert not MentorRequest.objects.exists()

    def test_tampered_or_foreign_ids_are_404(self, client, mia, max_, dmp, ilead):
        client.force_login(mia.applicant)
        assert client.get(reverse("matching:mentor_request_new", args=[999999])).status_code == 404
        assert (
            client.get(reverse("matching:mentor_request_new", args=[mia.pk])).status_code == 404
        )  # a mentee
        other_program = accepted_mentor(ilead)
        assert client.get(reverse("matching:mentor_request_new", args=[other_program.pk])).status_code == 404
        someone_elses = ask(accepted_mentee(dmp), max_)
        assert (
            client.post(reverse("matching:mentor_request_withdraw", args=[someone_elses.pk])).status_code
            == 404
        )
        assert client.get(reverse("matching:request_answer", args=[someone_elses.pk])).status_code == 404
        assert client.get("/my/requests/new/99999999999999999999999/").status_code == 404

    def test_withdrawing_is_a_post(self, client, mia, max_):
        request = ask(mia, max_)
        client.force_login(mia.applicant)
        url = reverse("matching:mentor_request_withdraw", args=[request.pk])
        assert client.get(url).status_code == 405
        response = client.post(url, follow=True)
        assert "You withdrew your request to Max Mentor." in response.content.decode()
        again = client.post(url, follow=True)
        assert "The mentee withdrew this request." in again.content.decode()

    def test_the_home_page_links_a_waiting_mentee_to_their_requests(self, client, mia):
        client.force_login(mia.applicant)
        page = client.get(reverse("my_home")).content.decode()
        assert "Request a mentor" in page and reverse("matching:my_requests") in page


class TestMentorPages:
    def test_requests_for_me_runs_in_a_fixed_number_of_queries(
        self, client, dmp, first_round, django_assert_num_queries
    ):
        mentor = accepted_mentor(dmp, capacity=5)
        ask(accepted_mentee(dmp), mentor)
        client.force_login(mentor.applicant)
        client.get(reverse("matching:requests_for_me"))
        # Session and user (2); the requests with round, program, tier and both people (1).
        with django_assert_num_queries(3):
            client.get(reverse("matching:requests_for_me"))
        for _ in range(3):
            ask(accepted_mentee(dmp), mentor)
        with django_assert_num_queries(3):
            page = client.get(reverse("matching:requests_for_me")).content.decode()
        assert page.count(reverse("matching:request_answer", args=[0]).replace("0/", "")) == 4

    def test_the_mentor_sees_what_the_mentee_wrote_never_identity_or_contact(
        self, client, dmp, max_, first_round
    ):
        dimension = IdentityDimension.objects.create(program=dmp, label="First-generation student")
        mentee = accepted_mentee(
            dmp,
            UserFactory(name="Ida Identity", email="ida@mail.example.edu"),
            hopes="Someone who has been there.",
            specialties=["Surgery"],
            identity={"consent_to_matching": True, "wants_shared_identity": True, "dimensions": [dimension]},
        )
        request = ask(mentee, max_, message="Your talk inspired me.")
        client.force_login(max_.applicant)
        assert "Ida Identity" in client.get(reverse("matching:requests_for_me")).content.decode()
        page = client.get(reverse("matching:request_answer", args=[request.pk])).content.decode()
        for shown in (
            "Ida Identity",
            "Someone who has been there.",
            "Your talk inspired me.",
            "Surgery",
            "MD year 2",
        ):
            assert shown in page
        assert "First-generation" not in page
        assert "ida@mail.example.edu" not in page
        request.refresh_from_db()
        assert request.status == RequestStatus.OPEN  # a GET changes nothing
        response = client.post(
            reverse("matching:request_answer", args=[request.pk]), {"answer": "accept"}, follow=True
        )
        page = response.content.decode()
        assert "You accepted." in page and "ida@mail.example.edu" in page

    def test_declining_from_the_page(self, client, mia, max_):
        request = ask(mia, max_)
        client.force_login(max_.applicant)
        url = reverse("matching:request_answer", args=[request.pk])
        response = client.post(url, {"answer": "decline", "reason": "Full this year."}, follow=True)
        assert "You declined." in response.content.decode()
        request.refresh_from_db()
        assert request.status == RequestStatus.DECLINED
        # Answering again, or answering nonsense, is a message, not a 500.
        again = client.post(url, {"answer": "accept"}, follow=True)
        assert "already declined" in again.content.decode()
        odd = client.post(url, {"answer": "maybe"}, follow=True)
        assert odd.status_code == 200

    def test_a_too_long_reason_keeps_what_was_typed(self, client, mia, max_):
        request = ask(mia, max_)
        client.force_login(max_.applicant)
        response = client.post(
            reverse("matching:request_answer", args=[request.pk]), {"answer": "decline", "reason": "r" * 1001}
        )
        assert response.status_code == 422
        assert "r" * 1001 in response.content.decode()
        request.refresh_from_db()
        assert request.status == RequestStatus.OPEN

    def test_answering_an_expired_request_says_so(self, client, mia, max_):
        request = ask(mia, max_)
        client.force_login(max_.applicant)
        with time_machine.travel(request.expires_at + timedelta(hours=1), tick=False):
            response = client.post(
                reverse("matching:request_answer", args=[request.pk]), {"answer": "accept"}, follow=True
            )
        assert "This request expired" in response.content.decode()
        assert not Match.objects.exists()

    def test_nobody_else_opens_or_answers_a_request(self, client, mia, max_, noor, coordinator, outsider):
        request = ask(mia, max_)
        url = reverse("matching:request_answer", args=[request.pk])
        for user in (mia.applicant, noor.applicant, coordinator, outsider):
            client.force_login(user)
            assert client.get(url).status_code == 404
            assert client.post(url, {"answer": "accept"}).status_code == 404
        request.refresh_from_db()
        assert request.status == RequestStatus.OPEN


class TestAdmin:
    def test_coordinators_see_their_programs_requests_and_expired_ones_stand_out(
        self, client, mia, max_, dmp, ilead, coordinator, coordinator_of
    ):
        request = ask(mia, max_)
        MentorRequest.objects.filter(pk=request.pk).update(status=RequestStatus.EXPIRED)
        client.force_login(coordinator)
        page = client.get(reverse("admin:matching_mentorrequest_changelist")).content.decode()
        assert reverse("admin:matching_mentorrequest_change", args=[request.pk]) in page
        assert 'class="request-expired"' in page
        client.force_login(coordinator_of(ilead))
        page = client.get(reverse("admin:matching_mentorrequest_changelist")).content.decode()
        assert reverse("admin:matching_mentorrequest_change", args=[request.pk]) not in page
