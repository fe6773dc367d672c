"""The opportunity admin writes through the services: its edits through
``opportunity_apply`` (the history, the natural key, the many-to-many
fields), like an import or an approved suggestion."""

import pytest

from opportunities.models import ChangeSource, HostType, Opportunity

from .factories import make_opportunity

pytestmark = pytest.mark.django_db

INLINE = {"changes-TOTAL_FORMS": "0", "changes-INITIAL_FORMS": "0"}


@pytest.fixture
def opportunity(learner_types):
    return make_opportunity(
        name="CMA Mentorship",
        host_name="Canadian Medical Association",
        host_type=HostType.ASSOCIATION,
        cost="Free",
        specialties=["Family Medicine"],
        learners=["MD1"],
    )


def edit_data(opportunity, **overrides):
    data = {
        "name": opportunity.name,
        "kind": opportunity.kind,
        "host_type": opportunity.host_type,
        "host_name": opportunity.host_name,
        "is_published": "on",
        "specialties": [s.pk for s in opportunity.specialties.all()],
        "eligible_learners": [t.pk for t in opportunity.eligible_learners.all()],
        "description": opportunity.description,
        "how_to_join": opportunity.how_to_join,
        "website": opportunity.website,
        "contact_email": opportunity.contact_email,
        "cost": opportunity.cost,
        "format": opportunity.format,
        **INLINE,
    }
    data.update(overrides)
    return data


class TestAdminWrites:
    def test_an_addition_is_recorded_as_created_by_the_admin(self, client, staff, learner_types):
        client.force_login(staff)
        response = client.post(
            "/admin/opportunities/opportunity/add/",
            {
                "name": "Surgery Mentors",
                "kind": "formal",
                "host_type": "department",
                "host_name": "Department of Surgery",
                "eligible_learners": [learner_types["MD2"].pk],
                **INLINE,
            },
        )
        assert response.status_code == 302
        created = Opportunity.objects.get()
        assert [t.code for t in created.eligible_learners.all()] == ["MD2"]
        assert created.natural_key == "surgery mentors|department of surgery"
        change = created.changes.get()
        assert change.created and change.source == ChangeSource.ADMIN and change.changed_by == staff
        assert change.changes["eligible_learners"] == [None, ["MD2"]]

    def test_a_save_that_changes_nothing_adds_no_history(self, client, staff, opportunity):
        client.force_login(staff)
        response = client.post(
            f"/admin/opportunities/opportunity/{opportunity.pk}/change/", edit_data(opportunity)
        )
        assert response.status_code == 302
        assert not opportunity.changes.exists()

    def test_a_rename_moves_the_natural_key(self, client, staff, opportunity):
        client.force_login(staff)
        response = client.post(
            f"/admin/opportunities/opportunity/{opportunity.pk}/change/",
            edit_data(opportunity, name="CMA Mentors"),
        )
        assert response.status_code == 302
        opportunity.refresh_from_db()
        assert opportunity.natural_key == "cma mentors|canadian medical association"
        assert opportunity.changes.get().changes == {"name": ["CMA Mentorship", "CMA Mentors"]}
