"""The admin: every page loads, accounting codes are managed, the books are read only."""

from datetime import date

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api.services import api_token_create
from billing.models import (
    Account,
    AccountingCode,
    BillingDocument,
    DebitMemo,
    Invoice,
    LineItem,
)
from bulk.tasks import bulk_job_run
from tests.factories import (
    AccountingCodeFactory,
    InvoiceFactory,
    add_line,
    invoice_with_all_kinds,
    write_off,
)
from writeoffs.checks import write_off_date_default
from writeoffs.models import CreditMemo, ReasonCode

pytestmark = pytest.mark.django_db


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def books(admin_user):
    """One of everything the admin shows: a written-off invoice, a debit memo and a group."""
    invoice, *_ = invoice_with_all_kinds()
    memo = write_off(
        document=invoice,
        user=admin_user,
        memo_date=write_off_date_default(invoice),
        reason_code=ReasonCode.objects.get(is_default=True),
        full_balance=True,
    )
    debit_memo = DebitMemo.objects.create(
        number="DM00000001",
        account=invoice.account,
        currency="USD",
        date=date(2026, 10, 1),
        due_date=date(2026, 10, 31),
        status=BillingDocument.Status.POSTED,
        amount=0,
        balance=0,
    )
    Group.objects.create(name="Finance")
    api_token_create(user=admin_user, name="Billing script")
    AccessAttempt.objects.create(
        username="someone",
        ip_address="192.0.2.1",
        failures_since_start=1,
        get_data="",
        post_data="",
    )
    bulk_job_run.enqueue(0)  # a task waiting for a worker, which django_tasks_db's admin lists
    return invoice, memo, debit_memo


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_changelist_and_change_page_of_every_registered_model_load_for_a_superuser(
    admin_client, books, model
):
    changelist = admin_client.get(admin_url(model, "changelist"), follow=True)
    change = admin_client.get(admin_url(model, "change", model._default_manager.first().pk))

    assert changelist.status_code == 200
    assert change.status_code == 200


@pytest.mark.parametrize("model", [Invoice, DebitMemo, Account, CreditMemo])
def test_the_books_cannot_be_added_changed_or_deleted_in_the_admin(admin_client, books, model):
    obj = model._default_manager.first()
    before = model._default_manager.values().get(pk=obj.pk)

    assert admin_client.get(admin_url(model, "add")).status_code == 403
    assert admin_client.post(admin_url(model, "add"), {}).status_code == 403
    assert admin_client.post(admin_url(model, "change", obj.pk), {}).status_code == 403
    assert admin_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model._default_manager.values().get(pk=obj.pk) == before


def test_invoice_change_page_shows_its_lines_read_only(admin_client, books):
    invoice, _, _ = books

    response = admin_client.get(admin_url(Invoice, "change", invoice.pk))

    html = response.text
    assert "Gold Plan" in html
    assert "CA State Tax on discount" in html
    assert 'name="lines-0-description"' not in html
    assert 'name="_save"' not in html


def test_invoice_list_holds_invoices_and_debit_memo_list_debit_memos(admin_client, books):
    invoice, _, debit_memo = books

    invoices = admin_client.get(admin_url(Invoice, "changelist")).text
    debit_memos = admin_client.get(admin_url(DebitMemo, "changelist")).text

    assert invoice.number in invoices
    assert debit_memo.number not in invoices
    assert debit_memo.number in debit_memos
    assert invoice.number not in debit_memos


def test_invoice_list_searches_account_names_and_filters_by_currency(admin_client):
    InvoiceFactory(number="INV00000001", account__name="Acme Corp")
    InvoiceFactory(number="INV00000002", account__name="Globex", currency="JPY")

    found = admin_client.get(admin_url(Invoice, "changelist"), {"q": "acme"}).text
    yen = admin_client.get(admin_url(Invoice, "changelist"), {"currency": "JPY"}).text

    assert "INV00000001" in found
    assert "INV00000002" not in found
    assert "INV00000002" in yen
    assert "INV00000001" not in yen


def test_invoice_amounts_are_shown_with_the_currency_digits(admin_client):
    yen = InvoiceFactory(currency="JPY")
    add_line(yen, amount="1234")
    dinar = InvoiceFactory(currency="KWD")
    add_line(dinar, amount="1.5")

    html = admin_client.get(admin_url(Invoice, "changelist")).text

    assert "1,234<" in html
    assert "1.500<" in html
    assert "1234.0000" not in html


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_invoice_list_makes_as_many_queries_for_30_invoices_as_for_1(admin_client):
    url = admin_url(Invoice, "changelist")
    add_line(InvoiceFactory())
    one = count_queries(admin_client, url)
    for _ in range(29):
        add_line(InvoiceFactory())

    assert count_queries(admin_client, url) == one


def test_invoice_page_makes_as_many_queries_for_30_lines_as_for_1(admin_client):
    invoice = InvoiceFactory()
    charge = add_line(invoice)
    url = admin_url(Invoice, "change", invoice.pk)
    one = count_queries(admin_client, url)
    for _ in range(29):
        add_line(
            invoice,
            LineItem.Kind.TAX,
            "1.00",
            parent=charge,
            accounting_code=charge.accounting_code,
        )

    assert count_queries(admin_client, url) == one


def test_an_accounting_code_can_be_added_in_the_admin(admin_client):
    response = admin_client.post(
        admin_url(AccountingCode, "add"),
        {"code": "6100", "name": "Bad Debt Expense", "type": "BadDebt", "active": "on"},
    )

    assert response.status_code == 302
    assert AccountingCode.objects.get(code="6100").type == AccountingCode.Type.BAD_DEBT


def test_deleting_an_accounting_code_that_a_line_uses_shows_what_protects_it(admin_client, books):
    code = AccountingCode.objects.get(code="2500")

    page = admin_client.get(admin_url(AccountingCode, "delete", code.pk))
    post = admin_client.post(admin_url(AccountingCode, "delete", code.pk), {"post": "yes"})

    assert page.status_code == 200
    assert "would require deleting the following protected related objects" in page.text
    assert "Gold Plan" in page.text
    assert post.status_code == 200
    assert AccountingCode.objects.filter(pk=code.pk).exists()


def test_an_unused_accounting_code_can_be_deleted(admin_client):
    code = AccountingCodeFactory()

    response = admin_client.post(admin_url(AccountingCode, "delete", code.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not AccountingCode.objects.filter(pk=code.pk).exists()


def test_the_admin_hides_the_number_sequence_and_the_base_document_model():
    registered = {model._meta.label for model in admin.site._registry}

    assert "writeoffs.NumberSequence" not in registered
    assert "billing.BillingDocument" not in registered
    assert {"billing.Invoice", "billing.DebitMemo", "writeoffs.WriteOffSettings"} <= registered
