"""Coordinators' admin access follows Program.coordinators however it changes,
and each new coordinator is emailed once."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from accounts.models import User
from conftest import make_user, mfa_enroll
from notifications.models import OutgoingEmail
from programs import services
from tests.factories import make_program

pytestmark = pytest.mark.django_db


def has_access(user) -> bool:
    user.refresh_from_db()
    in_group = user.groups.filter(name=services.COORDINATORS_GROUP).exists()
    assert user.is_staff == in_group or user.is_superuser, "is_staff and the group disagree"
    return user.is_staff and in_group


def welcome_emails(to: str):
    return OutgoingEmail.objects.filter(to=to, kind__startswith="coordinator-")


def link_in(email: OutgoingEmail) -> str:
    return re.search(r"(http://\S+/accounts/password/reset/key/\S+/)", email.body_text).group(1)


class TestAccessFollowsTheRelation:
    def test_adding_an_existing_account_gives_access(self, outsider):
        services.coordinator_add(program=make_program(), user=outsider)
        assert outsider.is_staff
        assert has_access(outsider)

    def test_adding_through_the_relation_gives_access(self, outsider):
        make_program().coordinators.add(outsider)
        assert has_access(outsider)

    def test_adding_from_the_users_side_gives_access(self, outsider):
        outsider.coordinated_programs.add(make_program())
        assert has_access(outsider)

    def test_set_gives_and_takes_access(self, outsider, mentor):
        program = make_program()
        program.coordinators.set([outsider])
        program.coordinators.set([mentor])
        assert not has_access(outsider)
        assert has_access(mentor)

    def test_removal_from_the_last_program_takes_access_away(self, outsider):
        program = make_program()
        services.coordinator_add(program=program, user=outsider)
        services.coordinator_remove(program=program, user=outsider)
        assert not outsider.is_staff
        assert not has_access(outsider)

    def test_removal_from_one_of_two_programs_keeps_access(self, outsider):
        first, second = make_program(), make_program()
        services.coordinator_add(program=first, user=outsider)
        services.coordinator_add(program=second, user=outsider)
        first.coordinators.remove(outsider)
        assert has_access(outsider)

    def test_clear_takes_access_from_everyone_without_another_program(self, outsider, mentor):
        first, second = make_program(), make_program()
        first.coordinators.add(outsider, mentor)
        second.coordinators.add(mentor)
        first.coordinators.clear()
        assert not has_access(outsider)
        assert has_access(mentor)

    def test_clear_from_the_users_side(self, outsider):
        outsider.coordinated_programs.add(make_program(), make_program())
        outsider.coordinated_programs.clear()
        assert not has_access(outsider)

    def test_deleting_a_program_takes_access_from_its_coordinators(self, outsider):
        program = make_program()
        program.coordinators.add(outsider)
        program.delete()
        assert not has_access(outsider)

    def test_a_superuser_stays_staff_when_removed(self, staff):
        program = make_program()
        program.coordinators.add(staff)
        program.coordinators.remove(staff)
        staff.refresh_from_db()
        assert staff.is_staff and staff.is_superuser
        assert not staff.groups.filter(name=services.COORDINATORS_GROUP).exists()

    def test_the_group_carries_the_coordinator_permissions(self, outsider):
        make_program().coordinators.add(outsider)
        group = Group.objects.get(name=services.COORDINATORS_GROUP)
        assert group.permissions.filter(codename="change_program").exists()
        assert outsider.has_perm("programs.change_program")


class TestAddByEmail:
    def test_a_new_address_gets_an_account_without_a_password(self):
        program = make_program(name="Peer Circles")
        user, added = services.coordinator_add_by_email(
            program=program, email=" New.Person@Example.EDU ", name="Nia"
        )
        assert user.email == "new.person@example.edu"
        assert user.name == "Nia"
        assert not user.has_usable_password()
        assert has_access(user)
        assert EmailAddress.objects.get(user=user).verified is False
        assert list(program.coordinators.all()) == [user]
        assert added

    def test_an_existing_account_is_found_by_any_of_its_addresses(self, outsider):
        EmailAddress.objects.create(user=outsider, email="oz@second.example.net", verified=True)
        user, added = services.coordinator_add_by_email(program=make_program(), email="OZ@second.example.net")
        assert user == outsider
        assert User.objects.count() == 1

    def test_an_address_someone_only_typed_gives_them_nothing(self, outsider):
        """Anyone can add any address to their account, unverified: staff
        typing that address must not make its claimant a coordinator."""
        EmailAddress.objects.create(user=outsider, email="new.coordinator@utoronto.ca", verified=False)
        with pytest.raises(services.CoordinatorError, match="has not verified it"):
            services.coordinator_add_by_email(program=make_program(), email="new.coordinator@utoronto.ca")
        assert not has_access(outsider) and not outsider.coordinated_programs.exists()
        assert not welcome_emails(outsider.email).exists()

    def test_an_unverified_login_address_with_a_password_gives_nothing(self):
        claimant = make_user("claimed@utoronto.ca", verified=False)
        with pytest.raises(services.CoordinatorError):
            services.coordinator_add_by_email(program=make_program(), email="claimed@utoronto.ca")
        assert not has_access(claimant)

    def test_an_invited_account_is_found_again_for_a_second_program(self):
        first, _ = services.coordinator_add_by_email(
            program=make_program(name="One"), email="new@example.edu"
        )
        again, added = services.coordinator_add_by_email(
            program=make_program(name="Two"), email="new@example.edu"
        )
        assert again == first and added

    def test_a_deactivated_account_is_refused(self, outsider):
        outsider.is_active = False
        outsider.save()
        with pytest.raises(services.CoordinatorError, match="deactivated"):
            services.coordinator_add_by_email(program=make_program(), email=outsider.email)
        assert not outsider.coordinated_programs.exists()

    def test_adding_again_repairs_access_given_before_it_followed_the_relation(self, outsider):
        program = make_program()
        program.coordinators.through.objects.create(program=program, user=outsider)  # no signal
        assert not has_access(outsider)
        services.coordinator_add_by_email(program=program, email=outsider.email)
        assert has_access(outsider)

    def test_adding_twice_changes_nothing(self, outsider):
        program = make_program()
        assert services.coordinator_add_by_email(program=program, email=outsider.email) == (outsider, True)
        assert services.coordinator_add_by_email(program=program, email=outsider.email) == (outsider, False)
        assert program.coordinators.count() == 1
        assert welcome_emails(outsider.email).count() == 1


class TestWelcomeEmail:
    def test_a_new_coordinator_is_emailed_once_with_a_link_to_set_a_password(
        self, client, settings, django_capture_on_commit_callbacks, mailoutbox
    ):
        settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
        program = make_program(name="Peer Circles")
        with django_capture_on_commit_callbacks(execute=True):
            user, added = services.coordinator_add_by_email(program=program, email="new@example.edu")
        (email,) = welcome_emails("new@example.edu")
        assert email.kind == "coordinator-invite"
        assert "Peer Circles" in email.subject
        assert len(mailoutbox) == 1 and mailoutbox[0].to == ["new@example.edu"]
        link = link_in(email)
        assert link.startswith(settings.SITE_URL + "/")
        assert link in email.body_html

        # allauth moves the key into the session, then shows its form.
        response = client.get(link.removeprefix(settings.SITE_URL))
        assert response.status_code == 302
        set_password = response["Location"]
        assert "New Password" in client.get(set_password).content.decode()
        response = client.post(
            set_password, {"password1": "a-new-long-password-7", "password2": "a-new-long-password-7"}
        )
        assert response.status_code == 302, response.content.decode()[:2000]

        # The link proved the address: the mandatory verification lets them in.
        assert EmailAddress.objects.get(user=user).verified
        client.logout()
        response = client.post(
            "/accounts/login/", {"login": "new@example.edu", "password": "a-new-long-password-7"}
        )
        assert response.status_code == 302 and "/confirm-email/" not in response["Location"]
        # The admin asks for a second factor first (the browser test sets one up).
        assert "/2fa/totp/activate/" in client.get("/admin/programs/program/")["Location"]
        mfa_enroll(user)
        assert client.get("/admin/programs/program/").status_code == 200

    def test_the_link_works_once(self, client, settings):
        services.coordinator_add_by_email(program=make_program(), email="new@example.edu")
        link = link_in(welcome_emails("new@example.edu").get()).removeprefix(settings.SITE_URL)
        set_password = client.get(link)["Location"]
        client.post(
            set_password, {"password1": "a-new-long-password-7", "password2": "a-new-long-password-7"}
        )
        client.logout()
        response = client.get(link)
        assert response.status_code == 200
        assert "Bad Token" in response.content.decode()

    def test_an_existing_account_gets_a_short_note(self, outsider):
        services.coordinator_add(program=make_program(name="Peer Circles"), user=outsider)
        (email,) = welcome_emails(outsider.email)
        assert email.kind == "coordinator-added"
        assert email.subject == "You are now a coordinator of Peer Circles"
        assert "/admin/" in email.body_text
        assert "password/reset/key" not in email.body_text

    def test_each_program_sends_its_own_email(self, outsider):
        services.coordinator_add(program=make_program(), user=outsider)
        services.coordinator_add(program=make_program(), user=outsider)
        assert welcome_emails(outsider.email).count() == 2

    def test_a_change_made_in_code_changes_access_but_emails_nobody(self, outsider):
        make_program().coordinators.add(outsider)
        assert has_access(outsider)
        assert not welcome_emails(outsider.email).exists()

    def test_the_demo_seed_emails_nobody(self, demo):
        assert not OutgoingEmail.objects.exists()

    def test_a_second_onboarding_after_removal_emails_again(self, outsider):
        program = make_program()
        services.coordinator_add(program=program, user=outsider)
        services.coordinator_remove(program=program, user=outsider)
        services.coordinator_add(program=program, user=outsider)
        assert welcome_emails(outsider.email).count() == 2

    def test_with_single_sign_on_the_email_offers_the_university_login(self, settings):
        settings.OIDC_ENABLED = True
        settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [{"name": "UTORid"}]}}
        services.coordinator_add_by_email(program=make_program(), email="new@example.edu")
        email = welcome_emails("new@example.edu").get()
        assert "Sign in with UTORid" in email.body_text
        assert "Sign in with UTORid" in email.body_html
        assert "password/reset/key" in email.body_text
