"""A script written with Zuora's own Python SDK (`zuora-sdk`) works unchanged against this
application's API (SPEC C8, D1): pointed at `http://<host>/api`, it writes off an invoice with
`InvoicesApi` and a debit memo with `DebitMemosApi`, line by line, and sees refusals as errors."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from zuora_sdk import ApiClient, Configuration, DebitMemosApi, InvoicesApi
from zuora_sdk.exceptions import ApiException, UnauthorizedException
from zuora_sdk.models import (
    CreditMemoItemFromWriteOffInvoice,
    CreditMemoTaxationItemFromWriteOffInvoice,
    DebitMemoItemWriteOffRequest,
    DebitMemoTaxationItemWriteOffRequest,
    WriteOffDebitMemoRequest,
    WriteOffInvoiceRequest,
)

from billing.models import LineItem
from tests.api.helpers import DEBIT_MEMO
from writeoffs.models import CreditMemo

# A live server needs a transactional test (tests/conftest.py puts back the data migrations'
# rows that its flush removes).
pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The SDK's generated models use pydantic APIs that pydantic has deprecated.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:zuora_sdk"),
]


@dataclass(frozen=True)
class Sdk:
    """What a Zuora script uses to write off one kind of document."""

    api: type
    write_off_method: str
    request: type
    item: type
    item_id: str
    taxation_item: type

    def write_off(self, live_server, token, number, **fields):
        client = ApiClient(Configuration(host=f"{live_server.url}/api", access_token=token))
        return getattr(self.api(client), self.write_off_method)(number, self.request(**fields))

    def item_of(self, line, amount=None, *taxes):
        """An item for `line`; `taxes` are (tax line, amount) pairs."""
        taxation_items = [
            self.taxation_item(taxation_item_id=str(tax.pk), amount=tax_amount)
            for tax, tax_amount in taxes
        ]
        return self.item(
            **{self.item_id: str(line.pk)},
            amount_without_tax=amount,
            taxation_items=taxation_items or None,
        )


SDKS = {
    "invoices": Sdk(
        InvoicesApi,
        "write_off_invoice",
        WriteOffInvoiceRequest,
        CreditMemoItemFromWriteOffInvoice,
        "invoice_item_id",
        CreditMemoTaxationItemFromWriteOffInvoice,
    ),
    "debitmemos": Sdk(
        DebitMemosApi,
        "write_off_debit_memo",
        WriteOffDebitMemoRequest,
        DebitMemoItemWriteOffRequest,
        "debit_memo_item_id",
        DebitMemoTaxationItemWriteOffRequest,
    ),
}


@pytest.fixture
def sdk(kind) -> Sdk:
    return SDKS[kind.segment]


def test_zuora_sdk_writes_off_a_document(live_server, clerk_token, sdk, example):
    document, charge, tax, *_ = example
    response = sdk.write_off(
        live_server,
        clerk_token,
        document.number,
        comment="Written off by a Zuora script",
        memo_date=datetime.date(2026, 10, 15),
        reason_code="Charge Dispute",
        items=[sdk.item_of(charge, 33.33, (tax, 2.75))],
    )
    assert response.success is True
    memo = CreditMemo.objects.get(pk=response.credit_memo.id)
    assert memo.total == Decimal("36.08")
    assert (memo.comment, memo.reason_code.name) == (
        "Written off by a Zuora script",
        "Charge Dispute",
    )
    assert memo.memo_date == datetime.date(2026, 10, 15)
    assert memo.document == document


def test_zuora_sdk_writes_off_every_line_by_its_own_amount(live_server, clerk_token, sdk, example):
    document, charge, tax, discount, discount_tax = example
    response = sdk.write_off(
        live_server,
        clerk_token,
        document.number,
        items=[
            sdk.item_of(charge, 60.00, (tax, 4.95)),
            sdk.item_of(discount, -6.00, (discount_tax, -0.50)),
        ],
    )
    asked = {
        charge.pk: Decimal("60.00"),
        tax.pk: Decimal("4.95"),
        discount.pk: Decimal("-6.00"),
        discount_tax.pk: Decimal("-0.50"),
    }
    memo = CreditMemo.objects.get(pk=response.credit_memo.id)
    assert {item.source_line_id: item.amount for item in memo.items.all()} == asked
    # Each line's balance went down by exactly its amount, and the document's by their sum.
    lines = LineItem.objects.filter(document=document)
    assert {line.pk: line.amount - line.balance for line in lines} == asked
    document.refresh_from_db()
    assert document.balance == Decimal("97.42") - Decimal("58.45") == Decimal("38.97")


def test_zuora_sdk_writes_off_the_full_balance_without_items(
    live_server, clerk_token, sdk, example
):
    document = example[0]
    response = sdk.write_off(live_server, clerk_token, document.number)
    assert CreditMemo.objects.get(pk=response.credit_memo.id).total == Decimal("97.42")
    document.refresh_from_db()
    assert document.balance == 0


def test_zuora_sdk_sees_a_refusal_as_an_error(live_server, clerk_token, sdk, example):
    document, charge, *_ = example
    with pytest.raises(ApiException) as refused:
        sdk.write_off(
            live_server, clerk_token, document.number, items=[sdk.item_of(charge, 100.01)]
        )
    assert refused.value.status == 422
    assert '"above_line_balance"' in refused.value.body
    assert CreditMemo.objects.count() == 0


def test_zuora_sdk_sees_a_bad_token_as_unauthorized(live_server, sdk, example):
    with pytest.raises(UnauthorizedException):
        sdk.write_off(live_server, "wo_wrong", example[0].number)


def test_zuora_sdk_reads_a_debit_memo(live_server, clerk_token):
    document, charge, *_ = DEBIT_MEMO.with_all_kinds()
    config = Configuration(host=f"{live_server.url}/api", access_token=clerk_token)
    response = DebitMemosApi(ApiClient(config)).get_debit_memo(document.number)
    assert (response.id, response.number, response.account_number, response.status) == (
        str(document.pk),
        document.number,
        document.account.number,
        "Posted",
    )
    # The SDK keeps what it does not declare; it does not check types, so the decimal
    # strings and ISO dates arrive as this API sends them.
    assert (response.balance, response.debit_memo_date) == ("97.42", "2026-10-01")
    assert response.additional_properties["lines"][0]["id"] == str(charge.pk)
