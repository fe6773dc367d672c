"""Applying in Chromium, end to end, with axe on every form, error state and list."""

import re

import pytest
from playwright.sync_api import expect

from applications import demo as applications_demo
from applications.models import Application, IdentityDimension, IdentityDisclosure, Question, Role, Status
from conftest import (
    DESKTOP,
    PASSWORD,
    PHONE,
    assert_accessible,
    assert_keyboard_reaches_everything,
    assert_no_horizontal_scroll,
    login,
)
from tests.factories import make_mentee_application

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def programs(demo):
    applications_demo.seed_reference()
    return demo


def an_identity(program) -> IdentityDimension:
    """One of ``program``'s self-identification options, whatever its wording."""
    return program.identity_dimensions.filter(is_prefer_not=False).first()


def tier_label(program, number: int) -> str:
    tier = program.tiers.get(number=number)
    return f"{tier.name}: {tier.description}"


def fill_meeting(page, *, frequency=True):
    page.get_by_label("Virtual").check()
    if frequency:
        page.get_by_label("Monthly").check()
    page.get_by_label("Weekday evenings").check()


def test_a_learner_applies_to_dmp(page, programs, learner, mailoutbox):
    dmp = programs["dmp"]
    login(page, learner.email)
    page.goto("/programs/dmp/")
    page.get_by_role("link", name="Apply as a mentee").click()
    page.wait_for_url("**/programs/dmp/apply/mentee/")
    assert page.get_by_text("you may be placed on a waitlist").is_visible()
    # Prefilled from the profile.
    assert page.get_by_label("Learner type and year").input_value() != ""
    assert_accessible(page, "apply-dmp-mentee")

    # Only what DMP admits is offered (issue 16: a resident physician used to be,
    # and was then refused). A forgotten answer is caught, and nothing typed is lost.
    options = page.get_by_label("Learner type and year").locator("option").all_inner_texts()
    assert "Resident physician" not in options
    page.get_by_label(dmp.outcomes.first().text, exact=True).check()
    page.get_by_label("Psychiatry").check()
    page.get_by_label("What do you hope for from a mentor?").fill(
        "Guidance on <b>residency</b> applications."
    )
    page.get_by_label("Virtual").check()
    page.get_by_label(an_identity(dmp).label, exact=True).check()
    page.get_by_label("Another identity, in your own words").fill("Afro-Caribbean")
    page.get_by_label("I consent to the program's coordinators using these answers").check()
    page.get_by_label("I would like a mentor who shares an identity").check()
    page.get_by_role("button", name="Submit application").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()  # its script moves the focus: wait for it
    assert summary.get_by_role("link").all_inner_texts() == [
        "How often would you like to meet?: Choose how often you would like to meet.",
        "When are you usually available?: Choose at least one time when you are usually available.",
    ]
    assert page.get_by_label("What do you hope for from a mentor?").input_value() == (
        "Guidance on <b>residency</b> applications."
    )
    assert page.get_by_label("Another identity, in your own words").input_value() == "Afro-Caribbean"
    assert page.get_by_label("Psychiatry").is_checked()
    assert_accessible(page, "apply-dmp-mentee-error")

    page.get_by_label("Monthly").check()
    page.get_by_label("Weekday evenings").check()
    page.get_by_role("button", name="Submit application").click()
    page.wait_for_url(re.compile(r".*/my/applications/\d+/$"))
    assert page.get_by_text("your DMP mentee application was submitted").is_visible()
    assert page.get_by_text("Guidance on <b>residency</b> applications.").is_visible()
    assert_accessible(page, "application-detail")

    application = Application.objects.get()
    assert application.learner_type.code == "MD2" and application.identity.self_described == "Afro-Caribbean"
    confirmation = [m for m in mailoutbox if m.to == [learner.email]]
    assert len(confirmation) == 1
    assert confirmation[0].subject == "We received your DMP mentee application"
    assert "Afro-Caribbean" not in confirmation[0].body

    page.get_by_role("link", name="My applications").first.click()
    page.wait_for_url("**/my/applications/")
    assert page.get_by_role("cell", name="Submitted", exact=True).is_visible()
    assert_accessible(page, "my-applications")

    page.get_by_role("link", name="Change DMP mentee application").click()
    page.wait_for_url("**/edit/")
    assert_accessible(page, "application-edit")
    page.get_by_label("What do you hope for from a mentor?").fill("")
    page.get_by_role("button", name="Save changes").click()
    assert page.get_by_text("Tell us briefly what you hope for from a mentor.").first.is_visible()
    assert_accessible(page, "application-edit-error")


