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

from collections.abc import Callable, Iterator

from django.db import transaction
from django.utils import timezone

from billing.models import BillingDocument, LineItem
from billing.money import plain_amount
from billing.spreadsheets import BYTE_ORDER_MARK, line_writer, spreadsheet_safe
from reports.selectors import CSV_COLUMNS, CSV_INDEX, ENTRY_NAMES, REVERSAL, ReportFilters
from reports.selectors import entry_rows as selected_rows

#: Rows written per piece of the response: fewer, larger pieces cost less per row.
ROWS_PER_PIECE = 500
CHUNK_SIZE = 2000

_DOCUMENT_TYPES = dict(BillingDocument.Type.choices)
_LINE_KINDS = dict(LineItem.Kind.choices)


def file_name(filters: ReportFilters) -> str:
    return f"write-offs-{filters.date_from.isoformat()}-to-{filters.date_to.isoformat()}.csv"


def header() -> list[str]:
    zone = timezone.get_current_timezone_name()
    return [f"{title} ({zone})" if title.endswith(" at") else title for title, _ in CSV_COLUMNS]


def _text(value) -> str:
    return "" if value is None else spreadsheet_safe(value)


def _date(value) -> str:
    return "" if value is None else value.isoformat()


def _cells_maker(zone) -> Callable[[tuple], list[str]]:
    """What turns a row of `entry_rows` into the CSV's cells: every text cell made safe, the
    amount signed as it counts (a reversal's negated) with the currency's digits, dates ISO,
    times in `zone`. One function per column, chosen once: a million rows pass through it."""
    last = [None, ""]

    def moment(value) -> str:
        if value is None:
            return ""
        if value != last[0]:  # the items of one memo share their times
            last[:] = value, value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
        return last[1]

    by_name = {
        "entry": ENTRY_NAMES.__getitem__,
        "amount": lambda value: value,  # written below, with its currency and sign
        "entry_date": _date,
        "memo__memo_date": _date,
        "memo__reversal_date": _date,
        "memo__document__type": lambda value: _DOCUMENT_TYPES.get(value, value),
        "source_line__kind": lambda value: _LINE_KINDS.get(value, value),
        "memo__revenue_impacting": lambda value: "Yes" if value else "No",
        "memo__created_at": moment,
        "memo__reversed_at": moment,
    }
    converters = [by_name.get(name, _text) for _, name in CSV_COLUMNS]
    amount, currency = CSV_INDEX["amount"], CSV_INDEX["memo__document__currency"]

    def cells(row: tuple) -> list[str]:
        out = [convert(value) for convert, value in zip(converters, row, strict=True)]
        value = row[amount]
        out[amount] = plain_amount(-value if row[0] == REVERSAL else value, row[currency])
        return out

    return cells


def csv_pieces(filters: ReportFilters, *, chunk_size: int = CHUNK_SIZE) -> Iterator[str]:
    """The CSV, a few hundred rows at a time: a byte order mark (so that Excel reads UTF-8),
    the header and then every row of `entry_rows`."""
    writer = line_writer()
    cells = _cells_maker(timezone.get_current_timezone())
    yield BYTE_ORDER_MARK + writer.writerow(header())
    with transaction.atomic():
        piece = []
        for row in selected_rows(filters, chunk_size=chunk_size):
            piece.append(writer.writerow(cells(row)))
            if len(piece) == ROWS_PER_PIECE:
                yield "".join(piece)
                piece.clear()
        if piece:
            yield "".join(piece)
