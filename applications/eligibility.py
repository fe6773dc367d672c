"""Who may apply to which program (and tier), and a message that says why not.

Learner types are programs.LearnerType codes: MD1–MD4, PGY1, PGY2, PT, OT, SLP
for learners, RES (resident physician, PGY3 and up) and FAC (clinician/faculty).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from programs.models import LearnerType, Program, Tier

from .models import MentorRole, Role

# What a mentee may say they are. RES (PGY3 and up) is offered so that a senior
# resident who tries a program for PGY1–2 learners is told why not.
MENTEE_CODES = ["MD1", "MD2", "MD3", "MD4", "PGY1", "PGY2", "RES", "PT", "OT", "SLP"]
MENTOR_YEARS = {MentorRole.RESIDENT: range(1, 8), MentorRole.STUDENT: range(1, 5)}

_NAMED = {
    "RES": "resident physicians",
    "FAC": "clinicians or faculty",
    "PT": "PT learners",
    "OT": "OT learners",
    "SLP": "SLP learners",
}
_NUMBERED = re.compile(r"^(MD|PGY)(\d+)$")


def mentor_learner_code(mentor_role: str, year: int | None) -> str | None:
    """The learner type a mentor counts as: clinician → FAC; resident PGY1/PGY2
    → PGY1/PGY2 and PGY3+ → RES; MD student in year n → MDn."""
    if mentor_role == MentorRole.CLINICIAN:
        return "FAC"
    if year is None:
        return None
    if mentor_role == MentorRole.RESIDENT:
        return f"PGY{year}" if year <= 2 else "RES"
    if mentor_role == MentorRole.STUDENT:
        return f"MD{year}"
    return None


def mentee_year(code: str) -> int | None:
    match = _NUMBERED.match(code)
    return int(match.group(2)) if match else None


def mentee_code_for_profile(learner_stage: str, year: int | None) -> str | None:
    """Prefill for the mentee form from accounts.User.learner_stage and year."""
    if learner_stage in ("MD", "PGY") and year:
        code = f"{learner_stage}{year}"
        return code if code in MENTEE_CODES else None
    if learner_stage in ("PT", "OT", "SLP"):
        return learner_stage
    return None


def mentor_role_for_profile(learner_stage: str, year: int | None) -> tuple[str | None, int | None]:
    if learner_stage == "CLIN":
        return MentorRole.CLINICIAN, None
    if learner_stage == "PGY":
        return MentorRole.RESIDENT, year
    if learner_stage == "MD":
        return MentorRole.STUDENT, year
    return None, None


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " or " + parts[-1]


def describe_types(types: Iterable[LearnerType]) -> str:
    """'MD students in years 2–4', 'residents in PGY1–PGY2, PT learners or ...'."""
    runs: dict[str, list[int]] = {}
    parts: list[str] = []
    for learner_type in types:
        match = _NUMBERED.match(learner_type.code)
        if match:
            prefix, number = match.group(1), int(match.group(2))
            if prefix not in runs:
                runs[prefix] = []
                parts.append(prefix)  # placeholder, filled in below
            runs[prefix].append(number)
        else:
            parts.append(_NAMED.get(learner_type.code, learner_type.label))
    for prefix, numbers in runs.items():
        numbers.sort()
        if prefix == "MD":
            text = (
                f"MD students in year {numbers[0]}"
                if len(numbers) == 1
                else f"MD students in years {numbers[0]}–{numbers[-1]}"
                if numbers == list(range(numbers[0], numbers[-1] + 1))
                else "MD students in years " + _join([str(n) for n in numbers])
            )
        else:
            codes = [f"PGY{n}" for n in numbers]
            text = (
                f"residents in {codes[0]}–{codes[-1]}"
                if len(codes) > 1 and numbers == list(range(numbers[0], numbers[-1] + 1))
                else "residents in " + _join(codes)
            )
        parts[parts.index(prefix)] = text
    return _join(parts)


def allowed_types(program: Program, tier: Tier | None, role: str) -> list[LearnerType]:
    """The tier's learner types for the role when it lists any, else the program's.
    An empty list means anyone may apply."""
    field = "mentee_learner_types" if role == Role.MENTEE else "mentor_learner_types"
    if tier is not None:
        types = list(getattr(tier, field).all())
        if types:
            return types
    return list(getattr(program, field).all())


def offered_types(program: Program, role: str) -> list[LearnerType] | None:
    """The learner types a form offers for ``role``: those some tier (or the
    program, without tiers) admits, in the list's order. None: anyone may apply.
    Uses the program's prefetched types and tiers when they are there."""
    tiers = list(program.tiers.all())
    scopes = (
        [allowed_types(program, tier, role) for tier in tiers]
        if tiers
        else [allowed_types(program, None, role)]
    )
    if any(not types for types in scopes):
        return None
    seen: dict[int, LearnerType] = {}
    for types in scopes:
        for learner_type in types:
            seen.setdefault(learner_type.pk, learner_type)
    return sorted(seen.values(), key=lambda t: (t.order, t.code))


def may_apply_as(program: Program, role: str, code: str | None) -> bool:
    """Would a person of learner type ``code`` be offered ``role`` in ``program``?
    (An unknown type: yes, the form asks.)"""
    types = offered_types(program, role)
    return types is None or code is None or code in {t.code for t in types}


def eligibility_error(
    *, program: Program, tier: Tier | None, role: str, learner_type: LearnerType, chosen: str
) -> str | None:
    """None when ``learner_type`` may apply, else a sentence that says why not."""
    types = allowed_types(program, tier, role)
    if not types or learner_type.pk in {t.pk for t in types}:
        return None
    where = f"{program.name} tier {tier.number}" if tier is not None else program.name
    return f"{where} {role}s must be {describe_types(types)}; {chosen}."
