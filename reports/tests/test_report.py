"""The report's tables from given figures: the links between tables, the
figures computed only from shown counts."""

from __future__ import annotations

from collections import Counter

from reports import report
from reports.selectors import Figures


def _funnel(by_status, by_stage):
    figures = Figures(by_role_status=Counter(by_status), by_role_stage=Counter(by_stage))
    section = report.funnel_section(figures)
    return {t.key: t for t in section.tables}


def test_a_total_per_role_hidden_in_one_funnel_table_is_hidden_in_the_other():
    # Mentors: 4 not accepted and 4 accepted, so the stage table must hide
    # their total (8 would pin both at 4). The status table has other columns
    # and, alone, would show the 8.
    tables = _funnel(
        {("mentee", "submitted"): 20, ("mentee", "accepted"): 30, ("mentor", "submitted"): 8},
        {
            ("mentee", "not_accepted"): 20,
            ("mentee", "accepted"): 30,
            ("mentor", "not_accepted"): 4,
            ("mentor", "accepted"): 4,
        },
    )
    stages, statuses = tables["stages"], tables["statuses"]
    assert not stages.rows[1].cells[len(report.STAGES)].shown
    for row_s, row_t in zip(stages.rows, statuses.rows, strict=True):
        stage_total = row_s.cells[len(report.STAGES)]
        status_total = row_t.cells[len(statuses.columns) - 1]
        assert stage_total.shown == status_total.shown
        if not status_total.shown:
            # ... and the status table does not give it back: a cell is hidden too.
            assert any(not c.shown for c in row_t.cells[:-1])


def test_percentages_only_from_shown_counts():
    tables = _funnel(
        {("mentee", "accepted"): 50},
        {("mentee", "not_accepted"): 3, ("mentee", "accepted"): 20, ("mentee", "matched"): 27},
    )
    mentees = tables["stages"].rows[0]
    not_accepted, accepted, matched, total, accepted_pct, matched_pct = mentees.cells
    assert not_accepted.display == "fewer than 5"
    if accepted.shown and matched.shown and total.shown:
        assert accepted_pct.number == 94.0
    else:
        assert accepted_pct.display == "not shown"
    if accepted.shown and matched.shown:
        assert matched_pct.number == 57.4
    else:
        assert matched_pct.display == "not shown"
    # Here the complement of the 3 is the 20 (the smallest in its row), so
    # both percentages that need it are left out.
    assert not accepted.shown and accepted_pct.display == matched_pct.display == "not shown"


def test_a_mean_is_left_out_when_a_count_of_its_row_is_hidden():
    from programs.models import Outcome

    outcome = Outcome(text="Belonging")
    figures = Figures(
        outcomes=[
            {
                "outcome": outcome,
                "rows": [
                    ("mentee", "midpoint", Counter({3: 10, 4: 10})),
                    ("mentee", "closing", Counter({4: 10, 5: 2})),
                    ("mentor", "midpoint", Counter()),
                    ("mentor", "closing", Counter()),
                ],
            }
        ]
    )
    (table,) = report.outcomes_section(figures).tables
    midpoint, closing = table.rows
    assert midpoint.cells[-2].display == "3.5"
    assert closing.cells[-2].display == "not shown" and closing.cells[-1].display == "not shown"
