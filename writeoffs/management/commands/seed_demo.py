"""`python manage.py seed_demo`: demo data for `make run` (SPEC C1, C3); idempotent.

The documents are built as a C7 file and go through `documents_import`, the one way documents
get in, so the demo data is held to every import rule. They are drawn from a `random.Random`
with a fixed seed, so every run builds the same documents; only their dates move with today,
so the demo always looks recent. Numbers that exist already are left unchanged, as are users
that exist (their passwords included).
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from billing.models import VIEW_DOCUMENTS
from billing.money import quantum
from writeoffs.importing import documents_import
from writeoffs.models import (
    BULK_WRITE_OFF_PERMISSION,
    REVERSE_PERMISSION,
    WRITE_OFF_PERMISSION,
    WriteOffSettings,
)

SEED = 20261001
DOCUMENT_COUNT = 60  # invoices
FIRST_NUMBER = 1001

# The demo logins, for a local copy only; `make run` prints them too.
FINANCE_USER = ("finance", "finance-demo-only")
# Who may reverse a write-off (SPEC D2), and only that: writing off and undoing are apart.
CONTROLLER_USER = ("controller", "controller-demo-only")
ADMIN_USER = ("admin", "admin-demo-only")
PERMISSIONS = {
    FINANCE_USER[0]: [VIEW_DOCUMENTS, WRITE_OFF_PERMISSION, BULK_WRITE_OFF_PERMISSION],
    CONTROLLER_USER[0]: [VIEW_DOCUMENTS, REVERSE_PERMISSION],
}

ACCOUNTING_CODES = [
    {"code": "1200", "name": "Accounts Receivable", "type": "AccountsReceivable"},
    {"code": "2200", "name": "Sales Tax Payable", "type": "SalesTaxPayable"},
    {"code": "2210", "name": "VAT Payable", "type": "SalesTaxPayable"},
    {"code": "2220", "name": "Consumption Tax Payable", "type": "SalesTaxPayable"},
    {"code": "2500", "name": "Deferred Revenue", "type": "DeferredRevenue"},
    {"code": "4000", "name": "Subscription Revenue", "type": "SalesRevenue"},
    {"code": "4100", "name": "Usage Revenue", "type": "SalesRevenue"},
    {"code": "6100", "name": "Bad Debt Expense", "type": "BadDebt"},
    {"code": "6110", "name": "Bad Debt Expense (until 2024)", "type": "BadDebt", "active": False},
    {"code": "6900", "name": "Other Expenses", "type": "OtherExpenses"},
]
REASON_CODES = [{"name": "Customer Bankruptcy"}]


@dataclass(frozen=True)
class Customer:
    number: str
    name: str
    currency: str
    tax: str
    tax_rate: Decimal
    tax_code: str


def _customer(number: int, name: str, currency: str, tax: str, rate: str, code: str) -> Customer:
    return Customer(f"A{number:08d}", name, currency, tax, Decimal(rate), code)


CUSTOMERS = [
    _customer(1, "Acme Corp", "USD", "CA State Tax", "0.0725", "2200"),
    _customer(2, "Globex Corporation", "USD", "NY State Sales Tax", "0.04", "2200"),
    _customer(3, "Initech LLC", "USD", "TX State Sales Tax", "0.0625", "2200"),
    _customer(4, "Umbrella Health Inc.", "USD", "WA State Sales Tax", "0.065", "2200"),
    _customer(5, "Hooli Inc.", "USD", "CA State Tax", "0.0725", "2200"),
    _customer(6, "Nordwind Logistik GmbH", "EUR", "DE VAT 19%", "0.19", "2210"),
    _customer(7, "Boulangerie Lumière SARL", "EUR", "FR VAT 20%", "0.20", "2210"),
    _customer(8, "Van der Berg Software B.V.", "EUR", "NL VAT 21%", "0.21", "2210"),
    _customer(9, "Bellavista Design S.r.l.", "EUR", "IT VAT 22%", "0.22", "2210"),
    _customer(10, "Sakura Robotics K.K.", "JPY", "Consumption Tax 10%", "0.10", "2220"),
    _customer(11, "Kitsune Games Co., Ltd.", "JPY", "Consumption Tax 10%", "0.10", "2220"),
    _customer(12, "Hoshino Trading Co.", "JPY", "Consumption Tax 10%", "0.10", "2220"),
]
# The retail chain of the 200-line invoice: one store license per store.
CHAIN = _customer(13, "Northwind Retail Group", "USD", "WA State Sales Tax", "0.065", "2200")


@dataclass(frozen=True)
class RatePlan:
    name: str
    prices: dict[str, str]  # by currency
    days: int  # the service period
    revenue_code: str = "4000"


PLANS = [
    RatePlan("Starter Plan", {"USD": "29.00", "EUR": "27.00", "JPY": "3300"}, 30),
    RatePlan("Professional Plan", {"USD": "99.00", "EUR": "92.00", "JPY": "11000"}, 30),
    RatePlan("Gold Plan", {"USD": "100.00", "EUR": "95.00", "JPY": "12000"}, 30),
    RatePlan("Gold Plan (Annual)", {"USD": "1000.00", "EUR": "950.00", "JPY": "120000"}, 365),
    RatePlan("Enterprise Plan", {"USD": "499.00", "EUR": "459.00", "JPY": "55000"}, 30),
    RatePlan("Additional Seats (10)", {"USD": "150.00", "EUR": "140.00", "JPY": "16500"}, 30),
    RatePlan("API Calls Overage", {"USD": "37.40", "EUR": "34.10", "JPY": "4120"}, 30, "4100"),
    RatePlan("Premium Support", {"USD": "250.00", "EUR": "230.00", "JPY": "27500"}, 30),
]
STORE_LICENSE = RatePlan("POS Terminal License", {"USD": "45.00"}, 30)
# What a debit memo bills after the invoice: fees and adjustments.
DEBIT_CHARGES = [
    RatePlan("Late Payment Fee", {"USD": "25.00", "EUR": "25.00", "JPY": "3000"}, 1),
    RatePlan("Usage Overage Adjustment", {"USD": "84.60", "EUR": "78.20", "JPY": "9300"}, 30),
    RatePlan("Onsite Setup Service", {"USD": "350.00", "EUR": "320.00", "JPY": "38000"}, 1),
    RatePlan("Expedited Shipping", {"USD": "42.50", "EUR": "39.90", "JPY": "4700"}, 1),
]
DEBIT_MEMO_COUNT = 8
# The debit memos' customers: USD, EUR and JPY ones in turn.
DEBIT_MEMO_CUSTOMERS = [0, 5, 9, 1, 6, 10, 2, 7]
DISCOUNTS = [
    ("10% Loyalty Discount", Decimal("0.10")),
    ("Annual Prepay Discount 15%", Decimal("0.15")),
    ("Partner Discount 5%", Decimal("0.05")),
    ("Launch Promotion 20%", Decimal("0.20")),
]
# The share of a partly paid document's charge (with its tax and discounts) still open.
OPEN_SHARES = [Decimal("0"), Decimal("0.25"), Decimal("0.5"), Decimal("1")]


class Command(BaseCommand):
    help = "Load the demo data and the demo logins; running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-published-passwords",
            action="store_true",
            help="load the demo even though DJANGO_DEBUG is off (a staging copy, say)",
        )

    def handle(self, *args, allow_published_passwords=False, **options):
        if not settings.DEBUG and not allow_published_passwords:
            # The demo logins' passwords are in the README: never on a server by accident.
            raise CommandError(
                "seed_demo makes logins whose passwords are published (one a superuser) and is "
                "meant for a local copy with DJANGO_DEBUG on. To load it with DJANGO_DEBUG off "
                "anyway, pass --allow-published-passwords."
            )
        with transaction.atomic():
            report = documents_import(data=demo_data(timezone.localdate()))
            created_users = _create_users()
            _switch_on_enhanced_write_off()
        if report.documents:
            self.stdout.write(
                f"Demo data: created {len(report.documents)} documents with {report.lines} lines."
            )
        else:
            self.stdout.write("Demo data: the documents were there already.")
        for username, password in (FINANCE_USER, CONTROLLER_USER, ADMIN_USER):
            note = "" if username in created_users else " (if you have not changed it)"
            self.stdout.write(f"Sign in as {username} / {password}{note}.")


def demo_data(today: date) -> dict:
    """The demo data as a C7 file, every document dated before `today`."""
    rng = random.Random(SEED)
    documents = [_chain_invoice(_number(0), today - timedelta(days=20))]
    for index in range(1, DOCUMENT_COUNT):
        customer = rng.choice(CUSTOMERS)
        # A few documents every demo needs: a draft, a fully paid one and a canceled one.
        status = {1: "Draft", 3: "Canceled"}.get(index, "Posted")
        invoice = _invoice(rng, _number(index), customer, today, status=status, paid=index == 2)
        documents.append(invoice)
    documents += _debit_memos(today)
    return {
        "accounting_codes": ACCOUNTING_CODES,
        "reason_codes": REASON_CODES,
        "documents": documents,
    }


def _number(index: int, prefix: str = "INV") -> str:
    return f"{prefix}{FIRST_NUMBER + index:08d}"


def _debit_memos(today: date) -> list[dict]:
    """A handful of posted debit memos (SPEC D1): one or two fees or adjustments each, every
    third partly paid. They draw from a generator of their own, so the invoices stay the same."""
    rng = random.Random(SEED + 1)
    memos = []
    for index, customer_index in enumerate(DEBIT_MEMO_CUSTOMERS):
        customer = CUSTOMERS[customer_index]
        document_date = today - timedelta(days=rng.randint(2, 60))
        charges = rng.sample(DEBIT_CHARGES, rng.randint(1, 2))
        groups = [
            _charge_lines(customer, plan, document_date, n, None)
            for n, plan in enumerate(charges, start=1)
        ]
        if index % 3 == 1:
            _pay(groups[0], Decimal("0.5"), customer.currency)
        lines = [line for group in groups for line in group]
        memos.append(
            _document(_number(index, "DM"), customer, document_date, lines, "Posted", "debit_memo")
        )
    return memos


def _invoice(
    rng: random.Random, number: str, customer: Customer, today: date, *, status: str, paid: bool
) -> dict:
    """An invoice of one to three plans, some discounted; about a third of those posted are
    partly paid: the first charge half, the others by a random share."""
    document_date = today - timedelta(days=rng.randint(3, 180))
    groups = []
    for n, plan in enumerate(rng.sample(PLANS, rng.randint(1, 3)), start=1):
        discount = rng.choice(DISCOUNTS) if rng.random() < 0.4 else None
        groups.append(_charge_lines(customer, plan, document_date, n, discount))
    partly_paid = status == "Posted" and not paid and rng.random() < 0.3
    for position, group in enumerate(groups):
        if paid:
            _pay(group, Decimal(0), customer.currency)
        elif partly_paid:
            share = Decimal("0.5") if position == 0 else rng.choice(OPEN_SHARES)
            _pay(group, share, customer.currency)
    lines = [line for group in groups for line in group]
    return _document(number, customer, document_date, lines, status)


def _chain_invoice(number: str, document_date: date) -> dict:
    """The 200-line invoice: 50 store licenses, each with its tax, discount and discount tax."""
    lines = []
    for store in range(1, 51):
        plan = RatePlan(f"{STORE_LICENSE.name}, Store {store:03d}", STORE_LICENSE.prices, 30)
        lines += _charge_lines(
            CHAIN, plan, document_date, store, ("Volume Discount 10%", Decimal("0.10"))
        )
    return _document(number, CHAIN, document_date, lines, "Posted")


def _document(
    number: str,
    customer: Customer,
    document_date: date,
    lines: list[dict],
    status: str,
    document_type: str = "invoice",
) -> dict:
    return {
        "type": document_type,
        "number": number,
        "account": {"number": customer.number, "name": customer.name},
        "currency": customer.currency,
        "date": document_date.isoformat(),
        "due_date": (document_date + timedelta(days=30)).isoformat(),
        "status": status,
        "lines": lines,
    }


def _charge_lines(
    customer: Customer, plan: RatePlan, start: date, n: int, discount: tuple[str, Decimal] | None
) -> list[dict]:
    """Charge `n` of a document with its tax and, if `discount` is given, the discount and its
    tax; their refs are those of the C7 example, numbered: `c1`, `t1`, `d1`, `dt1`."""
    amount = Decimal(plan.prices[customer.currency])
    lines = [
        {
            "ref": f"c{n}",
            "kind": "charge",
            "description": plan.name,
            "service_start": start.isoformat(),
            "service_end": (start + timedelta(days=plan.days - 1)).isoformat(),
            "amount": str(amount),
            "deferred_revenue_code": "2500",
            "revenue_code": plan.revenue_code,
        },
        _tax_line(f"t{n}", "tax", f"c{n}", customer, amount),
    ]
    if discount is not None:
        name, rate = discount
        discounted = -_round(amount * rate, customer.currency)
        lines.append(
            {
                "ref": f"d{n}",
                "kind": "discount",
                "parent": f"c{n}",
                "description": name,
                "amount": str(discounted),
                "deferred_revenue_code": "2500",
            }
        )
        lines.append(_tax_line(f"dt{n}", "discount_tax", f"d{n}", customer, discounted))
    return lines


def _tax_line(ref: str, kind: str, parent: str, customer: Customer, base: Decimal) -> dict:
    description = customer.tax if kind == "tax" else f"{customer.tax} on discount"
    return {
        "ref": ref,
        "kind": kind,
        "parent": parent,
        "description": description,
        "amount": str(_round(base * customer.tax_rate, customer.currency)),
        "tax_code": customer.tax_code,
    }


def _pay(lines: list[dict], open_share: Decimal, currency: str) -> None:
    """Set each line's balance to `open_share` of its amount, as if the rest had been paid."""
    for line in lines:
        line["balance"] = str(_round(Decimal(line["amount"]) * open_share, currency))


def _round(amount: Decimal, currency: str) -> Decimal:
    # Taxes, percentage discounts and shares are rounded half up to the currency's minor units,
    # as billing systems do; only this generator rounds, the import never does.
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def _create_users() -> set[str]:
    """Create the demo logins that are missing; the names of those created."""
    User = get_user_model()
    created = set()
    for username, password in (FINANCE_USER, CONTROLLER_USER):
        user, is_new = User.objects.get_or_create(username=username)
        if is_new:
            user.set_password(password)
            user.save(update_fields=["password"])
            created.add(username)
        user.user_permissions.add(
            *(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
                for app_label, codename in (name.split(".") for name in PERMISSIONS[username])
            )
        )
    if not User.objects.filter(username=ADMIN_USER[0]).exists():
        User.objects.create_superuser(ADMIN_USER[0], password=ADMIN_USER[1])
        created.add(ADMIN_USER[0])
    return created


def _switch_on_enhanced_write_off() -> None:
    settings = WriteOffSettings.load()
    if not settings.enhanced_write_off:
        settings.enhanced_write_off = True
        settings.save(update_fields=["enhanced_write_off"])
