"""Demo data for this app, loaded by ``manage.py seed_demo`` on top of
setup_site's content: a handful of applications from demo applicants (their
own accounts, which cannot log in) so the coordinators' console has something
to review. Idempotent."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import User
from programs.models import LearnerType, Program, Specialty
from programs.reference import SPECIALTIES
from programs.setup import SetupReport

from . import setup
from .models import Application, IdentityDimension, IdentityDisclosure, Role, Status, StatusChange

# email, name, program, role, tier, learner type, status, specialties, identity labels
DEMO_APPLICATIONS = [
    ("amara.okafor", "Amara Okafor", "dmp", Role.MENTEE, None, "MD2", Status.ACCEPTED,
     ["Internal Medicine", "Cardiology"], ["Black", "First-generation (first in my family to attend university)"]),
    ("jonah.cardinal", "Jonah Cardinal", "dmp", Role.MENTEE, None, "MD1", Status.SUBMITTED,
     ["Family Medicine"], ["Indigenous (First Nations, Métis or Inuit)"]),
    ("priya.raman", "Priya Raman", "dmp", Role.MENTEE, None, "PGY1", Status.UNDER_REVIEW,
     ["Psychiatry"], ["Racialized"]),
    ("sam.lee", "Sam Lee", "dmp", Role.MENTEE, None, "OT", Status.WAITLISTED,
     ["Occupational therapy"], ["2SLGBTQIA+", "Living with a disability"]),
    ("mateo.silva", "Mateo Silva", "dmp", Role.MENTEE, None, "PT", Status.ACCEPTED,
     ["Physical therapy"], ["Racialized", "From a low-income background"]),
    ("hana.yusuf", "Hana Yusuf", "dmp", Role.MENTEE, None, "MD3", Status.ACCEPTED,
     ["Paediatrics", "Dermatology"], []),
    ("dr.adebayo", "Dr. Funmi Adebayo", "dmp", Role.MENTOR, None, "FAC", Status.ACCEPTED,
     ["Internal Medicine"], ["Black"]),
    ("dr.nguyen", "Dr. Linh Nguyen", "dmp", Role.MENTOR, None, "FAC", Status.ACCEPTED,
     ["Psychiatry"], ["Racialized", "First-generation (first in my family to attend university)"]),
    ("dr.martin", "Dr. Claire Martin", "dmp", Role.MENTOR, None, "FAC", Status.SUBMITTED,
     ["Family Medicine"], []),
    ("noor.haddad", "Noor Haddad", "ilead", Role.MENTEE, 1, "MD1", Status.ACCEPTED,
     ["Emergency Medicine"], ["Racialized"]),
    ("maya.chen", "Maya Chen", "ilead", Role.MENTEE, 1, "MD1", Status.ACCEPTED, ["Neurology"], []),
    ("ben.osei", "Ben Osei", "ilead", Role.MENTOR, 1, "MD3", Status.ACCEPTED, [], ["Black"]),
    ("lucia.gomez", "Lucía Gómez", "ilead", Role.MENTEE, 2, "MD3", Status.SUBMITTED,
     ["General Surgery"], ["From a low-income background"]),
    ("kwame.mensah", "Kwame Mensah", "ilead", Role.MENTEE, 2, "MD2", Status.ACCEPTED,
     ["Anesthesiology"], ["Black"]),
    ("dr.singh", "Dr. Arjun Singh", "ilead", Role.MENTOR, 2, "PGY2", Status.ACCEPTED,
     ["General Surgery"], ["Racialized"]),
]  # fmt: skip


def _seed_applications() -> None:
    programs = {
        p.slug: p for p in Program.objects.filter(slug__in=["dmp", "ilead"]).prefetch_related("tiers")
    }
    types = {t.code: t for t in LearnerType.objects.all()}
    for handle, name, slug, role, tier_number, code, status, specialties, labels in DEMO_APPLICATIONS:
        program = programs.get(slug)
        if program is None or code not in types:
            continue
        tier = next((t for t in program.tiers.all() if t.number == tier_number), None)
        user, created = User.objects.get_or_create(email=f"{handle}@example.com", defaults={"name": name})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        if Application.objects.filter(applicant=user, program=program, role=role, tier=tier).exists():
            continue
        mentor = role == Role.MENTOR
        year = int(code[-1]) if code[-1].isdigit() else None
        application = Application.objects.create(
            applicant=user,
            program=program,
            role=role,
            tier=tier,
            status=status,
            learner_type=types[code],
            year=year,
            meeting_format="either" if mentor else "virtual",
            meeting_frequency="" if mentor else "monthly",
            availability=["weekday_evening", "weekend"],
            hospital_site="sunnybrook" if mentor else "",
            mentor_role=(
                "clinician" if code == "FAC" else "resident" if code.startswith("PGY") else "student"
            )
            if mentor
            else "",
            department="Department of Medicine" if code == "FAC" else "",
            capacity=2 if mentor else None,
            hopes=""
            if mentor
            else "Someone who has walked a similar path and can help me plan my next steps.",
            accepted_at=timezone.now() if status == Status.ACCEPTED else None,
        )
        application.specialties.set([Specialty.objects.get(name=n) for n in specialties])
        application.outcomes.set(program.outcomes.all()[:1])
        StatusChange.objects.create(application=application, to_status=Status.SUBMITTED, changed_by=user)
        if status != Status.SUBMITTED:
            StatusChange.objects.create(
                application=application, from_status=Status.SUBMITTED, to_status=status
            )
        if labels:
            disclosure = IdentityDisclosure.objects.create(
                application=application, consent_to_matching=True, wants_shared_identity=not mentor
            )
            disclosure.dimensions.set(IdentityDimension.objects.filter(program=program, label__in=labels))


def seed() -> None:
    seed_reference()
    _seed_applications()


def seed_reference() -> None:
    """What this app's tests and the demo build on: the specialties (made by a
    migration, but a test database emptied by a transactional test has lost
    them) and setup_site's questions and self-identification options."""
    for name in SPECIALTIES:
        Specialty.objects.get_or_create(name=name)
    setup.setup(SetupReport())
