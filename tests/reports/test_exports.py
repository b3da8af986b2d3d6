"""The CSV's cells: what a spreadsheet would run is shown as text, numbers stay numbers."""

import datetime

import pytest

from billing.spreadsheets import spreadsheet_safe
from reports.exports import file_name
from reports.selectors import ReportFilters


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ('=HYPERLINK("http://evil.example";"x")', '\'=HYPERLINK("http://evil.example";"x")'),
        ("=1+1", "'=1+1"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("\n=1+1", "'\n=1+1"),
        ("  =1+1", "'  =1+1"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("- discount", "'- discount"),
        # Numbers are numbers, not formulas.
        ("-5", "-5"),
        ("+5", "+5"),
        ("-12.50", "-12.50"),
        ("2500", "2500"),
        # Everything else is left as it is.
        ("Acme Corp", "Acme Corp"),
        ("Tax on =discount", "Tax on =discount"),
        ("a-b", "a-b"),
        ("", ""),
        ("Kitsune Games Co., Ltd.", "Kitsune Games Co., Ltd."),
    ],
)
def test_a_cell_that_would_run_as_a_formula_is_made_text(text, safe):
    assert spreadsheet_safe(text) == safe


def test_the_file_is_named_after_its_period():
    filters = ReportFilters(datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
    assert file_name(filters) == "write-offs-2026-11-01-to-2026-11-30.csv"
