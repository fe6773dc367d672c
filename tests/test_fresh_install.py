"""The path production takes: ``migrate`` on an empty database, with DEBUG off,
then ``setup_site``. No demo seed here: the test database was built by the
migrations alone, which is exactly what a new install has."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth.models import Group
from django.contrib.sites.models import Site
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import User
from applications.models import Application, IdentityDimension, Question
from conftest import make_user, mfa_enroll
from mentoring.models import MentoringPolicy, ProgramYear
from programs.models import LearnerType, Outcome, Program, Resource, SetupRecord, SiteContent, Specialty, Tier
from programs.reference import COORDINATORS_GROUP, LEARNER_TYPES, SITE_NAME, SPECIALTIES
from programs.services import coordinator_add, coordinator_group_sync


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False


def setup_site() -> str:
    out = io.StringIO()
    call_command("setup_site", stdout=out)
    return out.getvalue()


def content_counts() -> list[int]:
    models = (SiteContent, Resource, Program, Outcome, Tier, Question, IdentityDimension)
    return [model.objects.count() for model in models]


def learner_type_choices(html: str) -> list[str]:
    select = re.search(r'<select name="learner_type".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select)


@pytest.mark.django_db
class TestMigrateAlone:
    def test_the_landing_page_answers_before_any_content(self, client):
        response = client.get("/")
        assert response.status_code == 200
        assert "No programs are published yet." in response.content.decode()

    def test_the_learner_types_exist(self):
        assert list(LearnerType.objects.values_list("code", "label")) == LEARNER_TYPES

    def test_the_specialties_exist(self):
        assert sorted(Specialty.objects.values_list("name", flat=True)) == sorted(SPECIALTIES)

    def test_the_site_has_its_name_and_the_domain_of_site_url(self, settings):
        site = Site.objects.get(pk=settings.SITE_ID)
        assert site.name == SITE_NAME and site.domain == "127.0.0.1:8000"

    def test_the_coordinators_group_has_every_permission_it_needs(self):
        group = Group.objects.get(name=COORDINATORS_GROUP)
        codenames = set(group.permissions.values_list("codename", flat=True))
        assert {"view_program", "change_program", "change_application", "view_applicationexport"} <= codenames
        assert {"add_round", "change_match"} <= codenames
        assert "delete_program" not in codenames and "change_user" not in codenames
        # The migration and the service agree on what the group holds.
        assert set(coordinator_group_sync().permissions.values_list("codename", flat=True)) == codenames

    def test_a_coordinator_reaches_the_admin_of_their_program(self, client):
        program = Program.objects.create(
            slug="p", name="P", summary="s", audience="a", contact_email="p@x.org"
        )
        user = make_user("coordinator@mail.example.edu")
        coordinator_add(program=program, user=user)
        mfa_enroll(user)  # the admin asks staff for a second factor first
        client.force_login(user)
        response = client.get("/admin/programs/program/")
        assert response.status_code == 200 and "P" in response.content.decode()


@pytest.mark.django_db
class TestSetupSite:
    def test_the_public_pages_exist(self, client):
        setup_site()
        landing = client.get("/")
        assert landing.status_code == 200
        assert "DMP" in landing.content.decode() and "iLEAD" in landing.content.decode()
        for slug in ("dmp", "ilead"):
            assert client.get(f"/programs/{slug}/").status_code == 200

    def test_the_mentee_forms_offer_the_learner_types(self, client):
        setup_site()
        client.force_login(make_user("learner@mail.example.edu"))
        dmp = learner_type_choices(client.get("/programs/dmp/apply/mentee/").content.decode())
        assert dmp[:2] == ["MD year 1", "MD year 2"] and "PGY1 resident" in dmp
        assert client.get("/programs/ilead/apply/mentee/").status_code == 200
        assert client.get("/programs/dmp/apply/mentor/").status_code == 200

    def test_a_learner_can_apply(self, client):
        setup_site()
        learner = make_user("learner@mail.example.edu")
        client.force_login(learner)
        dmp = Program.objects.get(slug="dmp")
        response = client.post(
            "/programs/dmp/apply/mentee/",
            {
                "learner_type": LearnerType.objects.get(code="MD2").pk,
                "outcomes": [dmp.outcomes.first().pk],
                "specialties": [Specialty.objects.get(name="Psychiatry").pk],
                "hopes": "Someone to talk to.",
                "meeting_format": "virtual",
                "meeting_frequency": "monthly",
                "availability": ["weekday_evening"],
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert Application.objects.get(applicant=learner).learner_type.code == "MD2"

    def test_it_is_idempotent(self):
        first = setup_site()
        counts = content_counts()
        assert counts == [1, 3, 2, 2, 2, 4, 16]
        assert "Created: Program DMP" in first
        second = setup_site()
        assert content_counts() == counts
        assert "0 created" in second and "Left alone: Program DMP" in second

    def test_each_program_gets_its_mentorship_year_settings_once(self):
        setup_site()
        dmp = MentoringPolicy.objects.get(program__slug="dmp")
        assert dmp.minutes_per_term == 120 and "two hours a term" in dmp.agreement_frequency
        assert dmp.agreement_goals and dmp.agreement_confidentiality and dmp.agreement_boundaries
        MentoringPolicy.objects.filter(program__slug="dmp").update(minutes_per_term=90)
        MentoringPolicy.objects.filter(program__slug="ilead").delete()
        setup_site()
        assert MentoringPolicy.objects.get(program__slug="dmp").minutes_per_term == 90
        assert not MentoringPolicy.objects.filter(program__slug="ilead").exists()

    def test_it_never_overwrites_what_staff_edited(self):
        setup_site()
        Program.objects.filter(slug="dmp").update(summary="Edited by staff.")
        SiteContent.objects.update(intro="Our own words.")
        Tier.objects.filter(program__slug="ilead", number=2).update(name="Seniors")
        setup_site()
        assert Program.objects.get(slug="dmp").summary == "Edited by staff."
        assert SiteContent.objects.get().intro == "Our own words."
        assert Tier.objects.get(program__slug="ilead", number=2).name == "Seniors"

    def test_what_staff_deleted_stays_deleted(self):
        setup_site()
        Resource.objects.filter(title="Office of Learner Affairs").delete()
        Program.objects.filter(slug="ilead").delete()
        out = setup_site()
        assert not Resource.objects.filter(title="Office of Learner Affairs").exists()
        assert not Program.objects.filter(slug="ilead").exists()
        assert "set up before" in out

    def test_content_that_was_already_there_is_left_alone_and_recorded(self):
        Program.objects.create(slug="dmp", name="DMP", summary="Ours", audience="a", contact_email="d@x.org")
        out = setup_site()
        assert Program.objects.get(slug="dmp").summary == "Ours"
        assert "Left alone: Program DMP with its outcomes, tiers and eligibility (already there)" in out
        assert not SetupRecord.objects.get(key="programs:program:dmp").created

    def test_it_sets_the_domain_of_site_url_while_it_is_a_placeholder(self, settings):
        settings.SITE_URL = "https://mentorship.example.edu"
        setup_site()
        assert Site.objects.get_current().domain == "mentorship.example.edu"

    def test_it_leaves_a_domain_chosen_by_staff(self, settings):
        Site.objects.filter(pk=settings.SITE_ID).update(domain="ola.example.edu")
        Site.objects.clear_cache()
        settings.SITE_URL = "https://mentorship.example.edu"
        setup_site()
        assert Site.objects.get_current().domain == "ola.example.edu"


@pytest.mark.django_db
def test_migrate_then_setup_site_then_seed_demo(settings):
    setup_site()
    Program.objects.filter(slug="dmp").update(summary="Edited by staff.")
    counts = content_counts()
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    assert content_counts() == counts
    assert Program.objects.get(slug="dmp").summary == "Edited by staff."
    assert User.objects.filter(email="dmp.coordinator@example.com", is_staff=True).exists()
    assert Application.objects.exists()
    assert User.objects.get(email="learner@example.com").check_password("demo-pass-2026")
    # DMP's year is set up: a check-in a term per role, evaluations with the outcome items.
    year = ProgramYear.objects.get(program__slug="dmp")
    assert year.terms.count() == 3 and year.questionnaires.count() == 10
    midpoint = year.questionnaires.get(kind="midpoint", role="mentee")
    assert (
        midpoint.items.filter(outcome__isnull=False).count()
        == Outcome.objects.filter(program__slug="dmp").count()
    )
    call_command("seed_demo", stdout=io.StringIO())  # again: nothing doubles
    assert ProgramYear.objects.get(program__slug="dmp").questionnaires.count() == 10


@pytest.mark.django_db(transaction=True)
def test_the_data_migrations_reverse_and_apply_again():
    before_reference = [("programs", "0003_setuprecord"), ("mentorship", None)]
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(before_reference)
        assert not LearnerType.objects.exists() and not Specialty.objects.exists()
        assert not Group.objects.filter(name=COORDINATORS_GROUP).exists()
        assert Site.objects.get().name == "example.com"
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
    assert LearnerType.objects.count() == len(LEARNER_TYPES)
    assert Specialty.objects.count() == len(SPECIALTIES)
    assert Group.objects.get(name=COORDINATORS_GROUP).permissions.exists()
    Site.objects.clear_cache()
    assert Site.objects.get().name == SITE_NAME


@pytest.mark.django_db(transaction=True)
def test_people_linked_as_coordinators_before_onboarding_get_admin_access():
    """Before onboarding, the program's Coordinators field linked people
    without giving them staff status or the group; the migration does."""
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([("mentorship", "0002_coordinators_group")])
        apps = executor.loader.project_state([("mentorship", "0002_coordinators_group")]).apps
        HistoricalUser = apps.get_model("accounts", "User")
        HistoricalProgram = apps.get_model("programs", "Program")
        linked = HistoricalUser.objects.create(email="linked@mail.example.edu", is_staff=False)
        bystander = HistoricalUser.objects.create(email="bystander@mail.example.edu", is_staff=False)
        program = HistoricalProgram.objects.create(
            name="P", slug="p", summary="s", audience="a", contact_email="p@example.com"
        )
        program.coordinators.add(linked)
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(leaves)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
    linked = User.objects.get(pk=linked.pk)
    assert linked.is_staff and linked.groups.filter(name=COORDINATORS_GROUP).exists()
    assert not User.objects.get(pk=bystander.pk).is_staff


@pytest.mark.django_db(transaction=True)
def test_a_site_set_up_before_gets_the_proofread_texts_unless_staff_edited_them():
    """programs 0005: setup_site's old wording is corrected where it is unchanged."""
    before = [("programs", "0004_reference_data")]
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(before)
        apps = executor.loader.project_state(before).apps
        old_program = apps.get_model("programs", "Program").objects.create(
            slug="old", name="Old", summary="s", contact_email="a@example.edu"
        )
        Outcome_ = apps.get_model("programs", "Outcome")
        Outcome_.objects.create(
            program=old_program,
            order=0,
            text="Increased sense of belonging and support in relation to their social identity",
        )
        Outcome_.objects.create(program=old_program, order=1, text="Their own words, edited by staff")
        apps.get_model("programs", "Resource").objects.create(
            title="AAMC: mentoring resources", url="https://www.aamc.org/", order=0
        )
        apps.get_model("programs", "SetupRecord").objects.create(
            key="programs:resource:AAMC: mentoring resources", created=True
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
    texts = set(Outcome.objects.values_list("text", flat=True))
    assert texts == {
        "Increased sense of belonging and support in relation to social identity",
        "Their own words, edited by staff",
    }
    assert Resource.objects.get().title == "Association of American Medical Colleges (AAMC)"
    # setup_site still knows it: it neither adds it again nor brings it back once deleted.
    Resource.objects.all().delete()
    setup_site()
    assert not Resource.objects.filter(title="Association of American Medical Colleges (AAMC)").exists()
