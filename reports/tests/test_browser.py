"""The report in Chromium: a coordinator opens it from the program's page,
filters it, and it fits a phone and a desktop with zero axe violations
(charts included)."""

from __future__ import annotations

import pytest

from conftest import PHONE, assert_fits_phone_and_desktop, login
from tests.factories import ProgramFactory

from .data import build_program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_reads_and_filters_the_report(page, coordinator_of):
    program = ProgramFactory(name="Pathways", slug="pathways")
    objects = build_program(program, mentees=120, mentors=30, matches=45, meetings=200)
    coordinator = coordinator_of(program)

    login(page, coordinator.email)
    page.goto(f"/admin/programs/program/{program.pk}/change/")
    page.get_by_role("link", name="Report", exact=True).click()
    page.wait_for_url(f"**/admin/reports/programreport/{program.pk}/")
    assert page.get_by_role("heading", name="The funnel").is_visible()
    assert page.get_by_role("img", name="Chart: Applications by role and status").is_visible()
    assert page.get_by_role("heading", name="Self-identification").is_visible()
    assert_fits_phone_and_desktop(page, "report")

    page.get_by_label("Tier").select_option(label=objects["tiers"][0].name)
    page.get_by_label("Program year or term").select_option(label="2026–2027 (the whole year)")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/?tier=*")
    assert page.get_by_label("Program year or term").input_value() == f"y{objects['years'][1].pk}"
    assert_fits_phone_and_desktop(page, "report-filtered")

    # On a phone every chart stays inside the page.
    page.set_viewport_size(PHONE)
    page.reload()
    widths = page.eval_on_selector_all(
        "svg.report-chart", "charts => charts.map(c => c.getBoundingClientRect().right)"
    )
    assert widths and max(widths) <= PHONE["width"]
