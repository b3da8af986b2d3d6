"""`PUT /api/v1/invoices/<number>/write-off` and `PUT /api/v1/debitmemos/<number>/write-off`:
how Zuora's JSON is read (defaults, exact numbers, ids, nesting) and how the one check's
problems come back (status, code and JSON path).

The rules themselves are the check's and are tested once, in `tests/writeoffs/test_services.py`;
here each kind of problem field is translated once, to show where its path comes from. Every
test runs for both kinds of document (the `kind` fixture): an item names its line as
`invoiceItemId` or `debitMemoItemId`."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import AccountingCode, BillingDocument, LineItem
from billing.money import quantum
from tests.api.helpers import DEBIT_MEMO, INVOICE, bearer, reasons
from tests.factories import (
    AccountingCodeFactory,
    ReasonCodeFactory,
    add_line,
)
from writeoffs.models import CreditMemo, CreditMemoItem, WriteOffSettings

pytestmark = pytest.mark.django_db

MEMO_DATE = "2026-10-15"


def body(*items, **fields):
    return {"memoDate": MEMO_DATE, **fields, "items": list(items)}


def books():
    """Everything a write-off changes, to show that a refusal changed nothing."""
    return (
        CreditMemo.objects.count(),
        CreditMemoItem.objects.count(),
        list(LineItem.objects.order_by("pk").values_list("balance", flat=True)),
        list(BillingDocument.objects.order_by("pk").values_list("balance", flat=True)),
    )


@pytest.fixture
def item(kind):
    """`item(line, amount, *taxes)`: an `items[]` entry naming the line as `kind` does; `taxes`
    are (line, amount) pairs for its `taxationItems`."""

    def entry(line, amount=None, *taxes):
        entry = {kind.item_id: str(line.pk)}
        if amount is not None:
            entry["amountWithoutTax"] = amount
        if taxes:
            entry["taxationItems"] = [
                {"taxationItemId": str(tax.pk), "amount": tax_amount} for tax, tax_amount in taxes
            ]
        return entry

    return entry


@pytest.fixture
def refused(put_write_off, kind):
    """`refused(body, status)`: the (code, field) pairs of a refusal that wrote nothing."""

    def refuse(data, status=422, number=None):
        before = books()
        response = put_write_off(kind.write_off_path(number or kind.number()), data)
        assert response.status_code == status, response.content
        assert books() == before
        return reasons(response)

    return refuse


@pytest.fixture
def written_off(put_write_off, kind):
    """`written_off(body)`: the credit memo a successful write-off made."""

    def write_off(data):
        response = put_write_off(kind.write_off_path(kind.number()), data)
        assert response.status_code == 200, response.content
        memo = CreditMemo.objects.get(number=response.json()["creditMemo"]["number"])
        assert response.json() == {
            "success": True,
            "creditMemo": {
                "id": str(memo.pk),
                "number": memo.number,
                "amount": str(memo.total.quantize(quantum(memo.currency))),
            },
        }
        return memo

    return write_off


# W1 Eligible


def test_draft_document_is_refused(refused, kind, item):
    _, charge, *_ = kind.with_all_kinds(status=BillingDocument.Status.DRAFT)
    assert refused(body(item(charge, "1.00"))) == [("not_posted", None)]


def test_user_without_the_write_off_permission_gets_403(
    put_write_off, viewer_token, kind, example, item
):
    before = books()
    path = kind.write_off_path(kind.number())
    response = put_write_off(path, body(item(example[1], "1.00")), token=viewer_token)
    assert response.status_code == 403
    assert reasons(response) == [("permission_denied", None)]
    assert books() == before


def test_unknown_document_gets_404(refused, kind):
    assert refused({}, status=404, number=kind.number(99999999)) == [("not_found", None)]


@pytest.mark.parametrize(("kind", "other"), [(INVOICE, DEBIT_MEMO), (DEBIT_MEMO, INVOICE)], ids=str)
def test_a_document_of_the_other_kind_is_not_found(refused, kind, other):
    _, charge, *_ = other.with_all_kinds()
    data = body({kind.item_id: str(charge.pk), "amountWithoutTax": "1.00"})
    assert refused(data, status=404, number=other.number()) == [("not_found", None)]


# W2 Write-Off Date


def test_write_off_date_before_the_document_date_is_refused(refused, example, item):
    data = body(item(example[1], "1.00"), memoDate="2026-09-30")
    assert refused(data) == [("date_before_document", "memoDate")]


def test_write_off_date_defaults_to_today(written_off, example, item):
    memo = written_off({"items": [item(example[1], "1.00")]})
    assert memo.memo_date == timezone.localdate()


def test_future_dated_document_is_written_off_on_its_date_by_default(written_off, kind, item):
    later = timezone.localdate() + datetime.timedelta(days=10)
    document = kind.factory(number=kind.number(), date=later, due_date=later)
    charge = add_line(document)
    assert written_off({"items": [item(charge, "1.00")]}).memo_date == later


@pytest.mark.parametrize("memo_date", ["20261015", "2026-W42-4", "2026-02-30", "15.10.2026", 2026])
def test_write_off_date_must_be_yyyy_mm_dd(refused, example, memo_date, item):
    data = body(item(example[1], "1.00"), memoDate=memo_date)
    assert refused(data, status=400) == [("invalid_date", "memoDate")]


# W3 Reason Code


@pytest.mark.parametrize("fields", [{}, {"reasonCode": ""}, {"reasonCode": None}])
def test_reason_code_defaults_to_the_default_reason(written_off, example, fields, item):
    memo = written_off(body(item(example[1], "1.00"), **fields))
    assert memo.reason_code.name == "Write-off"


def test_reason_code_is_found_by_name(written_off, example, item):
    memo = written_off(body(item(example[1], "1.00"), reasonCode="Charge Dispute"))
    assert memo.reason_code.name == "Charge Dispute"


def test_unknown_reason_code_is_refused(refused, example, item):
    data = body(item(example[1], "1.00"), reasonCode="Customer Bankruptcy")
    assert refused(data) == [("unknown_reason_code", "reasonCode")]


def test_inactive_reason_code_is_refused(refused, example, item):
    ReasonCodeFactory(name="Old reason", active=False)
    data = body(item(example[1], "1.00"), reasonCode="Old reason")
    assert refused(data) == [("inactive", "reasonCode")]


# W4 Comment


def test_comment_longer_than_255_characters_is_refused(refused, example, item):
    data = body(item(example[1], "1.00"), comment="x" * 256)
    assert refused(data) == [("comment_too_long", "comment")]


def test_comment_must_be_a_string(refused, example, item):
    data = body(item(example[1], "1.00"), comment=5)
    assert refused(data, status=400) == [("wrong_type", "comment")]


# W5 Accounting


@pytest.fixture
def bad_debt():
    return AccountingCodeFactory(code="6100", type=AccountingCode.Type.BAD_DEBT)


def test_revenue_impacting_write_off_books_each_line_to_its_own_code(written_off, example, item):
    _, charge, tax, *_ = example
    memo = written_off(body(item(charge, "1.00", (tax, "0.10"))))
    assert memo.revenue_impacting
    booked = {i.source_line_id: i.accounting_code.code for i in memo.items.all()}
    assert booked == {charge.pk: "2500", tax.pk: "2200"}


def test_write_off_not_revenue_impacting_books_every_line_to_the_chosen_code(
    written_off, example, bad_debt, item
):
    _, charge, tax, *_ = example
    memo = written_off(
        body(
            item(charge, "1.00", (tax, "0.10")),
            revenueImpacting="No",
            nonRevenueWriteOffAccountingCode="6100",
        )
    )
    assert not memo.revenue_impacting
    assert {i.accounting_code.code for i in memo.items.all()} == {"6100"}


def test_write_off_not_revenue_impacting_needs_an_accounting_code(refused, example, item):
    data = body(item(example[1], "1.00"), revenueImpacting="No")
    assert refused(data) == [("required", "nonRevenueWriteOffAccountingCode")]


def test_unknown_accounting_code_is_refused(refused, example, item):
    data = body(
        item(example[1], "1.00"), revenueImpacting="No", nonRevenueWriteOffAccountingCode="9999"
    )
    assert refused(data) == [("unknown_accounting_code", "nonRevenueWriteOffAccountingCode")]


def test_write_off_not_revenue_impacting_is_refused_without_enhanced_write_off(
    refused, example, bad_debt, item
):
    WriteOffSettings.objects.update(enhanced_write_off=False)
    data = body(
        item(example[1], "1.00"), revenueImpacting="No", nonRevenueWriteOffAccountingCode="6100"
    )
    assert refused(data) == [("enhanced_write_off_off", "revenueImpacting")]


@pytest.mark.parametrize("flag", ["yes", "Maybe", True, None])
def test_revenue_impacting_is_yes_or_no(refused, example, flag, item):
    data = body(item(example[1], "1.00"), revenueImpacting=flag)
    assert refused(data, status=400) == [("invalid_choice", "revenueImpacting")]


# W6 Line amount


def test_amounts_sent_as_json_numbers_are_read_exactly(written_off, example, kind):
    _, charge, tax, *_ = example
    # As binary floats 0.1 + 0.2 is 0.30000000000000004.
    memo = written_off(
        f'{{"items": [{{"{kind.item_id}": "{charge.pk}", "amountWithoutTax": 0.1, '
        f'"taxationItems": [{{"taxationItemId": "{tax.pk}", "amount": 0.2}}]}}]}}'
    )
    assert memo.total == Decimal("0.30")
    charge.refresh_from_db()
    tax.refresh_from_db()
    assert (charge.balance, tax.balance) == (Decimal("99.90"), Decimal("8.05"))


def test_amounts_sent_as_strings_are_read_exactly(written_off, example, item):
    _, charge, tax, *_ = example
    memo = written_off(body(item(charge, "33.33", (tax, "8.25"))))
    assert memo.total == Decimal("41.58")


@pytest.mark.parametrize("amount", ["1.500", "1.5", "1.50", "+1.5"])
def test_trailing_zeros_beyond_the_currency_digits_are_accepted(written_off, example, amount, kind):
    assert written_off(
        f'{{"items": [{{"{kind.item_id}": "{example[1].pk}", "amountWithoutTax": "{amount}"}}]}}'
    ).total == Decimal("1.50")


def test_whole_json_numbers_are_accepted(written_off, example, kind):
    memo = written_off(
        f'{{"items": [{{"{kind.item_id}": "{example[1].pk}", "amountWithoutTax": 10}}]}}'
    )
    assert memo.total == Decimal("10.00")


@pytest.mark.parametrize("amount", ["1.005", '"1.005"'])
def test_more_decimals_than_the_currency_has_are_refused(refused, example, amount, kind):
    data = f'{{"items": [{{"{kind.item_id}": "{example[1].pk}", "amountWithoutTax": {amount}}}]}}'
    assert refused(data) == [("invalid_amount", "items[0].amountWithoutTax")]


@pytest.mark.parametrize("amount", ["1e3", "1E3", "1.5e2", "1e-2", "NaN", "Infinity", "-Infinity"])
def test_exponents_nan_and_infinity_are_refused_with_the_field_path(refused, example, amount, kind):
    _, charge, tax, *_ = example
    data = (
        f'{{"items": [{{"{kind.item_id}": "{charge.pk}", "amountWithoutTax": "1.00", '
        f'"taxationItems": [{{"taxationItemId": "{tax.pk}", "amount": {amount}}}]}}]}}'
    )
    assert refused(data, status=400) == [("invalid_amount", "items[0].taxationItems[0].amount")]


@pytest.mark.parametrize(
    "amount", ["1e3", "NaN", "Infinity", "ten", "1,000.00", "1 000", True, [1]]
)
def test_amounts_that_are_not_plain_decimals_are_refused(refused, example, amount, item):
    data = body(item(example[1], amount))
    assert refused(data, status=400) == [("invalid_amount", "items[0].amountWithoutTax")]


@pytest.mark.parametrize("amount", ["1" * 30, f'"{"1" * 30}"'])
def test_an_amount_too_large_for_the_books_is_refused(refused, example, amount, kind):
    data = f'{{"items": [{{"{kind.item_id}": "{example[1].pk}", "amountWithoutTax": {amount}}}]}}'
    assert refused(data) == [("invalid_amount", "items[0].amountWithoutTax")]


def test_a_number_longer_than_any_amount_is_not_even_read(refused, example, kind):
    digits = "9" * 5000
    data = f'{{"items": [{{"{kind.item_id}": "{example[1].pk}", "amountWithoutTax": {digits}}}]}}'
    assert refused(data, status=400) == [("invalid_amount", "items[0].amountWithoutTax")]


@pytest.mark.parametrize("zero", ["-0", "-0.0", '"-0"', '""', "0"])
def test_negative_zero_and_blank_are_zero(written_off, example, zero, kind):
    _, charge, tax, *_ = example
    memo = written_off(
        f'{{"items": [{{"{kind.item_id}": "{charge.pk}", "amountWithoutTax": 1, '
        f'"taxationItems": [{{"taxationItemId": "{tax.pk}", "amount": {zero}}}]}}]}}'
    )
    assert [i.source_line_id for i in memo.items.all()] == [charge.pk]


def test_amounts_left_out_are_zero(written_off, example, kind):
    _, charge, tax, *_ = example
    memo = written_off(
        {
            "items": [
                {
                    kind.item_id: str(charge.pk),
                    "taxationItems": [{"taxationItemId": str(tax.pk), "amount": "1.00"}],
                }
            ]
        }
    )
    assert [(i.source_line_id, i.amount) for i in memo.items.all()] == [(tax.pk, Decimal("1.00"))]


def test_amount_of_the_wrong_sign_is_refused(refused, example, item):
    _, charge, _, discount, _ = example
    data = body(item(charge, "20.00"), item(discount, "5.00"))
    assert refused(data) == [("wrong_sign", "items[1].amountWithoutTax")]


def test_amount_above_the_line_balance_is_refused(refused, example, item):
    _, charge, tax, *_ = example
    data = body(item(charge, "1.00", (tax, "8.26")))
    assert refused(data) == [("above_line_balance", "items[0].taxationItems[0].amount")]


# W7 Total


def test_total_above_the_document_balance_is_refused(refused, example, item):
    # The charge's 100.00 is more than the document's balance, 97.42, once its discount counts.
    assert refused(body(item(example[1], "100.00"))) == [("total_above_balance", "items")]


# W8 Lines


def test_line_of_another_document_is_refused(refused, kind, example, item):
    other = kind.with_all_kinds(102)
    data = body(item(other[1], "1.00"))
    assert refused(data) == [("unknown_line", f"items[0].{kind.item_id}")]


def test_tax_line_of_another_document_is_refused(refused, kind, example, item):
    other_tax = kind.with_all_kinds(102)[2]
    data = body(item(example[1], "1.00", (other_tax, "1.00")))
    assert refused(data) == [("unknown_line", "items[0].taxationItems[0].taxationItemId")]


def test_the_same_line_twice_is_refused(refused, example, item, kind):
    data = body(item(example[1], "1.00"), item(example[1], "2.00"))
    assert refused(data) == [("duplicate_line", f"items[1].{kind.item_id}")]


def test_a_charges_tax_sent_under_another_charge_is_refused(refused, example, item):
    document, charge, tax, *_ = example
    other_charge = add_line(document, amount="50.00", accounting_code=charge.accounting_code)
    data = body(item(charge, "1.00"), item(other_charge, "1.00", (tax, "1.00")))
    assert refused(data) == [
        ("taxation_item_of_another_item", "items[1].taxationItems[0].taxationItemId")
    ]


def test_a_tax_line_sent_as_an_item_is_refused(refused, example, item, kind):
    assert refused(body(item(example[2], "1.00"))) == [
        ("not_an_invoice_item", f"items[0].{kind.item_id}")
    ]


def test_a_charge_sent_as_a_taxation_item_is_refused(refused, example, item):
    _, charge, _, discount, _ = example
    data = body(item(discount, "-1.00", (charge, "1.00")))
    assert refused(data) == [("not_a_taxation_item", "items[0].taxationItems[0].taxationItemId")]


def test_the_nesting_is_judged_on_the_lines_read_under_the_lock_alone(
    put_write_off, kind, example, item
):
    """How the items nest is the one check's rule, judged on the lines the save reads under
    the document's lock: the API does not read them first on its own."""
    _, charge, tax, *_ = example
    with CaptureQueriesContext(connection) as queries:
        response = put_write_off(
            kind.write_off_path(kind.number()), body(item(charge, "1.00", (tax, "0.10")))
        )
    assert response.status_code == 200, response.content
    line_reads = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith("SELECT") and 'FROM "billing_lineitem"' in query["sql"]
    ]
    assert len(line_reads) == 1, line_reads


