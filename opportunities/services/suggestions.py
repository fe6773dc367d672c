"""Suggestions from members (a new opportunity or a correction) and their
review by staff; an approved suggestion is applied through ``opportunity_apply``."""

from __future__ import annotations

import copy
import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.services import RenderedEmail, email_queue_template, email_render
from programs.models import LearnerType, Specialty

from ..models import ChangeSource, DeadlinePrecision, Opportunity, Suggestion, normalise
from ..selectors import staff_emails
from .history import SCALAR_FIELDS, opportunity_apply, opportunity_find


def _admin_url(suggestion: Suggestion) -> str:
    return settings.SITE_URL + reverse("admin:opportunities_suggestion_change", args=[suggestion.pk])


@transaction.atomic
def suggestion_create(
    *, user, proposed: dict[str, Any], opportunity: Opportunity | None = None, message: str = ""
) -> Suggestion:
    """Store a suggested new opportunity or correction and email the staff.
    ``proposed`` is JSON (see ``Suggestion.proposed``)."""
    suggestion = Suggestion.objects.create(
        opportunity=opportunity, suggested_by=user, proposed=proposed, message=message
    )
    for address in staff_emails():
        email_queue_template(
            name="opportunity-suggestion-received",
            to=address,
            context={"suggestion": suggestion, "review_url": _admin_url(suggestion), "user": user},
            dedup_key=f"suggestion-{suggestion.pk}-received-{address}",
        )
    return suggestion


def suggestion_values(proposed: dict[str, Any]) -> dict[str, Any]:
    """Proposed JSON → values for ``opportunity_apply``. Specialties are
    matched by name (case-insensitive) and created when new; unknown learner
    type codes are ignored."""
    values: dict[str, Any] = {}
    for name in SCALAR_FIELDS:
        if name in proposed:
            value = proposed[name]
            if name in ("deadline", "last_verified") and value:
                value = datetime.date.fromisoformat(value)
            values[name] = value
    if "deadline" in proposed and "deadline_precision" not in proposed:
        values["deadline_precision"] = DeadlinePrecision.DAY  # the form asks for a day
    if "specialties" in proposed:
        values["specialties"] = specialties_by_name(proposed["specialties"], create=True)
    if "eligible_learners" in proposed:
        values["eligible_learners"] = list(LearnerType.objects.filter(code__in=proposed["eligible_learners"]))
    return values


def specialties_by_name(names, *, create: bool) -> list[Specialty]:
    """The specialties called ``names`` (any case); new ones are created when
    ``create``, otherwise left out."""
    existing = {normalise(s.name): s for s in Specialty.objects.all()}
    result = []
    for name in names:
        specialty = existing.get(normalise(name))
        if specialty is None and create:
            specialty, _ = Specialty.objects.get_or_create(name=" ".join(name.split()))
            existing[normalise(name)] = specialty
        if specialty is not None and specialty not in result:
            result.append(specialty)
    return result


class SuggestionAlreadyReviewed(Exception):
    pass


def _claim(suggestion_id: int) -> Suggestion:
    suggestion = Suggestion.objects.select_for_update().select_related("suggested_by").get(pk=suggestion_id)
    if suggestion.status != Suggestion.Status.PENDING:
        raise SuggestionAlreadyReviewed(
            f"This suggestion was already {suggestion.get_status_display().lower()}."
        )
    return suggestion


@transaction.atomic
def suggestion_approve(*, suggestion_id: int, reviewer) -> Opportunity:
    """Apply a suggestion (recorded in the opportunity's history) and email
    the person who made it. A suggested new opportunity whose name and host
    match an existing record corrects that record instead."""
    suggestion = _claim(suggestion_id)
    opportunity = suggestion.opportunity
    if opportunity is None:
        opportunity = opportunity_find(
            name=suggestion.proposed.get("name", ""), host_name=suggestion.proposed.get("host_name", "")
        )
    values = suggestion_values(suggestion.proposed)
    if opportunity is not None and values.get("deadline") == opportunity.deadline:
        # The deadline was left as it was: a month-only deadline stays a month.
        values.pop("deadline_precision", None)
    opportunity, _ = opportunity_apply(
        opportunity=opportunity,
        values=values,
        source=ChangeSource.SUGGESTION,
        user=reviewer,
        note=f"Suggested by {suggestion.suggested_by.email}",
    )
    suggestion.opportunity = opportunity
    suggestion.status = Suggestion.Status.APPROVED
    suggestion.reviewed_by = reviewer
    suggestion.reviewed_at = timezone.now()
    suggestion.save(update_fields=["opportunity", "status", "reviewed_by", "reviewed_at"])
    _email_outcome(suggestion)
    return opportunity


@transaction.atomic
def suggestion_reject(*, suggestion_id: int, reviewer, reason: str) -> Suggestion:
    """Reject a suggestion with a reason, and email the person who made it."""
    reason = reason.strip()
    if not reason:
        raise ValueError("A reason is required to reject a suggestion.")
    suggestion = _claim(suggestion_id)
    suggestion.status = Suggestion.Status.REJECTED
    suggestion.reviewed_by = reviewer
    suggestion.reviewed_at = timezone.now()
    suggestion.rejection_reason = reason
    suggestion.save(update_fields=["status", "reviewed_by", "reviewed_at", "rejection_reason"])
    _email_outcome(suggestion)
    return suggestion


def _outcome_context(suggestion: Suggestion) -> dict[str, Any]:
    opportunity_url = ""
    if suggestion.opportunity_id and suggestion.status == Suggestion.Status.APPROVED:
        opportunity_url = settings.SITE_URL + suggestion.opportunity.get_absolute_url()
    return {"suggestion": suggestion, "opportunity_url": opportunity_url}


def _email_outcome(suggestion: Suggestion) -> None:
    email_queue_template(
        name=f"opportunity-suggestion-{suggestion.status}",
        to=suggestion.suggested_by.email,
        context=_outcome_context(suggestion),
        dedup_key=f"suggestion-{suggestion.pk}-{suggestion.status}",
    )


def suggestion_outcome_preview(*, suggestion: Suggestion, status: str, reason: str = "") -> RenderedEmail:
    """The email approving (``status`` "approved") or rejecting the suggestion
    would send its author, rendered from an unsaved copy: nothing changes and
    nothing is queued. A suggested new entry has no address yet, so its
    preview has no link; the email sent has it."""
    after = copy.copy(suggestion)
    after.status = status
    after.rejection_reason = reason.strip()
    return email_render(name=f"opportunity-suggestion-{status}", context=_outcome_context(after))
