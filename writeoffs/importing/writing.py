"""Checking the read file against the database, and writing it."""

from dataclasses import dataclass, field

from django.db import models

from billing.models import Account, AccountingCode, BillingDocument, LineItem
from writeoffs.importing.reading import CODE_FIELD, Document, Kind, Plan, Reader
from writeoffs.models import ReasonCode

# SQLite limits the parameters of one query, so long lists are looked up and inserted in chunks.
_CHUNK = 500

#: Lines are inserted a level at a time, parents first: the database checks each new line's
#: parent when it is inserted.
LEVELS = [(Kind.CHARGE,), (Kind.TAX, Kind.DISCOUNT), (Kind.DISCOUNT_TAX,)]


@dataclass
class ImportReport:
    """What an import created (codes, names and numbers) and what it left unchanged."""

    accounting_codes: list[str] = field(default_factory=list)
    reason_codes: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    lines: int = 0
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> list[str]:
        """One sentence per kind of thing created or left unchanged, for the commands to print."""
        created = [
            (self.accounting_codes, "accounting code", ""),
            (self.reason_codes, "reason code", ""),
            (self.accounts, "account", ""),
            (self.documents, "document", f" with {self.lines} lines"),
        ]
        sentences = [
            f"Created {len(names)} {noun}{'s' if len(names) != 1 else ''}{extra}: "
            + ", ".join(names)
            for names, noun, extra in created
            if names
        ]
        return [*sentences, *self.skipped] or ["Nothing to import."]


@dataclass
class Existing:
    """The rows the file names that the database holds already, by code, name or number."""

    accounting_codes: dict[str, AccountingCode]
    reason_codes: dict[str, ReasonCode]
    accounts: dict[str, Account]
    numbers: set[str]


def _rows(model: type[models.Model], name: str, values) -> dict:
    """The rows of `model` whose field `name` is one of `values`, by that field."""
    values = sorted({value for value in values if value is not None})
    rows = {}
    for start in range(0, len(values), _CHUNK):
        lookup = {f"{name}__in": values[start : start + _CHUNK]}
        rows.update((getattr(row, name), row) for row in model.objects.filter(**lookup))
    return rows


def check_against_database(reader: Reader, plan: Plan) -> Existing:
    """The rows of the database the file names; problems where the file contradicts them."""
    named_codes = {
        code for doc in plan.documents for line in doc.lines for code in line.codes.values()
    }
    existing = Existing(
        accounting_codes=_rows(
            AccountingCode, "code", named_codes | {code.code for code in plan.accounting_codes}
        ),
        reason_codes=_rows(ReasonCode, "name", (reason.name for reason in plan.reason_codes)),
        accounts=_rows(Account, "number", (doc.account_number for doc in plan.documents)),
        numbers=set(_rows(BillingDocument, "number", (doc.number for doc in plan.documents))),
    )
    known_codes = existing.accounting_codes.keys() | {code.code for code in plan.accounting_codes}
    for document in plan.documents:
        _check_codes_known(reader, document, known_codes)
        account = existing.accounts.get(document.account_number)
        if account and document.account_name is not None and account.name != document.account_name:
            reader.problem(
                f"{document.path}.account.name",
                f'account {account.number} is named "{account.name}" in the database',
            )
    return existing


def _check_codes_known(reader: Reader, document: Document, known_codes: set[str]) -> None:
    for line in document.lines:
        for name, code in line.codes.items():
            if code not in known_codes:
                reader.problem(
                    f"{line.path}.{name}",
                    f"accounting code {code} is neither in this file nor in the database",
                )


def write(plan: Plan, existing: Existing) -> ImportReport:
    """Insert what the database does not hold yet; report what it does as left unchanged."""
    report = ImportReport()
    code_ids = {code: row.pk for code, row in existing.accounting_codes.items()}
    new_codes = _create_new(
        AccountingCode, plan.accounting_codes, "code", existing.accounting_codes, report
    )
    report.accounting_codes = [code.code for code in new_codes]
    code_ids |= {code.code: code.pk for code in new_codes}
    new_reasons = _create_new(ReasonCode, plan.reason_codes, "name", existing.reason_codes, report)
    report.reason_codes = [reason.name for reason in new_reasons]
    documents = []
    for document in plan.documents:
        if document.number in existing.numbers:
            report.skipped.append(f"{document.number} exists already; left unchanged.")
        else:
            documents.append(document)
    saved = _create_documents(documents, existing.accounts, report)
    report.lines = _create_lines(documents, saved, code_ids)
    return report


def _create_new(
    model: type[models.Model], objs: list, name: str, in_database: dict, report: ImportReport
) -> list:
    """Insert the codes (`objs`, keyed by their field `name`) that are not in the database yet;
    report the others as left unchanged."""
    new = []
    for obj in objs:
        key = getattr(obj, name)
        if key in in_database:
            noun = model._meta.verbose_name.capitalize()
            report.skipped.append(f"{noun} {key} exists already; left unchanged.")
        else:
            new.append(obj)
    return model.objects.bulk_create(new, batch_size=_CHUNK)


def _create_documents(
    documents: list[Document], accounts: dict[str, Account], report: ImportReport
) -> dict[str, BillingDocument]:
    """Insert the documents, and the accounts they name that are new; by document number."""
    new_accounts = {}
    for document in documents:
        number = document.account_number
        if number not in accounts and number not in new_accounts:
            new_accounts[number] = Account(number=number, name=document.account_name)
    Account.objects.bulk_create(new_accounts.values(), batch_size=_CHUNK)
    report.accounts = list(new_accounts)
    accounts = accounts | new_accounts
    saved = BillingDocument.objects.bulk_create(
        [
            BillingDocument(
                type=document.type,
                number=document.number,
                account=accounts[document.account_number],
                currency=document.currency,
                date=document.date,
                due_date=document.due_date,
                status=document.status,
                amount=document.amount,
                balance=document.balance,
            )
            for document in documents
        ],
        batch_size=_CHUNK,
    )
    report.documents = [document.number for document in saved]
    return {document.number: document for document in saved}


def _create_lines(
    documents: list[Document], saved: dict[str, BillingDocument], code_ids: dict[str, int]
) -> int:
    """Insert the lines a level at a time, so that every parent exists before its children."""
    lines: dict[tuple[str, str], LineItem] = {}  # by document number and ref
    for kinds in LEVELS:
        level = {
            (document.number, line.ref): LineItem(
                document=saved[document.number],
                position=line.position,
                kind=line.kind,
                parent=lines.get((document.number, line.parent)),
                description=line.description,
                service_start=line.service_start,
                service_end=line.service_end,
                amount=line.amount,
                balance=line.balance,
                accounting_code_id=code_ids[line.codes[CODE_FIELD[line.kind]]],
                revenue_code_id=code_ids.get(line.codes.get("revenue_code")),
            )
            for document in documents
            for line in document.lines
            if line.kind in kinds
        }
        LineItem.objects.bulk_create(level.values(), batch_size=_CHUNK)
        lines |= level
    return len(lines)
