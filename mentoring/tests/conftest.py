import pytest

from conftest import make_user


@pytest.fixture
def make_user_pair(db):
    """make_user_pair("name") -> (mentee user, mentor user), new each call."""

    def make(name: str):
        return (
            make_user(f"{name}.mentee@learners.example.edu", name=f"{name.title()} Mentee"),
            make_user(f"{name}.mentor@faculty.example.edu", name=f"{name.title()} Mentor"),
        )

    return make
