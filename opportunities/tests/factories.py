"""Builders for opportunities and the vocabularies they use."""

from __future__ import annotations

import datetime
import itertools

from opportunities.models import Format, HostType, Kind, Opportunity, natural_key_for
from programs.models import LearnerType, Specialty
from programs.services import learner_types_ensure

_counter = itertools.count(1)


def learner_types() -> dict[str, LearnerType]:
    return learner_types_ensure()


def specialty(name: str) -> Specialty:
    return Specialty.objects.get_or_create(name=name)[0]


def make_opportunity(*, specialties=(), learners=(), **fields) -> Opportunity:
    n = next(_counter)
    defaults = dict(
        name=f"Opportunity {n}",
        kind=Kind.FORMAL,
        host_type=HostType.DEPARTMENT,
        host_name=f"Department {n}",
        description="A mentorship opportunity.",
        how_to_join="Apply online.",
        website=f"https://example.org/opportunity-{n}",
        contact_email=f"contact{n}@example.org",
        format=Format.VIRTUAL,
        cost="Free",
    )
    opportunity = Opportunity.objects.create(**{**defaults, **fields})
    if specialties:
        opportunity.specialties.set([specialty(s) for s in specialties])
    if learners:
        opportunity.eligible_learners.set(LearnerType.objects.filter(code__in=learners))
    return opportunity


def bulk_opportunities(
    count: int, *, specialties=("Family Medicine", "Psychiatry"), learners=("MD1", "PGY1")
):
    """Many opportunities quickly (bulk inserts), spread over the facets."""
    kinds, hosts, formats = Kind.values, HostType.values, Format.values
    start = Opportunity.objects.count()
    rows = []
    for i in range(start, start + count):
        name, host = f"Bulk opportunity {i:06d}", f"Host {i % 50}"
        rows.append(
            Opportunity(
                name=name,
                natural_key=natural_key_for(name, host),
                kind=kinds[i % len(kinds)],
                host_type=hosts[i % len(hosts)],
                host_name=host,
                format=formats[i % len(formats)],
                deadline=datetime.date(2027, 1, 1) + datetime.timedelta(days=i % 300),
                is_rolling=i % 7 == 0,
                description="Bulk.",
            )
        )
    created = Opportunity.objects.bulk_create(rows, batch_size=2000)
    specialty_objects = [specialty(s) for s in specialties]
    types = list(LearnerType.objects.filter(code__in=learners))
    Opportunity.specialties.through.objects.bulk_create(
        [
            Opportunity.specialties.through(opportunity_id=o.pk, specialty_id=s.pk)
            for o in created
            for s in specialty_objects
        ],
        batch_size=5000,
    )
    Opportunity.eligible_learners.through.objects.bulk_create(
        [
            Opportunity.eligible_learners.through(opportunity_id=o.pk, learnertype_id=t.pk)
            for o in created
            for t in types
        ],
        batch_size=5000,
    )
    return created
