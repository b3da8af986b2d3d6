"""Every write-off rule (SPEC W1 to W14) through `invoice_write_off`, with its exact outcome."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.models import AccountingCode, BillingDocument, LineItem
from tests.factories import (
    AccountingCodeFactory,
    DebitMemoFactory,
    InvoiceFactory,
    ReasonCodeFactory,
    add_line,
    invoice_with_all_kinds,
)
from writeoffs import services
from writeoffs.checks import (
    LineAmount,
    WriteOffProposal,
    write_off_check,
    write_off_date_default,
)
from writeoffs.errors import Problem, WriteOffErrorCode
from writeoffs.keys import Channel, LedgerKey
from writeoffs.models import CreditMemo, CreditMemoItem, ReasonCode, WriteOffSettings
from writeoffs.services import WriteOffRefused, document_write_off

pytestmark = pytest.mark.django_db

MEMO_DATE = datetime.date(2026, 10, 15)


@pytest.fixture(params=[InvoiceFactory, DebitMemoFactory], ids=["invoice", "debit memo"])
def invoice(request):
    """An invoice, or a debit memo, with Gold Plan 100.00, its tax 8.25, a discount -10.00 and
    its tax -0.83: every rule holds for both kinds of billing document alike (SPEC D1)."""
    return invoice_with_all_kinds(document_factory=request.param)


@pytest.fixture
def bad_debt():
    return AccountingCodeFactory(code="6100", name="Bad Debt", type=AccountingCode.Type.BAD_DEBT)


def default_reason():
    return ReasonCode.objects.get(is_default=True)


def proposal(lines=(), **fields) -> WriteOffProposal:
    fields.setdefault("memo_date", MEMO_DATE)
    fields.setdefault("reason_code", default_reason())
    return WriteOffProposal(lines=tuple(lines), **fields)


def dialog_key(document, name="form-1", lines=(), **fields) -> LedgerKey:
    return LedgerKey(Channel.DIALOG, name, proposal(lines, **fields).fingerprint(document))


def write_off(document, user, lines=(), *, key=None, **fields):
    return document_write_off(
        document=document, user=user, proposal=proposal(lines, **fields), key=key
    )


def amounts(*pairs):
    return [LineAmount(line.pk, Decimal(amount)) for line, amount in pairs]


def refused(document, user, lines=(), **fields) -> WriteOffRefused:
    """The refusal; asserts that nothing was written."""
    balances = list(LineItem.objects.order_by("pk").values_list("balance", flat=True))
    document_balance = BillingDocument.objects.get(pk=document.pk).balance
    with pytest.raises(WriteOffRefused) as refusal:
        write_off(document, user, lines, **fields)
    assert CreditMemo.objects.count() == 0
    assert CreditMemoItem.objects.count() == 0
    assert list(LineItem.objects.order_by("pk").values_list("balance", flat=True)) == balances
    assert BillingDocument.objects.get(pk=document.pk).balance == document_balance
    return refusal.value


def refusal(document, user, lines=(), **fields) -> dict[str, list[str]]:
    """The messages of the refusal, by field; asserts that nothing was written."""
    messages: dict[str, list[str]] = {}
    for problem in refused(document, user, lines, **fields).check.problems:
        messages.setdefault(problem.field, []).append(problem.message)
    return messages


def codes(document, user, lines=(), **fields) -> dict[str, list[str]]:
    with pytest.raises(WriteOffRefused) as refusal:
        write_off(document, user, lines, **fields)
    return refusal.value.check.codes()


# W1 Eligible


def test_write_off_refuses_a_draft_invoice(clerk):
    invoice, charge, *_ = invoice_with_all_kinds(status=BillingDocument.Status.DRAFT)
    errors = refusal(invoice, clerk, amounts((charge, "1.00")))
    assert errors == {
        "document": [f"Only posted documents can be written off; {invoice} is Draft."]
    }


def test_write_off_refuses_a_canceled_invoice(clerk):
    invoice, charge, *_ = invoice_with_all_kinds(status=BillingDocument.Status.CANCELED)
    assert codes(invoice, clerk, amounts((charge, "1.00"))) == {"document": ["not_posted"]}


def test_write_off_refuses_an_invoice_with_zero_balance(clerk):
    invoice = InvoiceFactory()
    charge = add_line(invoice, amount="50.00", balance="0.00")
    errors = refusal(invoice, clerk, amounts((charge, "1.00")))
    assert errors["document"] == ["Nothing is left to write off: the balance is zero."]


def test_write_off_refuses_a_user_without_the_permission(viewer, invoice):
    document, charge, *_ = invoice
    with pytest.raises(PermissionDenied):
        write_off(document, viewer, amounts((charge, "1.00")))
    assert CreditMemo.objects.count() == 0


def test_superuser_may_write_off(django_user_model, invoice):
    document, charge, *_ = invoice
    admin = django_user_model.objects.create_superuser("boss", password="x")
    assert write_off(document, admin, amounts((charge, "1.00"))).total == Decimal("1.00")


# W2 Write-Off Date


def test_write_off_date_is_required(clerk, invoice):
    document, charge, *_ = invoice
    errors = refusal(document, clerk, amounts((charge, "1.00")), memo_date=None)
    assert errors == {"memo_date": ["Enter the write-off date."]}


def test_write_off_date_cannot_be_before_the_invoice_date(clerk, invoice):
    document, charge, *_ = invoice
    errors = refusal(
        document, clerk, amounts((charge, "1.00")), memo_date=datetime.date(2026, 9, 30)
    )
    assert errors == {
        "memo_date": ["The write-off date cannot be before the document date, 2026-10-01."]
    }


def test_write_off_date_may_be_the_invoice_date(clerk, invoice):
    document, charge, *_ = invoice
    memo = write_off(document, clerk, amounts((charge, "1.00")), memo_date=document.date)
    assert memo.memo_date == document.date


def test_write_off_date_cannot_be_in_the_future(clerk, invoice):
    document, charge, *_ = invoice
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    errors = refusal(document, clerk, amounts((charge, "1.00")), memo_date=tomorrow)
    assert errors == {"memo_date": ["The write-off date cannot be in the future."]}


def test_future_dated_invoice_is_written_off_on_exactly_its_date(clerk):
    later = timezone.localdate() + datetime.timedelta(days=10)
    document = InvoiceFactory(date=later, due_date=later)
    charge = add_line(document)
    assert write_off_date_default(document) == later
    errors = refusal(
        document, clerk, amounts((charge, "1.00")), memo_date=later + datetime.timedelta(days=1)
    )
    assert errors["memo_date"] == [
        f"This document is dated in the future; write it off on its date, {later:%Y-%m-%d}."
    ]
    assert write_off(document, clerk, amounts((charge, "1.00")), memo_date=later).memo_date == later


def test_write_off_date_defaults_to_today(invoice):
    assert write_off_date_default(invoice[0]) == timezone.localdate()


# W3 Reason Code


def test_reason_code_is_required(clerk, invoice):
    document, charge, *_ = invoice
    errors = refusal(document, clerk, amounts((charge, "1.00")), reason_code=None)
    assert errors == {"reason_code": ["Choose a reason code."]}


def test_inactive_reason_code_is_refused(clerk, invoice):
    document, charge, *_ = invoice
    reason = ReasonCodeFactory(name="Old reason", active=False)
    errors = refusal(document, clerk, amounts((charge, "1.00")), reason_code=reason)
    assert errors == {"reason_code": ["The reason code \u2068Old reason\u2069 is not active."]}


def test_reason_code_deactivated_after_the_form_was_shown_is_refused(clerk, invoice):
    document, charge, *_ = invoice
    reason = ReasonCodeFactory(name="Charge Dispute 2")
    ReasonCode.objects.filter(pk=reason.pk).update(active=False)
    assert codes(document, clerk, amounts((charge, "1.00")), reason_code=reason) == {
        "reason_code": ["inactive"]
    }


# W4 Comment


def test_comment_of_255_characters_is_kept(clerk, invoice):
    document, charge, *_ = invoice
    memo = write_off(document, clerk, amounts((charge, "1.00")), comment="x" * 255)
    assert memo.comment == "x" * 255


def test_comment_longer_than_255_characters_is_refused(clerk, invoice):
    document, charge, *_ = invoice
    errors = refusal(document, clerk, amounts((charge, "1.00")), comment="x" * 256)
    assert errors == {"comment": ["Keep the comment to 255 characters; it has 256."]}


# W5 Accounting


def test_revenue_impacting_items_take_each_lines_own_code(clerk, invoice):
    document, charge, tax, discount, discount_tax = invoice
    memo = write_off(
        document,
        clerk,
        amounts((charge, "20.00"), (tax, "1.65"), (discount, "-2.00"), (discount_tax, "-0.17")),
    )
    assert memo.revenue_impacting is True
    booked = {item.source_line: item.accounting_code.code for item in memo.items.all()}
    assert booked == {charge: "2500", tax: "2200", discount: "2500", discount_tax: "2200"}


def test_not_revenue_impacting_books_every_item_to_the_chosen_code(clerk, invoice, bad_debt):
    document, charge, tax, discount, discount_tax = invoice
    memo = write_off(
        document,
        clerk,
        amounts((charge, "20.00"), (tax, "1.65"), (discount, "-2.00"), (discount_tax, "-0.17")),
        revenue_impacting=False,
        accounting_code=bad_debt,
    )
    assert memo.revenue_impacting is False
    assert {item.accounting_code for item in memo.items.all()} == {bad_debt}


def test_other_expenses_code_is_accepted(clerk, invoice):
    document, charge, *_ = invoice
    code = AccountingCodeFactory(code="6200", type=AccountingCode.Type.OTHER_EXPENSES)
    memo = write_off(
        document, clerk, amounts((charge, "1.00")), revenue_impacting=False, accounting_code=code
    )
    assert memo.items.get().accounting_code == code


def test_not_revenue_impacting_needs_an_accounting_code(clerk, invoice):
    document, charge, *_ = invoice
    errors = refusal(document, clerk, amounts((charge, "1.00")), revenue_impacting=False)
    assert errors == {
        "accounting_code": [
            "Choose the bad-debt or other expense accounting code to book the write-off to."
        ]
    }


@pytest.mark.parametrize(
    ("type", "active"),
    [(AccountingCode.Type.SALES_REVENUE, True), (AccountingCode.Type.BAD_DEBT, False)],
)
def test_accounting_code_must_be_an_active_expense_code(clerk, invoice, type, active):
    document, charge, *_ = invoice
    code = AccountingCodeFactory(code="9999", type=type, active=active)
    errors = refusal(
        document, clerk, amounts((charge, "1.00")), revenue_impacting=False, accounting_code=code
    )
    assert errors == {
        "accounting_code": ["9999 is not an active BadDebt or OtherExpenses accounting code."]
    }


def test_accounting_code_is_refused_on_a_revenue_impacting_write_off(clerk, invoice, bad_debt):
    document, charge, *_ = invoice
    assert codes(document, clerk, amounts((charge, "1.00")), accounting_code=bad_debt) == {
        "accounting_code": ["not_applicable"]
    }


def test_without_enhanced_write_off_every_write_off_is_revenue_impacting(clerk, invoice, bad_debt):
    WriteOffSettings.objects.filter(pk=1).update(enhanced_write_off=False)
    document, charge, *_ = invoice
    errors = refusal(
        document,
        clerk,
        amounts((charge, "1.00")),
        revenue_impacting=False,
        accounting_code=bad_debt,
    )
    assert errors == {
        "revenue_impacting": [
            "Write-offs must be revenue impacting: enhanced write-off is off for this tenant."
        ]
    }
    assert write_off(document, clerk, amounts((charge, "1.00"))).revenue_impacting is True


def test_a_new_database_has_enhanced_write_off_on():
    assert WriteOffSettings.load().enhanced_write_off is True


# W6 Line amount


def test_amounts_of_every_kind_of_line_are_written_off_exactly(clerk, invoice):
    document, charge, tax, discount, discount_tax = invoice
    memo = write_off(
        document,
        clerk,
        amounts((charge, "40.00"), (tax, "3.30"), (discount, "-4.00"), (discount_tax, "-0.33")),
    )
    assert memo.total == Decimal("38.97")
    assert {item.source_line.pk: item.amount for item in memo.items.all()} == {
        charge.pk: Decimal("40.00"),
        tax.pk: Decimal("3.30"),
        discount.pk: Decimal("-4.00"),
        discount_tax.pk: Decimal("-0.33"),
    }
    balances = dict(LineItem.objects.values_list("pk", "balance"))
    assert balances == {
        charge.pk: Decimal("60.00"),
        tax.pk: Decimal("4.95"),
        discount.pk: Decimal("-6.00"),
        discount_tax.pk: Decimal("-0.50"),
    }
    document.refresh_from_db()
    assert document.balance == Decimal("97.42") - Decimal("38.97")


def test_usd_amount_with_three_decimals_is_refused_not_rounded(clerk, invoice):
    document, charge, *_ = invoice
    errors = refusal(document, clerk, amounts((charge, "1.005")))
    assert errors == {"lines[0]": ["More decimals than USD allows (2)."]}


def test_trailing_zeros_beyond_the_currencys_digits_are_accepted(clerk, invoice):
    document, charge, *_ = invoice
    memo = write_off(document, clerk, amounts((charge, "1.500")))
    assert memo.total == Decimal("1.50")
    assert str(memo.items.get().amount) in {"1.50", "1.5000"}


def test_jpy_amounts_are_whole(clerk):
    document = InvoiceFactory(currency="JPY")
    charge = add_line(document, amount="12000")
    errors = refusal(document, clerk, amounts((charge, "1.5")))
    assert errors == {"lines[0]": ["JPY has no decimals; enter a whole amount."]}
    assert write_off(document, clerk, amounts((charge, "1000"))).total == Decimal(1000)


def test_three_decimal_currency_takes_three_decimals(clerk):
    document = InvoiceFactory(currency="KWD")
    charge = add_line(document, amount="10.125")
    assert write_off(document, clerk, amounts((charge, "0.125"))).total == Decimal("0.125")
    assert codes(document, clerk, amounts((charge, "0.0005"))) == {"lines[0]": ["invalid_amount"]}


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_not_a_number_is_refused(clerk, invoice, amount):
    document, charge, *_ = invoice
    assert refusal(document, clerk, amounts((charge, amount))) == {"lines[0]": ["Enter a number."]}


def test_amount_above_the_line_balance_is_refused(clerk, invoice):
    document, charge, *_ = invoice
    errors = refusal(document, clerk, amounts((charge, "100.01")))
    assert errors == {"lines[0]": ["100.01 is more than this line's balance, 100.00."]}


def test_discount_amount_beyond_its_balance_is_refused(clerk, invoice):
    document, charge, _tax, discount, _discount_tax = invoice
    errors = refusal(document, clerk, amounts((charge, "50.00"), (discount, "-10.01")))
    assert errors == {"lines[1]": ["-10.01 is more than this line's balance, -10.00."]}


def test_positive_amount_on_a_discount_is_refused(clerk, invoice):
    document, charge, _tax, _discount, discount_tax = invoice
    errors = refusal(document, clerk, amounts((charge, "5.00"), (discount_tax, "0.10")))
    assert errors == {"lines[1]": ["Enter a negative amount: this line's balance is -0.83."]}


def test_negative_amount_on_a_charge_is_refused(clerk, invoice):
    document, charge, *_ = invoice
    errors = refusal(document, clerk, amounts((charge, "-1.00")))
    assert errors == {"lines[0]": ["Enter a positive amount: this line's balance is 100.00."]}


def test_amount_on_a_line_with_nothing_left_is_refused(clerk):
    document = InvoiceFactory()
    paid = add_line(document, amount="10.00", balance="0.00")
    open_line = add_line(document, amount="10.00")
    errors = refusal(document, clerk, amounts((open_line, "1.00"), (paid, "1.00")))
    assert errors == {"lines[1]": ["Nothing is left to write off on this line."]}


def test_zero_and_negative_zero_amounts_make_no_item(clerk, invoice):
    document, charge, tax, discount, _ = invoice
    memo = write_off(document, clerk, amounts((charge, "5.00"), (tax, "0"), (discount, "-0")))
    assert list(memo.items.values_list("source_line", flat=True)) == [charge.pk]


def test_lines_left_out_are_not_written_off(clerk, invoice):
    document, charge, tax, *_ = invoice
    write_off(document, clerk, amounts((tax, "8.25")))
    charge.refresh_from_db()
    assert charge.balance == Decimal("100.00")


# W7 Total


def test_total_must_be_more_than_zero(clerk, invoice):
    document, charge, _tax, discount, _ = invoice
    errors = refusal(document, clerk, amounts((charge, "5.00"), (discount, "-10.00")))
    assert errors == {"total": ["The write-off total must be more than zero; it is -5.00."]}


def test_all_zero_amounts_are_refused(clerk, invoice):
    document, charge, *_ = invoice
    assert codes(document, clerk, amounts((charge, "0.00"))) == {"total": ["total_not_positive"]}


def test_no_lines_at_all_are_refused(clerk, invoice):
    assert codes(invoice[0], clerk, []) == {"total": ["total_not_positive"]}


def test_total_above_the_document_balance_is_refused(clerk):
    # Each line may be written off alone, but the document's balance is less than their sum:
    # a payment was applied to the document as a whole after the lines were imported.
    document = InvoiceFactory()
    first = add_line(document, amount="60.00")
    second = add_line(document, amount="60.00")
    BillingDocument.objects.filter(pk=document.pk).update(balance=Decimal("100.00"))
    errors = refusal(document, clerk, amounts((first, "60.00"), (second, "60.00")))
    assert errors == {
        "total": ["The write-off total 120.00 is more than the document's balance, 100.00."]
    }


# W8 Lines


def test_line_of_another_document_is_refused(clerk, invoice):
    document, charge, *_ = invoice
    other = add_line(InvoiceFactory(number="INV99999999"))
    errors = refusal(document, clerk, amounts((charge, "1.00"), (other, "1.00")))
    assert errors == {"lines[1]": [f"Line {other.pk} is not a line of {document.number}."]}
    other.refresh_from_db()
    assert other.balance == Decimal("100.00")


def test_unknown_line_id_is_refused(clerk, invoice):
    errors = refusal(invoice[0], clerk, [LineAmount(10**12, Decimal("1.00"))])
    assert errors == {"lines[0]": [f"Line {10**12} is not a line of {invoice[0].number}."]}


def test_the_same_line_twice_is_refused(clerk, invoice):
    document, charge, *_ = invoice
    errors = refusal(document, clerk, amounts((charge, "1.00"), (charge, "2.00")))
    assert errors == {"lines[1]": ["The line \u2068Gold Plan\u2069 is given more than once."]}


def test_every_broken_rule_is_reported_at_once(clerk, invoice):
    document, charge, tax, discount, _ = invoice
    errors = codes(
        document,
        clerk,
        amounts((charge, "1.001"), (tax, "9.00"), (discount, "1.00")),
        memo_date=None,
        reason_code=None,
        comment="x" * 300,
        revenue_impacting=False,
    )
    assert errors == {
        "memo_date": ["required"],
        "reason_code": ["required"],
        "comment": ["comment_too_long"],
        "accounting_code": ["required"],
        "lines[0]": ["invalid_amount"],
        "lines[1]": ["above_line_balance"],
        "lines[2]": ["wrong_sign"],
    }


# W9 Size


def test_more_than_2000_line_amounts_are_refused(clerk, invoice):
    document, charge, *_ = invoice
    lines = [LineAmount(charge.pk, Decimal(0))] * 2001
    assert codes(document, clerk, lines) == {"lines": ["too_many_lines"]}


# W10 Outcome


def test_memo_is_posted_and_applied_in_full(clerk, invoice):
    document, charge, tax, *_ = invoice
    memo = write_off(
        document, clerk, amounts((charge, "10.00"), (tax, "0.83")), comment="Customer gone"
    )
    memo.refresh_from_db()
    assert memo.number == "CM00000001"
    assert memo.status == CreditMemo.Status.POSTED
    assert memo.document_id == document.pk
    assert memo.memo_date == MEMO_DATE
    assert memo.reason_code.name == "Write-off"
    assert memo.comment == "Customer gone"
    assert memo.created_by == clerk
    assert memo.total == Decimal("10.83")
    assert memo.items.count() == 2
    document.refresh_from_db()
    assert document.balance == Decimal("97.42") - Decimal("10.83")
    assert document.amount == Decimal("97.42")


def test_tax_is_never_recalculated(clerk, invoice):
    document, charge, tax, *_ = invoice
    write_off(document, clerk, amounts((charge, "50.00")))
    tax.refresh_from_db()
    assert tax.balance == Decimal("8.25")


def test_memo_numbers_have_no_gap_when_a_write_off_fails_after_drawing_one(
    clerk, invoice, monkeypatch
):
    document, charge, *_ = invoice
    numbers = [write_off(document, clerk, amounts((charge, "1.00"))).number for _ in range(2)]
    give_number = services._give_number

    def number_then_fail(memo):
        give_number(memo)
        raise RuntimeError(f"the connection was lost after {memo.number} was drawn")

    with monkeypatch.context() as patch:
        patch.setattr(services, "_give_number", number_then_fail)
        with pytest.raises(RuntimeError, match="after CM00000003 was drawn"):
            write_off(document, clerk, amounts((charge, "1.00")))
    numbers.append(write_off(document, clerk, amounts((charge, "1.00"))).number)
    assert numbers == ["CM00000001", "CM00000002", "CM00000003"]
    charge.refresh_from_db()
    assert charge.balance == Decimal("97.00")


def test_the_counter_is_the_last_row_a_write_off_locks(clerk, invoice):
    document, charge, *_ = invoice
    with CaptureQueriesContext(connection) as queries:
        write_off(document, clerk, amounts((charge, "1.00")))
    statements = [query["sql"] for query in queries.captured_queries]
    counter = next(i for i, sql in enumerate(statements) if "writeoffs_numbersequence" in sql)
    # The statement that draws the number writes it (on SQLite the next one does); then the
    # transaction ends.
    after = statements[counter + 1 :]
    if connection.vendor == "postgresql":
        assert "UPDATE writeoffs_creditmemo SET number" in statements[counter]
        assert [sql.split()[0] for sql in after] == ["RELEASE"]
        # Just before, the foreign keys Django defers to the commit are checked, so that the
        # commit, which the counter's lock lasts until, has none left to check.
        assert statements[counter - 1] == "SET CONSTRAINTS ALL IMMEDIATE"
    else:
        assert [sql.split()[0] for sql in after] == ["UPDATE", "RELEASE"]
        assert "writeoffs_creditmemo" in after[0]


def test_partly_paid_invoice_is_written_off_against_what_is_open(clerk):
    document = InvoiceFactory()
    charge = add_line(document, amount="100.00", balance="40.00")
    tax = add_line(document, LineItem.Kind.TAX, "8.00", balance="3.20", parent=charge)
    assert codes(document, clerk, amounts((charge, "40.01"))) == {
        "lines[0]": ["above_line_balance"]
    }
    memo = write_off(document, clerk, amounts((charge, "40.00"), (tax, "3.20")))
    assert memo.total == Decimal("43.20")
    document.refresh_from_db()
    assert document.balance == 0


# W12 Once: the key ledger


def test_a_repeated_request_returns_the_first_memo_and_writes_nothing_more(clerk, invoice):
    document, charge, *_ = invoice
    lines = amounts((charge, "10.00"))
    key = dialog_key(document, lines=lines)
    first = write_off(document, clerk, lines, key=key)
    again = write_off(document, clerk, lines, key=key)
    assert again == first
    assert CreditMemo.objects.count() == 1
    assert first.ledger_entry.key == "form-1"
    charge.refresh_from_db()
    assert charge.balance == Decimal("90.00")


def test_a_key_repeated_with_other_amounts_is_refused_not_answered_with_the_first_memo(
    clerk, invoice
):
    document, charge, *_ = invoice
    first = write_off(document, clerk, amounts((charge, "0.01")), key=dialog_key(document))
    other = amounts((charge, "5.00"))
    with pytest.raises(WriteOffRefused) as refusal:
        write_off(document, clerk, other, key=dialog_key(document, lines=other))
    assert refusal.value.check.codes() == {"request_key": ["request_key_reused"]}
    assert first.number in refusal.value.check.problems[0].message
    assert CreditMemo.objects.count() == 1


def test_a_key_is_the_users_own(clerk, invoice, django_user_model):
    document, charge, *_ = invoice
    lines = amounts((charge, "1.00"))
    key = dialog_key(document, lines=lines)
    write_off(document, clerk, lines, key=key)
    other_clerk = django_user_model.objects.create_superuser("other", password="x")
    second = write_off(document, other_clerk, lines, key=key)
    assert second.created_by == other_clerk
    assert CreditMemo.objects.count() == 2


def test_a_key_is_the_channels_own(clerk, invoice):
    document, charge, *_ = invoice
    lines = amounts((charge, "1.00"))
    fingerprint = proposal(lines).fingerprint(document)
    write_off(document, clerk, lines, key=LedgerKey(Channel.DIALOG, "k", fingerprint))
    write_off(document, clerk, lines, key=LedgerKey(Channel.API, "k", fingerprint))
    assert CreditMemo.objects.count() == 2


def test_a_refused_request_leaves_its_key_free_for_the_corrected_one(clerk, invoice):
    document, charge, *_ = invoice
    wrong = amounts((charge, "1000.00"))
    with pytest.raises(WriteOffRefused):
        write_off(document, clerk, wrong, key=dialog_key(document, lines=wrong))
    right = amounts((charge, "10.00"))
    memo = write_off(document, clerk, right, key=dialog_key(document, lines=right))
    assert memo.total == Decimal("10.00")


def test_a_key_cannot_be_reused_for_another_document(clerk, invoice):
    document, charge, *_ = invoice
    lines = amounts((charge, "10.00"))
    write_off(document, clerk, lines, key=dialog_key(document, lines=lines))
    other = InvoiceFactory(number="INV99999999")
    other_lines = amounts((add_line(other), "1.00"))
    key = dialog_key(other, lines=other_lines)
    assert codes(other, clerk, other_lines, key=key) == {"request_key": ["request_key_reused"]}


# W13 Full balance


def test_full_balance_leaves_every_line_and_the_document_at_zero(clerk, invoice):
    document, charge, _tax, _discount, _discount_tax = invoice
    write_off(document, clerk, amounts((charge, "10.00")))
    memo = write_off(document, clerk, full_balance=True)
    assert memo.total == Decimal("87.42")
    assert set(LineItem.objects.values_list("balance", flat=True)) == {Decimal(0)}
    document.refresh_from_db()
    assert document.balance == 0
    assert memo.items.count() == 4


def test_full_balance_skips_lines_already_at_zero(clerk):
    document = InvoiceFactory()
    add_line(document, amount="10.00", balance="0.00")
    open_line = add_line(document, amount="10.00")
    memo = write_off(document, clerk, full_balance=True)
    assert list(memo.items.values_list("source_line", flat=True)) == [open_line.pk]


def test_full_balance_with_line_amounts_is_refused(clerk, invoice):
    document, charge, *_ = invoice
    assert codes(document, clerk, amounts((charge, "1.00")), full_balance=True) == {
        "lines": ["lines_and_full_balance"]
    }


# The one check, as the live total asks it


def check(document, lines=(), **fields):
    return write_off_check(
        document=document, lines=document.lines.all(), proposal=proposal(lines, **fields)
    )


def test_check_totals_the_amounts_and_writes_nothing(invoice, django_assert_num_queries):
    document, charge, tax, discount, discount_tax = invoice
    lines = list(document.lines.all())
    asked = proposal(amounts((charge, "40.00"), (tax, "3.30"), (discount, "-4.00")))
    with django_assert_num_queries(0):
        result = write_off_check(document=document, lines=lines, proposal=asked)
    assert (result.total, result.remaining_balance, result.problems) == (
        Decimal("39.30"),
        Decimal("58.12"),
        (),
    )
    assert CreditMemo.objects.count() == 0
    assert set(LineItem.objects.values_list("balance", "amount")) == {
        (line.amount, line.amount) for line in (charge, tax, discount, discount_tax)
    }


def test_check_shows_no_total_while_a_line_is_wrong(invoice):
    document, charge, tax, *_ = invoice
    result = check(document, amounts((charge, "5.00"), (tax, "9.00")))
    assert (result.total, result.remaining_balance) == (None, None)
    assert result.problems == (
        Problem(
            "lines[1]",
            WriteOffErrorCode.ABOVE_LINE_BALANCE,
            "9.00 is more than this line's balance, 8.25.",
        ),
    )


def test_check_shows_no_total_while_a_line_could_not_be_read(invoice):
    document, charge, tax, *_ = invoice
    unread = Problem("lines[1]", WriteOffErrorCode.INVALID_AMOUNT, "Enter a plain amount.")
    result = check(
        document,
        [LineAmount(charge.pk, Decimal("1.00")), LineAmount(tax.pk, None)],
        unread=(unread,),
    )
    assert result.total is None
    assert result.problems == (unread,)


def test_check_returns_every_problem_at_once_in_reading_order(invoice, bad_debt):
    document, charge, tax, *_ = invoice
    bad_debt.active = False
    result = check(
        document,
        amounts((charge, "1.001"), (tax, "-1.00")),
        memo_date=None,
        reason_code=ReasonCodeFactory(name="Old", active=False),
        comment="x" * 256,
        revenue_impacting=False,
        accounting_code=bad_debt,
    )
    assert [(problem.field, problem.code.value) for problem in result.problems] == [
        ("memo_date", "required"),
        ("reason_code", "inactive"),
        ("comment", "comment_too_long"),
        ("accounting_code", "invalid_accounting_code"),
        ("lines[0]", "invalid_amount"),
        ("lines[1]", "wrong_sign"),
    ]


def test_check_of_nothing_typed_yet_totals_zero_and_says_the_total_must_be_more(invoice):
    result = check(invoice[0])
    assert (result.total, result.remaining_balance) == (Decimal(0), Decimal("97.42"))
    assert result.codes() == {"total": ["total_not_positive"]}


def test_check_reports_a_total_below_zero(invoice):
    document, charge, _, discount, _ = invoice
    result = check(document, amounts((charge, "1.00"), (discount, "-2.00")))
    assert [problem.message for problem in result.problems] == [
        "The write-off total must be more than zero; it is -1.00."
    ]


def test_a_field_the_channel_could_not_read_is_not_judged_again(invoice):
    unread = Problem("memo_date", WriteOffErrorCode.INVALID_DATE, "2026-02-30 is not a date.")
    result = check(invoice[0], memo_date=None, unread=(unread,))
    assert result.codes()["memo_date"] == ["invalid_date"]


def test_a_write_off_to_zero_must_leave_no_line_open(clerk):
    # 7.00 on the charge and -7.00 on its discount: the balance is zero, the lines are not.
    document = InvoiceFactory()
    charge = add_line(document, amount="10.00")
    discount = add_line(document, LineItem.Kind.DISCOUNT, "-7.00", parent=charge)
    errors = refusal(document, clerk, amounts((charge, "3.00")))
    assert errors == {
        "total": [
            "This would bring the balance to zero but leave "
            f"\u2068{charge.description}\u2069, \u2068{discount.description}\u2069 open; "
            "the balances of every open line must be written off together."
        ]
    }
    memo = write_off(document, clerk, amounts((charge, "10.00"), (discount, "-7.00")))
    assert memo.total == Decimal("3.00")
