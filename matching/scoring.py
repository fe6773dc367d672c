"""From applications to the engine's input: allowed pairs, scores and reasons.

Plain data in, plain data out: ``matching.selectors`` builds the ``Person``
records (in a fixed number of queries) and this module never touches the
database, so it is cheap to test and to run on a whole round.

Hard rules (a pair failing one is never suggested): tier eligibility, nobody
mentors themselves, a coordinator's exclusion, and a pair that ended or was
declined before. Everything else only changes the score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

IDENTITY_REASON = "shares the identity the mentee asked for"
MAX_COUNTED_SPECIALTIES = 3


@dataclass(frozen=True)
class Weights:
    specialty: int = 3
    outcomes: int = 2
    identity: int = 3
    site: int = 1
    meeting_format: int = 1
    availability: int = 1


@dataclass(frozen=True)
class TierRule:
    """Who may be a mentee and who a mentor in a tier (empty = anyone)."""

    mentee_types: frozenset[str] = frozenset()
    mentor_types: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Person:
    """One application, as scoring needs it."""

    id: int
    user_id: int
    name: str
    tier_id: int | None
    learner_type: str
    specialties: frozenset[str] = frozenset()
    outcomes: Mapping[int, str] = field(default_factory=dict)
    meeting_format: str = "either"
    availability: frozenset[str] = frozenset()
    availability_labels: Mapping[str, str] = field(default_factory=dict)
    hospital_site: str = ""
    hospital_site_label: str = ""
    identity: frozenset[int] = frozenset()  # dimension ids, without "prefer not to say"
    consents_to_matching: bool = False
    wants_shared_identity: bool = False
    capacity: int = 0  # mentors: places left now


@dataclass(frozen=True)
class Reason:
    text: str
    identity: bool = False
    # What this reason adds to the score. An identity reason's points are
    # taken off the score shown to people who may not see identity, or the
    # number would tell them what the hidden reason says.
    points: int = field(default=0, compare=False)

    def as_json(self) -> dict:
        return {"text": self.text, "identity": self.identity}


@dataclass(frozen=True)
class Suggestion:
    mentee_id: int
    mentor_id: int
    score: int
    reasons: tuple[Reason, ...]

    def reasons_json(self) -> list[dict]:
        return [r.as_json() for r in self.reasons]

    @property
    def identity_score(self) -> int:
        """The part of the score that identity concordance gives."""
        return sum(r.points for r in self.reasons if r.identity)

    def score_for(self, *, show_identity: bool) -> int:
        """The score as the viewer may see it: without the identity part for
        people who may not see identity."""
        return self.score if show_identity else self.score - self.identity_score


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def refusal(
    mentee: Person,
    mentor: Person,
    *,
    tier_rules: Mapping[int, TierRule],
    blocked: set[tuple[int, int]],
) -> str | None:
    """Why the pair may not be matched, or None when it may."""
    if mentee.user_id == mentor.user_id:
        return "Nobody can mentor themselves."
    if (mentee.id, mentor.id) in blocked:
        return "This pair is excluded, or was matched or declined before."
    if mentor.tier_id is not None and mentor.tier_id != mentee.tier_id:
        return "The mentor applied for another tier."
    if mentee.tier_id is not None:
        rule = tier_rules.get(mentee.tier_id, TierRule())
        if rule.mentee_types and mentee.learner_type not in rule.mentee_types:
            return "The mentee is not eligible for this tier."
        if rule.mentor_types and mentor.learner_type not in rule.mentor_types:
            return "The mentor is not eligible to mentor in this tier."
    return None


def score_pair(mentee: Person, mentor: Person, weights: Weights) -> tuple[int, tuple[Reason, ...]]:
    """The pair's score and the reasons for it, in words."""
    score = 0
    reasons: list[Reason] = []

    shared = sorted(mentee.specialties & mentor.specialties)
    if shared and weights.specialty:
        points = weights.specialty * min(len(shared), MAX_COUNTED_SPECIALTIES)
        score += points
        reasons.append(Reason(f"both interested in {_join([s.lower() for s in shared])}", points=points))

    offered = [text for pk, text in mentee.outcomes.items() if pk in mentor.outcomes]
    if offered and weights.outcomes:
        points = weights.outcomes * len(offered)
        score += points
        reasons.append(
            Reason(f"mentor offers what the mentee joined for: {'; '.join(offered)}", points=points)
        )

    if (
        weights.identity
        and mentee.wants_shared_identity
        and mentee.consents_to_matching
        and mentor.consents_to_matching
        and mentee.identity & mentor.identity
    ):
        score += weights.identity
        reasons.append(Reason(IDENTITY_REASON, identity=True, points=weights.identity))

    if weights.site and mentee.hospital_site and mentee.hospital_site == mentor.hospital_site:
        score += weights.site
        reasons.append(
            Reason(f"same site: {mentee.hospital_site_label or mentee.hospital_site}", points=weights.site)
        )

    formats = {mentee.meeting_format, mentor.meeting_format}
    if weights.meeting_format and (len(formats) == 1 or "either" in formats):
        score += weights.meeting_format
        fitting = (formats - {"either"}) or {"either"}
        word = {"in_person": "in person", "virtual": "virtually", "either": "in person or virtually"}
        reasons.append(
            Reason(
                f"both can meet {word.get(next(iter(fitting)), next(iter(fitting)))}",
                points=weights.meeting_format,
            )
        )

    common = sorted(mentee.availability & mentor.availability)
    if common and weights.availability:
        score += weights.availability
        labels = [mentee.availability_labels.get(code, code).lower() for code in common]
        reasons.append(Reason(f"both available {_join(labels)}", points=weights.availability))

    return score, tuple(reasons)


