"""Odd or hostile input to the database's pages, export, suggestion form and
import: a clear answer (the list, a message, a 4xx), never a 500."""

import io
import re
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import Workbook, load_workbook

from opportunities.importer import ImportFileError
from opportunities.models import Opportunity, Suggestion
from opportunities.services.imports import opportunity_import
from opportunities.services.suggestions import suggestion_approve

from .factories import make_opportunity
from .test_suggestions import form_data

pytestmark = pytest.mark.django_db

HUGE = "mentor " * 20_000


@pytest.fixture
def entries(learner_types):
    return [
        make_opportunity(name="CMA Mentorship", host_name="Canadian Medical Association"),
        make_opportunity(name="Surgery Summer", host_name="Department of Surgery"),
    ]


class TestOddQueryStrings:
    @pytest.mark.parametrize(
        "query",
        [
            "kind=nonsense&host_type=%3Cscript%3E&deadline=tomorrow&format=1",
            "sort=name;DROP TABLE opportunities_opportunity",
            "sort=-&sort=--name",
            "sort=pk",
            "page=abc",
            "page=999999",
            "page=-1",
            "page=1e9",
            f"q={HUGE}",
            "q=%00",
            "q=cma%00mentor",
            "host=%00",
            "host=Department+of+Surgery%00",
            "specialty=%00Psych",
            "learners=MD1%00",
            "kind=formal%00",
            "q=%EF%BF%BF%F0%9F%98%80",
        ],
    )
    def test_the_list_and_the_export_answer_without_an_error(self, client, learner, entries, query):
        client.force_login(learner)
        response = client.get(f"/database/?{query}")
        assert response.status_code == 200
        export = client.get(f"/database/export.xlsx?{query}")
        assert export.status_code == 200
        load_workbook(io.BytesIO(b"".join(export.streaming_content)))

    def test_a_page_past_the_end_shows_the_last_page(self, client, learner, entries):
        client.force_login(learner)
        response = client.get("/database/?page=999999")
        assert response.context["page"].number == 1
        assert [o.name for o in response.context["page"]] == ["CMA Mentorship", "Surgery Summer"]

    @pytest.mark.parametrize("sort", ["--name", "-", "name;DROP", "-pk", "password"])
    def test_a_sort_that_is_not_a_column_falls_back_to_the_name(self, client, learner, entries, sort):
        client.force_login(learner)
        response = client.get("/database/", {"sort": sort, "kind": "formal"})
        assert response.context["view"].sort == "name"
        assert '<option value="name" selected>Name (A to Z)</option>' in response.content.decode()

    def test_a_nul_character_in_a_host_is_dropped(self, client, learner, entries):
        client.force_login(learner)
        response = client.get("/database/?host=Department+of+Surgery%00")
        assert [o.name for o in response.context["page"]] == ["Surgery Summer"]

    def test_an_unknown_export_id_is_404_not_an_error(self, client, learner, entries):
        client.force_login(learner)
        assert client.get("/database/exports/not-a-uuid/").status_code == 404
        assert client.get("/database/999999/").status_code == 404
        assert client.get("/database/999999/suggest/").status_code == 404


