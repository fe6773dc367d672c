"""The demo's opportunities are a workbook in the office's style, loaded
through the importer: every row of it must read cleanly."""

import pytest

from opportunities import demo
from opportunities.models import Kind, Opportunity, OpportunityChange

pytestmark = pytest.mark.django_db


def test_the_demo_workbook_imports_every_row_cleanly(learner_types):
    report = demo.seed()
    assert report.applied and report.header_row == 5
    assert report.counts["create"] == Opportunity.objects.count() > 30
    assert not report.refused and report.warning_count == 0 and not report.ignored_headers
    assert [kind for kind in Kind.values if Opportunity.objects.filter(kind=kind).exists()] == Kind.values
    assert not Opportunity.objects.filter(is_published=False).exists()
    assert str(Opportunity.objects.values_list("last_verified", flat=True).distinct().get()) == "2025-03-01"


def test_seeding_again_changes_nothing(learner_types):
    demo.seed()
    changes = OpportunityChange.objects.count()
    report = demo.seed()
    assert report.counts["unchanged"] == Opportunity.objects.count()
    assert OpportunityChange.objects.count() == changes
