import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from matching import services as matching_services
from matching.models import MentorProfile
from mentoring import services
from mentoring.models import Meeting, MeetingFormat, SupportKind, SupportRequest
from notifications.models import OutgoingEmail
from tests.factories import accepted_mentee, accepted_mentor

pytestmark = pytest.mark.django_db

NOTE = "We talked about the residency interview that went badly."


def home_url(match) -> str:
    return reverse("mentoring:match", args=[match.pk])


def log(match, by, minutes=60, note=NOTE):
    return services.meeting_log(
        match=match,
        by=by,
        met_on=timezone.localdate(),
        minutes=minutes,
        format=MeetingFormat.VIRTUAL,
        note=note,
    )


class TestMyMentorships:
    def test_both_people_see_each_other_and_the_way_to_the_home(self, client, match, learner, mentor):
        client.force_login(learner)
        html = client.get(reverse("mentoring:mine")).content.decode()
        assert "Morgan Mentor" in html and "he/him" in html and f"mailto:{mentor.email}" in html
        assert "Pathways" in html and "Mentee" in html and home_url(match) in html
        client.force_login(mentor)
        html = client.get("/my/mentorships/").content.decode()
        assert "Lee Learner" in html and "she/her" in html and learner.email in html

    def test_others_see_nothing_of_it(self, client, match, outsider):
        client.force_login(outsider)
        html = client.get(reverse("mentoring:mine")).content.decode()
        assert "Morgan Mentor" not in html and "You have no mentorships yet" in html

    def test_a_draft_pair_is_not_shown(self, client, program, learner, mentor):
        from matching.models import Round

        draft = Round.objects.create(program=program, name="Draft")
        matching_services.proposal_add(
            round_=draft, mentee=accepted_mentee(program, learner), mentor=accepted_mentor(program, mentor)
        )
        client.force_login(learner)
        assert "Morgan Mentor" not in client.get(reverse("mentoring:mine")).content.decode()

    def test_an_ended_mentorship_stays_as_history(self, client, match, learner):
        matching_services.match_end(match=match, reason="Moved", rematch=False)
        client.force_login(learner)
        html = client.get(reverse("mentoring:mine")).content.decode()
        assert "(ended)" in html and home_url(match) in html

    def test_it_needs_a_login(self, client):
        assert client.get(reverse("mentoring:mine")).status_code == 302

    def test_query_count_is_fixed(self, client, program, publish, mentor, django_assert_num_queries):
        # Queries: session, user; the matches with their round, program, tier
        # and both people (one join).
        mentor_app = accepted_mentor(program, mentor, capacity=10)
        publish(mentor_application=mentor_app)
        client.force_login(mentor)
        with django_assert_num_queries(3):
            assert client.get(reverse("mentoring:mine")).status_code == 200
        for _ in range(9):
            publish(mentor_application=mentor_app)
        with django_assert_num_queries(3):
            html = client.get(reverse("mentoring:mine")).content.decode()
        assert html.count('class="border rounded p-3 mb-3"') == 10

    def test_the_nav_links_to_it(self, client, learner):
        client.force_login(learner)
        assert 'href="/my/mentorships/"' in client.get("/").content.decode()


class TestMatchHome:
    def test_the_pair_sees_each_other_the_agreement_and_whats_due(self, client, match, learner, mentor):
        MentorProfile.objects.create(
            application=match.mentor, headline="PGY2, Internal Medicine", pronouns="he/him"
        )
        client.force_login(learner)
        html = client.get(home_url(match)).content.decode()
        assert "Your mentorship with Morgan Mentor" in html
        assert "PGY2, Internal Medicine" in html and mentor.email in html
        assert "Read and confirm your mentorship agreement" in html
        assert "No term is set up for Pathways today" in html

    def test_coordinators_see_progress_and_dates_but_never_a_note(
        self, client, match, learner, mentor, program, coordinator_of, staff
    ):
        log(match, learner, minutes=90)
        services.agreement_confirm(match=match, by=learner)
        services.support_request_create(
            match=match, by=mentor, kind=SupportKind.HELP, text="Hard to reach her."
        )
        for viewer in (coordinator_of(program), staff):
            client.force_login(viewer)
            html = client.get(home_url(match)).content.decode()
            assert "1 h 30 min" in html and "confirmed on" in html and "Hard to reach her." in html
            assert NOTE not in html
            assert "Log a meeting" not in html and "I have read the agreement" not in html

    def test_the_pair_both_read_the_note_but_not_each_others_requests(self, client, match, learner, mentor):
        log(match, learner)
        services.support_request_create(match=match, by=learner, kind=SupportKind.REMATCH, text="Not a fit.")
        client.force_login(mentor)
        html = client.get(home_url(match)).content.decode()
        assert NOTE in html
        assert "Not a fit." not in html and "asked for a rematch" not in html

    def test_a_coordinator_of_another_program_gets_a_404(self, client, match, other_program, coordinator_of):
        client.force_login(coordinator_of(other_program))
        assert client.get(home_url(match)).status_code == 404

    def test_an_outsider_gets_a_404_and_learns_nothing(self, client, match, outsider):
        client.force_login(outsider)
        response = client.get(home_url(match))
        assert response.status_code == 404 and "Morgan" not in response.content.decode()

    def test_the_other_pages_refuse_coordinators(self, client, match, program, coordinator_of):
        client.force_login(coordinator_of(program))
        assert client.get(reverse("mentoring:meeting_add", args=[match.pk])).status_code == 404
        assert client.get(reverse("mentoring:ask", args=[match.pk])).status_code == 404
        assert client.post(reverse("mentoring:agreement_confirm", args=[match.pk])).status_code == 404

    def test_an_ended_match_is_read_only_history(self, client, match, learner):
        meeting = log(match, learner)
        matching_services.match_end(match=match, reason="Private reason", rematch=False)
        client.force_login(learner)
        html = client.get(home_url(match)).content.decode()
        assert "This mentorship ended on" in html and NOTE in html
        assert (
            "Private reason" not in html and "Log a meeting" not in html and "Change the meeting" not in html
        )
        assert client.get(reverse("mentoring:meeting_add", args=[match.pk])).status_code == 404
        edit = reverse("mentoring:meeting_edit", args=[match.pk, meeting.pk])
        assert client.get(edit).status_code == 404

    def test_coordinators_read_why_a_match_ended(self, client, match, program, coordinator_of):
        matching_services.match_end(match=match, reason="Private reason", rematch=False)
        client.force_login(coordinator_of(program))
        html = client.get(home_url(match)).content.decode()
        assert "Private reason" in html and "End this match" not in html

    def test_query_count_is_fixed(self, client, match, learner, mentor, django_assert_num_queries):
        # Queries: session, user; the match with its program, tier and both
        # people; the mentor's profile; the agreement (what is due reuses it);
        # the meetings with who logged them; the program's policy (the rule);
        # the term containing today; the minutes; the viewer's requests; the
        # open questionnaires of the viewer's role they have not answered.
        log(match, learner)
        client.force_login(learner)
        with django_assert_num_queries(11):
            assert client.get(home_url(match)).status_code == 200
        for _ in range(5):
            log(match, mentor)
        with django_assert_num_queries(11):
            html = client.get(home_url(match)).content.decode()
        assert html.count("minutes</h3>") == 6


