"""The benchmark's database and the documents the figures need.

Documents are written with `bulk_create`, not through the JSON import: the import of 100,000
invoices takes minutes, and it is measured on its own (`bench.importing`). What is loaded is
kept, and found again by counting, so a rerun loads only what is missing.
"""

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.utils import timezone

from billing.models import VIEW_DOCUMENTS, Account, AccountingCode, BillingDocument, LineItem
from writeoffs.models import WRITE_OFF_PERMISSION

Kind = LineItem.Kind
CodeType = AccountingCode.Type

USERNAME = "bench"
BULK_PREFIX = "BI"
ACCOUNT_COUNT = 1000
BATCH = 5000
#: Sizes of the invoices the dialog figures open, in lines; each is charges with their taxes.
SIZED_INVOICES = (2, 50, 500, 2000)
#: Invoices the memo-lock figure writes off: charge, tax, discount, its tax, charge.
LOCK_INVOICES = tuple(f"BENCH-W5-{n:02d}" for n in range(1, 21))


def words(text: str) -> list[str]:
    return text.split()


# Account names are two words from these lists and a suffix: 1,000 different names, so that
# a search for part of one name finds that one customer, as a clerk's search would.
ADJECTIVES = words(
    "Amber Bright Cedar Coral Crimson Dawn Ember Fable Frost Golden Granite Harbor Indigo "
    "Ivory Jasper Juniper Lunar Maple Marble Meadow Nimbus Oak Onyx Pearl Pine Quartz Raven "
    "Ruby Sable Saffron Silver Slate Solar Summit Thistle Topaz Velvet Willow Winter Zephyr"
)
NOUNS = words(
    "Anchor Beacon Bridge Canyon Comet Falcon Forge Garden Glacier Harvest Heron Lantern "
    "Lighthouse Mill Orchard Otter Pioneer Prairie Quarry Ridge River Sparrow Spire Tide Valley"
)
SUFFIXES = ("Holdings", "Labs", "Trading", "Systems", "Partners")
SEARCHED_ACCOUNT = 417


@dataclass(frozen=True)
class Dataset:
    """What the figures need to know about the loaded data."""

    username: str
    password: str
    invoice_count: int
    search: str

    @staticmethod
    def sized_number(lines: int) -> str:
        return f"BENCH-L{lines:04d}"

    @staticmethod
    def line_description(kind: str, pair: int) -> str:
        """The description of the `pair`-th charge (from 1) of a sized invoice, or of its tax;
        the dialog labels each amount input "Write-Off Amount for <description>"."""
        return f"Seat license {pair:04d}" if kind == Kind.CHARGE else f"Sales tax {pair:04d}"


def bulk_number(index: int) -> str:
    return f"{BULK_PREFIX}{index:08d}"


