"""A script written with Zuora's own Python SDK (`zuora-sdk`) works unchanged against this
application's API (SPEC C8, D1, D2): pointed at `http://<host>/api`, it writes off an invoice
with `InvoicesApi` and a debit memo with `DebitMemosApi`, line by line, reverses a write-off
with `CreditMemosApi`, and sees refusals as errors."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from zuora_sdk import ApiClient, Configuration, CreditMemosApi, DebitMemosApi, InvoicesApi
from zuora_sdk.exceptions import ApiException, ForbiddenException, UnauthorizedException
from zuora_sdk.models import (
    CreditMemoItemFromWriteOffInvoice,
    CreditMemoTaxationItemFromWriteOffInvoice,
    DebitMemoItemWriteOffRequest,
    DebitMemoTaxationItemWriteOffRequest,
    ReverseCreditMemoRequest,
    WriteOffDebitMemoRequest,
    WriteOffInvoiceRequest,
)

from billing.models import BillingDocument, LineItem
from tests.api.helpers import DEBIT_MEMO
from tests.factories import write_off
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


def credit_memos_api(live_server, token) -> CreditMemosApi:
    return CreditMemosApi(
        ApiClient(Configuration(host=f"{live_server.url}/api", access_token=token))
    )


@pytest.fixture
def memo(example, clerk):
    """A write-off of the charge and its tax: 10.00 and 0.83."""
    document, charge, tax, *_ = example
    return write_off(
        document, clerk, [(charge, "10.00"), (tax, "0.83")], memo_date=datetime.date(2026, 10, 15)
    )


def test_zuora_sdk_reverses_a_credit_memo(live_server, controller_token, memo, example):
    document = example[0]
    credit_memos = credit_memos_api(live_server, controller_token)
    response = credit_memos.reverse_credit_memo(
        memo.number,
        ReverseCreditMemoRequest(
            memo_date=datetime.date(2026, 10, 20),
            apply_effective_date=datetime.date(2026, 10, 20),
            reason_code="Correcting Invoice Error",
            comment="Reversed by a Zuora script",
        ),
    )
    assert response.success is True
    assert response.credit_memo.id == str(memo.pk)
    debit_memo = BillingDocument.objects.get(pk=response.debit_memo.id)
    assert (debit_memo.type, debit_memo.amount, debit_memo.balance) == (
        BillingDocument.Type.DEBIT_MEMO,
        Decimal("10.83"),
        0,
    )
    assert response.debit_memo.additional_properties["number"] == debit_memo.number
    document.refresh_from_db()
    assert document.balance == Decimal("97.42")
    assert all(line.balance == line.amount for line in LineItem.objects.filter(document=document))

    # Zuora's CreditMemoResponse reads the reversal: `reversed`, and the rest as extra fields.
    read = credit_memos.get_credit_memo(memo.number)
    assert (read.id, read.number, read.status, read.reversed) == (
        str(memo.pk),
        memo.number,
        "Reversed",
        True,
    )
    extra = read.additional_properties
    assert (extra["reversingDebitMemoId"], extra["reversalReasonCode"]) == (
        response.debit_memo.id,
        "Correcting Invoice Error",
    )


def test_zuora_sdk_reverses_with_no_fields_at_all(live_server, controller_token, memo):
    response = credit_memos_api(live_server, controller_token).reverse_credit_memo(
        memo.number, ReverseCreditMemoRequest()
    )
    assert response.success is True
    memo.refresh_from_db()
    assert (memo.reversal_reason_code.name, memo.reversing_debit_memo_id) == (
        "Write-off",
        int(response.debit_memo.id),
    )


def test_zuora_sdk_sees_a_refused_reversal_as_an_error(live_server, controller_token, memo):
    credit_memos = credit_memos_api(live_server, controller_token)
    request = ReverseCreditMemoRequest(memo_date=datetime.date(2026, 10, 14))
    with pytest.raises(ApiException) as refused:
        credit_memos.reverse_credit_memo(memo.number, request)
    assert refused.value.status == 422
    assert '"date_before_memo"' in refused.value.body
    credit_memos.reverse_credit_memo(memo.number, ReverseCreditMemoRequest())
    with pytest.raises(ApiException) as refused:
        credit_memos.reverse_credit_memo(memo.number, ReverseCreditMemoRequest())
    assert (refused.value.status, '"already_reversed"' in refused.value.body) == (422, True)
    assert BillingDocument.objects.filter(reversed_credit_memo__isnull=False).count() == 1


def test_zuora_sdk_may_not_reverse_without_the_permission(live_server, clerk_token, memo):
    with pytest.raises(ForbiddenException):
        credit_memos_api(live_server, clerk_token).reverse_credit_memo(
            memo.number, ReverseCreditMemoRequest()
        )
    memo.refresh_from_db()
    assert not memo.is_reversed