class TestSuggestionInput:
    def test_what_was_typed_is_kept_with_a_message_beside_each_mistake(self, client, learner, learner_types):
        client.force_login(learner)
        response = client.post(
            "/database/suggest/",
            form_data(
                website="not a web address",
                contact_email="nobody",
                deadline="31/31/2027",
                other_specialties="x" * 121,
                description="Kept as typed",
            ),
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert "Enter a valid URL." in html
        assert "Enter a valid email address." in html
        assert "Enter a valid date." in html
        assert "A specialty name can be at most 120 characters" in html
        assert 'value="not a web address"' in html and "Kept as typed" in html
        assert not Suggestion.objects.exists()

    def test_html_is_stored_as_text_and_shown_escaped(
        self, client, learner, staff, learner_types, mailoutbox, django_capture_on_commit_callbacks
    ):
        script = "<script>alert(1)</script>"
        client.force_login(learner)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/database/suggest/",
                form_data(name=f"Evil {script}", message=script, is_rolling=None),
            )
        assert response.status_code == 302
        suggestion = Suggestion.objects.get()
        assert suggestion.proposed["name"] == f"Evil {script}" and suggestion.message == script
        html_email = mailoutbox[0].alternatives[0][0]
        assert script not in html_email and "&lt;script&gt;" in html_email

        client.force_login(staff)
        page = client.get(f"/admin/opportunities/suggestion/{suggestion.pk}/change/").content.decode()
        assert script not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page

        opportunity = suggestion_approve(suggestion_id=suggestion.pk, reviewer=staff)
        assert opportunity.name == f"Evil {script}"
        client.force_login(learner)
        for url in ("/database/", opportunity.get_absolute_url()):
            html = client.get(url).content.decode()
            assert script not in html and "Evil &lt;script&gt;" in html

    def test_a_post_without_the_csrf_token_is_refused(self, learner, learner_types):
        csrf_client = Client(enforce_csrf_checks=True)
        csrf_client.force_login(learner)
        response = csrf_client.post("/database/suggest/", form_data())
        assert response.status_code == 403
        assert not Suggestion.objects.exists()

    def test_an_unknown_choice_or_id_is_a_message_not_an_error(self, client, learner, learner_types):
        client.force_login(learner)
        response = client.post(
            "/database/suggest/",
            form_data(
                kind="nonsense",
                specialties=["abc", "999999"],
                eligible_learners=["1 OR 1=1"],
                name="Nul\x00name",
            ),
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert "Select a valid choice." in html and "Null characters are not allowed." in html
        assert not Suggestion.objects.exists()


def workbook_bytes(*rows, sheets=None) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    for title in sheets or []:
        wb.create_sheet(title)
    handle = io.BytesIO()
    wb.save(handle)
    return handle.getvalue()


HEADER = ["Opportunity Name", "Type of Opportunity", "Host / Organization", "Host type"]


class TestMalformedImports:
    @pytest.mark.parametrize(
        "content",
        [
            b"",
            b"not a workbook at all",
            b"Opportunity Name,Type of Opportunity,Host\nA,Formal,B\n",  # a CSV renamed .xlsx
            b"PK\x03\x04" + b"\x00" * 100,  # a broken zip
        ],
        ids=["empty", "text", "csv", "broken-zip"],
    )
    def test_a_file_that_is_not_a_workbook_is_a_clear_error(self, learner_types, content):
        with pytest.raises(ImportFileError, match="cannot be read as an Excel workbook"):
            opportunity_import(source=io.BytesIO(content))

    def test_an_empty_workbook_or_one_without_a_header_is_a_clear_error(self, learner_types):
        for content in (workbook_bytes(), workbook_bytes(["Just", "words"], sheets=["Other"])):
            with pytest.raises(ImportFileError, match="No header row found"):
                opportunity_import(source=io.BytesIO(content))

    def test_a_header_with_no_rows_imports_nothing(self, learner_types):
        report = opportunity_import(source=io.BytesIO(workbook_bytes(HEADER)))
        assert report.rows == [] and not Opportunity.objects.exists()

    def test_an_overlong_name_refuses_its_row_and_other_overlong_cells_are_left_out(self, learner_types):
        content = workbook_bytes(
            [*HEADER, "Specialty", "Contact email", "Description"],
            ["N" * 201, "Formal", "Host", "Department", None, None, None],
            ["Long specialty", "Formal", "Host", "Department", "S" * 121 + "; Surgery", None, None],
            ["Long email", "Formal", "Host", "Department", None, "a" * 250 + "@example.org", None],
            ["Long text is fine", "Formal", "Host", "Department", None, None, "d" * 30_000],
        )
        report = opportunity_import(source=io.BytesIO(content))
        assert [(r.number, r.details) for r in report.refused] == [
            (2, ["the name is longer than 200 characters"]),
        ]
        warnings = {r.number: r.warnings for r in report.rows}
        assert warnings[3] == ["a specialty is longer than 120 characters: “" + "S" * 40 + "…” left out"]
        assert warnings[4] == ["the contact email is longer than 254 characters: left out"]
        assert Opportunity.objects.get(name="Long text is fine").description == "d" * 30_000
        long_specialty = Opportunity.objects.get(name="Long specialty")
        assert [s.name for s in long_specialty.specialties.all()] == ["Surgery"]
        assert Opportunity.objects.get(name="Long email").contact_email == ""

    @pytest.mark.parametrize(
        ("name", "content", "message"),
        [
            ("empty.xlsx", b"", "The submitted file is empty."),
            ("data.csv.xlsx", b"Opportunity Name,Host\nA,B\n", "cannot be read as an Excel workbook"),
            ("data.csv", b"Opportunity Name,Host\nA,B\n", "Upload the spreadsheet as an Excel .xlsx file."),
            ("blank.xlsx", workbook_bytes(), "No header row found"),
        ],
    )
    def test_the_admin_shows_the_reason_on_the_form(
        self, client, staff, learner_types, name, content, message
    ):
        client.force_login(staff)
        upload = io.BytesIO(content)
        upload.name = name
        response = client.post("/admin/opportunities/opportunity/import/", {"file": upload})
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not Opportunity.objects.exists()

    def test_the_admin_import_needs_the_csrf_token(self, staff, learner_types):
        csrf_client = Client(enforce_csrf_checks=True)
        csrf_client.force_login(staff)
        upload = io.BytesIO(workbook_bytes(HEADER, ["A", "Formal", "Host", "Department"]))
        upload.name = "data.xlsx"
        response = csrf_client.post("/admin/opportunities/opportunity/import/", {"file": upload})
        assert response.status_code == 403


# --- Hostile workbooks: each refused before it is parsed, or read in bounded
# memory. Built by rewriting a small real workbook's parts.

SHEET = "xl/worksheets/sheet1.xml"
SMALL = [HEADER, ["Kept", "Formal", "Host", "Department"], ["Also kept", "Summer", "Host", "Department"]]


def repack(content: bytes, *, replace=None, add=None) -> bytes:
    """The workbook with some parts rewritten (name → bytes or a function of
    the old bytes) and others added (name → bytes or an iterable of chunks)."""
    replace, add = replace or {}, add or {}
    source = zipfile.ZipFile(io.BytesIO(content))
    handle = io.BytesIO()
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            new = replace.get(item.filename, data)
            target.writestr(item.filename, new(data) if callable(new) else new)
        for name, data in add.items():
            with target.open(name, "w", force_zip64=True) as part:
                for chunk in [data] if isinstance(data, bytes) else data:
                    part.write(chunk)
    return handle.getvalue()


def in_sheet_data(extra: str, after_sheet_data: str = ""):
    def rewrite(xml: bytes) -> bytes:
        text = xml.decode()
        return text.replace("</sheetData>", extra + "</sheetData>" + after_sheet_data).encode()

    return rewrite


def zip_bomb() -> bytes:
    # 200 MB of zeros that pack into about 200 KB.
    return repack(workbook_bytes(*SMALL), add={"xl/media/image1.bin": (b"\0" * 2**20 for _ in range(200))})


def ratio_bomb() -> bytes:
    return repack(workbook_bytes(*SMALL), add={"xl/media/image1.bin": b"\0" * 5 * 2**20})


def too_many_parts() -> bytes:
    return repack(workbook_bytes(*SMALL), add={f"xl/media/image{n}.png": b"x" for n in range(1100)})


def macro_workbook() -> bytes:
    return repack(
        workbook_bytes(*SMALL),
        replace={
            "[Content_Types].xml": lambda xml: xml.replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml")
        },
        add={"xl/vbaProject.bin": b'Attribute VB_Name = "Module1"\nSub AutoOpen()\nEnd Sub\n'},
    )


def encrypted_workbook() -> bytes:
    # What Excel writes for a password-protected workbook: an OLE compound
    # file holding EncryptionInfo and EncryptedPackage streams.
    directory = "EncryptionInfo".encode("utf-16-le") + b"\0" * 50 + "EncryptedPackage".encode("utf-16-le")
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1000 + directory + b"\0" * 3000


def old_xls() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "Workbook".encode("utf-16-le") + b"\0" * 500


def merge_bomb() -> bytes:
    merges = "".join(f'<mergeCell ref="A{n + 4}:XFD{n + 1_048_000}"/>' for n in range(3000))
    return repack(
        workbook_bytes(*SMALL),
        replace={SHEET: in_sheet_data("", f'<mergeCells count="3000">{merges}</mergeCells>')},
    )


def too_many_rows() -> bytes:
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>Row {n}</t></is></c>'
        f'<c r="C{n}" t="inlineStr"><is><t>Host</t></is></c></row>'
        for n in range(4, 5105)
    )
    return repack(workbook_bytes(*SMALL), replace={SHEET: in_sheet_data(rows)})


