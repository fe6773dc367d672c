import pytest

from applications.models import Status
from applications.services import application_transition
from matching import services
from matching.models import Exclusion, Match, MatchSource, MatchStatus, RoundStatus
from matching.selectors import board_for, waitlist
from notifications.models import OutgoingEmail
from tests.factories import accepted_mentee, accepted_mentor

pytestmark = pytest.mark.django_db


def intro_emails():
    return sorted(
        OutgoingEmail.objects.filter(kind__startswith="match-introduction").values_list("kind", "to")
    )


class TestRun:
    def test_stable_proposes_within_capacity_and_sends_nothing(self, dmp_round, dmp, mailoutbox):
        mentees = [accepted_mentee(dmp, specialties=["Surgery"]) for _ in range(3)]
        mentor = accepted_mentor(dmp, capacity=2, specialties=["Surgery"])
        proposals = services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        assert len(proposals) == 2
        assert {p.mentor_id for p in proposals} == {mentor.pk}
        # Ties go to the waitlist order: the two accepted first.
        assert {p.mentee_id for p in proposals} == {mentees[0].pk, mentees[1].pk}
        assert proposals[0].reasons[0] == {"text": "both interested in surgery", "identity": False}
        dmp_round.refresh_from_db()
        assert dmp_round.status == RoundStatus.DRAFT
        assert mailoutbox == []

    def test_optimal_matches_more_mentees_than_stable_when_it_can(self, dmp_round, dmp):
        # A likes M1 best, B can only have M1: stable gives M1 to A; optimal
        # sends A to M2 so that both are matched.
        a = accepted_mentee(dmp, specialties=["Surgery"])
        b = accepted_mentee(dmp)
        m1 = accepted_mentor(dmp, capacity=1, specialties=["Surgery"])
        m2 = accepted_mentor(dmp, capacity=1)
        Exclusion.objects.create(program=dmp, mentee=b, mentor=m2)
        stable = services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        assert {(p.mentee_id, p.mentor_id) for p in stable} == {(a.pk, m1.pk)}
        optimal = services.round_run(round_=dmp_round, mode=MatchSource.OPTIMAL)
        assert {(p.mentee_id, p.mentor_id) for p in optimal} == {(a.pk, m2.pk), (b.pk, m1.pk)}
        assert Match.objects.filter(round=dmp_round, status=MatchStatus.PROPOSED).count() == 2

    def test_capacity_counts_published_matches_of_other_rounds(self, dmp_round, dmp, first_round):
        mentor = accepted_mentor(dmp, capacity=1)
        services.match_publish_one(round_=first_round, mentee=accepted_mentee(dmp), mentor=mentor)
        accepted_mentee(dmp)
        assert services.round_run(round_=dmp_round, mode=MatchSource.STABLE) == []

    def test_a_removed_pair_may_be_suggested_again(self, dmp_round, dmp):
        accepted_mentee(dmp)
        accepted_mentor(dmp)
        (proposal,) = services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        services.proposal_remove(round_=dmp_round, match=proposal)
        assert not Match.objects.filter(pk=proposal.pk).exists()
        assert not Exclusion.objects.exists()
        (again,) = services.round_run(round_=dmp_round, mode=MatchSource.OPTIMAL)
        assert (again.mentee_id, again.mentor_id) == (proposal.mentee_id, proposal.mentor_id)

    def test_a_pair_removed_and_excluded_is_listed_and_not_suggested_again(self, dmp_round, dmp, coordinator):
        mentee = accepted_mentee(dmp)
        mentor = accepted_mentor(dmp)
        (proposal,) = services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        services.proposal_remove(round_=dmp_round, match=proposal, exclude=True, by=coordinator)
        exclusion = Exclusion.objects.get()
        assert (exclusion.program, exclusion.mentee, exclusion.mentor) == (dmp, mentee, mentor)
        assert exclusion.created_by == coordinator
        assert services.round_run(round_=dmp_round, mode=MatchSource.OPTIMAL) == []
        # Nor may a coordinator pair them by hand until the exclusion is deleted.
        with pytest.raises(services.MatchingError):
            services.proposal_add(round_=dmp_round, mentee=mentee, mentor=mentor)
        exclusion.delete()
        assert services.proposal_add(round_=dmp_round, mentee=mentee, mentor=mentor).status == (
            MatchStatus.PROPOSED
        )

    def test_a_published_round_cannot_run_again(self, dmp_round, dmp):
        accepted_mentee(dmp)
        accepted_mentor(dmp)
        services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        services.round_publish(round_=dmp_round)
        with pytest.raises(services.MatchingError):
            services.round_run(round_=dmp_round, mode=MatchSource.STABLE)


