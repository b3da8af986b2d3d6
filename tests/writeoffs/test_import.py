"""The JSON import (SPEC C7, C3, W9): what it creates, and every kind of file it refuses."""

import copy
import datetime
import gc
import io
import json
import sys
import tempfile
import threading
import time
import weakref
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, OperationalError, connection

from billing.models import Account, AccountingCode, BillingDocument, LineItem
from billing.parsing import RefusedNumber
from tests.conftest import postgresql_copy
from tests.factories import AccountFactory, AccountingCodeFactory, InvoiceFactory
from writeoffs.importing import (
    ImportRefused,
    documents_import,
    file_import,
    import_json_parse,
    streaming,
    writing,
)
from writeoffs.importing.fields import MAX_PROBLEMS
from writeoffs.importing.writing import ImportReport, Spooled, Writer
from writeoffs.models import ReasonCode

pytestmark = pytest.mark.django_db

# The example of SPEC C7, as `import_json_parse` reads it.
EXAMPLE = {
    "accounting_codes": [
        {"code": "4000", "name": "Subscription Revenue", "type": "SalesRevenue"},
        {"code": "2500", "name": "Deferred Revenue", "type": "DeferredRevenue"},
        {"code": "2200", "name": "Sales Tax Payable", "type": "SalesTaxPayable"},
        {"code": "6100", "name": "Bad Debt Expense", "type": "BadDebt"},
    ],
    "reason_codes": [{"name": "Customer Bankruptcy"}],
    "documents": [
        {
            "type": "invoice",
            "number": "INV00000101",
            "account": {"number": "A00000001", "name": "Acme Corp"},
            "currency": "USD",
            "date": "2026-10-01",
            "due_date": "2026-10-31",
            "status": "Posted",
            "lines": [
                {
                    "ref": "c1",
                    "kind": "charge",
                    "description": "Gold Plan",
                    "service_start": "2026-10-01",
                    "service_end": "2026-10-31",
                    "amount": "100.00",
                    "deferred_revenue_code": "2500",
                    "revenue_code": "4000",
                },
                {
                    "ref": "t1",
                    "kind": "tax",
                    "parent": "c1",
                    "description": "CA State Tax",
                    "amount": "8.25",
                    "tax_code": "2200",
                },
                {
                    "ref": "d1",
                    "kind": "discount",
                    "parent": "c1",
                    "description": "10% Loyalty Discount",
                    "amount": "-10.00",
                    "deferred_revenue_code": "2500",
                },
                {
                    "ref": "dt1",
                    "kind": "discount_tax",
                    "parent": "d1",
                    "description": "CA State Tax on discount",
                    "amount": "-0.83",
                    "tax_code": "2200",
                },
            ],
        }
    ],
}

TABLES = [AccountingCode, ReasonCode, Account, BillingDocument, LineItem]


def example() -> dict:
    return copy.deepcopy(EXAMPLE)


def example_lines(data: dict) -> list[dict]:
    return data["documents"][0]["lines"]


def charge(number: int, **fields) -> dict:
    return {
        "ref": f"c{number}",
        "kind": "charge",
        "description": f"Charge {number}",
        "amount": "1.00",
        "deferred_revenue_code": "2500",
        **fields,
    }


def row_counts() -> dict[str, int]:
    return {table.__name__: table.objects.count() for table in TABLES}


def as_file(data: object, path: Path) -> Path:
    """`data` written to `path` as a C7 file, its `Decimal`s and `RefusedNumber`s as the JSON
    numbers they stand for."""
    numbers = []

    def number(value: object) -> str:
        if not isinstance(value, Decimal | RefusedNumber):
            raise TypeError(value)
        numbers.append(value.text if isinstance(value, RefusedNumber) else str(value))
        return f"<number {len(numbers) - 1}>"

    text = json.dumps(data, default=number)
    for index, written in enumerate(numbers):
        text = text.replace(f'"<number {index}>"', written)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(params=["in memory", "from a file"])
def import_data(request, tmp_path):
    """Imports C7 data as `seed_demo` does (in memory) or as `import_invoices` does (a file,
    read a piece at a time)."""
    if request.param == "in memory":
        return lambda data: documents_import(data=data)
    return lambda data: file_import(path=as_file(data, tmp_path / "invoices.json"))


def refusal(data) -> list[str]:
    """The problems the import reports for `data`, the same in memory and from a file; asserts
    that it wrote nothing."""
    before = row_counts()
    with pytest.raises(ImportRefused) as refused:
        documents_import(data=data)
    with tempfile.TemporaryDirectory() as folder, pytest.raises(ImportRefused) as streamed:
        file_import(path=as_file(data, Path(folder) / "invoices.json"))
    assert row_counts() == before
    assert streamed.value.problems == refused.value.problems
    return refused.value.problems


def parse_refusal(raw: bytes) -> list[str]:
    with pytest.raises(ImportRefused) as refused:
        import_json_parse(raw)
    return refused.value.problems


# What an import creates


def test_spec_example_imports_exactly(import_data):
    import_data(example())

    codes = {
        code.code: (code.name, code.type, code.active) for code in AccountingCode.objects.all()
    }
    assert codes == {
        "4000": ("Subscription Revenue", "SalesRevenue", True),
        "2500": ("Deferred Revenue", "DeferredRevenue", True),
        "2200": ("Sales Tax Payable", "SalesTaxPayable", True),
        "6100": ("Bad Debt Expense", "BadDebt", True),
    }
    reason = ReasonCode.objects.get(name="Customer Bankruptcy")
    assert reason.active and not reason.is_default
    invoice = BillingDocument.objects.get()
    assert (invoice.type, invoice.number, invoice.currency, invoice.status) == (
        "invoice",
        "INV00000101",
        "USD",
        "Posted",
    )
    assert (invoice.account.number, invoice.account.name) == ("A00000001", "Acme Corp")
    assert (invoice.date, invoice.due_date) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 10, 31),
    )
    assert invoice.amount == invoice.balance == Decimal("97.42")
    lines = invoice.lines.order_by("position")
    assert list(lines.values_list("position", "kind", "description", "parent__description")) == [
        (0, "charge", "Gold Plan", None),
        (1, "tax", "CA State Tax", "Gold Plan"),
        (2, "discount", "10% Loyalty Discount", "Gold Plan"),
        (3, "discount_tax", "CA State Tax on discount", "10% Loyalty Discount"),
    ]
    assert list(lines.values_list("amount", "balance")) == [
        (Decimal("100.00"), Decimal("100.00")),
        (Decimal("8.25"), Decimal("8.25")),
        (Decimal("-10.00"), Decimal("-10.00")),
        (Decimal("-0.83"), Decimal("-0.83")),
    ]
    assert list(lines.values_list("accounting_code__code", "revenue_code__code")) == [
        ("2500", "4000"),
        ("2200", None),
        ("2500", None),
        ("2200", None),
    ]
    assert list(lines.values_list("service_start", "service_end")) == [
        (datetime.date(2026, 10, 1), datetime.date(2026, 10, 31)),
        (None, None),
        (None, None),
        (None, None),
    ]


