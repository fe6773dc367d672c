"""Participant choice in Chromium: two mentees and two mentors (who rank, as
the program asks) rank each other through the pages during an open window,
with the keyboard for part of it; every page fits a phone and passes axe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import assert_fits_phone_and_desktop, login, make_user
from matching import selectors, services
from matching.models import ChoicePolicy, MentorParticipation, MentorVerdict, Round
from programs.models import Outcome
from tests.factories import ProgramFactory, accepted_mentee, accepted_mentor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def names(entries) -> list[str]:
    return [e.candidate.applicant.name for e in entries]


def test_two_mentees_and_two_mentors_rank_each_other(page):
    program = ProgramFactory(slug="choice", name="Choice Mentorship")
    outcome = Outcome.objects.create(program=program, text="Advice on choosing a specialty")
    ChoicePolicy.objects.create(program=program, max_ranks=3, mentor_participation=MentorParticipation.RANK)
    now = timezone.now()
    round_ = Round.objects.create(
        program=program,
        name="Round 1, Spring",
        ranking_opens_at=now - timedelta(hours=1),
        ranking_closes_at=now + timedelta(days=5),
    )
    people = {}
    for name in ("Ada Mentee", "Ben Mentee"):
        user = make_user(f"{name.split()[0].lower()}@mail.example.edu", name=name)
        people[name] = accepted_mentee(program, user, specialties=["Paediatrics"], outcomes=[outcome])
    for name, specialty in (("Dee Mentor", "Paediatrics"), ("Eli Mentor", "Cardiovascular surgery")):
        user = make_user(f"{name.split()[0].lower()}@hospital.example.org", name=name)
        people[name] = accepted_mentor(program, user, capacity=1, specialties=[specialty], outcomes=[outcome])
        services.mentor_profile_create_from(people[name])

    # Ada browses, filters, reads a profile and ranks both mentors.
    login(page, "ada@mail.example.edu")
    page.get_by_role("link", name="Rank your mentors").click()
    page.get_by_role("link", name="Browse mentors to add").click()
    assert_fits_phone_and_desktop(page, "choice-profiles")
    page.get_by_label("Specialty").select_option(label="Cardiovascular surgery")
    page.get_by_role("button", name="Show mentors").click()
    assert page.get_by_role("heading", name="1 of 2 mentors match your filters").is_visible()
    page.get_by_role("link", name="Eli Mentor").click()
    assert_fits_phone_and_desktop(page, "choice-profile")
    assert "eli@hospital.example.org" not in page.content()
    page.get_by_role("button", name="Add to my list: Eli Mentor").click()
    assert page.get_by_text("your 1st choice").is_visible()
    page.get_by_role("link", name="Mentors", exact=True).click()
    page.get_by_role("button", name="Add to my list: Dee Mentor").click()
    page.get_by_role("link", name="My rank list").click()
    page.get_by_role("button", name="Move up: Dee Mentor").click()
    assert_fits_phone_and_desktop(page, "choice-rank-list")
    assert names(selectors.rank_list_for(round_, people["Ada Mentee"])) == ["Dee Mentor", "Eli Mentor"]

    # Ben uses only the keyboard: he ranks Dee, then Eli, then takes Eli off.
    page.context.clear_cookies()
    login(page, "ben@mail.example.edu")
    page.goto("/mentors/")
    page.get_by_role("button", name="Add to my list: Dee Mentor").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_role("button", name="Add to my list: Eli Mentor").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(f"/my/rankings/{round_.pk}/")
    page.get_by_role("button", name="Remove: Eli Mentor").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert names(selectors.rank_list_for(round_, people["Ben Mentee"])) == ["Dee Mentor"]

    # Dee writes her profile and ranks the two mentees who chose her.
    page.context.clear_cookies()
    login(page, "dee@hospital.example.org")
    page.get_by_role("link", name="Your Choice Mentorship mentor profile").click()
    assert_fits_phone_and_desktop(page, "choice-profile-edit")
    page.get_by_label("About you, in your own words").fill("Paediatrician; I like to teach at the bedside.")
    page.get_by_role("button", name="Save your profile").click()
    assert page.get_by_text("I like to teach at the bedside").is_visible()
    page.goto("/home/")
    page.get_by_role("link", name="See the mentees who chose you").click()
    page.get_by_role("button", name="Add to my list: Ben Mentee").click()
    page.get_by_role("button", name="Add to my list: Ada Mentee").click()
    assert_fits_phone_and_desktop(page, "choice-mentor-ranking")
    assert "Advice on choosing a specialty" in page.content()
    assert names(selectors.rank_list_for(round_, people["Dee Mentor"])) == ["Ben Mentee", "Ada Mentee"]

    # Eli ranks Ada, the only mentee who still has him on her list.
    page.context.clear_cookies()
    login(page, "eli@hospital.example.org")
    page.goto(f"/my/rankings/{round_.pk}/")
    assert "Ben Mentee" not in page.content()
    page.get_by_role("button", name="Add to my list: Ada Mentee").click()
    assert names(selectors.rank_list_for(round_, people["Eli Mentor"])) == ["Ada Mentee"]


def test_a_mentor_marks_the_mentees_who_chose_them(page):
    program = ProgramFactory(slug="verdicts", name="Verdict Mentorship")
    ChoicePolicy.objects.create(program=program, mentor_participation=MentorParticipation.VERDICT)
    now = timezone.now()
    round_ = Round.objects.create(
        program=program,
        name="Round 1",
        ranking_opens_at=now - timedelta(hours=1),
        ranking_closes_at=now + timedelta(days=2),
    )
    mentor_app = accepted_mentor(
        program, make_user("dee@hospital.example.org", name="Dee Mentor"), capacity=2
    )
    services.mentor_profile_create_from(mentor_app)
    for name in ("Ada Mentee", "Ben Mentee"):
        mentee = accepted_mentee(program, make_user(f"{name[:3].lower()}@mail.example.edu", name=name))
        services.rank_list_save(round_=round_, owner=mentee, candidate_ids=[mentor_app.pk])

    page.goto(program.get_absolute_url())
    assert page.get_by_text("Ranking is open until").is_visible()
    assert_fits_phone_and_desktop(page, "choice-program-page")
    login(page, "dee@hospital.example.org")
    page.get_by_role("link", name="See the mentees who chose you").click()
    page.get_by_role("button", name="Happy to mentor: Ada Mentee").click()
    page.get_by_role("button", name="Rather not: Ben Mentee").click()
    assert_fits_phone_and_desktop(page, "choice-mentor-verdicts")
    assert dict(
        MentorVerdict.objects.filter(round=round_).values_list("mentee__applicant__name", "verdict")
    ) == {"Ada Mentee": "happy", "Ben Mentee": "rather_not"}
