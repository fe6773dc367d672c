"""The report as sections of tables, every count suppressed.

Built from ``selectors.Figures`` (true counts) by pure functions: each table
goes through ``suppression.suppress`` once, and the page, its charts and the
workbook all read the same ``Table`` objects, so they show the same numbers.
Figures that are not counts of people (percentages, means, medians, hours)
are computed only from counts that are shown, or withheld.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from applications.models import Role, Status
from mentoring.models import LIKERT_LABELS, QuestionnaireKind

from .selectors import AGREEMENT_STATES, STAGES, WAIT_BUCKETS, Figures
from .suppression import Count, Protected, percent, suppress

NOT_SHOWN = "not shown"
ROLE_LABELS = {Role.MENTEE: "Mentees", Role.MENTOR: "Mentors"}
STAGE_LABELS = {"not_accepted": "Not accepted", "accepted": "Accepted, not matched", "matched": "Matched"}


@dataclass(frozen=True)
class Figure:
    """A value that is not a count of people (a percentage, a mean, hours):
    ``number`` is None when it is not shown."""

    number: float | None
    unit: str = ""

    @property
    def shown(self) -> bool:
        return self.number is not None

    @property
    def display(self) -> str:
        if self.number is None:
            return NOT_SHOWN
        if self.unit == "%":
            return f"{self.number:.0f}%"
        if isinstance(self.number, int) or float(self.number).is_integer():
            return f"{int(self.number):,}{self.unit}"
        return f"{self.number:,.1f}{self.unit}"

    def __str__(self) -> str:
        return self.display


def pct(part: Count, whole: Count) -> Figure:
    value = percent(part, whole)
    return Figure(None if value is None else round(value, 1), "%")


@dataclass
class Row:
    label: str
    cells: list  # Count or Figure


@dataclass
class Table:
    """One table of the report. The first ``charted`` columns are counts that
    the chart draws (not totals or other figures)."""

    key: str
    title: str
    row_header: str
    columns: list[str]
    rows: list[Row]
    footer: Row | None = None
    charted: int = 0
    note: str = ""
    withheld: bool = False
    chart: str = ""  # the SVG, set by the page's view

    @property
    def chart_series(self) -> list[str]:
        return self.columns[: self.charted]


@dataclass
class Section:
    key: str
    title: str
    intro: str
    tables: list[Table] = field(default_factory=list)
    facts: list[tuple[str, Count | Figure]] = field(default_factory=list)


def _counts_table(
    key: str,
    title: str,
    row_header: str,
    row_labels: list[str],
    col_labels: list[str],
    cells: list[list[int]],
    *,
    row_totals: bool = True,
    col_totals: bool = True,
    total_label: str = "Total",
    force=(),
    keep=(),
    note: str = "",
) -> tuple[Table, Protected]:
    protected = suppress(cells, row_totals=row_totals, col_totals=col_totals, force=force, keep=keep)
    columns = [*col_labels, *([total_label] if row_totals else [])]
    rows = [
        Row(label, [*protected.cells[i], *([protected.row_totals[i]] if row_totals else [])])
        for i, label in enumerate(row_labels)
    ]
    footer = None
    if col_totals:
        footer = Row("Total", [*protected.col_totals, *([protected.grand_total] if row_totals else [])])
    table = Table(
        key,
        title,
        row_header,
        columns,
        rows,
        footer,
        charted=len(col_labels),
        note=note,
        withheld=protected.withheld,
    )
    return table, protected


def _hidden_row_totals(protected: Protected, n_cols: int) -> list[tuple[int, int]]:
    """The rows whose total ``protected`` hides, as grid entries of another
    table of the same rows and ``n_cols`` columns."""
    return [(i, n_cols) for i, c in enumerate(protected.row_totals or []) if not c.shown]


# --- The funnel ------------------------------------------------------------

ROLES = [Role.MENTEE, Role.MENTOR]


def funnel_section(figures: Figures) -> Section:
    statuses = [s for s in Status if any(figures.by_role_status[r, s] for r in ROLES)] or [Status.SUBMITTED]
    status_cells = [[figures.by_role_status[r, s] for s in statuses] for r in ROLES]
    stage_cells = [[figures.by_role_stage[r, s] for s in STAGES] for r in ROLES]
    # Both tables show the applications per role as their row totals: a total
    # one of them hides, the other hides (and protects) too; twice, to reach a
    # fixed point.
    force: list = []
    for _ in range(2):
        by_stage, stage_p = _counts_table(
            "stages",
            "How far applications went",
            "Role",
            [ROLE_LABELS[r] for r in ROLES],
            [STAGE_LABELS[s] for s in STAGES],
            stage_cells,
            total_label="Applications",
            force=force,
            # Matched mentees: the total of the time-to-match table as well.
            keep=[(0, 2)],
        )
        by_status, status_p = _counts_table(
            "statuses",
            "Applications by role and status",
            "Role",
            [ROLE_LABELS[r] for r in ROLES],
            [Status(s).label for s in statuses],
            status_cells,
            force=_hidden_row_totals(stage_p, len(statuses)),
        )
        force = _hidden_row_totals(status_p, len(STAGES))
    for row, protected_row, total in zip(by_stage.rows, stage_p.cells, stage_p.row_totals, strict=True):
        accepted, matched = protected_row[1], protected_row[2]
        accepted_all = (
            Count(accepted.number + matched.number) if accepted.shown and matched.shown else accepted
        )
        row.cells += [pct(accepted_all, total), pct(matched, accepted_all)]
    by_stage.columns += ["Accepted (% of applications)", "Matched (% of accepted)"]
    by_stage.footer.cells += [Figure(None, "%"), Figure(None, "%")]
    by_stage.note = (
        "Accepted counts everyone ever accepted (matched or not). Percentages are left out when a "
        "count they need is suppressed."
    )
    section = Section(
        "funnel",
        "The funnel",
        "Applications and how far they went: accepted, then matched with a published match.",
        [by_status, by_stage, waitlist_table(figures), wait_table(figures)],
    )
    # A median of fewer than 5 waits would be one person's wait.
    days = figures.wait_days
    median = statistics.median(days) if len(days) >= 5 else None
    section.facts.append(("Median days from acceptance to match", Figure(median, " days")))
    return section


def waitlist_table(figures: Figures) -> Table:
    months = figures.waitlist_months
    table, _ = _counts_table(
        "waitlist",
        "Mentees waiting for a mentor at the end of each month",
        "Month",
        [end.strftime("%b %Y") for end, _ in months] or ["No history yet"],
        ["Mentees waiting"],
        [[count] for _, count in months] or [[0]],
        row_totals=False,
        col_totals=False,
        note="Accepted or waitlisted and not yet matched, replayed from each application's status history.",
    )
    return table


def wait_table(figures: Figures) -> Table:
    buckets = [0] * len(WAIT_BUCKETS)
    for days in figures.wait_days:
        for k, (_, last) in enumerate(WAIT_BUCKETS):
            if last is None or days <= last:
                buckets[k] += 1
                break
    table, _ = _counts_table(
        "wait",
        "Time from acceptance to match (mentees)",
        "Matched after",
        ["Mentees"],
        [label for label, _ in WAIT_BUCKETS],
        [buckets],
        col_totals=False,
        total_label="Matched",
        # The matched mentees are also a cell of "How far applications went".
        keep=[(0, len(WAIT_BUCKETS))],
    )
    return table


# --- Matching --------------------------------------------------------------


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix} choice"


def matching_section(figures: Figures) -> Section:
    ranks = sorted(r for r in figures.ranks if r is not None)
    labels = [_ordinal(r) for r in ranks] + ["Matched, not on their list", "Ranked, not matched"]
    values = [figures.ranks[r] for r in ranks] + [figures.ranks[None], figures.ranked_unmatched]
    table, protected = _counts_table(
        "ranks",
        "Which choice mentees got",
        "Outcome",
        ["Mentees"],
        labels,
        [values],
        col_totals=False,
        total_label="Total",
        note="Published matches in rounds with rank lists, by the rank the mentee gave their mentor.",
    )
    table = _transpose(table)
    return Section(
        "matching",
        "Matching",
        "How many mentees got their 1st, 2nd or 3rd choice from their rank lists.",
        [table],
    )


def _transpose(table: Table) -> Table:
    """A one-row table as a column (easier to read on a phone)."""
    (row,) = table.rows
    rows = [Row(label, [cell]) for label, cell in zip(table.columns, row.cells, strict=True)]
    total = rows.pop() if len(rows) > table.charted else None
    return Table(
        table.key,
        table.title,
        table.row_header,
        [row.label],
        rows,
        footer=Row(total.label, total.cells) if total else None,
        charted=1,
        note=table.note,
        withheld=table.withheld,
    )


# --- The year ----------------------------------------------------------------


def year_section(figures: Figures) -> Section:
    agreements, _ = _counts_table(
        "agreements",
        "Agreements",
        "Confirmed by",
        ["Pairs"],
        ["Both", "One of the two", "Neither yet"],
        [[figures.agreements[s] for s in AGREEMENT_STATES]],
        col_totals=False,
        total_label="Pairs",
    )
    agreements = _transpose(agreements)
    hours = f"{figures.minutes_per_term / 60:g}"
    terms, protected = _counts_table(
        "terms",
        f"Meetings per term against the rule ({hours} hours a term)",
        "Term",
        [str(t["term"].name) for t in figures.terms] or ["No terms set up"],
        ["Met the rule", "Below the rule"],
        [[t["met"], t["below"]] for t in figures.terms] or [[0, 0]],
        col_totals=False,
        total_label="Pairs",
    )
    terms.columns += ["Meetings", "Hours", "Met the rule (%)"]
    placeholder = {"meetings": 0, "minutes": 0}  # the "No terms set up" row
    entries = figures.terms or [placeholder]
    for row, t, total, cells in zip(terms.rows, entries, protected.row_totals, protected.cells, strict=True):
        hidden = not total.shown
        row.cells += [
            Figure(None if hidden else t["meetings"]),
            Figure(None if hidden else round(t["minutes"] / 60, 1)),
            pct(cells[0], total),
        ]
    terms.note = "Meetings and hours are left out for a term whose number of pairs is suppressed."
    questionnaires, protected = _counts_table(
        "questionnaires",
        "Check-ins and evaluations answered",
        "Questionnaire",
        [f"{q['title']} ({ROLE_LABELS[q['role']].lower()})" for q in figures.questionnaires]
        or ["No questionnaires set up"],
        ["Answered", "Not answered"],
        [[q["answered"], q["not_answered"]] for q in figures.questionnaires] or [[0, 0]],
        col_totals=False,
        total_label="Expected",
        # How many answered can also be the number of answers to an outcome item.
        keep=[(i, 0) for i in range(max(len(figures.questionnaires), 1))],
        note="Expected: the pairs whose match was active while the questionnaire was open.",
    )
    questionnaires.columns.append("Answered (%)")
    for row, cells, total in zip(questionnaires.rows, protected.cells, protected.row_totals, strict=True):
        row.cells.append(pct(cells[0], total))
    section = Section(
        "year",
        "The year",
        "The pairs whose match was active in the period: agreements, meetings and questionnaires.",
        [agreements, terms, questionnaires],
    )
    return section


# --- Outcomes ----------------------------------------------------------------

KIND_LABELS = {QuestionnaireKind.MIDPOINT: "midpoint", QuestionnaireKind.CLOSING: "closing"}


def _mean(counter, cells) -> float | None:
    """The mean answer, only when no count of the row is hidden (a mean of a
    row with a hidden count, with the row's total, could give the count back)."""
    n = sum(counter.values())
    if not n or not all(c.shown for c in cells):
        return None
    return round(sum(k * v for k, v in counter.items()) / n, 2)


def outcomes_section(figures: Figures) -> Section:
    tables = []
    for number, entry in enumerate(figures.outcomes, 1):
        rows = [(role, kind, counter) for role, kind, counter in entry["rows"] if sum(counter.values())]
        if not rows:
            rows = entry["rows"][:2]
        table, protected = _counts_table(
            f"outcome-{number}",
            f"Outcome: {entry['outcome'].text}",
            "Who, when",
            [f"{ROLE_LABELS[role]}, {KIND_LABELS[kind]}" for role, kind, _ in rows],
            [f"{k} {LIKERT_LABELS[k]}" for k in range(1, 6)],
            [[counter[k] for k in range(1, 6)] for _, _, counter in rows],
            col_totals=False,
            total_label="Answers",
            # The answers can also be how many answered the questionnaire (The year).
            keep=[(i, 5) for i in range(len(rows))],
        )
        means = {}
        table.columns += ["Mean (1–5)", "Change since the midpoint"]
        for row, (role, kind, counter), cells in zip(table.rows, rows, protected.cells, strict=True):
            means[role, kind] = _mean(counter, cells)
            row.cells.append(Figure(means[role, kind]))
        for row, (role, kind, _) in zip(table.rows, rows, strict=True):
            before = means.get((role, QuestionnaireKind.MIDPOINT))
            change = None
            if kind == QuestionnaireKind.CLOSING and before is not None and means[role, kind] is not None:
                change = round(means[role, kind] - before, 2)
            row.cells.append(Figure(change))
        table.note = (
            "Answers on a scale of 1 (strongly disagree) to 5 (strongly agree). A mean is left out when "
            "a count of its row is suppressed; the change is the closing mean minus the midpoint mean."
        )
        tables.append(table)
    return Section(
        "outcomes",
        "Outcomes",
        "The outcome items of the midpoint and closing evaluations, and the change between them.",
        tables,
    )


# --- Mentors -----------------------------------------------------------------


def mentors_section(figures: Figures) -> Section:
    entries = figures.mentor_years
    table, protected = _counts_table(
        "mentors",
        "Mentors who came back the next year",
        "From one year to the next",
        [f"{e['from'].name} → {e['to'].name}" for e in entries] or ["Only one program year so far"],
        ["Returned", "Did not return"],
        [[e["returned"], e["left"]] for e in entries] or [[0, 0]],
        col_totals=False,
        total_label="Mentors in the first year",
        note="People, not applications: a mentor counts once a year however many mentees they had.",
    )
    table.columns.append("Returned (%)")
    for row, cells, total in zip(table.rows, protected.cells, protected.row_totals, strict=True):
        row.cells.append(pct(cells[0], total))
    return Section(
        "mentors", "Mentors", "How many mentors return from one program year to the next.", [table]
    )


# --- Self-identification -----------------------------------------------------


def identity_section(figures: Figures) -> Section:
    tables = []
    for role in ROLES:
        entries = figures.identity[role]
        table, protected = _counts_table(
            f"identity-{role}",
            f"{ROLE_LABELS[role]} by self-identification",
            "Identifies as",
            [label for label, _ in entries] or ["No dimensions set up"],
            [STAGE_LABELS[s] for s in STAGES],
            [[counter[s] for s in STAGES] for _, counter in entries] or [[0, 0, 0]],
            col_totals=False,
            total_label="Applications",
            note="Only self-identification of people who consented to be counted in reports. A person may choose several, so the rows "
            "overlap and have no total.",
        )
        table.columns.append("Matched (% of applications)")
        for row, cells, total in zip(table.rows, protected.cells, protected.row_totals, strict=True):
            row.cells.append(pct(cells[2], total))
        tables.append(table)
    return Section(
        "identity",
        "Self-identification",
        "Shown only to the program's own coordinators.",
        tables,
    )


def build(figures: Figures) -> list[Section]:
    sections = [
        funnel_section(figures),
        matching_section(figures),
        year_section(figures),
        outcomes_section(figures),
        mentors_section(figures),
    ]
    if figures.identity is not None:
        sections.append(identity_section(figures))
    return sections
