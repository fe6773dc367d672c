"""The shared streaming Excel writer (mentorship/xlsx.py)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from mentorship.xlsx import Column, Link, Sheet, sanitize_cell, write_xlsx, xlsx_response

TRIGGERS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\r=evil", '=HYPERLINK("http://x","y")']


def written(sheets) -> bytes:
    handle = io.BytesIO()
    write_xlsx(handle, sheets)
    return handle.getvalue()


@pytest.mark.parametrize("value", TRIGGERS)
def test_text_that_looks_like_a_formula_is_a_text_cell_shown_exactly_as_typed(value):
    data = written([Sheet("S", ["Text"], [[value], [[value, "b"]]])])
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["A2"].value == value and ws["A2"].data_type == "s"
    assert ws["A3"].value == f"{value}; b" and ws["A3"].data_type == "s"
    # Excel's own flag for typed text that starts with a trigger: the cell
    # shows no apostrophe, and stays text when edited.
    assert ws["A2"].quotePrefix
    assert not [c for r in ws.iter_rows() for c in r if c.data_type == "f"]
    assert CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()[1] == [value]


def test_sanitising_keeps_text_as_typed():
    assert [sanitize_cell(v) for v in TRIGGERS] == TRIGGERS


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
    assert sanitize_cell(["=a", None, "b\x00"]) == "=a; b"


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
    assert ws["A2"].value == "=cmd0" and ws["A2"].data_type == "s"
    assert ws["B3"].value == 1
    assert ws["C2"].value == datetime.datetime(2026, 1, 1) and ws["C2"].is_date
    assert ws["D2"].hyperlink.target == "https://example.org/"
    assert [ws[f"D{n}"].hyperlink.ref for n in (2, 3, 4)] == ["D2", "D3", "D4"]


def test_links_show_their_address_even_to_readers_of_stored_values():
    rows = [
        [Link("https://example.org/a?b=1&c=2")],
        [Link("mailto:ada@example.org", "ada@example.org")],
        [Link("javascript:alert(1)")],  # not a web or mail address: text, not a link
        [Link("https://example.org/with space")],
    ]
    data = written(
        [Sheet("Links", ["Link"], rows), Sheet("More", ["Link"], [[Link("https://two.example/")]])]
    )
    values = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("Links").to_python()
    assert [r[0] for r in values[1:]] == [
        "https://example.org/a?b=1&c=2",
        "ada@example.org",
        "javascript:alert(1)",
        "https://example.org/with space",
    ]
    workbook = load_workbook(io.BytesIO(data))
    ws = workbook["Links"]
    assert ws["A2"].hyperlink.target == "https://example.org/a?b=1&c=2"
    assert ws["A3"].hyperlink.target == "mailto:ada@example.org"
    assert ws["A4"].hyperlink is None and ws["A5"].hyperlink is None
    assert ws["A2"].font.u == "single" and ws["A2"].font.name == "Calibri"
    assert workbook["More"]["A2"].hyperlink.target == "https://two.example/"


def test_one_font_landscape_fitted_to_width_with_the_header_repeated():
    data = written([Sheet("Data", ["Name", "Link"], [["Ada", Link("https://example.org/")]])])
    ws = load_workbook(io.BytesIO(data)).active
    assert {(c.font.name, c.font.sz) for r in ws.iter_rows() for c in r} == {("Calibri", 11)}
    assert ws["A1"].font.b
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == "$1:$1"
    assert ws.page_margins.left == 0.25 and ws.oddFooter.center.text == "Page &P of &N"


def test_a_sheet_of_notes_has_no_filter_arrows():
    data = written([Sheet("Data", ["A"], [["x"]]), Sheet("About", ["About"], [["y"]], autofilter=False)])
    workbook = load_workbook(io.BytesIO(data))
    assert workbook["Data"].auto_filter.ref == "A1:A2"
    assert not workbook["About"].auto_filter.ref


def test_an_empty_sheet_still_has_its_header_and_a_response_streams_it():
    response = xlsx_response([Sheet("Empty", ["A"], [])], filename="empty.xlsx")
    data = b"".join(response.streaming_content)
    assert response["Content-Disposition"] == 'attachment; filename="empty.xlsx"'
    ws = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in ws[1]] == ["A"] and ws.max_row == 1