def test_discount_and_its_tax_are_written_off_with_the_charge(written_off, example, item):
    _, charge, tax, discount, discount_tax = example
    memo = written_off(
        body(item(charge, "50.00", (tax, "4.00")), item(discount, "-5.00", (discount_tax, "-0.40")))
    )
    assert memo.total == Decimal("48.60")
    amounts = {i.source_line_id: i.amount for i in memo.items.all()}
    assert amounts == {
        charge.pk: Decimal("50.00"),
        tax.pk: Decimal("4.00"),
        discount.pk: Decimal("-5.00"),
        discount_tax.pk: Decimal("-0.40"),
    }


@pytest.mark.parametrize("line_id", [12, "abc", "12a", "", "1" * 19, None])
def test_line_ids_are_strings_of_digits(refused, example, line_id, kind):
    data = body({kind.item_id: line_id, "amountWithoutTax": "1.00"})
    assert refused(data, status=400) == [("invalid_id", f"items[0].{kind.item_id}")]


def test_an_item_needs_its_line_id(refused, example, kind):
    assert refused(body({"amountWithoutTax": "1.00"}), status=400) == [
        ("required", f"items[0].{kind.item_id}")
    ]


def test_an_empty_list_of_items_is_refused(refused, example):
    assert refused(body(), status=400) == [("too_short", "items")]


