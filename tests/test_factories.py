import pytest

from applications.models import Role, Status
from tests.factories import (
    ApplicationFactory,
    IdentityDimensionFactory,
    TierFactory,
    make_mentee_application,
    make_mentor_application,
)


@pytest.mark.django_db
def test_the_factories_make_valid_applications():
    mentee = ApplicationFactory(specialties=["Psychiatry"])
    assert mentee.role == Role.MENTEE and mentee.learner_type.code == "MD2"
    assert [s.name for s in mentee.specialties.all()] == ["Psychiatry"]
    mentor = ApplicationFactory(mentor=True, program=mentee.program, status=Status.ACCEPTED)
    assert mentor.capacity == 2 and mentor.learner_type.code == "FAC" and mentor.accepted_at


@pytest.mark.django_db
def test_the_helpers_take_a_program_user_tier_and_identity(demo, learner):
    ilead = demo["ilead"]
    tier = ilead.tiers.get(number=2)
    app = make_mentee_application(ilead, learner, tier=tier, learner_type="MD3", year=3)
    assert app.applicant == learner and app.tier == tier and app.learner_type.code == "MD3"
    dimension = IdentityDimensionFactory(program=demo["dmp"])
    mentor = make_mentor_application(
        demo["dmp"], identity={"dimensions": [dimension], "consent_to_matching": True}, capacity=3
    )
    assert mentor.capacity == 3 and list(mentor.identity.dimensions.all()) == [dimension]
    assert TierFactory(mentee_types=["MD1"]).mentee_learner_types.get().code == "MD1"
