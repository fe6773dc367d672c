"""Fixtures for the applications tests: the demo programs with this app's
seed (specialties, identity dimensions, questions) and valid form data."""

import pytest

from applications import demo as applications_demo
from applications.models import IdentityDimension, Question
from programs.models import LearnerType, Specialty


@pytest.fixture
def programs(demo):
    applications_demo.seed_reference()
    return demo


@pytest.fixture
def dmp(programs):
    return programs["dmp"]


@pytest.fixture
def ilead(programs):
    return programs["ilead"]


@pytest.fixture
def dimension(dmp):
    """A self-identification option of the tests' own on DMP, so that no test
    depends on the wording of setup_site's options (their coordinators edit them)."""
    return IdentityDimension.objects.create(program=dmp, label="Left-handed", order=50)


@pytest.fixture
def other_dimension(dmp):
    return IdentityDimension.objects.create(program=dmp, label="Night owl", order=51)


@pytest.fixture
def prefer_not(dmp):
    """DMP's "prefer not to say" option, whatever its wording."""
    return dmp.identity_dimensions.get(is_prefer_not=True)


def lt(code):
    return str(LearnerType.objects.get(code=code).pk)


def mentee_data(program, **overrides):
    """A valid mentee form post for ``program`` (DMP unless told otherwise)."""
    data = {
        "learner_type": lt("MD2"),
        "specialties": [str(Specialty.objects.get(name="Psychiatry").pk)],
        "hopes": "Someone to talk to about residency applications.",
        "meeting_format": "virtual",
        "meeting_frequency": "monthly",
        "availability": ["weekday_evening"],
    }
    outcomes = list(program.outcomes.all())
    if outcomes:
        data["outcomes"] = [str(outcomes[0].pk)]
    for question in Question.objects.filter(program=program, required=True, audience__in=["mentee", "both"]):
        data[f"question_{question.pk}"] = "yes" if question.kind == "yes_no" else "An answer"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def mentor_data(program, **overrides):
    data = {
        "mentor_role": "clinician",
        "year": "",
        "specialty": str(Specialty.objects.get(name="Family Medicine").pk),
        "department": "Department of Family and Community Medicine",
        "hospital_site": "sinai",
        "capacity": "2",
        "meeting_format": "either",
        "availability": ["weekday_morning", "weekend"],
    }
    for question in Question.objects.filter(program=program, required=True, audience__in=["mentor", "both"]):
        data[f"question_{question.pk}"] = "yes" if question.kind == "yes_no" else "An answer"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def identity_data(program, *dimensions, consent=True, wants_shared=False, self_described=""):
    """The self-identification part of a form post; ``dimensions`` are
    IdentityDimension objects or labels of ``program``'s options."""
    labels = [d for d in dimensions if isinstance(d, str)]
    pks = {d.pk for d in dimensions if isinstance(d, IdentityDimension)}
    pks |= set(
        IdentityDimension.objects.filter(program=program, label__in=labels).values_list("pk", flat=True)
    )
    data = {
        "identity-dimensions": [str(pk) for pk in sorted(pks)],
        "identity-self_described": self_described,
    }
    if consent:
        data["identity-consent_to_matching"] = "on"
    if wants_shared:
        data["identity-wants_shared_identity"] = "on"
    return data
