"""Random sequences of valid partial write-offs keep every invariant (hypothesis)."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.models import BillingDocument, LineItem
from tests.factories import InvoiceFactory, add_line, write_off
from writeoffs.checks import LineAmount
from writeoffs.models import CreditMemo, ReasonCode
from writeoffs.services import WriteOffRefused

pytestmark = pytest.mark.django_db

CURRENCIES = {"USD": 2, "JPY": 0, "KWD": 3}


def make_invoice(currency, charges):
    """An invoice whose charges each have a tax, a discount and a tax on the discount."""
    invoice = InvoiceFactory(currency=currency)
    for charge_amount, tax, discount, discount_tax in charges:
        charge = add_line(invoice, LineItem.Kind.CHARGE, charge_amount)
        add_line(invoice, LineItem.Kind.TAX, tax, parent=charge)
        discount_line = add_line(invoice, LineItem.Kind.DISCOUNT, -discount, parent=charge)
        add_line(invoice, LineItem.Kind.DISCOUNT_TAX, -discount_tax, parent=discount_line)
    return invoice


@st.composite
def invoices_and_rounds(draw):
    currency = draw(st.sampled_from(sorted(CURRENCIES)))
    step = Decimal(1).scaleb(-CURRENCIES[currency])

    def money(low, high):
        return st.integers(low, high).map(lambda units: units * step)

    charges = []
    for _ in range(draw(st.integers(1, 3))):
        amount = draw(money(100, 100_000))
        # A discount no larger than its charge, each tax no larger than what it taxes.
        discount = draw(money(0, int(amount / step) // 2))
        charges.append(
            (
                amount,
                draw(money(0, int(amount / step) // 5)),
                discount,
                draw(money(0, int(discount / step) // 5)),
            )
        )
    # Each round is a fraction, per line, of what is left on it.
    rounds = draw(
        st.lists(
            st.lists(st.floats(0, 1), min_size=4 * len(charges), max_size=4 * len(charges)),
            max_size=4,
        )
    )
    return currency, charges, rounds


def check_invariants(invoice, original_balance):
    invoice.refresh_from_db()
    lines = list(invoice.lines.all())
    for line in lines:
        assert abs(line.balance) <= abs(line.amount)
        assert line.balance == 0 or (line.balance > 0) == (line.amount > 0)
    assert invoice.balance == sum(line.balance for line in lines)
    assert invoice.balance >= 0
    memos = sum(memo.total for memo in CreditMemo.objects.filter(document=invoice))
    assert original_balance == invoice.balance + memos


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=invoices_and_rounds())
def test_partial_write_offs_keep_every_invariant_and_full_balance_ends_at_zero(clerk, data):
    currency, charges, rounds = data
    step = Decimal(1).scaleb(-CURRENCIES[currency])
    invoice = make_invoice(currency, charges)
    original = invoice.balance
    reason = ReasonCode.objects.get(is_default=True)
    for fractions in rounds:
        lines = list(invoice.lines.order_by("position"))
        # The fractions only pick the amounts; the amounts themselves are exact Decimals.
        requested = [
            LineAmount(
                line.pk, (line.balance * Decimal(str(f))).quantize(step, rounding="ROUND_DOWN")
            )
            for line, f in zip(lines, fractions, strict=True)
        ]
        total = sum(entry.amount for entry in requested)
        if not 0 < total <= invoice.balance:
            continue
        before = BillingDocument.objects.get(pk=invoice.pk).balance
        try:
            memo = write_off(invoice, clerk, requested, reason_code=reason)
        except WriteOffRefused as refused:
            # The one refusal valid amounts can meet: reaching zero with lines left open.
            assert refused.check.codes() == {"total": ["leaves_lines_open"]}
            assert BillingDocument.objects.get(pk=invoice.pk).balance == before
            continue
        assert memo.total == total == before - BillingDocument.objects.get(pk=invoice.pk).balance
        check_invariants(invoice, original)
    invoice.refresh_from_db()
    if invoice.balance > 0:
        write_off(invoice, clerk, reason_code=reason, full_balance=True)
    check_invariants(invoice, original)
    assert set(invoice.lines.values_list("balance", flat=True)) == {Decimal(0)}
    assert invoice.balance == 0