def test_import_reports_what_it_created(import_data):
    report = import_data(example())

    assert report.accounting_codes == ["4000", "2500", "2200", "6100"]
    assert report.reason_codes == ["Customer Bankruptcy"]
    assert list(report.accounts) == ["A00000001"]
    assert list(report.documents) == ["INV00000101"]
    assert report.lines == 4
    assert list(report.skipped) == []
    assert "".join(report.summary()).splitlines() == [
        "Created 4 accounting codes: 4000, 2500, 2200, 6100",
        "Created 1 reason code: Customer Bankruptcy",
        "Created 1 account: A00000001",
        "Created 1 document with 4 lines: INV00000101",
    ]


def test_balances_of_a_partly_paid_invoice_are_imported(import_data):
    data = example()
    for line, balance in zip(example_lines(data), ["40.00", "8.25", "-4.00", "0"], strict=True):
        line["balance"] = balance

    import_data(data)

    invoice = BillingDocument.objects.get()
    assert list(invoice.lines.values_list("balance", flat=True)) == [
        Decimal("40.00"),
        Decimal("8.25"),
        Decimal("-4.00"),
        Decimal("0.00"),
    ]
    assert (invoice.amount, invoice.balance) == (Decimal("97.42"), Decimal("44.25"))


def test_amounts_with_more_zeros_than_the_currency_has_are_kept_exactly(import_data):
    data = example()
    example_lines(data)[0]["amount"] = "100.000"
    example_lines(data)[1]["amount"] = "8.250"

    import_data(data)

    assert list(LineItem.objects.values_list("amount", flat=True)[:2]) == [
        Decimal("100.00"),
        Decimal("8.25"),
    ]


def test_yen_invoice_imports_whole_amounts(import_data):
    data = example()
    data["documents"][0]["currency"] = "JPY"
    for line, amount in zip(example_lines(data), ["12000", "990", "-1200", "-99"], strict=True):
        line["amount"] = amount

    import_data(data)

    assert BillingDocument.objects.get().amount == Decimal("11691")


def test_parent_may_follow_its_child_in_the_file(import_data):
    data = example()
    data["documents"][0]["lines"].reverse()

    import_data(data)

    tax = LineItem.objects.get(kind="tax")
    assert (tax.position, tax.parent.description) == (2, "Gold Plan")


def test_accounting_codes_may_be_in_the_database_only(import_data):
    for code in EXAMPLE["accounting_codes"]:
        AccountingCodeFactory(code=code["code"])
    data = example()
    del data["accounting_codes"]

    report = import_data(data)

    assert list(report.documents) == ["INV00000101"]
    assert report.accounting_codes == []


def test_codes_that_exist_already_are_reported_and_left_unchanged(import_data):
    AccountingCodeFactory(code="2500", name="Unearned Revenue")

    report = import_data(example())

    assert AccountingCode.objects.get(code="2500").name == "Unearned Revenue"
    assert "Accounting code 2500 exists already; left unchanged." in report.skipped
    assert report.accounting_codes == ["4000", "2200", "6100"]


def test_reimport_reports_the_existing_number_and_changes_nothing_of_it(import_data):
    import_data(example())
    data = example()
    example_lines(data)[1]["balance"] = "0.00"
    data["documents"].append({**copy.deepcopy(data["documents"][0]), "number": "INV00000102"})

    report = import_data(data)

    assert list(report.documents) == ["INV00000102"]
    assert "INV00000101 exists already; left unchanged." in report.skipped
    assert BillingDocument.objects.get(number="INV00000101").balance == Decimal("97.42")
    assert BillingDocument.objects.get(number="INV00000102").balance == Decimal("89.17")
    assert Account.objects.count() == 1


def test_reimport_of_the_same_file_changes_nothing(import_data):
    import_data(example())
    before = row_counts()

    report = import_data(example())

    assert row_counts() == before
    assert list(report.documents) == []
    assert len(report.skipped) == 6


def test_existing_account_is_reused_by_number(import_data):
    account = AccountFactory(number="A00000001", name="Acme Corp")

    import_data(example())

    assert BillingDocument.objects.get().account == account


@pytest.mark.parametrize("number", ["NULL", 'A, "1" {2} \\ 3'])
def test_existing_account_is_found_whatever_its_number_holds(import_data, number):
    # The numbers are looked up as one array on PostgreSQL: none is read as its NULL, a
    # separator or a quote.
    account = AccountFactory(number=number, name="Acme Corp")
    data = example()
    data["documents"][0]["account"]["number"] = number

    import_data(data)

    assert BillingDocument.objects.get().account == account


def test_fields_beyond_the_format_are_ignored(import_data):
    data = example()
    data["exported_by"] = "Zuora"
    data["documents"][0]["po_number"] = "PO-1"
    example_lines(data)[1]["service_start"] = "2026-10-01"
    example_lines(data)[2]["revenue_code"] = "4000"

    import_data(data)

    assert LineItem.objects.get(kind="tax").service_start is None
    assert LineItem.objects.get(kind="discount").revenue_code is None


def test_debit_memo_imports(import_data):
    data = example()
    data["documents"][0].update(type="debit_memo", number="DM00000001")

    import_data(data)

    assert BillingDocument.objects.get().type == BillingDocument.Type.DEBIT_MEMO


def test_codes_may_be_imported_inactive(import_data):
    data = example()
    data["accounting_codes"][3]["active"] = False
    data["reason_codes"][0]["active"] = False

    import_data(data)

    assert not AccountingCode.objects.get(code="6100").active
    assert not ReasonCode.objects.get(name="Customer Bankruptcy").active


def test_document_of_2000_lines_imports(import_data):
    data = example()
    data["documents"][0]["lines"] = [charge(n) for n in range(2000)]

    assert import_data(data).lines == 2000


# Reading the file


def test_numbers_are_read_as_decimals_not_floats():
    parsed = import_json_parse(b'{"a": 0.1, "b": 1e2, "c": 5, "d": NaN}')

    assert (parsed["a"], parsed["c"]) == (Decimal("0.1"), Decimal("5"))
    assert isinstance(parsed["b"], RefusedNumber) and parsed["b"].text == "1e2"
    assert isinstance(parsed["d"], RefusedNumber) and parsed["d"].text == "NaN"


