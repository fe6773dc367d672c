"""Pure matching engine for the mentorship programme (no Django import).

Two problems are solved here, both on mentees on one side and mentors with
capacities on the other:

``stable_match(mentee_prefs, mentor_prefs, capacities)``
    Mentee-proposing deferred acceptance with capacities (the
    hospitals/residents problem that the residency match solves).  It returns
    the mentee-optimal stable matching: every mentee gets the best mentor it
    can have in any stable matching.  A pair is *acceptable* only when each
    side lists the other.  The running time is linear in the size of the
    preference lists: each mentee walks its list at most once, and each mentor
    keeps a bitmap of the ranks it holds plus a pointer to the worst one, and
    that pointer only ever moves towards better ranks.

``blocking_pairs(matching, mentee_prefs, mentor_prefs, capacities)``
    The blocking pairs of any matching, so callers (and the tests) can check
    stability.

``optimal_match(scores, capacities)``
    Among all assignments within the capacities, the one that matches the most
    mentees and, among those, has the highest total score.  It is an exact
    min-cost-flow solver (successive shortest paths with Dijkstra and node
    potentials, see ``_assign``, warm-started from an auction's prices and
    partial assignment when the places exactly match the mentees), not a
    heuristic.

Ids may be any hashable values; they need not be sortable.  Internally they
are mapped to ints in first-seen (insertion) order, and every tie is broken
by those ints, so the same input always gives the same output.

Degenerate inputs are fine: empty mappings, mentors with capacity 0, mentors
missing from ``capacities`` (treated as capacity 0) and mentees with no
acceptable mentor (they map to ``None``).  A negative capacity raises
``ValueError`` and a capacity that is not an integer raises ``TypeError``.
"""

from __future__ import annotations

import gc
import math
import operator
from collections import deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from heapq import heapify, heappop, heappush, heapreplace
from itertools import chain
from numbers import Real
from typing import TypeVar

__all__ = ["blocking_pairs", "optimal_match", "stable_match"]

Mentee = TypeVar("Mentee", bound=Hashable)
Mentor = TypeVar("Mentor", bound=Hashable)

_INF = float("inf")

#: A row of the assignment solver: the columns it may take, each followed by
#: its cost (``column, cost, column, cost, ...``), in order of cost.  Flat, so
#: that a scan reads one array of shared ints rather than a tuple object per
#: arc; on the benchmark's memory-bound machine that is worth the extra
#: instructions of walking it as ``zip(it, it)`` (without ``strict=``, which
#: would build a keyword dict per scan).
Row = tuple[int, ...]
_by_cost = operator.itemgetter(1)

#: A shortest-path search that has settled this many mentors without reaching
#: a free one also starts searching backwards from the free mentors (see
#: ``_place_rows``).  Any value gives the same result; this one is the fastest on
#: the benchmark.  The tests set it to 0 and to a huge value to check both.
BIDIRECTIONAL_AFTER = 256

#: ``_assign`` warm-starts the solver from auction prices when the places
#: exactly match the rows and there are at least this many rows (see
#: ``_assign``).  Any value gives the same result; the tests set it to 0.
WARM_START_MIN_ROWS = 256

#: The auction behind the warm start stops after this many bids per row.
AUCTION_BIDS_PER_ROW = 12

#: ``_tighten`` (the second, exact-price round of the warm start) may make this
#: many bids per row it starts with; the rows still out are left to the exact
#: searches.  Any value gives the same result; the tests set it to 0.
TIGHTEN_BIDS_PER_ROW = 8

#: A warm search first looks for augmenting paths shorter than this many times
#: the auction's ``eps`` (almost all are), and only if it finds none starts
#: again with a limit four times larger, and so on.  Labels at or beyond the
#: limit are never pushed, which saves most of a search's heap work.  Any
#: value gives the same result; the tests set it to 0 and to a huge value.
SEARCH_LIMIT_EPS = 2

#: ``optimal_match`` places mentor places (one row per place) instead of
#: mentees when there are fewer places than this fraction of the mentees.  A
#: row that can reach no free column makes its search visit everything it can
#: reach, so the side with clearly fewer rows should be the one placed; with a
#: small surplus the mentee side is faster (a mentor's places would otherwise
#: repeat its whole list).  Any value gives the same (optimal) objective.
TRANSPOSE_RATIO = 0.95


# --------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------


def _validated_capacities(capacities: Mapping[Mentor, int]) -> dict[Mentor, int]:
    """Return ``capacities`` as a dict of ints, rejecting bad values."""
    out: dict[Mentor, int] = {}
    for mentor, raw in capacities.items():
        try:
            value = operator.index(raw)
        except TypeError:
            raise TypeError(f"capacity of mentor {mentor!r} must be an integer, got {raw!r}") from None
        if value < 0:
            raise ValueError(f"capacity of mentor {mentor!r} must be >= 0, got {value}")
        out[mentor] = value
    return out


def _as_list(items: Iterable[Hashable]) -> list[Hashable] | tuple[Hashable, ...]:
    return items if isinstance(items, list | tuple) else list(items)


def _ranks(seq: Sequence[Hashable]) -> dict[Hashable, int]:
    """Each item's position in ``seq``; an item listed twice keeps its first."""
    # Inserting in reverse keeps the first position of a repeated item.
    return dict(zip(reversed(seq), range(len(seq) - 1, -1, -1), strict=True))


