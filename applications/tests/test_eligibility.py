import pytest

from applications.eligibility import describe_types, mentee_code_for_profile, mentor_learner_code
from applications.models import MentorRole
from programs.models import LearnerType


def types(*codes):
    return [LearnerType(code=c, label=c) for c in codes]


@pytest.mark.parametrize(
    "codes,text",
    [
        (("MD2", "MD3", "MD4"), "MD students in years 2–4"),
        (("MD1",), "MD students in year 1"),
        (("MD1", "MD3"), "MD students in years 1 or 3"),
        (
            ("MD1", "MD2", "MD3", "MD4", "PGY1", "PGY2", "PT", "OT", "SLP"),
            "MD students in years 1–4, residents in PGY1–PGY2, PT learners, OT learners or SLP learners",
        ),
        (("PGY1", "PGY2", "RES"), "residents in PGY1–PGY2 or resident physicians"),
        (("FAC",), "clinicians or faculty"),
    ],
)
def test_describe_types(codes, text):
    assert describe_types(types(*codes)) == text


@pytest.mark.parametrize(
    "role,year,code",
    [
        (MentorRole.CLINICIAN, None, "FAC"),
        (MentorRole.CLINICIAN, 3, "FAC"),
        (MentorRole.RESIDENT, 1, "PGY1"),
        (MentorRole.RESIDENT, 2, "PGY2"),
        (MentorRole.RESIDENT, 3, "RES"),
        (MentorRole.STUDENT, 4, "MD4"),
        (MentorRole.RESIDENT, None, None),
    ],
)
def test_mentor_learner_code(role, year, code):
    assert mentor_learner_code(role, year) == code


@pytest.mark.parametrize(
    "stage,year,code",
    [("MD", 2, "MD2"), ("PGY", 1, "PGY1"), ("PGY", 4, None), ("PT", None, "PT"), ("CLIN", None, None)],
)
def test_profile_prefill(stage, year, code):
    assert mentee_code_for_profile(stage, year) == code