def test_invalid_json_is_refused_with_its_position():
    assert parse_refusal(b'{"documents": [}') == [
        "top level: not valid JSON at line 1, column 16: Expecting value."
    ]


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e2", "1E+2"])
def test_nan_infinity_and_exponents_are_refused_as_json_numbers(number):
    raw = json.dumps(example()).replace('"100.00"', number).encode()

    assert refusal(import_json_parse(raw)) == [
        f'documents[0].lines[0].amount: write the amount as a string ("{number}"), not a JSON '
        "number"
    ]


def test_invalid_utf8_is_refused():
    assert parse_refusal(b'{"documents": [], "name": "Caf\xe9"}') == [
        "top level: byte 30 is not UTF-8 (invalid continuation byte)."
    ]


def test_key_given_twice_in_one_object_is_refused_with_its_path():
    assert parse_refusal(b'{"documents": [], "documents": []}') == [
        "documents: this key appears more than once in its object; send it once."
    ]


# What an import refuses, each problem with its JSON path


def set_line(index: int, **fields):
    def change(data):
        example_lines(data)[index].update(fields)

    return change


def set_document(**fields):
    def change(data):
        data["documents"][0].update(fields)

    return change


def in_yen(index: int, amount: str):
    def change(data):
        data["documents"][0]["currency"] = "JPY"
        for line, whole in zip(example_lines(data), ["12000", "990", "-1200", "-99"], strict=True):
            line["amount"] = whole
        example_lines(data)[index]["amount"] = amount

    return change


LINE = "documents[0].lines"
WRITE_THE_DATE = "Write the date as YYYY-MM-DD, e.g. 2026-10-15."
NUL = "Text cannot contain the NUL character."
LONE_SURROGATE = "Text cannot contain a lone surrogate (an unpaired \\ud800 to \\udfff)."
NUMBER_PATTERN = (
    'must start with an ASCII letter or digit and hold only ASCII letters, digits, "-", "_" '
    'and ".", so that every page can link to it'
)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            set_line(0, amount=Decimal("100.00")),
            f'{LINE}[0].amount: write the amount as a string ("100.00"), not a JSON number',
        ),
        (
            set_line(0, amount=100),
            f'{LINE}[0].amount: write the amount as a string ("100"), not a JSON number',
        ),
        (set_line(1, amount="1.005"), f"{LINE}[1].amount: More decimals than USD allows (2)."),
        (in_yen(1, "1.5"), f"{LINE}[1].amount: JPY has no decimals; enter a whole amount."),
        (
            set_line(1, amount="1e2"),
            f'{LINE}[1].amount: must be a plain decimal string such as "12.50", not "1e2"',
        ),
        (
            set_line(1, amount="NaN"),
            f'{LINE}[1].amount: must be a plain decimal string such as "12.50", not "NaN"',
        ),
        (
            set_line(1, amount=""),
            f'{LINE}[1].amount: must be a plain decimal string such as "12.50", not ""',
        ),
        (
            set_line(0, amount="1" + "0" * 18),
            f'{LINE}[0].amount: must be a plain decimal string such as "12.50", not "1{"0" * 18}"',
        ),
        (set_line(1, amount="-8.25"), f"{LINE}[1].amount: must be zero or positive for a tax line"),
        (
            set_line(2, amount="10.00"),
            f"{LINE}[2].amount: must be zero or negative for a discount line",
        ),
        (
            set_line(3, amount="0.83"),
            f"{LINE}[3].amount: must be zero or negative for a tax on discount line",
        ),
        (set_line(0, balance="100.01"), f"{LINE}[0].balance: is more than the amount, 100.00"),
        (set_line(2, balance="-10.01"), f"{LINE}[2].balance: is more than the amount, -10.00"),
        (set_line(2, balance="1.00"), f"{LINE}[2].balance: must have the sign of the amount"),
        (
            set_line(1, amount="0.00", balance="1.00"),
            f"{LINE}[1].balance: is more than the amount, 0.00",
        ),
        (
            set_line(2, amount="0.00", balance="-1.00"),
            f"{LINE}[2].balance: is more than the amount, 0.00",
        ),
        (
            set_line(1, balance=Decimal("8.25")),
            f'{LINE}[1].balance: write the amount as a string ("8.25"), not a JSON number',
        ),
        (set_line(1, parent="c9"), f'{LINE}[1].parent: no line of this document has the ref "c9"'),
        (
            set_line(3, parent="c1"),
            f'{LINE}[3].parent: "c1" is a charge line; a tax on discount line belongs to a '
            "discount line",
        ),
        (
            set_line(1, parent="t1"),
            f'{LINE}[1].parent: "t1" is a tax line; a tax line belongs to a charge line',
        ),
        (set_line(1, parent=None), f"{LINE}[1].parent: is missing"),
        (set_line(0, parent="d1"), f"{LINE}[0].parent: a charge has no parent"),
        (set_line(1, ref="c1"), f'{LINE}[1].ref: "c1" appears already at {LINE}[0].ref'),
        (
            set_line(1, kind="fee"),
            f'{LINE}[1].kind: "fee" is not one of charge, tax, discount, discount_tax',
        ),
        (set_line(1, description=""), f"{LINE}[1].description: must be a non-empty string"),
        (set_line(1, ref="t\x001"), f"{LINE}[1].ref: {NUL}"),
        (set_line(1, tax_code="2200\ud800"), f"{LINE}[1].tax_code: {LONE_SURROGATE}"),
        (
            set_line(1, description="x" * 256),
            f"{LINE}[1].description: has 256 characters; at most 255 are allowed",
        ),
        (
            set_line(1, tax_code="9999"),
            f"{LINE}[1].tax_code: accounting code 9999 is neither in this file nor in the database",
        ),
        (
            set_line(0, revenue_code="4999"),
            f"{LINE}[0].revenue_code: accounting code 4999 is neither in this file nor in the "
            "database",
        ),
        (set_line(0, deferred_revenue_code=None), f"{LINE}[0].deferred_revenue_code: is missing"),
        (
            set_line(0, service_start="20261001"),
            f"{LINE}[0].service_start: {WRITE_THE_DATE}",
        ),
        (
            set_line(0, service_end="2026-09-30"),
            f"{LINE}[0].service_end: is before the service start, 2026-10-01",
        ),
        (
            set_document(currency="XYZ"),
            "documents[0].currency: 'XYZ' is not an ISO 4217 currency code.",
        ),
        (
            set_document(currency="usd"),
            "documents[0].currency: 'usd' is not an ISO 4217 currency code.",
        ),
        (
            set_document(currency="XAU"),
            "documents[0].currency: XAU has no minor units and cannot be billed.",
        ),
        (set_document(date="20261001"), f"documents[0].date: {WRITE_THE_DATE}"),
        (set_document(date="2026-W40-4"), f"documents[0].date: {WRITE_THE_DATE}"),
        (set_document(date="2026-02-30"), "documents[0].date: 2026-02-30 is not a date."),
        (set_document(date=20261001), "documents[0].date: must be a date written YYYY-MM-DD"),
        (
            set_document(due_date="2026-09-30"),
            "documents[0].due_date: is before the document date, 2026-10-01",
        ),
        (
            set_document(status="Paid"),
            'documents[0].status: "Paid" is not one of Draft, Posted, Canceled',
        ),
        (
            set_document(type="quote"),
            'documents[0].type: "quote" is not one of invoice, debit_memo',
        ),
        (set_document(number=" "), "documents[0].number: must be a non-empty string"),
        (set_document(number=None), "documents[0].number: is missing"),
        (set_document(number="INV\x00"), f"documents[0].number: {NUL}"),
        (set_document(number="INV/1"), f"documents[0].number: {NUMBER_PATTERN}"),
        (set_document(number=".."), f"documents[0].number: {NUMBER_PATTERN}"),
        (set_document(number=" INV1"), f"documents[0].number: {NUMBER_PATTERN}"),
        (set_document(number="INV 1"), f"documents[0].number: {NUMBER_PATTERN}"),
        (set_document(number="INVÄ1"), f"documents[0].number: {NUMBER_PATTERN}"),
        (
            set_document(account="Acme"),
            "documents[0].account: must be an object with the account's number and name",
        ),
        (set_document(lines=[]), "documents[0].lines: must hold at least one line"),
        (set_document(lines={}), "documents[0].lines: must be a list"),
        (set_document(lines=["c1"]), "documents[0].lines[0]: must be an object"),
    ],
)
def test_bad_input_is_refused_with_its_json_path(change, problem):
    data = example()
    change(data)
    assert refusal(data) == [problem]


