"""The Write-Off Report's CSV (SPEC D3): one row per memo item and entry, streamed.

Rows are read from a server-side cursor a chunk at a time and written out as they come, so the
server's memory does not grow with the number of rows (the benchmark, `bench/write_off_report.py`,
measures it at a million items). The query runs in a transaction that lasts the download: on
PostgreSQL that keeps the cursor an ordinary one, which sends its first rows at once, where a
cursor opened outside a transaction (`WITH HOLD`) would first be computed to its end.

Spreadsheet safety: a text cell that a spreadsheet would read as a formula (starting with `=`,
`+`, `-` or `@`, or with a tab or carriage return, even after spaces) and that is not a plain
number gets a leading apostrophe, as OWASP recommends, so that it shows as the text it is.
Amounts are written as plain numbers with the currency's decimals (`-12.50`), never prefixed,
so that they add up in the spreadsheet.
"""

import csv
import datetime
import re
from collections.abc import Iterator

from django.db import transaction
from django.utils import timezone

from billing.models import BillingDocument, LineItem
from billing.money import plain_amount
from reports.selectors import CSV_COLUMNS, CSV_INDEX, ENTRY_NAMES, REVERSAL, ReportFilters
from reports.selectors import entry_rows as selected_rows

#: Rows written per piece of the response: fewer, larger pieces cost less per row.
ROWS_PER_PIECE = 500
CHUNK_SIZE = 2000

_FORMULA_START = re.compile(r"[\s]*[=+\-@]|[\t\r\n]")
_PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_DOCUMENT_TYPES = dict(BillingDocument.Type.choices)
_LINE_KINDS = dict(LineItem.Kind.choices)


def spreadsheet_safe(text: str) -> str:
    """`text` as a spreadsheet shows it and never runs it: a formula-like cell that is not a
    plain number gets a leading apostrophe (`=HYPERLINK(...)` becomes `'=HYPERLINK(...)`)."""
    if text and _FORMULA_START.match(text) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def file_name(filters: ReportFilters) -> str:
    return f"write-offs-{filters.date_from.isoformat()}-to-{filters.date_to.isoformat()}.csv"


class _Line:
    """A file-like object that hands back what `csv.writer` writes to it."""

    def write(self, text: str) -> str:
        return text


def header() -> list[str]:
    zone = timezone.get_current_timezone_name()
    return [f"{title} ({zone})" if title.endswith(" at") else title for title, _ in CSV_COLUMNS]


def _cells(row: tuple, zone) -> list[str]:
    """A row of `entry_rows` as the CSV's text: every text cell made safe, the amount signed as
    it counts (a reversal's negated), dates ISO, times in the current time zone."""
    cells = []
    currency = row[CSV_INDEX["memo__document__currency"]]
    for index, value in enumerate(row):
        if index == CSV_INDEX["entry"]:
            cells.append(ENTRY_NAMES[value])
        elif index == CSV_INDEX["amount"]:
            cells.append(plain_amount(-value if row[0] == REVERSAL else value, currency))
        elif value is None:
            cells.append("")
        elif isinstance(value, bool):
            cells.append("Yes" if value else "No")
        elif isinstance(value, datetime.datetime):
            cells.append(value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"))
        elif isinstance(value, datetime.date):
            cells.append(value.isoformat())
        elif index == CSV_INDEX["memo__document__type"]:
            cells.append(_DOCUMENT_TYPES.get(value, value))
        elif index == CSV_INDEX["source_line__kind"]:
            cells.append(_LINE_KINDS.get(value, value))
        else:
            cells.append(spreadsheet_safe(str(value)))
    return cells


def csv_pieces(filters: ReportFilters, *, chunk_size: int = CHUNK_SIZE) -> Iterator[str]:
    """The CSV, a few hundred rows at a time: a byte order mark (so that Excel reads UTF-8),
    the header and then every row of `entry_rows`."""
    writer = csv.writer(_Line())
    zone = timezone.get_current_timezone()
    yield "\ufeff" + writer.writerow(header())
    with transaction.atomic():
        piece = []
        for row in selected_rows(filters, chunk_size=chunk_size):
            piece.append(writer.writerow(_cells(row, zone)))
            if len(piece) == ROWS_PER_PIECE:
                yield "".join(piece)
                piece.clear()
        if piece:
            yield "".join(piece)
