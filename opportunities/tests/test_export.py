import datetime
import io

import pytest
from openpyxl import load_workbook

from opportunities.exports import COLUMNS
from opportunities.models import Format, HostType, Kind

from .factories import bulk_opportunities, make_opportunity

pytestmark = pytest.mark.django_db
HEADERS = [header for header, _ in COLUMNS]


def download(client, query=""):
    response = client.get(f"/database/export.xlsx{query}")
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="ola-learner-mentorship-database-'
    )
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


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
        # A HYPERLINK() formula built from the validated URL (flat memory, see
        # mentorship.xlsx.FormulaLink), styled as a link.
        assert (
            row["Website"].value
            == '=HYPERLINK("https://www.cma.ca/mentorship","https://www.cma.ca/mentorship")'
        )
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
        assert row["Name"].value == '\'=HYPERLINK("http://evil.example","click")'
        assert row["Host"].value == "'+Sunnybrook"
        assert row["Description"].value == "'@SUM(1+1) with a bell"  # the bell Excel cannot store is gone
        assert row["How to join"].value == "'-2+3"
        assert row["Cost"].value == "'\tTabbed"
        # No text from the data is a formula; the only formulas are the links
        # the exporter builds itself.
        formulas = [c for r in ws.iter_rows() for c in r if c.data_type == "f"]
        assert all(c.column_letter == "I" and c.value.startswith('=HYPERLINK("https://') for c in formulas)
        assert row["Deadline"].is_date and row["Deadline"].value.date() == datetime.date(2027, 1, 31)
        assert (
            row["Website"].value
            == '=HYPERLINK("https://example.org/a""quote","https://example.org/a""quote")'
        )

    def test_a_link_excel_cannot_hold_in_a_formula_is_plain_text(self, client, learner, learner_types):
        make_opportunity(website="https://example.org/" + "x" * 300)
        client.force_login(learner)
        cell = download(client)["Opportunities"]["I2"]
        assert cell.data_type == "s" and cell.value == "https://example.org/" + "x" * 300

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
