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
