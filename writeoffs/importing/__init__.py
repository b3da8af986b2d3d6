"""Import accounting codes, reason codes and billing documents from JSON (SPEC C7, C3).

All or nothing: the whole file is checked first, every problem is collected with its JSON path
(`documents[3].lines[2].amount: ...`), and if there is any, `ImportRefused` lists them all and
nothing is written. Choices where the contract is silent:

- Amounts and balances must be JSON strings; a JSON number is refused, so no amount can pass
  through binary floating point on its way in. `import_json_parse` reads numbers as `Decimal`.
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

import json
from decimal import Decimal

from django.db import transaction

from billing.importing.reading import Reader, read_file
from billing.importing.writing import ImportReport, check_against_database, write

__all__ = ["ImportRefused", "ImportReport", "documents_import", "import_json_parse"]


class ImportRefused(Exception):
    """The file cannot be imported; `problems` says why, each as `<JSON path>: <problem>`."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def import_json_parse(raw: bytes) -> object:
    """The JSON value in `raw`, with every number read as `Decimal` or `int`, never `float`.

    Refuses invalid UTF-8, invalid JSON, and `NaN` and `Infinity`, which `json` accepts by
    default though JSON has no such values.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ImportRefused(
            [f"byte {error.start}: the file is not UTF-8 ({error.reason})"]
        ) from None
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except _NotANumber as error:
        raise ImportRefused([str(error)]) from None
    except json.JSONDecodeError as error:
        raise ImportRefused(
            [f"line {error.lineno}, column {error.colno}: not valid JSON: {error.msg}"]
        ) from None


class _NotANumber(ValueError):
    pass


def _refuse_constant(name: str):
    raise _NotANumber(f'{name}: not valid JSON; write amounts as strings such as "12.50"')


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
