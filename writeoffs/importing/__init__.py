"""Import accounting codes, reason codes and billing documents from JSON (SPEC C7, C3).

All or nothing, in one transaction: every problem is collected with its JSON path
(`documents[3].lines[2].amount: ...`), and if there is any, `ImportRefused` lists them (the
first `fields.MAX_PROBLEMS`, then how many more) and nothing is imported. Choices where the
contract is silent:

- A file (`file_import`, the command's way) is read a piece at a time by
  `billing.parsing.json_members`: its documents are read, checked and written a batch at a
  time (`streaming.BATCH_SIZE`), and a problem found late rolls back the batches written
  before it. Memory holds a few batches, and between them only the codes and the account
  numbers met so far: the document numbers met (to find one given twice) are kept in a
  temporary table (`writing.NumbersSeen`; on PostgreSQL, of a connection of its own), and
  those created, for the report, in a temporary file past the first thousand
  (`writing.Spooled`), so memory does not grow with the number of documents (2 MB more for
  100,000 invoices than for 5,000, where it was 18 MB). Reading gives what `parse_json`
  gives, as the API reads its requests: a key given twice in one object, nesting deeper than
  it allows and bytes that are not UTF-8 are refused with their JSON path (a file with several
  such faults reports the first), and every number is read as `Decimal`, never `float`.
- The codes may come before or after the documents: lines name accounting codes, so when the
  documents come first the file is read twice, the first time for its codes. Standard input
  is kept in a temporary file for that.
- `documents_import` imports C7 data already in memory (`seed_demo`) the same way.
- Amounts and balances must be JSON strings; a JSON number is refused (so is one `parse_json`
  will not take as a number, such as `1e2`, `NaN` or 5,000 digits), so no amount can pass
  through binary floating point on its way in.
- Text that cannot be stored (NUL, a lone surrogate) and a document number that no URL can
  route (`billing.models.DOCUMENT_NUMBER_PATTERN`) are refused with their JSON path.
- An accounting code, reason code or document number that exists already is reported and left
  unchanged; the rest of the file is imported. Codes and documents in the file are checked
  even when they are left unchanged, so a file is valid or not whatever the database holds.
- An account is found by its number. A name that differs from the one already stored (in the
  database or earlier in the file) refuses the file: a mistyped number would otherwise bill
  another customer.
- Accounting and reason codes may carry `"active": false` (default true).
- Service dates are read on charges only; like any field not in C7, they are ignored elsewhere.
- A line's `position` is its index in the file's `lines`, the index problems are reported with.
"""

from collections.abc import Iterator
from pathlib import Path

from django.db import transaction

from billing.parsing import JsonRefused, json_members, parse_json
from writeoffs.importing.fields import Reader
from writeoffs.importing.streaming import Members, import_members
from writeoffs.importing.writing import ImportReport

__all__ = ["ImportRefused", "ImportReport", "documents_import", "file_import", "import_json_parse"]


class ImportRefused(Exception):
    """The file cannot be imported; `problems` says why, each as `<JSON path>: <problem>`, and
    `more` how many problems there were beyond those listed (`fields.MAX_PROBLEMS`)."""

    def __init__(self, problems: list[str], more: int = 0):
        self.problems, self.more = problems, more
        super().__init__("\n".join(self.lines()))

    @property
    def count(self) -> int:
        return len(self.problems) + self.more

    def lines(self) -> list[str]:
        """The problems listed, and a last line saying how many more there were, if any."""
        if not self.more:
            return self.problems
        return [*self.problems, f"... and {self.more} more, not listed."]


def import_json_parse(raw: bytes) -> object:
    """`parse_json`'s value of `raw`; its refusal raised as the import's, with its JSON path."""
    try:
        return parse_json(raw)
    except JsonRefused as refused:
        raise _refusal(refused) from None


def documents_import(*, data: object) -> ImportReport:
    """Import `data` (the parsed C7 JSON) in one transaction, or raise `ImportRefused`."""
    if isinstance(data, dict):
        return _import(lambda: iter(data.items()))
    return _import(lambda: iter([(None, data)]))


def file_import(*, path: str | Path) -> ImportReport:
    """Import the C7 file at `path` in one transaction, or raise `ImportRefused`. The file is
    read a piece at a time, so memory does not grow with its size; it is read twice when its
    documents come before its accounting codes. `OSError` if it cannot be read."""

    def members() -> Iterator[tuple[str | None, object]]:
        with open(path, "rb") as file:
            yield from json_members(file)

    return _import(members)


def _import(members: Members) -> ImportReport:
    reader = Reader()
    own_transaction = not transaction.get_connection().in_atomic_block
    try:
        with transaction.atomic():
            report = import_members(reader, members, own_transaction=own_transaction)
            if reader.problems:
                raise ImportRefused(reader.problems, reader.more)
            return report
    except JsonRefused as refused:
        raise _refusal(refused) from None


def _refusal(refused: JsonRefused) -> ImportRefused:
    return ImportRefused([f"{refused.path or 'top level'}: {refused.message}"])


documents_import.alters_data = True
file_import.alters_data = True
