import pytest

from matching.models import Round, RoundStatus


@pytest.fixture
def dmp(demo):
    return demo["dmp"]


@pytest.fixture
def ilead(demo):
    return demo["ilead"]


@pytest.fixture
def dmp_round(dmp):
    return Round.objects.create(program=dmp, name="Round 2, Winter 2026")


@pytest.fixture
def coordinator(coordinator_of, dmp):
    return coordinator_of(dmp)


@pytest.fixture
def first_round(dmp):
    """An earlier, published round (rolling intake happens on it)."""
    return Round.objects.create(program=dmp, name="Round 1, Fall 2025", status=RoundStatus.PUBLISHED)