def test_every_text_the_file_gives_is_refused_with_nul():
    data = example()
    data["accounting_codes"][0]["name"] = "Revenue\x00"
    data["reason_codes"][0]["name"] = "\x00"
    data["documents"][0]["account"]["number"] = "A\x00"

    assert refusal(data) == [
        f"accounting_codes[0].name: {NUL}",
        f"reason_codes[0].name: {NUL}",
        f"documents[0].account.number: {NUL}",
    ]


def test_more_than_2000_lines_are_refused():
    data = example()
    data["documents"][0]["lines"] = [charge(n) for n in range(2001)]

    assert refusal(data) == ["documents[0].lines: has 2001 lines; a document has at most 2000"]


def test_negative_document_balance_is_refused():
    data = example()
    for line in example_lines(data)[:2]:
        line["balance"] = "0"

    assert refusal(data) == [
        "documents[0]: the line balances add up to -10.83; a document's balance cannot be negative"
    ]


def test_settled_document_with_open_lines_is_refused():
    data = example()
    lines = example_lines(data)
    lines[0]["balance"] = "10.83"  # offsets the discount and its tax: the balances add up to 0
    lines[1]["balance"] = "0"

    assert refusal(data) == [
        "documents[0]: the line balances add up to zero but some lines are still open; a "
        "settled document's lines must all have a zero balance"
    ]


def test_duplicate_document_number_in_the_file_is_refused():
    data = example()
    data["documents"].append(copy.deepcopy(data["documents"][0]))

    assert refusal(data) == [
        'documents[1].number: "INV00000101" appears already at documents[0].number'
    ]


def test_a_repeated_number_names_the_first_by_its_place_in_the_file():
    data = example()
    first = data["documents"][0]
    data["documents"] = [first, "not an invoice", copy.deepcopy(first), copy.deepcopy(first)]

    assert refusal(data) == [
        "documents[1]: must be an object",
        'documents[2].number: "INV00000101" appears already at documents[0].number',
        'documents[3].number: "INV00000101" appears already at documents[0].number',
    ]


def test_duplicate_codes_in_the_file_are_refused():
    data = example()
    data["accounting_codes"].append({"code": "2500", "name": "Again", "type": "DeferredRevenue"})
    data["reason_codes"].append({"name": "Customer Bankruptcy"})

    assert refusal(data) == [
        'accounting_codes[4].code: "2500" appears already at accounting_codes[1].code',
        'reason_codes[1].name: "Customer Bankruptcy" appears already at reason_codes[0].name',
    ]


def test_accounting_code_of_an_unknown_type_is_refused():
    data = example()
    data["accounting_codes"][0]["type"] = "Revenue"

    assert refusal(data)[0].startswith(
        'accounting_codes[0].type: "Revenue" is not one of AccountsReceivable, OnAccount,'
    )


def test_account_named_otherwise_in_the_database_is_refused():
    AccountFactory(number="A00000001", name="Acme Holdings")

    assert refusal(example()) == [
        'documents[0].account.name: account A00000001 is named "Acme Holdings" in the database'
    ]


def test_account_named_two_ways_in_the_file_is_refused():
    data = example()
    second = copy.deepcopy(data["documents"][0])
    second.update(number="INV00000102", account={"number": "A00000001", "name": "ACME"})
    data["documents"].append(second)

    assert refusal(data) == [
        'documents[1].account.name: account A00000001 is named "Acme Corp" at '
        "documents[0].account.name"
    ]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ([], "top level: must be a JSON object with a documents list (C7)"),
        ({"invoices": []}, "top level: must be a JSON object with a documents list (C7)"),
        ({"documents": {}}, "documents: must be a list"),
        ({"documents": [], "accounting_codes": [1]}, "accounting_codes[0]: must be an object"),
    ],
)
def test_file_of_the_wrong_shape_is_refused(data, problem):
    assert refusal(data) == [problem]


def test_every_problem_is_reported_at_once():
    data = example()
    data["documents"][0]["due_date"] = "2026-09-01"
    example_lines(data)[1]["amount"] = "1.005"
    example_lines(data)[3]["parent"] = "c1"
    data["documents"].append({**copy.deepcopy(data["documents"][0]), "currency": "XYZ"})

    assert refusal(data) == [
        "documents[0].due_date: is before the document date, 2026-10-01",
        f"{LINE}[1].amount: More decimals than USD allows (2).",
        f'{LINE}[3].parent: "c1" is a charge line; a tax on discount line belongs to a discount '
        "line",
        "documents[1].currency: 'XYZ' is not an ISO 4217 currency code.",
        "documents[1].due_date: is before the document date, 2026-10-01",
        'documents[1].lines[3].parent: "c1" is a charge line; a tax on discount line belongs to '
        "a discount line",
        'documents[1].number: "INV00000101" appears already at documents[0].number',
    ]


