"""The daily reminders of the mentorship year, on each program's schedule
(``MentoringPolicy``):

- an introduction with no meeting logged ``intro_reminder_days`` after it;
- no meeting for ``quiet_reminder_days`` (counted from the last meeting, or
  from the introduction), once per quiet stretch: a meeting starts a new one;
- an agreement not confirmed ``agreement_reminder_days`` after the
  introduction, to whoever has not confirmed it;
- a check-in or evaluation that opens, and one reminder
  ``questionnaire_reminder_days`` before it closes, to whoever has not answered.

Sent once: each reminder is a ``ReminderSent`` row with a unique key (match,
person, kind, period), written in the same transaction as its email. A second
run, a retried task or a restarted worker finds the row and sends nothing.
Nothing goes to an ended match. A person who turned off the optional nudges
(``NudgePreference``) still gets the required evaluations.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from applications.models import Role
from matching.models import Match
from notifications.services import email_queue_template

from .health import match_link
from .models import (
    MentoringPolicy,
    NudgePreference,
    Questionnaire,
    QuestionnaireResponse,
    ReminderKind,
    ReminderSent,
)
from .questionnaires import match_person, questionnaire_url

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reminder:
    match: Match
    role: str
    kind: str
    period: str
    optional: bool
    questionnaire: Questionnaire | None = None

    @property
    def recipient(self):
        return match_person(self.match, self.role)

    @property
    def key(self) -> tuple:
        return (self.match.pk, self.recipient.pk, self.kind, self.period)


def running_matches():
    """Published matches that have not ended, with what the reminders read."""
    return (
        Match.objects.published()
        .filter(ended_at__isnull=True, published_at__isnull=False)
        .select_related("round__program", "mentee__applicant", "mentor__applicant", "agreement")
        .annotate(last_met=Max("meetings__met_on"))
    )


def _contact_reminders(match: Match, policy: MentoringPolicy, today: datetime.date) -> list[Reminder]:
    published_on = timezone.localdate(match.published_at)
    reminders = []
    since = (today - published_on).days
    roles = (Role.MENTEE, Role.MENTOR)
    if match.last_met is None and since >= policy.intro_reminder_days:
        reminders += [Reminder(match, r, ReminderKind.INTRO, "intro", True) for r in roles]
    quiet_since = match.last_met or published_on
    if (today - quiet_since).days >= policy.quiet_reminder_days:
        period = f"quiet:{quiet_since.isoformat()}"
        reminders += [Reminder(match, r, ReminderKind.QUIET, period, True) for r in roles]
    agreement = getattr(match, "agreement", None)
    if agreement is not None and since >= policy.agreement_reminder_days:
        if agreement.mentee_confirmed_at is None:
            reminders.append(Reminder(match, Role.MENTEE, ReminderKind.AGREEMENT, "agreement", True))
        if agreement.mentor_confirmed_at is None:
            reminders.append(Reminder(match, Role.MENTOR, ReminderKind.AGREEMENT, "agreement", True))
    return reminders


def _questionnaire_reminders(
    match: Match, policy: MentoringPolicy, open_now: list[Questionnaire], answered: set, today
) -> list[Reminder]:
    published_on = timezone.localdate(match.published_at)
    reminders = []
    for q in open_now:
        if q.closes_on < published_on or (q.pk, match.pk) in answered:
            continue
        # Near the close only the closing reminder goes (a pair matched late
        # in the window is not sent two emails on one day).
        closing = (q.closes_on - today).days <= policy.questionnaire_reminder_days
        kind = ReminderKind.QUESTIONNAIRE_CLOSING if closing else ReminderKind.QUESTIONNAIRE_OPEN
        reminders.append(Reminder(match, q.role, kind, f"q:{q.pk}", not q.is_required, q))
    return reminders


def reminders_due(now: datetime.datetime | None = None) -> list[Reminder]:
    """Every reminder the schedule calls for ``now``, sent before or not
    (``reminders_send`` skips those already sent). Six queries."""
    today = timezone.localdate(now or timezone.now())
    matches = list(running_matches())
    program_ids = {m.round.program_id for m in matches}
    rules = {p.program_id: p for p in MentoringPolicy.objects.filter(program_id__in=program_ids)}
    open_now: dict[tuple, list[Questionnaire]] = {}
    for q in Questionnaire.objects.filter(
        year__program_id__in=program_ids, opens_on__lte=today, closes_on__gte=today
    ).select_related("year"):
        open_now.setdefault(q.year.program_id, []).append(q)
    answered = set(
        QuestionnaireResponse.objects.filter(
            questionnaire__in=[q for qs in open_now.values() for q in qs]
        ).values_list("questionnaire_id", "match_id")
    )
    reminders = []
    for match in matches:
        pid = match.round.program_id
        policy = rules.get(pid) or MentoringPolicy(program_id=pid)
        reminders += _contact_reminders(match, policy, today)
        reminders += _questionnaire_reminders(match, policy, open_now.get(pid, []), answered, today)
    return reminders


EMAILS = {
    ReminderKind.INTRO: "reminder-intro",
    ReminderKind.QUIET: "reminder-quiet",
    ReminderKind.AGREEMENT: "reminder-agreement",
    ReminderKind.QUESTIONNAIRE_OPEN: "reminder-questionnaire-open",
    ReminderKind.QUESTIONNAIRE_CLOSING: "reminder-questionnaire-closing",
}


def _context(reminder: Reminder) -> dict:
    match = reminder.match
    other_role = Role.MENTOR if reminder.role == Role.MENTEE else Role.MENTEE
    context = {
        "person": reminder.recipient,
        "other": match_person(match, other_role),
        "other_role": Role(other_role).label.lower(),
        "program": match.round.program,
        "match_url": settings.SITE_URL + match_link(match),
        "settings_url": settings.SITE_URL + reverse("mentoring:nudges"),
        "optional": reminder.optional,
        "questionnaire": reminder.questionnaire,
    }
    if reminder.questionnaire is not None:
        context["questionnaire_url"] = settings.SITE_URL + questionnaire_url(match, reminder.questionnaire)
    return context


@transaction.atomic
def reminder_send(*, reminder: Reminder) -> bool:
    """Record and queue one reminder; False (and nothing queued) when it was
    already sent. The row and the email commit together or not at all."""
    try:
        with transaction.atomic():
            ReminderSent.objects.create(
                match=reminder.match,
                recipient=reminder.recipient,
                kind=reminder.kind,
                period=reminder.period,
            )
    except IntegrityError:
        return False
    email_queue_template(
        name=EMAILS[reminder.kind],
        to=reminder.recipient.email,
        context=_context(reminder),
        program=reminder.match.round.program,
    )
    return True


def reminders_send(now: datetime.datetime | None = None) -> int:
    """Send the reminders due ``now`` that have not been sent; returns how many.

    Side effects: a ``ReminderSent`` row and an outgoing email per reminder,
    one transaction each (a failure on one leaves the others sent)."""
    reminders = reminders_due(now)
    if not reminders:
        return 0
    sent_before = set(
        ReminderSent.objects.filter(match__in={r.match.pk for r in reminders}).values_list(
            "match_id", "recipient_id", "kind", "period"
        )
    )
    opted_out = set(NudgePreference.objects.filter(optional_nudges=False).values_list("user_id", flat=True))
    sent = 0
    for reminder in reminders:
        if reminder.key in sent_before or not reminder.recipient.is_active:
            continue
        if reminder.optional and reminder.recipient.pk in opted_out:
            continue
        sent += reminder_send(reminder=reminder)
    log.info("Mentoring reminders: %s sent", sent)
    return sent
