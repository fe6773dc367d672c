"""Reads for the public pages. Who may administer a program: ``programs.access``."""

from __future__ import annotations

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


def published_programs_with_eligibility():
    """The published programs with their outcomes, tiers and who may apply
    (to each tier), prefetched: a fixed number of queries however many there are."""
    learner_types = LearnerType.objects.order_by("order", "code")
    return Program.objects.published().prefetch_related(
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


def program_for_public(slug: str) -> Program:
    """A published program with everything its page shows, in a fixed number of queries."""
    try:
        return published_programs_with_eligibility().get(slug=slug)
    except Program.DoesNotExist:
        raise Http404("No such program.") from None
