"""From applications to the engine's input: allowed pairs, scores and reasons.

Plain data in, plain data out: ``matching.selectors`` builds the ``Person``
records (in a fixed number of queries) and this module never touches the
database, so it is cheap to test and to run on a whole round.

Hard rules (a pair failing one is never suggested): tier eligibility, nobody
mentors themselves, a coordinator's exclusion, and a pair that ended or was
declined before. Everything else only changes the score.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
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


# --- Participant choice: rank lists (issue 13) ---------------------------------
#
# When a round has a ranking window, ``stable_match`` runs on people's own
# lists, completed by the coordinator's scores. The rule, exactly:
#
# Mentees. A mentee's preference order is the mentors on their submitted list,
# in their order, keeping only allowed pairs (the hard rules of ``refusal``
# always win: tiers, exclusions, ended or declined pairs, nobody mentors
# themselves) with mentors who have a place left, and at most N of them (N =
# the program's ``max_ranks``). If fewer than N remain (a short list, or no
# list at all), the other allowed mentors with a place follow by descending
# score (ties by application id, the order ``preferences`` uses) until the
# order holds N mentors. A mentor the mentee did not rank is never preferred
# to one they ranked; a mentee with N ranked mentors is never matched with a
# mentor they did not rank.
#
# Mentors, by the program's ``mentor_participation``:
# - RANK: the mentees on their list, in their order (allowed pairs only), then
#   every other allowed mentee by score (ties by the waitlist order). A mentor
#   who did not rank someone still accepts them after everyone they ranked:
#   mentors rank only the mentees who ranked them, and an unranked mentee is
#   not a refusal (coordinators rule pairs out with an exclusion).
# - VERDICT: "happy to mentor" first, by score; then the mentees they did not
#   mark, by score; "rather not" last, by score. "Rather not" is kept as the
#   last resort rather than a refusal: it only places a mentee with that mentor
#   when no mentee the mentor prefers wants the place and the mentee could not
#   get a mentor they prefer; the board shows the verdict beside the pair, so
#   the coordinator sees it and can change the pair before publishing.
# - SCORES: by score, as in a round without rank lists.

RANK, VERDICT, SCORES = "rank", "verdict", "scores"
VERDICT_ORDER = {"happy": 0, "": 1, "rather_not": 2}


@dataclass(frozen=True)
class Choices:
    """The rank lists of a round, as ``ranked_preferences`` needs them.

    ``mentee_lists`` maps a mentee's application id to the mentor ids they
    ranked, first choice first; ``mentor_lists`` likewise for mentors (RANK
    mode); ``verdicts`` maps (mentee id, mentor id) to "happy" or "rather_not"
    (VERDICT mode)."""

    max_ranks: int = 5
    mentor_mode: str = RANK
    mentee_lists: Mapping[int, Sequence[int]] = field(default_factory=dict)
    mentor_lists: Mapping[int, Sequence[int]] = field(default_factory=dict)
    verdicts: Mapping[tuple[int, int], str] = field(default_factory=dict)

    def mentee_rank(self, mentee_id: int, mentor_id: int) -> int | None:
        """The place the mentee gave the mentor on their list (1 = first), or None."""
        return _place(self.mentee_lists.get(mentee_id, ()), mentor_id)

    def mentor_rank(self, mentee_id: int, mentor_id: int) -> int | None:
        """The place the mentor gave the mentee (RANK mode only), or None."""
        if self.mentor_mode != RANK:
            return None
        return _place(self.mentor_lists.get(mentor_id, ()), mentee_id)


def _place(ranked: Sequence[int], candidate: int) -> int | None:
    for i, pk in enumerate(ranked, 1):
        if pk == candidate:
            return i
    return None


def _mentee_order(
    by_score: list[int],
    listed: Sequence[int],
    allowed: set[int],
    max_ranks: int,
) -> list[int]:
    """Listed allowed mentors first (at most N), then the best-scored others up to N."""
    seen: set[int] = set()
    order = []
    for mentor_id in listed:
        if mentor_id in allowed and mentor_id not in seen and len(order) < max_ranks:
            seen.add(mentor_id)
            order.append(mentor_id)
    for mentor_id in by_score:
        if len(order) >= max_ranks:
            break
        if mentor_id not in seen:
            order.append(mentor_id)
    return order


def _mentor_order(mentor_id: int, by_score: list[int], choices: Choices) -> list[int]:
    if choices.mentor_mode == VERDICT:
        return sorted(
            by_score,
            key=lambda e: VERDICT_ORDER.get(choices.verdicts.get((e, mentor_id), ""), 1),
        )  # sorted() is stable: by score within each verdict
    if choices.mentor_mode == RANK:
        allowed = set(by_score)
        listed = list(dict.fromkeys(e for e in choices.mentor_lists.get(mentor_id, ()) if e in allowed))
        first = set(listed)
        return listed + [e for e in by_score if e not in first]
    return by_score


def ranked_preferences(
    pairs: Mapping[tuple[int, int], Suggestion],
    *,
    mentee_order: list[int],
    mentor_order: list[int],
    capacities: Mapping[int, int],
    choices: Choices,
) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Both sides' preferences for ``stable_match`` from the rank lists,
    completed by the scores (the rule is in the comment above ``RANK``)."""
    by_score_mentee, by_score_mentor = preferences(
        pairs, mentee_order=mentee_order, mentor_order=mentor_order
    )
    open_mentors = {m for m in mentor_order if capacities.get(m, 0) > 0}
    mentee_prefs = {}
    for mentee_id, ranked in by_score_mentee.items():
        with_place = [m for m in ranked if m in open_mentors]
        mentee_prefs[mentee_id] = _mentee_order(
            with_place, choices.mentee_lists.get(mentee_id, ()), set(with_place), choices.max_ranks
        )
    mentor_prefs = {m: _mentor_order(m, ranked, choices) for m, ranked in by_score_mentor.items()}
    return mentee_prefs, mentor_prefs


