"""CSV files for spreadsheets: cells that never run as formulas, a byte order mark so that
Excel reads UTF-8, and a download streamed a piece at a time (the Write-Off Report's CSV, a
bulk write-off's results)."""

import csv
import re
from collections.abc import Iterable

from django.http import StreamingHttpResponse

#: First in a file, so that Excel reads it as UTF-8 (accented names).
BYTE_ORDER_MARK = "\ufeff"

_PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_FORMULA_FIRST = ("=", "+", "-", "@")


def spreadsheet_safe(text: str) -> str:
    """`text` as a spreadsheet shows it and never runs it: a cell that starts with `=`, `+`,
    `-` or `@` (even after spaces), or with a tab or a line break, and is not a plain number
    gets a leading apostrophe (`=HYPERLINK(...)` becomes `'=HYPERLINK(...)`)."""
    if not text:
        return text
    first = text[0]
    if first.isspace():
        if first in "\t\r\n":
            return "'" + text
        first = text.lstrip()[:1]
    if first in _FORMULA_FIRST and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class _Line:
    """A file-like object that hands back what `csv.writer` writes to it."""

    def write(self, text: str) -> str:
        return text


def line_writer():
    """A `csv.writer` whose `writerow` returns the row's line instead of writing it."""
    return csv.writer(_Line())


def csv_download(pieces: Iterable[str], file_name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(pieces, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response
