"""Each invariant of SPEC section 1 is held by the database: a raw update that breaks it fails."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from billing.models import AccountingCode, BillingDocument, LineItem
from tests.factories import (
    AccountingCodeFactory,
    InvoiceFactory,
    ReasonCodeFactory,
    UserFactory,
    add_line,
    invoice_with_all_kinds,
)
from writeoffs.models import CreditMemo, CreditMemoItem, ReasonCode, WriteOffSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice():
    return invoice_with_all_kinds()


def refused(queryset, **changes):
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(**changes)


def lines(line):
    return LineItem.objects.filter(pk=line.pk)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("type", "quote"),
        ("status", "Paid"),
        ("balance", Decimal("-0.01")),
        ("number", ""),
    ],
)
def test_document_rejects_invalid_values(invoice, field, value):
    refused(BillingDocument.objects.filter(pk=invoice[0].pk), **{field: value})


def test_document_numbers_are_unique(invoice):
    other = InvoiceFactory()
    refused(BillingDocument.objects.filter(pk=other.pk), number=invoice[0].number)


def test_line_kind_must_be_one_of_the_four(invoice):
    refused(lines(invoice[1]), kind="fee")


@pytest.mark.parametrize(
    ("index", "amount"),
    [(1, Decimal("-1.00")), (2, Decimal("-1.00")), (3, Decimal("1.00")), (4, Decimal("1.00"))],
)
def test_line_amount_has_the_sign_of_its_kind(invoice, index, amount):
    refused(lines(invoice[index]), amount=amount, balance=amount)


@pytest.mark.parametrize(
    ("index", "balance"),
    [
        (1, Decimal("100.01")),
        (1, Decimal("-0.01")),
        (3, Decimal("-10.01")),
        (3, Decimal("0.01")),
    ],
)
def test_line_balance_has_the_sign_of_its_amount_and_is_no_larger(invoice, index, balance):
    refused(lines(invoice[index]), balance=balance)


def test_charge_cannot_have_a_parent(invoice):
    _, charge, _, discount, _ = invoice
    refused(lines(charge), parent=discount)


def test_tax_must_have_a_parent(invoice):
    refused(lines(invoice[2]), parent=None)


def test_tax_parent_must_be_a_charge(invoice):
    _, _, tax, discount, _ = invoice
    refused(lines(tax), parent=discount)


def test_discount_tax_parent_must_be_a_discount(invoice):
    _, charge, _, _, discount_tax = invoice
    refused(lines(discount_tax), parent=charge)


def test_parent_must_be_on_the_same_document(invoice):
    other_charge = add_line(InvoiceFactory())
    refused(lines(invoice[2]), parent=other_charge)


def test_a_parent_cannot_change_kind_under_its_children(invoice):
    refused(lines(invoice[3]), kind=LineItem.Kind.CHARGE, parent=None)


def test_a_parent_cannot_move_to_another_document_without_its_children(invoice):
    refused(lines(invoice[1]), document=InvoiceFactory())


def test_a_line_with_a_wrong_parent_cannot_be_inserted(invoice):
    _, _, tax, _, _ = invoice
    with pytest.raises(IntegrityError), transaction.atomic():
        add_line(invoice[0], LineItem.Kind.TAX, "1.00", parent=tax)


def test_revenue_code_is_only_on_charges(invoice):
    refused(lines(invoice[2]), revenue_code=AccountingCodeFactory())


def test_line_positions_are_unique_in_a_document(invoice):
    refused(lines(invoice[2]), position=invoice[1].position)


def test_accounting_code_type_must_be_known():
    code = AccountingCodeFactory()
    refused(AccountingCode.objects.filter(pk=code.pk), type="Whatever")


def test_accounting_codes_are_unique():
    AccountingCodeFactory(code="6100")
    other = AccountingCodeFactory(code="6200")
    refused(AccountingCode.objects.filter(pk=other.pk), code="6100")


def test_only_one_reason_code_is_the_default():
    other = ReasonCodeFactory(name="Another")
    refused(ReasonCode.objects.filter(pk=other.pk), is_default=True)


def test_the_default_reason_code_stays_active():
    refused(ReasonCode.objects.filter(is_default=True), active=False)


def test_reason_code_names_are_unique():
    other = ReasonCodeFactory(name="Another")
    refused(ReasonCode.objects.filter(pk=other.pk), name="Write-off")


def test_write_off_settings_are_one_row():
    with pytest.raises(IntegrityError), transaction.atomic():
        WriteOffSettings.objects.create(pk=2)


@pytest.fixture
def memo(invoice):
    document, charge, *_ = invoice
    memo = CreditMemo.objects.create(
        number="CM00000001",
        document=document,
        memo_date=document.date,
        reason_code=ReasonCode.objects.get(is_default=True),
        revenue_impacting=True,
        total=Decimal("1.00"),
        created_by=UserFactory(),
    )
    CreditMemoItem.objects.create(
        memo=memo,
        source_line=charge,
        amount=Decimal("1.00"),
        accounting_code_id=charge.accounting_code_id,
    )
    return memo


def test_memo_items_are_not_zero(memo):
    refused(CreditMemoItem.objects.filter(memo=memo), amount=Decimal(0))


def test_memo_total_is_positive(memo):
    refused(CreditMemo.objects.filter(pk=memo.pk), total=Decimal(0))


def test_memo_numbers_are_unique(memo, invoice):
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditMemo.objects.create(
            number=memo.number,
            document=invoice[0],
            memo_date=memo.memo_date,
            reason_code=memo.reason_code,
            revenue_impacting=True,
            total=Decimal("1.00"),
            created_by=memo.created_by,
        )


def test_a_line_appears_once_in_a_memo(memo, invoice):
    charge = invoice[1]
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditMemoItem.objects.create(
            memo=memo,
            source_line=charge,
            amount=Decimal("1.00"),
            accounting_code_id=charge.accounting_code_id,
        )


def test_memo_status_must_be_posted(memo):
    refused(CreditMemo.objects.filter(pk=memo.pk), status="Draft")


def test_lines_are_found_by_document_through_the_position_constraint_alone():
    """One index starts with a line's document: the unique (document, position), which every
    look-up by document uses. A second would cost every line written and serve nothing."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, LineItem._meta.db_table)
    by_document = {
        name: found
        for name, found in constraints.items()
        if (found["index"] or found["unique"]) and found["columns"][:1] == ["document_id"]
    }
    assert [found["columns"] for found in by_document.values()] == [["document_id", "position"]]
    assert next(iter(by_document.values()))["unique"]
    # The line triggers survive the index's removal (SQLite would lose them with the table).
    _, charge, *_ = invoice_with_all_kinds()
    refused(LineItem.objects.filter(parent=charge), document=InvoiceFactory())