class TestAdjust:
    def test_add_refuses_an_excluded_pair_and_a_full_mentor(self, dmp_round, dmp, coordinator):
        mentee, other = accepted_mentee(dmp), accepted_mentee(dmp)
        mentor = accepted_mentor(dmp, capacity=1)
        Exclusion.objects.create(program=dmp, mentee=mentee, mentor=mentor, reason="Same clinic")
        with pytest.raises(services.MatchingError, match="excluded"):
            services.proposal_add(round_=dmp_round, mentee=mentee, mentor=mentor, by=coordinator)
        services.proposal_add(round_=dmp_round, mentee=other, mentor=mentor, by=coordinator)
        third = accepted_mentee(dmp)
        with pytest.raises(services.MatchingError, match="no place left"):
            services.proposal_add(round_=dmp_round, mentee=third, mentor=mentor)

    def test_nobody_is_paired_with_themselves(self, dmp_round, dmp, learner):
        mentee = accepted_mentee(dmp, learner)
        mentor = accepted_mentor(dmp, learner)
        with pytest.raises(services.MatchingError, match="themselves"):
            services.proposal_add(round_=dmp_round, mentee=mentee, mentor=mentor)

    def test_swap_exchanges_mentors_and_rescores(self, dmp_round, dmp):
        a, b = accepted_mentee(dmp, specialties=["Surgery"]), accepted_mentee(dmp)
        m1, m2 = accepted_mentor(dmp), accepted_mentor(dmp, specialties=["Surgery"])
        first = services.proposal_add(round_=dmp_round, mentee=a, mentor=m1)
        second = services.proposal_add(round_=dmp_round, mentee=b, mentor=m2)
        services.proposal_swap(round_=dmp_round, first=first, second=second)
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.mentor_id, second.mentor_id) == (m2.pk, m1.pk)
        assert "both interested in surgery" in first.reasons_for(show_identity=False)


class TestPublish:
    def test_it_matches_both_and_introduces_them_once(
        self, dmp_round, dmp, learner, mentor, django_capture_on_commit_callbacks, mailoutbox
    ):
        mentee_app = accepted_mentee(dmp, learner, hopes="Help choosing electives.")
        mentor_app = accepted_mentor(dmp, mentor, capacity=2)
        services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        before = OutgoingEmail.objects.count()
        with django_capture_on_commit_callbacks(execute=True):
            (match,) = services.round_publish(round_=dmp_round)
        # One email per person: the introduction, no separate status change.
        assert OutgoingEmail.objects.count() - before == 2
        mentee_app.refresh_from_db()
        mentor_app.refresh_from_db()
        assert (mentee_app.status, mentor_app.status) == (Status.MATCHED, Status.MATCHED)
        assert match.status == MatchStatus.PUBLISHED and match.published_at
        dmp_round.refresh_from_db()
        assert dmp_round.status == RoundStatus.PUBLISHED
        assert intro_emails() == [
            ("match-introduction-mentee", learner.email),
            ("match-introduction-mentor", mentor.email),
        ]
        to_mentor = next(m for m in mailoutbox if m.subject.startswith("DMP: meet your mentee"))
        assert to_mentor.to == [mentor.email]
        assert "Lee Learner" in to_mentor.body and "she/her" in to_mentor.body
        assert learner.email in to_mentor.body and "Help choosing electives." in to_mentor.body
        to_mentee = next(m for m in mailoutbox if m.subject.startswith("DMP: meet your mentor"))
        assert "Morgan Mentor (he/him)" in to_mentee.body and mentor.email in to_mentee.body
        assert "Your DMP mentee application is now: matched." in to_mentee.body
        assert "Your DMP mentor application is now: matched." in to_mentor.body
        # Introducing again (a retried task, a second call) sends nothing new.
        services._introduce(match)
        assert len(intro_emails()) == 2

    def test_introductions_carry_no_identity_data(
        self, dmp_round, dmp, mailoutbox, django_capture_on_commit_callbacks
    ):
        from applications.models import IdentityDimension

        dimension = IdentityDimension.objects.create(program=dmp, label="Zzyzx identity")
        identity = {"dimensions": [dimension], "consent_to_matching": True, "wants_shared_identity": True}
        accepted_mentee(dmp, identity=identity)
        accepted_mentor(dmp, identity={"dimensions": [dimension], "consent_to_matching": True})
        (proposal,) = services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        assert proposal.reasons_for(show_identity=True)[0] == "shares the identity the mentee asked for"
        with django_capture_on_commit_callbacks(execute=True):
            services.round_publish(round_=dmp_round)
        intros = [m for m in mailoutbox if "meet your" in m.subject]
        assert len(intros) == 2
        for message in intros:
            assert "Zzyzx" not in message.body and "identity" not in message.body.lower()

    def test_it_refuses_a_mentor_over_capacity_naming_them(self, dmp_round, dmp, mentor, first_round):
        mentor_app = accepted_mentor(dmp, mentor, capacity=1)
        late = accepted_mentee(dmp)
        services.proposal_add(round_=dmp_round, mentee=accepted_mentee(dmp), mentor=mentor_app)
        # Meanwhile another coordinator gives the mentor's last place away.
        services.match_publish_one(round_=first_round, mentee=late, mentor=mentor_app)
        with pytest.raises(services.MatchingError, match="Morgan Mentor has room for 0 more"):
            services.round_publish(round_=dmp_round)
        assert Match.objects.filter(mentor=mentor_app, status=MatchStatus.PUBLISHED).count() == 1
        dmp_round.refresh_from_db()
        assert dmp_round.is_draft

    def test_rolling_intake_needs_a_published_round(self, dmp_round, dmp):
        with pytest.raises(services.MatchingError, match="Publish the round first"):
            services.match_publish_one(
                round_=dmp_round, mentee=accepted_mentee(dmp), mentor=accepted_mentor(dmp)
            )

    def test_a_mentor_with_places_left_stays_matchable(self, dmp_round, dmp):
        mentor_app = accepted_mentor(dmp, capacity=2)
        services.proposal_add(round_=dmp_round, mentee=accepted_mentee(dmp), mentor=mentor_app)
        services.round_publish(round_=dmp_round)
        late = accepted_mentee(dmp)
        match = services.match_publish_one(round_=dmp_round, mentee=late, mentor=mentor_app)
        assert match.status == MatchStatus.PUBLISHED
        with pytest.raises(services.MatchingError, match="room for 0 more"):
            services.match_publish_one(round_=dmp_round, mentee=accepted_mentee(dmp), mentor=mentor_app)


