"""Import accounting codes, reason codes and billing documents from JSON (SPEC C7, C3).

All or nothing: the whole file is checked first, every problem is collected with its JSON path
(`documents[3].lines[2].amount: ...`), and if there is any, `ImportRefused` lists them all and
nothing is written. Choices where the contract is silent:

- The file is read by `billing.parsing.parse_json`, as the API reads its requests:
  a key given twice in one object, nesting deeper than it allows and bytes that are not UTF-8
  are refused with their JSON path, and every number is read as `Decimal`, never `float`.
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

from django.db import transaction

from billing.parsing import JsonRefused, parse_json
from writeoffs.importing.reading import Reader, read_file
from writeoffs.importing.writing import ImportReport, check_against_database, write

__all__ = ["ImportRefused", "ImportReport", "documents_import", "import_json_parse"]


class ImportRefused(Exception):
    """The file cannot be imported; `problems` says why, each as `<JSON path>: <problem>`."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def import_json_parse(raw: bytes) -> object:
    """`parse_json`'s value of `raw`; its refusal raised as the import's, with its JSON path."""
    try:
        return parse_json(raw)
    except JsonRefused as refused:
        raise ImportRefused([f"{refused.path or 'top level'}: {refused.message}"]) from None


def documents_import(*, data: object) -> ImportReport:
    """Import `data` (the parsed C7 JSON) in one transaction, or raise `ImportRefused`."""
    reader = Reader()
    with transaction.atomic():
        plan = read_file(reader, data)
        existing = check_against_database(reader, plan)
        if reader.problems:
            raise ImportRefused(reader.problems)
        return write(plan, existing)


documents_import.alters_data = True
