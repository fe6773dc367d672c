"""The board shows who is emailed, and the email, before it publishes; removing
a draft pair says whether it excludes it; a swap that lowers a score warns;
each event sends each person one email."""

import pytest
from django.urls import reverse

from applications.models import Status
from applications.services import applications_bulk_transition
from matching import services
from matching.models import Exclusion, Match, MatchSource, MatchStatus
from notifications.models import OutgoingEmail
from tests.factories import accepted_mentee, accepted_mentor, make_mentor_application

pytestmark = pytest.mark.django_db


def board_url(round_):
    return reverse("admin:matching_round_board", args=[round_.pk])


def action(client, round_, **data):
    return client.post(reverse("admin:matching_round_board_action", args=[round_.pk]), data)


def messages_of(response):
    return [str(m) for m in response.wsgi_request._messages]


class TestPublishConfirmation:
    @pytest.fixture
    def draft(self, dmp, dmp_round):
        for _ in range(2):
            accepted_mentee(dmp)
        accepted_mentor(dmp, capacity=2)
        return services.round_run(round_=dmp_round, mode=MatchSource.OPTIMAL)

    def test_it_lists_everyone_emailed_and_previews_the_first_introduction(
        self, client, coordinator, dmp_round, draft, mailoutbox
    ):
        client.force_login(coordinator)
        page = action(client, dmp_round, action="publish")
        assert page.status_code == 200
        html = page.content.decode()
        assert "Who will be emailed (4)" in html
        for match in draft:
            assert match.mentee.applicant.email in html and match.mentor.applicant.email in html
        preview = page.context["preview"]
        assert preview.subject in html and "is now: matched" in preview.body_text
        assert 'name="confirm" value="yes"' in html and "Cancel" in html
        # Nothing is published or sent before Confirm.
        assert Match.objects.filter(status=MatchStatus.PROPOSED).count() == 2
        assert not OutgoingEmail.objects.exists() and not mailoutbox

    def test_confirm_sends_exactly_what_was_previewed(
        self, client, coordinator, dmp_round, draft, django_capture_on_commit_callbacks, mailoutbox
    ):
        client.force_login(coordinator)
        page = action(client, dmp_round, action="publish")
        ids = [m.pk for m in page.context["matches"]]
        with django_capture_on_commit_callbacks(execute=True):
            action(client, dmp_round, action="publish", confirm="yes", match=ids)
        assert Match.objects.filter(status=MatchStatus.PUBLISHED).count() == 2
        recipients = [a.applicant.email for _, a in page.context["recipients"]]
        assert sorted(m.to[0] for m in mailoutbox) == sorted(recipients)
        preview, to = page.context["preview"], page.context["preview_to"]
        sent = next(m for m in mailoutbox if m.to == [to.email])
        assert (sent.subject, sent.body) == (preview.subject, preview.body_text)
        # One email per person: no separate "now matched" status email.
        assert not OutgoingEmail.objects.filter(kind="application-status").exists()

    def test_a_draft_changed_after_the_preview_is_not_published(
        self, client, coordinator, dmp, dmp_round, draft, mailoutbox
    ):
        client.force_login(coordinator)
        page = action(client, dmp_round, action="publish")
        ids = [m.pk for m in page.context["matches"]]
        services.proposal_remove(round_=dmp_round, match=draft[0])
        response = action(client, dmp_round, action="publish", confirm="yes", match=ids)
        assert "The draft changed since you reviewed it" in " ".join(messages_of(response))
        assert not Match.objects.filter(status=MatchStatus.PUBLISHED).exists() and not mailoutbox

    def test_pairing_a_late_applicant_asks_first_too(
        self, client, coordinator, dmp, first_round, django_capture_on_commit_callbacks, mailoutbox
    ):
        mentee, mentor = accepted_mentee(dmp), accepted_mentor(dmp, capacity=1)
        client.force_login(coordinator)
        page = action(client, first_round, action="publish_one", mentee=mentee.pk, mentor=mentor.pk)
        assert page.status_code == 200 and "Who will be emailed (2)" in page.content.decode()
        assert not Match.objects.exists() and not OutgoingEmail.objects.exists()
        with django_capture_on_commit_callbacks(execute=True):
            action(
                client, first_round, action="publish_one", mentee=mentee.pk, mentor=mentor.pk, confirm="yes"
            )
        assert Match.objects.get().status == MatchStatus.PUBLISHED
        sent = next(m for m in mailoutbox if m.to == [mentee.applicant.email])
        assert sent.body == page.context["preview"].body_text
        assert len(mailoutbox) == 2


