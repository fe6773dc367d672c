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


def identity_data(program, *labels, consent=True, wants_shared=False, self_described=""):
    data = {
        "identity-dimensions": [
            str(d.pk) for d in IdentityDimension.objects.filter(program=program, label__in=labels)
        ],
        "identity-self_described": self_described,
    }
    if consent:
        data["identity-consent_to_matching"] = "on"
    if wants_shared:
        data["identity-wants_shared_identity"] = "on"
    return data
