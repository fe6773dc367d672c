"""Participant choice (issue 13), the participants' side: mentor profiles,
whom a mentee may see and rank, rank lists in a ranking window, and the
mentors' part (rank, verdict or nothing), with the denials beside each success."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from applications.models import IdentityDimension, IdentityDisclosure, Status
from applications.services import application_transition
from matching import selectors, services
from matching.models import (
    ChoicePolicy,
    Exclusion,
    Match,
    MatchStatus,
    MentorParticipation,
    MentorProfile,
    MentorVerdict,
    RankEntry,
    Round,
    RoundStatus,
)
from programs.models import Outcome
from tests.factories import (
    ProgramFactory,
    TierFactory,
    UserFactory,
    accepted_mentee,
    accepted_mentor,
    make_mentor_application,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(db):
    program = ProgramFactory(slug="choice", name="Choice")
    Outcome.objects.create(program=program, text="Career advice", order=1)
    Outcome.objects.create(program=program, text="Research", order=2)
    return program


@pytest.fixture
def window(program):
    now = timezone.now()
    return Round.objects.create(
        program=program,
        name="Round 1",
        ranking_opens_at=now - timedelta(days=1),
        ranking_closes_at=now + timedelta(days=3),
    )


def profiled_mentor(program, user=None, **kw):
    application = accepted_mentor(program, user, **kw)
    services.mentor_profile_create_from(application)
    return application


def visible_ids(mentee) -> set[int]:
    return {p.application_id for p in selectors.profiles_for_mentee(mentee).profiles}


# --- Profiles ------------------------------------------------------------------


class TestMentorProfileCreation:
    def test_accepting_a_mentor_copies_their_application_into_a_profile(self, program):
        outcome = program.outcomes.first()
        application = make_mentor_application(
            program,
            mentor_role="resident",
            year=2,
            department="Internal Medicine",
            hospital_site="sinai",
            meeting_format="virtual",
            availability=["weekend"],
            specialties=["Cardiology"],
            outcomes=[outcome],
        )
        application_transition(application=application, to_status=Status.ACCEPTED, email_applicant=False)
        profile = application.mentor_profile
        assert profile.headline == "PGY2, Internal Medicine"
        assert (profile.hospital_site, profile.meeting_format, profile.availability) == (
            "sinai",
            "virtual",
            ["weekend"],
        )
        assert [s.name for s in profile.specialties.all()] == ["Cardiology"]
        assert list(profile.offers.all()) == [outcome]
        assert not profile.shown_identity.exists()

    def test_a_mentor_who_comes_back_keeps_the_profile_they_wrote(self, program):
        application = profiled_mentor(program)
        MentorProfile.objects.filter(application=application).update(headline="My own words")
        services.mentor_profile_create_from(application)
        assert MentorProfile.objects.get(application=application).headline == "My own words"

    def test_a_mentee_gets_no_profile(self, program):
        mentee = accepted_mentee(program)
        application_transition(application=mentee, to_status=Status.WAITLISTED, email_applicant=False)
        assert not MentorProfile.objects.exists()


class TestWhomAMenteeSees:
    def test_only_the_mentors_they_are_eligible_for(self, program, coordinator_of):
        mentee = accepted_mentee(program)
        eligible = profiled_mentor(program)
        excluded = profiled_mentor(program)
        Exclusion.objects.create(program=program, mentee=mentee, mentor=excluded)
        ended = profiled_mentor(program, capacity=3)
        first_round = Round.objects.create(program=program, name="Earlier", status=RoundStatus.PUBLISHED)
        Match.objects.create(round=first_round, mentee=mentee, mentor=ended, status=MatchStatus.ENDED)
        declined = profiled_mentor(program, capacity=3)
        Match.objects.create(round=first_round, mentee=mentee, mentor=declined, status=MatchStatus.DECLINED)
        full = profiled_mentor(program, capacity=1)
        services.match_publish_one(round_=first_round, mentee=accepted_mentee(program), mentor=full)
        withdrawn = profiled_mentor(program)
        withdrawn.status = Status.WITHDRAWN
        withdrawn.save()
        other_program = profiled_mentor(ProgramFactory())
        assert visible_ids(mentee) == {eligible.pk}
        assert other_program.pk not in visible_ids(mentee)

    def test_tier_rules_hold(self, program):
        tier = TierFactory(program=program, mentee_types=["MD2"], mentor_types=["FAC"])
        other_tier = TierFactory(program=program)
        mentee = accepted_mentee(program, tier=tier)
        fits = profiled_mentor(program, tier=tier)
        untiered = profiled_mentor(program)
        wrong_tier = profiled_mentor(program, tier=other_tier)
        wrong_type = profiled_mentor(program, tier=tier, learner_type="PGY2")
        assert visible_ids(mentee) == {fits.pk, untiered.pk}
        assert wrong_tier.pk not in visible_ids(mentee) and wrong_type.pk not in visible_ids(mentee)

    def test_nobody_sees_themselves(self, program):
        user = UserFactory()
        mentee = accepted_mentee(program, user)
        profiled_mentor(program, user)
        assert visible_ids(mentee) == set()

    def test_the_filters(self, program):
        mentee = accepted_mentee(program)
        research = program.outcomes.get(text="Research")
        cardio = profiled_mentor(
            program, specialties=["Cardiology"], hospital_site="sinai", meeting_format="in_person"
        )
        virtual = profiled_mentor(program, outcomes=[research], meeting_format="virtual", hospital_site="uhn")
        either = profiled_mentor(program, meeting_format="either", hospital_site="uhn")
        MentorProfile.objects.filter(application=either).update(about="I love teaching ultrasound.")

        def ids(**filters):
            listing = selectors.profiles_for_mentee(mentee, selectors.ProfileFilters(**filters))
            return {p.application_id for p in listing.profiles}

        cardiology = cardio.mentor_profile.specialties.get()
        assert ids(specialty=str(cardiology.pk)) == {cardio.pk}
        assert ids(site="uhn") == {virtual.pk, either.pk}
        assert ids(meeting_format="virtual") == {virtual.pk, either.pk}
        assert ids(offers=str(research.pk)) == {virtual.pk}
        assert ids(q="ULTRASOUND") == {either.pk}
        assert ids(specialty="not-a-number", q="") == set()
        listing = selectors.profiles_for_mentee(mentee)
        assert [s.name for s in listing.specialties] == ["Cardiology"]
        assert [code for code, _ in listing.sites] == ["uhn", "sinai"]

    def test_the_query_count_does_not_grow_with_mentors(self, program, django_assert_num_queries):
        # tiers and their two learner-type lists (3); exclusions; ended or
        # declined pairs; the mentors with people and profiles; the profiles'
        # specialties; their offers. (Without tiers, the two lists are not asked.)
        TierFactory(program=program)
        mentee = accepted_mentee(program)
        profiled_mentor(program, specialties=["Cardiology"], outcomes=list(program.outcomes.all()))
        with django_assert_num_queries(8):
            assert len(selectors.profiles_for_mentee(mentee).profiles) == 1
        for _ in range(12):
            profiled_mentor(program, specialties=["Surgery"], outcomes=list(program.outcomes.all()))
        Exclusion.objects.create(
            program=program, mentee=accepted_mentee(program), mentor=profiled_mentor(program)
        )
        with django_assert_num_queries(8):
            assert len(selectors.profiles_for_mentee(mentee).profiles) == 14


class TestProfilePages:
    def test_a_mentee_browses_and_reads_the_profiles_they_may_choose(self, client, program, learner, mentor):
        profiled_mentor(program, mentor, specialties=["Cardiology"])
        accepted_mentee(program, learner)
        client.force_login(learner)
        html = client.get(reverse("matching:mentor_profiles")).content.decode()
        assert "Morgan Mentor" in html and "Cardiology" in html
        profile = MentorProfile.objects.get()
        html = client.get(reverse("matching:mentor_profile", args=[profile.pk])).content.decode()
        assert "Morgan Mentor" in html and "(he/him)" not in html  # pronouns are the profile's own
        assert mentor.email not in html

    def test_the_filters_work_from_the_query_string(self, client, program, learner):
        accepted_mentee(program, learner)
        profiled_mentor(program, UserFactory(name="Vera Virtual"), meeting_format="virtual")
        profiled_mentor(program, UserFactory(name="Ines Inperson"), meeting_format="in_person")
        client.force_login(learner)
        html = client.get(reverse("matching:mentor_profiles"), {"meeting_format": "virtual"}).content.decode()
        assert "Vera Virtual" in html and "Ines Inperson" not in html and "1 of 2 mentors" in html

    def test_a_person_who_is_not_waiting_is_told_why(self, client, outsider):
        client.force_login(outsider)
        html = client.get(reverse("matching:mentor_profiles")).content.decode()
        assert "waiting for a mentor" in html

    def test_the_ineligible_the_outsider_and_the_other_program_get_a_404(
        self, client, program, learner, outsider, coordinator_of
    ):
        mentee = accepted_mentee(program, learner)
        excluded = profiled_mentor(program)
        Exclusion.objects.create(program=program, mentee=mentee, mentor=excluded)
        url = reverse("matching:mentor_profile", args=[excluded.mentor_profile.pk])
        other = ProgramFactory()
        for user in (learner, outsider, coordinator_of(other), accepted_mentee(other).applicant):
            client.force_login(user)
            assert client.get(url).status_code == 404
        client.force_login(coordinator_of(program))
        assert client.get(url).status_code == 200
        client.force_login(excluded.applicant)
        assert client.get(url).status_code == 200
        assert client.get(reverse("matching:mentor_profile", args=[99999])).status_code == 404

    def test_the_list_page_query_count_is_fixed(
        self, client, program, learner, window, django_assert_num_queries
    ):
        # session, user, the waiting applications, the open windows, the rank
        # list, the program's choice settings, then profiles_for_mentee (8).
        TierFactory(program=program)
        mentee = accepted_mentee(program, learner)
        first = profiled_mentor(program, specialties=["Cardiology"])
        services.rank_list_save(round_=window, owner=mentee, candidate_ids=[first.pk])
        client.force_login(learner)
        with django_assert_num_queries(14):
            client.get(reverse("matching:mentor_profiles"))
        for _ in range(10):
            profiled_mentor(program, specialties=["Surgery"], outcomes=list(program.outcomes.all()))
        with django_assert_num_queries(14):
            html = client.get(reverse("matching:mentor_profiles")).content.decode()
        assert html.count("Add to my list<") == 10 and "your 1st choice" in html


class TestIdentityOnProfiles:
    @pytest.fixture
    def dimensions(self, program):
        return [
            IdentityDimension.objects.create(
                program=program, label=label, is_prefer_not=label.startswith("Prefer")
            )
            for label in ("First-generation", "Rural", "Prefer not to say")
        ]

    def test_hidden_unless_the_mentor_opts_in_dimension_by_dimension(
        self, client, program, learner, dimensions
    ):
        first_gen, rural, _ = dimensions
        mentor_app = profiled_mentor(program, identity={"dimensions": [first_gen, rural]})
        accepted_mentee(program, learner)
        url = reverse("matching:mentor_profile", args=[mentor_app.mentor_profile.pk])
        client.force_login(learner)
        html = client.get(url).content.decode()
        assert "First-generation" not in html and "Rural" not in html
        client.force_login(mentor_app.applicant)
        edit = reverse("matching:mentor_profile_edit", args=[mentor_app.pk])
        form_html = client.get(edit).content.decode()
        assert "First-generation" in form_html and "Prefer not to say" not in form_html
        data = {"headline": "Clinician", "meeting_format": "either", "shown_identity": [rural.pk]}
        assert client.post(edit, data).status_code == 302
        client.force_login(learner)
        html = client.get(url).content.decode()
        assert "Rural" in html and "First-generation" not in html

    def test_a_dimension_outside_their_own_disclosure_cannot_be_shown(self, client, program, dimensions):
        first_gen, rural, prefer_not = dimensions
        mentor_app = profiled_mentor(program, identity={"dimensions": [first_gen, prefer_not]})
        client.force_login(mentor_app.applicant)
        edit = reverse("matching:mentor_profile_edit", args=[mentor_app.pk])
        for smuggled in (rural.pk, prefer_not.pk):
            response = client.post(
                edit, {"headline": "X", "meeting_format": "either", "shown_identity": [smuggled]}
            )
            assert response.status_code == 200 and "error-summary" in response.content.decode()
        assert not mentor_app.mentor_profile.shown_identity.exists()
        # The service holds the rule too, whatever it is handed.
        services.mentor_profile_update(
            profile=mentor_app.mentor_profile, changes={"shown_identity": [rural, prefer_not]}
        )
        assert not mentor_app.mentor_profile.shown_identity.exists()

    def test_removing_it_from_the_disclosure_hides_it(self, program, dimensions):
        first_gen, _, _ = dimensions
        mentor_app = profiled_mentor(program, identity={"dimensions": [first_gen]})
        profile = mentor_app.mentor_profile
        profile.shown_identity.set([first_gen])
        assert selectors.visible_identity(selectors.profile_with_details(profile.pk)) == [first_gen]
        mentor_app.identity.dimensions.clear()
        assert selectors.visible_identity(selectors.profile_with_details(profile.pk)) == []


class TestProfileEdit:
    def test_the_mentor_edits_their_profile(self, client, program, mentor):
        application = accepted_mentor(program, mentor)  # accepted before profiles existed
        client.force_login(mentor)
        url = reverse("matching:mentor_profile_edit", args=[application.pk])
        assert client.get(url).status_code == 200
        outcome = program.outcomes.first()
        response = client.post(
            url,
            {
                "pronouns": "he/him",
                "headline": "Cardiologist",
                "hospital_site": "sinai",
                "interests": "Echo",
                "offers": [outcome.pk],
                "meeting_format": "virtual",
                "availability": ["weekend"],
                "about": "Ask me anything.",
            },
        )
        profile = MentorProfile.objects.get(application=application)
        assert response["Location"] == reverse("matching:mentor_profile", args=[profile.pk])
        assert (profile.headline, profile.pronouns, profile.about) == (
            "Cardiologist",
            "he/him",
            "Ask me anything.",
        )
        assert list(profile.offers.all()) == [outcome]

    def test_bad_input_is_shown_with_what_was_typed(self, client, program, mentor):
        application = profiled_mentor(program, mentor)
        client.force_login(mentor)
        url = reverse("matching:mentor_profile_edit", args=[application.pk])
        response = client.post(url, {"headline": "", "about": "Kept text", "meeting_format": "nope"})
        html = response.content.decode()
        assert response.status_code == 200 and "error-summary" in html and "Kept text" in html

    def test_only_the_mentor_reaches_it(self, client, program, mentor, learner, coordinator_of):
        application = profiled_mentor(program, mentor)
        url = reverse("matching:mentor_profile_edit", args=[application.pk])
        for user in (learner, coordinator_of(program)):
            client.force_login(user)
            assert client.get(url).status_code == 404

    def test_the_home_page_links_it(self, client, program, mentor):
        application = profiled_mentor(program, mentor)
        client.force_login(mentor)
        html = client.get(reverse("my_home")).content.decode()
        assert reverse("matching:mentor_profile_edit", args=[application.pk]) in html


# --- Rank lists ----------------------------------------------------------------


class TestRankListSave:
    def test_positions_are_one_to_n_first_choice_first(self, program, window):
        mentee = accepted_mentee(program)
        a, b, c = (profiled_mentor(program) for _ in range(3))
        services.rank_list_save(round_=window, owner=mentee, candidate_ids=[b.pk, a.pk, c.pk])
        services.rank_list_save(round_=window, owner=mentee, candidate_ids=[c.pk, b.pk])
        entries = selectors.rank_list_for(window, mentee)
        assert [(e.position, e.candidate_id) for e in entries] == [(1, c.pk), (2, b.pk)]

    @pytest.mark.parametrize(
        "when", [timedelta(days=-2), timedelta(days=4)], ids=["before the window", "after the window"]
    )
    def test_refused_outside_the_window(self, program, window, when):
        mentee, mentor_app = accepted_mentee(program), profiled_mentor(program)
        with pytest.raises(services.RankingError, match="closed"):
            services.rank_list_save(
                round_=window, owner=mentee, candidate_ids=[mentor_app.pk], now=timezone.now() + when
            )

    def test_refused_beyond_n_and_for_duplicates(self, program, window):
        ChoicePolicy.objects.create(program=program, max_ranks=2)
        mentee = accepted_mentee(program)
        ids = [profiled_mentor(program).pk for _ in range(3)]
        with pytest.raises(services.RankingError, match="up to 2"):
            services.rank_list_save(round_=window, owner=mentee, candidate_ids=ids)
        with pytest.raises(services.RankingError, match="only once"):
            services.rank_list_save(round_=window, owner=mentee, candidate_ids=[ids[0], ids[0]])
        assert not RankEntry.objects.exists()

    def test_a_mentee_cannot_rank_a_mentor_they_are_not_eligible_for(self, program, window):
        mentee = accepted_mentee(program)
        excluded = profiled_mentor(program)
        Exclusion.objects.create(program=program, mentee=mentee, mentor=excluded)
        other = profiled_mentor(ProgramFactory())
        another_mentee = accepted_mentee(program)
        for candidate in (excluded, other, another_mentee):
            with pytest.raises(services.RankingError, match="only rank"):
                services.rank_list_save(round_=window, owner=mentee, candidate_ids=[candidate.pk])
        assert not RankEntry.objects.exists()

    def test_someone_outside_the_round_cannot_rank(self, program, window):
        matched = accepted_mentee(program)
        mentor_app = profiled_mentor(program)
        first = Round.objects.create(program=program, name="Earlier", status=RoundStatus.PUBLISHED)
        services.match_publish_one(round_=first, mentee=matched, mentor=profiled_mentor(program))
        matched.refresh_from_db()
        other_tier = accepted_mentee(program, tier=TierFactory(program=program))
        tier_round = Round.objects.create(
            program=program,
            tier=TierFactory(program=program),
            name="Tiered",
            ranking_opens_at=window.ranking_opens_at,
            ranking_closes_at=window.ranking_closes_at,
        )
        for owner, round_ in ((matched, window), (other_tier, tier_round)):
            with pytest.raises(services.RankingError, match="do not take part"):
                services.rank_list_save(round_=round_, owner=owner, candidate_ids=[mentor_app.pk])

    def test_one_step_at_a_time(self, program, window):
        mentee = accepted_mentee(program)
        a, b, c = (profiled_mentor(program) for _ in range(3))

        def step(action, who):
            services.rank_list_change(round_=window, owner=mentee, action=action, candidate_id=who.pk)
            return [e.candidate_id for e in selectors.rank_list_for(window, mentee)]

        assert step("add", a) == [a.pk]
        assert step("add", b) == [a.pk, b.pk]
        assert step("add", c) == [a.pk, b.pk, c.pk]
        assert step("up", c) == [a.pk, c.pk, b.pk]
        assert step("up", a) == [a.pk, c.pk, b.pk]  # already first
        assert step("down", a) == [c.pk, a.pk, b.pk]
        assert step("down", b) == [c.pk, a.pk, b.pk]  # already last
        assert step("remove", a) == [c.pk, b.pk]
        assert [e.position for e in selectors.rank_list_for(window, mentee)] == [1, 2]

    def test_a_mentor_who_becomes_unavailable_leaves_the_list_on_the_next_change(self, program, window):
        mentee = accepted_mentee(program)
        a, b = profiled_mentor(program), profiled_mentor(program)
        services.rank_list_save(round_=window, owner=mentee, candidate_ids=[a.pk, b.pk])
        Exclusion.objects.create(program=program, mentee=mentee, mentor=a)
        _, dropped = services.rank_list_change(round_=window, owner=mentee, action="up", candidate_id=b.pk)
        assert dropped == [a.pk]
        assert [(e.position, e.candidate_id) for e in selectors.rank_list_for(window, mentee)] == [(1, b.pk)]


class TestMentorsPart:
    @pytest.fixture
    def ranked(self, program, window):
        """A mentor ranked by two mentees; a third mentee did not rank them."""
        mentor_app = profiled_mentor(program, capacity=3)
        mentees = [accepted_mentee(program, hopes=f"Hope {i}") for i in range(3)]
        for mentee in mentees[:2]:
            services.rank_list_save(round_=window, owner=mentee, candidate_ids=[mentor_app.pk])
        return mentor_app, mentees

    def test_rank_mode_the_mentor_ranks_only_those_who_ranked_them(self, program, window, ranked):
        mentor_app, (first, second, third) = ranked
        services.rank_list_save(round_=window, owner=mentor_app, candidate_ids=[second.pk, first.pk])
        assert [e.candidate_id for e in selectors.rank_list_for(window, mentor_app)] == [second.pk, first.pk]
        with pytest.raises(services.RankingError, match="only rank"):
            services.rank_list_save(round_=window, owner=mentor_app, candidate_ids=[third.pk])

    def test_verdict_mode(self, program, window, ranked):
        ChoicePolicy.objects.create(program=program, mentor_participation=MentorParticipation.VERDICT)
        mentor_app, (first, _, third) = ranked
        services.mentor_verdict_set(round_=window, mentor=mentor_app, mentee=first, verdict="happy")
        services.mentor_verdict_set(round_=window, mentor=mentor_app, mentee=first, verdict="rather_not")
        assert MentorVerdict.objects.get().verdict == "rather_not"
        with pytest.raises(services.RankingError, match="who ranked you"):
            services.mentor_verdict_set(round_=window, mentor=mentor_app, mentee=third, verdict="happy")
        with pytest.raises(services.RankingError, match="do not rank"):
            services.rank_list_save(round_=window, owner=mentor_app, candidate_ids=[first.pk])

    def test_verdicts_are_refused_in_rank_mode_and_after_the_window(self, program, window, ranked):
        mentor_app, (first, _, _) = ranked
        with pytest.raises(services.RankingError, match="do not mark"):
            services.mentor_verdict_set(round_=window, mentor=mentor_app, mentee=first, verdict="happy")
        ChoicePolicy.objects.create(program=program, mentor_participation=MentorParticipation.VERDICT)
        with pytest.raises(services.RankingError, match="closed"):
            services.mentor_verdict_set(
                round_=window,
                mentor=mentor_app,
                mentee=first,
                verdict="happy",
                now=window.ranking_closes_at,
            )

    def test_the_mentor_page_shows_what_mentees_offer_never_their_identity(
        self, client, program, window, ranked
    ):
        mentor_app, (first, second, third) = ranked
        dimension = IdentityDimension.objects.create(program=program, label="First-generation")
        disclosure = IdentityDisclosure.objects.create(application=first, consent_to_matching=True)
        disclosure.dimensions.set([dimension])
        client.force_login(mentor_app.applicant)
        html = client.get(reverse("matching:rank_list", args=[window.pk])).content.decode()
        assert (
            str(first.applicant) in html
            and str(second.applicant) in html
            and str(third.applicant) not in html
        )
        assert "Hope 0" in html and first.learner_type.label in html
        assert "First-generation" not in html and first.applicant.email not in html
        assert "Add to my list" in html

    def test_scores_mode_tells_the_mentor_there_is_nothing_to_do(self, client, program, window, ranked):
        ChoicePolicy.objects.create(program=program, mentor_participation=MentorParticipation.SCORES)
        mentor_app, _ = ranked
        client.force_login(mentor_app.applicant)
        html = client.get(reverse("matching:rank_list", args=[window.pk])).content.decode()
        assert "nothing for you to do" in html and "Add to my list" not in html

    def test_verdict_page_buttons(self, client, program, window, ranked):
        ChoicePolicy.objects.create(program=program, mentor_participation=MentorParticipation.VERDICT)
        mentor_app, (first, _, _) = ranked
        client.force_login(mentor_app.applicant)
        url = reverse("matching:rank_list", args=[window.pk])
        response = client.post(
            url, {"action": "verdict", "candidate": first.pk, "verdict": "happy"}, follow=True
        )
        assert "Your answer about" in response.content.decode()
        assert MentorVerdict.objects.get(mentee=first).verdict == "happy"


class TestRankListPage:
    def test_a_mentee_builds_their_list_with_buttons(self, client, program, window, learner):
        mentee = accepted_mentee(program, learner)
        a, b = profiled_mentor(program), profiled_mentor(program)
        client.force_login(learner)
        url = reverse("matching:rank_list", args=[window.pk])
        for action, who in (("add", a), ("add", b), ("up", b)):
            assert client.post(url, {"action": action, "candidate": who.pk}).status_code == 302
        assert [e.candidate_id for e in selectors.rank_list_for(window, mentee)] == [b.pk, a.pk]
        html = client.get(url).content.decode()
        assert "1st choice" in html and "Move down" in html and "Remove" in html

    def test_add_goes_back_to_where_it_came_from_but_only_on_this_site(
        self, client, program, window, learner
    ):
        accepted_mentee(program, learner)
        a, b = profiled_mentor(program), profiled_mentor(program)
        client.force_login(learner)
        url = reverse("matching:rank_list", args=[window.pk])
        back = reverse("matching:mentor_profiles") + "?q=x"
        assert client.post(url, {"action": "add", "candidate": a.pk, "next": back})["Location"] == back
        evil = client.post(url, {"action": "add", "candidate": b.pk, "next": "https://evil.example/"})
        assert evil["Location"] == url

    def test_bad_posts_are_a_message_not_a_500(self, client, program, window, learner):
        accepted_mentee(program, learner)
        mentor_app = profiled_mentor(program)
        client.force_login(learner)
        url = reverse("matching:rank_list", args=[window.pk])
        for data in (
            {"action": "add", "candidate": "abc"},
            {"action": "fly", "candidate": mentor_app.pk},
            {},
        ):
            response = client.post(url, data, follow=True)
            assert response.status_code == 200 and "alert" in response.content.decode()
        big = client.post(url, {"action": "add", "candidate": "9" * 30}, follow=True)
        assert big.status_code == 200 and not RankEntry.objects.exists()

    def test_after_the_window_the_list_is_read_only(self, client, program, window, learner):
        mentee = accepted_mentee(program, learner)
        a, b = profiled_mentor(program), profiled_mentor(program)
        services.rank_list_save(round_=window, owner=mentee, candidate_ids=[a.pk, b.pk])
        Round.objects.filter(pk=window.pk).update(ranking_closes_at=timezone.now() - timedelta(minutes=1))
        client.force_login(learner)
        url = reverse("matching:rank_list", args=[window.pk])
        html = client.get(url).content.decode()
        assert "Ranking closed on" in html and "Move down" not in html and "Remove" not in html
        response = client.post(url, {"action": "remove", "candidate": a.pk}, follow=True)
        assert "closed" in response.content.decode()
        assert [e.candidate_id for e in selectors.rank_list_for(window, mentee)] == [a.pk, b.pk]

    def test_nobody_else_sees_a_persons_list(
        self, client, program, window, learner, outsider, coordinator_of
    ):
        mentee = accepted_mentee(program, learner)
        mentor_app = profiled_mentor(program, UserFactory(name="Ranked Mentor"))
        services.rank_list_save(round_=window, owner=mentee, candidate_ids=[mentor_app.pk])
        url = reverse("matching:rank_list", args=[window.pk])
        other_mentee = accepted_mentee(program)
        client.force_login(other_mentee.applicant)
        html = client.get(url).content.decode()
        assert "Ranked Mentor" not in html and "Your list is empty" in html
        for user in (outsider, coordinator_of(program), coordinator_of(ProgramFactory())):
            client.force_login(user)
            assert client.get(url).status_code == 404
            client.post(url, {"action": "remove", "candidate": mentor_app.pk})
        assert len(selectors.rank_list_for(window, mentee)) == 1

    def test_a_round_without_a_window_has_no_rank_list(self, client, program, learner):
        accepted_mentee(program, learner)
        round_ = Round.objects.create(program=program, name="No ranking")
        client.force_login(learner)
        assert client.get(reverse("matching:rank_list", args=[round_.pk])).status_code == 404


class TestWhereTheWindowIsShown:
    def test_the_program_page_shows_an_open_window(self, client, program, window):
        html = client.get(program.get_absolute_url()).content.decode()
        closes = timezone.localtime(window.ranking_closes_at)
        assert f"Ranking is open until {closes.day} {closes:%B}" in html

    def test_and_a_planned_one(self, client, program):
        opens = timezone.now() + timedelta(days=10)
        Round.objects.create(
            program=program, name="Later", ranking_opens_at=opens, ranking_closes_at=opens + timedelta(days=7)
        )
        html = client.get(program.get_absolute_url()).content.decode()
        assert f"Ranking opens on {timezone.localtime(opens).day} " in html

    def test_a_closed_or_private_window_is_not_shown(self, client, program):
        now = timezone.now()
        Round.objects.create(
            program=program, name="Past", ranking_opens_at=now - timedelta(days=9), ranking_closes_at=now
        )
        Round.objects.create(
            program=program,
            name="Private",
            is_public=False,
            ranking_opens_at=now,
            ranking_closes_at=now + timedelta(days=1),
        )
        assert "Ranking" not in client.get(program.get_absolute_url()).content.decode()

    def test_the_learners_home_calls_them_to_rank(self, client, program, window, learner):
        accepted_mentee(program, learner)
        client.force_login(learner)
        html = client.get(reverse("my_home")).content.decode()
        assert "Rank your mentors" in html and reverse("matching:rank_list", args=[window.pk]) in html

    def test_a_mentor_is_called_unless_scores_speak_for_them(self, client, program, window, mentor):
        profiled_mentor(program, mentor)
        client.force_login(mentor)
        assert "See the mentees who chose you" in client.get(reverse("my_home")).content.decode()
        ChoicePolicy.objects.create(program=program, mentor_participation=MentorParticipation.SCORES)
        assert "See the mentees who chose you" not in client.get(reverse("my_home")).content.decode()


class TestRankListQueries:
    def test_the_mentees_page_does_not_grow_with_the_list(
        self, client, program, window, learner, django_assert_num_queries
    ):
        # session, user; the round; the person's place on the waitlist and as
        # a mentor; the choice settings; the list with its mentors and
        # profiles; the mentors they may rank (eligible_mentors_for: 8).
        TierFactory(program=program)
        mentee = accepted_mentee(program, learner)
        mentors = [profiled_mentor(program).pk for _ in range(5)]
        services.rank_list_save(round_=window, owner=mentee, candidate_ids=mentors[:1])
        client.force_login(learner)
        url = reverse("matching:rank_list", args=[window.pk])
        with django_assert_num_queries(15):
            client.get(url)
        services.rank_list_save(round_=window, owner=mentee, candidate_ids=mentors)
        with django_assert_num_queries(15):
            assert client.get(url).content.decode().count("choice:</strong>") == 5

    def test_the_mentors_page_does_not_grow_with_the_mentees_who_ranked_them(
        self, client, program, window, mentor, django_assert_num_queries
    ):
        # session, user; the round; the person's place on the waitlist and as
        # a mentor; the choice settings; their list; the mentees who ranked
        # them with their specialties and outcomes (3); their verdicts.
        mentor_app = profiled_mentor(program, mentor, capacity=10)
        client.force_login(mentor)
        url = reverse("matching:rank_list", args=[window.pk])

        def ranked_by(count):
            for _ in range(count):
                mentee = accepted_mentee(program, specialties=["Surgery"])
                services.rank_list_save(round_=window, owner=mentee, candidate_ids=[mentor_app.pk])

        ranked_by(1)
        with django_assert_num_queries(11):
            client.get(url)
        ranked_by(6)
        with django_assert_num_queries(11):
            assert client.get(url).content.decode().count(">Add to my list<") == 7


class TestTheWindowOpensAndCloses:
    def test_the_same_list_before_during_and_after_the_window(self, client, program, learner):
        opens = timezone.now() + timedelta(days=7)
        round_ = Round.objects.create(
            program=program,
            name="Spring",
            ranking_opens_at=opens,
            ranking_closes_at=opens + timedelta(days=14),
        )
        accepted_mentee(program, learner)
        mentor_app = profiled_mentor(program)
        client.force_login(learner)
        url = reverse("matching:rank_list", args=[round_.pk])
        add = {"action": "add", "candidate": mentor_app.pk}
        html = client.get(url).content.decode()
        assert "Ranking opens on" in html
        assert "closed" in client.post(url, add, follow=True).content.decode()
        with time_machine.travel(opens + timedelta(days=1)):
            client.force_login(learner)
            assert "Ranking is open until" in client.get(url).content.decode()
            client.post(url, add)
            assert "1st choice" in client.get(url).content.decode()
        with time_machine.travel(opens + timedelta(days=14)):
            client.force_login(learner)
            html = client.get(url).content.decode()
            assert "Ranking closed on" in html and "1st choice" in html and "Remove" not in html


def test_mentors_accepted_before_profiles_existed_get_one_by_migration(program):
    migration = import_module("matching.migrations.0004_choice_participant_mentor_profiles")
    accepted = accepted_mentor(
        program, mentor_role="clinician", department="Surgery", specialties=["Surgery"]
    )
    kept = profiled_mentor(program)
    MentorProfile.objects.filter(application=kept).update(headline="Written by hand")
    submitted = make_mentor_application(program)
    migration.create_missing_profiles(apps, None)
    assert MentorProfile.objects.get(application=accepted).headline == "Clinician, Surgery"
    assert [s.name for s in MentorProfile.objects.get(application=accepted).specialties.all()] == ["Surgery"]
    assert MentorProfile.objects.get(application=kept).headline == "Written by hand"
    assert not MentorProfile.objects.filter(application=submitted).exists()