def test_an_upper_year_md_student_applies_to_ilead_as_mentee_and_mentor(page, programs, learner):
    ilead = programs["ilead"]
    login(page, learner.email)
    page.goto("/programs/ilead/apply/mentee/")
    assert_accessible(page, "apply-ilead-mentee")
    page.get_by_label(tier_label(ilead, 2)).check()
    page.get_by_label("Learner type and year").select_option(label="MD year 3")
    page.get_by_label("What do you hope for from a mentor?").fill("Advice on electives.")
    fill_meeting(page)
    page.get_by_label(ilead.questions.get(kind=Question.Kind.MULTIPLE_CHOICE).choice_list[0]).check()
    page.get_by_role("button", name="Submit application").click()
    page.wait_for_url(re.compile(r".*/my/applications/\d+/$"))

    page.goto("/programs/ilead/apply/mentor/")
    assert_accessible(page, "apply-ilead-mentor")
    # Tier 1 is mentored by upper-year MD students; forgetting the year is caught.
    page.get_by_label(tier_label(ilead, 1)).check()
    page.get_by_label("Upper-year MD student").check()
    page.get_by_label("Year", exact=True).select_option("")
    page.get_by_label("Main hospital site").select_option(label="University campus")
    page.get_by_label("How many mentees can you take?").fill("2")
    fill_meeting(page, frequency=False)
    page.get_by_role("button", name="Submit application").click()
    assert page.get_by_text("Choose your year of study.").first.is_visible()
    assert_accessible(page, "apply-ilead-mentor-error")
    page.get_by_label("Year", exact=True).select_option("3")
    page.get_by_role("button", name="Submit application").click()
    page.wait_for_url(re.compile(r".*/my/applications/\d+/$"))

    found = {(a.role, a.tier.number, a.learner_type.code) for a in Application.objects.all()}
    assert found == {(Role.MENTEE, 2, "MD3"), (Role.MENTOR, 1, "MD3")}
    page.goto("/my/applications/")
    assert page.get_by_role("cell", name="Tier 1", exact=True).is_visible()
    assert page.get_by_role("cell", name="Tier 2", exact=True).is_visible()
    assert_accessible(page, "my-applications-two")


def test_a_clinician_signs_up_as_a_dmp_mentor_with_a_hospital_email(page, programs, settings, mailoutbox):
    settings.INSTITUTION_EMAIL_DOMAINS = ["mail.example.edu"]
    page.goto("/programs/dmp/")
    page.get_by_role("link", name="Apply as a mentor").click()
    page.wait_for_url("**/accounts/login/?next=/programs/dmp/apply/mentor/")
    page.get_by_role("main").get_by_role("link", name=re.compile("sign up", re.I)).click()
    page.get_by_label("Email").fill("dr.kim@hospital.example.org")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url("**/programs/dmp/apply/mentor/")
    # Back at the form asked for; a mentor needs a verified (any) email first.
    assert page.get_by_role("heading", name="Verify your email address to apply").is_visible()
    assert_accessible(page, "apply-mentor-unverified")
    link = re.search(r"https?://\S+(/accounts/confirm-email/\S+/)", mailoutbox[-1].body).group(1)
    page.goto(link)
    with page.expect_navigation():  # the confirmation's POST lands before the form is asked for
        page.get_by_role("button", name="Confirm").click()
    page.goto("/programs/dmp/apply/mentor/")
    assert_accessible(page, "apply-dmp-mentor")

    page.get_by_label("Clinician / faculty").check()
    page.get_by_label("Specialty", exact=True).select_option(label="Emergency Medicine")
    page.get_by_label("Department or division").fill("Department of Emergency Medicine")
    page.get_by_label("Main hospital site").select_option(label="Sinai Health")
    page.get_by_label("How many mentees can you take?").fill("11")
    fill_meeting(page, frequency=False)
    yes_no = programs["dmp"].questions.get(kind=Question.Kind.YES_NO, required=True)
    page.get_by_role("group", name=yes_no.text).get_by_label("Yes").check()
    page.get_by_role("button", name="Submit application").click()
    assert page.get_by_text("You can take at most 10 mentees.").first.is_visible()
    assert_accessible(page, "apply-dmp-mentor-error")
    page.get_by_label("How many mentees can you take?").fill("3")
    page.get_by_role("button", name="Submit application").click()
    page.wait_for_url(re.compile(r".*/my/applications/\d+/$"))

    application = Application.objects.get()
    assert application.applicant.email == "dr.kim@hospital.example.org"
    assert (application.role, application.learner_type.code, application.capacity) == (Role.MENTOR, "FAC", 3)
    assert application.answers.get().value is True


def test_a_learner_withdraws_and_the_identity_answers_are_gone(page, programs, learner):
    dmp = programs["dmp"]
    application = make_mentee_application(
        dmp,
        learner,
        identity={"dimensions": [an_identity(dmp)], "consent_to_matching": True},
    )
    login(page, learner.email)
    page.goto(f"/my/applications/{application.pk}/identity/")
    assert_accessible(page, "identity")
    page.get_by_label(an_identity(dmp).label, exact=True).check()
    page.get_by_label(dmp.identity_dimensions.get(is_prefer_not=True).label, exact=True).check()
    page.get_by_role("button", name="Save", exact=True).click()
    assert page.get_by_text("keep one or the other").first.is_visible()
    assert_accessible(page, "identity-error")

    page.goto("/my/applications/")
    page.get_by_role("link", name="Withdraw DMP mentee application").click()
    page.wait_for_url("**/withdraw/")
    assert_accessible(page, "withdraw-confirm")
    page.get_by_role("button", name="Withdraw application").click()
    page.wait_for_url("**/my/applications/")
    assert page.get_by_text("Your application was withdrawn").is_visible()
    assert page.get_by_role("cell", name="Withdrawn", exact=True).is_visible()
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
    assert not IdentityDisclosure.objects.filter(application=application).exists()


