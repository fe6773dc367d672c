import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from opportunities.exports import COLUMNS
from opportunities.models import Format, HostType, Kind

from .factories import bulk_opportunities, make_opportunity

pytestmark = pytest.mark.django_db
HEADERS = [header for header, _ in COLUMNS]


def download_bytes(client, query=""):
    response = client.get(f"/database/export.xlsx{query}")
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="learner-mentorship-database-')
    return b"".join(response.streaming_content)


def download(client, query=""):
    return load_workbook(io.BytesIO(download_bytes(client, query)))


def data_rows(workbook):
    return list(workbook["Opportunities"].iter_rows(min_row=2, values_only=True))


@pytest.fixture
def entries(learner_types):
    return [
        make_opportunity(
            name="CMA Mentorship",
            kind=Kind.FORMAL,
            host_type=HostType.ASSOCIATION,
            host_name="Canadian Medical Association",
            specialties=["Family Medicine", "Internal Medicine"],
            learners=["MD1", "PGY1"],
            is_rolling=True,
            website="https://www.cma.ca/mentorship",
            contact_email="mentors@cma.example.org",
            format=Format.BOTH,
            last_verified=datetime.date(2025, 3, 1),
        ),
        make_opportunity(
            website='https://example.org/a"quote',
            name='=HYPERLINK("http://evil.example","click")',
            kind=Kind.SUMMER,
            host_type=HostType.HOSPITAL,
            host_name="+Sunnybrook",
            description="@SUM(1+1)\u0007 with a bell",
            how_to_join="-2+3",
            cost="\tTabbed",
            deadline=datetime.date(2027, 1, 31),
            format=Format.IN_PERSON,
        ),
        make_opportunity(name="Informal list", kind=Kind.INFORMAL, host_name="Department of Surgery"),
    ]


