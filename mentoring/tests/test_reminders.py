"""The reminder schedule, run day by day across a term with frozen time, and
then run again: every reminder is in the outgoing table exactly once."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
import time_machine
from django.utils import timezone

from applications.models import Role
from matching import services as matching_services
from mentoring import reminders
from mentoring.models import Meeting, NudgePreference, QuestionnaireKind, ReminderSent
from mentoring.questionnaires import questionnaire_respond
from notifications.models import OutgoingEmail

from .helpers import make_program_year, publish_pair

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    """Noon UTC: eight in the morning in Toronto, when beat runs the reminders."""
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def reminder_emails() -> Counter:
    """(to, kind, subject, day queued) → how many such emails are in the outgoing table."""
    return Counter(
        (e.to, e.kind, e.subject, e.created_at.date())
        for e in OutgoingEmail.objects.filter(kind__startswith="reminder-")
    )


def days(start: datetime.date, end: datetime.date):
    day = start
    while day <= end:
        yield day
        day += datetime.timedelta(days=1)


def test_a_term_of_reminders_goes_out_once_each_even_when_the_schedule_runs_twice(make_user_pair):
    start, end = datetime.date(2026, 9, 1), datetime.date(2026, 12, 15)
    with time_machine.travel(at(start, 14), tick=False) as traveller:
        program, _, _, questionnaires = make_program_year()
        quiet_pair = publish_pair(program, *make_user_pair("quiet"))
        meeting_pair = publish_pair(program, *make_user_pair("meets"))
        ended_pair = publish_pair(program, *make_user_pair("ends"))
        # The quiet pair's mentee turned the optional nudges off.
        NudgePreference.objects.create(user=quiet_pair.mentee.applicant, optional_nudges=False)
        agreement = meeting_pair.agreement
        agreement.mentee_confirmed_at = agreement.mentor_confirmed_at = timezone.now()
        agreement.save()
        check_in_mentee = questionnaires[(QuestionnaireKind.CHECK_IN, Role.MENTEE)]

        def run_schedule(*, first: bool) -> int:
            sent = 0
            for day in days(start, end):
                traveller.move_to(at(day))
                if first:
                    events_of(day)
                sent += reminders.reminders_send()
            return sent

        def events_of(day):
            if day in (datetime.date(2026, 9, 10), datetime.date(2026, 11, 1)):
                Meeting.objects.create(
                    match=meeting_pair, met_on=day, minutes=60, format="virtual", note="Private note"
                )
            if day == datetime.date(2026, 9, 20):
                matching_services.match_end(match=ended_pair, reason="Moved away", rematch=False)
                ended_pair.refresh_from_db()
            if day == datetime.date(2026, 10, 5):
                questionnaire_respond(
                    match=meeting_pair,
                    questionnaire=check_in_mentee,
                    user=meeting_pair.mentee.applicant,
                    answers={item.pk: 4 for item in check_in_mentee.items.filter(required=True)},
                )

        first_run = run_schedule(first=True)
        after_first = reminder_emails()
        second_run = run_schedule(first=False)

    assert second_run == 0
    assert reminder_emails() == after_first
    assert set(after_first.values()) == {1}, "an email went out twice"
    assert first_run == sum(after_first.values()) == ReminderSent.objects.count()

    def to(match, role):
        return (match.mentee if role == Role.MENTEE else match.mentor).applicant.email

    expected = {
        # Optional nudges off: only the required midpoint evaluation reaches this mentee.
        (to(quiet_pair, Role.MENTEE), "reminder-questionnaire-open"),
        (to(quiet_pair, Role.MENTEE), "reminder-questionnaire-closing"),
        (to(quiet_pair, Role.MENTOR), "reminder-agreement"),
        (to(quiet_pair, Role.MENTOR), "reminder-intro"),
        (to(quiet_pair, Role.MENTOR), "reminder-quiet"),
        (to(quiet_pair, Role.MENTOR), "reminder-questionnaire-open"),
        (to(quiet_pair, Role.MENTOR), "reminder-questionnaire-closing"),
        # The pair that meets: a quiet stretch after each meeting, each reminded once.
        (to(meeting_pair, Role.MENTEE), "reminder-quiet"),
        (to(meeting_pair, Role.MENTEE), "reminder-questionnaire-open"),
        (to(meeting_pair, Role.MENTEE), "reminder-questionnaire-closing"),
        (to(meeting_pair, Role.MENTOR), "reminder-quiet"),
        (to(meeting_pair, Role.MENTOR), "reminder-questionnaire-open"),
        (to(meeting_pair, Role.MENTOR), "reminder-questionnaire-closing"),
        # The pair that ended on 20 September: what was due before, nothing after.
        (to(ended_pair, Role.MENTEE), "reminder-agreement"),
        (to(ended_pair, Role.MENTEE), "reminder-intro"),
        (to(ended_pair, Role.MENTOR), "reminder-agreement"),
        (to(ended_pair, Role.MENTOR), "reminder-intro"),
    }
    assert {(to_, kind) for to_, kind, *_ in after_first} == expected

    periods = {
        (r.recipient.email, r.kind, r.period, r.sent_at.date())
        for r in ReminderSent.objects.select_related("recipient")
    }
    mentee = to(meeting_pair, Role.MENTEE)
    # Two quiet stretches (after each meeting), 42 days on; the answered check-in
    # is not reminded before it closes, the midpoint is.
    assert {(p, d) for e, k, p, d in periods if e == mentee} == {
        ("quiet:2026-09-10", datetime.date(2026, 10, 22)),
        ("quiet:2026-11-01", datetime.date(2026, 12, 13)),
        (f"q:{check_in_mentee.pk}", datetime.date(2026, 10, 1)),
        (f"q:{questionnaires[(QuestionnaireKind.MIDPOINT, Role.MENTEE)].pk}", datetime.date(2026, 11, 15)),
        (f"q:{questionnaires[(QuestionnaireKind.MIDPOINT, Role.MENTEE)].pk}", datetime.date(2026, 11, 27)),
    }
    ended = {to(ended_pair, Role.MENTEE), to(ended_pair, Role.MENTOR)}
    assert all(d < datetime.date(2026, 9, 20) for e, k, p, d in periods if e in ended)


def test_a_reminder_already_recorded_is_not_queued_again(make_user_pair):
    """A retried task that passes the first check still meets the unique key."""
    with time_machine.travel(at(datetime.date(2026, 9, 1)), tick=False) as traveller:
        program, *_ = make_program_year()
        match = publish_pair(program, *make_user_pair("a"))
        traveller.move_to(at(datetime.date(2026, 9, 15)))
        due = [r for r in reminders.reminders_due() if r.kind == "intro"]
        assert len(due) == 2
        assert reminders.reminder_send(reminder=due[0]) is True
        assert reminders.reminder_send(reminder=due[0]) is False
    assert OutgoingEmail.objects.filter(kind="reminder-intro", to=match.mentee.applicant.email).count() == 1


def test_the_reminder_links_to_the_questionnaire_and_offers_to_turn_off_only_optional_nudges(make_user_pair):
    with time_machine.travel(at(datetime.date(2026, 9, 1)), tick=False) as traveller:
        program, _, _, questionnaires = make_program_year()
        match = publish_pair(program, *make_user_pair("a"), agreement=False)
        Meeting.objects.create(match=match, met_on=datetime.date(2026, 9, 2), minutes=30, format="phone")
        traveller.move_to(at(datetime.date(2026, 10, 1)))
        reminders.reminders_send()
        traveller.move_to(at(datetime.date(2026, 11, 15)))
        reminders.reminders_send()
    check_in = OutgoingEmail.objects.get(
        kind="reminder-questionnaire-open", to=match.mentee.applicant.email, subject__contains="Check-in"
    )
    q = questionnaires[(QuestionnaireKind.CHECK_IN, Role.MENTEE)]
    assert f"/mentoring/{match.pk}/questionnaires/{q.pk}/" in check_in.body_text
    assert "turn these reminders off" in check_in.body_text
    midpoint = OutgoingEmail.objects.get(
        kind="reminder-questionnaire-open", to=match.mentee.applicant.email, subject__contains="Midpoint"
    )
    assert "turn these reminders off" not in midpoint.body_text.lower()


def test_working_out_the_reminders_takes_the_same_queries_for_more_pairs(
    make_user_pair, django_assert_num_queries
):
    with time_machine.travel(at(datetime.date(2026, 9, 1)), tick=False) as traveller:
        program, *_ = make_program_year()
        publish_pair(program, *make_user_pair("one"))
        traveller.move_to(at(datetime.date(2026, 10, 5)))  # the check-ins are open
        # The running matches (with their last meeting), the programs'
        # settings, the open questionnaires, their responses.
        with django_assert_num_queries(4):
            few = reminders.reminders_due()
        for i in range(5):
            publish_pair(program, *make_user_pair(f"more{i}"))
        with django_assert_num_queries(4):
            many = reminders.reminders_due()
    # The new pairs, matched today, owe only the check-ins (one each).
    assert len(few) == 6 and len(many) == 6 + 5 * 2
