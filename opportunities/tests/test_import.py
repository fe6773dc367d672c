import datetime
import io
import os
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from opportunities.importer import ImportFileError
from opportunities.models import Format, HostType, Kind, Opportunity, OpportunityChange
from opportunities.services.history import opportunity_snapshot
from opportunities.services.imports import opportunity_import
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
    @pytest.fixture(autouse=True)
    def _no_specialties(self, db):
        """Start from no specialties (the migration made the standard list),
        so the tests see the importer create the ones it does not know."""
        Specialty.objects.all().delete()

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

        from opportunities.services import imports

        original = imports.opportunity_apply
        monkeypatch.setattr(imports, "opportunity_apply", fail_on_third)
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

    def test_a_file_exported_before_with_apostrophes_imports_as_typed(self, learner_types):
        # Exports before issue 16 wrote "'=SUM(1,2)" for "=SUM(1,2)"; those
        # files still import to the text people typed. Today's exports write
        # the text as it is (see test_an_exported_file_imports_back_...).
        workbook = Workbook()
        ws = workbook.active
        ws.append(["Name", "Kind", "Host", "Description", "Cost"])
        ws.append(["'=SUM(1,2)", "Summer opportunity", "'-Sunnybrook", "'@mention +plus", "'quoted"])
        handle = io.BytesIO()
        workbook.save(handle)
        handle.seek(0)
        opportunity_import(source=handle)
        entry = Opportunity.objects.get()
        assert (entry.name, entry.host_name, entry.description) == (
            "=SUM(1,2)",
            "-Sunnybrook",
            "@mention +plus",
        )
        assert entry.cost == "'quoted"  # an apostrophe before ordinary text is the text's own


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
            "5 created, 0 updated, 0 unchanged, 1 repeated row combined, 1 refused, 1 row with warnings."
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


def sheet_bytes(*rows) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    handle = io.BytesIO()
    wb.save(handle)
    return handle.getvalue()


VOCAB_HEADER = ["Name", "Kind", "Host", "Host type", "Eligible learners", "Deadline"]


def import_one(**cells):
    """Import one row (the cells by VOCAB_HEADER's field names); its report row."""
    row = {"name": "A", "kind": "Formal", "host": "Host", "host_type": "Department"} | cells
    values = [row.get(h.lower().replace(" ", "_")) for h in VOCAB_HEADER]
    report = opportunity_import(source=io.BytesIO(sheet_bytes(VOCAB_HEADER, values)))
    [result] = report.rows
    return result