class TestEndAndWaitlist:
    def test_ending_with_rematch_puts_the_mentee_back_and_tells_coordinators(
        self, dmp_round, dmp, coordinator, django_capture_on_commit_callbacks, mailoutbox
    ):
        mentee_app = accepted_mentee(dmp)
        mentor_app = accepted_mentor(dmp, capacity=1)
        match = services.proposal_add(round_=dmp_round, mentee=mentee_app, mentor=mentor_app)
        services.round_publish(round_=dmp_round)
        waiting = accepted_mentee(dmp)
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            services.match_end(match=match, reason="Moved away", rematch=True, by=coordinator)
        mentee_app.refresh_from_db()
        mentor_app.refresh_from_db()
        assert mentee_app.status == Status.ACCEPTED
        assert mentor_app.status == Status.ACCEPTED
        assert list(waitlist(dmp)) == [mentee_app, waiting]
        notices = [m for m in mailoutbox if m.to == [coordinator.email]]
        assert len(notices) == 1
        assert "1 mentor place free" in notices[0].subject
        assert str(mentee_app.applicant) in notices[0].body
        # The same event is announced once (to each of the program's coordinators).
        sent = OutgoingEmail.objects.filter(kind="waitlist-capacity").count()
        assert sent == dmp.coordinators.count()
        assert services.capacity_changed(program=dmp, event=f"match-{match.pk}-ended") == 0
        assert OutgoingEmail.objects.filter(kind="waitlist-capacity").count() == sent

    def test_ending_without_rematch_ends_the_application_and_needs_a_reason(self, dmp_round, dmp):
        mentee_app = accepted_mentee(dmp)
        match = services.proposal_add(round_=dmp_round, mentee=mentee_app, mentor=accepted_mentor(dmp))
        services.round_publish(round_=dmp_round)
        with pytest.raises(services.MatchingError):
            services.match_end(match=match, reason=" ", rematch=False)
        services.match_end(match=match, reason="Graduated", rematch=False)
        mentee_app.refresh_from_db()
        assert mentee_app.status == Status.ENDED
        match.refresh_from_db()
        assert (match.status, match.end_reason) == (MatchStatus.ENDED, "Graduated")

    def test_the_reason_stays_in_the_history_and_is_never_emailed(
        self, first_round, dmp, coordinator, django_capture_on_commit_callbacks, mailoutbox
    ):
        # The end page promises "the people are not sent this text": it may be about them.
        mentee_app = accepted_mentee(dmp)
        match = services.match_publish_one(round_=first_round, mentee=mentee_app, mentor=accepted_mentor(dmp))
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            services.match_end(
                match=match, reason="Concerns about professionalism", rematch=True, by=coordinator
            )
        assert mailoutbox, "the status changes are still emailed"
        for message in mailoutbox:
            assert "professionalism" not in message.subject + message.body
            assert all("professionalism" not in body for body, _ in message.alternatives)
        assert mentee_app.history.filter(note__contains="professionalism").exists()

    def test_an_oversized_reason_is_refused(self, first_round, dmp):
        match = services.match_publish_one(
            round_=first_round, mentee=accepted_mentee(dmp), mentor=accepted_mentor(dmp)
        )
        with pytest.raises(services.MatchingError, match="under 2000 characters"):
            services.match_end(match=match, reason="x" * 2001, rematch=True)
        assert Match.objects.get(pk=match.pk).status == MatchStatus.PUBLISHED

    def test_an_ended_pair_is_never_matched_again(self, dmp_round, dmp):
        mentee_app, mentor_app = accepted_mentee(dmp), accepted_mentor(dmp)
        match = services.proposal_add(round_=dmp_round, mentee=mentee_app, mentor=mentor_app)
        services.round_publish(round_=dmp_round)
        services.match_end(match=match, reason="Not a fit", rematch=True)
        with pytest.raises(services.MatchingError, match="excluded, or was matched"):
            services.match_publish_one(round_=dmp_round, mentee=mentee_app, mentor=mentor_app)

    def test_waitlist_is_acceptance_order_until_a_coordinator_moves_someone(self, dmp):
        first, second, third = accepted_mentee(dmp), accepted_mentee(dmp), accepted_mentee(dmp)
        assert list(waitlist(dmp)) == [first, second, third]
        services.waitlist_move(application=third, up=True)
        assert list(waitlist(dmp)) == [first, third, second]
        fourth = accepted_mentee(dmp)
        assert list(waitlist(dmp)) == [first, third, second, fourth]
        services.waitlist_move(application=first, up=False)
        assert list(waitlist(dmp)) == [third, first, second, fourth]

    def test_a_newly_accepted_mentor_tells_coordinators_about_the_waitlist(
        self, dmp, coordinator, django_capture_on_commit_callbacks, mailoutbox
    ):
        accepted_mentee(dmp)
        mentor_app = accepted_mentor(dmp, status=Status.SUBMITTED, accepted_at=None)
        with django_capture_on_commit_callbacks(execute=True):
            application_transition(application=mentor_app, to_status=Status.ACCEPTED, by=coordinator)
        notified = sorted(m.to[0] for m in mailoutbox if "free for the waitlist" in m.subject)
        assert notified == sorted(dmp.coordinators.values_list("email", flat=True))
        assert coordinator.email in notified

    def test_nobody_is_told_when_nobody_waits(self, dmp, coordinator):
        accepted_mentor(dmp)
        assert services.capacity_changed(program=dmp, event="x") == 0


