"""The coordinators' Excel export of applications: rows streamed from the
queryset, written by mentorship.xlsx (write-only, sanitised)."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from mentorship.xlsx import Column, Link, Sheet

from .models import Application, Question
from .selectors import applications_for_export

BASE_COLUMNS = [
    Column("ID", 8),
    Column("Name", 26),
    Column("Email", 32),
    Column("Pronouns", 12),
    Column("Program", 12),
    Column("Role", 10),
    Column("Tier", 10),
    Column("Status", 14),
    Column("Learner type", 22),
    Column("Year", 6),
    Column("Mentor role", 20),
    Column("Department or division", 28),
    Column("Hospital site", 28),
    Column("Capacity", 9),
    Column("Specialties", 30),
    Column("Outcomes", 40),
    Column("Meeting format", 14),
    Column("Meeting frequency", 18),
    Column("Availability", 30),
    Column("Hopes from a mentor", 50),
    Column("Submitted", 18),
    Column("Status changed", 18),
    Column("Accepted", 18),
    Column("Waitlist rank", 12),
    Column("Admin link", 30),
]
IDENTITY_COLUMNS = [
    Column("Identifies as", 40),
    Column("Another identity (own words)", 30),
    Column("Consent to use for matching", 14),
    Column("Wants a mentor who shares an identity", 14),
]


def _base_row(application: Application) -> list:
    applicant = application.applicant
    return [
        application.pk,
        applicant.name,
        applicant.email,
        applicant.pronouns,
        application.program.name,
        application.get_role_display(),
        application.tier.name if application.tier_id else None,
        application.get_status_display(),
        application.learner_type.label,
        application.year,
        application.get_mentor_role_display() if application.mentor_role else None,
        application.department,
        application.get_hospital_site_display() if application.hospital_site else None,
        application.capacity,
        [s.name for s in application.specialties.all()],
        [o.text for o in application.outcomes.all()],
        application.get_meeting_format_display(),
        application.get_meeting_frequency_display() if application.meeting_frequency else None,
        application.availability_display,
        application.hopes,
        timezone.localtime(application.submitted_at),
        timezone.localtime(application.status_changed_at),
        timezone.localtime(application.accepted_at) if application.accepted_at else None,
        application.waitlist_rank,
        Link(settings.SITE_URL + reverse("admin:applications_application_change", args=[application.pk])),
    ]


def _identity_row(application: Application) -> list:
    try:
        identity = application.identity
    except Application.identity.RelatedObjectDoesNotExist:
        return [None] * len(IDENTITY_COLUMNS)
    return [
        [d.label for d in identity.dimensions.all()],
        identity.self_described,
        "Yes" if identity.consent_to_matching else "No",
        ("Yes" if identity.wants_shared_identity else "No") if application.role == "mentee" else None,
    ]


def application_sheet(queryset: QuerySet[Application], *, include_identity: bool) -> Sheet:
    """One sheet: the built-in fields, each program's own questions, and the
    self-identification columns only when ``include_identity``."""
    questions = list(
        Question.objects.filter(program__in=queryset.values("program"))
        .select_related("program")
        .order_by("program__order", "program__name", "order", "id")
    )
    several_programs = len({q.program_id for q in questions}) > 1
    question_columns = [
        Column(f"{q.program.name}: {q.text}" if several_programs else q.text, 30) for q in questions
    ]
    columns = BASE_COLUMNS + question_columns + (IDENTITY_COLUMNS if include_identity else [])

    def rows() -> Iterator[list]:
        for application in applications_for_export(queryset).iterator(chunk_size=500):
            answers = {a.question_id: a.display_value for a in application.answers.all()}
            row = _base_row(application) + [answers.get(q.pk) for q in questions]
            if include_identity:
                row += _identity_row(application)
            yield row

    return Sheet(title="Applications", columns=columns, rows=rows())
