"""Eight clerks writing off one invoice at once can never over-credit it (SPEC W11)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from billing.models import BillingDocument
from tests.conftest import postgresql_only
from tests.factories import InvoiceFactory, add_line, write_off
from writeoffs import services
from writeoffs.checks import LineAmount
from writeoffs.models import CreditMemo, ReasonCode
from writeoffs.services import WriteOffRefused

THREADS = 8


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_write_offs_never_take_the_balance_below_zero(clerk):
    invoice = InvoiceFactory()
    charges = [add_line(invoice, amount="100.00") for _ in range(2)]
    original = invoice.balance  # 200.00, while the eight threads ask for 8 x 40.00 = 320.00
    reason = ReasonCode.objects.get(is_default=True)
    start = threading.Barrier(THREADS)
    outcomes = []

    def clerk_saves(index):
        try:
            start.wait()
            memo = write_off(
                invoice,
                clerk,
                [
                    LineAmount(charges[0].pk, Decimal("20.00")),
                    LineAmount(charges[1].pk, Decimal("20.00")),
                ],
                reason_code=reason,
            )
            outcomes.append(memo.number)
        except WriteOffRefused as refused:
            outcomes.append(refused.check.codes())
        except Exception as error:  # any other outcome fails the test below
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=clerk_saves, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a write-off hung (deadlock?)"

    numbers = sorted(o for o in outcomes if isinstance(o, str))
    refusals = [o for o in outcomes if isinstance(o, dict)]
    assert len(numbers) + len(refusals) == THREADS, outcomes
    assert len(numbers) == 5  # 5 x 40.00 = 200.00, the whole balance
    assert all(
        set(refusal) <= {"document", "lines[0]", "lines[1]", "total"} for refusal in refusals
    )
    assert numbers == [f"CM{n:08d}" for n in range(1, 6)]  # unique and gapless

    invoice.refresh_from_db()
    assert invoice.balance == 0
    memos = CreditMemo.objects.filter(document=invoice)
    assert original == invoice.balance + sum(memo.total for memo in memos)
    assert BillingDocument.objects.get(pk=invoice.pk).balance >= 0


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_write_offs_of_different_invoices_get_gapless_numbers(clerk, monkeypatch):
    invoices = [InvoiceFactory() for _ in range(THREADS)]
    lines = [add_line(invoice, amount="10.00") for invoice in invoices]
    failing = {invoice.pk for invoice in invoices[::2]}
    reason = ReasonCode.objects.get(is_default=True)
    start = threading.Barrier(THREADS)
    numbers, failures = [], []
    give_number = services._give_number

    def fail_after_the_number_is_drawn(memo):
        give_number(memo)
        if memo.document_id in failing:
            raise RuntimeError(f"{memo.number} failed after it was drawn")

    # Every other write-off draws its number and then fails: a sequence would leave a gap.
    monkeypatch.setattr(services, "_give_number", fail_after_the_number_is_drawn)

    def clerk_saves(index):
        try:
            start.wait()
            line = LineAmount(lines[index].pk, Decimal("10.00"))
            numbers.append(write_off(invoices[index], clerk, [line], reason_code=reason).number)
        except RuntimeError as error:
            failures.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=clerk_saves, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert len(failures) == THREADS // 2, failures
    assert sorted(numbers) == [f"CM{n:08d}" for n in range(1, THREADS // 2 + 1)]
    assert CreditMemo.objects.count() == THREADS // 2
