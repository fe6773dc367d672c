"""Load the demo on top of setup_site's content: one account per persona, the
coordinators of both programs, and each app's demo records (applications,
opportunities, a matching round). Safe to run again. DEBUG only."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

import applications.demo
import matching.demo
import mentoring.demo
import opportunities.demo
import programs.setup
from accounts.models import LearnerStage, User
from mentorship.setup import site_setup
from programs.models import Program, Specialty
from programs.reference import SPECIALTIES
from programs.services import coordinator_add, learner_types_ensure

DEMO_PASSWORD = "demo-pass-2026"
DEMO_USERS = [
    # email, name, pronouns, stage, year, superuser
    ("staff@example.com", "Sam Staff", "they/them", LearnerStage.OTHER, None, True),
    ("dmp.coordinator@example.com", "Dana Coordinator", "she/her", LearnerStage.OTHER, None, False),
    ("ilead.coordinator@example.com", "Ira Coordinator", "he/him", LearnerStage.OTHER, None, False),
    ("learner@example.com", "Lee Learner", "she/her", LearnerStage.MD, 2, False),
    ("mentor@example.com", "Morgan Mentor", "he/him", LearnerStage.CLINICIAN, None, False),
]
COORDINATORS = {"dmp": "dmp.coordinator@example.com", "ilead": "ilead.coordinator@example.com"}


class Command(BaseCommand):
    help = "Load demo accounts, applications, opportunities and a matching round on top of setup_site (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DEBUG on: it creates accounts with known passwords.")
        with transaction.atomic():
            site_setup()
            self.seed()
            # Each app adds its own demo data on top of the programs.
            applications.demo.seed()
            opportunities.demo.seed()
            matching.demo.seed()
            mentoring.demo.seed()
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Accounts (password for all):"))
        for email, *_ in DEMO_USERS:
            self.stdout.write(f"  {email:32} {DEMO_PASSWORD}")

    def seed(self):
        """The programs and landing page (setup_site's programs part) and the
        demo accounts, with a coordinator for each program. The root
        conftest's ``demo`` fixture calls this alone."""
        # The reference data arrives by migration, but a test database emptied
        # by a transactional test has lost it, and the demo is allowed to
        # restore it.
        learner_types_ensure()
        for name in SPECIALTIES:
            Specialty.objects.get_or_create(name=name)
        programs.setup.setup(programs.setup.SetupReport())
        users = {}
        for email, name, pronouns, stage, year, superuser in DEMO_USERS:
            user, _ = User.objects.get_or_create(email=email)
            user.name, user.pronouns, user.learner_stage, user.year = name, pronouns, stage, year
            user.is_staff = user.is_superuser = superuser
            user.set_password(DEMO_PASSWORD)
            user.save()
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            users[email] = user
        for program in Program.objects.filter(slug__in=COORDINATORS):
            coordinator_add(program=program, user=users[COORDINATORS[program.slug]], notify=False)
