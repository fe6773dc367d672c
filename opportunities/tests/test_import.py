import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from opportunities.importer import ImportFileError
from opportunities.models import Format, HostType, Kind, Opportunity, OpportunityChange
from opportunities.services import opportunity_import, opportunity_snapshot
from programs.models import Specialty

from .factories import make_opportunity

pytestmark = pytest.mark.django_db


def messy_workbook(path, extra_rows=()):
    """The spreadsheet as staff keep it: a title, a note and a "Last updated"
    line above the header, synonyms in odd case, merged cells, links, blank
    rows, several values per cell, stray spaces and a sheet of notes first."""
    wb = Workbook()
    notes = wb.active
    notes.title = "Read me"
    notes["A1"] = "How to use this file"
    notes["A2"] = "Filter with the arrows in the header row."

    ws = wb.create_sheet("Database")
    ws["A1"] = "OLA Learner Mentorship Database"
    ws.merge_cells("A1:H1")
    ws["A2"] = "Last updated: March 2025"
    ws["A3"] = "For updates email medicine.dmp@utoronto.ca"
    # row 4 blank
    ws.append([])
    header = [
        "  Opportunity Name ",
        "TYPE OF OPPORTUNITY",
        "Host / Organization",
        "host type",
        "Specialty",
        "Eligible Learners",
        "Application Deadline",
        "Website",
        "In person / virtual",
        "Internal notes",
    ]
    for col, text in enumerate(header, 1):
        ws.cell(5, col, text)
    rows = [
        # row 6
        [
            "Family  Medicine Mentorship ",
            "formal program",
            "Department of Family and Community Medicine",
            "Department",
            "Family Medicine; Psychiatry",
            "MD1, MD2",
            datetime.datetime(2027, 1, 15),
            "https://dfcm.example.org/mentors",
            "Hybrid",
            "call them",
        ],
        # row 7
        [
            "CMA Mentorship",
            "informal CONNECTION source",
            "Canadian Medical Association",
            "Professional association",
            "Internal Medicine\nFamily medicine",
            "MD students\nResidents",
            "Rolling",
            None,  # a link on the cell text below
            "virtual",
            None,
        ],
        [None] * 10,  # row 8: blank
        # row 9: the host is merged down over rows 9-10
        [
            "Summer Surgery Studentship",
            "Summer opportunity",
            "Department of Surgery",
            "Department",
            "General Surgery",
            "MD1",
            "2027-02-01",
            "surgery.example.org/summer",
            "In-person",
            None,
        ],
        # row 10: merged host, and a formula-looking name
        [
            "=1+1 Mentors",
            "Formal",
            None,
            "Department",
            None,
            "PGY1",
            None,
            None,
            None,
            None,
        ],
        # row 11: unreadable (no kind, bad learner type, bad date)
        [
            "Broken row",
            None,
            "Somewhere",
            "Hospital site",
            None,
            "Astronauts",
            "sometime soon",
            None,
            None,
            None,
        ],
        # row 12: the same opportunity as row 6, spelt differently
        [
            "family medicine mentorship",
            "Formal program",
            "department of family and community medicine ",
            "Department",
            None,
            None,
            None,
            None,
            None,
            None,
        ],
        # row 13: no name: the one thing that refuses a row
        [None, "Formal", "Nameless Host", "Department", None, "MD1", None, None, None, None],
        *extra_rows,
    ]
    for offset, row in enumerate(rows):
        for col, value in enumerate(row, 1):
            ws.cell(6 + offset, col, value)
    ws.merge_cells("C9:C10")
    ws["H7"] = "CMA website"
    ws["H7"].hyperlink = "https://www.cma.ca/mentorship"
    wb.create_sheet("Pivot")["A1"] = "Count of Opportunity Name"
    wb.save(path)
    return path


@pytest.fixture
def messy(tmp_path, learner_types):
    return messy_workbook(tmp_path / "database.xlsx")