def test_pages_work_from_the_keyboard(page, programs, learner):
    application = make_mentee_application(programs["dmp"], learner)
    login(page, learner.email)
    for path in (
        "/my/applications/",
        "/programs/ilead/apply/mentee/",
        "/programs/dmp/apply/mentor/",
        f"/my/applications/{application.pk}/",
    ):
        page.goto(path)
        assert_keyboard_reaches_everything(page)


def test_applying_works_without_javascript(browser, live_server, programs, learner):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        login(page, learner.email)
        page.goto("/programs/dmp/apply/mentee/")
        page.get_by_label(programs["dmp"].outcomes.first().text, exact=True).check()
        page.get_by_label("What do you hope for from a mentor?").fill("Career advice.")
        fill_meeting(page)
        page.get_by_role("button", name="Submit application").click()
        page.wait_for_url(re.compile(r".*/my/applications/\d+/$"))
        assert Application.objects.get().hopes == "Career advice."
    finally:
        context.close()


def test_a_coordinator_reviews_in_the_admin(page, programs, coordinator_of, learner, outsider):
    dmp = programs["dmp"]
    coordinator = coordinator_of(dmp)
    identity = an_identity(dmp)
    first = make_mentee_application(
        dmp, learner, identity={"dimensions": [identity], "consent_to_matching": True}
    )
    make_mentee_application(dmp, outsider, specialties=["Psychiatry"])
    login(page, coordinator.email)
    page.goto("/admin/applications/application/")
    page.screenshot(path="test-output/admin-applications.png", full_page=True)
    page.get_by_role("link", name="Psychiatry").click()
    page.wait_for_url("**specialties*")
    page.screenshot(path="test-output/admin-applications-filtered.png", full_page=True)
    assert page.get_by_role("link", name="Oz Outsider").is_visible()
    assert page.get_by_role("link", name="Lee Learner").count() == 0
    page.goto("/admin/applications/application/")
    page.locator("#action-toggle").check()
    page.get_by_label("Action:").select_option("waitlist")
    page.get_by_role("button", name="Go").click()
    # Who is emailed, and the email, before anything changes.
    page.get_by_role("heading", name="Who will be emailed (2)").wait_for()
    assert page.get_by_text("Lee Learner <").is_visible() and page.get_by_text("Oz Outsider <").is_visible()
    assert page.get_by_text("is now: waitlisted").is_visible()
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        assert_no_horizontal_scroll(page)
        assert_accessible(page, f"admin-confirm-status-{label}")
    page.get_by_role("button", name="Confirm: change 2 and send 2 emails").click()
    page.get_by_text("2 applications waitlisted").wait_for()

    page.get_by_role("link", name="Lee Learner").click()
    page.get_by_text("visible to this program's coordinators only").first.wait_for()
    page.screenshot(path="test-output/admin-application.png", full_page=True)
    page.get_by_label("Change the status to").select_option("accepted")
    page.get_by_label("Note to the applicant").fill("Welcome to the DMP!")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_role("heading", name="Who will be emailed (1)").wait_for()
    assert page.get_by_text("Welcome to the DMP!").is_visible()
    first.refresh_from_db()
    assert first.status == Status.WAITLISTED
    page.get_by_role("button", name="Confirm: change 1 and send 1 email").click()
    page.get_by_text("was changed successfully").wait_for()
    first.refresh_from_db()
    assert first.status == Status.ACCEPTED

    page.goto("/admin/applications/application/")
    page.locator("#action-toggle").check()
    page.get_by_label("Action:").select_option("export_xlsx")
    page.get_by_role("button", name="Go").click()
    page.get_by_label("Include self-identification columns").check()
    page.screenshot(path="test-output/admin-export.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the Excel file").click()
    assert download.value.suggested_filename.endswith(".xlsx")


def test_the_refusal_pages_are_accessible(page, programs, mentor, settings):
    from programs.models import MenteeIntake, Program

    settings.INSTITUTION_EMAIL_DOMAINS = ["mail.example.edu"]
    login(page, mentor.email)
    response = page.goto("/programs/dmp/apply/mentee/")
    assert response.status == 403
    assert page.get_by_role("heading", name="Mentee applications are for institutional members").is_visible()
    assert_accessible(page, "apply-not-member")

    Program.objects.filter(slug="dmp").update(mentee_intake=MenteeIntake.CLOSED)
    settings.INSTITUTION_EMAIL_DOMAINS = []
    page.goto("/programs/dmp/apply/mentee/")
    assert page.get_by_role("heading", name="DMP mentee applications are closed").is_visible()
    assert_accessible(page, "apply-closed")