class TestVocabulary:
    @pytest.mark.parametrize(
        ("text", "codes"),
        [
            ("PGY1-2", ["PGY1", "PGY2"]),
            ("PGY 1-2", ["PGY1", "PGY2"]),
            ("MD 1-2", ["MD1", "MD2"]),
            ("MD1-4", ["MD1", "MD2", "MD3", "MD4"]),
            ("MD1–4", ["MD1", "MD2", "MD3", "MD4"]),  # an en dash
            ("All MD", ["MD1", "MD2", "MD3", "MD4"]),
            ("PT/OT/SLP", ["OT", "PT", "SLP"]),
            ("MD3/MD4", ["MD3", "MD4"]),
            ("MD 3/4", ["MD3", "MD4"]),
            ("Years 1-2", ["MD1", "MD2"]),
            ("Residents", ["PGY1", "PGY2", "RES"]),
            ("Clerks", ["MD3", "MD4"]),
            ("Pre-clerkship", ["MD1", "MD2"]),
            ("First-year medical students", ["MD1"]),
            ("MD students, residents", ["MD1", "MD2", "MD3", "MD4", "PGY1", "PGY2", "RES"]),
            ("MD1 and PGY1-2; Faculty", ["FAC", "MD1", "PGY1", "PGY2"]),
            ("Clinician / faculty", ["FAC"]),
        ],
    )
    def test_ranges_and_groups_of_learners(self, learner_types, text, codes):
        result = import_one(eligible_learners=text)
        assert result.warnings == []
        assert sorted(t.code for t in Opportunity.objects.get().eligible_learners.all()) == codes

    @pytest.mark.parametrize(
        ("text", "kind"),
        [
            ("program", Kind.FORMAL),
            ("Mentorship program", Kind.FORMAL),
            ("list", Kind.INFORMAL),
            ("Event series", Kind.INFORMAL),
            ("Informal connection source", Kind.INFORMAL),
            ("summer", Kind.SUMMER),
            ("Summer research", Kind.SUMMER),
        ],
    )
    def test_kinds_by_their_synonyms(self, learner_types, text, kind):
        assert import_one(kind=text).warnings == []
        assert Opportunity.objects.get().kind == kind

    @pytest.mark.parametrize(
        ("host", "host_type", "expected"),
        [
            ("Sunnybrook", "Sunnybrook", HostType.HOSPITAL),
            ("Toronto Western", "TAHSN site", HostType.HOSPITAL),
            ("Surgery", "Dept.", HostType.DEPARTMENT),
            ("Canadian Society of Surgeons", "Society", HostType.ASSOCIATION),
            ("CMA", "Association", HostType.ASSOCIATION),
            ("Surgery IG", "Interest group", HostType.LEARNER_GROUP),
            ("Sunnybrook Health Sciences Centre", None, HostType.HOSPITAL),  # from the host's name
            ("Office of Learner Affairs", None, HostType.PROGRAM),
        ],
    )
    def test_host_types_by_their_synonyms(self, learner_types, host, host_type, expected):
        assert import_one(host=host, host_type=host_type).warnings == []
        assert Opportunity.objects.get().host_type == expected

    def test_an_unknown_host_type_becomes_other_with_a_warning(self, learner_types, client, learner):
        result = import_one(host="Widget Corp", host_type="Corporate sponsor")
        assert result.action == "create"
        assert result.warnings == ["the host type “Corporate sponsor” is not known: a new entry gets “Other”"]
        entry = Opportunity.objects.get()
        assert entry.host_type == HostType.OTHER
        # The database's filters and export know "Other".
        client.force_login(learner)
        response = client.get("/database/", {"host_type": "other"})
        assert [o.name for o in response.context["page"]] == ["A"]
        assert "Other" in response.content.decode()
        assert client.get("/database/export.xlsx", {"host_type": "other"}).status_code == 200

    @pytest.mark.parametrize(
        ("text", "deadline", "precision", "rolling"),
        [
            ("March 2027", datetime.date(2027, 3, 31), "month", False),
            ("Mar 2027", datetime.date(2027, 3, 31), "month", False),
            ("03/2027", datetime.date(2027, 3, 31), "month", False),
            ("Feb 2028", datetime.date(2028, 2, 29), "month", False),
            ("March 15, 2027", datetime.date(2027, 3, 15), "day", False),
            ("Sept. 15th, 2027", datetime.date(2027, 9, 15), "day", False),
            ("Rolling", None, "day", True),
            ("Ongoing", None, "day", True),
            ("Open until filled", None, "day", True),
            ("TBD", None, "day", False),
        ],
    )
    def test_deadlines_days_months_and_rolling(self, learner_types, text, deadline, precision, rolling):
        assert import_one(deadline=text).warnings == []
        entry = Opportunity.objects.get()
        assert (entry.deadline, entry.deadline_precision, entry.is_rolling) == (deadline, precision, rolling)

    def test_a_month_deadline_is_shown_and_exported_as_the_month_and_imports_back(
        self, learner_types, client, learner, tmp_path
    ):
        import_one(deadline="March 2027")
        entry = Opportunity.objects.get()
        client.force_login(learner)
        detail = client.get(entry.get_absolute_url()).content.decode()
        assert '<time datetime="2027-03">March 2027</time>' in detail and "March 31" not in detail
        listing = client.get("/database/").content.decode()
        assert '<time datetime="2027-03">Mar 2027</time>' in listing
        export = b"".join(client.get("/database/export.xlsx").streaming_content)
        before = opportunity_snapshot(entry)
        report = opportunity_import(source=io.BytesIO(export), dry_run=True)
        assert report.counts["unchanged"] == 1
        Opportunity.objects.all().delete()
        opportunity_import(source=io.BytesIO(export))
        assert opportunity_snapshot(Opportunity.objects.get()) == before

    def test_bad_cells_are_warnings_and_the_row_is_kept(self, learner_types):
        header = ["Name", "Kind", "Host", "Host type", "Website", "Contact email", "Format", "Published"]
        content = sheet_bytes(
            header,
            ["Kept", "Something else", None, None, "not a url", "nobody", "by pigeon", "maybe"],
        )
        [row] = opportunity_import(source=io.BytesIO(content)).rows
        assert row.action == "create"
        assert row.warnings == [
            "the host is missing: imported as “Unknown host”, to be corrected",
            "the kind “Something else” is not known: a new entry becomes “Formal program”",
            "the host type is missing: a new entry gets “Other”",
            "the format “by pigeon” is not in person, virtual or both: left out",
            "the website “https://not a url” is not a web address: left out",
            "the contact email “nobody” is not one email address: left out",
            "published “maybe” is not yes or no: left out",
        ]
        entry = Opportunity.objects.get()
        assert (entry.host_name, entry.kind, entry.host_type) == ("Unknown host", Kind.FORMAL, HostType.OTHER)
        assert (entry.website, entry.contact_email, entry.format) == ("", "", "")

    def test_a_bad_cell_leaves_an_existing_records_value_alone(self, learner_types):
        make_opportunity(
            name="A",
            host_name="Host",
            kind=Kind.SUMMER,
            host_type=HostType.HOSPITAL,
            deadline=datetime.date(2027, 1, 1),
        )
        result = import_one(kind="???", host_type="???", deadline="soonish")
        assert result.action == "unchanged" and len(result.warnings) == 3
        entry = Opportunity.objects.get()
        assert (entry.kind, entry.host_type, entry.deadline) == (
            Kind.SUMMER,
            HostType.HOSPITAL,
            datetime.date(2027, 1, 1),
        )