def test_refusal_leaves_codes_and_other_documents_unwritten():
    data = example()
    second = copy.deepcopy(data["documents"][0])
    second["number"] = "INV00000102"
    second["lines"][0]["amount"] = "1.001"
    data["documents"].append(second)

    refusal(data)

    assert not BillingDocument.objects.exists()
    assert not AccountingCode.objects.exists()


def test_existing_document_is_left_unchanged_even_next_to_a_refused_one():
    InvoiceFactory(number="INV00000101")
    data = example()
    data["documents"][0]["lines"][0]["amount"] = "1.001"

    assert refusal(data) == [f"{LINE}[0].amount: More decimals than USD allows (2)."]


# Large files: read as they come, written in batches, all or nothing


def codes_last(data: dict) -> dict:
    """`data` with its documents first and its codes after them."""
    return {"documents": data.pop("documents"), **data}


def invoices(count: int) -> dict:
    """The C7 example with `count` copies of its invoice, numbered from INV00000001."""
    data = example()
    invoice = data["documents"][0]
    data["documents"] = [
        {**copy.deepcopy(invoice), "number": f"INV{n:08d}"} for n in range(1, count + 1)
    ]
    return data


def test_accounting_codes_may_come_after_the_documents(import_data):
    report = import_data(codes_last(example()))

    assert list(report.documents) == ["INV00000101"]
    assert report.accounting_codes == ["4000", "2500", "2200", "6100"]
    assert LineItem.objects.get(kind="tax").accounting_code.code == "2200"


def test_codes_after_the_documents_are_checked_first_as_ever():
    data = codes_last(example())
    data["accounting_codes"][2]["name"] = ""
    example_lines(data)[1]["tax_code"] = "2299"

    assert refusal(data) == [
        "accounting_codes[2].name: must be a non-empty string",
        f"{LINE}[1].tax_code: accounting code 2299 is neither in this file nor in the database",
    ]


@pytest.fixture
def batches_of_two(monkeypatch):
    """Batches of two documents, and the documents in the database after each batch."""
    monkeypatch.setattr(streaming, "BATCH_SIZE", 2)
    counts = []
    write = Writer.documents

    def documents(self, batch):
        write(self, batch)
        # The rows of a batch are written while the next one is made: write them now.
        self.inserts.start()
        self.inserts.wait()
        counts.append(BillingDocument.objects.count())

    monkeypatch.setattr(Writer, "documents", documents)
    return counts


def test_a_problem_in_the_third_batch_rolls_back_the_two_batches_written_before_it(
    batches_of_two, tmp_path
):
    before = row_counts()
    data = invoices(6)
    data["documents"][5]["lines"][0]["amount"] = "1.001"

    with pytest.raises(ImportRefused) as refused:
        file_import(path=as_file(data, tmp_path / "invoices.json"))

    assert batches_of_two == [2, 4, 4]
    assert refused.value.problems == [
        "documents[5].lines[0].amount: More decimals than USD allows (2)."
    ]
    assert row_counts() == before


def test_a_number_repeated_in_a_later_batch_is_refused(batches_of_two, tmp_path):
    data = invoices(5)
    data["documents"][4]["number"] = "INV00000001"

    with pytest.raises(ImportRefused) as refused:
        file_import(path=as_file(data, tmp_path / "invoices.json"))

    assert refused.value.problems == [
        'documents[4].number: "INV00000001" appears already at documents[0].number'
    ]
    assert not BillingDocument.objects.exists()


def test_a_number_repeated_after_a_problem_is_still_found(batches_of_two, tmp_path):
    # The first problem stops the writing; the numbers are still noted, and every repeat listed.
    data = invoices(6)
    data["documents"][1]["currency"] = "XXX"
    data["documents"][3]["number"] = "INV00000003"  # in the same batch as its first
    data["documents"][4]["number"] = "INV00000002"
    data["documents"][5]["number"] = "INV00000002"

    with pytest.raises(ImportRefused) as refused:
        file_import(path=as_file(data, tmp_path / "invoices.json"))

    assert refused.value.problems[1:] == [
        'documents[3].number: "INV00000003" appears already at documents[2].number',
        'documents[4].number: "INV00000002" appears already at documents[1].number',
        'documents[5].number: "INV00000002" appears already at documents[1].number',
    ]
    assert not BillingDocument.objects.exists()


def test_the_numbers_met_are_kept_in_the_database_for_the_import_only(monkeypatch, tmp_path):
    # In memory they would grow with the file; the table is gone once the import is done, so
    # that the next import on the same connection starts from nothing.
    monkeypatch.setattr(streaming, "BATCH_SIZE", 2)
    noted = []
    write = Writer.documents

    def documents(self, batch):
        write(self, batch)
        with self.numbers_seen.cursor() as cursor:
            cursor.execute(f"SELECT number, first FROM {self.numbers_seen.table} ORDER BY first")
            noted.append(cursor.fetchall())

    monkeypatch.setattr(Writer, "documents", documents)
    path = as_file(invoices(3), tmp_path / "invoices.json")

    file_import(path=path)

    assert noted == [
        [("INV00000001", 0), ("INV00000002", 1)],
        [("INV00000001", 0), ("INV00000002", 1), ("INV00000003", 2)],
    ]
    noted.clear()
    report = file_import(path=path)  # again: every document exists, none repeats in the file
    assert list(report.documents) == []
    assert len(report.skipped) == 8  # four accounting codes, a reason code, three documents
    assert noted[-1] == [("INV00000001", 0), ("INV00000002", 1), ("INV00000003", 2)]


def test_an_import_after_a_refused_one_on_the_same_connection_sees_no_numbers_of_it():
    data = invoices(2)
    data["documents"][1]["currency"] = "XXX"
    with pytest.raises(ImportRefused):
        documents_import(data=data)

    report = documents_import(data=invoices(2))

    assert list(report.documents) == ["INV00000001", "INV00000002"]


def test_a_long_report_is_kept_outside_memory_and_printed_whole(monkeypatch, tmp_path):
    monkeypatch.setattr(Spooled, "IN_MEMORY", 2)
    path = as_file(invoices(5), tmp_path / "invoices.json")
    closed = []
    close = ImportReport.close
    monkeypatch.setattr(ImportReport, "close", lambda self: closed.append(close(self)))
    out = io.StringIO()

    call_command("import_invoices", str(path), stdout=out)
    call_command("import_invoices", str(path), stdout=out)

    numbers = [f"INV0000000{n}" for n in range(1, 6)]
    codes = ["4000", "2500", "2200", "6100"]
    assert out.getvalue().splitlines() == [
        "Created 4 accounting codes: 4000, 2500, 2200, 6100",
        "Created 1 reason code: Customer Bankruptcy",
        "Created 1 account: A00000001",
        f"Created 5 documents with 20 lines: {', '.join(numbers)}",
        *(f"Accounting code {code} exists already; left unchanged." for code in codes),
        "Reason code Customer Bankruptcy exists already; left unchanged.",
        *(f"{number} exists already; left unchanged." for number in numbers),
    ]
    assert len(closed) == 2