class TestMessyWorkbook:
    def test_it_reads_what_staff_keep(self, messy):
        report = opportunity_import(source=str(messy))
        assert report.sheet_title == "Database" and report.header_row == 5
        assert report.ignored_headers == ["Internal notes"]
        assert report.counts == {"create": 5, "update": 0, "unchanged": 0, "merged": 1, "refused": 1}
        assert Opportunity.objects.count() == 5

        fm = Opportunity.objects.get(name="Family Medicine Mentorship")
        assert fm.kind == Kind.FORMAL and fm.host_type == HostType.DEPARTMENT
        assert sorted(s.name for s in fm.specialties.all()) == ["Family Medicine", "Psychiatry"]
        assert sorted(t.code for t in fm.eligible_learners.all()) == ["MD1", "MD2"]
        assert fm.deadline == datetime.date(2027, 1, 15) and not fm.is_rolling
        assert fm.format == Format.BOTH
        assert fm.last_verified == datetime.date(2025, 3, 1)  # from "Last updated: March 2025"

        cma = Opportunity.objects.get(name="CMA Mentorship")
        assert cma.kind == Kind.INFORMAL
        assert cma.is_rolling and cma.deadline is None
        assert cma.website == "https://www.cma.ca/mentorship"  # the cell's hyperlink
        assert sorted(s.name for s in cma.specialties.all()) == ["Family Medicine", "Internal Medicine"]
        assert sorted(t.code for t in cma.eligible_learners.all()) == [
            "MD1",
            "MD2",
            "MD3",
            "MD4",
            "PGY1",
            "PGY2",
            "RES",
        ]

        summer = Opportunity.objects.get(name="Summer Surgery Studentship")
        assert summer.website == "https://surgery.example.org/summer"
        assert summer.deadline == datetime.date(2027, 2, 1) and summer.format == Format.IN_PERSON

        formula = Opportunity.objects.get(name="=1+1 Mentors")  # stored as the text it is
        assert formula.host_name == "Department of Surgery"  # from the merged cell

        # Unreadable cells are left out; the row is kept.
        broken = Opportunity.objects.get(name="Broken row")
        assert broken.kind == Kind.FORMAL and broken.host_type == HostType.HOSPITAL
        assert broken.deadline is None and not broken.is_rolling
        assert not broken.eligible_learners.exists()

    def test_unreadable_cells_are_warnings_and_only_a_row_without_a_name_is_refused(self, messy):
        report = opportunity_import(source=str(messy), dry_run=True)
        [refused] = report.refused
        assert refused.number == 13 and refused.details == ["the name is missing"]
        broken = next(r for r in report.rows if r.number == 11)
        assert broken.action == "create"
        assert broken.warnings == [
            "the kind is missing: a new entry becomes “Formal program”",
            "eligible learners not known: “Astronauts” (left out)",
            "the deadline “sometime soon” is not a date, a month or “rolling”: left out",
        ]
        [merged] = report.by_action("merged")
        assert merged.number == 12 and "row 6" in merged.details[0]

    def test_a_dry_run_writes_nothing(self, messy):
        report = opportunity_import(source=str(messy), dry_run=True)
        assert report.counts["create"] == 5 and not report.applied
        assert not Opportunity.objects.exists()
        assert not Specialty.objects.exists()
        assert report.new_specialties == [
            "Family Medicine",
            "General Surgery",
            "Internal Medicine",
            "Psychiatry",
        ]

    def test_importing_again_changes_nothing(self, messy):
        opportunity_import(source=str(messy))
        before = {o.natural_key: (opportunity_snapshot(o), o.updated_at) for o in Opportunity.objects.all()}
        history = OpportunityChange.objects.count()
        report = opportunity_import(source=str(messy))
        assert report.counts == {"create": 0, "update": 0, "unchanged": 5, "merged": 1, "refused": 1}
        after = {o.natural_key: (opportunity_snapshot(o), o.updated_at) for o in Opportunity.objects.all()}
        assert after == before
        assert OpportunityChange.objects.count() == history

    def test_an_existing_record_is_updated_in_place_and_its_history_says_so(self, messy, staff):
        existing = make_opportunity(
            name="CMA  mentorship", host_name="canadian medical association", kind=Kind.FORMAL, cost="$10"
        )
        report = opportunity_import(source=str(messy), user=staff)
        row = next(r for r in report.rows if r.number == 7)
        assert row.action == "update" and "kind" in row.details
        existing.refresh_from_db()
        assert existing.kind == Kind.INFORMAL
        assert existing.cost == "$10"  # no cost column: left alone
        change = existing.changes.get()
        assert change.source == "import" and change.changed_by == staff
        assert change.changes["kind"] == ["formal", "informal"]
        assert "row 7" in change.note

    def test_an_existing_specialty_is_matched_in_any_case(self, messy):
        Specialty.objects.create(name="FAMILY MEDICINE")
        opportunity_import(source=str(messy))
        assert not Specialty.objects.filter(name="Family Medicine").exists()
        assert Specialty.objects.get(name="FAMILY MEDICINE").opportunities.count() == 2

    def test_a_failed_import_writes_nothing(self, messy, monkeypatch):
        calls = []

        def fail_on_third(**kwargs):
            calls.append(kwargs)
            if len(calls) == 3:
                raise RuntimeError("database went away")
            return original(**kwargs)

        from opportunities import services

        original = services.opportunity_apply
        monkeypatch.setattr(services, "opportunity_apply", fail_on_third)
        with pytest.raises(RuntimeError):
            opportunity_import(source=str(messy))
        assert not Opportunity.objects.exists() and not Specialty.objects.exists()

    def test_strict_mode_refuses_the_whole_file_for_one_bad_row(self, messy):
        report = opportunity_import(source=str(messy), strict=True)
        assert not report.applied and not Opportunity.objects.exists()


