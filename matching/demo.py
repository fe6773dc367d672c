"""Demo data for this app, loaded by ``manage.py seed_demo`` after the programs
(the demo applicants come from ``applications.demo``): default weights, a
completed first round for DMP and each iLEAD tier (the program pages' status
lines, and their boards take late applicants), and a planned second round to
try a full draft. Accepted mentors get their profile (participant choice).
Safe to run again."""

from __future__ import annotations

import datetime

from applications.models import Application, Role
from programs.models import Program

from .models import MatchingWeights, Round, RoundStatus
from .selectors import MENTOR_STATUSES
from .services import mentor_profile_create_from

FIRST_ROUND = "Round 1, Fall 2025"
FIRST_ROUND_PUBLISHED = datetime.datetime(2025, 10, 15, 12, 0, tzinfo=datetime.UTC)
NEXT_ROUND = "Round 2, Winter 2026"


def seed() -> None:
    for program in Program.objects.filter(slug__in=["dmp", "ilead"]).prefetch_related("tiers"):
        MatchingWeights.objects.get_or_create(program=program)
        for tier in list(program.tiers.all()) or [None]:
            Round.objects.get_or_create(
                program=program,
                tier=tier,
                name=FIRST_ROUND,
                defaults={"status": RoundStatus.COMPLETE, "published_at": FIRST_ROUND_PUBLISHED},
            )
            Round.objects.get_or_create(program=program, tier=tier, name=NEXT_ROUND)
    for application in Application.objects.filter(role=Role.MENTOR, status__in=MENTOR_STATUSES):
        mentor_profile_create_from(application)
