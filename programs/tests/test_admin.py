import pytest

from programs.models import Program


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