class TestFiles:
    def test_a_file_that_is_not_a_workbook_is_refused(self, tmp_path, learner_types):
        path = tmp_path / "notes.xlsx"
        path.write_text("hello")
        with pytest.raises(ImportFileError, match="cannot be read"):
            opportunity_import(source=str(path))

    def test_a_workbook_without_a_header_row_is_refused(self, tmp_path, learner_types):
        wb = Workbook()
        wb.active.append(["Just", "some", "words"])
        wb.save(tmp_path / "x.xlsx")
        with pytest.raises(ImportFileError, match="No header row found"):
            opportunity_import(source=str(tmp_path / "x.xlsx"))

    def test_headers_are_read_in_any_case_and_wording(self, tmp_path, learner_types):
        wb = Workbook()
        wb.active.append(["NAME", "Kind", "Hosted by", "Type of host", "E-mail", "Fees", "Last checked"])
        wb.active.append(
            ["A", "Summer", "Sunnybrook Hospital", None, "MAILTO:A@Example.org", 0, "2025-01-02"]
        )
        wb.save(tmp_path / "x.xlsx")
        opportunity_import(source=str(tmp_path / "x.xlsx"))
        entry = Opportunity.objects.get()
        assert entry.host_type == HostType.HOSPITAL  # inferred from the host's name
        assert entry.contact_email == "a@example.org"
        assert entry.cost == "0"
        assert entry.last_verified == datetime.date(2025, 1, 2)


