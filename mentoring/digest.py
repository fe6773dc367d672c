"""The weekly digest to each program's coordinators: the matches that need
attention (no contact, behind on time this term, help asked, an evaluation
overdue), each with its link. Never sent when there is nothing to report;
once per program and week (``DigestSent``, written in the same transaction
as the emails)."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from matching.models import Match
from notifications.services import email_queue_template
from programs.models import Program

from .health import health_queryset, match_link, match_states
from .models import DigestSent

log = logging.getLogger(__name__)


def week_of(day: datetime.date) -> datetime.date:
    """The Monday of ``day``'s week."""
    return day - datetime.timedelta(days=day.weekday())


def attention_by_program(today: datetime.date) -> dict[int, list[tuple[Match, list[str]]]]:
    """Program id → the running matches that need attention, with why.
    A fixed number of queries, whatever the number of matches."""
    matches = health_queryset(Match.objects.filter(ended_at__isnull=True), today).order_by(
        "round__program_id", "mentee__applicant__name", "pk"
    )
    found: dict[int, list[tuple[Match, list[str]]]] = {}
    for state in match_states(matches, today).values():
        reasons = state.reasons()
        if reasons:
            found.setdefault(state.match.round.program_id, []).append((state.match, reasons))
    return found


@transaction.atomic
def digest_send_program(*, program: Program, rows: list, week: datetime.date) -> bool:
    """Email ``program``'s coordinators its digest for ``week``; False (and
    nothing sent) when it went already or the program has no coordinator."""
    coordinators = list(program.coordinators.filter(is_active=True).order_by("pk"))
    if not rows or not coordinators:
        return False
    try:
        with transaction.atomic():
            DigestSent.objects.create(program=program, week=week, matches=len(rows))
    except IntegrityError:
        return False
    context = {
        "program": program,
        "week": week,
        "rows": [{"match": m, "reasons": r, "url": settings.SITE_URL + match_link(m)} for m, r in rows],
        "health_url": settings.SITE_URL + reverse("admin:mentoring_matchhealth_changelist"),
    }
    for coordinator in coordinators:
        email_queue_template(
            name="coordinator-digest",
            to=coordinator.email,
            context={**context, "person": coordinator},
            program=program,
        )
    return True


def digest_send(now: datetime.datetime | None = None) -> int:
    """Beat (weekly): send each program's digest if it has something to
    report and has not had this week's. Returns the number of programs told."""
    today = timezone.localdate(now or timezone.now())
    week = week_of(today)
    by_program = attention_by_program(today)
    done = set(DigestSent.objects.filter(week=week).values_list("program_id", flat=True))
    sent = 0
    for program in Program.objects.filter(pk__in=set(by_program) - done).order_by("pk"):
        sent += digest_send_program(program=program, rows=by_program[program.pk], week=week)
    log.info("Mentoring digest: %s programs told", sent)
    return sent
