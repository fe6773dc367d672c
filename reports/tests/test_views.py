"""The report page and its workbook: who may open them, what they show
(every figure, against the row-by-row computation), and how many queries."""

from __future__ import annotations

import datetime
import io
import re
from html.parser import HTMLParser

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from reports import report, selectors
from reports.exports import table_rows
from tests.factories import ProgramFactory

from . import naive
from .data import build_program

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 7, 15, 12, tzinfo=datetime.UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def generated(frozen):
    program = ProgramFactory(name="Generated", slug="generated")
    objects = build_program(program, mentees=120, mentors=30, matches=45, meetings=200)
    return program, objects


def _url(program, **query):
    url = reverse("admin:reports_programreport_report", args=[program.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


class TableParser(HTMLParser):
    """The page's tables, by id: rows of (header, cell texts)."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = self._row = self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and (attrs.get("id") or "").startswith("table-"):
            self._table = self.tables.setdefault(attrs["id"][6:], [])
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._table.append(self._row)
        elif tag in ("th", "td") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._table = self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _expected_tables(program, objects=None, *, show_identity, **filters):
    scope = selectors.scope_for(program, tier=None, year=None, term=None, **filters)
    return report.build(naive.report_figures(scope, show_identity=show_identity))


def _page_rows(table):
    rows = [[table.row_header, *table.columns]]
    rows += [[row.label, *(c.display for c in row.cells)] for row in table.rows]
    if table.footer:
        rows.append([table.footer.label, *(c.display for c in table.footer.cells)])
    return rows


class TestAccess:
    def test_a_coordinator_of_the_program_sees_it_with_self_identification(
        self, client, coordinator_of, frozen
    ):
        program = ProgramFactory()
        client.force_login(coordinator_of(program))
        response = client.get(_url(program))
        assert response.status_code == 200
        assert b"Self-identification" in response.content
        assert b"Mentees by self-identification" in response.content

    def test_site_staff_see_it_without_self_identification(self, client, staff, frozen):
        program = ProgramFactory()
        client.force_login(staff)
        response = client.get(_url(program))
        assert response.status_code == 200
        assert b"The funnel" in response.content
        assert b"self-identification" not in response.content.lower().replace(b"no self-identification", b"")

    def test_a_coordinator_of_another_program_is_refused(self, client, coordinator_of, frozen):
        program, other = ProgramFactory(), ProgramFactory()
        client.force_login(coordinator_of(other))
        assert client.get(_url(program)).status_code == 403
        xlsx = reverse("admin:reports_programreport_xlsx", args=[program.pk])
        assert client.get(xlsx).status_code == 403

    @pytest.mark.parametrize("persona", ["mentor", "outsider", "learner"])
    def test_people_without_admin_access_are_sent_to_the_admin_login(self, client, request, persona, frozen):
        program = ProgramFactory()
        client.force_login(request.getfixturevalue(persona))
        response = client.get(_url(program))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]

    def test_an_unknown_program_is_a_404(self, client, staff, frozen):
        client.force_login(staff)
        assert client.get(reverse("admin:reports_programreport_report", args=[999999])).status_code == 404

    def test_the_list_shows_only_the_coordinators_programs(self, client, coordinator_of, frozen):
        mine = ProgramFactory(name="Mine")
        ProgramFactory(name="Theirs")
        client.force_login(coordinator_of(mine))
        response = client.get(reverse("admin:reports_programreport_changelist"))
        assert response.status_code == 200
        assert b"Report of Mine" in response.content and b"Theirs" not in response.content

    def test_the_programs_page_and_the_admin_index_link_to_reports(self, client, coordinator_of, frozen):
        program = ProgramFactory()
        client.force_login(coordinator_of(program))
        page = client.get(reverse("admin:programs_program_change", args=[program.pk])).content.decode()
        assert _url(program) in page
        index = client.get(reverse("admin:index")).content.decode()
        assert reverse("admin:reports_programreport_changelist") in index


class TestFigures:
    @pytest.mark.parametrize("who", ["coordinator", "staff"])
    def test_every_figure_on_the_page_is_the_expected_one(
        self, client, generated, coordinator_of, staff, who
    ):
        program, objects = generated
        client.force_login(coordinator_of(program) if who == "coordinator" else staff)
        parser = TableParser()
        parser.feed(client.get(_url(program)).content.decode())
        expected = _expected_tables(program, show_identity=who == "coordinator")
        tables = [t for section in expected for t in section.tables]
        assert set(parser.tables) == {t.key for t in tables}
        for table in tables:
            assert parser.tables[table.key] == _page_rows(table), table.key
        if who == "staff":
            assert not any(key.startswith("identity") for key in parser.tables)

    def test_a_filtered_page_shows_the_filtered_figures(self, client, generated, coordinator_of):
        program, objects = generated
        client.force_login(coordinator_of(program))
        tier, year = objects["tiers"][1], objects["years"][1]
        parser = TableParser()
        parser.feed(client.get(_url(program, tier=tier.pk, period=f"y{year.pk}")).content.decode())
        scope = selectors.scope_for(program, tier=tier, year=year, term=None)
        expected = report.build(naive.report_figures(scope, show_identity=True))
        for table in (t for section in expected for t in section.tables):
            assert parser.tables[table.key] == _page_rows(table), table.key

    def test_the_workbook_has_every_figure_of_the_page(self, client, generated, coordinator_of):
        program, _ = generated
        client.force_login(coordinator_of(program))
        response = client.get(reverse("admin:reports_programreport_xlsx", args=[program.pk]))
        assert response.status_code == 200
        workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
        expected = _expected_tables(program, show_identity=True)
        assert workbook.sheetnames == ["About", *(s.title for s in expected)]
        for section in expected:
            rows = [list(r) for r in workbook[section.title].iter_rows(min_row=2, values_only=True)]
            want = [
                [section.title, label, None, fact.number if fact.number is not None else fact.display]
                for label, fact in section.facts
            ]
            for table in section.tables:
                want += list(table_rows(table))
            assert rows == want, section.title
        hidden = [
            r[3]
            for s in expected
            for r in (list(workbook[s.title].iter_rows(values_only=True)))
            if isinstance(r[3], str)
        ]
        assert "fewer than 5" in hidden

    def test_suppressed_counts_never_reach_the_page(self, client, generated, coordinator_of):
        program, _ = generated
        client.force_login(coordinator_of(program))
        content = client.get(_url(program)).content.decode()
        assert "fewer than 5" in content and "suppressed" in content
        for table in re.findall(r"<table.*?</table>", content, re.S):
            for cell in re.findall(r'<td class="num">([^<]*)</td>', table):
                value = cell.strip().replace(",", "").rstrip("%").removesuffix(" days")
                if value.isdigit():
                    assert (
                        not 1 <= int(value) <= 4
                        or "%" in cell
                        or "Meetings" in table
                        or "Mean" in table
                        or "Hours" in table
                    )

    def test_bad_filters_are_named_and_the_whole_report_shown(self, client, generated, coordinator_of):
        program, _ = generated
        client.force_login(coordinator_of(program))
        response = client.get(_url(program, tier="nonsense", period="y0"))
        assert response.status_code == 422
        content = response.content.decode()
        assert 'id="error-summary"' in content and "Tier: Select a valid choice" in content
        assert "The funnel" in content


class TestCharts:
    def test_each_chart_is_a_named_image_with_no_style(self, client, generated, coordinator_of):
        program, _ = generated
        client.force_login(coordinator_of(program))
        content = client.get(_url(program)).content.decode()
        charts = re.findall(r'<svg class="report-chart".*?</svg>', content, re.S)
        assert len(charts) >= 8
        for chart in charts:
            assert 'role="img"' in chart and "<title id=" in chart and "aria-labelledby" in chart
            # Presentation attributes (fill, font-style) only: no style attribute or element.
            assert not re.search(r"\sstyle=|<style", chart) and "<script" not in chart


class TestQueries:
    def test_the_page_takes_a_fixed_number_of_queries(
        self, client, coordinator_of, django_assert_num_queries, frozen
    ):
        small = ProgramFactory(slug="small")
        build_program(small, mentees=20, mentors=6, matches=6, meetings=20, seed=1)
        large = ProgramFactory(slug="large")
        build_program(large, mentees=200, mentors=40, matches=80, meetings=600, seed=2)
        user = coordinator_of(small)
        large.coordinators.add(user)
        client.force_login(user)
        client.get(_url(small))  # warm caches (content types, the session)
        # Session, user, second factor; the program and "may read it"; the form's
        # tiers, years and terms; "sees identity"; 18 for the figures (statuses,
        # stages, status history, first matches, ranks, ranked but unmatched,
        # matches, agreements, the policy, terms, meetings per pair and term,
        # questionnaires, outcome answers, outcomes, years, mentors' matches,
        # identity dimensions, identity counts); the admin's sidebar (2
        # permission lists, the site content).
        with django_assert_num_queries(QUERIES):
            assert client.get(_url(small)).status_code == 200
        with django_assert_num_queries(QUERIES):
            assert client.get(_url(large)).status_code == 200


QUERIES = 30


class TestEmptyProgram:
    def test_a_program_with_no_data_has_a_page_and_a_workbook(self, client, coordinator_of, frozen):
        program = ProgramFactory()
        client.force_login(coordinator_of(program))
        page = client.get(_url(program))
        assert page.status_code == 200 and b"No terms set up" in page.content
        response = client.get(reverse("admin:reports_programreport_xlsx", args=[program.pk]))
        workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
        assert "The year" in workbook.sheetnames
