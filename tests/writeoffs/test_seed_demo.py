"""The demo data of `seed_demo` (SPEC C1, C3): what it holds; a second run changes nothing."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django.utils import timezone

from billing.models import Account, AccountingCode, BillingDocument, LineItem
from writeoffs.management.commands.seed_demo import demo_data
from writeoffs.models import ReasonCode, WriteOffSettings

pytestmark = pytest.mark.django_db

TABLES = [AccountingCode, ReasonCode, Account, BillingDocument, LineItem, get_user_model()]


def seed() -> str:
    out = io.StringIO()
    # Tests run with DEBUG off, as a server would.
    call_command("seed_demo", allow_published_passwords=True, stdout=out)
    return out.getvalue()


def test_seed_demo_refuses_to_run_without_debug_unless_told():
    with pytest.raises(CommandError, match="--allow-published-passwords"):
        call_command("seed_demo", stdout=io.StringIO())
    assert BillingDocument.objects.count() == 0


def row_counts() -> dict[str, int]:
    return {table.__name__: table.objects.count() for table in TABLES}


@pytest.fixture
def seeded():
    return seed()


def test_seed_makes_60_invoices_and_8_debit_memos_in_usd_eur_and_jpy(seeded):
    invoices = BillingDocument.objects.filter(type=BillingDocument.Type.INVOICE)
    debit_memos = BillingDocument.objects.filter(type=BillingDocument.Type.DEBIT_MEMO)
    assert (invoices.count(), debit_memos.count()) == (60, 8)
    for documents in (invoices, debit_memos):
        currencies = documents.values_list("currency", flat=True).distinct()
        assert set(currencies) == {"USD", "EUR", "JPY"}
    assert all(
        number.startswith("DM") and len(number) == 10
        for number in debit_memos.values_list("number", flat=True)
    )


def test_seed_makes_posted_debit_memos_some_partly_paid(seeded):
    debit_memos = BillingDocument.objects.filter(type=BillingDocument.Type.DEBIT_MEMO)
    assert set(debit_memos.values_list("status", flat=True)) == {"Posted"}
    assert debit_memos.filter(balance__gt=0, balance__lt=F("amount")).count() >= 2


def test_seed_makes_lines_of_all_four_kinds_in_every_currency(seeded):
    for currency in ["USD", "EUR", "JPY"]:
        lines = LineItem.objects.filter(document__currency=currency, document__type="invoice")
        kinds = lines.values_list("kind", flat=True)
        assert set(kinds) == set(LineItem.Kind.values)


def test_seed_makes_a_draft_a_canceled_and_a_fully_paid_invoice(seeded):
    statuses = BillingDocument.objects.values("status").annotate(count=Count("id"))
    assert {row["status"]: row["count"] for row in statuses} == {
        "Draft": 1,
        "Canceled": 1,
        "Posted": 58 + 8,
    }
    paid = BillingDocument.objects.get(balance=0)
    assert paid.amount > 0
    assert not paid.lines.exclude(balance=0).exists()


def test_seed_makes_partly_paid_invoices(seeded):
    partly_paid = BillingDocument.objects.filter(balance__gt=0, balance__lt=F("amount"))
    assert partly_paid.count() >= 5
    assert LineItem.objects.filter(document__in=partly_paid, balance__lt=F("amount")).exists()


def test_seed_makes_one_invoice_of_200_lines(seeded):
    sizes = BillingDocument.objects.annotate(size=Count("lines")).values_list("size", flat=True)
    assert sorted(sizes)[-1] == 200
    assert sorted(sizes)[-2] < 200


def test_seed_dates_every_invoice_before_today(seeded):
    assert not BillingDocument.objects.filter(date__gte=timezone.localdate()).exists()


def test_seed_makes_the_write_off_accounting_codes(seeded):
    codes = AccountingCode.objects.values_list("type", "active")
    assert (AccountingCode.Type.BAD_DEBT, True) in codes
    assert (AccountingCode.Type.BAD_DEBT, False) in codes
    assert (AccountingCode.Type.OTHER_EXPENSES, True) in codes


def test_seed_makes_the_demo_users_with_their_permissions(seeded):
    users = get_user_model().objects
    finance = users.get(username="finance")
    assert finance.check_password("finance-demo-only")
    assert finance.has_perm("billing.view_billingdocument")
    assert finance.has_perm("writeoffs.write_off_document")
    assert not finance.has_perm("writeoffs.reverse_write_off")
    assert not finance.is_staff
    controller = users.get(username="controller")
    assert controller.check_password("controller-demo-only")
    assert controller.has_perm("writeoffs.reverse_write_off")
    assert not controller.has_perm("writeoffs.write_off_document")
    admin = users.get(username="admin")
    assert admin.check_password("admin-demo-only")
    assert admin.is_superuser and admin.is_staff


def test_seed_prints_the_logins(seeded):
    assert "Demo data: created 68 documents with" in seeded
    assert "Sign in as finance / finance-demo-only." in seeded
    assert "Sign in as admin / admin-demo-only." in seeded


def test_seed_switches_enhanced_write_off_on():
    WriteOffSettings.objects.update(enhanced_write_off=False)
    seed()
    assert WriteOffSettings.load().enhanced_write_off


def test_second_seed_changes_nothing(seeded):
    before = row_counts()
    balances = list(BillingDocument.objects.order_by("pk").values_list("number", "balance"))

    out = seed()

    assert row_counts() == before
    assert list(BillingDocument.objects.order_by("pk").values_list("number", "balance")) == balances
    assert "Demo data: the documents were there already." in out


def test_second_seed_keeps_changed_passwords(seeded):
    finance = get_user_model().objects.get(username="finance")
    finance.set_password("a better secret")
    finance.save()

    out = seed()

    finance.refresh_from_db()
    assert finance.check_password("a better secret")
    assert "Sign in as finance / finance-demo-only (if you have not changed it)." in out


def test_demo_data_is_the_same_every_time_and_dated_relative_to_today():
    today = datetime.date(2030, 1, 15)
    data = demo_data(today)
    assert data == demo_data(today)
    dates = [datetime.date.fromisoformat(document["date"]) for document in data["documents"]]
    assert max(dates) < today
    assert min(dates) > today - datetime.timedelta(days=200)