def test_spooled_texts_read_back_as_given():
    spooled = Spooled()
    odd = ['quote " and, comma', "line\nbreak", "é", "[1]"]
    texts = ["a", *odd[:3], *map(str, range(2000)), *odd]  # odd texts in memory and in the file
    spooled.extend(texts[:3])
    spooled.append(texts[3])
    spooled.extend(texts[4:])
    try:
        assert list(spooled) == texts
        assert list(spooled) == texts  # read again
        spooled.append("after reading")
        assert list(spooled)[-2:] == ["[1]", "after reading"]
        assert len(spooled) == len(texts) + 1
    finally:
        spooled.close()
    assert spooled.file is None


def test_documents_of_earlier_batches_are_let_go_before_later_ones_are_written(
    monkeypatch, tmp_path
):
    monkeypatch.setattr(streaming, "BATCH_SIZE", 10)
    held, seen = [], []
    write = Writer.documents

    def documents(self, batch):
        gc.collect()
        held.append(sum(document() is not None for document in seen))
        seen.extend(weakref.ref(document) for document in batch)
        write(self, batch)

    monkeypatch.setattr(Writer, "documents", documents)

    report = file_import(path=as_file(invoices(50), tmp_path / "invoices.json"))

    assert len(report.documents) == 50
    assert held == [0, 0, 0, 0, 0]


def test_an_import_makes_no_reference_cycles(monkeypatch, tmp_path):
    # The command pauses the cyclic collector while it imports: memory stays flat only because
    # what an import makes is freed by reference counting alone.
    monkeypatch.setattr(streaming, "BATCH_SIZE", 10)
    path = as_file(invoices(100), tmp_path / "invoices.json")
    gc.collect()
    gc.disable()
    try:
        report = file_import(path=path)
        cycles = gc.collect()
    finally:
        gc.enable()

    assert len(report.documents) == 100
    assert cycles < 50


def test_command_pauses_the_cyclic_collector_while_it_imports(monkeypatch, tmp_path):
    enabled = []
    write = Writer.documents

    def documents(self, batch):
        enabled.append(gc.isenabled())
        write(self, batch)

    monkeypatch.setattr(Writer, "documents", documents)

    call_command("import_invoices", str(as_file(invoices(3), tmp_path / "invoices.json")))

    assert enabled == [False]
    assert gc.isenabled()


def test_invalid_json_late_in_the_file_rolls_back_the_batches_written_before_it(
    batches_of_two, tmp_path
):
    path = as_file(invoices(6), tmp_path / "invoices.json")
    raw = path.read_bytes().replace(b'"INV00000006"', b'"INV00000006" "x"')
    path.write_bytes(raw)

    with pytest.raises(ImportRefused) as refused:
        file_import(path=path)

    assert batches_of_two == [2, 4]
    assert refused.value.problems == parse_refusal(raw)
    assert refused.value.problems[0].startswith("top level: not valid JSON at line 1, column ")
    assert not BillingDocument.objects.exists()


def test_a_failed_write_stops_the_reading_ahead(monkeypatch, tmp_path):
    monkeypatch.setattr(streaming, "BATCH_SIZE", 2)

    def documents(self, batch):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(Writer, "documents", documents)

    with pytest.raises(IntegrityError):
        file_import(path=as_file(invoices(10), tmp_path / "invoices.json"))

    assert "import-read-ahead" not in [thread.name for thread in threading.enumerate()]


def copying_threads() -> list[str]:
    return [
        thread.name for thread in threading.enumerate() if thread.name.startswith("import-copy")
    ]


@postgresql_copy
def test_a_refusal_by_the_database_while_copying_is_raised_and_nothing_is_imported(
    monkeypatch, tmp_path
):
    # Another import commits INV00000003 after this one has looked for it: the database refuses
    # the copy of the second batch, in the copying thread.
    InvoiceFactory(number="INV00000003")
    before = row_counts()
    monkeypatch.setattr(streaming, "BATCH_SIZE", 2)
    look_up = writing._rows
    monkeypatch.setattr(
        writing,
        "_rows",
        lambda model, name, values, **kwargs: (
            {} if model is BillingDocument else look_up(model, name, values, **kwargs)
        ),
    )

    with pytest.raises(CommandError, match="another import created some of the same"):
        call_command(
            "import_invoices",
            str(as_file(invoices(6), tmp_path / "invoices.json")),
            stdout=io.StringIO(),
        )

    assert row_counts() == before
    assert copying_threads() == []


@postgresql_copy
def test_an_error_while_a_batch_is_copied_is_raised_and_waits_for_the_copy(monkeypatch, tmp_path):
    before = row_counts()
    monkeypatch.setattr(streaming, "BATCH_SIZE", 2)
    create = Writer._create_documents

    def create_documents(self, documents, new_accounts):
        if documents[0].number == "INV00000003":  # the first batch is being copied in
            raise RuntimeError("a fault of this process")
        return create(self, documents, new_accounts)

    monkeypatch.setattr(Writer, "_create_documents", create_documents)

    with pytest.raises(RuntimeError, match="a fault of this process"):
        file_import(path=as_file(invoices(6), tmp_path / "invoices.json"))

    assert row_counts() == before
    assert copying_threads() == []


@postgresql_copy
def test_reason_codes_after_the_documents_wait_for_the_copy(monkeypatch, tmp_path):
    # The reason codes come last, while the batch before the last may still be copied in by
    # the copying thread: they are looked up and written on the import's connection only once
    # it has let go of it.
    monkeypatch.setattr(streaming, "BATCH_SIZE", 2)
    data = codes_last(invoices(8))
    data["reason_codes"] = [{"name": "Fraud"}]
    copying, looked_up_while = threading.Event(), []

    def slow_copy(raw_connection, copies):
        copying.set()
        try:
            time.sleep(0.1)
            writing_copy(raw_connection, copies)
        finally:
            copying.clear()

    def rows(model, name, values, **kwargs):
        if model is ReasonCode:
            looked_up_while.append(copying.is_set())
        return look_up(model, name, values, **kwargs)

    writing_copy, look_up = writing._copy, writing._rows
    monkeypatch.setattr(writing, "_copy", slow_copy)
    monkeypatch.setattr(writing, "_rows", rows)

    report = file_import(path=as_file(data, tmp_path / "invoices.json"))

    assert looked_up_while == [False]
    assert report.reason_codes == ["Fraud"]
    assert BillingDocument.objects.filter(number__startswith="INV").count() == 8
    assert ReasonCode.objects.filter(name="Fraud").exists()


