"""`GET /api/v1/invoices/<number>` and `GET /api/v1/credit-memos/<number>` (SPEC C8), each in a
number of queries that does not grow with the lines (Q6)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import ApiToken
from tests.api.helpers import bearer, reasons
from tests.factories import InvoiceFactory, LineItemFactory, write_off
from writeoffs.checks import LineAmount
from writeoffs.models import CreditMemo, ReasonCode

pytestmark = pytest.mark.django_db


def test_invoice_is_returned_with_its_lines_in_reading_order(get_as_clerk, invoice):
    document, charge, tax, discount, discount_tax = invoice
    response = get_as_clerk("/api/v1/invoices/INV00000101")
    assert response.status_code == 200
    body = response.json()
    assert {k: v for k, v in body.items() if k != "lines"} == {
        "success": True,
        "id": str(document.pk),
        "invoiceNumber": "INV00000101",
        "accountNumber": document.account.number,
        "accountName": document.account.name,
        "currency": "USD",
        "invoiceDate": "2026-10-01",
        "dueDate": "2026-10-31",
        "status": "Posted",
        "amount": "97.42",
        "balance": "97.42",
    }
    assert body["lines"][0] == {
        "id": str(charge.pk),
        "kind": "charge",
        "parentId": None,
        "description": "Gold Plan",
        "serviceStartDate": "2026-10-01",
        "serviceEndDate": "2026-10-31",
        "amount": "100.00",
        "balance": "100.00",
    }
    assert [
        (line["id"], line["kind"], line["parentId"], line["amount"]) for line in body["lines"]
    ] == [
        (str(charge.pk), "charge", None, "100.00"),
        (str(tax.pk), "tax", str(charge.pk), "8.25"),
        (str(discount.pk), "discount", str(charge.pk), "-10.00"),
        (str(discount_tax.pk), "discount_tax", str(discount.pk), "-0.83"),
    ]


def test_amounts_have_the_currencys_digits(get_as_clerk):
    invoice = InvoiceFactory(number="INV00000200", currency="JPY")
    LineItemFactory(document=invoice, amount=Decimal(1500))
    body = get_as_clerk("/api/v1/invoices/INV00000200").json()
    assert body["lines"][0]["amount"] == "1500"


def test_unknown_invoice_gets_404(get_as_clerk):
    response = get_as_clerk("/api/v1/invoices/INV99999999")
    assert response.status_code == 404
    assert reasons(response) == [("not_found", None)]


def test_credit_memo_is_returned_with_its_items(get_as_clerk, clerk, invoice):
    document, charge, tax, *_ = invoice
    memo = write_off(
        document=document,
        user=clerk,
        memo_date=datetime.date(2026, 10, 15),
        reason_code=ReasonCode.objects.get(name="Charge Dispute"),
        comment="Disputed",
        lines=[LineAmount(charge.pk, Decimal("10.00")), LineAmount(tax.pk, Decimal("0.83"))],
    )
    response = get_as_clerk(f"/api/v1/credit-memos/{memo.number}")
    assert response.status_code == 200
    body = response.json()
    assert body.pop("createdAt")
    assert body == {
        "success": True,
        "id": str(memo.pk),
        "number": "CM00000001",
        "invoiceNumber": "INV00000101",
        "memoDate": "2026-10-15",
        "reasonCode": "Charge Dispute",
        "comment": "Disputed",
        "revenueImpacting": "Yes",
        "status": "Posted",
        "currency": "USD",
        "amount": "10.83",
        "createdBy": "clerk",
        "items": [
            {
                "id": str(item.pk),
                "sourceItemId": str(item.source_line_id),
                "sourceItemKind": item.source_line.kind,
                "description": item.source_line.description,
                "amount": amount,
                "accountingCode": code,
            }
            for item, amount, code in zip(
                memo.items.order_by("source_line__position"),
                ["10.00", "0.83"],
                ["2500", "2200"],
                strict=True,
            )
        ],
    }


def test_unknown_credit_memo_gets_404(get_as_clerk):
    response = get_as_clerk("/api/v1/credit-memos/CM99999999")
    assert response.status_code == 404
    assert reasons(response) == [("not_found", None)]


def invoice_with_charges(number, count):
    invoice = InvoiceFactory(number=number)
    LineItemFactory.create_batch(count, document=invoice, amount=Decimal("10.00"))
    return invoice


def queries_to_get(client, token, path):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, headers=bearer(token)).status_code == 200
    return len(queries)


@pytest.fixture
def used_token(clerk_token) -> str:
    """The clerk's token, used moments ago: the requests that compare counts record no use."""
    ApiToken.objects.update(last_used=timezone.now())
    return clerk_token


def test_invoice_queries_are_the_same_for_1_and_200_lines(client, used_token):
    invoice_with_charges("INV00000001", 1)
    invoice_with_charges("INV00000200", 200)
    one = queries_to_get(client, used_token, "/api/v1/invoices/INV00000001")
    assert queries_to_get(client, used_token, "/api/v1/invoices/INV00000200") == one


def test_invoice_takes_a_known_number_of_queries(client, clerk_token, django_assert_num_queries):
    invoice_with_charges("INV00000001", 3)
    # token and user, last used (a new token's first use), permissions (one query for the
    # user's and their groups'), invoice, lines
    with django_assert_num_queries(5):
        client.get("/api/v1/invoices/INV00000001", headers=bearer(clerk_token))
    # The token was used moments ago: nothing is written.
    with django_assert_num_queries(4):
        client.get("/api/v1/invoices/INV00000001", headers=bearer(clerk_token))


def test_credit_memo_queries_are_the_same_for_1_and_200_items(client, clerk, used_token):
    memos = []
    for number, count in [("INV00000001", 1), ("INV00000200", 200)]:
        invoice = invoice_with_charges(number, count)
        invoice.amount = invoice.balance = Decimal("10.00") * count
        invoice.save()
        memos.append(
            write_off(
                document=invoice,
                user=clerk,
                memo_date=invoice.date,
                reason_code=ReasonCode.objects.get(is_default=True),
                full_balance=True,
            )
        )
    counts = [queries_to_get(client, used_token, f"/api/v1/credit-memos/{m.number}") for m in memos]
    assert counts[0] == counts[1]
    assert CreditMemo.objects.get(number=memos[1].number).items.count() == 200


def queries_to_write_off(client, token, invoice):
    items = [
        {"invoiceItemId": str(pk), "amountWithoutTax": "1.00"}
        for pk in invoice.lines.values_list("pk", flat=True)
    ]
    with CaptureQueriesContext(connection) as queries:
        response = client.put(
            f"/api/v1/invoices/{invoice.number}/write-off",
            {"items": items},
            content_type="application/json",
            headers=bearer(token),
        )
    assert response.status_code == 200
    return len(queries)


def test_write_off_queries_are_the_same_for_1_and_200_lines(client, used_token):
    invoices = []
    for number, count in [("INV00000001", 1), ("INV00000200", 200)]:
        invoice = invoice_with_charges(number, count)
        invoice.amount = invoice.balance = Decimal("10.00") * count
        invoice.save()
        invoices.append(invoice)
    one = queries_to_write_off(client, used_token, invoices[0])
    assert queries_to_write_off(client, used_token, invoices[1]) == one
