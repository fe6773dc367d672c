"""Create the site's first content. Safe in production and at every start:
it creates only what was never set up and leaves everything else alone."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from mentorship.setup import site_setup


class Command(BaseCommand):
    help = (
        "Create the landing page's texts, the resources and the DMP and iLEAD programs (tiers, "
        "outcomes, eligibility, questions, self-identification options) unless they were set up "
        "before. Never overwrites what staff have edited or deleted."
    )

    def handle(self, *args, **options):
        report = site_setup()
        for line in report.created:
            self.stdout.write(f"Created: {line}")
        for line in report.left_alone:
            self.stdout.write(f"Left alone: {line}")
        for line in report.warnings:
            self.stdout.write(self.style.WARNING(f"Warning: {line}"))
        self.stdout.write(
            self.style.SUCCESS(
                f"setup_site: {len(report.created)} created, {len(report.left_alone)} left alone."
            )
        )