def rank_values(
    pairs: Mapping[tuple[int, int], Suggestion],
    mentee_prefs: Mapping[int, Sequence[int]],
    mentor_prefs: Mapping[int, Sequence[int]],
    choices: Choices,
) -> dict[tuple[int, int], int]:
    """Scores for ``optimal_match`` that make it minimise ranks.

    Only pairs that both completed preference lists accept take part (the
    same pairs ``stable_match`` may form, so the two results compare). A
    pair's cost is the mentee's rank of the mentor plus the mentor's rank of
    the mentee; a side that did not rank the other counts as one place after
    the longest list of the round (R + 1). In VERDICT mode the mentor's side
    is 1 for "happy", R + 1 unmarked, R + 2 "rather not"; in SCORES mode it
    is 0. The coordinator's score only breaks ties between equal costs:
    value = K × (2 × (R + 2) − cost) + score, with K larger than any score, so
    a lower cost always wins and every value is positive. ``optimal_match``
    first matches the most mentees, then maximises the total value."""
    longest = max(
        [choices.max_ranks, *(len(v) for v in choices.mentee_lists.values())]
        + [len(v) for v in choices.mentor_lists.values()]
    )
    accepted = {(e, m) for m, ranked in mentor_prefs.items() for e in ranked}
    wanted = [(e, m) for e, ranked in mentee_prefs.items() for m in ranked if (e, m) in accepted]
    k = max((pairs[key].score for key in wanted), default=0) + 1
    values = {}
    for e, m in wanted:
        cost = (choices.mentee_rank(e, m) or longest + 1) + _mentor_cost(e, m, choices, longest)
        values[e, m] = k * (2 * (longest + 2) - cost) + max(pairs[e, m].score, 0)
    return values


def _mentor_cost(mentee_id: int, mentor_id: int, choices: Choices, longest: int) -> int:
    if choices.mentor_mode == SCORES:
        return 0
    if choices.mentor_mode == VERDICT:
        verdict = choices.verdicts.get((mentee_id, mentor_id), "")
        return {"happy": 1, "rather_not": longest + 2}.get(verdict, longest + 1)
    return choices.mentor_rank(mentee_id, mentor_id) or longest + 1


@dataclass(frozen=True)
class RankSummary:
    """A round's result as the residency match reports it."""

    mentees: int  # in the round: matched in it, or still waiting
    ranked: int  # submitted a list with at least one mentor
    by_choice: tuple[tuple[int, int], ...]  # (1, how many got their 1st choice), (2, ...), ...
    unranked_mentor: int  # ranked, but matched with a mentor they did not rank
    ranked_unmatched: int  # ranked, and stayed unmatched
    no_list: int  # did not rank at all
    no_list_matched: int  # of those, matched (by the scores)
    matched: int

    @property
    def unmatched(self) -> int:
        return self.mentees - self.matched

    def rows(self) -> list[tuple[str, int]]:
        """The summary as (label, count) lines, for the board and the export."""
        return [
            ("Mentees in the round (matched in it, or waiting)", self.mentees),
            ("Ranked at least one mentor", self.ranked),
            *((f"Got their {ordinal(n)} choice", count) for n, count in self.by_choice),
            ("Ranked, and matched with a mentor they did not rank", self.unranked_mentor),
            ("Ranked, but stayed unmatched", self.ranked_unmatched),
            ("Did not rank at all", self.no_list),
            ("Did not rank, and matched by the coordinators' scores", self.no_list_matched),
            ("Matched in total", self.matched),
            ("Unmatched in total", self.unmatched),
        ]


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, ..., 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def rank_summary(
    *, mentees: Iterable[int], matched: Mapping[int, int | None], ranked: set[int], max_ranks: int
) -> RankSummary:
    """Count the round's mentees by the choice they got. ``matched`` maps each
    matched mentee to the rank they gave their mentor (None: not on their list)."""
    everyone = set(mentees) | set(matched)
    choices = Counter(rank for e, rank in matched.items() if e in ranked and rank is not None)
    top = max([max_ranks, *choices])
    return RankSummary(
        mentees=len(everyone),
        ranked=len(everyone & ranked),
        by_choice=tuple((n, choices.get(n, 0)) for n in range(1, top + 1)),
        unranked_mentor=sum(1 for e, rank in matched.items() if e in ranked and rank is None),
        ranked_unmatched=len((everyone & ranked) - set(matched)),
        no_list=len(everyone - ranked),
        no_list_matched=len(set(matched) - ranked),
        matched=len(matched),
    )