BOMBS = {
    "zip bomb": (zip_bomb, "unpacks to 200 MB, more than the 50 MB"),
    "compression ratio": (ratio_bomb, "refused as a possible zip bomb"),
    "too many parts": (too_many_parts, "This file holds 1,1"),
    "macros": (macro_workbook, "This workbook contains macros (an .xlsm file)"),
    "encrypted": (encrypted_workbook, "This workbook is protected by a password"),
    "old xls": (old_xls, "This is an older Excel file (.xls)"),
    "merge bomb": (merge_bomb, "more than 2,000 merged cell ranges"),
    "too many rows": (too_many_rows, "more than 5,000 rows of data"),
}


def with_bad_cell(cell: str):
    """The small workbook with one more row holding a cell openpyxl cannot read."""
    return lambda: repack(workbook_bytes(*SMALL), replace={SHEET: in_sheet_data(f'<row r="4">{cell}</row>')})


MALFORMED_CELLS = {
    "letters in a number cell": '<c r="A4"><v>abc</v></c>',
    "a date that is not one": '<c r="A4" t="d"><v>notadate</v></c>',
    "a column past XFD": '<c r="ZZZZZZ4" t="inlineStr"><is><t>x</t></is></c>',
    "a shared string that is not there": '<c r="A4" t="s"><v>9999</v></c>',
}


