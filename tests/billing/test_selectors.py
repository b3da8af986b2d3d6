"""The All Invoices search: substrings of the number, the account's number or its name, in any
case, answered from indexes on PostgreSQL."""

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from billing import selectors
from billing.models import Account, BillingDocument, LineItem
from tests.conftest import plan, postgresql_indexes
from tests.factories import AccountFactory, InvoiceFactory, add_line

pytestmark = pytest.mark.django_db


def found(**search) -> set[str]:
    return set(selectors.document_list(**search).values_list("number", flat=True))


@pytest.fixture
def invoices():
    acme = AccountFactory(number="A00000077", name="Acme Corp")
    globex = AccountFactory(number="B00000001", name="Globex")
    InvoiceFactory(number="INV00000001", account=acme)
    InvoiceFactory(number="INV00000002", account=globex, status=BillingDocument.Status.DRAFT)
    InvoiceFactory(number="inv-acme-3", account=globex)


@pytest.mark.parametrize(
    ("q", "numbers"),
    [
        ("ACME", {"INV00000001", "inv-acme-3"}),
        ("me co", {"INV00000001"}),
        ("a0000007", {"INV00000001"}),
        ("0000000", {"INV00000001", "INV00000002", "inv-acme-3"}),
        ("b000", {"INV00000002", "inv-acme-3"}),
        ("INV-", {"inv-acme-3"}),
        ("%", set()),
        ("_", set()),
        ("  globex ", {"INV00000002", "inv-acme-3"}),
    ],
)
def test_search_finds_substrings_of_number_account_number_and_name_in_any_case(
    invoices, q, numbers
):
    assert found(q=q) == numbers


@pytest.mark.parametrize("q", ["me co", "%", "Acme Corp", "é", "a\tb", "INV 1", "x/y"])
def test_a_search_no_number_can_hold_finds_what_the_whole_search_finds(invoices, q):
    """A search with a character no number holds looks at accounts only: it finds what
    searching the numbers too would find, and its query does not look at numbers."""
    documents = BillingDocument.objects.filter(type="invoice")
    accounts = Account.objects.filter(Q(number__icontains=q) | Q(name__icontains=q))
    whole = documents.filter(Q(number__icontains=q) | Q(account__in=accounts))
    with CaptureQueriesContext(connection) as queries:
        assert found(q=q) == set(whole.values_list("number", flat=True))
    # The accounts named, then the documents (none when no account is named), then `whole`.
    accounts, *documents, _ = [query["sql"] for query in queries.captured_queries]
    assert '"billing_account"' in accounts and "LIKE" in accounts
    assert not any("LIKE" in query for query in documents)


def test_search_and_status_filter_together(invoices):
    assert found(q="globex", status="Draft") == {"INV00000002"}


def test_a_search_naming_many_accounts_finds_the_same_invoices(invoices, monkeypatch):
    few = found(q="o")
    monkeypatch.setattr(selectors, "ACCOUNT_IDS_LIMIT", 1)
    assert found(q="o") == few == {"INV00000001", "INV00000002", "inv-acme-3"}


@postgresql_indexes
def test_the_trigram_indexes_answer_djangos_own_icontains(invoices):
    accounts = Account.objects.order_by()
    assert "account_name_trgm" in plan(accounts.filter(name__icontains="acme"), only_bitmaps=True)
    assert "account_number_trgm" in plan(
        accounts.filter(number__icontains="0077"), only_bitmaps=True
    )
    # The search's shape: the number's trigrams OR'd with the accounts it names.
    acme = Account.objects.get(name="Acme Corp")
    documents = BillingDocument.objects.order_by()
    used = plan(
        documents.filter(Q(number__icontains="acme") | Q(account__in=[acme.pk])), only_bitmaps=True
    )
    assert "BitmapOr" in used
    assert "document_number_trgm" in used
    assert "billing_billingdocument_account_id" in used


@postgresql_indexes
def test_status_filter_reads_its_index_in_the_lists_order(invoices):
    used = plan(selectors.document_list(status="Draft")[:51])
    assert "document_status_list" in used
    assert "Sort" not in used


@pytest.mark.django_db
def test_a_documents_lines_are_in_reading_order_each_charge_with_taxes_then_discounts():
    invoice = InvoiceFactory()
    Kind = LineItem.Kind
    gold = add_line(invoice, description="gold")
    silver = add_line(invoice, description="silver")
    discount = add_line(invoice, Kind.DISCOUNT, "-10.00", parent=gold, description="discount")
    add_line(invoice, Kind.TAX, "5.00", parent=gold, description="gold tax 1")
    add_line(invoice, Kind.DISCOUNT_TAX, "-1.00", parent=discount, description="discount tax")
    add_line(invoice, Kind.TAX, "2.00", parent=gold, description="gold tax 2")
    add_line(invoice, Kind.TAX, "3.00", parent=silver, description="silver tax")

    shown = [(d.line.description, d.depth) for d in selectors.document_lines(invoice)]

    assert shown == [
        ("gold", 0),
        ("gold tax 1", 1),
        ("gold tax 2", 1),
        ("discount", 1),
        ("discount tax", 2),
        ("silver", 0),
        ("silver tax", 1),
    ]
    assert selectors.document_lines(InvoiceFactory()) == []