class TestIdentityReasons:
    def test_only_the_programs_coordinators_see_them(self, dmp_round, dmp, coordinator, staff):
        from applications.models import IdentityDimension

        dimension = IdentityDimension.objects.create(program=dmp, label="Shared")
        accepted_mentee(
            dmp,
            identity={"dimensions": [dimension], "consent_to_matching": True, "wants_shared_identity": True},
        )
        accepted_mentor(dmp, identity={"dimensions": [dimension], "consent_to_matching": True})
        services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
        as_coordinator = board_for(dmp_round, user=coordinator)
        as_staff = board_for(dmp_round, user=staff)
        assert "shares the identity the mentee asked for" in as_coordinator.proposals[0].visible_reasons
        assert "shares the identity the mentee asked for" not in as_staff.proposals[0].visible_reasons


class TestTiersAndWeights:
    def test_ilead_tier_one_pairs_first_years_with_upper_year_md_students(self, ilead):
        from matching.models import Round

        tier1 = ilead.tiers.get(number=1)
        round_ = Round.objects.create(program=ilead, tier=tier1, name="Round 1, Fall 2025")
        first_year = accepted_mentee(ilead, tier=tier1, learner_type="MD1")
        wrong_mentee = accepted_mentee(ilead, tier=tier1, learner_type="MD3")
        student = accepted_mentor(ilead, tier=tier1, learner_type="MD3", capacity=3)
        resident = accepted_mentor(ilead, tier=tier1, learner_type="RES", capacity=3)
        proposals = services.round_run(round_=round_, mode=MatchSource.OPTIMAL)
        assert [(p.mentee_id, p.mentor_id) for p in proposals] == [(first_year.pk, student.pk)]
        round_.status = "published"
        round_.save()
        with pytest.raises(services.MatchingError, match="mentee is not eligible for this tier"):
            services.match_publish_one(round_=round_, mentee=wrong_mentee, mentor=student)
        with pytest.raises(services.MatchingError, match="not eligible to mentor in this tier"):
            services.match_publish_one(round_=round_, mentee=first_year, mentor=resident)

    def test_tier_two_pairs_upper_years_with_residents(self, ilead):
        from matching.models import Round

        tier2 = ilead.tiers.get(number=2)
        round_ = Round.objects.create(program=ilead, tier=tier2, name="Round 1, Fall 2025")
        upper_year = accepted_mentee(ilead, tier=tier2, learner_type="MD3")
        accepted_mentor(ilead, tier=tier2, learner_type="MD4")
        resident = accepted_mentor(ilead, tier=tier2, learner_type="PGY2")
        (proposal,) = services.round_run(round_=round_, mode=MatchSource.STABLE)
        assert (proposal.mentee_id, proposal.mentor_id) == (upper_year.pk, resident.pk)

    def test_coordinators_weights_change_the_choice(self, dmp_round, dmp):
        from matching.models import MatchingWeights

        mentee = accepted_mentee(dmp, specialties=["Surgery"], hospital_site="sinai")
        same_specialty = accepted_mentor(dmp, specialties=["Surgery"])
        same_site = accepted_mentor(dmp, hospital_site="sinai")
        (proposal,) = services.round_run(round_=dmp_round, mode=MatchSource.OPTIMAL)
        assert proposal.mentor_id == same_specialty.pk
        MatchingWeights.objects.update_or_create(program=dmp, defaults={"specialty": 1, "site": 9})
        (proposal,) = services.round_run(round_=dmp_round, mode=MatchSource.OPTIMAL)
        assert (proposal.mentee_id, proposal.mentor_id) == (mentee.pk, same_site.pk)
        assert "same site: Sinai Health" in proposal.reasons_for(show_identity=False)