class TestPreview:
    def test_an_update_shows_old_and_new_values(self, learner_types, client, staff):
        make_opportunity(name="A", host_name="Host", kind=Kind.FORMAL, deadline=datetime.date(2027, 1, 15))
        content = sheet_bytes(VOCAB_HEADER, ["A", "Summer", "Host", "Department", "MD1-2", "March 2027"])
        report = opportunity_import(source=io.BytesIO(content), dry_run=True)
        [row] = report.rows
        assert row.action == "update"
        assert ("kind", "Formal program", "Summer opportunity") in row.changes
        assert ("deadline", "January 15, 2027", "March 2027") in row.changes
        client.force_login(staff)
        upload = io.BytesIO(content)
        upload.name = "db.xlsx"
        html = client.post("/admin/opportunities/opportunity/import/", {"file": upload}).content.decode()
        assert "<td>Formal program</td>" in html and "<td>Summer opportunity</td>" in html
        assert "<td>March 2027</td>" in html

    def test_a_new_row_shows_its_parsed_values(self, learner_types, client, staff):
        content = sheet_bytes(VOCAB_HEADER, ["New one", "list", "Sunnybrook", None, "PT/OT/SLP", "Rolling"])
        client.force_login(staff)
        upload = io.BytesIO(content)
        upload.name = "db.xlsx"
        html = client.post("/admin/opportunities/opportunity/import/", {"file": upload}).content.decode()
        for text in ("Informal connection source", "Hospital site", "PT; OT; SLP", "<dt>Rolling</dt>"):
            assert text in html