# --------------------------------------------------------------------------
# Stable matching (deferred acceptance)
# --------------------------------------------------------------------------


def stable_match(
    mentee_prefs: Mapping[Mentee, Iterable[Mentor]],
    mentor_prefs: Mapping[Mentor, Iterable[Mentee]],
    capacities: Mapping[Mentor, int],
) -> dict[Mentee, Mentor | None]:
    """Return the mentee-optimal stable matching.

    ``mentee_prefs`` maps each mentee to its acceptable mentors, best first;
    ``mentor_prefs`` maps each mentor to its acceptable mentees, best first;
    ``capacities`` maps each mentor to how many mentees it can take (missing
    means 0).  A pair can only be matched when each lists the other.  If an id
    appears twice in a list, its first position counts.

    The result maps every mentee key of ``mentee_prefs`` (in that order) to its
    mentor, or to ``None`` when it is unmatched.  It is the matching that the
    mentee-proposing deferred acceptance algorithm finds, which is the same as
    the resident-optimal solution of the hospitals/residents problem.
    """
    caps = _validated_capacities(capacities)

    mentee_ids = list(mentee_prefs)
    mentee_index = {mentee: i for i, mentee in enumerate(mentee_ids)}
    n = len(mentee_ids)

    # Mentors that can take someone, numbered in mentor_prefs order.
    mentor_ids = [mentor for mentor in mentor_prefs if caps.get(mentor, 0) > 0]
    mentor_index = {mentor: k for k, mentor in enumerate(mentor_ids)}
    lists = [_as_list(mentor_prefs[mentor]) for mentor in mentor_ids]
    ranks = [_ranks(seq) for seq in lists]  # mentee -> position in the mentor's list
    cap = [caps[mentor] for mentor in mentor_ids]

    m = len(mentor_ids)
    count = [0] * m
    worst = [-1] * m  # position of the worst mentee a mentor holds
    held = [bytearray(len(seq)) for seq in lists]  # positions a mentor holds
    partner = [-1] * n
    cursor = [0] * n
    plists = [_as_list(mentee_prefs[mentee]) for mentee in mentee_ids]

    for start in range(n):
        i = start
        while i >= 0:  # i proposes; a mentee it displaces proposes next
            prefs = plists[i]
            me = mentee_ids[i]
            p = cursor[i]
            size = len(prefs)
            nxt = -1
            while p < size:
                k = mentor_index.get(prefs[p])
                p += 1
                if k is None:
                    continue
                r = ranks[k].get(me)
                if r is None:
                    continue  # the mentor does not accept this mentee
                c = count[k]
                if c < cap[k]:
                    held[k][r] = 1
                    count[k] = c + 1
                    if r > worst[k]:
                        worst[k] = r
                    partner[i] = k
                    break
                w = worst[k]
                if r < w:  # full, but prefers i to its worst mentee
                    bits = held[k]
                    bits[r] = 1
                    bits[w] = 0
                    loser = mentee_index[lists[k][w]]
                    w -= 1
                    while not bits[w]:
                        w -= 1
                    worst[k] = w
                    partner[i] = k
                    partner[loser] = -1
                    nxt = loser
                    break
            cursor[i] = p
            i = nxt

    return {mentee_ids[i]: (mentor_ids[k] if k >= 0 else None) for i, k in enumerate(partner)}


def blocking_pairs(
    matching: Mapping[Mentee, Mentor | None],
    mentee_prefs: Mapping[Mentee, Iterable[Mentor]],
    mentor_prefs: Mapping[Mentor, Iterable[Mentee]],
    capacities: Mapping[Mentor, int],
) -> list[tuple[Mentee, Mentor]]:
    """List the pairs that block ``matching``.

    ``(mentee, mentor)`` blocks when the two are mutually acceptable, the
    mentee is unmatched or prefers the mentor to its partner, and the mentor
    has a free place or prefers the mentee to one of its mentees.  Mentees
    missing from ``matching`` count as unmatched.  A partner that is not
    mutually acceptable counts as worse than every acceptable one (for both
    sides), and every mentee assigned to a mentor uses up a place.

    Pairs are listed mentee by mentee (``mentee_prefs`` order), each mentee's
    mentors in its order of preference.  A stable matching has none.
    """
    caps = _validated_capacities(capacities)
    ranks = {mentor: _ranks(_as_list(prefs)) for mentor, prefs in mentor_prefs.items()}
    load, worst = _loads(matching, ranks)

    out: list[tuple[Mentee, Mentor]] = []
    for mentee, prefs in mentee_prefs.items():
        current = matching.get(mentee)
        if current is not None and mentee not in ranks.get(current, {}):
            current = None  # not mutually acceptable: worse than anything acceptable
        seen: set[Hashable] = set()
        for mentor in prefs:
            if mentor == current:
                break
            if mentor in seen:
                continue
            seen.add(mentor)
            rank = ranks.get(mentor, {}).get(mentee)
            if rank is None:
                continue
            if load.get(mentor, 0) < caps.get(mentor, 0) or rank < worst.get(mentor, -1):
                out.append((mentee, mentor))
    return out


