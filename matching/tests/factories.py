"""Matching test data on top of the applications factories."""

from __future__ import annotations

import random

from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from applications.models import (
    Application,
    Availability,
    HospitalSite,
    IdentityDimension,
    IdentityDisclosure,
    MeetingFormat,
    Role,
    Status,
)
from applications.tests.factories import learner_type, make_mentee_application, make_mentor_application
from programs.models import Specialty

SPECIALTIES = ["Paediatrics", "Surgery", "Psychiatry", "Family medicine", "Internal medicine", "Radiology"]


def accepted_mentee(program, user=None, **kw) -> Application:
    kw.setdefault("status", Status.ACCEPTED)
    return make_mentee_application(program, user, **kw)


def accepted_mentor(program, user=None, **kw) -> Application:
    kw.setdefault("status", Status.ACCEPTED)
    kw.setdefault("accepted_at", timezone.now())
    return make_mentor_application(program, user, **kw)


def populate(program, *, mentees: int, mentors: int, seed: int = 1, tier=None) -> None:
    """Accepted mentees and mentors in bulk (a few queries, not thousands),
    with specialties, outcomes, sites, formats, availability and, for every
    third person, a consented self-identification."""
    rng = random.Random(seed)
    specialties = [Specialty.objects.get_or_create(name=name)[0] for name in SPECIALTIES]
    outcomes = list(program.outcomes.all())
    mentee_type, mentor_type = learner_type("MD2"), learner_type("FAC")
    start = User.objects.count()
    users = User.objects.bulk_create(
        User(email=f"bulk{start + i}@mail.example.edu", name=f"Bulk Person {start + i}")
        for i in range(mentees + mentors)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
    )
    now = timezone.now()
    sites = [c for c, _ in HospitalSite.choices]
    formats = [c for c, _ in MeetingFormat.choices]
    times = [c for c, _ in Availability.choices]
    apps = Application.objects.bulk_create(
        Application(
            applicant=user,
            program=program,
            tier=tier,
            role=Role.MENTEE if i < mentees else Role.MENTOR,
            status=Status.ACCEPTED,
            learner_type=mentee_type if i < mentees else mentor_type,
            meeting_format=rng.choice(formats),
            availability=rng.sample(times, 2),
            hospital_site=rng.choice(sites),
            capacity=None if i < mentees else rng.randint(1, 4),
            accepted_at=now - timezone.timedelta(minutes=mentees + mentors - i),
        )
        for i, user in enumerate(users)
    )
    through_s = Application.specialties.through
    through_o = Application.outcomes.through
    through_s.objects.bulk_create(
        through_s(application=a, specialty=s) for a in apps for s in rng.sample(specialties, 2)
    )
    if outcomes:
        through_o.objects.bulk_create(
            through_o(application=a, outcome=o) for a in apps for o in rng.sample(outcomes, 1)
        )
    dimensions = [
        IdentityDimension.objects.get_or_create(program=program, label=label)[0] for label in ("One", "Two")
    ]
    disclosures = IdentityDisclosure.objects.bulk_create(
        IdentityDisclosure(
            application=a, consent_to_matching=True, wants_shared_identity=a.role == Role.MENTEE
        )
        for a in apps[::3]
    )
    through_d = IdentityDisclosure.dimensions.through
    through_d.objects.bulk_create(
        through_d(identitydisclosure=d, identitydimension=rng.choice(dimensions)) for d in disclosures
    )