class TestMalformedCells:
    @pytest.mark.parametrize("kind", MALFORMED_CELLS)
    def test_the_admin_says_the_file_cannot_be_read(self, client, staff, learner_types, settings, kind):
        client.force_login(staff)
        upload = io.BytesIO(with_bad_cell(MALFORMED_CELLS[kind])())
        upload.name = "database.xlsx"
        response = client.post("/admin/opportunities/opportunity/import/", {"file": upload})
        assert response.status_code == 200
        assert "cannot be read" in response.content.decode()
        assert not Opportunity.objects.exists()
        assert not any(Path(settings.MEDIA_ROOT, "imports").iterdir())

    @pytest.mark.parametrize("kind", MALFORMED_CELLS)
    def test_the_command_says_so_too(self, tmp_path, learner_types, kind):
        path = tmp_path / "database.xlsx"
        path.write_bytes(with_bad_cell(MALFORMED_CELLS[kind])())
        with pytest.raises(CommandError, match="cannot be read"):
            call_command("import_opportunities", str(path))
        assert not Opportunity.objects.exists()


class TestHostileWorkbooks:
    @pytest.mark.parametrize("kind", BOMBS)
    def test_the_admin_shows_why_and_writes_nothing(self, client, staff, learner_types, settings, kind):
        build, message = BOMBS[kind]
        client.force_login(staff)
        upload = io.BytesIO(build())
        upload.name = "database.xlsm" if kind == "macros" else "database.xlsx"
        response = client.post("/admin/opportunities/opportunity/import/", {"file": upload})
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not Opportunity.objects.exists()
        assert not any(Path(settings.MEDIA_ROOT, "imports").iterdir())  # the upload is not kept

    @pytest.mark.parametrize("kind", BOMBS)
    def test_the_command_fails_with_the_reason_and_writes_nothing(self, tmp_path, learner_types, kind):
        build, message = BOMBS[kind]
        path = tmp_path / "database.xlsx"
        path.write_bytes(build())
        with pytest.raises(CommandError, match=re.escape(message)):
            call_command("import_opportunities", str(path))
        assert not Opportunity.objects.exists()

    def test_the_limits_are_settings(self, learner_types, settings):
        settings.IMPORT_MAX_ROWS = 1
        with pytest.raises(ImportFileError, match="more than 1 rows of data"):
            opportunity_import(source=io.BytesIO(workbook_bytes(*SMALL)))
        settings.IMPORT_MAX_ROWS = 2
        assert opportunity_import(source=io.BytesIO(workbook_bytes(*SMALL))).counts["create"] == 2

    def test_100000_formatted_empty_rows_are_not_data_and_memory_stays_small(self, learner_types):
        empty = "".join(
            f'<row r="{n}" s="0" customFormat="1" ht="15" customHeight="1"><c r="A{n}" s="0"/><c r="B{n}" s="0"/></row>'
            for n in range(4, 100_004)
        )
        content = repack(
            workbook_bytes(*SMALL),
            replace={
                SHEET: lambda xml: in_sheet_data(empty)(xml).replace(
                    b'<dimension ref="A1:D3"/>', b'<dimension ref="A1:D100003"/>'
                )
            },
        )
        tracemalloc.start()
        try:
            report = opportunity_import(source=io.BytesIO(content))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert report.counts["create"] == 2 and len(report.rows) == 2
        assert Opportunity.objects.count() == 2
        assert peak < 40 * 2**20, f"peak {peak / 2**20:.0f} MB"

    def test_huge_merged_ranges_under_the_limit_are_not_expanded(self, learner_types):
        # 1,000 ranges of a million cells each: expanding them would take
        # gigabytes; the importer only looks them up.
        merges = "".join(f'<mergeCell ref="E{n + 5}:XFD{n + 1_000_000}"/>' for n in range(1000))
        content = repack(
            workbook_bytes(*SMALL),
            replace={SHEET: in_sheet_data("", f'<mergeCells count="1000">{merges}</mergeCells>')},
        )
        tracemalloc.start()
        try:
            report = opportunity_import(source=io.BytesIO(content))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert report.counts["create"] == 2
        assert peak < 40 * 2**20, f"peak {peak / 2**20:.0f} MB"


def test_a_hyperlink_on_no_readable_cell_is_ignored(learner_types):
    """A tampered workbook's link reference that names no cell: the rows still
    import, the link is dropped, and nothing raises."""
    wb = Workbook()
    for row in SMALL:
        wb.active.append(row)
    wb.active["A2"].hyperlink = "https://kept.example.org/"
    handle = io.BytesIO()
    wb.save(handle)
    content = repack(
        handle.getvalue(), replace={SHEET: lambda xml: xml.replace(b'ref="A2"', b'ref="NOT A CELL"')}
    )
    assert b"NOT A CELL" in zipfile.ZipFile(io.BytesIO(content)).read(SHEET)
    report = opportunity_import(source=io.BytesIO(content))
    assert report.counts["create"] == 2
    assert Opportunity.objects.get(name="Kept").website == ""
