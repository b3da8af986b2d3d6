"""A script written with Zuora's own Python SDK (`zuora-sdk`) works unchanged against this
application's API (SPEC C8): pointed at `http://<host>/api`, it writes off an invoice and sees
refusals as errors."""

import datetime
from decimal import Decimal

import pytest
from zuora_sdk import ApiClient, Configuration, InvoicesApi
from zuora_sdk.exceptions import ApiException, UnauthorizedException
from zuora_sdk.models import (
    CreditMemoItemFromWriteOffInvoice,
    CreditMemoTaxationItemFromWriteOffInvoice,
    WriteOffInvoiceRequest,
)

from writeoffs.models import CreditMemo

# A live server needs a transactional test (tests/conftest.py puts back the data migrations'
# rows that its flush removes).
pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The SDK's generated models use pydantic APIs that pydantic has deprecated.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:zuora_sdk"),
]


def invoices_api(live_server, token):
    return InvoicesApi(ApiClient(Configuration(host=f"{live_server.url}/api", access_token=token)))


def test_zuora_sdk_writes_off_an_invoice(live_server, clerk_token, invoice):
    document, charge, tax, *_ = invoice
    request = WriteOffInvoiceRequest(
        comment="Written off by a Zuora script",
        memo_date=datetime.date(2026, 10, 15),
        reason_code="Charge Dispute",
        items=[
            CreditMemoItemFromWriteOffInvoice(
                invoice_item_id=str(charge.pk),
                amount_without_tax=33.33,
                taxation_items=[
                    CreditMemoTaxationItemFromWriteOffInvoice(
                        taxation_item_id=str(tax.pk), amount=2.75
                    )
                ],
            )
        ],
    )
    response = invoices_api(live_server, clerk_token).write_off_invoice(document.number, request)
    assert response.success is True
    memo = CreditMemo.objects.get(pk=response.credit_memo.id)
    assert memo.total == Decimal("36.08")
    assert (memo.comment, memo.reason_code.name) == (
        "Written off by a Zuora script",
        "Charge Dispute",
    )
    assert memo.memo_date == datetime.date(2026, 10, 15)


def test_zuora_sdk_writes_off_the_full_balance_without_items(live_server, clerk_token, invoice):
    document = invoice[0]
    api = invoices_api(live_server, clerk_token)
    response = api.write_off_invoice(document.number, WriteOffInvoiceRequest())
    assert CreditMemo.objects.get(pk=response.credit_memo.id).total == Decimal("97.42")
    document.refresh_from_db()
    assert document.balance == 0


def test_zuora_sdk_sees_a_refusal_as_an_error(live_server, clerk_token, invoice):
    document, charge, *_ = invoice
    request = WriteOffInvoiceRequest(
        items=[
            CreditMemoItemFromWriteOffInvoice(
                invoice_item_id=str(charge.pk), amount_without_tax=100.01
            )
        ]
    )
    with pytest.raises(ApiException) as refused:
        invoices_api(live_server, clerk_token).write_off_invoice(document.number, request)
    assert refused.value.status == 422
    assert '"above_line_balance"' in refused.value.body
    assert CreditMemo.objects.count() == 0


def test_zuora_sdk_sees_a_bad_token_as_unauthorized(live_server, invoice):
    with pytest.raises(UnauthorizedException):
        invoices_api(live_server, "wo_wrong").write_off_invoice(
            invoice[0].number, WriteOffInvoiceRequest()
        )