class TestWithdrawal:
    def test_a_mentor_who_withdraws_sends_their_mentees_back_to_the_waitlist(self, first_round, dmp):
        mentee_app, mentor_app = accepted_mentee(dmp), accepted_mentor(dmp)
        match = services.match_publish_one(round_=first_round, mentee=mentee_app, mentor=mentor_app)
        mentor_app.refresh_from_db()
        application_transition(application=mentor_app, to_status=Status.WITHDRAWN)
        match.refresh_from_db()
        mentee_app.refresh_from_db()
        assert match.status == MatchStatus.ENDED and "withdrew" in match.end_reason
        assert mentee_app.status == Status.ACCEPTED
        assert list(waitlist(dmp)) == [mentee_app]

    def test_a_mentee_who_withdraws_frees_the_mentors_place(self, first_round, dmp):
        mentee_app, mentor_app = accepted_mentee(dmp), accepted_mentor(dmp, capacity=1)
        match = services.match_publish_one(round_=first_round, mentee=mentee_app, mentor=mentor_app)
        mentee_app.refresh_from_db()
        application_transition(application=mentee_app, to_status=Status.WITHDRAWN)
        match.refresh_from_db()
        mentor_app.refresh_from_db()
        assert match.status == MatchStatus.ENDED
        assert mentor_app.status == Status.ACCEPTED
        late = accepted_mentee(dmp)
        assert (
            services.match_publish_one(round_=first_round, mentee=late, mentor=mentor_app).status
            == "published"
        )


def test_prefer_not_to_say_is_never_a_shared_identity(dmp_round, dmp):
    from applications.models import IdentityDimension

    prefer_not = IdentityDimension.objects.create(program=dmp, label="Prefer not to say", is_prefer_not=True)
    accepted_mentee(
        dmp, identity={"dimensions": [prefer_not], "consent_to_matching": True, "wants_shared_identity": True}
    )
    accepted_mentor(dmp, identity={"dimensions": [prefer_not], "consent_to_matching": True})
    (proposal,) = services.round_run(round_=dmp_round, mode=MatchSource.STABLE)
    assert "shares the identity the mentee asked for" not in proposal.reasons_for(show_identity=True)
