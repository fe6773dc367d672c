"""The site's first content, app by app in dependency order, plus the
site's domain. ``manage.py setup_site`` runs it; ``seed_demo`` runs it first."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sites.models import Site
from django.db import transaction

import applications.setup
import mentoring.setup
import programs.setup
from programs.reference import SITE_NAME
from programs.setup import SetupReport

# Domains the site may have before anyone chose one: Django's own default and
# the host of the default SITE_URL (the migration may run before SITE_URL is set,
# in an image build for instance).
PLACEHOLDER_DOMAINS = {"example.com", "127.0.0.1:8000", "localhost:8000"}

STEPS = [programs.setup.setup, applications.setup.setup, mentoring.setup.setup]


def site_refresh(report: SetupReport) -> None:
    """Give the site its name and SITE_URL's domain while they are still
    placeholders; a name or domain that staff chose is left alone."""
    domain = urlsplit(settings.SITE_URL).netloc
    site, created = Site.objects.get_or_create(
        pk=settings.SITE_ID, defaults={"name": SITE_NAME, "domain": domain or "example.com"}
    )
    if created:
        report.created.append(f"Site {site.name} ({site.domain})")
        return
    changed = []
    if site.name in ("", "example.com"):
        site.name = SITE_NAME
        changed.append("name")
    if domain and site.domain in PLACEHOLDER_DOMAINS and site.domain != domain:
        site.domain = domain
        changed.append("domain")
    if changed:
        site.save(update_fields=changed)
        Site.objects.clear_cache()
        report.created.append(f"Site {' and '.join(changed)}: {site.name} ({site.domain})")
    else:
        report.left_alone.append(f"Site {site.name} ({site.domain})")


@transaction.atomic
def site_setup() -> SetupReport:
    """Create whatever initial content is not set up yet. Never changes what
    staff have edited or deleted since (see programs.setup)."""
    report = SetupReport()
    site_refresh(report)
    for step in STEPS:
        step(report)
    return report
