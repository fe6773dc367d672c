"""A matched mentee (or mentor) withdraws: the confirmation page says that the
mentorship will end; on confirming, the match ends and keeps its history, the
other person and the program's coordinators are told once, and the mentor's
place is free again."""

import pytest
from django.urls import reverse

from applications.models import Status, StatusChange
from applications.services import application_withdraw
from matching import services
from matching.models import Match, MatchStatus
from matching.selectors import mentors_in_scope, waitlist
from notifications.models import OutgoingEmail
from tests.factories import UserFactory, accepted_mentee, accepted_mentor

pytestmark = pytest.mark.django_db


@pytest.fixture
def match(first_round, dmp):
    mentee = accepted_mentee(dmp, UserFactory(name="Mia Mentee", email="mia@mail.example.edu"))
    mentor = accepted_mentor(
        dmp, UserFactory(name="Max Mentor", email="max@hospital.example.org"), capacity=1
    )
    return services.match_publish_one(round_=first_round, mentee=mentee, mentor=mentor)


def withdrawal_emails():
    return sorted(OutgoingEmail.objects.filter(kind__startswith="match-withdrawn").values_list("kind", "to"))


class TestService:
    def test_a_mentee_who_withdraws_ends_the_match_and_keeps_its_history(self, match, coordinator):
        application_withdraw(application=match.mentee, by=match.mentee.applicant)
        kept = Match.objects.get(pk=match.pk)
        assert kept.status == MatchStatus.ENDED and kept.ended_at is not None
        assert kept.end_reason == "Mia Mentee withdrew."
        assert (kept.mentee_id, kept.mentor_id, kept.published_at) == (
            match.mentee_id,
            match.mentor_id,
            match.published_at,
        )
        match.mentee.refresh_from_db()
        assert match.mentee.status == Status.WITHDRAWN
        assert StatusChange.objects.filter(application=match.mentee, to_status=Status.WITHDRAWN).exists()

    def test_the_mentors_place_is_free_again(self, match, dmp, first_round):
        application_withdraw(application=match.mentee, by=match.mentee.applicant)
        match.mentor.refresh_from_db()
        assert match.mentor.status == Status.ACCEPTED
        assert mentors_in_scope(dmp).get(pk=match.mentor_id).used == 0
        late = accepted_mentee(dmp)
        again = services.match_publish_one(round_=first_round, mentee=late, mentor=match.mentor)
        assert again.status == MatchStatus.PUBLISHED

    def test_the_mentor_and_the_coordinators_are_told_once(
        self, match, dmp, coordinator_of, mailoutbox, django_capture_on_commit_callbacks
    ):
        first, second = coordinator_of(dmp), coordinator_of(dmp)
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            application_withdraw(application=match.mentee, by=match.mentee.applicant)
        coordinators = sorted(dmp.coordinators.values_list("email", flat=True))
        assert {first.email, second.email} <= set(coordinators)
        assert withdrawal_emails() == [
            *(("match-withdrawn-coordinator", address) for address in coordinators),
            ("match-withdrawn-partner", "max@hospital.example.org"),
        ]
        to_mentor = next(m for m in mailoutbox if "has withdrawn" in m.subject)
        assert to_mentor.to == ["max@hospital.example.org"]
        assert to_mentor.subject.endswith("Mia Mentee has withdrawn, so your mentorship has ended")
        assert "Your place is free again" in to_mentor.body
        assert "Your place is free again" in to_mentor.alternatives[0][0]
        to_coordinator = next(m for m in mailoutbox if m.to == [first.email])
        assert "Max Mentor has a place free" in to_coordinator.body
        assert f"/admin/matching/round/{match.round_id}/board/" in to_coordinator.body
        # Sending again (a retried task, a second call) queues nothing new.
        services.match_withdrawal_notify(matches=[Match.objects.get(pk=match.pk)], withdrawn=match.mentee)
        assert len(withdrawal_emails()) == len(coordinators) + 1

    def test_a_mentor_with_several_mentees_tells_each_and_the_coordinators_once(
        self, first_round, dmp, coordinator, mailoutbox, django_capture_on_commit_callbacks
    ):
        mentor = accepted_mentor(
            dmp, UserFactory(name="Max Mentor", email="max@hospital.example.org"), capacity=2
        )
        mentees = [
            accepted_mentee(dmp, UserFactory(name=name, email=f"{name.split()[0].lower()}@mail.example.edu"))
            for name in ("Mia Mentee", "Noa Mentee")
        ]
        for mentee in mentees:
            services.match_publish_one(round_=first_round, mentee=mentee, mentor=mentor)
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            application_withdraw(application=mentor, by=mentor.applicant)
        coordinators = sorted(dmp.coordinators.values_list("email", flat=True))
        assert coordinator.email in coordinators
        assert withdrawal_emails() == [
            *(("match-withdrawn-coordinator", address) for address in coordinators),
            ("match-withdrawn-partner", "mia@mail.example.edu"),
            ("match-withdrawn-partner", "noa@mail.example.edu"),
        ]
        (to_coordinator,) = [m for m in mailoutbox if m.to == [coordinator.email] and "withdrew" in m.subject]
        assert to_coordinator.subject.endswith("Max Mentor withdrew; 2 matches have ended")
        assert "Mia Mentee is back on the waitlist" in to_coordinator.body
        assert "Noa Mentee is back on the waitlist" in to_coordinator.body

    def test_without_coordinators_the_program_address_is_told(self, match, dmp):
        dmp.coordinators.clear()
        application_withdraw(application=match.mentee, by=match.mentee.applicant)
        assert ("match-withdrawn-coordinator", dmp.contact_email) in withdrawal_emails()

    def test_a_mentor_who_withdraws_tells_the_mentee_they_are_back_on_the_waitlist(
        self, match, dmp, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            application_withdraw(application=match.mentor, by=match.mentor.applicant)
        assert ("match-withdrawn-partner", "mia@mail.example.edu") in withdrawal_emails()
        to_mentee = next(m for m in mailoutbox if m.subject.endswith("so your mentorship has ended"))
        assert to_mentee.to == ["mia@mail.example.edu"]
        assert "back on the waiting list" in to_mentee.body
        assert list(waitlist(dmp)) == [match.mentee]

    def test_ending_a_match_for_another_reason_sends_no_withdrawal_email(self, match):
        services.match_end(match=match, reason="They asked to stop.", rematch=False)
        assert withdrawal_emails() == []


class TestView:
    def url(self, application):
        return reverse("applications:withdraw", args=[application.pk])

    def test_the_confirmation_page_says_that_the_mentorship_will_end(self, client, match):
        client.force_login(match.mentee.applicant)
        html = client.get(self.url(match.mentee)).content.decode()
        assert "Your mentorship will end" in html
        assert "Max Mentor" in html and "the program's coordinators" in html
        assert "Withdraw and end the mentorship" in html
        assert Match.objects.get(pk=match.pk).status == MatchStatus.PUBLISHED  # asking changes nothing

    def test_an_unmatched_applicant_is_not_told_about_a_mentorship(self, client, dmp, learner):
        application = accepted_mentee(dmp, learner)
        client.force_login(learner)
        html = client.get(self.url(application)).content.decode()
        assert "Your mentorship will end" not in html and "Withdraw application" in html

    def test_confirming_ends_the_match_and_says_so(
        self, client, match, mailoutbox, django_capture_on_commit_callbacks
    ):
        client.force_login(match.mentee.applicant)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(self.url(match.mentee), follow=True)
        assert response.redirect_chain[-1][0] == reverse("applications:mine")
        assert "Your mentorship with Max Mentor has ended" in response.content.decode()
        assert Match.objects.get(pk=match.pk).status == MatchStatus.ENDED
        assert any(m.to == ["max@hospital.example.org"] for m in mailoutbox)

    def test_the_mentor_cannot_withdraw_the_mentees_application(self, client, match):
        client.force_login(match.mentor.applicant)
        assert client.post(self.url(match.mentee)).status_code == 404
        assert Match.objects.get(pk=match.pk).status == MatchStatus.PUBLISHED