def suggestions(
    mentees: Iterable[Person],
    mentors: Iterable[Person],
    weights: Weights,
    *,
    tier_rules: Mapping[int, TierRule],
    blocked: set[tuple[int, int]],
) -> dict[tuple[int, int], Suggestion]:
    """Every allowed (mentee id, mentor id) pair with its score and reasons."""
    mentors = list(mentors)
    out: dict[tuple[int, int], Suggestion] = {}
    for mentee in mentees:
        for mentor in mentors:
            if refusal(mentee, mentor, tier_rules=tier_rules, blocked=blocked) is not None:
                continue
            score, reasons = score_pair(mentee, mentor, weights)
            out[mentee.id, mentor.id] = Suggestion(mentee.id, mentor.id, score, reasons)
    return out


def preferences(
    pairs: Mapping[tuple[int, int], Suggestion],
    *,
    mentee_order: list[int],
    mentor_order: list[int],
) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Both sides' rankings for ``stable_match``, from the scores.

    Higher score first. Ties: a mentee prefers the mentor that comes first in
    ``mentor_order`` (application id); a mentor prefers the mentee that comes
    first in ``mentee_order`` (the waitlist, so earlier acceptance wins ties).
    """
    mentee_pos = {pk: i for i, pk in enumerate(mentee_order)}
    mentor_pos = {pk: i for i, pk in enumerate(mentor_order)}
    mentee_prefs: dict[int, list[int]] = {pk: [] for pk in mentee_order}
    mentor_prefs: dict[int, list[int]] = {pk: [] for pk in mentor_order}
    for mentee_id, mentor_id in pairs:
        mentee_prefs[mentee_id].append(mentor_id)
        mentor_prefs[mentor_id].append(mentee_id)
    for mentee_id, ranked in mentee_prefs.items():
        ranked.sort(key=lambda m: (-pairs[mentee_id, m].score, mentor_pos[m]))
    for mentor_id, ranked in mentor_prefs.items():
        ranked.sort(key=lambda e: (-pairs[e, mentor_id].score, mentee_pos[e]))
    return mentee_prefs, mentor_prefs
