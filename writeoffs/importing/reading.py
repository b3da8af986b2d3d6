"""Reading the C7 file: every check that needs only the file, each problem with its JSON path."""

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from itertools import batched

from django.db import models

from billing.models import (
    DOCUMENT_NUMBER_PATTERN,
    MAX_LINES_PER_DOCUMENT,
    Account,
    AccountingCode,
    BillingDocument,
    LineItem,
)
from billing.money import MoneyError, minor_units, misfit
from writeoffs.importing.fields import MAX_AMOUNT, Reader
from writeoffs.models import ReasonCode

Kind = LineItem.Kind

# The choices, listed once: `TextChoices.values` builds a new list each time.
KINDS = Kind.values
CODE_TYPES = AccountingCode.Type.values
DOCUMENT_TYPES = BillingDocument.Type.values
STATUSES = BillingDocument.Status.values

#: The field that names a line's own accounting code (SPEC 1), by kind.
CODE_FIELD = {
    Kind.CHARGE: "deferred_revenue_code",
    Kind.DISCOUNT: "deferred_revenue_code",
    Kind.TAX: "tax_code",
    Kind.DISCOUNT_TAX: "tax_code",
}


def _max_length(model: type[models.Model], name: str) -> int:
    return model._meta.get_field(name).max_length


# The lengths the columns allow, looked up once.
CODE_LENGTH = _max_length(AccountingCode, "code")
CODE_NAME_LENGTH = _max_length(AccountingCode, "name")
REASON_LENGTH = _max_length(ReasonCode, "name")
NUMBER_LENGTH = _max_length(BillingDocument, "number")
ACCOUNT_NUMBER_LENGTH = _max_length(Account, "number")
ACCOUNT_NAME_LENGTH = _max_length(Account, "name")
DESCRIPTION_LENGTH = _max_length(LineItem, "description")


@dataclass(slots=True)
class Line:
    path: str
    position: int
    ref: str | None
    kind: str | None
    parent: str | None
    description: str | None
    service_start: datetime.date | None = None
    service_end: datetime.date | None = None
    amount: Decimal | None = None
    balance: Decimal | None = None
    #: The accounting codes the line names, by field (`tax_code`, `revenue_code`, ...).
    codes: dict[str, str] = field(default_factory=dict)


@dataclass
class Document:
    index: int  # in the file's documents
    path: str
    type: str | None
    number: str | None
    account_number: str | None
    account_name: str | None
    currency: str | None
    date: datetime.date | None
    due_date: datetime.date | None
    status: str | None
    lines: list[Line]

    # Added up once the lines are read (they do not change after): checked, then written.
    @cached_property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    @cached_property
    def balance(self) -> Decimal:
        return sum((line.balance for line in self.lines), Decimal(0))


def document_batches(
    value: object, size: int
) -> Iterator[tuple[tuple[Document, ...], tuple[list[str], int]]]:
    """The documents of the file's `documents`, read and checked (all that needs only the file)
    `size` at a time; each batch with the problems found reading it, as `Reader.take` gives
    them. A last batch may have problems only."""
    reader = Reader()
    checks = FileChecks(reader)
    documents = (
        _read_document(reader, index, path, obj)
        for index, path, obj in reader.indexed_objects(value, "documents")
    )
    for batch in batched(documents, size):
        for document in batch:
            checks.check(document)
        yield batch, reader.take()
    if reader.problems:
        yield (), reader.take()


class FileChecks:
    """The check that spans documents of the file and needs no database: an account number
    has one name throughout. (That a document number appears once is checked as the batches
    are written, `writing.NumbersSeen`: the numbers met so far would grow with the file.)"""

    def __init__(self, reader: Reader):
        self.reader = reader
        self.account_names: dict[str, tuple[str, str]] = {}  # number -> (name, path)

    def check(self, document: Document) -> None:
        number, name = document.account_number, document.account_name
        if number is not None and name is not None:
            first_name, first_path = self.account_names.setdefault(
                number, (name, f"{document.path}.account.name")
            )
            if name != first_name:
                self.reader.problem(
                    f"{document.path}.account.name",
                    f'account {number} is named "{first_name}" at {first_path}',
                )