class TestRoundTrip:
    def test_an_exported_file_imports_back_to_the_same_records(
        self, client, learner, learner_types, tmp_path
    ):
        make_opportunity(
            name="CMA Mentorship",
            kind=Kind.FORMAL,
            host_type=HostType.ASSOCIATION,
            host_name="Canadian Medical Association",
            specialties=["Family Medicine", "Obstetrics, Gynaecology and Reproductive Sciences"],
            learners=["MD1", "PGY1", "PT"],
            is_rolling=True,
            website="https://www.cma.ca/mentorship",
            contact_email="mentors@cma.example.org",
            format=Format.BOTH,
            last_verified=datetime.date(2025, 3, 1),
            description="Line one.\n\nLine two, after a blank line.",
        )
        make_opportunity(
            name="=SUM(1,2)",
            kind=Kind.SUMMER,
            host_type=HostType.HOSPITAL,
            host_name="-Sunnybrook",
            description="@mention +plus",
            cost="'quoted",
            deadline=datetime.date(2027, 1, 31),
            format="",
        )
        make_opportunity(
            name="Plain", kind=Kind.INFORMAL, specialties=[], learners=[], website="", contact_email=""
        )
        before = {o.natural_key: opportunity_snapshot(o) for o in Opportunity.objects.all()}

        client.force_login(learner)
        response = client.get("/database/export.xlsx")
        path = tmp_path / "export.xlsx"
        path.write_bytes(b"".join(response.streaming_content))

        report = opportunity_import(source=str(path), dry_run=True)
        assert report.counts["unchanged"] == 3, [(r.number, r.action, r.details) for r in report.rows]

        Opportunity.objects.all().delete()
        report = opportunity_import(source=str(path))
        assert report.counts["create"] == 3
        after = {o.natural_key: opportunity_snapshot(o) for o in Opportunity.objects.all()}
        assert after == before


class TestCommand:
    def test_dry_run_prints_the_report_and_writes_nothing(self, messy, capsys):
        call_command("import_opportunities", str(messy), "--dry-run")
        out = capsys.readouterr().out
        assert "row 13: refused “” (Nameless Host): the name is missing" in out
        assert "row 11: create “Broken row” (Somewhere)" in out
        assert "warning: eligible learners not known: “Astronauts” (left out)" in out
        assert "      Eligible learners: MD1; MD2" in out  # each row's values
        assert "Dry run, nothing written" in out and "5 created" in out
        assert not Opportunity.objects.exists()

    def test_it_imports(self, messy, capsys):
        call_command("import_opportunities", str(messy))
        assert (
            "5 created, 0 updated, 0 unchanged, 1 repeated rows combined, 1 refused, 1 rows with warnings."
            in capsys.readouterr().out
        )
        assert Opportunity.objects.count() == 5

    def test_strict_fails_with_a_nonzero_exit(self, messy):
        with pytest.raises(CommandError, match="Nothing written"):
            call_command("import_opportunities", str(messy), "--strict")

    def test_a_missing_file_is_a_clear_error(self, learner_types):
        with pytest.raises(CommandError, match="No such file"):
            call_command("import_opportunities", "/nonexistent.xlsx")


class TestAdminImport:
    def test_upload_preview_then_confirm(self, client, staff, messy):
        client.force_login(staff)
        assert "Import spreadsheet" in client.get("/admin/opportunities/opportunity/").content.decode()
        with open(messy, "rb") as handle:
            response = client.post("/admin/opportunities/opportunity/import/", {"file": handle})
        html = response.content.decode()
        assert response.status_code == 200
        assert "5 to create" in html and "1 refused" in html
        assert "the kind is missing" in html
        assert not Opportunity.objects.exists()
        token = response.context["token"]
        response = client.post(
            "/admin/opportunities/opportunity/import/", {"token": token, "publish": "publish"}
        )
        assert response.status_code == 302
        assert Opportunity.objects.filter(is_published=True).count() == 5
        assert Opportunity.objects.first().changes.get().changed_by == staff
        # The upload is used once.
        response = client.post(
            "/admin/opportunities/opportunity/import/", {"token": token, "publish": "publish"}, follow=True
        )
        assert "expired" in response.content.decode()

    def test_a_bad_file_is_refused_on_the_form(self, client, staff, learner_types):
        client.force_login(staff)
        upload = io.BytesIO(b"not a workbook")
        upload.name = "data.xlsx"
        response = client.post("/admin/opportunities/opportunity/import/", {"file": upload})
        assert "cannot be read as an Excel workbook" in response.content.decode()

    def test_a_token_cannot_reach_outside_the_upload_folder(self, client, staff):
        client.force_login(staff)
        response = client.post("/admin/opportunities/opportunity/import/", {"token": "../../settings"})
        assert response.status_code == 404

    def test_non_staff_cannot_import(self, client, learner):
        client.force_login(learner)
        assert client.get("/admin/opportunities/opportunity/import/").status_code == 302
