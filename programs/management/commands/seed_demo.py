"""Load the demo: both programs with the OLA page's own wording, the
resources, and one account per persona. Safe to run again."""

from __future__ import annotations

import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

import applications.demo
import matching.demo
import opportunities.demo
from accounts.models import LearnerStage, User
from programs.models import (
    MenteeIntake,
    MentorRecruitment,
    Outcome,
    Program,
    Resource,
    SiteContent,
    Tier,
)
from programs.services import coordinator_add, coordinator_group_sync, learner_types_ensure

CONTACT = "medicine.dmp@utoronto.ca"

SITE_TEXT = dict(
    title="Mentorship Programs",
    intro=(
        "Mentorship is a valuable part of all learners' personal and professional development. "
        "The Office of Learner Affairs (OLA) can be a resource to help connect you with peer or "
        "clinical mentors to support your goals and help build your community. This support is "
        "available to all learners supported by OLA."
    ),
    contact_text=(
        "For questions on finding a mentor, program development, or about any of the "
        "opportunities on this webpage, please email"
    ),
    contact_email=CONTACT,
    database_title="OLA Learner Mentorship Database",
    database_intro=(
        "The OLA Learner Mentorship Database aims to strengthen awareness of existing learner "
        "mentorship opportunities. It includes extracurricular formal programs, informal "
        "connection sources (e.g., lists, event series) and summer opportunities."
    ),
    database_scope=(
        "The opportunities listed here are based on an environmental scan of Temerty Medicine "
        "educational programs, departments and divisions, along with TAHSN hospital sites and "
        "Canadian professional associations of the U of T clinical specialties."
    ),
    database_note=(
        "Please note there are many curriculum-embedded opportunities for mentorship, along with "
        "opportunities available in provincial, American, and international professional "
        "associations. Due to volume these groups were not included in the environmental scan, "
        "but learners can connect with the Lead Coordinator, Mentorship & Special Projects to "
        "learn more about mentoring opportunities in particular specialties."
    ),
    database_suggest_text=(
        "For inquiries, updates or additions to the OLA Learner Mentorship Database, suggest an "
        f"update from any entry's page once signed in, or email {CONTACT}."
    ),
    database_last_updated=datetime.date(2025, 3, 1),
    equity_title="Equity mentorship",
    equity_intro=(
        "We support the administration of two equity mentorship programs. The Office of "
        "Inclusion & Diversity serves as an advisory support to these programs, along with being "
        "available as a resource to all mentee and mentor participants."
    ),
    equity_commitment=(
        "Equity mentorship is a key component of Temerty Medicine's commitment to Excellence "
        "Through Equity. For considerations on the purpose and approaches to equity mentorship, "
        "please review this presentation from the Association of American Colleges, along with "
        "additional resources below."
    ),
    equity_presentation_url="https://www.aamc.org/",
    equity_presentation_text="Association of American Medical Colleges: equity mentorship presentation",
    tiles_intro=(
        "Each of the tiles below is linked to more information about each program, including "
        "application links."
    ),
    resources_title="Resources",
)

RESOURCES = [
    (
        "Office of Inclusion & Diversity",
        "https://temertymedicine.utoronto.ca/office-inclusion-and-diversity",
        "Advisory support to the equity mentorship programs and a resource to every mentee and mentor.",
    ),
    (
        "Office of Learner Affairs",
        "https://temertymedicine.utoronto.ca/office-learner-affairs",
        "Personal, career and learning support for Temerty Medicine learners.",
    ),
    (
        "AAMC: mentoring resources",
        "https://www.aamc.org/",
        "The Association of American Medical Colleges on the purpose and approaches to equity mentorship.",
    ),
]

DEMO_PASSWORD = "demo-pass-2026"
DEMO_USERS = [
    # email, name, pronouns, stage, year, superuser
    ("staff@example.com", "Sam Staff", "they/them", LearnerStage.OTHER, None, True),
    ("dmp.coordinator@example.com", "Dana Coordinator", "she/her", LearnerStage.OTHER, None, False),
    ("ilead.coordinator@example.com", "Ira Coordinator", "he/him", LearnerStage.OTHER, None, False),
    ("learner@example.com", "Lee Learner", "she/her", LearnerStage.MD, 2, False),
    ("mentor@example.com", "Morgan Mentor", "he/him", LearnerStage.CLINICIAN, None, False),
]


