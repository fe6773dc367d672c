import pytest

from conftest import (
    DESKTOP,
    PHONE,
    assert_accessible,
    assert_fits_phone_and_desktop,
    assert_no_horizontal_scroll,
    login,
    make_user,
)
from matching import services
from matching.models import Match, MatchStatus, Round
from tests.factories import accepted_mentee, accepted_mentor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_runs_adjusts_and_publishes_a_dmp_round(page, demo, coordinator_of, mailoutbox):
    dmp = demo["dmp"]
    coordinator = coordinator_of(dmp)
    round_ = Round.objects.create(program=dmp, name="Round 2, Winter 2026")
    people = {}
    for name in ("Ada Mentee", "Ben Mentee", "Cai Mentee"):
        user = make_user(f"{name.split()[0].lower()}@mail.example.edu", name=name, pronouns="they/them")
        people[name] = accepted_mentee(dmp, user, specialties=["Paediatrics"])
    for name in ("Dee Mentor", "Eli Mentor"):
        user = make_user(f"{name.split()[0].lower()}@hospital.example.org", name=name, pronouns="she/her")
        people[name] = accepted_mentor(dmp, user, capacity=1, specialties=["Paediatrics"])

    login(page, coordinator.email)
    page.goto("/admin/matching/round/")
    assert_accessible(page, "matching-round-list")
    page.get_by_role("link", name=f"Open the board for {round_}").click()
    page.wait_for_url(f"**/admin/matching/round/{round_.pk}/board/")
    assert page.get_by_role("heading", name=f"Matching board: {round_}").is_visible()
    assert page.get_by_text("both interested in paediatrics").first.is_visible()
    assert_accessible(page, "matching-board-before")

    page.get_by_role("button", name="Run stable matching").click()
    page.wait_for_load_state()
    assert page.get_by_text("Stable matching: 2 pairs proposed").is_visible()
    proposals = list(
        Match.objects.filter(round=round_, status=MatchStatus.PROPOSED).select_related(
            "mentee__applicant", "mentor__applicant"
        )
    )
    assert len(proposals) == 2
    removed = proposals[0]
    page.get_by_role("button", name=f"Remove and don't suggest again (the pair {removed})").click()
    page.wait_for_load_state()
    assert page.get_by_text(f"Removed {removed} and excluded the pair").is_visible()

    waiting = next(
        a
        for a in people.values()
        if a.role == "mentee" and a.pk != removed.mentee_id and not Match.objects.filter(mentee=a).exists()
    )
    mentee_select = page.get_by_label("Mentee", exact=True)
    mentor_select = page.get_by_label("Mentor", exact=True)
    assert str(waiting.applicant) in mentee_select.inner_text()
    mentee_select.select_option(value=str(waiting.pk))
    mentor_select.select_option(value=str(removed.mentor_id))
    page.get_by_role("button", name="Add pair").click()
    page.wait_for_load_state()
    assert page.get_by_text(
        f"Added {waiting.applicant} with {removed.mentor.applicant} to the draft."
    ).is_visible()
    assert_accessible(page, "matching-board-draft")

    page.get_by_role("button", name="Publish 2 pairs").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Who will be emailed (4)").is_visible()
    assert not mailoutbox and not Match.objects.filter(status=MatchStatus.PUBLISHED).exists()
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        assert_no_horizontal_scroll(page)
        assert_accessible(page, f"matching-confirm-publish-{label}")
    page.get_by_role("button", name="Publish 2 pairs and send the emails").click()
    page.wait_for_load_state()
    assert page.get_by_text("Published 2 matches").is_visible()
    assert_accessible(page, "matching-board-after")

    published = list(
        Match.objects.filter(round=round_, status=MatchStatus.PUBLISHED).select_related(
            "mentee__applicant", "mentor__applicant"
        )
    )
    assert len(published) == 2
    intros = [m for m in mailoutbox if "meet your" in m.subject]
    expected = sorted(
        [(m.mentee.applicant.email, "mentor") for m in published]
        + [(m.mentor.applicant.email, "mentee") for m in published]
    )
    assert sorted((m.to[0], m.subject.rsplit("meet your ", 1)[1].split(",")[0]) for m in intros) == expected

    page.goto(f"/admin/matching/round/{round_.pk}/change/")
    assert_accessible(page, "matching-round-change")
    page.goto(f"/admin/matching/round/{round_.pk}/board/suggestions/{removed.mentee_id}/")
    assert_accessible(page, "matching-suggestions")
    page.goto(f"/admin/matching/round/{round_.pk}/board/end/{published[0].pk}/")
    assert_accessible(page, "matching-end-match")
    emailed = page.get_by_role("region", name="Who will be emailed")
    assert emailed.get_by_text(published[0].mentee.applicant.email).is_visible()
    page.get_by_label("End their participation").check()
    page.get_by_role("button", name="End the match").click()
    page.wait_for_load_state()
    assert page.get_by_text("Say why the match ends.").is_visible()
    assert page.get_by_label("End their participation").is_checked()  # nothing chosen is lost
    assert_accessible(page, "matching-end-match-error")
    assert Match.objects.get(pk=published[0].pk).status == MatchStatus.PUBLISHED

    page.context.clear_cookies()
    login(page, published[0].mentee.applicant.email)
    # Signing in lands on the home page (issue 16), which links there too: take the menu's link.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My mentorships").click()
    page.wait_for_url("**/my/mentorships/")
    assert page.get_by_text(str(published[0].mentor.applicant.email)).is_visible()
    assert_accessible(page, "my-mentorships")