class TestPublishOrDraft:
    def test_the_command_keeps_new_entries_as_drafts(self, messy, capsys):
        existing = make_opportunity(name="CMA Mentorship", host_name="Canadian Medical Association")
        call_command("import_opportunities", str(messy), "--draft")
        assert "4 created as drafts" in capsys.readouterr().out
        assert not Opportunity.objects.exclude(pk=existing.pk).filter(is_published=True).exists()
        existing.refresh_from_db()
        assert existing.is_published  # an existing entry keeps its state

    def test_the_command_publishes_by_default(self, messy):
        call_command("import_opportunities", str(messy), "--publish")
        assert Opportunity.objects.filter(is_published=True).count() == 5

    def test_the_admin_confirm_can_keep_drafts(self, client, staff, messy):
        client.force_login(staff)
        with open(messy, "rb") as handle:
            response = client.post("/admin/opportunities/opportunity/import/", {"file": handle})
        assert "Keep new entries as drafts" in response.content.decode()
        token = response.context["token"]
        response = client.post(
            "/admin/opportunities/opportunity/import/", {"token": token, "publish": "draft"}, follow=True
        )
        assert "5 created as drafts" in response.content.decode()
        assert Opportunity.objects.count() == 5 and not Opportunity.objects.filter(is_published=True).exists()

    def test_a_confirm_without_a_choice_asks_again_and_writes_nothing(self, client, staff, messy):
        client.force_login(staff)
        with open(messy, "rb") as handle:
            token = client.post("/admin/opportunities/opportunity/import/", {"file": handle}).context["token"]
        response = client.post("/admin/opportunities/opportunity/import/", {"token": token}, follow=True)
        assert "Choose whether new entries are published" in response.content.decode()
        assert not Opportunity.objects.exists()


class TestTemplateWorkbook:
    def test_it_is_linked_from_the_import_page_and_downloads(self, client, staff, learner_types):
        client.force_login(staff)
        page = client.get("/admin/opportunities/opportunity/import/").content.decode()
        assert 'href="/admin/opportunities/opportunity/import/template.xlsx"' in page
        response = client.get("/admin/opportunities/opportunity/import/template.xlsx")
        assert response.status_code == 200
        content = b"".join(response.streaming_content)
        wb = load_workbook(io.BytesIO(content))
        assert wb.sheetnames == ["Opportunities", "Accepted values"]
        accepted = {row[0]: row[1] for row in wb["Accepted values"].iter_rows(min_row=2, values_only=True)}
        assert "PGY1-2" in accepted["Eligible learners"] and "March 2027" in accepted["Deadline"]
        assert "summer research" in accepted["Kind"] and "Sunnybrook" in accepted["Host type"]

        report = opportunity_import(source=io.BytesIO(content))
        [row] = report.rows
        assert row.action == "create" and row.warnings == []
        example = Opportunity.objects.get()
        assert example.deadline_text == "March 2027" and not example.is_published
        assert sorted(t.code for t in example.eligible_learners.all()) == ["MD1", "MD2", "PGY1", "PGY2"]

    def test_without_its_example_row_it_imports_nothing_cleanly(self, learner_types, tmp_path):
        from mentorship.xlsx import write_xlsx
        from opportunities.exports import import_template_sheets

        path = tmp_path / "template.xlsx"
        write_xlsx(path, import_template_sheets(example=False))
        report = opportunity_import(source=str(path))
        assert report.rows == [] and report.sheet_title == "Opportunities"

    def test_non_staff_cannot_download_it(self, client, learner):
        client.force_login(learner)
        assert client.get("/admin/opportunities/opportunity/import/template.xlsx").status_code == 302


class TestUnconfirmedUploads:
    def test_they_are_deleted_after_a_day(self, settings, staff, client, messy):
        from opportunities.tasks import delete_stale_import_uploads

        client.force_login(staff)
        with open(messy, "rb") as handle:
            client.post("/admin/opportunities/opportunity/import/", {"file": handle})
        uploads = Path(settings.MEDIA_ROOT, "imports")
        [fresh] = uploads.iterdir()
        old = uploads / ("0" * 32 + ".xlsx")
        old.write_bytes(b"x")
        day_ago = time.time() - settings.IMPORT_UPLOAD_RETENTION_HOURS * 3600 - 60
        os.utime(old, (day_ago, day_ago))
        assert delete_stale_import_uploads.apply().get() == 1
        assert list(uploads.iterdir()) == [fresh]
        assert "opportunities.tasks.delete_stale_import_uploads" in {
            entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
        }


