"""The service's query count does not grow with the number of lines (SPEC Q6)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import LineItem
from tests.factories import InvoiceFactory, LineItemFactory, write_off
from writeoffs.checks import LineAmount
from writeoffs.models import ReasonCode

pytestmark = pytest.mark.django_db


def invoice_with_charges(count):
    invoice = InvoiceFactory()
    LineItemFactory.create_batch(count, document=invoice, amount=Decimal("10.00"))
    invoice.amount = invoice.balance = Decimal("10.00") * count
    invoice.save()
    return invoice


def queries_to_write_off(clerk, count, **kwargs):
    invoice = invoice_with_charges(count)
    reason = ReasonCode.objects.get(is_default=True)
    lines = [LineAmount(pk, Decimal("1.00")) for pk in invoice.lines.values_list("pk", flat=True)]
    clerk.has_perm("writeoffs.write_off_document")  # the permission cache is the user's own
    with CaptureQueriesContext(connection) as queries:
        memo = write_off(
            invoice,
            clerk,
            [] if kwargs else lines,
            memo_date=invoice.date,
            reason_code=reason,
            **kwargs,
        )
    assert memo.items.count() == count
    return len(queries)


@pytest.mark.parametrize("kwargs", [{}, {"full_balance": True}])
def test_write_off_queries_are_the_same_for_1_and_200_lines(clerk, kwargs):
    one = queries_to_write_off(clerk, 1, **kwargs)
    assert queries_to_write_off(clerk, 200, **kwargs) == one


def test_write_off_of_1_line_takes_a_known_number_of_queries(clerk, django_assert_num_queries):
    invoice = invoice_with_charges(1)
    line = LineItem.objects.get(document=invoice)
    reason = ReasonCode.objects.get(is_default=True)
    clerk.has_perm("writeoffs.write_off_document")
    # savepoint, lock, reason, lines, memo, items, line balances, document balance, the
    # audit entry, the deferred foreign keys checked (PostgreSQL), the number drawn and written
    # (two statements on SQLite), release
    with django_assert_num_queries(12):
        memo = write_off(invoice, clerk, [LineAmount(line.pk, Decimal("1.00"))], reason_code=reason)
    assert memo.total == Decimal("1.00")
