"""Reads for applications, with their joins built in. Access: ``programs.access``."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from programs.models import Program, Tier

from .models import Answer, Application, IdentityDimension, Question, Role, Status, StatusChange
from .signals import WithdrawalConsequence, withdrawal_asked


def applications_for_applicant(user) -> QuerySet[Application]:
    """The person's applications, newest first, ready for the "My applications"
    table in one query."""
    return (
        Application.objects.filter(applicant=user)
        .select_related("program", "tier")
        .order_by("-submitted_at", "-id")
    )


def application_for_applicant(user, pk: int) -> Application:
    """One of the person's own applications with everything its page shows;
    404 for anyone else's (whether or not it exists)."""
    queryset = (
        Application.objects.filter(applicant=user)
        .select_related("program", "tier", "learner_type", "identity")
        .prefetch_related(
            "specialties",
            "outcomes",
            "identity__dimensions",
            Prefetch("answers", queryset=Answer.objects.select_related("question")),
            Prefetch("history", queryset=StatusChange.objects.select_related("changed_by")),
        )
    )
    try:
        return queryset.get(pk=pk)
    except (Application.DoesNotExist, ValueError):
        raise Http404("No such application.") from None


def live_application(*, user, program: Program, role: str, tier: Tier | None) -> Application | None:
    """The person's live application for this program, role and tier, if any."""
    return (
        Application.objects.live()
        .filter(applicant=user, program=program, role=role, tier=tier)
        .order_by("-submitted_at")
        .first()
    )


def last_withdrawn_application(*, user, program: Program, role: str) -> Application | None:
    """The person's most recently withdrawn application for this program and
    role, with what a form needs to start from its answers; None if there is none."""
    return (
        Application.objects.filter(applicant=user, program=program, role=role, status=Status.WITHDRAWN)
        .prefetch_related("specialties", "outcomes", "answers")
        .order_by("-submitted_at", "-id")
        .first()
    )


def live_applications_for_program(*, user, program: Program, role: str) -> list[Application]:
    return list(
        Application.objects.live()
        .filter(applicant=user, program=program, role=role)
        .select_related("tier")
        .order_by("tier__number")
    )


def questions_for(program: Program, role: str) -> list[Question]:
    audience = Question.Audience.MENTEES if role == Role.MENTEE else Question.Audience.MENTORS
    return list(
        Question.objects.filter(program=program)
        .filter(Q(audience=audience) | Q(audience=Question.Audience.BOTH))
        .order_by("order", "id")
    )


def identity_dimensions_for(program: Program) -> QuerySet[IdentityDimension]:
    return IdentityDimension.objects.filter(program=program).order_by("order", "id")


def withdrawal_consequences(application: Application) -> list[WithdrawalConsequence]:
    """What withdrawing ``application`` would also end, as the apps above tell
    it (``signals.withdrawal_asked``): matching names the mentorships that end."""
    responses = withdrawal_asked.send(sender=Application, application=application)
    return [consequence for _, consequence in responses if consequence is not None]


def applications_for_export(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """Everything an export row needs, in a fixed number of queries per chunk."""
    return queryset.select_related(
        "applicant", "program", "tier", "learner_type", "identity"
    ).prefetch_related(
        "specialties",
        "outcomes",
        "identity__dimensions",
        Prefetch("answers", queryset=Answer.objects.select_related("question")),
    )
