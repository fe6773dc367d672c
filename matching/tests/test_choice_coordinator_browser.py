"""A round with rank lists, from the coordinator's side, in Chromium."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from conftest import assert_accessible, assert_fits_phone_and_desktop, login, make_user
from matching import engine
from matching.models import (
    ChoicePolicy,
    Match,
    MatchStatus,
    MentorParticipation,
    RankEntry,
    RankList,
    Round,
)
from tests.factories import accepted_mentee, accepted_mentor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def rank(round_, owner, *candidates) -> None:
    rank_list = RankList.objects.create(round=round_, owner=owner)
    for position, candidate in enumerate(candidates, 1):
        RankEntry.objects.create(rank_list=rank_list, candidate=candidate, position=position)


def test_a_coordinator_runs_a_ranked_round_and_publishes_it(page, demo, coordinator_of, mailoutbox):
    dmp = demo["dmp"]
    coordinator = coordinator_of(dmp)
    ChoicePolicy.objects.create(program=dmp, max_ranks=2, mentor_participation=MentorParticipation.RANK)
    closes = timezone.now() + timedelta(hours=1)
    round_ = Round.objects.create(
        program=dmp,
        name="Round 2, Winter 2026",
        ranking_opens_at=closes - timedelta(days=7),
        ranking_closes_at=closes,
    )
    people = {}
    for name in ("Ada Mentee", "Ben Mentee"):
        people[name] = accepted_mentee(
            dmp, make_user(f"{name.split()[0].lower()}@mail.example.edu", name=name)
        )
    for name in ("Dee Mentor", "Eli Mentor"):
        user = make_user(f"{name.split()[0].lower()}@hospital.example.org", name=name)
        people[name] = accepted_mentor(dmp, user, capacity=1)
    ada, ben, dee, eli = (people[n] for n in ("Ada Mentee", "Ben Mentee", "Dee Mentor", "Eli Mentor"))
    # Both mentees want Dee first; Dee prefers Ben, Eli prefers Ada.
    rank(round_, ada, dee, eli)
    rank(round_, ben, dee, eli)
    rank(round_, dee, ben, ada)
    rank(round_, eli, ada, ben)
    expected = engine.stable_match(
        {ada.pk: [dee.pk, eli.pk], ben.pk: [dee.pk, eli.pk]},
        {dee.pk: [ben.pk, ada.pk], eli.pk: [ada.pk, ben.pk]},
        {dee.pk: 1, eli.pk: 1},
    )

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
    policy = ChoicePolicy.objects.get(program=dmp)
    page.goto(f"/admin/matching/choicepolicy/{policy.pk}/change/")
    page.get_by_label("Mentors a mentee may rank").fill("30")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text("Enter a number from 1 to 20.").is_visible()
    assert_fits_phone_and_desktop(page, "matching-choice-settings-error")
