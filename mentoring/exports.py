"""Excel export of the match-health list: one sheet of matches and how each
is doing, one of meetings, one of evaluation status. Meeting notes are never
read, let alone written: they are for the two people of the pair only."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from mentorship.xlsx import Column, Link, Sheet, xlsx_response

from .health import EVALUATION_KINDS, Agreement, match_link, match_states
from .models import Meeting, Questionnaire, QuestionnaireResponse

MATCH_COLUMNS = [
    Column("Program", 14),
    Column("Tier", 12),
    Column("Mentee", 26),
    Column("Mentor", 26),
    Column("Published", 14),
    Column("Agreement", 18),
    Column("Last meeting", 14),
    Column("Term", 16),
    Column("Minutes this term", 18),
    Column("Minutes expected so far", 22),
    Column("Behind", 10),
    Column("Evaluations", 14),
    Column("Overdue", 40),
    Column("Help asked", 12),
    Column("Link", 40),
]
MEETING_COLUMNS = [
    Column("Program", 14),
    Column("Mentee", 26),
    Column("Mentor", 26),
    Column("Date", 14),
    Column("Minutes", 10),
    Column("Format", 14),
]
EVALUATION_COLUMNS = [
    Column("Program", 14),
    Column("Mentee", 26),
    Column("Mentor", 26),
    Column("Questionnaire", 30),
    Column("For", 10),
    Column("Opens", 14),
    Column("Closes", 14),
    Column("Status", 14),
    Column("Answered on", 18),
]


def _name(user) -> str:
    return user.name or user.email


def match_rows(states) -> Iterator[list]:
    for state in states:
        match = state.match
        yield [
            match.round.program.name,
            match.round.tier.name if match.round.tier_id else "",
            _name(match.mentee.applicant),
            _name(match.mentor.applicant),
            match.published_at,
            Agreement.LABELS[state.agreement],
            state.last_met,
            state.term.name if state.term else "",
            state.minutes_this_term,
            state.expected_minutes,
            "yes" if state.behind else "no",
            state.evaluation_status,
            [str(q) for q in state.evaluations_overdue],
            "yes" if state.help_open else "no",
            Link(settings.SITE_URL + match_link(match)),
        ]


def meeting_rows(match_ids: list[int]) -> Iterator[list]:
    # values_list, not instances: the note is not even read from the database.
    meetings = (
        Meeting.objects.filter(match_id__in=match_ids)
        .order_by("match__round__program__name", "match_id", "met_on")
        .values_list(
            "match__round__program__name",
            "match__mentee__applicant__name",
            "match__mentee__applicant__email",
            "match__mentor__applicant__name",
            "match__mentor__applicant__email",
            "met_on",
            "minutes",
            "format",
        )
    )
    formats = dict(Meeting._meta.get_field("format").choices)
    for program, mentee, mentee_email, mentor, mentor_email, met_on, minutes, format_ in meetings.iterator(
        chunk_size=1000
    ):
        yield [
            program,
            mentee or mentee_email,
            mentor or mentor_email,
            met_on,
            minutes,
            formats.get(format_, ""),
        ]


def evaluation_rows(states, today: datetime.date) -> Iterator[list]:
    states = list(states)
    program_ids = {s.match.round.program_id for s in states}
    evaluations: dict[int, list[Questionnaire]] = {}
    for q in Questionnaire.objects.filter(
        year__program_id__in=program_ids, kind__in=EVALUATION_KINDS
    ).select_related("year"):
        evaluations.setdefault(q.year.program_id, []).append(q)
    submitted = {
        (qid, mid): at
        for qid, mid, at in QuestionnaireResponse.objects.filter(
            match__in=[s.match.pk for s in states]
        ).values_list("questionnaire_id", "match_id", "submitted_at")
    }
    for state in states:
        match = state.match
        for q in evaluations.get(match.round.program_id, []):
            if q.closes_on < state.published_on:
                continue
            at = submitted.get((q.pk, match.pk))
            if at:
                status = "answered"
            elif q.opens_on > today:
                status = "not open yet"
            else:
                status = "overdue" if q.closes_on < today else "open"
            yield [
                match.round.program.name,
                _name(match.mentee.applicant),
                _name(match.mentor.applicant),
                q.title,
                q.get_role_display(),
                q.opens_on,
                q.closes_on,
                status,
                at,
            ]


def health_response(queryset: QuerySet, *, today: datetime.date | None = None):
    """The workbook of ``queryset`` (matches from ``health_queryset``), streamed."""
    today = today or timezone.localdate()
    states = list(match_states(queryset, today).values())
    match_ids = [s.match.pk for s in states]
    sheets = [
        Sheet(title="Matches", columns=MATCH_COLUMNS, rows=match_rows(states)),
        Sheet(title="Meetings", columns=MEETING_COLUMNS, rows=meeting_rows(match_ids)),
        Sheet(title="Evaluations", columns=EVALUATION_COLUMNS, rows=evaluation_rows(states, today)),
    ]
    return xlsx_response(sheets, filename=f"match-health-{today.isoformat()}.xlsx")
