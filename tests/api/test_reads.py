"""`GET /api/v1/invoices/<number>`, `GET /api/v1/debitmemos/<number>` and
`GET /api/v1/credit-memos/<number>` (SPEC C8, D1), each in a number of queries that does not grow
with the lines (Q6)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import ApiToken
from tests.api.helpers import DEBIT_MEMO, INVOICE, bearer, reasons
from tests.factories import InvoiceFactory, LineItemFactory, write_off
from writeoffs.checks import LineAmount
from writeoffs.models import CreditMemo, ReasonCode

pytestmark = pytest.mark.django_db

# How each kind's GET names the document's number and date, as Zuora does.
NAMES = {INVOICE: ("invoiceNumber", "invoiceDate"), DEBIT_MEMO: ("number", "debitMemoDate")}


def test_document_is_returned_with_its_lines_in_reading_order(get_as_clerk, kind, example):
    document, charge, tax, discount, discount_tax = example
    number, date = NAMES[kind]
    response = get_as_clerk(kind.path(document.number))
    assert response.status_code == 200
    body = response.json()
    assert {k: v for k, v in body.items() if k != "lines"} == {
        "success": True,
        "id": str(document.pk),
        number: document.number,
        "accountNumber": document.account.number,
        "accountName": document.account.name,
        "currency": "USD",
        date: "2026-10-01",
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


def test_a_debit_memo_is_also_read_where_zuoras_sdk_reads_it(get_as_clerk):
    number = DEBIT_MEMO.with_all_kinds()[0].number
    response = get_as_clerk(f"/api/v1/debit-memos/{number}")
    assert response.status_code == 200
    assert response.json() == get_as_clerk(DEBIT_MEMO.path(number)).json()
    assert get_as_clerk(f"/api/v1/debit-memos/{number}/").status_code == 200


def test_amounts_have_the_currencys_digits(get_as_clerk, kind):
    document = kind.factory(number=kind.number(200), currency="JPY")
    LineItemFactory(document=document, amount=Decimal(1500))
    body = get_as_clerk(kind.path(document.number)).json()
    assert body["lines"][0]["amount"] == "1500"


def test_unknown_document_gets_404(get_as_clerk, kind):
    response = get_as_clerk(kind.path(kind.number(99999999)))
    assert response.status_code == 404
    assert reasons(response) == [("not_found", None)]


@pytest.mark.parametrize(("kind", "other"), [(INVOICE, DEBIT_MEMO), (DEBIT_MEMO, INVOICE)], ids=str)
def test_a_document_of_the_other_kind_is_not_found(get_as_clerk, kind, other):
    number = other.with_all_kinds()[0].number
    response = get_as_clerk(kind.path(number))
    assert response.status_code == 404
    assert reasons(response) == [("not_found", None)]


@pytest.mark.parametrize(
    ("kind", "applied_to"), [(INVOICE, "invoiceNumber"), (DEBIT_MEMO, "debitMemoNumber")], ids=str
)
def test_credit_memo_is_returned_with_its_items(get_as_clerk, clerk, example, applied_to):
    document, charge, tax, *_ = example
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
        "invoiceNumber": None,
        "debitMemoNumber": None,
        applied_to: document.number,
        "memoDate": "2026-10-15",
        "reasonCode": "Charge Dispute",
        "comment": "Disputed",
        "revenueImpacting": "Yes",
        "status": "Posted",
        "currency": "USD",
        "amount": "10.83",
        "createdBy": "clerk",
        "reversed": False,
        "reversingDebitMemoId": None,
        "reversingDebitMemoNumber": None,
        "reversalDate": None,
        "reversalReasonCode": None,
        "reversalComment": None,
        "reversedBy": None,
        "reversedAt": None,
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


def document_with_charges(number, count, factory=InvoiceFactory):
    document = factory(number=number)
    LineItemFactory.create_batch(count, document=document, amount=Decimal("10.00"))
    return document


def queries_to_get(client, token, path):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, headers=bearer(token)).status_code == 200
    return len(queries)


@pytest.fixture
def used_token(clerk_token) -> str:
    """The clerk's token, used moments ago: the requests that compare counts record no use."""
    ApiToken.objects.update(last_used=timezone.now())
    return clerk_token


def test_document_queries_are_the_same_for_1_and_200_lines(client, used_token, kind):
    document_with_charges(kind.number(1), 1, kind.factory)
    document_with_charges(kind.number(200), 200, kind.factory)
    one = queries_to_get(client, used_token, kind.path(kind.number(1)))
    assert queries_to_get(client, used_token, kind.path(kind.number(200))) == one


def test_document_takes_a_known_number_of_queries(
    client, clerk_token, kind, django_assert_num_queries
):
    document_with_charges(kind.number(1), 3, kind.factory)
    # token with its user and their permissions (their own and their groups'), last used (a
    # new token's first use), document, lines
    with django_assert_num_queries(4):
        client.get(kind.path(kind.number(1)), headers=bearer(clerk_token))
    # The token was used moments ago: nothing is written.
    with django_assert_num_queries(3):
        client.get(kind.path(kind.number(1)), headers=bearer(clerk_token))


def test_credit_memo_queries_are_the_same_for_1_and_200_items(client, clerk, used_token):
    memos = []
    for number, count in [("INV00000001", 1), ("INV00000200", 200)]:
        invoice = document_with_charges(number, count)
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


def queries_to_write_off(client, token, kind, document):
    items = [
        {kind.item_id: str(pk), "amountWithoutTax": "1.00"}
        for pk in document.lines.values_list("pk", flat=True)
    ]
    with CaptureQueriesContext(connection) as queries:
        response = client.put(
            kind.write_off_path(document.number),
            {"items": items},
            content_type="application/json",
            headers=bearer(token),
        )
    assert response.status_code == 200
    return len(queries)


def test_write_off_queries_are_the_same_for_1_and_200_lines(client, used_token, kind):
    documents = []
    for count in [1, 200]:
        document = document_with_charges(kind.number(count), count, kind.factory)
        document.amount = document.balance = Decimal("10.00") * count
        document.save()
        documents.append(document)
    one = queries_to_write_off(client, used_token, kind, documents[0])
    assert queries_to_write_off(client, used_token, kind, documents[1]) == one
