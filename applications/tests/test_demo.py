import pytest

from applications import demo as applications_demo
from applications.models import Application, IdentityDimension, Question
from programs.models import Specialty


@pytest.mark.django_db
def test_the_seed_is_idempotent(demo):
    applications_demo.seed()

    def counts():
        return tuple(m.objects.count() for m in (Specialty, IdentityDimension, Question, Application))

    first = counts()
    applications_demo.seed()
    assert counts() == first
    assert first[0] >= 25 and first[3] == len(applications_demo.DEMO_APPLICATIONS)
    assert IdentityDimension.objects.filter(program__slug="dmp", is_prefer_not=True).count() == 1
    assert Question.objects.filter(program__slug="ilead").count() == 2
    assert Application.objects.filter(status="accepted", accepted_at__isnull=False).exists()