class TestRemoveAndSwap:
    def test_the_board_offers_both_kinds_of_remove(self, client, coordinator, dmp, dmp_round):
        accepted_mentee(dmp), accepted_mentor(dmp)
        services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        client.force_login(coordinator)
        html = client.get(board_url(dmp_round)).content.decode()
        assert 'name="exclude" value="no"' in html and 'name="exclude" value="yes"' in html
        assert "Remove and don't suggest again" in html

    def test_remove_alone_does_not_exclude(self, client, coordinator, dmp, dmp_round):
        accepted_mentee(dmp), accepted_mentor(dmp)
        (proposal,) = services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        client.force_login(coordinator)
        response = action(client, dmp_round, action="remove", match=proposal.pk, exclude="no")
        assert "may suggest the pair again" in messages_of(response)[0]
        assert not Match.objects.exists() and not Exclusion.objects.exists()

    def test_remove_and_exclude_lists_the_pair_under_exclusions(self, client, coordinator, dmp, dmp_round):
        mentee, mentor = accepted_mentee(dmp), accepted_mentor(dmp)
        (proposal,) = services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        client.force_login(coordinator)
        response = action(client, dmp_round, action="remove", match=proposal.pk, exclude="yes")
        assert "listed under Exclusions" in messages_of(response)[0]
        html = client.get(reverse("admin:matching_exclusion_changelist")).content.decode()
        assert str(mentee.applicant) in html and str(mentor.applicant) in html

    def test_a_swap_that_lowers_a_score_warns_with_both_scores(self, client, coordinator, dmp, dmp_round):
        keen, other = accepted_mentee(dmp, specialties=["Surgery"]), accepted_mentee(dmp)
        surgeon, generalist = accepted_mentor(dmp, specialties=["Surgery"]), accepted_mentor(dmp)
        good = services.proposal_add(round_=dmp_round, mentee=keen, mentor=surgeon)
        plain = services.proposal_add(round_=dmp_round, mentee=other, mentor=generalist)
        client.force_login(coordinator)
        response = action(client, dmp_round, action="swap", first=good.pk, second=plain.pk)
        good_after = Match.objects.get(pk=good.pk)
        assert good_after.score < good.score
        warning = next(m for m in messages_of(response) if "lowers a score" in m)
        assert f"{keen.applicant}'s pair went from {good.score} to {good_after.score}" in warning

    def test_a_swap_that_lowers_nothing_does_not_warn(self, client, coordinator, dmp, dmp_round):
        one, two = accepted_mentee(dmp), accepted_mentee(dmp)
        first = services.proposal_add(round_=dmp_round, mentee=one, mentor=accepted_mentor(dmp))
        second = services.proposal_add(round_=dmp_round, mentee=two, mentor=accepted_mentor(dmp))
        client.force_login(coordinator)
        response = action(client, dmp_round, action="swap", first=first.pk, second=second.pk)
        assert not [m for m in messages_of(response) if "lowers" in m]


class TestOneEmailPerEvent:
    def test_a_bulk_accept_that_frees_places_twice_tells_each_coordinator_once(
        self, dmp, coordinator_of, django_capture_on_commit_callbacks, mailoutbox
    ):
        first, second = coordinator_of(dmp), coordinator_of(dmp)
        accepted_mentee(dmp)
        mentors = [make_mentor_application(dmp, capacity=2) for _ in range(2)]
        with django_capture_on_commit_callbacks(execute=True):
            moved, _ = applications_bulk_transition(applications=mentors, to_status=Status.ACCEPTED, by=first)
        assert len(moved) == 2
        capacity = [m for m in mailoutbox if "free for the waitlist" in m.subject]
        recipients = [m.to[0] for m in capacity]
        assert first.email in recipients and second.email in recipients
        assert len(recipients) == len(set(recipients)) == dmp.coordinators.count()
        # Written after the whole action: both mentors' places.
        assert all("4 free places" in m.body for m in capacity)