class Command(BaseCommand):
    help = "Load demo programs, landing page text, resources and accounts (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DEBUG on: it creates accounts with known passwords.")
        with transaction.atomic():
            self.seed()
            # Each app adds its own demo data on top of the programs.
            applications.demo.seed()
            opportunities.demo.seed()
            matching.demo.seed()
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Accounts (password for all):"))
        for email, *_ in DEMO_USERS:
            self.stdout.write(f"  {email:32} {DEMO_PASSWORD}")

    def seed(self):
        types = learner_types_ensure()
        SiteContent.objects.update_or_create(pk=1, defaults=SITE_TEXT)
        for order, (title, url, description) in enumerate(RESOURCES):
            Resource.objects.update_or_create(
                title=title, defaults={"url": url, "description": description, "order": order}
            )
        dmp, _ = Program.objects.update_or_create(
            slug="dmp",
            defaults=dict(
                name="DMP",
                full_name="Diversity Mentorship Program",
                summary=(
                    "The DMP is a professional mentorship program which aims to connect Temerty "
                    "Medicine medical (MD, PGY1-2) or clinical rehab (PT, OT, SLP) learners from "
                    "minoritized groups to clinical mentors who are able to support in their "
                    "personal and professional growth."
                ),
                audience=(
                    "Temerty Medicine medical learners (MD students, PGY1 and PGY2 residents) and "
                    "clinical rehab learners (PT, OT, SLP) from minoritized groups. Mentors are "
                    "clinicians and faculty."
                ),
                outcomes_intro="Minoritized learners may join for either or both outcomes below:",
                mentee_intake=MenteeIntake.LIMITED,
                mentor_recruitment=MentorRecruitment.OPEN,
                mentor_recruitment_message=(
                    "Recruitment for clinician mentors is ongoing! Sign up using the form below."
                ),
                collects_identity=True,
                contact_email=CONTACT,
                is_published=True,
                order=1,
            ),
        )
        dmp.mentee_learner_types.set(
            [types[c] for c in ("MD1", "MD2", "MD3", "MD4", "PGY1", "PGY2", "PT", "OT", "SLP")]
        )
        dmp.mentor_learner_types.set([types["FAC"]])
        for order, text in enumerate(
            [
                "Strengthened access to networks and opportunities for career planning",
                "Increased sense of belonging and support in relation to their social identity",
            ]
        ):
            Outcome.objects.update_or_create(program=dmp, order=order, defaults={"text": text})

        ilead, _ = Program.objects.update_or_create(
            slug="ilead",
            defaults=dict(
                name="iLEAD",
                full_name="Inspiring Leadership in Equity, Accessibility and Diversity",
                summary=(
                    "iLEAD stands for Inspiring Leadership in Equity, Accessibility and Diversity. "
                    "This is a two-tier longitudinal peer mentorship opportunity."
                ),
                audience=(
                    "Incoming first-year medical students in the 2029 (2T9) class, upper-year MD "
                    "students and resident physicians. An upper-year MD student may be a mentee "
                    "in one tier and a mentor in the other."
                ),
                tiers_intro="A two-tier longitudinal peer mentorship opportunity that connects:",
                mentee_intake=MenteeIntake.LIMITED,
                mentor_recruitment=MentorRecruitment.OPEN,
                mentor_recruitment_message=(
                    "Recruitment for MD and resident mentors is ongoing! Sign up using the form below."
                ),
                collects_identity=True,
                contact_email=CONTACT,
                is_published=True,
                order=2,
            ),
        )
        ilead.mentee_learner_types.set([types[c] for c in ("MD1", "MD2", "MD3", "MD4")])
        ilead.mentor_learner_types.set([types[c] for c in ("MD2", "MD3", "MD4", "PGY1", "PGY2", "RES")])
        tier1, _ = Tier.objects.update_or_create(
            program=ilead,
            number=1,
            defaults={
                "name": "Tier 1",
                "description": "incoming first year medical students in the 2029 (2T9) class "
                "with upper year MD students",
            },
        )
        tier1.mentee_learner_types.set([types["MD1"]])
        tier1.mentor_learner_types.set([types[c] for c in ("MD2", "MD3", "MD4")])
        tier2, _ = Tier.objects.update_or_create(
            program=ilead,
            number=2,
            defaults={
                "name": "Tier 2",
                "description": "current upper year medical students with resident physicians",
            },
        )
        tier2.mentee_learner_types.set([types[c] for c in ("MD2", "MD3", "MD4")])
        tier2.mentor_learner_types.set([types[c] for c in ("PGY1", "PGY2", "RES")])

        coordinator_group_sync()
        users = {}
        for email, name, pronouns, stage, year, superuser in DEMO_USERS:
            user, created = User.objects.get_or_create(email=email)
            user.name, user.pronouns, user.learner_stage, user.year = name, pronouns, stage, year
            user.is_staff = user.is_superuser = superuser
            user.set_password(DEMO_PASSWORD)
            user.save()
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            users[email] = user
        coordinator_add(program=dmp, user=users["dmp.coordinator@example.com"], notify=False)
        coordinator_add(program=ilead, user=users["ilead.coordinator@example.com"], notify=False)
