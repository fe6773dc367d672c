"""The shared streaming Excel writer (mentorship/xlsx.py)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from mentorship.xlsx import Column, Link, Sheet, sanitize_cell, write_xlsx, xlsx_response


@pytest.mark.parametrize(
    "value",
    ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\r=evil", '=HYPERLINK("http://x","y")'],
)
def test_formula_triggers_are_neutralised(value):
    assert sanitize_cell(value) == "'" + value


def test_plain_text_numbers_and_dates_pass_through():
    assert sanitize_cell("Dr. Ada") == "Dr. Ada"
    assert sanitize_cell(-3) == -3
    assert sanitize_cell(Decimal("1.5")) == Decimal("1.5")
    assert sanitize_cell(True) is True
    assert sanitize_cell(None) is None
    assert sanitize_cell(datetime.date(2026, 1, 2)) == datetime.date(2026, 1, 2)


def test_illegal_control_characters_are_stripped_and_length_capped():
    assert sanitize_cell("a\x00b\x07c") == "abc"
    assert len(sanitize_cell("x" * 40000)) == 32767


def test_characters_xml_cannot_hold_are_stripped_so_the_file_can_be_written():
    text = "a\uffffb\ufffec\ud800d\U0001f600"
    assert sanitize_cell(text) == "abcd\U0001f600"
    handle = io.BytesIO()
    write_xlsx(handle, [Sheet("S\uffff", ["h\ufffe"], [[text, Link("https://x.example/\uffff")]])])
    ws = load_workbook(handle).active
    assert [c.value for c in ws[2]] == ["abcd\U0001f600", "https://x.example/"]


def test_aware_datetimes_become_local_naive_ones():
    moment = timezone.now()
    assert sanitize_cell(moment) == timezone.make_naive(moment)


def test_lists_are_joined_and_sanitised():
    assert sanitize_cell(["=a", "b"]) == "'=a; b"


def test_the_workbook_has_a_bold_frozen_header_autofilter_widths_and_typed_cells():
    buffer = io.BytesIO()
    rows = (
        [f"=cmd{i}", i, datetime.date(2026, 1, i + 1), Link("https://example.org/", "site")] for i in range(3)
    )
    count = write_xlsx(
        buffer,
        [Sheet("Export: one/two", [Column("Name", width=40), "Count", "Date", "Link"], rows)],
    )
    assert count == 3
    ws = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert ws.title == "Export  one two"
    assert [c.value for c in ws[1]] == ["Name", "Count", "Date", "Link"]
    assert ws["A1"].font.b
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:D4"
    assert ws.column_dimensions["A"].width == 40
    assert ws["A2"].value == "'=cmd0" and ws["A2"].data_type == "s"
    assert ws["B3"].value == 1
    assert ws["C2"].value == datetime.datetime(2026, 1, 1) and ws["C2"].is_date
    assert ws["D2"].hyperlink.target == "https://example.org/"


def test_an_empty_sheet_still_has_its_header_and_a_response_streams_it():
    response = xlsx_response([Sheet("Empty", ["A"], [])], filename="empty.xlsx")
    data = b"".join(response.streaming_content)
    assert response["Content-Disposition"] == 'attachment; filename="empty.xlsx"'
    ws = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in ws[1]] == ["A"] and ws.max_row == 1