@pytest.fixture
def looked_up(monkeypatch):
    """Whether each look-up of documents by number went through the connection beside."""
    beside, look_up = [], writing._rows

    def rows(model, name, values, **kwargs):
        if model is BillingDocument:
            beside.append(kwargs.get("beside") is not None)
        return look_up(model, name, values, **kwargs)

    monkeypatch.setattr(writing, "_rows", rows)
    return beside


@pytest.mark.django_db(transaction=True)
def test_an_import_in_its_own_transaction_finds_what_others_committed(
    monkeypatch, tmp_path, looked_up
):
    # No transaction of the caller's around the import (the command's case): on PostgreSQL a
    # batch's look-ups go through the connection beside while the batch before is copied in.
    # It sees what was committed before, and the import's own rows come from what it knows.
    monkeypatch.setattr(streaming, "BATCH_SIZE", 2)
    account = AccountFactory(number="A00000001", name="Acme Corp")
    InvoiceFactory(number="INV00000003", account=account)
    AccountingCodeFactory(code="7000")
    data = invoices(6)
    del data["accounting_codes"][1]  # 2500, in the database only from the first import
    AccountingCodeFactory(code="2500")
    data["documents"][5]["lines"][2]["deferred_revenue_code"] = "7000"  # in the database only
    path = as_file(data, tmp_path / "invoices.json")

    report = file_import(path=path)

    assert set(looked_up) == {connection.vendor == "postgresql"}
    assert list(report.documents) == [
        "INV00000001", "INV00000002", "INV00000004", "INV00000005", "INV00000006"
    ]  # fmt: skip
    assert "INV00000003 exists already; left unchanged." in report.skipped
    assert list(report.accounts) == []  # A00000001 was there
    assert Account.objects.count() == 1
    assert LineItem.objects.filter(accounting_code__code="7000").count() == 1
    again = file_import(path=path)  # what the first import committed is seen
    assert list(again.documents) == []
    assert BillingDocument.objects.count() == 6


@pytest.mark.django_db(transaction=True)
def test_an_import_in_its_own_transaction_refuses_an_account_named_otherwise(looked_up):
    AccountFactory(number="A00000001", name="Acme Holdings")

    assert refusal(example()) == [
        'documents[0].account.name: account A00000001 is named "Acme Holdings" in the database'
    ]
    assert set(looked_up) == {connection.vendor == "postgresql"}
    assert not BillingDocument.objects.exists()


def test_an_import_inside_a_transaction_of_its_caller_finds_what_that_holds(looked_up):
    # The tests' own transaction stands for a caller's: a document it holds, which no other
    # connection can see, is found through the import's own connection.
    InvoiceFactory(number="INV00000101")

    report = documents_import(data=example())

    assert looked_up == [False]
    assert "INV00000101 exists already; left unchanged." in report.skipped
    assert list(report.documents) == []


@postgresql_copy
def test_the_keys_are_checked_at_the_commit_again_after_an_import(tmp_path):
    # The import has the database check its rows' keys as each batch is copied in; the rest of
    # the transaction has them checked at the commit again, as Django declares them.
    file_import(path=as_file(invoices(3), tmp_path / "invoices.json"))
    line = LineItem.objects.filter(kind=LineItem.Kind.TAX).first()

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE billing_lineitem SET accounting_code_id = -1 WHERE id = %s", [line.pk]
        )
        with pytest.raises(IntegrityError, match="accounting_code_id"):
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@postgresql_copy
@pytest.mark.parametrize(("step", "ids"), [(1, [4, 5, 6]), (2, [9, 11, 13])])
def test_ids_are_drawn_as_one_run_or_else_one_by_one(step, ids):
    # A sequence whose numbers come two apart stands for one that another session drew from
    # meanwhile: the run is not whole, and the ids are drawn again, one by one.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE drawn "
            f"(id bigint GENERATED BY DEFAULT AS IDENTITY (INCREMENT BY {step}) PRIMARY KEY)"
        )
        cursor.execute("SELECT nextval(pg_get_serial_sequence('drawn', 'id'))")
        if step == 1:
            cursor.execute("SELECT setval(pg_get_serial_sequence('drawn', 'id'), 3)")

        assert list(writing._draw_ids(cursor, "drawn", 3)) == ids


def test_text_that_copy_escapes_is_stored_as_the_file_gives_it(tmp_path):
    # Tabs, line breaks and backslashes separate and escape COPY's columns and rows, and "\\N"
    # is its NULL: each is written as the file gives it, in every table the import copies to.
    odd = 'Tab\there, line\nbreak, CR\r, back\\slash, \\N, "quoted", Ünïcödé, 😀'
    data = example()
    data["documents"][0]["account"]["name"] = odd
    example_lines(data)[0]["description"] = odd

    file_import(path=as_file(data, tmp_path / "invoices.json"))

    assert Account.objects.get(number=data["documents"][0]["account"]["number"]).name == odd
    assert LineItem.objects.get(position=0).description == odd


def test_problems_past_the_first_thousand_are_counted_not_listed(tmp_path):
    data = example()
    data["documents"][0]["lines"] = [charge(n, amount="1.001") for n in range(1200)]
    err = io.StringIO()

    with pytest.raises(CommandError, match=r"Nothing was imported: 1200 problems\."):
        call_command("import_invoices", str(as_file(data, tmp_path / "invoices.json")), stderr=err)

    lines = err.getvalue().splitlines()
    assert len(lines) == MAX_PROBLEMS + 1 == 1001
    assert lines[0] == f"{LINE}[0].amount: More decimals than USD allows (2)."
    assert lines[-2] == f"{LINE}[999].amount: More decimals than USD allows (2)."
    assert lines[-1] == "... and 200 more, not listed."
    assert not BillingDocument.objects.exists()


# The import_invoices command


def test_command_imports_a_file(tmp_path):
    path = tmp_path / "invoices.json"
    path.write_text(json.dumps(EXAMPLE), encoding="utf-8")
    out = io.StringIO()

    call_command("import_invoices", str(path), stdout=out)

    assert "Created 1 document with 4 lines: INV00000101" in out.getvalue()
    assert BillingDocument.objects.filter(number="INV00000101").exists()


