import pytest

from programs.models import Program
from tests.factories import make_program


@pytest.mark.django_db
class TestProgramAdmin:
    def test_staff_publish_a_new_program_that_appears_on_the_site(self, client, staff, demo):
        from programs.models import LearnerType

        client.force_login(staff)
        response = client.post(
            "/admin/programs/program/add/",
            {
                "name": "Peer Circles",
                "slug": "peer-circles",
                "is_published": "on",
                "order": 3,
                "contact_email": "peer@example.edu",
                "summary": "Small groups of peers.",
                "audience": "All MD students.",
                "mentee_intake": "open",
                "mentor_recruitment": "open",
                "mentee_learner_types": [LearnerType.objects.get(code="MD1").pk],
                "outcomes-TOTAL_FORMS": 0,
                "outcomes-INITIAL_FORMS": 0,
                "tiers-TOTAL_FORMS": 0,
                "tiers-INITIAL_FORMS": 0,
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        assert 'href="/programs/peer-circles/"' in client.get("/").content.decode()
        assert "Small groups of peers." in client.get("/programs/peer-circles/").content.decode()

    def test_a_coordinator_sees_only_their_programs(self, client, demo, coordinator_of):
        client.force_login(coordinator_of(demo["dmp"]))
        html = client.get("/admin/programs/program/").content.decode()
        assert f"/admin/programs/program/{demo['dmp'].pk}/change/" in html
        assert f"/admin/programs/program/{demo['ilead'].pk}/change/" not in html
        assert client.get(f"/admin/programs/program/{demo['ilead'].pk}/change/").status_code == 302

    def test_a_coordinator_can_edit_intake_but_not_who_coordinates(self, client, demo, coordinator_of):
        client.force_login(coordinator_of(demo["dmp"]))
        html = client.get(f"/admin/programs/program/{demo['dmp'].pk}/change/").content.decode()
        assert 'name="mentee_intake"' in html
        assert 'name="coordinators"' not in html
        assert 'name="is_published"' not in html
        assert Program.objects.get(slug="dmp").mentee_intake == "limited"

    def test_outsiders_cannot_reach_the_admin(self, client, outsider):
        client.force_login(outsider)
        assert client.get("/admin/programs/program/").status_code == 302

    def test_the_landing_text_is_one_editable_row(self, client, staff, demo):
        client.force_login(staff)
        assert client.get("/admin/programs/sitecontent/1/change/").status_code == 200
        assert client.get("/admin/programs/sitecontent/add/").status_code == 403


@pytest.mark.django_db
class TestCoordinatorsPage:
    def url(self, program):
        return f"/admin/programs/program/{program.pk}/coordinators/"

    def test_staff_add_a_coordinator_by_email(self, client, staff):
        program = make_program(name="Peer Circles")
        client.force_login(staff)
        html = client.get(f"/admin/programs/program/{program.pk}/change/").content.decode()
        assert f'href="{self.url(program)}"' in html
        assert 'name="coordinators"' not in html

        response = client.post(
            self.url(program), {"email": "New@Example.edu", "name": "Nia Newton"}, follow=True
        )
        html = response.content.decode()
        assert response.redirect_chain == [(self.url(program), 302)]
        assert "Added new@example.edu as a coordinator of Peer Circles; they have been emailed a link" in html
        assert "Nia Newton" in html
        user = program.coordinators.get()
        assert user.email == "new@example.edu" and user.is_staff

    def test_adding_an_existing_coordinator_again_says_nothing_changed(self, client, staff, outsider):
        program = make_program(name="Peer Circles")
        program.coordinators.add(outsider)
        client.force_login(staff)
        response = client.post(self.url(program), {"email": outsider.email}, follow=True)
        assert (
            f"Nothing changed: {outsider.email} already coordinates Peer Circles."
            in response.content.decode()
        )

    def test_an_invalid_address_is_a_clear_error(self, client, staff):
        program = make_program()
        client.force_login(staff)
        response = client.post(self.url(program), {"email": "not an address"})
        assert response.status_code == 422
        html = response.content.decode()
        assert "Enter an email address in the form name@example.com." in html
        assert 'href="#id_email"' in html
        assert 'aria-invalid="true"' in html
        assert not program.coordinators.exists()

    def test_an_empty_address_is_a_clear_error(self, client, staff):
        client.force_login(staff)
        response = client.post(self.url(make_program()), {"email": ""})
        assert response.status_code == 422
        assert "Enter the coordinator&#x27;s email address." in response.content.decode()

    def test_staff_remove_a_coordinator(self, client, staff, outsider):
        program = make_program()
        program.coordinators.add(outsider)
        client.force_login(staff)
        response = client.post(f"{self.url(program)}{outsider.pk}/remove/")
        assert response.status_code == 302
        outsider.refresh_from_db()
        assert not program.coordinators.exists() and not outsider.is_staff

    def test_removing_needs_a_post(self, client, staff, outsider):
        program = make_program()
        program.coordinators.add(outsider)
        client.force_login(staff)
        assert client.get(f"{self.url(program)}{outsider.pk}/remove/").status_code == 405
        assert program.coordinators.exists()

    def test_a_coordinator_cannot_change_who_coordinates(self, client, coordinator_of, outsider):
        program = make_program()
        coordinator = coordinator_of(program)
        client.force_login(coordinator)
        html = client.get(f"/admin/programs/program/{program.pk}/change/").content.decode()
        assert coordinator.email in html
        assert self.url(program) not in html
        assert client.get(self.url(program)).status_code == 403
        assert client.post(self.url(program), {"email": outsider.email}).status_code == 403
        assert client.post(f"{self.url(program)}{coordinator.pk}/remove/").status_code == 403
        assert list(program.coordinators.all()) == [coordinator]

    def test_outsiders_are_sent_to_the_login(self, client, outsider):
        client.force_login(outsider)
        response = client.get(self.url(make_program()))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]

    def test_an_unknown_program_is_a_404(self, client, staff):
        client.force_login(staff)
        assert client.get("/admin/programs/program/999999/coordinators/").status_code == 404
