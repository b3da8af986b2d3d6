"""factory_boy factories for the billing domain."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from billing.models import Account, AccountingCode, BillingDocument, DebitMemo, Invoice, LineItem
from writeoffs.checks import LineAmount, WriteOffProposal
from writeoffs.models import ReasonCode
from writeoffs.services import document_write_off


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"clerk{n}")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def permissions(self, create, extracted, **kwargs):
        """`UserFactory(permissions=["writeoffs.write_off_document"])` grants those permissions."""
        for name in extracted or ():
            app_label, codename = name.split(".")
            self.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


class AccountingCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountingCode
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"{2500 + n}")
    name = factory.LazyAttribute(lambda o: f"Code {o.code}")
    type = AccountingCode.Type.DEFERRED_REVENUE


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account
        django_get_or_create = ["number"]

    number = factory.Sequence(lambda n: f"A{n:08d}")
    name = factory.Sequence(lambda n: f"Customer {n}")


class InvoiceFactory(factory.django.DjangoModelFactory):
    """An invoice with no lines; amount and balance follow the lines added by `add_line`."""

    class Meta:
        model = Invoice

    type = BillingDocument.Type.INVOICE
    number = factory.Sequence(lambda n: f"INV{n:08d}")
    account = factory.SubFactory(AccountFactory)
    currency = "USD"
    date = datetime.date(2026, 10, 1)
    due_date = datetime.date(2026, 10, 31)
    status = BillingDocument.Status.POSTED
    amount = Decimal(0)
    balance = Decimal(0)


class DebitMemoFactory(InvoiceFactory):
    """A debit memo with no lines, as `InvoiceFactory` makes an invoice."""

    class Meta:
        model = DebitMemo

    type = BillingDocument.Type.DEBIT_MEMO
    number = factory.Sequence(lambda n: f"DM{n:08d}")


class LineItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LineItem

    document = factory.SubFactory(InvoiceFactory)
    position = factory.Sequence(lambda n: n)
    kind = LineItem.Kind.CHARGE
    description = factory.Sequence(lambda n: f"Line {n}")
    amount = Decimal("100.00")
    balance = factory.LazyAttribute(lambda o: o.amount)
    accounting_code = factory.SubFactory(AccountingCodeFactory)


class ReasonCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReasonCode
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Reason {n}")


def add_line(document, kind=LineItem.Kind.CHARGE, amount="100.00", balance=None, **kwargs):
    """Add a line to `document` and keep the document's amount and balance its lines' sums."""
    amount = Decimal(amount)
    balance = amount if balance is None else Decimal(balance)
    line = LineItemFactory(document=document, kind=kind, amount=amount, balance=balance, **kwargs)
    document.amount += amount
    document.balance += balance
    document.save(update_fields=["amount", "balance"])
    return line


def invoice_with_all_kinds(currency="USD", document_factory=InvoiceFactory, **kwargs):
    """The SPEC C7 example: a charge with its tax, a discount and the discount's tax; a debit
    memo with `document_factory=DebitMemoFactory`."""
    deferred = AccountingCodeFactory(code="2500", type=AccountingCode.Type.DEFERRED_REVENUE)
    tax_code = AccountingCodeFactory(code="2200", type=AccountingCode.Type.SALES_TAX_PAYABLE)
    invoice = document_factory(currency=currency, **kwargs)
    charge = add_line(
        invoice,
        description="Gold Plan",
        amount="100.00",
        accounting_code=deferred,
        service_start=datetime.date(2026, 10, 1),
        service_end=datetime.date(2026, 10, 31),
    )
    tax = add_line(
        invoice,
        LineItem.Kind.TAX,
        "8.25",
        parent=charge,
        description="CA State Tax",
        accounting_code=tax_code,
    )
    discount = add_line(
        invoice,
        LineItem.Kind.DISCOUNT,
        "-10.00",
        parent=charge,
        description="10% Loyalty Discount",
        accounting_code=deferred,
    )
    discount_tax = add_line(
        invoice,
        LineItem.Kind.DISCOUNT_TAX,
        "-0.83",
        parent=discount,
        description="CA State Tax on discount",
        accounting_code=tax_code,
    )
    return invoice, charge, tax, discount, discount_tax


def write_off(document, user, lines=(), *, key=None, **fields):
    """A credit memo made through the one write-off service: `lines` are `(line, amount)`
    pairs or `LineAmount`s; the date defaults to the document's and the reason to the default."""
    fields.setdefault("memo_date", document.date)
    if "reason_code" not in fields:
        fields["reason_code"] = ReasonCode.objects.default()
    amounts = tuple(
        entry if isinstance(entry, LineAmount) else LineAmount(entry[0].pk, Decimal(entry[1]))
        for entry in lines
    )
    return document_write_off(
        document=document, user=user, proposal=WriteOffProposal(lines=amounts, **fields), key=key
    )
