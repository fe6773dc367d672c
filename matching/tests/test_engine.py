"""Tests for the pure matching engine (no database, no Django fixtures)."""

from __future__ import annotations

import gc
import importlib.metadata
import itertools
import json
import math
import os
import random
import subprocess
import sys
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching import engine
from matching.engine import blocking_pairs, optimal_match, stable_match

PROPERTY = settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


class Opaque:
    """A hashable id that cannot be ordered (so the engine must not sort ids)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __hash__(self) -> int:
        return hash(("Opaque", self.name))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Opaque) and other.name == self.name

    def __repr__(self) -> str:
        return f"Opaque({self.name})"


# --------------------------------------------------------------------------
# Brute force
# --------------------------------------------------------------------------


def first_rank(seq, item):
    for pos, x in enumerate(seq):
        if x == item:
            return pos
    return None


def acceptable_pairs(mentee_prefs, mentor_prefs, capacities):
    return {
        (e, h)
        for e, prefs in mentee_prefs.items()
        for h in prefs
        if capacities.get(h, 0) > 0 and e in mentor_prefs.get(h, ())
    }


def all_assignments(mentees, options, capacities):
    """Every map mentee -> option or None that respects the capacities."""
    choices = [[None, *sorted(set(options.get(e, ())), key=repr)] for e in mentees]
    for combo in itertools.product(*choices):
        load = {}
        for h in combo:
            if h is not None:
                load[h] = load.get(h, 0) + 1
        if all(n <= capacities.get(h, 0) for h, n in load.items()):
            yield dict(zip(mentees, combo, strict=True))


def brute_blocking(matching, mentee_prefs, mentor_prefs, capacities):
    out = set()
    for e, prefs in mentee_prefs.items():
        for h in prefs:
            if capacities.get(h, 0) <= 0 or e not in mentor_prefs.get(h, ()):
                continue
            current = matching.get(e)
            if current is not None and first_rank(prefs, h) >= first_rank(prefs, current):
                continue
            mine = [x for x, y in matching.items() if y == h]
            hp = mentor_prefs[h]
            if len(mine) < capacities[h] or any(first_rank(hp, e) < first_rank(hp, x) for x in mine):
                out.add((e, h))
    return out


def check_stable_and_mentee_optimal(result, mentee_prefs, mentor_prefs, capacities):
    mentees = list(mentee_prefs)
    assert list(result) == mentees
    pairs = acceptable_pairs(mentee_prefs, mentor_prefs, capacities)
    for e, h in result.items():
        if h is not None:
            assert (e, h) in pairs, "matched a pair that is not mutually acceptable"
    load = {}
    for h in result.values():
        if h is not None:
            load[h] = load.get(h, 0) + 1
    assert all(n <= capacities.get(h, 0) for h, n in load.items())
    assert brute_blocking(result, mentee_prefs, mentor_prefs, capacities) == set()
    assert blocking_pairs(result, mentee_prefs, mentor_prefs, capacities) == []

    options = {e: [h for h in mentee_prefs[e] if (e, h) in pairs] for e in mentees}

    def rank(e, h):
        return math.inf if h is None else first_rank(mentee_prefs[e], h)

    stable_count = 0
    for other in all_assignments(mentees, options, capacities):
        if brute_blocking(other, mentee_prefs, mentor_prefs, capacities):
            continue
        stable_count += 1
        for e in mentees:
            assert rank(e, result[e]) <= rank(e, other[e]), "not mentee-optimal"
    assert stable_count >= 1


def brute_optimum(scores, capacities):
    mentees = list(dict.fromkeys(e for e, _ in scores))
    options = {}
    for e, h in scores:
        options.setdefault(e, []).append(h)
    best = (-1, None)
    for assignment in all_assignments(mentees, options, capacities):
        value = objective(assignment, scores)
        if value > best:
            best = value
    return best


def objective(assignment, scores):
    """(number matched, exact total score)."""
    matched = [(e, h) for e, h in assignment.items() if h is not None]
    return len(matched), sum((Fraction(scores[p]) for p in matched), Fraction(0))


def check_valid_assignment(result, scores, capacities):
    assert list(result) == list(dict.fromkeys(e for e, _ in scores))
    load = {}
    for e, h in result.items():
        if h is None:
            continue
        assert (e, h) in scores, "matched a pair without a score"
        load[h] = load.get(h, 0) + 1
    for h, n in load.items():
        assert n <= capacities.get(h, 0)


# --------------------------------------------------------------------------
# Instance generators
# --------------------------------------------------------------------------

ID_POOLS = [
    [f"e{i}" for i in range(6)],
    list(range(6)),
    [Opaque(f"x{i}") for i in range(6)],
    [1, "two", (3,), Opaque("four"), 5.5, frozenset({6})],  # mixed, unsortable
]


@st.composite
def hr_instances(draw, max_mentees=5, max_mentors=3):
    n = draw(st.integers(0, max_mentees))
    m = draw(st.integers(0, max_mentors))
    pool = draw(st.sampled_from(ID_POOLS))
    mentees = pool[:n]
    mentors = [("mentor", k) for k in range(m)]
    mentee_prefs = {}
    for e in mentees:
        order = draw(st.permutations(mentors))
        mentee_prefs[e] = list(order[: draw(st.integers(0, m))])
    mentor_prefs = {}
    for h in mentors:
        if draw(st.booleans()) or not mentees:
            order = draw(st.permutations(mentees))
            mentor_prefs[h] = list(order[: draw(st.integers(0, len(order)))])
    capacities = {h: draw(st.integers(0, 3)) for h in mentors if draw(st.integers(0, 5))}
    return mentee_prefs, mentor_prefs, capacities


@st.composite
def score_instances(draw, max_mentees=5, max_mentors=3, values=None):
    n = draw(st.integers(0, max_mentees))
    m = draw(st.integers(0, max_mentors))
    pool = draw(st.sampled_from(ID_POOLS))
    mentees = pool[:n]
    mentors = [("mentor", k) for k in range(m)]
    if values is None:
        values = st.one_of(st.integers(-5, 5), st.sampled_from([0.1, 0.2, 0.3, -0.7, 2.5, 1e16]))
    pairs = [(e, h) for e in mentees for h in mentors]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=9)) if pairs else []
    scores = {p: draw(values) for p in chosen}
    capacities = {h: draw(st.integers(0, 3)) for h in mentors if draw(st.integers(0, 5))}
    return scores, capacities


def random_hr(rng, n, m, length, cap):
    mentees = [f"e{i}" for i in range(n)]
    mentors = [f"m{j}" for j in range(m)]
    mentee_prefs = {e: rng.sample(mentors, min(length, m)) for e in mentees}
    listed = {h: [e for e in mentees if h in mentee_prefs[e]] for h in mentors}
    mentor_prefs = {h: rng.sample(listed[h], len(listed[h])) for h in mentors}
    return mentee_prefs, mentor_prefs, {h: cap for h in mentors}


def random_scores(rng, n, m, k, caps, spread=100):
    scores = {}
    for i in range(n):
        for j in rng.sample(range(m), min(k, m)):
            scores[(f"e{i}", f"m{j}")] = rng.randint(-spread, spread)
    capacities = {f"m{j}": rng.randint(*caps) for j in range(m)}
    return scores, capacities


def shuffled(mapping, rng):
    items = list(mapping.items())
    rng.shuffle(items)
    return dict(items)


# --------------------------------------------------------------------------
# stable_match
# --------------------------------------------------------------------------


@PROPERTY
@given(hr_instances())
def test_stable_match_is_stable_and_mentee_optimal(instance):
    mentee_prefs, mentor_prefs, capacities = instance
    result = stable_match(mentee_prefs, mentor_prefs, capacities)
    check_stable_and_mentee_optimal(result, mentee_prefs, mentor_prefs, capacities)


@PROPERTY
@given(hr_instances(), st.randoms(use_true_random=False))
def test_stable_match_is_deterministic_and_order_independent(instance, rng):
    mentee_prefs, mentor_prefs, capacities = instance
    first = stable_match(mentee_prefs, mentor_prefs, capacities)
    assert stable_match(mentee_prefs, mentor_prefs, capacities) == first
    # The mentee-optimal stable matching is unique, so key order cannot matter.
    again = stable_match(shuffled(mentee_prefs, rng), shuffled(mentor_prefs, rng), shuffled(capacities, rng))
    assert again == first


@PROPERTY
@given(hr_instances(), st.randoms(use_true_random=False))
def test_blocking_pairs_matches_brute_force_on_any_matching(instance, rng):
    mentee_prefs, mentor_prefs, capacities = instance
    mentors = list(mentor_prefs) + list(capacities)
    matching = {e: rng.choice([None, *mentors]) if mentors else None for e in mentee_prefs}
    found = blocking_pairs(matching, mentee_prefs, mentor_prefs, capacities)
    assert len(found) == len(set(found))
    pairs = acceptable_pairs(mentee_prefs, mentor_prefs, capacities)
    load = {}
    for h in matching.values():
        load[h] = load.get(h, 0) + 1
    valid = all(h is None or (e, h) in pairs for e, h in matching.items()) and all(
        n <= capacities.get(h, 0) for h, n in load.items() if h is not None
    )
    if valid:  # the brute force knows the textbook definition, for valid matchings
        assert set(found) == brute_blocking(matching, mentee_prefs, mentor_prefs, capacities)


def test_stable_match_textbook_example():
    mentee_prefs = {"a": ["X", "Y"], "b": ["X", "Y"], "c": ["X"], "d": ["Y", "X"]}
    mentor_prefs = {"X": ["c", "b", "a", "d"], "Y": ["a", "d", "b"]}
    capacities = {"X": 2, "Y": 1}
    result = stable_match(mentee_prefs, mentor_prefs, capacities)
    assert result == {"a": "Y", "b": "X", "c": "X", "d": None}
    assert blocking_pairs(result, mentee_prefs, mentor_prefs, capacities) == []


def test_stable_match_degenerate_inputs():
    assert stable_match({}, {}, {}) == {}
    assert stable_match({"a": []}, {}, {}) == {"a": None}
    # Mentor missing from capacities, and one with capacity 0.
    assert stable_match({"a": ["X", "Y"]}, {"X": ["a"], "Y": ["a"]}, {"Y": 0}) == {"a": None}
    # Not mutually acceptable: X does not list a; Y is not in mentor_prefs.
    assert stable_match({"a": ["X", "Y"]}, {"X": ["b"]}, {"X": 1, "Y": 1}) == {"a": None}
    # Repeated entries count at their first position; tuples and generators work.
    prefs = {"a": ("X", "X"), "b": iter(["X"])}
    assert stable_match(prefs, {"X": ["b", "a", "b"]}, {"X": 1}) == {"a": None, "b": "X"}


def test_stable_match_exclusions_are_never_matched():
    rng = random.Random(3)
    mentee_prefs, mentor_prefs, capacities = random_hr(rng, 60, 10, 6, 3)
    for h in mentor_prefs:  # each mentor drops a third of the mentees that list it
        mentor_prefs[h] = [e for k, e in enumerate(mentor_prefs[h]) if k % 3]
    result = stable_match(mentee_prefs, mentor_prefs, capacities)
    for e, h in result.items():
        assert h is None or (h in mentee_prefs[e] and e in mentor_prefs[h])
    assert blocking_pairs(result, mentee_prefs, mentor_prefs, capacities) == []


@pytest.mark.parametrize("bad", [-1, -10])
def test_negative_capacity_is_rejected(bad):
    with pytest.raises(ValueError, match="capacity of mentor 'X' must be >= 0"):
        stable_match({"a": ["X"]}, {"X": ["a"]}, {"X": bad})
    with pytest.raises(ValueError, match="must be >= 0"):
        optimal_match({("a", "X"): 1}, {"X": bad})
    with pytest.raises(ValueError, match="must be >= 0"):
        blocking_pairs({}, {}, {}, {"X": bad})


def test_non_integer_capacity_is_rejected():
    with pytest.raises(TypeError, match="must be an integer"):
        stable_match({"a": ["X"]}, {"X": ["a"]}, {"X": 1.5})
    with pytest.raises(TypeError, match="must be an integer"):
        optimal_match({("a", "X"): 1}, {"X": "2"})


def test_blocking_pairs_of_bad_matchings():
    mentee_prefs = {"a": ["X", "Y"], "b": ["X"], "c": ["Y"]}
    mentor_prefs = {"X": ["a", "b"], "Y": ["c", "a"]}
    capacities = {"X": 1, "Y": 1}
    assert blocking_pairs({}, mentee_prefs, mentor_prefs, capacities) == [
        ("a", "X"),
        ("a", "Y"),
        ("b", "X"),
        ("c", "Y"),
    ]
    assert blocking_pairs({"a": "Y", "b": "X"}, mentee_prefs, mentor_prefs, capacities) == [
        ("a", "X"),
        ("c", "Y"),
    ]
    # An unacceptable partner counts as worse than any acceptable one.
    assert ("b", "X") in blocking_pairs({"c": "X"}, mentee_prefs, mentor_prefs, capacities)


def test_stable_match_on_a_larger_instance_has_no_blocking_pairs():
    rng = random.Random(7)
    mentee_prefs, mentor_prefs, capacities = random_hr(rng, 400, 50, 50, 4)
    result = stable_match(mentee_prefs, mentor_prefs, capacities)
    assert blocking_pairs(result, mentee_prefs, mentor_prefs, capacities) == []
    assert stable_match(shuffled(mentee_prefs, rng), shuffled(mentor_prefs, rng), capacities) == result


_MATCHING_SCRIPT = """
import json, sys, warnings
warnings.simplefilter("ignore")
from matching.games import HospitalResident
data = json.load(sys.stdin)
game = HospitalResident.create_from_dictionaries(data["mentees"], data["mentors"], data["caps"])
solution = game.solve(optimal="resident")
print(json.dumps({r.name: h.name for h, rs in solution.items() for r in rs}))
"""


def test_stable_match_equals_matching_package_resident_optimal(tmp_path):
    # The PyPI package is also called "matching", which this Django app shadows,
    # so importorskip cannot see it; ask for its distribution and run it in a
    # subprocess whose sys.path does not contain the project.
    try:
        importlib.metadata.distribution("matching")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("the PyPI 'matching' package (a benchmark-only peer) is not installed")
    rng = random.Random(11)
    mentee_prefs, mentor_prefs, capacities = random_hr(rng, 40, 8, 5, 3)
    mentor_prefs = {h: p for h, p in mentor_prefs.items() if p}  # the package wants non-empty lists
    mentee_prefs = {e: [h for h in p if h in mentor_prefs] for e, p in mentee_prefs.items()}
    mentee_prefs = {e: p for e, p in mentee_prefs.items() if p}
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, "-c", _MATCHING_SCRIPT],
        input=json.dumps({"mentees": mentee_prefs, "mentors": mentor_prefs, "caps": capacities}),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0 and "No module named 'matching.games'" in proc.stderr:
        pytest.skip("the PyPI 'matching' package is not importable")
    assert proc.returncode == 0, proc.stderr
    theirs = json.loads(proc.stdout)
    ours = stable_match(mentee_prefs, mentor_prefs, capacities)
    assert ours == {e: theirs.get(e) for e in mentee_prefs}


# --------------------------------------------------------------------------
# optimal_match
# --------------------------------------------------------------------------


@pytest.fixture(
    params=["default", "always-bidirectional", "never-bidirectional", "transposed", "mentee-side"]
)
def solver_mode(request, monkeypatch):
    """Run a test through each code path of the solver (the result is the same)."""
    if request.param == "always-bidirectional":
        monkeypatch.setattr(engine, "BIDIRECTIONAL_AFTER", 0)
    elif request.param == "never-bidirectional":
        monkeypatch.setattr(engine, "BIDIRECTIONAL_AFTER", 10**9)
    elif request.param == "transposed":
        monkeypatch.setattr(engine, "TRANSPOSE_RATIO", 10.0)
    elif request.param == "mentee-side":
        monkeypatch.setattr(engine, "TRANSPOSE_RATIO", 0.0)
    return request.param


@PROPERTY
@given(score_instances(), st.sampled_from([0, 1, 10**9]), st.sampled_from([0.0, 0.95, 10.0]))
def test_optimal_match_matches_brute_force(instance, after, ratio):
    scores, capacities = instance
    old = engine.BIDIRECTIONAL_AFTER, engine.TRANSPOSE_RATIO
    engine.BIDIRECTIONAL_AFTER, engine.TRANSPOSE_RATIO = after, ratio
    try:
        result = optimal_match(scores, capacities)
    finally:
        engine.BIDIRECTIONAL_AFTER, engine.TRANSPOSE_RATIO = old
    check_valid_assignment(result, scores, capacities)
    assert objective(result, scores) == brute_optimum(scores, capacities)


@PROPERTY
@given(score_instances(), st.randoms(use_true_random=False))
def test_optimal_match_is_deterministic_and_valid_when_shuffled(instance, rng):
    scores, capacities = instance
    first = optimal_match(scores, capacities)
    assert optimal_match(scores, capacities) == first
    mixed = shuffled(scores, rng)
    again = optimal_match(mixed, shuffled(capacities, rng))
    check_valid_assignment(again, mixed, capacities)
    assert set(again) == set(first)
    assert objective(again, scores) == objective(first, scores)


def test_optimal_match_prefers_cardinality_over_score():
    scores = {("a", "X"): 100, ("b", "X"): 1, ("a", "Y"): 0}
    assert optimal_match(scores, {"X": 1, "Y": 1}) == {"a": "Y", "b": "X"}
    # One place only: the better score wins.
    assert optimal_match(scores, {"X": 1}) == {"a": "X", "b": None}


def test_optimal_match_is_exact_with_floats():
    # Two perfect assignments: exact totals 1e16 + 2 and 1e16 + 1.5.  Summed in
    # floats they come out as 1e16 and 1e16 + 2, the other way round.
    scores = {
        ("A", "X"): 1e16,
        ("B", "Y"): 1.0,
        ("C", "Z"): 1.0,
        ("A", "Y"): 1e16 + 2,
        ("B", "Z"): -0.5,
        ("C", "X"): 0.0,
    }
    assert (1e16 + 1.0) + 1.0 < (1e16 + 2) + -0.5 + 0.0
    caps = {"X": 1, "Y": 1, "Z": 1}
    assert optimal_match(scores, caps) == {"A": "X", "B": "Y", "C": "Z"}
    assert objective(optimal_match(scores, caps), scores) == brute_optimum(scores, caps)


def test_optimal_match_degenerate_inputs():
    assert optimal_match({}, {}) == {}
    assert optimal_match({("a", "X"): 5}, {}) == {"a": None}  # mentor missing from capacities
    assert optimal_match({("a", "X"): 5}, {"X": 0}) == {"a": None}
    assert optimal_match({("a", "X"): 5, ("b", "Y"): 1}, {"Y": 2}) == {"a": None, "b": "Y"}
    # Ties: some optimal answer, always the same one.
    ties = {("a", "X"): 1, ("b", "X"): 1, ("c", "X"): 1}
    first = optimal_match(ties, {"X": 2})
    assert sum(h is not None for h in first.values()) == 2
    assert all(optimal_match(ties, {"X": 2}) == first for _ in range(3))
    # Negative, zero, Fraction and bool scores are all numbers.
    assert optimal_match({("a", "X"): -3, ("a", "Y"): Fraction(-1, 3)}, {"X": 1, "Y": 1}) == {"a": "Y"}
    assert optimal_match({("a", "X"): True, ("a", "Y"): 0}, {"X": 1, "Y": 1}) == {"a": "X"}


def test_optimal_match_rejects_bad_scores():
    with pytest.raises(ValueError, match="finite"):
        optimal_match({("a", "X"): float("nan")}, {"X": 1})
    with pytest.raises(ValueError, match="finite"):
        optimal_match({("a", "X"): float("inf")}, {"X": 1})
    with pytest.raises(TypeError, match="real numbers"):
        optimal_match({("a", "X"): "high"}, {"X": 1})
    with pytest.raises(TypeError, match="pairs"):
        optimal_match({("a", "X", "Y"): 1}, {"X": 1})
    with pytest.raises(TypeError, match="pairs"):
        optimal_match({5: 1}, {"X": 1})


@pytest.mark.parametrize(
    ("n", "m", "k", "caps"),
    [
        (300, 60, 6, (5, 5)),  # as many places as mentees
        (300, 60, 6, (0, 8)),  # some mentees and some places left over
        (300, 60, 6, (1, 3)),  # far fewer places than mentees
        (150, 60, 6, (2, 6)),  # far more places than mentees
    ],
)
def test_optimal_match_against_ortools_on_medium_instances(n, m, k, caps, solver_mode):
    pytest.importorskip("ortools.graph.python.min_cost_flow")
    scores, capacities = random_scores(random.Random(n * m + caps[0]), n, m, k, caps)
    result = optimal_match(scores, capacities)
    check_valid_assignment(result, scores, capacities)
    assert objective(result, scores) == ortools_objective(scores, capacities)


def test_optimal_match_capacities_and_exclusions_on_a_random_instance(solver_mode):
    scores, capacities = random_scores(random.Random(5), 200, 40, 5, (0, 6))
    result = optimal_match(scores, capacities)
    check_valid_assignment(result, scores, capacities)
    assert optimal_match(shuffled(scores, random.Random(1)), capacities).keys() == result.keys()


# --------------------------------------------------------------------------
# optimal_match: the warm start (auction prices) when places match mentees
# --------------------------------------------------------------------------


@st.composite
def balanced_score_instances(draw, max_mentees=6, max_mentors=3):
    """Instances whose usable places (capacity, at most the mentor's degree)
    add up to the number of mentees with a pair, so ``_assign`` may warm-start."""
    n = draw(st.integers(1, max_mentees))
    m = draw(st.integers(1, max_mentors))
    pool = draw(st.sampled_from(ID_POOLS))
    mentees = pool[:n]
    mentors = [("mentor", k) for k in range(m)]
    values = st.one_of(st.integers(-5, 5), st.sampled_from([0.1, 0.2, 0.3, -0.7, 2.5, 1e16]))
    pairs = [(e, h) for e in mentees for h in mentors]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, min_size=1, max_size=10))
    scores = {p: draw(values) for p in chosen}
    rows = len({e for e, _ in chosen})
    slots = draw(st.permutations([h for _, h in chosen]))[:rows]  # at most degree each
    capacities = {h: slots.count(h) for h in mentors}
    return scores, capacities


WARM_SETTINGS = (
    "WARM_START_MIN_ROWS",
    "AUCTION_BIDS_PER_ROW",
    "TIGHTEN_BIDS_PER_ROW",
    "BIDIRECTIONAL_AFTER",
    "SEARCH_LIMIT_EPS",
)


@PROPERTY
@given(
    balanced_score_instances(),
    st.sampled_from([0, 1, 12]),
    st.sampled_from([0, 1, 4, 100]),
    st.sampled_from([0, 256, 10**9]),
    st.sampled_from([0, 1, 2, 10**9]),
)
def test_optimal_match_warm_start_matches_brute_force(instance, bids, tighten_bids, after, limit):
    scores, capacities = instance
    old = [getattr(engine, name) for name in WARM_SETTINGS]
    for name, value in zip(WARM_SETTINGS, (0, bids, tighten_bids, after, limit), strict=True):
        setattr(engine, name, value)
    try:
        result = optimal_match(scores, capacities)
    finally:
        for name, value in zip(WARM_SETTINGS, old, strict=True):
            setattr(engine, name, value)
    check_valid_assignment(result, scores, capacities)
    assert objective(result, scores) == brute_optimum(scores, capacities)


def pairs(row):
    """The ``(column, cost)`` pairs of one of the solver's flat rows."""
    return list(zip(row[::2], row[1::2], strict=True))


def balanced_arcs(rng, n, m, k, spread):
    """A row/column instance for ``_assign`` whose places equal its rows."""
    cap = [n // m + (1 if j < n % m else 0) for j in range(m)]
    arcs = []
    for _ in range(n):
        row = [(j, rng.randint(0, spread)) for j in rng.sample(range(m), k)]
        arcs.append(engine._flat_row(row))
    return arcs, cap


def test_flat_row_is_sorted_by_cost_and_flat():
    assert engine._flat_row([(4, 9), (2, 1), (7, 5)]) == (2, 1, 7, 5, 4, 9)
    assert engine._flat_row([]) == ()


@pytest.mark.parametrize(("spread", "bids"), [(1000, 4), (3, 4), (3, 0), (1000, 100)])
def test_tighten_keeps_only_rows_at_a_best_column(spread, bids, monkeypatch):
    monkeypatch.setattr(engine, "TIGHTEN_BIDS_PER_ROW", bids)
    arcs, cap = balanced_arcs(random.Random(spread + bids), 600, 150, 6, spread)
    auction = engine._auction(arcs, cap, spread)
    assert auction is not None
    price, holders, eps = auction
    auction_prices = list(price)
    seed = engine._tighten(arcs, cap, price, holders, eps)

    assert all(p >= q for p, q in zip(price, auction_prices, strict=True))  # prices only rise
    rows = [r for r, _, _ in seed]
    assert len(rows) == len(set(rows))
    load = [0] * len(cap)
    for r, j, c in seed:
        assert (j, c) in pairs(arcs[r])
        # The row is at a best column: nothing cheaper at these prices.
        assert c + price[j] == min(ck + price[k] for k, ck in pairs(arcs[r]))
        load[j] += 1
    assert all(used <= places for used, places in zip(load, cap, strict=True))
    if bids:
        # The exact round leaves few rows to the searches (not a guarantee of
        # the method, but a regression would show here).
        assert len(seed) >= 0.9 * len(arcs)


def test_place_rows_from_a_seed_finishes_the_optimum():
    arcs, cap = balanced_arcs(random.Random(8), 300, 75, 5, 1000)
    price, holders, eps = engine._auction(arcs, cap, 1000)
    seed = engine._tighten(arcs, cap, price, holders, eps)
    warm = engine._place_rows(arcs, cap, 1000, [-p for p in price], warm=True, seed=seed)
    cold = engine._place_rows(arcs, cap, 1000, [0] * len(cap), warm=False)
    assert len(seed) < len(arcs)  # some rows are left to the searches
    assert warm is not None and min(warm) >= 0

    def cost(asg):
        return sum(dict(pairs(arcs[r]))[j] for r, j in enumerate(asg))

    assert cost(warm) == cost(cold)


@pytest.mark.parametrize("after", [0, 256])
def test_search_limit_changes_no_step_of_the_solve(after, monkeypatch):
    # A limited search settles the same columns in the same order as an
    # unlimited one, so the assignment is identical (not only as cheap), with
    # limits that always restart (0, 1) and limits that rarely or never do.
    monkeypatch.setattr(engine, "BIDIRECTIONAL_AFTER", after)
    arcs, cap = balanced_arcs(random.Random(after + 5), 800, 200, 6, 1000)
    price, holders, eps = engine._auction(arcs, cap, 1000)
    seed = engine._tighten(arcs, cap, price, holders, eps)
    assert len(seed) < len(arcs)  # the searches have rows to place

    def solve(limit):
        return engine._place_rows(
            arcs, cap, 1000, [-p for p in price], warm=True, seed=seed, first_limit=limit
        )

    unlimited = solve(float("inf"))
    assert unlimited is not None
    for limit in (0, 1, eps, 2 * eps, 10**9):
        assert solve(limit) == unlimited


@pytest.fixture
def solver_calls(monkeypatch):
    """Record ``(warm, gave_up)`` for each call of the solver ``_place_rows``."""
    calls = []
    place_rows = engine._place_rows

    def spy(*args, warm, **kwargs):
        out = place_rows(*args, warm=warm, **kwargs)
        calls.append((warm, out is None))
        return out

    monkeypatch.setattr(engine, "_place_rows", spy)
    return calls


def test_warm_start_gives_up_when_not_every_mentee_can_be_placed(solver_calls, monkeypatch):
    # Places add up to the mentees (X 2, Y 2, Z 1), but d and e both need Z.
    scores = {(e, h): s for e in "abc" for h, s in (("X", 3), ("Y", 1))}
    scores.update({("d", "Z"): 5, ("e", "Z"): 2})
    capacities = {"X": 2, "Y": 2, "Z": 1}
    monkeypatch.setattr(engine, "WARM_START_MIN_ROWS", 0)
    result = optimal_match(scores, capacities)
    assert solver_calls == [(False, False)]  # the auction ran out of bids, so no warm solve
    assert objective(result, scores) == brute_optimum(scores, capacities) == (4, 12)
    assert result["d"] == "Z"


def test_place_rows_warm_returns_none_when_it_cannot_prove_optimality():
    # A row that can reach no column with room.
    assert engine._place_rows([(0, 0), (0, 1)], [1], 1, [0], warm=True) is None
    # Column 1 is priced out, so the row takes column 0 (cost 5) while column 1
    # (cost 0) keeps its room: not provably optimal.
    assert engine._place_rows([(1, 0, 0, 5)], [1, 1], 5, [0, -10], warm=True) is None
    # The cold solve from the same instance finds the optimum.
    assert engine._place_rows([(1, 0, 0, 5)], [1, 1], 5, [0, 0], warm=False) == [1]


def ortools_objective(scores, capacities):
    min_cost_flow = pytest.importorskip("ortools.graph.python.min_cost_flow")
    mentees = list(dict.fromkeys(e for e, _ in scores))
    mentors = list(capacities)
    index = {e: 1 + i for i, e in enumerate(mentees)}
    index.update({h: 1 + len(mentees) + j for j, h in enumerate(mentors)})
    sink = 1 + len(mentees) + len(mentors)
    flow = min_cost_flow.SimpleMinCostFlow()
    for e in mentees:
        flow.add_arc_with_capacity_and_unit_cost(0, index[e], 1, 0)
    for (e, h), s in scores.items():
        flow.add_arc_with_capacity_and_unit_cost(index[e], index[h], 1, -s)
    for h in mentors:
        flow.add_arc_with_capacity_and_unit_cost(index[h], sink, capacities[h], 0)
    flow.set_node_supply(0, len(mentees))
    flow.set_node_supply(sink, -len(mentees))
    assert flow.solve_max_flow_with_min_cost() == flow.OPTIMAL
    return flow.maximum_flow(), -flow.optimal_cost()


@pytest.mark.parametrize(
    ("n", "m", "k", "cap", "spread"),
    [
        (400, 100, 8, 4, 1000),  # the benchmark's shape, smaller
        (300, 300, 5, 1, 1000),  # one place per mentor
        (600, 100, 6, 6, 3),  # few distinct scores: many ties
        (500, 125, 3, 4, 10**6),  # short lists, wide scores
    ],
)
def test_optimal_match_warm_start_against_ortools(n, m, k, cap, spread, solver_calls, monkeypatch):
    scores, _ = random_scores(random.Random(n + m + k), n, m, k, (0, 0), spread)
    capacities = {f"m{j}": cap for j in range(m)}
    monkeypatch.setattr(engine, "WARM_START_MIN_ROWS", 0)
    result = optimal_match(scores, capacities)
    check_valid_assignment(result, scores, capacities)
    assert objective(result, scores) == ortools_objective(scores, capacities)
    if solver_calls[0][0]:  # the warm start ran: it must have proved its answer
        assert solver_calls == [(True, False)]
    # The cold solve agrees.
    monkeypatch.setattr(engine, "WARM_START_MIN_ROWS", 10**9)
    assert objective(optimal_match(scores, capacities), scores) == objective(result, scores)


def test_optimal_match_warm_start_runs_on_a_balanced_instance(solver_calls, monkeypatch):
    rng = random.Random(21)
    scores = {}
    for i in range(1000):
        for j in rng.sample(range(250), 10):
            scores[(f"e{i}", f"m{j}")] = rng.randint(0, 1000)
    capacities = {f"m{j}": 4 for j in range(250)}
    result = optimal_match(scores, capacities)
    assert solver_calls == [(True, False)]
    assert optimal_match(scores, capacities) == result  # deterministic
    monkeypatch.setattr(engine, "WARM_START_MIN_ROWS", 10**9)
    cold = optimal_match(scores, capacities)
    assert objective(result, scores) == objective(cold, scores)
    assert objective(result, scores)[0] == 1000


@pytest.mark.parametrize("was_enabled", [True, False])
def test_optimal_match_restores_the_garbage_collector(was_enabled):
    before = gc.isenabled()
    try:
        (gc.enable if was_enabled else gc.disable)()
        assert optimal_match({("a", "X"): 1}, {"X": 1}) == {"a": "X"}
        assert gc.isenabled() is was_enabled
        with pytest.raises(TypeError):
            optimal_match({("a", "X"): "high"}, {"X": 1})
        assert gc.isenabled() is was_enabled
    finally:
        (gc.enable if before else gc.disable)()