class TestWorkbook:
    def test_the_header_is_bold_frozen_and_filters_every_row(self, client, learner, entries):
        client.force_login(learner)
        ws = download(client)["Opportunities"]
        assert [c.value for c in ws[1]] == HEADERS
        assert all(c.font.b for c in ws[1])
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:N{len(entries) + 1}"
        assert ws.max_row == len(entries) + 1

    def test_columns_have_fitted_widths(self, client, learner, entries):
        client.force_login(learner)
        ws = download(client)["Opportunities"]
        widths = {
            ws.cell(1, i).value: ws.column_dimensions[ws.cell(1, i).column_letter].width for i in range(1, 15)
        }
        assert widths["Host"] == len("Canadian Medical Association") + 2
        assert widths["Name"] == len('=HYPERLINK("http://evil.example","click")') + 2
        assert all(10 <= w <= 60 for w in widths.values())

    def test_values_dates_links_and_joined_lists(self, client, learner, entries):
        client.force_login(learner)
        ws = download(client, "?kind=formal")["Opportunities"]
        row = {h: c for h, c in zip(HEADERS, ws[2], strict=True)}
        assert row["Name"].value == "CMA Mentorship"
        assert row["Kind"].value == "Formal program"
        assert row["Host type"].value == "Professional association"
        assert row["Specialties"].value == "Family Medicine; Internal Medicine"
        assert row["Eligible learners"].value == "MD year 1; PGY1 resident"
        # The address as the cell's text, and a real link, styled as one.
        assert row["Website"].value == "https://www.cma.ca/mentorship"
        assert row["Website"].data_type == "s"
        assert row["Website"].hyperlink.target == "https://www.cma.ca/mentorship"
        assert row["Website"].font.u == "single"
        assert row["Contact email"].value == "mentors@cma.example.org"
        assert row["Deadline"].value == "Rolling"
        assert row["Format"].value == "In person and virtual"
        assert row["Last verified"].is_date
        assert row["Last verified"].value.date() == datetime.date(2025, 3, 1)

    def test_every_cell_is_safe_from_formula_injection(self, client, learner, entries):
        client.force_login(learner)
        ws = download(client, "?kind=summer")["Opportunities"]
        row = {h: c for h, c in zip(HEADERS, ws[2], strict=True)}
        # Text cells, shown exactly as typed: no formula, no apostrophe.
        assert row["Name"].value == '=HYPERLINK("http://evil.example","click")'
        assert row["Host"].value == "+Sunnybrook"
        assert row["Description"].value == "@SUM(1+1) with a bell"  # the bell Excel cannot store is gone
        assert row["How to join"].value == "-2+3"
        assert row["Cost"].value == "\tTabbed"
        assert all(row[h].data_type == "s" for h in ("Name", "Host", "Description", "How to join", "Cost"))
        assert not [c for r in ws.iter_rows() for c in r if c.data_type == "f"]
        assert row["Deadline"].is_date and row["Deadline"].value.date() == datetime.date(2027, 1, 31)
        assert row["Website"].value == 'https://example.org/a"quote'
        assert row["Website"].hyperlink.target == 'https://example.org/a"quote'

    def test_a_reader_of_stored_values_only_shows_the_text_and_the_addresses(self, client, learner, entries):
        # calamine reads cell values as stored, as Excel's Protected View shows
        # them: a formula without a stored result would be an empty cell.
        client.force_login(learner)
        rows = (
            CalamineWorkbook.from_filelike(io.BytesIO(download_bytes(client)))
            .get_sheet_by_name("Opportunities")
            .to_python()
        )
        assert rows[0] == HEADERS
        by_name = {r[0]: dict(zip(HEADERS, r, strict=True)) for r in rows[1:]}
        assert by_name["CMA Mentorship"]["Website"] == "https://www.cma.ca/mentorship"
        evil = by_name['=HYPERLINK("http://evil.example","click")']
        assert evil["Website"] == 'https://example.org/a"quote'
        assert evil["Host"] == "+Sunnybrook" and evil["How to join"] == "-2+3"

    def test_a_long_link_is_still_a_link(self, client, learner, learner_types):
        make_opportunity(website="https://example.org/" + "x" * 300)
        client.force_login(learner)
        cell = download(client)["Opportunities"]["I2"]
        assert cell.data_type == "s" and cell.value == "https://example.org/" + "x" * 300
        assert cell.hyperlink.target == cell.value

    def test_one_font_landscape_fitted_to_the_width_with_the_header_on_every_page(
        self, client, learner, entries
    ):
        client.force_login(learner)
        workbook = download(client)
        ws = workbook["Opportunities"]
        fonts = {(c.font.name, c.font.sz) for r in ws.iter_rows() for c in r}
        assert fonts == {("Calibri", 11)}
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows == "$1:$1"
        about = workbook["About"]
        assert about.page_setup.orientation == "landscape"
        assert {c.font.name for r in about.iter_rows() for c in r} == {"Calibri"}

    def test_the_file_is_dated_and_says_whether_the_list_was_filtered(self, client, learner, entries):
        client.force_login(learner)
        today = f"{timezone.localdate():%Y-%m-%d}"
        everything = client.get("/database/export.xlsx?sort=-deadline")
        filtered = client.get("/database/export.xlsx?kind=formal")
        assert everything["Content-Disposition"] == (
            f'attachment; filename="learner-mentorship-database-{today}-all.xlsx"'
        )
        assert filtered["Content-Disposition"] == (
            f'attachment; filename="learner-mentorship-database-{today}-filtered.xlsx"'
        )

    def test_it_holds_exactly_the_rows_the_list_shows_in_its_order(self, client, learner, learner_types):
        client.force_login(learner)
        bulk_opportunities(120)
        query = "?kind=formal&kind=summer&format=in_person&format=both&sort=-name&q=bulk"
        listed = client.get(f"/database/{query}").context["page"].paginator.object_list
        expected = [o.name for o in listed]
        assert 0 < len(expected) < 120
        assert [r[0] for r in data_rows(download(client, query))] == expected

    def test_the_about_sheet_says_when_what_and_how_fresh(self, client, learner, entries):
        client.force_login(learner)
        workbook = download(client, "?kind=formal&specialty=Family+Medicine&sort=-deadline")
        assert workbook.sheetnames == ["Opportunities", "About"]
        about = {r[0]: r[1] for r in workbook["About"].iter_rows(min_row=2, values_only=True)}
        assert isinstance(about["Exported"], datetime.datetime)
        assert about["Database last updated"] is not None
        assert about["Rows"] == 1
        assert about["Kind"] == "Formal program"
        assert about["Specialty"] == "Family Medicine"
        assert about["Sorted by"] == "Deadline (descending)"
        assert about["The same list on the web"].startswith(
            "https://mentorship.example.edu/database/?kind=formal"
        )
        # Notes, not data: no filter arrows.
        assert not workbook["About"].auto_filter.ref

    def test_without_filters_the_about_sheet_says_so(self, client, learner, entries):
        client.force_login(learner)
        about = {r[0]: r[1] for r in download(client)["About"].iter_rows(min_row=2, values_only=True)}
        assert about["Filters"] == "None: every published opportunity"

    def test_an_empty_selection_is_a_workbook_with_just_the_header(self, client, learner, entries):
        client.force_login(learner)
        ws = download(client, "?host=Nobody")["Opportunities"]
        assert ws.max_row == 1 and ws.auto_filter.ref == "A1:N1"

    def test_unpublished_entries_are_never_exported(self, client, learner, entries):
        make_opportunity(name="Secret draft", is_published=False)
        client.force_login(learner)
        assert "Secret draft" not in [r[0] for r in data_rows(download(client))]