class TestAgreementConfirm:
    def test_each_confirms_by_a_post_and_then_it_is_read_only(self, client, match, learner, mentor):
        for person in (learner, mentor):
            client.force_login(person)
            response = client.post(reverse("mentoring:agreement_confirm", args=[match.pk]))
            assert response.status_code == 302 and response["Location"].endswith("#agreement")
        html = client.get(home_url(match)).content.decode()
        assert html.count("confirmed on") == 2 and "Both of you confirmed" in html
        assert "I have read the agreement" not in html

    def test_a_get_changes_nothing(self, client, match, learner):
        client.force_login(learner)
        assert client.get(reverse("mentoring:agreement_confirm", args=[match.pk])).status_code == 405


class TestMeetingPages:
    def test_logging_a_meeting(self, client, match, learner):
        client.force_login(learner)
        url = reverse("mentoring:meeting_add", args=[match.pk])
        data = {"met_on": timezone.localdate().isoformat(), "minutes": "45", "format": "phone", "note": NOTE}
        response = client.post(url, data)
        assert response.status_code == 302
        meeting = Meeting.objects.get()
        assert (meeting.minutes, meeting.logged_by, meeting.note) == (45, learner, NOTE)

    def test_bad_input_says_why_and_keeps_what_was_typed(self, client, match, learner):
        client.force_login(learner)
        url = reverse("mentoring:meeting_add", args=[match.pk])
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        response = client.post(url, {"met_on": tomorrow, "minutes": "700", "format": "phone", "note": NOTE})
        html = response.content.decode()
        assert response.status_code == 422 and 'id="error-summary"' in html
        assert "The date cannot be in the future." in html and "from 5 to 600 minutes" in html
        assert NOTE in html and not Meeting.objects.exists()

    def test_garbage_is_refused_cleanly(self, client, match, learner):
        client.force_login(learner)
        url = reverse("mentoring:meeting_add", args=[match.pk])
        response = client.post(url, {"met_on": "yesterday", "minutes": "x" * 40, "format": "owl"})
        assert response.status_code == 422

    def test_changing_and_deleting_ones_own_meeting(self, client, match, learner, mentor):
        meeting = log(match, learner)
        edit = reverse("mentoring:meeting_edit", args=[match.pk, meeting.pk])
        delete = reverse("mentoring:meeting_delete", args=[match.pk, meeting.pk])
        client.force_login(mentor)
        assert client.get(edit).status_code == 404 and client.post(delete).status_code == 404
        client.force_login(learner)
        assert NOTE in client.get(edit).content.decode()
        data = {"met_on": meeting.met_on.isoformat(), "minutes": "30", "format": "in_person", "note": ""}
        assert client.post(edit, data).status_code == 302
        assert Meeting.objects.get().minutes == 30
        assert client.get(delete).status_code == 200
        assert client.post(delete).status_code == 302 and not Meeting.objects.exists()


class TestAskTheCoordinators:
    def test_asking_for_a_rematch(self, client, match, mentor, program, coordinator_of):
        coordinator = coordinator_of(program)
        client.force_login(mentor)
        url = reverse("mentoring:ask", args=[match.pk])
        assert re.search(r'value="rematch"[^>]*checked', client.get(url + "?kind=rematch").content.decode())
        response = client.post(url, {"kind": "rematch", "text": "We do not get along."})
        assert response.status_code == 302
        request = SupportRequest.objects.get()
        assert (request.kind, request.asked_by) == (SupportKind.REMATCH, mentor)
        assert OutgoingEmail.objects.get(kind="support-request-coordinator").to == coordinator.email

    def test_an_empty_request_is_refused(self, client, match, learner):
        client.force_login(learner)
        response = client.post(reverse("mentoring:ask", args=[match.pk]), {"kind": "help", "text": " "})
        assert (
            response.status_code == 422
            and "Tell the coordinators what you need." in response.content.decode()
        )
