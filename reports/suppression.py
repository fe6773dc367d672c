"""Small-number suppression for the program reports: pure Python, no Django.

A count from 1 to 4 could point at a person ("2 mentees who identify as …"),
so it is shown as "fewer than 5" (primary suppression). Hiding it is not
enough when the table shows totals: a total minus the cells that are shown
gives the hidden cell back. So other cells are hidden too (complementary
suppression, shown as "suppressed"), and totals are hidden when they would
give a cell back, until no hidden count of 1–4 can be worked out.

Zero is shown as 0. It is the usual practice (a zero names nobody), and it
keeps tables readable. The price is that a reader knows every hidden cell is
at least 1, so the check below counts that in.

What a reader who knows these rules can tell about a hidden cell:
- "fewer than 5": it is 1, 2, 3 or 4;
- "suppressed" (a complementary cell or total): it is 5 or more (cells
  under 5 are already "fewer than 5", zeros are never hidden);
- a total the table does not show at all (a table without column totals):
  any number from 0.

The check (``_protected``) is exact for tables of counts with row and column
totals. A table of cells, its row totals, its column totals and the grand
total satisfy one linear equation per row and per column. Another table that
agrees with everything shown and with the bounds above differs from the real
one by a vector whose rows and columns sum to zero, and such a vector is a sum
of alternating cycles (+1, −1, +1, …) through the hidden entries, each of
which can be applied on its own (the conformal decomposition of a network
matrix). So a hidden cell can be worked out exactly if, and only if, no
alternating cycle through it can be applied once, by ±1, without leaving
the bounds. The search for such a cycle is a path search between the cell's
row and its column, over the other hidden entries.

The algorithm: hide every count 1–4 (totals included); then, while some
hidden count 1–4 can be worked out, hide the smallest non-zero count still
shown in its row or column that protects it (or, failing that, the
smallest in a line where it is alone; see ``_complement_for``), or anywhere
when its lines have none left; repeat until
nothing changes (a fixed point: each step hides one more entry). If even
hiding every non-zero entry leaves a count exposed, the table is withheld:
every entry, zeros too, is "suppressed", and the reader learns nothing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 5
FEWER_THAN = "fewer than 5"
SUPPRESSED = "suppressed"

SHOWN, PRIMARY, COMPLEMENTARY, WITHHELD = "shown", "primary", "complementary", "withheld"


@dataclass(frozen=True)
class Count:
    """One count as the report may show it. ``number`` is None when hidden;
    the true value is kept out of reach of templates (``_value``)."""

    _value: int
    state: str = SHOWN

    @property
    def shown(self) -> bool:
        return self.state == SHOWN

    @property
    def number(self) -> int | None:
        return self._value if self.state == SHOWN else None

    @property
    def display(self) -> str:
        if self.state == PRIMARY:
            return FEWER_THAN
        if self.state in (COMPLEMENTARY, WITHHELD):
            return SUPPRESSED
        return f"{self._value:,}"

    def __str__(self) -> str:
        return self.display


def percent(part: Count, whole: Count) -> float | None:
    """``part`` as a percentage of ``whole``, or None when either is hidden
    (a percentage of a hidden count would give it back) or ``whole`` is 0."""
    if not (part.shown and whole.shown) or not whole.number:
        return None
    return 100 * part.number / whole.number


@dataclass(frozen=True)
class Protected:
    """A table after suppression. ``row_totals``/``col_totals`` are None when
    the table has none; ``grand_total`` only when it has both."""

    cells: list[list[Count]]
    row_totals: list[Count] | None
    col_totals: list[Count] | None
    grand_total: Count | None
    # True when no pattern of hidden cells protects the small counts (four
    # 1s and their totals: every hidden cell is at least 1, so all must be 1):
    # then every entry is hidden and nothing about the table is told.
    withheld: bool = False


# --- The table with its margins as one grid --------------------------------
#
# The grid has a row per table row plus, last, the column totals; a column per
# table column plus, last, the row totals; the corner is the grand total. A
# margin the table does not show is still in the grid, hidden, with the bounds
# [0, ∞): it ties nothing down.

_INF = float("inf")


def _grid(cells: Sequence[Sequence[int]]) -> list[list[int]]:
    rows = [list(r) + [sum(r)] for r in cells]
    width = len(rows[0]) if rows else 1
    totals = [sum(r[j] for r in rows) for j in range(width)]
    return [*rows, totals]


def _bounds(value: int, state: str) -> tuple[float, float]:
    if state == PRIMARY:
        return 1, THRESHOLD - 1
    if state == COMPLEMENTARY:
        return THRESHOLD, _INF
    if state == "absent":
        return 0, _INF
    return value, value


def _sign(i: int, j: int, n_rows: int, n_cols: int) -> int:
    """How a step of +1 in the grid's circulation moves the entry: a margin
    entry (not the corner) enters its equations with a minus sign."""
    return -1 if (i == n_rows) != (j == n_cols) else 1


def _protected(grid: list[list[int]], states: list[list[str]], i0: int, j0: int) -> bool:
    """Can the hidden entry (i0, j0) take another value? See the module docstring."""
    n_rows, n_cols = len(grid) - 1, len(grid[0]) - 1

    def movable(i: int, j: int, step: int) -> bool:
        if states[i][j] == SHOWN:
            return False
        lo, hi = _bounds(grid[i][j], states[i][j])
        new = grid[i][j] + step * _sign(i, j, n_rows, n_cols)
        return lo <= new <= hi

    for s in (1, -1):
        if not movable(i0, j0, s):
            continue
        # The cycle leaves row i0 through (i0, j0) with +s; from a column node it
        # goes to a row with -s, from a row node to a column with +s, and must
        # come back to row i0. Nodes: ("r", i) and ("c", j).
        start, goal = ("c", j0), ("r", i0)
        seen, queue = {start}, deque([start])
        while queue:
            kind, k = queue.popleft()
            if kind == "c":
                nexts = [("r", i) for i in range(n_rows + 1) if (i, k) != (i0, j0) and movable(i, k, -s)]
            else:
                nexts = [("c", j) for j in range(n_cols + 1) if (k, j) != (i0, j0) and movable(k, j, s)]
            for node in nexts:
                if node == goal:
                    return True
                if node not in seen:
                    seen.add(node)
                    queue.append(node)
    return False


def _exposed(grid, states, protect: set) -> list[tuple[int, int]]:
    """The hidden entries that must not be worked out (the counts 1–4, and
    the entries another table hides) and can be."""
    return [
        (i, j)
        for i, row in enumerate(states)
        for j, state in enumerate(row)
        if (state == PRIMARY or (i, j) in protect) and not _protected(grid, states, i, j)
    ]


def _complement_for(grid, states, i0: int, j0: int, keep: set) -> tuple[int, int] | None:
    """The entry to hide next so that (i0, j0) cannot be worked out: among the
    non-zero entries still shown in its row and column, the smallest whose
    hiding protects it, then the same anywhere (the fourth corner of a
    rectangle); else the smallest in a line where it is the only
    hidden entry (that line needs a second one in any case); else the
    smallest anywhere. Cells come before totals when equal, as a total is
    never smaller than its cells. Entries in ``keep`` are never chosen."""
    n_rows, n_cols = len(grid) - 1, len(grid[0]) - 1

    def candidates(cells) -> list[tuple[int, int]]:
        found = [
            (grid[i][j], i == n_rows or j == n_cols, i, j)
            for i, j in cells
            if states[i][j] == SHOWN and grid[i][j] > 0 and (i, j) not in keep
        ]
        return [(i, j) for *_, i, j in sorted(found)]

    def protects(i: int, j: int) -> bool:
        states[i][j] = COMPLEMENTARY
        try:
            return _protected(grid, states, i0, j0)
        finally:
            states[i][j] = SHOWN

    row = [(i0, j) for j in range(n_cols + 1)]
    column = [(i, j0) for i in range(n_rows + 1)]
    everywhere = candidates((i, j) for i in range(n_rows + 1) for j in range(n_cols + 1))
    # One more hidden entry that closes a cycle: in its lines first, then any.
    for i, j in [*candidates(row + column), *everywhere]:
        if protects(i, j):
            return i, j
    for line in (row, column):
        alone = sum(states[i][j] != SHOWN for i, j in line) == 1
        if alone and (found := candidates(line)):
            return found[0]
    found = candidates(row + column) or everywhere
    return found[0] if found else None


def suppress(
    cells: Sequence[Sequence[int]],
    *,
    row_totals: bool = True,
    col_totals: bool = True,
    force: Sequence[tuple[int, int]] = (),
    keep: Sequence[tuple[int, int]] = (),
) -> Protected:
    """Suppress ``cells`` (a list of rows of non-negative ints) and the totals
    the table shows. Grid entries are (row, column); the row after the last
    is the column totals, the column after the last the row totals.

    ``force``: entries to hide in any case, because another table hides the
    same count; they are then protected here like the counts 1–4 (else this
    table would give them back).
    ``keep``: entries never hidden as complements, because another table
    shows the same count (hiding it here would protect nothing); a count
    1–4 among them is still "fewer than 5", as it is everywhere."""
    if not cells or not cells[0]:
        return Protected([list(map(Count, r)) for r in cells], None, None, None)
    if any(v < 0 for r in cells for v in r):
        raise ValueError("Counts are never negative.")
    grid = _grid(cells)
    n_rows, n_cols = len(cells), len(cells[0])

    def initial(i: int, j: int) -> str:
        if (i == n_rows and not col_totals) or (j == n_cols and not row_totals):
            return "absent"
        if 0 < grid[i][j] < THRESHOLD:
            return PRIMARY
        if (i, j) in force and grid[i][j] > 0:
            return COMPLEMENTARY
        return SHOWN

    states = [[initial(i, j) for j in range(n_cols + 1)] for i in range(n_rows + 1)]
    protect = {(i, j) for i, j in force if states[i][j] == COMPLEMENTARY}
    withheld = False
    while exposed := _exposed(grid, states, protect):
        target = _complement_for(grid, states, *exposed[0], set(keep))
        if target is None:  # everything non-zero is hidden already
            withheld = True
            states = [[WITHHELD] * (n_cols + 1) for _ in range(n_rows + 1)]
            break
        states[target[0]][target[1]] = COMPLEMENTARY

    def count(i: int, j: int) -> Count:
        return Count(grid[i][j], states[i][j])

    return Protected(
        cells=[[count(i, j) for j in range(n_cols)] for i in range(n_rows)],
        row_totals=[count(i, n_cols) for i in range(n_rows)] if row_totals else None,
        col_totals=[count(n_rows, j) for j in range(n_cols)] if col_totals else None,
        grand_total=count(n_rows, n_cols) if row_totals and col_totals else None,
        withheld=withheld,
    )


def suppress_series(values: Sequence[int], *, total: bool = True) -> tuple[list[Count], Count | None]:
    """A one-dimensional table: its counts and its total (None without one)."""
    table = suppress([list(values)], row_totals=total, col_totals=False)
    return table.cells[0], (table.row_totals[0] if total else None)
