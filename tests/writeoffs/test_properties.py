"""Random sequences of valid partial write-offs keep every invariant (hypothesis)."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.models import BillingDocument, LineItem
from billing.selectors import DocumentLines, line_rows
from tests.factories import InvoiceFactory, add_line, write_off
from writeoffs import checks
from writeoffs.checks import LineAmount, WriteOffProposal, write_off_check
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


@st.composite
def invoices_and_proposals(draw):
    """An invoice and what a clerk might type on it: amounts on some of its lines (a part of
    the balance, all of it, more, the wrong sign), ids of no line of it, or the full balance."""
    currency, charges, _ = draw(invoices_and_rounds())
    count = 4 * len(charges)
    typed = draw(
        st.lists(
            st.tuples(
                st.integers(0, count + 1),  # past the lines: an id of no line of the invoice
                st.sampled_from(["part", "all", "more", "negated", "zero"]),
            ),
            max_size=count + 2,
            unique_by=lambda entry: entry[0],
        )
    )
    return currency, charges, typed, draw(st.booleans())


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=invoices_and_proposals())
def test_the_check_finds_the_same_reading_only_the_lines_typed_on(data):
    """The live total reads only the lines typed on (`DocumentLines`), and its check finds
    what the same check of every line finds: problems, amounts, total and balance after."""
    currency, charges, typed, full_balance = data
    step = Decimal(1).scaleb(-CURRENCIES[currency])
    invoice = make_invoice(currency, charges)
    lines = line_rows(invoice)
    other = InvoiceFactory(currency=currency)
    stranger = add_line(other, LineItem.Kind.CHARGE, "1")
    requested = []
    for index, how in typed:
        line = lines[index] if index < len(lines) else None
        balance = line.balance if line else Decimal(1)
        amount = {
            "part": (balance / 2).quantize(step, rounding="ROUND_DOWN"),
            "all": balance,
            "more": balance + step if balance >= 0 else balance - step,
            "negated": -balance,
            "zero": Decimal(0),
        }[how]
        requested.append(LineAmount(line.pk if line else stranger.pk + index, amount))
    proposal = WriteOffProposal(
        memo_date=invoice.date,
        reason_code=ReasonCode.objects.default(),
        lines=() if full_balance else tuple(requested),
        full_balance=full_balance,
    )
    named = {entry.line_id for entry in proposal.lines}

    every = write_off_check(document=invoice, lines=lines, proposal=proposal)
    only_typed = write_off_check(
        document=invoice, lines=DocumentLines(invoice, named), proposal=proposal
    )

    assert only_typed == every


def test_the_check_of_the_lines_typed_on_counts_every_line(monkeypatch):
    invoice = make_invoice("USD", [(Decimal(100), Decimal(10), Decimal(5), Decimal(1))])
    charge = invoice.lines.get(kind=LineItem.Kind.CHARGE)
    proposal = WriteOffProposal(
        memo_date=invoice.date,
        reason_code=ReasonCode.objects.default(),
        lines=(LineAmount(charge.pk, Decimal(1)),),
    )
    monkeypatch.setattr(checks, "MAX_LINES_PER_DOCUMENT", 3)  # the invoice has 4

    check = write_off_check(
        document=invoice, lines=DocumentLines(invoice, {charge.pk}), proposal=proposal
    )

    assert check.codes() == {"document": ["too_many_lines"]}
