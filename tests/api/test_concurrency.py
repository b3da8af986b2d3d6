"""Sixteen scripts writing off one invoice, or one debit memo, through the API at once never
over-credit it (W11)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from billing.models import BillingDocument, LineItem
from tests.api.helpers import bearer
from tests.conftest import postgresql_only
from tests.factories import add_line
from writeoffs.models import CreditMemo

THREADS = 16


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_api_write_offs_never_take_the_balance_below_zero(clerk_token, kind):
    document = kind.factory(number=kind.number())
    charges = [add_line(document, amount="100.00") for _ in range(2)]
    original = document.balance  # 200.00, while sixteen requests ask for 16 x 30.00 = 480.00
    body = {
        "items": [{kind.item_id: str(charge.pk), "amountWithoutTax": 15.00} for charge in charges]
    }
    start = threading.Barrier(THREADS)
    responses = []

    def script_writes_off():
        try:
            start.wait()
            responses.append(
                Client().put(
                    kind.write_off_path(document.number),
                    body,
                    content_type="application/json",
                    headers=bearer(clerk_token),
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=script_writes_off) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a write-off hung (deadlock?)"

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 6 + [422] * 10  # 6 x 30.00 = 180.00; a seventh would be 210.00
    refusals = {r.json()["reasons"][0]["code"] for r in responses if r.status_code == 422}
    assert refusals <= {"above_line_balance", "total_above_balance"}

    document.refresh_from_db()
    memos = CreditMemo.objects.filter(document=document)
    assert document.balance == Decimal("20.00") >= 0
    assert original == document.balance + sum(memo.total for memo in memos)
    assert document.balance == sum(
        LineItem.objects.filter(document=document).values_list("balance", flat=True)
    )
    assert BillingDocument.objects.get(pk=document.pk).balance >= 0
