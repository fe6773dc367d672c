import pytest

from conftest import make_user

from .factories import learner_types as make_learner_types


@pytest.fixture(autouse=True)
def _database_settings(settings, tmp_path):
    # Members are people with a verified example.edu address (the learner and
    # staff personas); the outsider (example.net) is signed in but no member.
    settings.INSTITUTION_EMAIL_DOMAINS = ["example.edu"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://mentorship.example.edu"


@pytest.fixture
def learner_types(db):
    return make_learner_types()


@pytest.fixture
def member(db):
    return make_user("member@mail.example.edu", name="Mia Member")