def read_accounting_codes(reader: Reader, value: object) -> list[AccountingCode]:
    codes, seen = [], {}
    for path, obj in reader.objects(value, "accounting_codes"):
        code = AccountingCode(
            code=reader.text(obj, "code", path, max_length=CODE_LENGTH),
            name=reader.text(obj, "name", path, max_length=CODE_NAME_LENGTH),
            type=reader.choice(obj, "type", path, CODE_TYPES),
            active=reader.flag(obj, "active", path, default=True),
        )
        if reader.unique(seen, code.code, f"{path}.code"):
            codes.append(code)
    return codes


def read_reason_codes(reader: Reader, value: object) -> list[ReasonCode]:
    reasons, seen = [], {}
    for path, obj in reader.objects(value, "reason_codes"):
        reason = ReasonCode(
            name=reader.text(obj, "name", path, max_length=REASON_LENGTH),
            active=reader.flag(obj, "active", path, default=True),
        )
        if reader.unique(seen, reason.name, f"{path}.name"):
            reasons.append(reason)
    return reasons


def _read_document(reader: Reader, index: int, path: str, obj: dict) -> Document:
    account_number, account_name = _read_account(reader, obj, path)
    document = Document(
        index=index,
        path=path,
        type=reader.choice(obj, "type", path, DOCUMENT_TYPES),
        number=_read_number(reader, obj, path),
        account_number=account_number,
        account_name=account_name,
        currency=_read_currency(reader, obj, path),
        date=reader.date(obj, "date", path),
        due_date=reader.date(obj, "due_date", path),
        status=reader.choice(obj, "status", path, STATUSES),
        lines=[],
    )
    if document.date and document.due_date and document.due_date < document.date:
        reader.problem(f"{path}.due_date", f"is before the document date, {document.date}")
    document.lines = _read_lines(reader, obj.get("lines"), f"{path}.lines", document.currency)
    _check_totals(reader, document)
    return document


def _read_number(reader: Reader, obj: dict, path: str) -> str | None:
    number = reader.text(obj, "number", path, max_length=NUMBER_LENGTH)
    if number is not None and not re.fullmatch(DOCUMENT_NUMBER_PATTERN, number):
        # A slash, a `..` or a space would give the document a page no link can reach.
        reader.problem(
            f"{path}.number",
            "must start with an ASCII letter or digit and hold only ASCII letters, digits, "
            '"-", "_" and ".", so that every page can link to it',
        )
        return None
    return number


def _read_account(reader: Reader, obj: dict, path: str) -> tuple[str | None, str | None]:
    account, path = obj.get("account"), f"{path}.account"
    if not isinstance(account, dict):
        reader.problem(path, "must be an object with the account's number and name")
        return None, None
    return (
        reader.text(account, "number", path, max_length=ACCOUNT_NUMBER_LENGTH),
        reader.text(account, "name", path, max_length=ACCOUNT_NAME_LENGTH),
    )


def _read_currency(reader: Reader, obj: dict, path: str) -> str | None:
    currency = obj.get("currency")
    if not isinstance(currency, str):
        problem = "is missing" if currency is None else "must be a string"
        reader.problem(f"{path}.currency", f"{problem}: an ISO 4217 currency code such as USD")
        return None
    try:
        minor_units(currency)
    except MoneyError as error:
        reader.problem(f"{path}.currency", str(error))
        return None
    return currency


def _read_lines(reader: Reader, value: object, path: str, currency: str | None) -> list[Line]:
    if isinstance(value, list) and not value:
        reader.problem(path, "must hold at least one line")
        return []
    if isinstance(value, list) and len(value) > MAX_LINES_PER_DOCUMENT:
        reader.problem(
            path, f"has {len(value)} lines; a document has at most {MAX_LINES_PER_DOCUMENT}"
        )
        return []
    lines = [
        _read_line(reader, line_path, obj, position, currency)
        for position, line_path, obj in reader.indexed_objects(value, path)
    ]
    _check_parents(reader, lines)
    return lines