def account_name(index: int) -> str:
    adjective = ADJECTIVES[index % len(ADJECTIVES)]
    noun = NOUNS[index // len(ADJECTIVES) % len(NOUNS)]
    return f"{adjective} {noun} {SUFFIXES[index % len(SUFFIXES)]}"


def search_term() -> str:
    """Part of one account's name, lower case, as a clerk might type it."""
    return account_name(SEARCHED_ACCOUNT).lower()[1:-3]


def dataset_load(*, invoices: int) -> Dataset:
    """Make sure the database holds everything the figures use, with at least `invoices`
    bulk invoices; return how to reach it. The bench user gets a new password each run."""
    password = secrets.token_urlsafe(16)
    _user_ensure(password)
    codes = _codes_ensure()
    accounts = _accounts_ensure()
    for lines in SIZED_INVOICES:
        _sized_invoice_ensure(lines, accounts[0], codes)
    for number in LOCK_INVOICES:
        _lock_invoice_ensure(number, accounts[1], codes)
    count = _bulk_invoices_ensure(invoices, accounts, codes)
    # Fresh statistics of every table, as autovacuum keeps them on a production server (it
    # may be off where the bench runs): without them, PostgreSQL planned the signed-in user's
    # query of their permissions for tables of unknown size, and took twice as long.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Dataset(username=USERNAME, password=password, invoice_count=count, search=search_term())


def _user_ensure(password: str) -> None:
    user, _ = get_user_model().objects.get_or_create(username=USERNAME)
    user.set_password(password)
    user.save()
    for name in (VIEW_DOCUMENTS, WRITE_OFF_PERMISSION):
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


@dataclass(frozen=True)
class Codes:
    deferred: AccountingCode
    revenue: AccountingCode
    tax: AccountingCode


def _codes_ensure() -> Codes:
    def code(code, name, type_):
        return AccountingCode.objects.get_or_create(
            code=code, defaults={"name": name, "type": type_}
        )[0]

    code("6100", "Bad Debt Expense", CodeType.BAD_DEBT)
    return Codes(
        deferred=code("2500", "Deferred Revenue", CodeType.DEFERRED_REVENUE),
        revenue=code("4000", "Subscription Revenue", CodeType.SALES_REVENUE),
        tax=code("2200", "Sales Tax Payable", CodeType.SALES_TAX_PAYABLE),
    )


def _accounts_ensure() -> list[Account]:
    numbers = [f"BA{index:06d}" for index in range(ACCOUNT_COUNT)]
    existing = set(Account.objects.filter(number__in=numbers).values_list("number", flat=True))
    Account.objects.bulk_create(
        Account(number=number, name=account_name(index))
        for index, number in enumerate(numbers)
        if number not in existing
    )
    return list(Account.objects.filter(number__in=numbers).order_by("number"))


def _invoice(number: str, account: Account, day: date, amounts: list[Decimal]) -> BillingDocument:
    total = sum(amounts, Decimal(0))
    return BillingDocument(
        type=BillingDocument.Type.INVOICE,
        number=number,
        account=account,
        currency="USD",
        date=day,
        due_date=day + timedelta(days=30),
        status=BillingDocument.Status.POSTED,
        amount=total,
        balance=total,
    )


def _line(document, position, kind, description, amount, codes, parent=None) -> LineItem:
    charge = kind == Kind.CHARGE
    return LineItem(
        document=document,
        position=position,
        kind=kind,
        parent=parent,
        description=description,
        service_start=document.date if charge else None,
        service_end=document.date + timedelta(days=29) if charge else None,
        amount=amount,
        balance=amount,
        accounting_code=codes.deferred if kind in (Kind.CHARGE, Kind.DISCOUNT) else codes.tax,
        revenue_code=codes.revenue if charge else None,
    )


@transaction.atomic
def _sized_invoice_ensure(lines: int, account: Account, codes: Codes) -> None:
    """An invoice of `lines` lines: charges of 1,000.00, each followed by its tax of 82.50."""
    number = Dataset.sized_number(lines)
    if BillingDocument.objects.filter(number=number).exists():
        return
    pairs = range(1, lines // 2 + 1)
    charge, tax = Decimal("1000.00"), Decimal("82.50")
    document = _invoice(number, account, timezone.localdate(), [charge, tax] * len(pairs))
    document.save()
    charges = LineItem.objects.bulk_create(
        _line(
            document,
            2 * pair - 2,
            Kind.CHARGE,
            Dataset.line_description(Kind.CHARGE, pair),
            charge,
            codes,
        )
        for pair in pairs
    )
    LineItem.objects.bulk_create(
        _line(
            document,
            2 * pair - 1,
            Kind.TAX,
            Dataset.line_description(Kind.TAX, pair),
            tax,
            codes,
            parent,
        )
        for pair, parent in zip(pairs, charges, strict=True)
    )


@transaction.atomic
def _lock_invoice_ensure(number: str, account: Account, codes: Codes) -> None:
    """Five lines of every kind, large enough to be written off a cent at a time for ever."""
    if BillingDocument.objects.filter(number=number).exists():
        return
    amounts = [Decimal(a) for a in ("100000.00", "8250.00", "-10000.00", "-825.00", "50000.00")]
    document = _invoice(number, account, timezone.localdate(), amounts)
    document.save()
    charge = _line(document, 0, Kind.CHARGE, "Platform fee", amounts[0], codes)
    charge.save()
    _line(document, 1, Kind.TAX, "Sales tax", amounts[1], codes, charge).save()
    discount = _line(document, 2, Kind.DISCOUNT, "Loyalty discount", amounts[2], codes, charge)
    discount.save()
    _line(
        document, 3, Kind.DISCOUNT_TAX, "Sales tax on discount", amounts[3], codes, discount
    ).save()
    _line(document, 4, Kind.CHARGE, "Support plan", amounts[4], codes).save()


def _bulk_invoices_ensure(target: int, accounts: list[Account], codes: Codes) -> int:
    """Top the bulk invoices up to `target`; return how many there are."""
    count = BillingDocument.objects.filter(number__startswith=BULK_PREFIX).count()
    if count >= target:
        return count
    for start in range(count + 1, target + 1, BATCH):
        _bulk_batch(range(start, min(start + BATCH, target + 1)), accounts, codes)
    return target


@transaction.atomic
def _bulk_batch(indexes: range, accounts: list[Account], codes: Codes) -> None:
    """Invoices of one charge and its tax, dated over four years, 100 per account."""
    today = timezone.localdate()
    documents, amounts = [], []
    for index in indexes:
        charge = Decimal(100 + index % 50 * 10)
        tax = (charge * Decimal("0.0825")).quantize(Decimal("0.01"))
        day = today - timedelta(days=1 + index % 1460)
        documents.append(
            _invoice(bulk_number(index), accounts[index % len(accounts)], day, [charge, tax])
        )
        amounts.append((charge, tax))
    BillingDocument.objects.bulk_create(documents)
    charges = LineItem.objects.bulk_create(
        _line(document, 0, Kind.CHARGE, "Subscription", charge, codes)
        for document, (charge, _) in zip(documents, amounts, strict=True)
    )
    LineItem.objects.bulk_create(
        _line(document, 1, Kind.TAX, "Sales tax", tax, codes, parent)
        for document, (_, tax), parent in zip(documents, amounts, charges, strict=True)
    )