def test_items_null_is_refused(refused, example):
    assert refused({"items": None}, status=400) == [("wrong_type", "items")]


# W9 Size


def test_more_than_2000_lines_are_refused(refused, example, item):
    data = body(*[item(example[1], "0.01")] * 2001)
    assert refused(data) == [("too_many_lines", "items")]


# W10 Outcome


def test_write_off_makes_one_credit_memo_applied_to_the_document(written_off, example, item):
    document, charge, tax, *_ = example
    memo = written_off(body(item(charge, "10.00", (tax, "0.00")), comment="Customer left"))
    assert (memo.number, memo.total, memo.comment) == (
        "CM00000001",
        Decimal("10.00"),
        "Customer left",
    )
    assert memo.created_by.username == "clerk"
    assert [(i.source_line_id, i.amount) for i in memo.items.all()] == [(charge.pk, Decimal("10"))]
    document.refresh_from_db()
    assert document.balance == Decimal("87.42")
    balances = LineItem.objects.filter(document=document).order_by("position")
    assert [line.balance for line in balances] == [
        Decimal("90.00"),
        Decimal("8.25"),
        Decimal("-10.00"),
        Decimal("-0.83"),
    ]


# W13 Full balance


@pytest.mark.parametrize("data", [{}, "", {"memoDate": MEMO_DATE, "comment": "all of it"}])
def test_no_items_writes_off_the_full_balance(written_off, example, data):
    document = example[0]
    memo = written_off(data)
    assert memo.total == Decimal("97.42")
    assert memo.items.count() == 4
    document.refresh_from_db()
    assert document.balance == 0
    assert set(LineItem.objects.filter(document=document).values_list("balance", flat=True)) == {0}


