"""A file of document numbers, as a clerk uploads it to choose a bulk write-off (SPEC D4).

One document number a line, in the first column; a header line (`number`, `document number`,
...) is allowed, and so are empty cells after the number (spreadsheets write them). The file is
read whole or refused whole: every line that is wrong is named with its number and why, and
nothing is queued. What is read here is only text; whether each number is a document that can
be written off is `bulk.selectors.documents_from_numbers`'s.
"""

import csv
import io
import re
from dataclasses import dataclass

from billing.models import DOCUMENT_NUMBER_PATTERN, BillingDocument
from bulk.models import MAX_DOCUMENTS_PER_JOB

#: About 40 bytes a line for the most documents a job may hold; a larger file is not read.
MAX_FILE_BYTES = 400_000
#: The most problems listed; the rest are counted.
MAX_PROBLEMS = 50

_NUMBER = re.compile(DOCUMENT_NUMBER_PATTERN)
_NUMBER_LENGTH = BillingDocument._meta.get_field("number").max_length
_HEADERS = {
    "number",
    "numbers",
    "document",
    "document number",
    "document_number",
    "invoice",
    "invoice number",
    "debit memo number",
}
# Spreadsheets run a cell that starts with one of these as a formula (as D3's CSV guards).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The first bytes of files clerks upload by mistake, and what to tell them.
_OTHER_KINDS = {
    b"PK\x03\x04": "a spreadsheet workbook (.xlsx or .ods) or another zip file",
    b"\xd0\xcf\x11\xe0": "an Excel 97-2003 workbook (.xls)",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"{\\rtf": "a rich text document",
}
_SAVE_AS_CSV = (
    "Save the list as CSV (comma-separated values, UTF-8) with one document number a line."
)


@dataclass(frozen=True)
class NumberLine:
    line: int
    number: str


class FileRefused(Exception):
    """The file cannot be used; `problems` says why, line by line, in a clerk's words."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def read_numbers(raw: bytes) -> list[NumberLine]:
    """The document numbers of the file, each with its line; `FileRefused` when anything in
    the file is wrong."""
    text = _decode(raw)
    numbers, problems, seen = [], [], {}
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1  # where the next row starts: a quoted cell may span lines
    try:
        for row in reader:
            next_line = reader.line_num + 1
            cells = [cell.strip() for cell in row]
            while cells and not cells[-1]:
                cells.pop()
            if not cells or (not numbers and not problems and cells[0].casefold() in _HEADERS):
                line = next_line
                continue
            if problem := _cell_problem(cells):
                problems.append(f"Line {line}: {problem}")
            elif (first := seen.get(cells[0])) is not None:
                problems.append(f"Line {line}: {cells[0]} is also on line {first}.")
            else:
                seen[cells[0]] = line
                numbers.append(NumberLine(line, cells[0]))
            line = next_line
            if len(numbers) > MAX_DOCUMENTS_PER_JOB:
                raise FileRefused(
                    [
                        f"The file has more than {MAX_DOCUMENTS_PER_JOB:,} document numbers; "
                        "a bulk write-off takes at most that many. Split it into several files."
                    ]
                )
    except csv.Error as error:
        problems.append(f"Line {line}: this line cannot be read as CSV ({error}).")
    if problems:
        raise FileRefused(listed(problems))
    if not numbers:
        raise FileRefused(["The file holds no document number. " + _SAVE_AS_CSV])
    return numbers


def listed(problems: list[str]) -> list[str]:
    """At most `MAX_PROBLEMS` problems, then how many more there are."""
    if len(problems) <= MAX_PROBLEMS:
        return problems
    return [*problems[:MAX_PROBLEMS], f"... and {len(problems) - MAX_PROBLEMS:,} more."]


def _decode(raw: bytes) -> str:
    if not raw:
        raise FileRefused(["The file is empty. " + _SAVE_AS_CSV])
    if len(raw) > MAX_FILE_BYTES:
        raise FileRefused(
            [
                f"The file is {len(raw) / 1_000_000:,.1f} MB; a list of document numbers is at "
                f"most {MAX_FILE_BYTES // 1000:,} KB ({MAX_DOCUMENTS_PER_JOB:,} numbers)."
            ]
        )
    for start, kind in _OTHER_KINDS.items():
        if raw.startswith(start):
            raise FileRefused([f"This file is {kind}, not a CSV file. {_SAVE_AS_CSV}"])
    if (nul := raw.find(b"\x00")) != -1:
        raise FileRefused(
            [
                f"Line {raw.count(b'\n', 0, nul) + 1}: the file holds the NUL character, so it "
                f"is not a text file (UTF-16 text has them too). {_SAVE_AS_CSV}"
            ]
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise FileRefused(
            [f"Line {line}: this is not UTF-8 text (byte {error.start + 1}). {_SAVE_AS_CSV}"]
        ) from None


def _cell_problem(cells: list[str]) -> str | None:
    number = cells[0]
    if len(cells) > 1:
        return (
            f"one document number a line, in the first column; this line has {len(cells)} values."
        )
    if number.startswith(_FORMULA_STARTS):
        return f"{_shown(number)} is a spreadsheet formula, not a document number."
    if len(number) > _NUMBER_LENGTH:
        return f"a document number has at most {_NUMBER_LENGTH} characters; this has {len(number)}."
    if not _NUMBER.fullmatch(number):
        return (
            f"{_shown(number)} is not a document number (ASCII letters, digits, -, _ and . only)."
        )
    return None


def _shown(text: str) -> str:
    """The cell as a message may quote it: short, and its odd characters escaped."""
    text = text if len(text) <= 40 else text[:40] + "..."
    return repr(text) if not text.isprintable() else f"'{text}'"
