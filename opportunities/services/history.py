"""The record of an opportunity and its history: every write to an
opportunity (the admin's form, an import, an approved suggestion, the demo)
goes through ``opportunity_apply``, which checks the natural key, sets the
many-to-many fields and adds a line to the history."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from ..models import Opportunity, OpportunityChange, natural_key_for

# The fields a change, an import or a suggestion may set, in display order.
SCALAR_FIELDS = [
    "name",
    "kind",
    "host_type",
    "host_name",
    "description",
    "how_to_join",
    "website",
    "contact_email",
    "deadline",
    "deadline_precision",
    "is_rolling",
    "cost",
    "format",
    "last_verified",
    "is_published",
]
M2M_FIELDS = ["specialties", "eligible_learners"]
TRACKED_FIELDS = SCALAR_FIELDS + M2M_FIELDS


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def opportunity_snapshot(opportunity: Opportunity) -> dict[str, Any]:
    """The tracked values of a saved opportunity, as JSON: specialties by name,
    learner types by code (prefetched values are used when present)."""
    snapshot = {name: jsonable(getattr(opportunity, name)) for name in SCALAR_FIELDS}
    snapshot["specialties"] = sorted(s.name for s in opportunity.specialties.all())
    snapshot["eligible_learners"] = sorted(t.code for t in opportunity.eligible_learners.all())
    return snapshot


def values_snapshot(values: dict[str, Any]) -> dict[str, Any]:
    """The same shape as ``opportunity_snapshot`` for proposed values."""
    snapshot = {}
    for name, value in values.items():
        if name == "specialties":
            snapshot[name] = sorted(s.name for s in value)
        elif name == "eligible_learners":
            snapshot[name] = sorted(t.code for t in value)
        else:
            snapshot[name] = jsonable(value)
    return snapshot


def diff_snapshots(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """``{field: [old, new]}`` for every field of ``after`` that differs."""
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if name in TRACKED_FIELDS and before.get(name) != value
    }


@transaction.atomic
def opportunity_change_record(
    *,
    opportunity: Opportunity,
    changes: dict[str, list],
    source: str,
    user=None,
    created: bool = False,
    note: str = "",
) -> OpportunityChange | None:
    """Add a line to the opportunity's history (nothing when nothing changed)."""
    if not changes and not created:
        return None
    return OpportunityChange.objects.create(
        opportunity=opportunity,
        changes=changes,
        source=source,
        changed_by=user if user is not None and user.is_authenticated else None,
        created=created,
        note=note[:300],
    )


class OpportunityDuplicate(Exception):
    """Another record already has this name and host (its natural key)."""

    def __init__(self, existing: Opportunity):
        self.existing = existing
        super().__init__(
            f"The database already has an entry called “{existing.name}” hosted by "
            f"{existing.host_name}: change that entry instead, or choose another name."
        )


def opportunity_check_unique(*, name: str, host_name: str, pk: int | None) -> None:
    """Raise OpportunityDuplicate when a record other than ``pk`` has the
    same normalised name and host."""
    existing = opportunity_find(name=name, host_name=host_name)
    if existing is not None and existing.pk != pk:
        raise OpportunityDuplicate(existing)


@transaction.atomic
def opportunity_apply(
    *,
    opportunity: Opportunity | None,
    values: dict[str, Any],
    source: str,
    user=None,
    note: str = "",
) -> tuple[Opportunity, dict[str, list]]:
    """Create an opportunity (``opportunity=None``) or change one, and record
    the change in its history. ``values`` holds any of TRACKED_FIELDS, with
    Specialty and LearnerType objects for the many-to-many fields. Fields left
    out keep their value; a change that changes nothing writes nothing.
    Returns the opportunity and ``{field: [old, new]}``. Raises
    OpportunityDuplicate (writing nothing) when the new name and host are
    another record's."""
    created = opportunity is None
    before = {} if created else opportunity_snapshot(opportunity)
    changes = diff_snapshots(before, values_snapshot(values))
    if created:
        opportunity = Opportunity()
    elif not changes:
        return opportunity, {}
    for name in SCALAR_FIELDS:
        if name in values and (created or name in changes):
            setattr(opportunity, name, values[name])
    if created or {"name", "host_name"} & set(changes):
        opportunity_check_unique(name=opportunity.name, host_name=opportunity.host_name, pk=opportunity.pk)
    opportunity.save()
    for name in M2M_FIELDS:
        if name in values and (created or name in changes):
            getattr(opportunity, name).set(values[name])
    opportunity_change_record(
        opportunity=opportunity, changes=changes, source=source, user=user, created=created, note=note
    )
    return opportunity, changes


def opportunity_find(*, name: str, host_name: str) -> Opportunity | None:
    """The record with the same natural key (normalised name and host)."""
    return Opportunity.objects.filter(natural_key=natural_key_for(name, host_name)).first()