def office_workbook(path):
    """A workbook as messy as the office's: a notes sheet first, a merged
    title, a "Last updated" line, headers in other words, merged section
    headings, merged host cells, blank rows, a duplicate, formula-looking
    text, HYPERLINK formulas and hyperlink cells, the office's vocabulary,
    bad cells, and formatted empty rows below the data."""
    from openpyxl.styles import PatternFill

    wb = Workbook()
    wb.active.title = "Notes"
    wb.active["A1"] = "Notes for staff: do not sort this sheet."
    ws = wb.create_sheet("Mentorship Database")
    ws["A1"] = "OLA Learner Mentorship Database 2026-27"
    ws.merge_cells("A1:L1")
    ws["A2"] = "Last updated: Sept 2026"
    header = [
        "Program Name",
        "Type",
        "Hosted by",
        "Type of host",
        "Specialty/ies",
        "Who can join",
        "Application Deadline",
        "Link",
        "Contact",
        "Cost",
        "In-person / Virtual",
        "Comments",
    ]
    rows = {
        4: header,
        5: ["FORMAL MENTORSHIP PROGRAMS"],
        6: [
            "DMP – Dean's Mentorship Program",
            None,
            "Temerty Faculty of Medicine",
            None,
            "All specialties",
            "PGY1-2",
            "March 2027",
            "Website",
            "DMP@utoronto.ca",
            "Free",
            "Hybrid",
            "flagship",
        ],
        7: [
            "Surgery Mentorship",
            "mentorship program",
            "Dept. of Surgery",
            "Dept.",
            "General Surgery",
            "MD 1-2",
            "Rolling",
            "surgery.example.org",
            "mailto:surg@example.org",
            None,
            "in person",
        ],
        8: ["=Women in Medicine", "Program", "Women's College Hospital", None, None, "MD1-4", "Mar 2027"],
        9: [
            '=HYPERLINK("https://ilead.example.org","iLEAD Mentorship")',
            "formal",
            "Sunnybrook",
            "TAHSN site",
            None,
            "Residents",
            "2027-01-15",
        ],
        # 10: blank
        11: ["Sinai Mentors A", "Formal program", "Sinai Health", "Hospital", None, "Clerks"],
        12: ["Sinai Mentors B", "Formal program", None, None, None, "MD3/MD4"],  # host merged from row 11
        13: [
            "surgery  mentorship",
            "Formal Program",
            "dept. of surgery",
            None,
            None,
            None,
            None,
            None,
            None,
            "$0",
        ],  # the same as row 7
        14: ["SUMMER OPPORTUNITIES"],
        15: [
            "Summer Research Studentship",
            None,
            "Division of Cardiology",
            None,
            "Cardiology",
            "MD1–4",
            "Mar 2027",
        ],
        16: ["Paeds Summer", "summer research", "SickKids", None, "Pediatrics", "Years 1-2", "03/2027"],
        17: ["INFORMAL CONNECTIONS"],
        18: ["Rehab Mentor List", "list", "Clinical Rehab Society", "Society", None, "PT/OT/SLP", "Ongoing"],
        19: [
            "Surgery IG Speaker Series",
            "event series",
            "Surgery Interest Group",
            "Interest group",
            None,
            "All MD",
            "Open until filled",
        ],
        20: [
            "Mystery Mentors",
            "???",
            "Widget Corp",
            "Corporate",
            None,
            "Astronauts",
            "soonish",
            "not a url",
            "not-an-email",
        ],
        21: ["Host-less Mentoring", "program"],
        22: ["@Home Mentors", "list", "Association of Home Physicians", "Association", None, "Faculty"],
    }
    for number, values in rows.items():
        for col, value in enumerate(values, 1):
            ws.cell(number, col, value)
    for heading_row in (5, 14, 17):
        ws.merge_cells(f"A{heading_row}:L{heading_row}")
    ws.merge_cells("C11:C12")
    ws["A8"].data_type = "s"  # text that looks like a formula, as Excel keeps it
    ws["H6"].hyperlink = "https://dmp.example.org"
    ws["A22"].hyperlink = "https://home.example.org"
    grey = PatternFill("solid", fgColor="DDDDDD")
    for number in range(23, 400):
        ws.cell(number, 1).fill = grey
    wb.create_sheet("Pivot")["A1"] = "Count of Program Name"
    wb.save(path)
    return path