# W14 Errors


def test_every_broken_rule_is_reported_at_once_and_nothing_is_written(refused, example, item):
    _, charge, tax, discount, _ = example
    data = body(
        item(charge, "100.01", (tax, "1.001")),
        item(discount, "1.00"),
        memoDate="2026-09-01",
        comment="x" * 300,
    )
    assert refused(data) == [
        ("date_before_document", "memoDate"),
        ("comment_too_long", "comment"),
        ("above_line_balance", "items[0].amountWithoutTax"),
        ("invalid_amount", "items[0].taxationItems[0].amount"),
        ("wrong_sign", "items[1].amountWithoutTax"),
    ]


def test_every_unreadable_field_is_reported_at_once(refused, example, kind):
    data = (
        f'{{"memoDate": "tomorrow", "items": [{{"{kind.item_id}": 1, "amountWithoutTax": 1e2}}]}}'
    )
    assert refused(data, status=400) == [
        ("invalid_date", "memoDate"),
        ("invalid_id", f"items[0].{kind.item_id}"),
        ("invalid_amount", "items[0].amountWithoutTax"),
    ]


# The request itself


@pytest.mark.parametrize("data", ["{", "[1,", "{'items': []}", "\xff", "[" * 100_000])
def test_a_body_that_is_not_json_is_refused(refused, example, data):
    assert refused(data.encode("latin-1"), status=400) == [("invalid_json", None)]