def _loads(
    matching: Mapping[Mentee, Mentor | None], ranks: Mapping[Mentor, Mapping[Mentee, int]]
) -> tuple[dict[Mentor, int], dict[Mentor, float]]:
    """How many mentees each mentor of ``matching`` holds, and the rank of its
    worst one (infinite for a mentee it does not list)."""
    load: dict[Hashable, int] = {}
    worst: dict[Hashable, float] = {}
    for mentee, mentor in matching.items():
        if mentor is None:
            continue
        load[mentor] = load.get(mentor, 0) + 1
        rank = ranks.get(mentor, {}).get(mentee, _INF)
        if rank > worst.get(mentor, -1):
            worst[mentor] = rank
    return load, worst


# --------------------------------------------------------------------------
# Optimal assignment (exact min-cost flow)
# --------------------------------------------------------------------------


def _exact_integers(values: list[object]) -> list[int]:
    """Scale scores to ints exactly, preserving their order and differences.

    Ints are used as they are.  Otherwise every value is written as an exact
    fraction (a float is a dyadic rational, so ``as_integer_ratio`` is exact)
    and all are multiplied by the least common multiple of the denominators.
    The solver then works in Python's unbounded ints, so float scores give
    the exact optimum of the floats as given, with no rounding.
    """
    if set(map(type, values)) <= {int}:
        return values  # type: ignore[return-value]
    pairs: list[tuple[int, int]] = []
    for v in values:
        if not isinstance(v, Real) and not hasattr(v, "as_integer_ratio"):
            raise TypeError(f"scores must be real numbers, got {v!r}")
        try:
            num, den = v.as_integer_ratio()  # type: ignore[union-attr]
        except (ValueError, OverflowError, AttributeError, TypeError):
            raise ValueError(f"scores must be finite real numbers, got {v!r}") from None
        pairs.append((num, den))
    scale = math.lcm(*{den for _, den in pairs}) if pairs else 1
    return [num * (scale // den) for num, den in pairs]


def optimal_match(
    scores: Mapping[tuple[Mentee, Mentor], float],
    capacities: Mapping[Mentor, int],
) -> dict[Mentee, Mentor | None]:
    """Return a maximum-cardinality assignment with the highest total score.

    ``scores`` maps each allowed ``(mentee, mentor)`` pair to a number (int,
    float, or another real type with ``as_integer_ratio`` such as
    ``Fraction``); pairs that are not keys are never matched.  ``capacities``
    maps each mentor to how many mentees it can take (missing means 0).

    The objective is lexicographic: first the number of matched mentees, then
    the total score of the matched pairs.  The result is exact (scores are
    turned into ints exactly, see ``_exact_integers``) and deterministic; when
    several assignments are optimal one of them is returned, always the same
    one for the same input.  Every mentee that appears in a key of ``scores``
    appears in the result, mapped to ``None`` when it is unmatched.
    """
    # The solver allocates a few hundred thousand small tuples and lists and
    # makes no reference cycles, so Python's cyclic garbage collector only
    # costs time here (up to a fifth of it on the benchmark, more when the
    # caller holds many objects, which every full collection walks).  It is
    # switched off for the call and restored after, as Mercurial's ``nogc``
    # does.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _optimal_match(scores, capacities)
    finally:
        if enabled:
            gc.enable()


def _optimal_match(
    scores: Mapping[tuple[Mentee, Mentor], float],
    capacities: Mapping[Mentor, int],
) -> dict[Mentee, Mentor | None]:
    """``optimal_match`` with the garbage collector off."""
    caps = _validated_capacities(capacities)

    values = _exact_integers(list(scores.values()))
    # Minimise cost = top - score (>= 0).  Every matched pair pays the same
    # constant, so among assignments of one cardinality this is the same as
    # maximising the score; the cardinality comes first by construction of the
    # algorithm (see _assign).
    top = max(values, default=0)
    cmax = top - min(values, default=0)

    mentee_ids, mentor_ids, row_arcs, degree = _arcs(scores, values, caps, top, cmax)

    n = len(mentee_ids)
    m = len(mentor_ids)
    result: dict[Mentee, Mentor | None] = dict.fromkeys(mentee_ids)  # type: ignore[arg-type]
    if not m:
        return result
    # A mentor cannot take more mentees than list it, so its usable places are
    # min(capacity, degree); that changes no optimum, and lets _assign see when
    # the places exactly match the mentees.
    mentor_cap = [min(caps[mentor], d) for mentor, d in zip(mentor_ids, degree, strict=True)]

    # Place the side with clearly fewer rows (see TRANSPOSE_RATIO), so that the
    # shortest-path searches that cannot reach a free column stay rare.
    mentee_rows = n - row_arcs.count([])
    slot_rows = sum(mentor_cap)
    rows: list[Row]

    if slot_rows < mentee_rows * TRANSPOSE_RATIO:
        # Rows are mentor places (each shares its mentor's list), columns are
        # mentees with capacity 1.
        col_arcs: list[list[tuple[int, int]]] = [[] for _ in range(m)]
        for i, arcs in enumerate(row_arcs):
            for j, c in arcs:
                col_arcs[j].append((i, c))
        owner: list[int] = []
        rows = []
        for j in range(m):
            row = _flat_row(col_arcs[j])
            for _ in range(mentor_cap[j]):
                owner.append(j)
                rows.append(row)
        assigned = _assign(rows, [1] * n, cmax)
        for slot, i in enumerate(assigned):
            if i >= 0:
                result[mentee_ids[i]] = mentor_ids[owner[slot]]  # type: ignore[index]
    else:
        rows = [_flat_row(arcs) for arcs in row_arcs]
        assigned = _assign(rows, mentor_cap, cmax)
        mentor_ids.append(None)  # so that column -1 reads as unmatched
        result = dict(zip(mentee_ids, map(mentor_ids.__getitem__, assigned), strict=True))
    return result


def _arcs(
    scores: Mapping[tuple[Mentee, Mentor], float],
    values: list[int],
    caps: Mapping[Mentor, int],
    top: int,
    cmax: int,
) -> tuple[list[Hashable], list[Hashable], list[list[tuple[int, int]]], list[int]]:
    """Number the mentees and the mentors with capacity (first seen, first
    numbered) and list each mentee's ``(mentor, cost)`` arcs, cost being
    ``top - score``.  Returns the mentees, the mentors, the arcs of each
    mentee and the number of arcs of each mentor."""
    # One int object per distinct cost when there are few (the usual case of
    # integer scores), rather than one per pair: the solver then reads far
    # less memory.
    costs: list[int] | None = list(range(cmax + 1)) if cmax <= 1 << 16 else None
    mentee_ids: list[Hashable] = []
    mentee_index: dict[Hashable, int] = {}
    mentor_ids: list[Hashable] = []
    mentor_index: dict[Hashable, int] = {}  # -1 for mentors without capacity
    row_arcs: list[list[tuple[int, int]]] = []  # (column, cost) of each row
    degree: list[int] = []
    try:
        for (mentee, mentor), v in zip(scores, values, strict=True):
            i = mentee_index.get(mentee)
            if i is None:
                i = mentee_index[mentee] = len(mentee_ids)
                mentee_ids.append(mentee)
                row_arcs.append([])
            j = mentor_index.get(mentor)
            if j is None:
                if caps.get(mentor, 0) > 0:
                    j = mentor_index[mentor] = len(mentor_ids)
                    mentor_ids.append(mentor)
                    degree.append(0)
                else:
                    j = mentor_index[mentor] = -1
            if j >= 0:
                row_arcs[i].append((j, top - v if costs is None else costs[top - v]))
                degree[j] += 1
    except (TypeError, ValueError):
        for key in scores:
            if not isinstance(key, tuple) or len(key) != 2:
                raise TypeError(f"score keys must be (mentee, mentor) pairs, got {key!r}") from None
        raise
    return mentee_ids, mentor_ids, row_arcs, degree


def _flat_row(arcs: list[tuple[int, int]]) -> Row:
    """The ``(column, cost)`` pairs of a row as a ``Row``: sorted by cost, flat.

    Sorts ``arcs`` in place, which is cheaper than sorting a copy.
    """
    arcs.sort(key=_by_cost)
    return tuple(chain.from_iterable(arcs))


def _assign(arcs: Sequence[Row], cap: list[int], cmax: int) -> list[int]:
    """Min-cost assignment of rows (supply 1) to columns (capacity ``cap``).

    ``arcs[r]`` is a ``Row``: the columns row ``r`` may take, each followed by
    its cost, an int in ``0..cmax``, in order of cost.  Returns each row's column, or
    -1.  The assignment has the most rows possible and, among those, the least
    total cost.  All arithmetic is on ints, so it is exact.

    The solver is ``_place_rows``: successive shortest paths, one row at a
    time, which keeps the assignment optimal for the rows placed so far.
    When the places exactly match the rows, its searches for the last rows
    are long if it starts from zero prices: few places are left, far away,
    and each search floods the flat region that earlier searches left.  So
    in that case it starts warm: an auction (``_auction``) estimates the
    columns' prices, ``_tighten`` turns its result into a partial assignment
    in which every placed row holds one of its best columns at those prices,
    and the solver starts from that assignment and those prices, placing only
    the rows left out.  The warm start only saves work: the result is exact
    either way.  It is sound because every row ends up placed and every
    column full, so the prices of the columns that still had room while the
    solver ran never matter (see ``_place_rows``).  If the auction cannot
    place every row within its budget (then not every row can be placed), or
    the warm solve cannot prove its answer, the cold solve runs instead.
    """
    rows = len(arcs) - arcs.count(())
    if rows >= WARM_START_MIN_ROWS and rows == sum(cap) and all(c > 0 for c in cap):
        auction = _auction(arcs, cap, cmax)
        if auction is not None:
            price, holders, eps = auction
            seed = _tighten(arcs, cap, price, holders, eps)
            asg = _place_rows(
                arcs, cap, cmax, [-p for p in price], warm=True, seed=seed, first_limit=SEARCH_LIMIT_EPS * eps
            )
            if asg is not None:
                return asg
    return _place_rows(arcs, cap, cmax, [0] * len(cap), warm=False)  # type: ignore[return-value]


def _auction(
    arcs: Sequence[Row], cap: list[int], cmax: int
) -> tuple[list[int], list[list[tuple[int, int, int]]], int] | None:
    """Estimate a price for each column (the first step of the warm start).

    A Gauss-Seidel auction (Bertsekas) in which column ``j`` sells ``cap[j]``
    places: a row bids for the column of least ``cost + price``, offering the
    column's price plus its margin over its second choice plus ``eps``; a full
    column drops its lowest bid, whose row bids again, and its price is its
    lowest bid.  With ``eps`` a sixty-fourth of the cost range this takes
    about five bids per row on the benchmark, and the prices come out close
    to optimal ones.  Returns ``(price, holders, eps)``, ``holders[j]`` being
    a min-heap of the ``(bid, row, cost)`` of the rows column ``j`` holds, or
    ``None`` if rows are still out after ``AUCTION_BIDS_PER_ROW`` bids per row
    (as happens when not every row can be placed); when it returns, the
    auction has placed every row, so a complete assignment exists.
    """
    eps = cmax // 64 + 1
    price = [0] * len(cap)
    holders: list[list[tuple[int, int, int]]] = [[] for _ in cap]  # min-heaps of (bid, row, cost)
    queue = deque(i for i, row in enumerate(arcs) if row)
    budget = AUCTION_BIDS_PER_ROW * len(queue)
    # Each bid is at most cmax + eps above the highest price so far, so no
    # cost + price reaches ``none`` within the budget.
    none = (budget + 2) * (cmax + eps + 1)
    while queue and budget > 0:
        budget -= 1
        i = queue.popleft()
        v1 = v2 = none  # least and second least cost + price
        j1 = -1
        c1 = 0
        it = iter(arcs[i])
        for j, c in zip(it, it):
            if c >= v2:
                break  # sorted by cost and prices >= 0: no better total follows
            v = c + price[j]
            if v < v1:
                v2 = v1
                v1 = v
                j1 = j
                c1 = c
            elif v < v2:
                v2 = v
        bid = (v2 if v2 < none else v1) - c1 + eps  # the price plus the margin plus eps
        heap = holders[j1]
        if len(heap) < cap[j1]:
            heappush(heap, (bid, i, c1))
            if len(heap) == cap[j1]:
                price[j1] = heap[0][0]
        else:
            queue.append(heapreplace(heap, (bid, i, c1))[1])
            price[j1] = heap[0][0]
    return None if queue else (price, holders, eps)


def _keep_best(
    arcs: Sequence[Row],
    cap: list[int],
    price: list[int],
    holders: list[list[tuple[int, int, int]]],
    eps: int,
) -> tuple[deque[int], list[list[tuple[int, int, int]]]]:
    """The first half of ``_tighten``: key the auction's rows, keep those at a
    best column and queue the others.  Returns the queue and, for each
    column, a min-heap of the ``(key, row, cost)`` of the rows it keeps."""
    m = len(cap)
    queue: deque[int] = deque()
    heaps: list[list[tuple[int, int, int]]] = []  # min-heaps of (key, row, cost)
    for j in range(m):
        pj = price[j]
        kept = []
        for bid, r, cj in holders[j]:
            key = bid - eps
            if key < pj:
                v2 = _INF  # least cost + price over the row's other columns
                it = iter(arcs[r])
                for k, c in zip(it, it):
                    if c >= v2:
                        break  # sorted by cost and prices >= 0: no better total follows
                    if k != j and c + price[k] < v2:
                        v2 = c + price[k]
                if v2 == _INF:
                    key = pj  # no other column: always at its best
                elif cj + pj <= v2:
                    key = v2 - cj
                else:
                    queue.append(r)
                    continue
            kept.append((key, r, cj))
        heapify(kept)
        heaps.append(kept)
        if len(kept) == cap[j]:
            price[j] = kept[0][0]  # >= pj: every key kept is
    return queue, heaps


def _tighten(
    arcs: Sequence[Row],
    cap: list[int],
    price: list[int],
    holders: list[list[tuple[int, int, int]]],
    eps: int,
) -> list[tuple[int, int, int]]:
    """Turn the auction's result into rows that hold a best column (in place).

    The solver can start from a partial assignment only if every placed row
    holds one of its best columns, ``cost + price`` being least there (so its
    arcs all have non-negative reduced costs).  An auction row is within
    ``eps`` of that, not always at it.  Each row is given a *key*: the highest
    price its column could have with the row still holding a best column
    (its second-best ``cost + price`` minus its cost).  Prices only rise, so a
    key worked out earlier is never above the true one.  A row's bid minus
    ``eps`` is its key at the time it bid; rows whose key is below their
    column's price are checked against today's prices, and those not at a best
    column leave.  A full column's price becomes its lowest key.

    The rows that left then bid again as in the auction but with ``eps`` 0
    (Jonker and Volgenant's "augmenting row reduction"), offering exactly
    their key, so every row held stays at a best column.  Without ``eps``
    rows can outbid each other forever at an unchanged price, so the round
    stops after ``TIGHTEN_BIDS_PER_ROW`` bids per row it started with; the
    rows still out are placed by the exact searches.

    Returns the ``(row, column, cost)`` of every row held, and leaves the
    prices in ``price``.
    """
    m = len(cap)
    queue, heaps = _keep_best(arcs, cap, price, holders, eps)

    budget = TIGHTEN_BIDS_PER_ROW * len(queue)
    while queue and budget > 0:
        budget -= 1
        i = queue.popleft()
        v1 = v2 = _INF
        j1 = -1
        c1 = 0
        it = iter(arcs[i])
        for j, c in zip(it, it):
            if c >= v2:
                break  # sorted by cost and prices >= 0: no better total follows
            v = c + price[j]
            if v < v1:
                v2 = v1
                v1 = v
                j1 = j
                c1 = c
            elif v < v2:
                v2 = v
                if v == v1 and len(heaps[j1]) == cap[j1] and len(heaps[j]) < cap[j]:
                    j1 = j  # a tie: take the column with room, evicting nobody
                    c1 = c
        # The key; a row with one column has no limit, and any lower value
        # is a valid key (it only makes the column's price lower).
        key = price[j1] + (v2 - v1 if v2 != _INF else 1)
        heap = heaps[j1]
        if len(heap) < cap[j1]:
            heappush(heap, (key, i, c1))
            if len(heap) == cap[j1]:
                price[j1] = heap[0][0]
        else:
            queue.append(heapreplace(heap, (key, i, c1))[1])
            price[j1] = heap[0][0]
    return [(r, j, c) for j in range(m) for _, r, c in heaps[j]]


def _place_rows(  # noqa: C901 (the hot search loop, see ruff.toml)
    arcs: Sequence[Row],
    cap: list[int],
    cmax: int,
    pc: list[int],
    *,
    warm: bool,
    seed: Iterable[tuple[int, int, int]] = (),
    first_limit: float = _INF,
) -> list[int] | None:
    """Successive shortest paths from the column potentials ``pc`` (see ``_assign``).

    With ``warm`` false, ``pc`` is all zeros and this is the cold solve: it
    returns the optimal assignment.  With ``warm`` true, ``pc`` may be any
    ints (minus the auction's prices), and ``seed`` lists ``(row, column,
    cost)`` moves to start from, each row at one of its best columns under
    ``pc`` (see ``_tighten``); it returns the optimal assignment, or ``None``
    when it cannot prove one (a row can reach no free column, or the columns
    left with room are not the cheapest).

    Successive shortest paths, one row at a time (the Hungarian method on the
    sparse graph).  Residual arcs are row -> column for pairs not assigned,
    column -> row (cost ``-cost``) for assigned ones, column -> sink while the
    column is not full and sink -> column while it is not empty.  Potentials
    keep every reduced cost ``cost + pi(tail) - pi(head)`` non-negative, so
    each search is Dijkstra.  A placed row has one incoming arc (from its
    column), so its potential is taken as ``pc[column] - cost`` (that arc
    tight) and never stored: the searches run on columns, a row being the
    step ``a -> r -> j`` of reduced cost ``pc[a] - ac[r] + c - pc[j]``.
    Columns that are not full share the sink's potential ``pt``; full ones
    have ``pc[j] <= pt``.  Because of that bound and the sorting, a scan of a
    row's arcs can stop at the first arc whose cost alone makes the path too
    long.  After the rows ``0..i-1`` are placed, the assignment is the
    cheapest one that places exactly those rows; adding row ``i`` along a
    shortest augmenting path keeps that true.

    A row whose best column is free is placed at once.  Otherwise a Dijkstra
    search runs from the row; once it has settled ``BIDIRECTIONAL_AFTER``
    columns a second Dijkstra runs backwards from the free columns and the two
    alternate until they meet (``top_f + top_b >= mu``).  With
    ``first_limit``, a search first looks only for paths shorter than that,
    and starts again with a limit four times larger (in the end, none) if
    there are none: it settles the same columns in the same order, so it
    finds the same path, but never pushes a label at or past the limit.  The potentials are
    then updated so that the shortest path (length ``D``) becomes tight: with
    the forward radius ``s``, columns at forward distance ``d < s`` get
    ``pc += d - s`` and columns at backward distance ``b < D - s`` get
    ``pc += D - b - s``, as do the sink and the free columns (``b = 0``).
    Both zones are exactly labelled and disjoint (``d + b >= D``), and a case
    check over the arcs shows every reduced cost stays non-negative.

    If some row can reach no free column, not every row can be placed.  From
    then on (that row included, searched again) each row may also go to a
    dummy "unmatched" column ``m`` (never full, potential ``pt``) at a cost
    ``big`` (``_dummy_cost``) larger than any difference of total costs, which
    makes the optimum lexicographic: most rows placed first, then least cost;
    the rows placed so far, all on real columns, are still the cheapest
    placement of themselves.  The rows do not list the arc: the scans start
    from it (it is the dearest), and a search settling a column also offers
    each of its rows the way out to the dummy.  Those searches are forward
    only (the dummy has no reverse arcs), and a row at the dummy never moves
    again (the dummy is never settled); it is returned as -1.  (This used to
    be a second copy of the search loop; the one loop with the dummy's checks
    measured the same on the benchmark's case, 0.130-0.136 s against
    0.134-0.138 s CPU over four fresh processes each, and 3% slower where the
    dummy is used, 0.94-0.97 s against 0.91-0.94 s on 10,000 mentees and
    9,800 places.)

    Warm start.  The arcs between the sink and the columns are the only ones
    that need the columns with room to share ``pt``; everything else above
    (each search is Dijkstra on non-negative reduced costs, the updates keep
    them non-negative, and a row moves along a tight path) holds for any
    starting ``pc``, with ``pt = max(pc)`` kept as the bound for the scans and
    the columns with room all shifted together by the backward update.  So
    the row-to-column reduced costs stay non-negative throughout, which makes
    the final assignment the cheapest among those that fill each column to
    the same load.  If every column ends full, that is every assignment that
    places all rows, hence the optimum.  Otherwise the sink arcs must hold
    too: it suffices that each column with room has a potential at least that
    of each used column; if not, ``None`` is returned.  A row that can reach
    no column with room also gives ``None`` (the dummy column needs the cold
    invariant).  The seeded rows are placed before the others; since each is
    at a best column, its arcs have non-negative reduced costs and the same
    argument holds.
    """
    n = len(arcs)
    m = len(cap)
    asg = [-1] * n  # column of each row
    ac = [0] * n  # cost of the row's arc to that column
    held: list[list[int]] = [[] for _ in range(m)]
    load = [0] * m
    full = [c <= 0 for c in cap]
    nonfull = dict.fromkeys(j for j in range(m) if cap[j] > 0)
    # pc: potentials of columns (== pt while the column is not full, when cold)
    pt = max(pc, default=0)  # potential of the sink (>= every pc[j])
    for r, j, c in seed:
        asg[r] = j
        ac[r] = c
        held[j].append(r)
        load[j] += 1
        if load[j] == cap[j]:
            full[j] = True
            del nonfull[j]

    # Search labels, valid when the stamp equals the search's number; one
    # more column for the dummy (see below).
    fd = [0] * (m + 1)  # forward distance of a column
    fst = [0] * (m + 1)
    fpred = [0] * (m + 1)  # row whose arc reached the column
    fpc = [0] * (m + 1)  # cost of that arc
    bd = [0] * m  # backward distance of a column (to the sink)
    bst = [0] * m
    bsucc = [0] * m  # row that leaves the column on the path ...
    bnext = [0] * m  # ... for this column ...
    bcost = [0] * m  # ... over an arc of this cost
    rarcs: list[list[int]] | None = None  # row, cost, row, cost... listing each column
    threshold = BIDIRECTIONAL_AFTER
    stamp = 0
    # The dummy column ``m`` ("unmatched"), once a row can reach no free
    # column (see the docstring): every row has an arc to it of cost ``big``,
    # the dearest of its arcs, which the rows do not list; 0 until then.
    big = 0

    i = 0
    while i < n:
        row = arcs[i]
        if not row or asg[i] >= 0:
            i += 1
            continue  # no arcs, or seeded
        # pi(i) = max_j (pi(j) - c): the row's cheapest arcs get reduced cost 0.
        if big:
            best = pt - big  # the dummy column's value
            bj = m
            bc = big
            bfree = True
        else:
            best = -_INF
            bj = -1
            bc = 0
            bfree = False
        it = iter(row)
        for j, c in zip(it, it):
            if pt - c < best:
                break  # sorted by cost and pc[j] <= pt: nothing better follows
            v = pc[j] - c
            if v > best:
                best = v
                bj = j
                bc = c
                bfree = not full[j]
            elif v == best and not bfree and not full[j]:
                bj = j
                bc = c
                bfree = True
        if bfree:
            asg[i] = bj
            ac[i] = bc
            held[bj].append(i)
            load[bj] += 1
            if load[bj] == cap[bj]:
                full[bj] = True
                del nonfull[bj]
            i += 1
            continue

        # A warm search first looks only for paths shorter than ``limit``,
        # then, if it finds none, starts again with a larger one.
        limit = first_limit
        while True:
            stamp += 1
            st = stamp
            mu = limit  # length of the best path found so far, or the limit
            meet = -1  # column where that path was found
            if big:  # row i straight to the dummy
                mu = best + big - pt
                meet = m
                fpred[m] = i
                fpc[m] = big
            heap = []
            it = iter(row)
            for j, c in zip(it, it):
                d = best - pc[j] + c
                if full[j]:
                    fst[j] = st
                    fd[j] = d
                    fpred[j] = i
                    fpc[j] = c
                    heap.append((d, j))
                elif d < mu:
                    mu = d
                    meet = j
                    fpred[j] = i
                    fpc[j] = c
            heapify(heap)
            fpopped: list[int] = []
            bactive = False
            bheap: list[tuple[int, int]] = []
            bpopped: list[int] = []
            topf = _INF
            while True:
                while heap and heap[0][0] > fd[heap[0][1]]:
                    heappop(heap)  # stale entry
                topf = heap[0][0] if heap else _INF
                if bactive:
                    while bheap and bheap[0][0] > bd[bheap[0][1]]:
                        heappop(bheap)
                    topb = bheap[0][0] if bheap else _INF
                else:
                    topb = 0
                if topf + topb >= mu:
                    break
                if not bactive and len(fpopped) >= threshold:
                    bactive = True
                    if rarcs is None:
                        rarcs = [[] for _ in range(m)]
                        for r, rrow in enumerate(arcs):
                            pairs = iter(rrow)
                            for j, c in zip(pairs, pairs):
                                rj = rarcs[j]
                                rj.append(r)  # (two appends beat += r, c: no tuple)
                                rj.append(c)
                    for j in nonfull:
                        bst[j] = st
                        bd[j] = 0
                        bheap.append((0, j))
                    continue
                if bactive and len(bpopped) < len(fpopped):
                    # Backward step: settle column j at distance d from the sink;
                    # a row r listing j could leave its column a for j.
                    d, j = heappop(bheap)
                    bpopped.append(j)
                    base = d - pc[j]
                    it = iter(rarcs[j])  # type: ignore[index]
                    for r, c in zip(it, it):  # the pairs of the flat list
                        a = asg[r]
                        if a == j or a < 0 or not full[a]:
                            continue  # (rows not placed yet are not in the graph)
                        nd = base + c + pc[a] - ac[r]
                        if nd >= mu or (bst[a] == st and nd >= bd[a]):
                            continue
                        bst[a] = st
                        bd[a] = nd
                        bsucc[a] = r
                        bnext[a] = j
                        bcost[a] = c
                        heappush(bheap, (nd, a))
                        if fst[a] == st and fd[a] + nd < mu:
                            mu = fd[a] + nd
                            meet = a
                else:
                    # Forward step: settle column j; each of its rows may move on.
                    d, j = heappop(heap)
                    fpopped.append(j)
                    pj = pc[j]
                    for r in held[j]:
                        base = d + pj - ac[r]
                        if big and base + big - pt < mu:  # r gives its place up
                            mu = base + big - pt
                            meet = m
                            fpred[m] = r
                            fpc[m] = big
                        cut = mu - base + pt  # c >= cut means nd >= mu
                        it = iter(arcs[r])
                        for j2, c in zip(it, it):
                            if c >= cut:
                                break
                            nd = base + c - pc[j2]
                            if nd >= mu:
                                continue
                            if not full[j2]:
                                mu = nd
                                cut = mu - base + pt
                                meet = j2
                                fpred[j2] = r
                                fpc[j2] = c
                                continue
                            if fst[j2] == st:
                                if nd >= fd[j2]:
                                    continue
                            else:
                                fst[j2] = st
                            fd[j2] = nd
                            fpred[j2] = r
                            fpc[j2] = c
                            heappush(heap, (nd, j2))
                            if bactive and bst[j2] == st and nd + bd[j2] < mu:
                                mu = nd + bd[j2]
                                cut = mu - base + pt
                                meet = j2
            if meet >= 0 or limit == _INF:
                break
            limit = limit * 4 if 0 < limit <= cmax else _INF

        if meet < 0:
            if warm:
                return None  # the dummy column needs the cold invariant
            # No augmenting path: from here on rows may stay unmatched.  Row
            # i is searched again, with the dummy column.
            big = _dummy_cost(n, cmax, asg, ac, pc, pt)
            threshold = _INF  # forward searches only: the dummy has no reverse arcs
            cap = [*cap, n + 1]  # (a copy: the caller's list stays as it is)
            held.append([])
            load.append(0)
            full.append(False)
            continue

        # Potential update (see the docstring); row i's own potential becomes
        # implicit once it is placed.
        dist = mu
        s = topf if topf < dist else dist
        if s > 0:
            for j in fpopped:
                dj = fd[j]
                if dj < s:
                    pc[j] += dj - s
        if bactive and dist > s:
            lim = dist - s
            for j in bpopped:
                if full[j]:
                    dj = bd[j]
                    if dj < lim:
                        pc[j] += lim - dj
            pt += lim
            for j in nonfull:
                pc[j] += lim  # (== pt when cold)

        # Augment: rows on the path each move one column along it.
        path: list[tuple[int, int, int]] = []
        v = meet
        while True:
            r = fpred[v]
            path.append((r, v, fpc[v]))
            if r == i:
                break
            v = asg[r]
        v = meet
        while full[v]:
            path.append((bsucc[v], bnext[v], bcost[v]))
            v = bnext[v]
        for r, w, c in path:
            old = asg[r]
            if old >= 0:
                held[old].remove(r)
            held[w].append(r)
            asg[r] = w
            ac[r] = c
        load[v] += 1
        if load[v] == cap[v]:
            full[v] = True
            del nonfull[v]
        i += 1
    if big:
        return [-1 if j == m else j for j in asg]
    if warm and nonfull:
        # Optimal if moving a row into a column with room never pays: every
        # column with room must have a potential >= that of every used column.
        low = min(pc[j] for j in nonfull)
        if any(load[j] and pc[j] > low for j in range(m)):
            return None
    return asg


def _dummy_cost(n: int, cmax: int, asg: list[int], ac: list[int], pc: list[int], pt: int) -> int:
    """The cost ``big`` of a row's arc to the dummy column (see ``_place_rows``).

    It exceeds ``n * cmax``, so one more placed row always beats any saving in
    cost, and it is at least ``pt - pi(r)`` for every placed row ``r``
    (``pi(r) = pc[asg[r]] - ac[r]``), so the arcs to the dummy start with
    non-negative reduced costs.
    """
    big = (n + 1) * (cmax + 1) + 1
    for r, j in enumerate(asg):
        if j >= 0:
            gap = pt - pc[j] + ac[r]
            if gap >= big:
                big = gap + 1
    return big
