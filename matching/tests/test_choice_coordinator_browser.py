"""A round with rank lists, from the coordinator's side, in Chromium."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from conftest import assert_accessible, assert_fits_phone_and_desktop, login, make_user
from matching import engine, selectors, services
from matching.models import (
    ChoicePolicy,
    Exclusion,
    Match,
    MatchStatus,
    MentorParticipation,
    RankEntry,
    RankList,
    Round,
)
from tests.factories import ProgramFactory, accepted_mentee, accepted_mentor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def add_to_list(page, *names: str) -> None:
    for name in names:
        page.get_by_role("button", name=f"Add to my list: {name}").click()
        page.wait_for_load_state()


def test_a_full_round_ranked_in_the_browser_then_run_and_published(page, coordinator_of, mailoutbox):
    """Two mentees and two mentors rank each other through their pages while
    the window is open; the window closes (frozen time); the coordinator runs
    stable matching on the board, sees the ranks and the summary, and
    publishes. The pairs are the engine's on the lists the pages saved."""
    program = ProgramFactory(slug="choice", name="Choice Mentorship")
    coordinator = coordinator_of(program)
    ChoicePolicy.objects.create(program=program, max_ranks=2, mentor_participation=MentorParticipation.RANK)
    closes = timezone.now() + timedelta(hours=1)
    round_ = Round.objects.create(
        program=program,
        name="Round 1, Spring",
        ranking_opens_at=closes - timedelta(days=7),
        ranking_closes_at=closes,
    )
    people = {}
    for name in ("Ada Mentee", "Ben Mentee"):
        user = make_user(f"{name.split()[0].lower()}@mail.example.edu", name=name)
        people[name] = accepted_mentee(program, user, specialties=["Paediatrics"])
    for name in ("Dee Mentor", "Eli Mentor"):
        user = make_user(f"{name.split()[0].lower()}@hospital.example.org", name=name)
        people[name] = accepted_mentor(program, user, capacity=1, specialties=["Paediatrics"])
        services.mentor_profile_create_from(people[name])
    ada, ben, dee, eli = (people[n] for n in ("Ada Mentee", "Ben Mentee", "Dee Mentor", "Eli Mentor"))

    # Both mentees want Dee first; Dee prefers Ben, Eli prefers Ada.
    for email in ("ada@mail.example.edu", "ben@mail.example.edu"):
        page.context.clear_cookies()
        login(page, email)
        page.goto("/mentors/")
        add_to_list(page, "Dee Mentor")
        page.goto("/mentors/")
        add_to_list(page, "Eli Mentor")
    for email, order in (
        ("dee@hospital.example.org", ("Ben Mentee", "Ada Mentee")),
        ("eli@hospital.example.org", ("Ada Mentee", "Ben Mentee")),
    ):
        page.context.clear_cookies()
        login(page, email)
        page.goto(f"/my/rankings/{round_.pk}/")
        add_to_list(page, *order)
    lists = {a.pk: [e.candidate_id for e in selectors.rank_list_for(round_, a)] for a in (ada, ben, dee, eli)}
    assert lists == {
        ada.pk: [dee.pk, eli.pk],
        ben.pk: [dee.pk, eli.pk],
        dee.pk: [ben.pk, ada.pk],
        eli.pk: [ada.pk, ben.pk],
    }
    expected = engine.stable_match(
        {ada.pk: lists[ada.pk], ben.pk: lists[ben.pk]},
        {dee.pk: lists[dee.pk], eli.pk: lists[eli.pk]},
        {dee.pk: 1, eli.pk: 1},
    )

    page.context.clear_cookies()
    with time_machine.travel(closes + timedelta(minutes=5), tick=True):
        login(page, coordinator.email)
        page.goto(f"/admin/matching/round/{round_.pk}/board/")
        assert page.get_by_role("heading", name="Rank lists: round summary").is_visible()
        page.get_by_role("link", name="Compare the two results before you pick one").click()
        page.wait_for_load_state()
        assert page.get_by_role(
            "heading", name="Stable and optimal matching on the same rank lists"
        ).is_visible()
        assert not Match.objects.exists()  # a preview
        assert_accessible(page, "matching-board-ranked-compare")

        page.get_by_role("button", name="Run stable matching").click()
        page.wait_for_load_state()
        assert page.get_by_text("Stable matching: 2 pairs proposed").is_visible()
        proposals = page.get_by_role("region", name="Draft pairs (scrolls sideways)")
        assert proposals.get_by_text("mentee's 1st choice · mentor's 1st").is_visible()  # Ben with Dee
        assert proposals.get_by_text("mentee's 2nd choice · mentor's 1st").is_visible()  # Ada with Eli
        summary = page.get_by_role("table", name="The draft's pairs and the published matches")
        assert summary.get_by_role("row", name="Got their 1st choice 1").is_visible()
        assert summary.get_by_role("row", name="Got their 2nd choice 1").is_visible()
        assert_fits_phone_and_desktop(page, "matching-board-ranked")

        page.get_by_role("button", name="Publish 2 pairs").click()
        page.wait_for_load_state()
        page.get_by_role("button", name="Publish 2 pairs and send the emails").click()
        page.wait_for_load_state()
        assert page.get_by_text("Published 2 matches").is_visible()

    published = dict(
        Match.objects.filter(round=round_, status=MatchStatus.PUBLISHED).values_list("mentee_id", "mentor_id")
    )
    assert published == expected == {ada.pk: eli.pk, ben.pk: dee.pk}
    assert len([m for m in mailoutbox if "meet your" in m.subject]) == 4

    # Where the coordinator set the window and the program's settings.
    page.goto(f"/admin/matching/round/{round_.pk}/change/")
    assert page.get_by_role("heading", name="Ranking window").is_visible()
    assert_fits_phone_and_desktop(page, "matching-round-ranking-window")
    policy = ChoicePolicy.objects.get(program=program)
    page.goto(f"/admin/matching/choicepolicy/{policy.pk}/change/")
    page.get_by_label("Mentors a mentee may rank").fill("30")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text("Enter a number from 1 to 20.").is_visible()
    assert_fits_phone_and_desktop(page, "matching-choice-settings-error")