OFFICE_NAMES = {
    "DMP – Dean's Mentorship Program",
    "Surgery Mentorship",
    "=Women in Medicine",
    "iLEAD Mentorship",
    "Sinai Mentors A",
    "Sinai Mentors B",
    "Summer Research Studentship",
    "Paeds Summer",
    "Rehab Mentor List",
    "Surgery IG Speaker Series",
    "Mystery Mentors",
    "Host-less Mentoring",
    "@Home Mentors",
}


class TestTheOfficesWorkbook:
    def test_every_distinct_opportunity_arrives(self, tmp_path, learner_types):
        report = opportunity_import(source=str(office_workbook(tmp_path / "office.xlsx")))
        assert report.sheet_title == "Mentorship Database" and report.header_row == 4
        assert report.headings == [
            (5, "FORMAL MENTORSHIP PROGRAMS"),
            (14, "SUMMER OPPORTUNITIES"),
            (17, "INFORMAL CONNECTIONS"),
        ]
        assert report.counts == {"create": 13, "update": 0, "unchanged": 0, "merged": 1, "refused": 0}
        assert set(Opportunity.objects.values_list("name", flat=True)) == OFFICE_NAMES

        def get(name):
            return Opportunity.objects.get(name=name)

        def codes(name):
            return sorted(t.code for t in get(name).eligible_learners.all())

        dmp = get("DMP – Dean's Mentorship Program")
        assert (dmp.kind, dmp.host_type) == (Kind.FORMAL, HostType.PROGRAM)  # from the heading and the host
        assert dmp.website == "https://dmp.example.org" and dmp.contact_email == "dmp@utoronto.ca"
        assert dmp.deadline_text == "March 2027" and dmp.format == Format.BOTH
        assert dmp.last_verified == datetime.date(2026, 9, 1)
        assert codes("DMP – Dean's Mentorship Program") == ["PGY1", "PGY2"]

        surgery = get("Surgery Mentorship")
        assert surgery.cost == "$0" and surgery.is_rolling  # combined with its duplicate
        assert surgery.website == "https://surgery.example.org"
        assert get("=Women in Medicine").host_type == HostType.HOSPITAL
        ilead = get("iLEAD Mentorship")
        assert ilead.website == "https://ilead.example.org" and ilead.host_type == HostType.HOSPITAL
        assert get("Sinai Mentors B").host_name == "Sinai Health"
        assert codes("Sinai Mentors B") == ["MD3", "MD4"]
        summer = get("Summer Research Studentship")
        assert (summer.kind, summer.host_type) == (Kind.SUMMER, HostType.DIVISION)
        assert codes("Summer Research Studentship") == ["MD1", "MD2", "MD3", "MD4"]
        assert codes("Paeds Summer") == ["MD1", "MD2"]
        assert codes("Rehab Mentor List") == ["OT", "PT", "SLP"]
        assert get("Surgery IG Speaker Series").host_type == HostType.LEARNER_GROUP
        mystery = get("Mystery Mentors")
        assert (mystery.kind, mystery.host_type) == (Kind.INFORMAL, HostType.OTHER)  # kind from its section
        assert get("Host-less Mentoring").host_name == "Unknown host"
        assert get("@Home Mentors").website == "https://home.example.org"

        warned = {r.name: r.warnings for r in report.rows if r.warnings}
        assert set(warned) == {"Mystery Mentors", "Host-less Mentoring"}

    def test_importing_it_again_changes_nothing(self, tmp_path, learner_types):
        path = office_workbook(tmp_path / "office.xlsx")
        opportunity_import(source=str(path))
        assert opportunity_import(source=str(path)).counts["unchanged"] == 13
