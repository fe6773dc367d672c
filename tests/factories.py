"""Test data for every app's tests: one set of factories, so programs,
applications and matching build their rows the same way.

Stable API (keep the signatures):

- ``ApplicationFactory(**fields)``: a submitted mentee application with sensible
  defaults; traits ``mentee=True`` / ``mentor=True``.
- ``make_mentee_application(program, user=None, **kw)`` and
  ``make_mentor_application(program, user=None, **kw)``: the same on a given
  program, with learner types looked up by code (``learner_type="MD2"``),
  ``specialties``/``outcomes`` as lists (names or objects) and ``identity`` as a
  dict of IdentityDisclosure fields (``dimensions`` a list of IdentityDimension).
- ``accepted_mentee(program, user=None, **kw)`` and ``accepted_mentor(...)``:
  the same, already accepted (as matching needs them).
- ``populate(program, mentees=, mentors=)``: accepted people in bulk.
- ``make_program(**fields)``: a published program with no learner types.
- ``ProgramFactory``, ``TierFactory``, ``LearnerTypeFactory``, ``SpecialtyFactory``,
  ``UserFactory``, ``QuestionFactory``, ``IdentityDimensionFactory``.
"""

from __future__ import annotations

import random

import factory
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
    MeetingFrequency,
    MentorRole,
    Question,
    Role,
    Status,
)
from programs.models import LearnerType, Program, Specialty, Tier
from programs.services import LEARNER_TYPES

LEARNER_TYPE_LABELS = dict(LEARNER_TYPES)


def learner_type(code: str) -> LearnerType:
    """The LearnerType with ``code``, created (with the seed's label) if missing."""
    order = list(LEARNER_TYPE_LABELS).index(code) if code in LEARNER_TYPE_LABELS else 99
    obj, _ = LearnerType.objects.get_or_create(
        code=code, defaults={"label": LEARNER_TYPE_LABELS.get(code, code), "order": order}
    )
    return obj


def specialty(name_or_obj) -> Specialty:
    if isinstance(name_or_obj, Specialty):
        return name_or_obj
    obj, _ = Specialty.objects.get_or_create(name=name_or_obj)
    return obj


class UserFactory(factory.django.DjangoModelFactory):
    """A user with a verified primary email (pass ``verified=False`` for none)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@mail.example.edu")
    name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password("a-long-test-password-42")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(
                user=obj, email=obj.email, verified=True if extracted is None else extracted, primary=True
            )


class LearnerTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearnerType
        django_get_or_create = ["code"]

    code = "MD2"
    label = factory.LazyAttribute(lambda o: LEARNER_TYPE_LABELS.get(o.code, o.code))


class SpecialtyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specialty
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Specialty {n}")


class ProgramFactory(factory.django.DjangoModelFactory):
    """A published program open to mentees MD1–MD4 and PGY1–2 and to clinician mentors."""

    class Meta:
        model = Program
        django_get_or_create = ["slug"]
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Program {n}")
    slug = factory.Sequence(lambda n: f"program-{n}")
    summary = "A mentorship program."
    audience = "Learners."
    contact_email = "program@example.edu"
    is_published = True

    @factory.post_generation
    def mentee_types(obj, create, extracted, **kwargs):
        if create:
            codes = extracted if extracted is not None else ["MD1", "MD2", "MD3", "MD4", "PGY1", "PGY2"]
            obj.mentee_learner_types.set([learner_type(c) for c in codes])

    @factory.post_generation
    def mentor_types(obj, create, extracted, **kwargs):
        if create:
            codes = extracted if extracted is not None else ["FAC"]
            obj.mentor_learner_types.set([learner_type(c) for c in codes])


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tier
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"Tier {o.number}")
    description = "Who mentors whom."

    @factory.post_generation
    def mentee_types(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.mentee_learner_types.set([learner_type(c) for c in extracted])

    @factory.post_generation
    def mentor_types(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.mentor_learner_types.set([learner_type(c) for c in extracted])


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    program = factory.SubFactory(ProgramFactory)
    text = factory.Sequence(lambda n: f"Question {n}?")
    kind = Question.Kind.SHORT_TEXT


class IdentityDimensionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdentityDimension

    program = factory.SubFactory(ProgramFactory)
    label = factory.Sequence(lambda n: f"Dimension {n}")
    order = factory.Sequence(lambda n: n)


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A submitted mentee application (MD2, either format, weekday evenings).

    ``mentor=True`` makes a clinician mentor (FAC, capacity 2, UHN). Pass
    ``specialties=[...]``, ``outcomes=[...]`` and ``identity={...}`` to fill the
    relations. ``status=Status.ACCEPTED`` also sets ``accepted_at``.
    """

    class Meta:
        model = Application
        skip_postgeneration_save = True

    class Params:
        mentee = factory.Trait(role=Role.MENTEE)
        mentor = factory.Trait(
            role=Role.MENTOR,
            learner_type=factory.LazyFunction(lambda: learner_type("FAC")),
            mentor_role=MentorRole.CLINICIAN,
            department="Department of Medicine",
            hospital_site=HospitalSite.UHN,
            capacity=2,
            meeting_frequency="",
            hopes="",
            year=None,
        )

    applicant = factory.SubFactory(UserFactory)
    program = factory.SubFactory(ProgramFactory)
    role = Role.MENTEE
    tier = None
    status = Status.SUBMITTED
    learner_type = factory.LazyFunction(lambda: learner_type("MD2"))
    year = None
    meeting_format = MeetingFormat.EITHER
    meeting_frequency = MeetingFrequency.MONTHLY
    availability = factory.LazyFunction(lambda: [Availability.WEEKDAY_EVENING.value])
    hopes = "Advice on choosing a specialty."
    accepted_at = factory.LazyAttribute(lambda o: timezone.now() if o.status == Status.ACCEPTED else None)

    @factory.post_generation
    def specialties(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.specialties.set([specialty(s) for s in extracted])

    @factory.post_generation
    def outcomes(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.outcomes.set(extracted)

    @factory.post_generation
    def identity(obj, create, extracted, **kwargs):
        if create and extracted is not None:
            fields = dict(extracted)
            dimensions = fields.pop("dimensions", [])
            disclosure = IdentityDisclosure.objects.create(application=obj, **fields)
            disclosure.dimensions.set(dimensions)


def _resolve_learner_type(kw: dict) -> None:
    if isinstance(kw.get("learner_type"), str):
        kw["learner_type"] = learner_type(kw["learner_type"])


def make_mentee_application(program: Program, user: User | None = None, **kw) -> Application:
    """A mentee application to ``program`` (learner_type may be a code, default MD2)."""
    kw.setdefault("learner_type", "MD2")
    _resolve_learner_type(kw)
    if user is not None:
        kw["applicant"] = user
    return ApplicationFactory(program=program, mentee=True, **kw)


def make_mentor_application(program: Program, user: User | None = None, **kw) -> Application:
    """A mentor application to ``program`` (clinician, FAC, capacity 2 unless given)."""
    kw.setdefault("learner_type", "FAC")
    _resolve_learner_type(kw)
    if user is not None:
        kw["applicant"] = user
    return ApplicationFactory(program=program, mentor=True, **kw)


def make_program(**fields) -> Program:
    """A published program with no learner types and no tiers."""
    return ProgramFactory(mentee_types=[], mentor_types=[], **fields)


# --- Matching ---------------------------------------------------------------

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