def test_a_body_larger_than_the_server_accepts_is_refused(refused, example, settings, item):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    data = body(*[item(example[1], "0.01")] * 10)
    assert refused(data, status=400) == [("body_too_large", None)]


@pytest.mark.parametrize("data", ["[]", "1", '"items"', "null"])
def test_a_body_that_is_not_an_object_is_refused(refused, example, data):
    assert refused(data, status=400) == [("wrong_type", None)]


@pytest.mark.parametrize("field", ["comment", "reasonCode", "nonRevenueWriteOffAccountingCode"])
def test_text_with_a_nul_character_is_refused(refused, example, field, item):
    data = body(item(example[1], "1.00"), **{field: "a\x00b"})
    assert refused(data, status=400) == [("invalid_text", field)]


def test_a_number_with_a_nul_character_is_not_found(refused, get_as_clerk, kind):
    assert refused({}, status=404, number="INV%00") == [("not_found", None)]
    assert get_as_clerk(kind.path("INV%00")).status_code == 404
    assert get_as_clerk("/api/v1/credit-memos/CM%00").status_code == 404


def test_fields_this_application_does_not_use_are_ignored(written_off, example, item):
    data = body(item(example[1], "1.00"), taxAutoCalculation=True, IntegrationId__NS="x")
    assert written_off(data).total == Decimal("1.00")


def test_the_path_with_a_trailing_slash_works_too(client, clerk_token, example, item, kind):
    response = client.put(
        kind.write_off_path(kind.number()) + "/",
        body(item(example[1], "1.00")),
        content_type="application/json",
        headers=bearer(clerk_token),
    )
    assert response.status_code == 200


def test_a_token_authenticated_write_off_needs_no_csrf_token(clerk_token, example, item, kind):
    client = Client(enforce_csrf_checks=True)
    response = client.put(
        kind.write_off_path(kind.number()),
        body(item(example[1], "1.00")),
        content_type="application/json",
        headers=bearer(clerk_token),
    )
    assert response.status_code == 200