def test_the_comparison_of_stable_and_optimal_fits_a_phone_and_a_desktop(page, coordinator_of):
    """Where the two results differ (optimal on the ranks matches one more
    mentee), the preview's tables pass axe at both widths."""
    program = ProgramFactory(slug="compare", name="Compare Mentorship")
    coordinator = coordinator_of(program)
    ChoicePolicy.objects.create(program=program, max_ranks=2, mentor_participation=MentorParticipation.RANK)
    now = timezone.now()
    round_ = Round.objects.create(
        program=program, name="Round 1", ranking_opens_at=now - timedelta(days=7), ranking_closes_at=now
    )
    ann = accepted_mentee(program, make_user("ann@mail.example.edu", name="Ann Mentee"))
    bob = accepted_mentee(program, make_user("bob@mail.example.edu", name="Bob Mentee"))
    xia = accepted_mentor(program, make_user("xia@hospital.example.org", name="Xia Mentor"), capacity=1)
    yan = accepted_mentor(program, make_user("yan@hospital.example.org", name="Yan Mentor"), capacity=1)
    Exclusion.objects.create(program=program, mentee=ann, mentor=yan)
    for owner, candidates in ((ann, [xia]), (bob, [xia, yan]), (xia, [bob, ann])):
        rank_list = RankList.objects.create(round=round_, owner=owner)
        for position, candidate in enumerate(candidates, 1):
            RankEntry.objects.create(rank_list=rank_list, candidate=candidate, position=position)

    login(page, coordinator.email)
    page.goto(f"/admin/matching/round/{round_.pk}/board/?compare=1")
    differ = page.get_by_role("table", name="Pairs that differ (2)")
    assert differ.get_by_role("row", name="Ann Mentee Unmatched Xia Mentor").is_visible()
    assert_fits_phone_and_desktop(page, "matching-board-compare-differs")
    assert not Match.objects.exists()