@pytest.mark.parametrize("where", ["NumbersSeen", "documents"])
def test_command_says_the_database_failed_and_imports_nothing(monkeypatch, tmp_path, where):
    # The import's second connection (for the numbers it meets) cannot be had, or the
    # import's own fails midway.
    def fail(*args, **kwargs):
        raise OperationalError("connection to server failed\nsecond line")

    target = writing.NumbersSeen if where == "NumbersSeen" else Writer
    monkeypatch.setattr(target, "__init__" if where == "NumbersSeen" else "documents", fail)
    before = row_counts()

    with pytest.raises(CommandError) as failed:
        call_command("import_invoices", str(as_file(EXAMPLE, tmp_path / "x.json")))

    assert str(failed.value) == (
        "Nothing was imported: the database failed (connection to server failed)."
    )
    assert row_counts() == before


def test_command_reads_standard_input_for_a_dash(monkeypatch):
    raw = json.dumps(EXAMPLE).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))
    out = io.StringIO()

    call_command("import_invoices", "-", stdout=out)

    assert "Created 1 document with 4 lines: INV00000101" in out.getvalue()


def test_command_reads_standard_input_twice_when_the_codes_come_last(monkeypatch):
    raw = json.dumps(codes_last(example())).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))
    out = io.StringIO()

    call_command("import_invoices", "-", stdout=out)

    assert "Created 4 accounting codes: 4000, 2500, 2200, 6100" in out.getvalue()
    assert "Created 1 document with 4 lines: INV00000101" in out.getvalue()


def test_command_reports_existing_numbers(tmp_path):
    path = tmp_path / "invoices.json"
    path.write_text(json.dumps(EXAMPLE), encoding="utf-8")
    call_command("import_invoices", str(path), stdout=io.StringIO())
    out = io.StringIO()

    call_command("import_invoices", str(path), stdout=out)

    assert "INV00000101 exists already; left unchanged." in out.getvalue()
    assert BillingDocument.objects.count() == 1


def test_command_prints_every_problem_and_fails_without_importing(tmp_path):
    data = example()
    example_lines(data)[1]["amount"] = "1.005"
    example_lines(data)[2]["amount"] = "10.00"
    path = tmp_path / "invoices.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    err = io.StringIO()

    with pytest.raises(CommandError, match=r"Nothing was imported: 2 problems\.") as failed:
        call_command("import_invoices", str(path), stdout=io.StringIO(), stderr=err)

    assert failed.value.returncode == 1
    assert err.getvalue().splitlines() == [
        f"{LINE}[1].amount: More decimals than USD allows (2).",
        f"{LINE}[2].amount: must be zero or negative for a discount line",
    ]
    assert not BillingDocument.objects.exists()


def test_command_refuses_invalid_json(tmp_path):
    path = tmp_path / "invoices.json"
    path.write_bytes(b'{"documents": [}')
    err = io.StringIO()

    with pytest.raises(CommandError, match=r"1 problem\."):
        call_command("import_invoices", str(path), stderr=err)

    assert err.getvalue().startswith("top level: not valid JSON")


def test_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match=r"Cannot read .*missing\.json: No such file"):
        call_command("import_invoices", str(tmp_path / "missing.json"))


def test_command_explains_a_clash_with_an_import_running_at_the_same_moment(tmp_path, monkeypatch):
    # The clash itself (a unique number committed by another import between this import's
    # checks and its inserts) is stood in for by the error the database raises then.
    from writeoffs.management.commands import import_invoices

    def clash(*, path):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(import_invoices, "file_import", clash)
    path = tmp_path / "invoices.json"
    path.write_text(json.dumps(EXAMPLE), encoding="utf-8")

    with pytest.raises(CommandError, match="another import created some of the same"):
        call_command("import_invoices", str(path), stdout=io.StringIO())


# Input that once gave a traceback (SPEC Q7): each is refused with its JSON path, nothing imported


def command_refusal(tmp_path, raw: bytes) -> list[str]:
    """What `import_invoices` prints on stderr for a file of `raw`; asserts it imported nothing."""
    path = tmp_path / "invoices.json"
    path.write_bytes(raw)
    err = io.StringIO()

    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_invoices", str(path), stdout=io.StringIO(), stderr=err)

    assert not BillingDocument.objects.exists()
    assert not AccountingCode.objects.exists()
    return err.getvalue().splitlines()


def example_file(change) -> bytes:
    """The C7 example after `change`, as a file; `json.dumps` escapes NUL and surrogates as
    `\\u0000` and `\\ud800`, as a program writing such a file would."""
    data = example()
    change(data)
    return json.dumps(data).encode()


DIGITS_5000 = "9" * 5000


def test_command_refuses_100000_nested_brackets(tmp_path):
    assert command_refusal(tmp_path, b"[" * 100000) == [
        "top level: nested more than 32 levels deep."
    ]


def test_command_refuses_a_5000_digit_amount_written_as_a_json_number(tmp_path):
    raw = example_file(set_line(0, amount="AMOUNT")).replace(b'"AMOUNT"', DIGITS_5000.encode())

    assert command_refusal(tmp_path, raw) == [
        f'{LINE}[0].amount: write the amount as a string ("{"9" * 40}…"), not a JSON number'
    ]


def test_command_refuses_a_5000_digit_amount_written_as_a_string(tmp_path):
    raw = example_file(set_line(0, amount=DIGITS_5000))

    assert command_refusal(tmp_path, raw) == [
        f'{LINE}[0].amount: must be a plain decimal string such as "12.50", not "{"9" * 40}…"'
    ]


def test_command_refuses_nul_in_a_description(tmp_path):
    raw = example_file(set_line(0, description="Gold\x00Plan"))
    assert b"\\u0000" in raw

    assert command_refusal(tmp_path, raw) == [f"{LINE}[0].description: {NUL}"]


def test_command_refuses_a_lone_surrogate_in_a_description(tmp_path):
    raw = example_file(set_line(0, description="Gold Plan \ud800"))
    assert b"\\ud800" in raw

    assert command_refusal(tmp_path, raw) == [f"{LINE}[0].description: {LONE_SURROGATE}"]


def test_command_refuses_a_lone_surrogate_in_an_account_name(tmp_path):
    raw = example_file(set_document(account={"number": "A00000001", "name": "Acme \ud800"}))

    assert command_refusal(tmp_path, raw) == [f"documents[0].account.name: {LONE_SURROGATE}"]


def test_command_refuses_a_document_number_no_url_can_route(tmp_path):
    raw = example_file(set_document(number="PRB/../1"))

    assert command_refusal(tmp_path, raw) == [f"documents[0].number: {NUMBER_PATTERN}"]


def test_command_refuses_a_key_given_twice_in_one_line(tmp_path):
    raw = json.dumps(EXAMPLE).encode()
    raw = raw.replace(b'"amount": "8.25"', b'"amount": "8.25", "amount": "0.25"')

    assert command_refusal(tmp_path, raw) == [
        f"{LINE}[1].amount: this key appears more than once in its object; send it once."
    ]