def test_rolling_intake_offers_the_first_waitlisted_mentee(page, demo, coordinator_of, mailoutbox):
    dmp = demo["dmp"]
    coordinator = coordinator_of(dmp)
    round_ = Round.objects.create(program=dmp, name="Round 1, Fall 2025", status="published")
    mentee = accepted_mentee(
        dmp, make_user("late@mail.example.edu", name="Lou Late"), specialties=["Surgery"]
    )
    accepted_mentor(dmp, make_user("mo@hospital.example.org", name="Mo Mentor"), specialties=["Surgery"])

    login(page, coordinator.email)
    page.goto(f"/admin/matching/round/{round_.pk}/board/")
    assert page.get_by_role("heading", name="Next on the waitlist").is_visible()
    assert_accessible(page, "matching-board-rolling")
    page.get_by_role("button", name="Match Lou Late with Mo Mentor").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Who will be emailed (2)").is_visible() and not mailoutbox
    page.get_by_role("button", name="Match, publish and send the emails").click()
    page.wait_for_load_state()
    assert page.get_by_text("Matched Lou Late with Mo Mentor").is_visible()
    assert Match.objects.get(mentee=mentee).status == MatchStatus.PUBLISHED
    assert sorted(m.to[0] for m in mailoutbox if "meet your" in m.subject) == [
        "late@mail.example.edu",
        "mo@hospital.example.org",
    ]


def test_a_matched_mentee_withdraws_and_the_mentorship_ends(page, demo, mailoutbox):
    dmp = demo["dmp"]
    round_ = Round.objects.create(program=dmp, name="Round 1, Fall 2025", status="published")
    mentee = accepted_mentee(dmp, make_user("wren@mail.example.edu", name="Wren Withdraws"))
    mentor = accepted_mentor(dmp, make_user("mo@hospital.example.org", name="Mo Mentor"), capacity=1)
    match = services.match_publish_one(round_=round_, mentee=mentee, mentor=mentor)

    login(page, "wren@mail.example.edu")
    page.goto(f"/my/applications/{mentee.pk}/withdraw/")
    assert page.get_by_role("heading", name="Your mentorship will end").is_visible()
    assert page.get_by_text("You are matched with your mentor, Mo Mentor.").is_visible()
    assert_accessible(page, "withdraw-matched-mentee")
    page.get_by_role("button", name="Withdraw and end the mentorship").click()
    page.wait_for_url("**/my/applications/")
    assert page.get_by_text("Your mentorship with Mo Mentor has ended").is_visible()
    assert Match.objects.get(pk=match.pk).status == MatchStatus.ENDED
    assert any(m.to == ["mo@hospital.example.org"] and "has withdrawn" in m.subject for m in mailoutbox)


def test_the_board_fits_a_phone_and_a_desktop(page, demo, coordinator_of):
    """A full draft (every table filled) neither scrolls the page sideways at
    390 px nor breaks at 1280 px; wide tables scroll inside their own box."""
    dmp = demo["dmp"]
    coordinator = coordinator_of(dmp)
    round_ = Round.objects.create(program=dmp, name="Round 2, Winter 2026")
    for n, name in enumerate(("Ada Lovelace-Byron", "Ben Okonkwo-Smith", "Cai Wen", "Dara O'Neil")):
        user = make_user(f"mentee{n}@mail.example.edu", name=name, pronouns="they/them")
        accepted_mentee(dmp, user, specialties=["Paediatrics", "Surgery"])
    for n, name in enumerate(("Dee Mentor", "Eli Mentor")):
        user = make_user(f"mentor{n}@hospital.example.org", name=name, pronouns="she/her")
        accepted_mentor(dmp, user, capacity=1, specialties=["Paediatrics"])
    services.round_run(round_=round_, mode="stable")
    login(page, coordinator.email)
    page.goto(f"/admin/matching/round/{round_.pk}/board/")
    assert_fits_phone_and_desktop(page, "matching-board")
