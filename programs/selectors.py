"""Reads for the public pages and the coordinators' access checks."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404

from .models import LearnerType, Program, Resource, SiteContent, Tier


def site_content() -> SiteContent:
    """The landing page's wording. Before staff (or ``setup_site``) wrote any,
    an unsaved row with neutral wording, so a freshly migrated site still has
    a landing page."""
    content = SiteContent.objects.first()
    if content is None:
        return SiteContent(
            intro="Mentorship programs of the Office of Learner Affairs. No program is published yet.",
            database_intro="Mentorship opportunities for learners, to browse and filter.",
        )
    return content


def published_programs():
    return Program.objects.published()


def published_resources():
    return Resource.objects.filter(is_published=True)


def program_for_public(slug: str) -> Program:
    """A published program with everything its page shows, in a fixed number of queries."""
    learner_types = LearnerType.objects.order_by("order", "code")
    queryset = Program.objects.published().prefetch_related(
        "outcomes",
        Prefetch("mentee_learner_types", queryset=learner_types),
        Prefetch("mentor_learner_types", queryset=learner_types),
        Prefetch(
            "tiers",
            queryset=Tier.objects.prefetch_related(
                Prefetch("mentee_learner_types", queryset=learner_types),
                Prefetch("mentor_learner_types", queryset=learner_types),
            ),
        ),
    )
    try:
        return queryset.get(slug=slug)
    except Program.DoesNotExist:
        raise Http404("No such program.") from None


def user_is_site_staff(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_superuser


def user_coordinates(user, program: Program) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return program.coordinators.filter(pk=user.pk).exists()


def get_program_for_coordinator(user, slug: str) -> Program:
    """The program if ``user`` coordinates it (or runs the site); 404 when it
    does not exist, 403 when the user may not touch it."""
    try:
        program = Program.objects.get(slug=slug)
    except Program.DoesNotExist:
        raise Http404("No such program.") from None
    if not user_coordinates(user, program):
        raise PermissionDenied
    return program