def _read_line(reader: Reader, path: str, obj: dict, position: int, currency: str | None) -> Line:
    kind = reader.choice(obj, "kind", path, KINDS)
    line = Line(
        path=path,
        position=position,
        ref=reader.text(obj, "ref", path),
        kind=kind,
        parent=reader.text(obj, "parent", path, required=kind not in (None, Kind.CHARGE)),
        description=reader.text(obj, "description", path, max_length=DESCRIPTION_LENGTH),
    )
    if kind == Kind.CHARGE:
        if line.parent is not None:
            reader.problem(f"{path}.parent", "a charge has no parent")
        _read_service_dates(reader, obj, line)
    _read_amounts(reader, obj, line, currency)
    if kind is not None:
        _read_codes(reader, obj, line)
    return line


def _read_service_dates(reader: Reader, obj: dict, line: Line) -> None:
    line.service_start = reader.date(obj, "service_start", line.path, required=False)
    line.service_end = reader.date(obj, "service_end", line.path, required=False)
    if line.service_start and line.service_end and line.service_end < line.service_start:
        reader.problem(
            f"{line.path}.service_end", f"is before the service start, {line.service_start}"
        )


def _read_amounts(reader: Reader, obj: dict, line: Line, currency: str | None) -> None:
    line.amount = reader.amount(obj, "amount", line.path, currency)
    has_balance = obj.get("balance") is not None
    line.balance = (
        reader.amount(obj, "balance", line.path, currency) if has_balance else line.amount
    )
    if line.amount is None or line.kind is None:
        return
    negative = line.kind in LineItem.NEGATIVE_KINDS
    if (line.amount > 0) if negative else (line.amount < 0):
        sign = "zero or negative" if negative else "zero or positive"
        reader.problem(
            f"{line.path}.amount", f"must be {sign} for a {Kind(line.kind).label.lower()} line"
        )
    elif has_balance and line.balance is not None:
        match misfit(line.balance, line.amount):
            case "sign":
                reader.problem(f"{line.path}.balance", "must have the sign of the amount")
            case "size" | "nothing":
                reader.problem(f"{line.path}.balance", f"is more than the amount, {line.amount}")


def _read_codes(reader: Reader, obj: dict, line: Line) -> None:
    max_length = CODE_LENGTH
    names = [(CODE_FIELD[line.kind], True)]
    if line.kind == Kind.CHARGE:
        names.append(("revenue_code", False))
    for name, required in names:
        code = reader.text(obj, name, line.path, max_length=max_length, required=required)
        if code is not None:
            line.codes[name] = code


def _check_parents(reader: Reader, lines: list[Line]) -> None:
    """Refs are unique in the document; a parent is a ref of the document of the right kind."""
    by_ref, seen = {}, {}
    for line in lines:
        if reader.unique(seen, line.ref, f"{line.path}.ref"):
            by_ref[line.ref] = line
    for line in lines:
        if line.parent is None or line.kind in (None, Kind.CHARGE):
            continue
        parent = by_ref.get(line.parent)
        wanted = LineItem.PARENT_KIND[line.kind]
        if parent is None:
            reader.problem(
                f"{line.path}.parent", f'no line of this document has the ref "{line.parent}"'
            )
        elif parent.kind is not None and parent.kind != wanted:
            reader.problem(
                f"{line.path}.parent",
                f'"{line.parent}" is a {Kind(parent.kind).label.lower()} line; '
                f"a {Kind(line.kind).label.lower()} line belongs to a {wanted.label.lower()} line",
            )


def _check_totals(reader: Reader, document: Document) -> None:
    if any(line.amount is None or line.balance is None for line in document.lines):
        return
    if abs(document.amount) >= MAX_AMOUNT:
        reader.problem(document.path, "the lines add up to more than this system stores")
    elif document.balance < 0:
        reader.problem(
            document.path,
            f"the line balances add up to {document.balance}; a document's balance cannot be "
            "negative",
        )
    elif document.balance == 0 and any(line.balance for line in document.lines):
        # As after a write-off to zero (writeoffs.services): a settled document has no open
        # line, or those lines could never be cleared.
        reader.problem(
            document.path,
            "the line balances add up to zero but some lines are still open; a settled "
            "document's lines must all have a zero balance",
        )
