"""Suppression: examples, then properties checked by brute force.

The brute force (``_can_differ``) is independent of the module's cycle
search: it searches the tables a reader could believe in, given what is
shown and the rules (a "fewer than 5" is 1–4, a "suppressed" is 5 or more, a
total the table does not show is any number), for one where the hidden count
has another value. It looks only near the true values, which can only make
a table look more exposed than it is, so a pass is a real pass.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.suppression import (
    COMPLEMENTARY,
    FEWER_THAN,
    PRIMARY,
    SHOWN,
    SUPPRESSED,
    Count,
    percent,
    suppress,
    suppress_series,
)


def _grid_view(table, cells):
    """What a reader sees, as the grid of the module (rows, then the column
    totals; columns, then the row totals): (state, shown value or None), plus
    the true grid for the check."""
    n_rows, n_cols = len(cells), len(cells[0])
    truth = [[*row, sum(row)] for row in cells]
    truth.append([sum(truth[i][j] for i in range(n_rows)) for j in range(n_cols + 1)])
    states = [[c.state for c in row] for row in table.cells]
    for i in range(n_rows):
        states[i].append(table.row_totals[i].state if table.row_totals else "absent")
    bottom = [c.state for c in table.col_totals] if table.col_totals else ["absent"] * n_cols
    bottom.append(table.grand_total.state if table.grand_total else "absent")
    states.append(bottom)
    return truth, states


WINDOW = 2


def _can_differ(truth, states, target) -> bool:  # noqa: C901 - a plain search
    """Is there a table consistent with what is shown (hidden entries within
    the rules' bounds, and within ``WINDOW`` of their true values to keep the
    search small) in which the entry ``target`` has another value? The window
    only removes tables, so a yes is a real yes."""
    n_rows, n_cols = len(truth) - 1, len(truth[0]) - 1
    bounds = {PRIMARY: (1, 4), COMPLEMENTARY: (5, 10**9), "absent": (0, 10**9)}
    hidden = [(i, j) for i in range(n_rows + 1) for j in range(n_cols + 1) if states[i][j] != SHOWN]
    domain = {}
    for i, j in hidden:
        lo, hi = bounds[states[i][j]]
        domain[i, j] = range(max(lo, truth[i][j] - WINDOW), min(hi, truth[i][j] + WINDOW) + 1)
    known = {
        (i, j): truth[i][j] for i in range(n_rows + 1) for j in range(n_cols + 1) if states[i][j] == SHOWN
    }
    lines = [[(i, j) for j in range(n_cols + 1)] for i in range(n_rows + 1)]
    lines += [[(i, j) for i in range(n_rows + 1)] for j in range(n_cols + 1)]

    def value(entry, assigned):
        return known[entry] if entry in known else assigned.get(entry)

    def feasible(assigned) -> bool:
        for line in lines:
            *parts, total = line
            open_ = [e for e in line if value(e, assigned) is None]
            if len(open_) > 1:
                continue
            # parts - total = 0; with one entry open, it is determined.
            s = sum(value(e, assigned) or 0 for e in parts) - (value(total, assigned) or 0)
            if not open_:
                if s:
                    return False
            else:
                e = open_[0]
                needed = s if e == total else -s
                if needed not in domain[e]:
                    return False
        return True

    order = [e for e in hidden if e != target]

    def search(k, assigned) -> bool:
        if k == len(order):
            return True
        entry = order[k]
        for v in domain[entry]:
            assigned[entry] = v
            if feasible(assigned) and search(k + 1, assigned):
                return True
            del assigned[entry]
        return False

    for v in domain[target]:
        if v != truth[target[0]][target[1]]:
            assigned = {target: v}
            if feasible(assigned) and search(0, assigned):
                return True
    return False


def _assert_no_hidden_count_is_revealed(cells, **kw):
    table = suppress(cells, **kw)
    forced = set(kw.get("force", ()))
    truth, states = _grid_view(table, cells)
    if table.withheld:
        assert all(s in ("withheld", "absent") for row in states for s in row)
        return table
    for i, row in enumerate(states):
        for j, state in enumerate(row):
            if 0 < truth[i][j] < 5 and state != "absent":
                assert state == PRIMARY, (cells, i, j)
            if state == PRIMARY or ((i, j) in forced and state == COMPLEMENTARY):
                assert _can_differ(truth, states, (i, j)), (
                    f"{cells}: entry {(i, j)} can be worked out: {states}"
                )
            if truth[i][j] == 0 and state != "absent":
                assert state == SHOWN, "zeros are shown"
            if (i, j) in kw.get("keep", ()) and state == COMPLEMENTARY:
                raise AssertionError("a kept count is never a complement")
    return table


class TestTheCheck:
    """The brute force itself sees a count that can be worked out."""

    def test_two_fours_and_their_total(self):
        truth = [[4, 4, 8], [4, 4, 8]]
        states = [[PRIMARY, PRIMARY, SHOWN], ["absent", "absent", "absent"]]
        assert not _can_differ(truth, states, (0, 0))

    def test_a_lone_hidden_cell_beside_its_total(self):
        truth = [[3, 10, 13], [3, 10, 13]]
        states = [[PRIMARY, SHOWN, SHOWN], ["absent", "absent", "absent"]]
        assert not _can_differ(truth, states, (0, 0))

    def test_a_cell_and_its_complement(self):
        truth = [[3, 10, 13], [3, 10, 13]]
        states = [[PRIMARY, COMPLEMENTARY, SHOWN], ["absent", "absent", "absent"]]
        assert _can_differ(truth, states, (0, 0))


class TestExamples:
    def test_counts_of_five_and_more_and_zeros_are_shown(self):
        table = suppress([[5, 0], [12, 7]])
        assert [[c.display for c in row] for row in table.cells] == [["5", "0"], ["12", "7"]]
        assert table.grand_total.display == "24"

    def test_a_small_count_is_fewer_than_5_and_its_row_gets_a_complement(self):
        cells, total = suppress_series([3, 8, 10])
        assert [c.display for c in cells] == [FEWER_THAN, SUPPRESSED, "10"]
        assert total.display == "21"

    def test_a_lone_small_count_with_only_zeros_beside_it_hides_the_total(self):
        cells, total = suppress_series([2, 0, 0])
        assert cells[0].display == FEWER_THAN
        assert total.state != SHOWN

    def test_a_series_without_a_total_needs_no_complement(self):
        cells, total = suppress_series([3, 8, 10], total=False)
        assert [c.display for c in cells] == [FEWER_THAN, "8", "10"]
        assert total is None

    def test_two_dimensions_hide_the_fourth_corner_not_a_whole_line(self):
        table = _assert_no_hidden_count_is_revealed([[2, 10, 12], [7, 8, 9]])
        assert [[c.state for c in row] for row in table.cells] == [
            [PRIMARY, COMPLEMENTARY, SHOWN],
            [COMPLEMENTARY, COMPLEMENTARY, SHOWN],
        ]
        assert all(c.shown for c in table.row_totals + table.col_totals)

    def test_two_fours_in_a_row_hide_its_total(self):
        # 4 + 4 = 8: each "fewer than 5" would have to be 4.
        cells, total = suppress_series([4, 4])
        assert total.state == COMPLEMENTARY

    def test_a_forced_total_is_hidden(self):
        table = suppress([[10, 20]], col_totals=False, force=[(0, 2)])
        assert table.row_totals[0].state == COMPLEMENTARY

    def test_the_true_value_is_not_in_the_display(self):
        count = Count(3, PRIMARY)
        assert count.number is None and str(count) == FEWER_THAN

    def test_percentages_are_never_of_hidden_counts(self):
        assert percent(Count(5), Count(10)) == 50
        assert percent(Count(3, PRIMARY), Count(10)) is None
        assert percent(Count(5), Count(12, COMPLEMENTARY)) is None
        assert percent(Count(0), Count(0)) is None

    def test_negative_counts_are_refused(self):
        with pytest.raises(ValueError):
            suppress([[1, -1]])

    @pytest.mark.parametrize("cells", [[[4, 4], [4, 4]], [[1, 6, 0], [0, 2, 9], [3, 0, 0]]])
    def test_hard_cases(self, cells):
        _assert_no_hidden_count_is_revealed(cells)

    def test_a_table_no_pattern_protects_is_withheld(self):
        # Four 1s: the grand total is under 5 and each hidden cell at least 1.
        table = _assert_no_hidden_count_is_revealed([[1, 1], [1, 1]])
        assert table.withheld
        assert {c.display for c in table.cells[0] + table.row_totals} == {SUPPRESSED}

    def test_every_small_2_by_2_table_is_safe(self):
        for values in itertools.product([0, 1, 4, 5, 9], repeat=4):
            _assert_no_hidden_count_is_revealed([list(values[:2]), list(values[2:])])


counts = st.one_of(st.integers(0, 6), st.integers(0, 14))
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.lists(counts, min_size=1, max_size=6), st.booleans())
def test_no_hidden_count_of_a_series_can_be_worked_out(values, total):
    _assert_no_hidden_count_is_revealed([values], row_totals=total, col_totals=False)


@SETTINGS
@given(
    st.integers(1, 4).flatmap(
        lambda cols: st.lists(st.lists(counts, min_size=cols, max_size=cols), min_size=1, max_size=4)
    ),
    st.booleans(),
    st.booleans(),
)
def test_no_hidden_count_of_a_table_can_be_worked_out(cells, row_totals, col_totals):
    _assert_no_hidden_count_is_revealed(cells, row_totals=row_totals, col_totals=col_totals)


@SETTINGS
@given(st.lists(st.lists(counts, min_size=3, max_size=3), min_size=2, max_size=3))
def test_shown_entries_are_true_and_totals_add_up(cells):
    table = suppress(cells)
    for row, true_row in zip(table.cells, cells, strict=True):
        for count, value in zip(row, true_row, strict=True):
            assert count.number in (None, value)
    assert table.grand_total.number in (None, sum(map(sum, cells)))


@SETTINGS
@given(
    st.lists(st.lists(counts, min_size=3, max_size=3), min_size=1, max_size=2),
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3)), max_size=2),
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3)), max_size=2),
)
def test_forced_entries_are_protected_and_kept_ones_stay(cells, force, keep):
    n_rows = len(cells)
    force = [(min(i, n_rows), j) for i, j in force]
    keep = [(min(i, n_rows), j) for i, j in keep if (min(i, n_rows), j) not in force]
    _assert_no_hidden_count_is_revealed(cells, force=force, keep=keep)


def test_a_forced_total_with_every_cell_shown_takes_a_cell_with_it():
    # The total of 10 + 20 is hidden because another table hides it: a cell
    # must go too, or 10 + 20 gives it back.
    table = suppress([[10, 20]], col_totals=False, force=[(0, 2)])
    assert table.row_totals[0].state == COMPLEMENTARY
    assert sum(not c.shown for c in table.cells[0]) == 1


def test_a_kept_total_is_not_hidden_and_the_cells_protect_themselves():
    table = suppress([[3, 9, 12]], col_totals=False, keep=[(0, 3)])
    assert table.row_totals[0].shown
    assert [c.state for c in table.cells[0]] == [PRIMARY, COMPLEMENTARY, SHOWN]
