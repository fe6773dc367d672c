"""Excel export of a round's matches (write-only, every cell sanitised by
``mentorship.xlsx``). Identity is left out, for everyone: the file leaves the
site. So are its reasons and its points in the score, which would otherwise
tell the reader what the missing reason says."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from django.utils.text import slugify

from mentorship.xlsx import Column, Link, Sheet, xlsx_response

from .models import Match, Round
from .selectors import round_matches_for_export, round_summary_for_export

COLUMNS = [
    Column("Program", 10),
    Column("Tier", 10),
    Column("Round", 22),
    Column("Mentee", 26),
    Column("Mentee pronouns", 17),
    Column("Mentee email", 32),
    Column("Mentor", 26),
    Column("Mentor pronouns", 17),
    Column("Mentor email", 32),
    Column("Status", 12),
    Column("Score (without identity)", 24),
    Column("Reasons", 60),
    Column("Published", 18),
    Column("Ended", 18),
    Column("End reason", 40),
    Column("Mentee's rank of the mentor", 16),
    Column("Mentor's rank of the mentee", 16),
]


def _row(match: Match) -> list:
    mentee, mentor = match.mentee.applicant, match.mentor.applicant
    return [
        match.round.program.name,
        match.round.tier.name if match.round.tier_id else "",
        match.round.name,
        mentee.name or mentee.email,
        mentee.pronouns,
        Link(f"mailto:{mentee.email}", mentee.email),
        mentor.name or mentor.email,
        mentor.pronouns,
        Link(f"mailto:{mentor.email}", mentor.email),
        match.get_status_display(),
        match.score_for(show_identity=False),
        match.reasons_for(show_identity=False),
        match.published_at,
        match.ended_at,
        match.end_reason,
        match.mentee_rank,
        match.mentor_rank,
    ]


def round_match_rows(round_: Round) -> Iterator[list]:
    for match in round_matches_for_export(round_).iterator(chunk_size=500):
        yield _row(match)


SUMMARY_COLUMNS = [Column("Mentees", 56), Column("Count", 10)]


def round_summary_sheet(round_: Round) -> Sheet | None:
    """The round's summary by the choice mentees got, as on the board (None
    for a round without rank lists)."""
    summary = round_summary_for_export(round_)
    if summary is None:
        return None
    return Sheet(title="Summary", columns=SUMMARY_COLUMNS, rows=summary.rows(), autofilter=False)


def round_matches_response(round_: Round):
    sheets = [Sheet(title=f"{round_.program.name} matches", columns=COLUMNS, rows=round_match_rows(round_))]
    summary = round_summary_sheet(round_)
    if summary is not None:
        sheets.append(summary)
    filename = f"matches-{slugify(str(round_))}-{timezone.localdate():%Y-%m-%d}.xlsx"
    return xlsx_response(sheets, filename=filename)
