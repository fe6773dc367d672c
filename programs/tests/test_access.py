"""The one access policy: who is site staff, who administers a program, who
sees self-identification, and who counts as a member."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.services import user_is_member
from applications.models import Question
from conftest import make_user
from programs import access
from programs.services import coordinator_add
from tests.factories import make_program

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
APPS = ["accounts", "programs", "notifications", "applications", "opportunities", "matching", "mentorship"]
# Where the flags behind the rule may be read or written: the definitions, the
# service that grants admin access with coordination, and the demo's accounts.
MAY_READ_THE_FLAGS = {
    "accounts/services.py",
    "programs/access.py",
    "programs/services.py",
    "mentorship/management/commands/seed_demo.py",
}


@pytest.fixture
def programs():
    return make_program(slug="pathways", name="Pathways"), make_program(slug="forward", name="Forward")


@pytest.fixture
def people(programs):
    pathways, forward = programs
    coordinator = make_user("pat@office.example.edu")
    coordinator_add(program=pathways, user=coordinator, notify=False)
    other = make_user("fran@office.example.edu")
    coordinator_add(program=forward, user=other, notify=False)
    coordinator.refresh_from_db()
    other.refresh_from_db()
    return {
        "coordinator": coordinator,
        "other": other,
        "staff": make_user("sal@office.example.edu", is_staff=True, is_superuser=True),
        "learner": make_user("lena@learners.example.edu"),
    }


class TestSiteStaff:
    def test_site_staff_are_the_superusers_and_not_coordinators(self, people):
        assert access.user_is_site_staff(people["staff"])
        assert not access.user_is_site_staff(people["coordinator"])
        assert not access.user_is_site_staff(people["learner"])
        assert not access.user_is_site_staff(AnonymousUser())

    def test_an_inactive_superuser_is_not_site_staff(self, people):
        people["staff"].is_active = False
        assert not access.user_is_site_staff(people["staff"])

    def test_admin_access_is_site_staff_and_coordinators(self, people):
        assert access.user_has_admin_access(people["staff"])
        assert access.user_has_admin_access(people["coordinator"])
        assert not access.user_has_admin_access(people["learner"])


class TestMembership:
    def test_a_coordinator_outside_the_institutions_domains_is_a_member(self, settings, programs):
        settings.INSTITUTION_EMAIL_DOMAINS = ["example.edu"]
        guest = make_user("guest@partner-hospital.example.org")
        assert not user_is_member(guest)
        coordinator_add(program=programs[0], user=guest, notify=False)
        guest.refresh_from_db()
        assert user_is_member(guest)

    def test_a_former_coordinator_is_a_member_no_longer(self, settings, programs):
        from programs.services import coordinator_remove

        settings.INSTITUTION_EMAIL_DOMAINS = ["example.edu"]
        guest = make_user("guest@partner-hospital.example.org")
        coordinator_add(program=programs[0], user=guest, notify=False)
        coordinator_remove(program=programs[0], user=guest)
        guest.refresh_from_db()
        assert not user_is_member(guest)


class TestPrograms:
    def test_each_user_administers_their_programs(self, programs, people):
        pathways, forward = programs
        assert set(access.programs_for(people["staff"])) == {pathways, forward}
        assert list(access.programs_for(people["coordinator"])) == [pathways]
        assert list(access.programs_for(people["learner"])) == []
        assert list(access.programs_for(AnonymousUser())) == []

    def test_user_coordinates(self, programs, people):
        pathways, forward = programs
        assert access.user_coordinates(people["coordinator"], pathways)
        assert not access.user_coordinates(people["coordinator"], forward)
        assert access.user_coordinates(people["staff"], forward)
        assert not access.user_coordinates(AnonymousUser(), pathways)

    def test_narrowed_follows_a_path_to_the_program(self, programs, people):
        pathways, forward = programs
        mine = Question.objects.create(program=pathways, text="Why?")
        Question.objects.create(program=forward, text="Why not?")
        assert list(access.narrowed(Question.objects.all(), people["coordinator"])) == [mine]
        assert access.narrowed(Question.objects.all(), people["staff"]).count() == 2
        assert not access.narrowed(Question.objects.all(), AnonymousUser()).exists()


class TestIdentity:
    def test_only_the_programs_own_coordinators_see_identity(self, programs, people):
        pathways, forward = programs
        assert access.user_sees_identity(people["coordinator"], pathways)
        assert not access.user_sees_identity(people["coordinator"], forward)
        assert not access.user_sees_identity(people["staff"], pathways)  # site staff do not
        assert access.identity_program_ids(people["coordinator"]) == {pathways.pk}
        assert access.identity_program_ids(people["staff"]) == set()

    def test_site_staff_who_coordinate_see_it(self, programs, people):
        coordinator_add(program=programs[0], user=people["staff"], notify=False)
        assert access.user_sees_identity(people["staff"], programs[0])


def test_the_rule_is_written_once():
    """No code outside the access module (and what it builds on) reads the
    flags or the coordinators relation to decide who may do what."""
    pattern = re.compile(r"\.is_superuser\b|\.is_staff\b|coordinators=|__coordinators")
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/tests/" in relative or "/migrations/" in relative or relative in MAY_READ_THE_FLAGS:
                continue
            found += [
                f"{relative}: {line.strip()}"
                for line in path.read_text().splitlines()
                if pattern.search(line)
            ]
    assert not found, "ask programs.access instead:\n" + "\n".join(found)
