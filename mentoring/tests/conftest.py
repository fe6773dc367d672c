import pytest

from conftest import make_user
from matching import services as matching_services
from matching.models import Round, RoundStatus
from tests.factories import ProgramFactory, accepted_mentee, accepted_mentor


@pytest.fixture
def program(db):
    return ProgramFactory(name="Pathways", slug="pathways")


@pytest.fixture
def other_program(db):
    return ProgramFactory(name="Forward", slug="forward")


@pytest.fixture
def round_(program):
    return Round.objects.create(program=program, name="Round 1", status=RoundStatus.PUBLISHED)


@pytest.fixture
def publish(round_, program):
    """publish(mentee_user=None, mentor_user=None, mentor_application=None) -> a published match."""

    def make(mentee_user=None, mentor_user=None, *, mentor_application=None):
        mentor_application = mentor_application or accepted_mentor(program, mentor_user)
        return matching_services.match_publish_one(
            round_=round_, mentee=accepted_mentee(program, mentee_user), mentor=mentor_application
        )

    return make


@pytest.fixture
def match(publish, learner, mentor):
    """Lee Learner (mentee) with Morgan Mentor (mentor), published now."""
    return publish(learner, mentor)


@pytest.fixture
def make_user_pair(db):
    """make_user_pair("name") -> (mentee user, mentor user), new each call."""

    def make(name: str):
        return (
            make_user(f"{name}.mentee@learners.example.edu", name=f"{name.title()} Mentee"),
            make_user(f"{name}.mentor@faculty.example.edu", name=f"{name.title()} Mentor"),
        )

    return make
