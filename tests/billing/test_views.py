"""All Invoices and the invoice page (SPEC C4, C5, Q6)."""

import datetime
import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing import paging
from billing.models import BillingDocument, Invoice, LineItem
from tests.conftest import postgresql_only
from tests.factories import (
    AccountFactory,
    DebitMemoFactory,
    InvoiceFactory,
    LineItemFactory,
    add_line,
    invoice_with_all_kinds,
    write_off,
)
from writeoffs.checks import LineAmount
from writeoffs.models import ReasonCode

pytestmark = pytest.mark.django_db


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


@pytest.mark.parametrize("url", ["/billing/invoices/", "/billing/invoices/INV00000101/"])
def test_anonymous_users_are_sent_to_log_in(client, url):
    InvoiceFactory(number="INV00000101")
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("url", ["/billing/invoices/", "/billing/invoices/INV00000101/"])
def test_users_without_the_view_permission_get_403(client, url, django_user_model):
    InvoiceFactory(number="INV00000101")
    client.force_login(django_user_model.objects.create_user("nobody"))
    assert client.get(url).status_code == 403


def test_unknown_invoice_is_404(clerk_client):
    assert clerk_client.get("/billing/invoices/INV404/").status_code == 404


def test_debit_memo_number_is_not_an_invoice_page(clerk_client):
    InvoiceFactory(number="DM00000001", type=BillingDocument.Type.DEBIT_MEMO)
    BillingDocument.objects.filter(number="DM00000001").update(type="debit_memo")
    assert clerk_client.get("/billing/invoices/DM00000001/").status_code == 404


def test_all_invoices_lists_newest_first_with_the_currencys_digits(clerk_client):
    InvoiceFactory(number="INV00000001", date=datetime.date(2026, 9, 1))
    jpy = InvoiceFactory(number="INV00000002", currency="JPY", date=datetime.date(2026, 10, 1))
    add_line(jpy, amount="123456")
    html = clerk_client.get("/billing/invoices/").text
    assert "All Invoices" in html
    assert html.index("INV00000002") < html.index("INV00000001")
    assert '<a href="/billing/invoices/INV00000002/">INV00000002</a>' in html
    assert "123,456<" in html
    assert "123,456.00" not in html


@pytest.mark.parametrize(
    ("factory", "kind"), [(InvoiceFactory, "invoices"), (DebitMemoFactory, "debit-memos")]
)
def test_each_row_links_to_the_page_reverse_names(clerk_client, factory, kind):
    """The lists write each row's link from one reversed prefix; it is what reverse() gives,
    for numbers of every character a number may hold."""
    numbers = ["INV00000001", "a.b_c-1", "9-9.9_Z"]
    for number in numbers:
        factory(number=number)
    html = clerk_client.get(f"/billing/{kind}/").text
    for number in numbers:
        url = reverse("writeoffs:document-detail", args=[kind, number])
        assert f'<a href="{url}">{number}</a>' in html


def test_all_invoices_searches_number_and_account_and_filters_status(clerk_client):
    acme = AccountFactory(number="A00000077", name="Acme Corp")
    InvoiceFactory(number="INV00000001", account=acme)
    InvoiceFactory(number="INV00000002", status=BillingDocument.Status.DRAFT)
    InvoiceFactory(number="INV00000003")
    assert "INV00000001" in clerk_client.get("/billing/invoices/?q=acme").text
    assert "INV00000003" not in clerk_client.get("/billing/invoices/?q=acme").text
    assert "INV00000003" in clerk_client.get("/billing/invoices/?q=00003").text
    drafts = clerk_client.get("/billing/invoices/?status=Draft").text
    assert "INV00000002" in drafts
    assert "INV00000001" not in drafts


def links(html: str, label: str) -> list[str]:
    """The targets of the page links named `label` (Newest, Newer, Older)."""
    return [
        unescape(href)
        for href in re.findall(
            rf'<a class="page-link"(?: rel="\w+")? href="([^"]*)">{label}</a>', html
        )
    ]


def numbers(html: str) -> list[str]:
    return re.findall(r'<a href="/billing/invoices/([^/"]+)/">', html)


def test_all_invoices_shows_50_a_page_and_the_older_link_shows_the_rest(clerk_client):
    InvoiceFactory.create_batch(51)
    first = clerk_client.get("/billing/invoices/").text
    assert len(numbers(first)) == 50
    assert "<caption>50 of 51 invoices</caption>" in first
    assert links(first, "Newer") == [] and links(first, "Newest") == []
    [older] = links(first, "Older")
    assert older == f"?after=2026-10-01~{numbers(first)[-1]}"
    second = clerk_client.get(f"/billing/invoices/{older}").text
    assert numbers(second) == ["INV" + f"{int(numbers(first)[-1][3:]) - 1:08d}"]
    assert "<caption>1 of 51 invoices</caption>" in second
    assert links(second, "Older") == []
    assert links(second, "Newest") == ["?"]


def test_all_invoices_pages_through_every_invoice_once_and_back(clerk_client):
    days = [datetime.date(2026, 9, 1) + datetime.timedelta(days=n // 7) for n in range(120)]
    made = [InvoiceFactory(date=day, due_date=day) for day in days]
    expected = [i.number for i in sorted(made, key=lambda i: (i.date, i.number), reverse=True)]
    seen, pages, url = [], [], "/billing/invoices/"
    while url:
        html = clerk_client.get(url).text
        pages.append(numbers(html))
        seen += numbers(html)
        url = "/billing/invoices/" + links(html, "Older")[0] if links(html, "Older") else None
    assert seen == expected
    assert [len(page) for page in pages] == [50, 50, 20]
    back = clerk_client.get("/billing/invoices/" + links(html, "Newer")[0]).text
    assert numbers(back) == pages[1]
    top = clerk_client.get("/billing/invoices/" + links(back, "Newer")[0]).text
    assert numbers(top) == pages[0]
    assert links(top, "Newer") == []


def test_page_links_keep_the_search_and_the_status(clerk_client):
    acme = AccountFactory(name="Acme Corp")
    InvoiceFactory.create_batch(60, account=acme, status=BillingDocument.Status.DRAFT)
    InvoiceFactory.create_batch(5, account=acme)
    InvoiceFactory.create_batch(5, status=BillingDocument.Status.DRAFT)
    first = clerk_client.get("/billing/invoices/?q=acme&status=Draft").text
    assert "<caption>50 of 60 invoices</caption>" in first
    [older] = links(first, "Older")
    assert older.startswith("?q=acme&status=Draft&after=")
    second = clerk_client.get(f"/billing/invoices/{older}").text
    assert len(numbers(second)) == 10
    assert set(numbers(first) + numbers(second)) == set(
        Invoice.objects.filter(account=acme, status="Draft").values_list("number", flat=True)
    )
    [newer] = links(second, "Newer")
    assert newer.startswith("?q=acme&status=Draft&before=")
    assert links(second, "Newest") == ["?q=acme&status=Draft"]


def test_all_invoices_counts_to_10000_and_then_says_so(clerk_client, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_LIMIT", 60)
    InvoiceFactory.create_batch(61)
    assert "<caption>50 of 60+ invoices</caption>" in clerk_client.get("/billing/invoices/").text
    monkeypatch.setattr(paging, "COUNT_LIMIT", 10_000)
    html = clerk_client.get("/billing/invoices/?status=Posted").text
    assert "<caption>50 of 61 invoices</caption>" in html


@postgresql_only
def test_a_kept_connection_runs_a_pages_queries_as_prepared_statements(clerk_client):
    """Prepared, a query is not planned again each time it is asked (settings.DATABASES)."""
    invoice = InvoiceFactory(number="INV00000042")
    add_line(invoice, amount="100.00")
    for _ in range(6):
        assert clerk_client.get(f"/billing/invoices/{invoice.number}/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    tables = ["django_session", "auth_user", "billing_billingdocument", "billing_lineitem"]
    for table in tables:
        assert any(f'FROM "{table}"' in statement for statement in prepared), table
    # Parameters are sent apart from the SQL, never written into it.
    assert all("INV" not in statement for statement in prepared)


def test_all_invoices_counts_the_documents_without_joining_their_accounts(clerk_client):
    InvoiceFactory.create_batch(3)
    with CaptureQueriesContext(connection) as captured:
        html = clerk_client.get("/billing/invoices/?status=Posted").text
    (count,) = [query["sql"] for query in captured if query["sql"].startswith("SELECT COUNT(*)")]
    assert "JOIN" not in count
    assert "<caption>3 invoices</caption>" in html


def test_each_row_escapes_the_account_and_labels_its_cells_for_a_phone(clerk_client):
    account = AccountFactory(number="A<1>&", name='<script>alert("x")</script> & Co')
    invoice = InvoiceFactory(number="INV00000007", account=account, currency="JPY")
    add_line(invoice, amount="1234567")
    html = clerk_client.get("/billing/invoices/").text
    (row,) = re.findall(r"<tbody>\s*(<tr>.*?</tr>)\s*</tbody>", html, re.S)
    assert "<script>" not in row
    assert "<bdi>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co</bdi>" in row
    assert '<span class="text-body-secondary">A&lt;1&gt;&amp;</span>' in row
    labels = re.findall(r'<td[^>]* data-label="([^"]*)">', row)
    assert labels == [
        "Invoice",
        "Account",
        "Invoice date",
        "Due date",
        "Status",
        "Currency",
        "Amount",
        "Balance",
    ]
    assert '<td class="amount" data-label="Amount">1,234,567</td>' in row


@pytest.mark.parametrize(
    "query",
    [
        "after=%00",
        "after=2026-10-01",
        "after=2026-99-01~INV00000001",
        "after=2026-10-01~INV00000001&before=2026-10-01~INV00000001",
        "before=2026-10-01~INV00000001&before=2026-10-01~INV00000002",
        "after=2026-10-01~%ED%A0%80",
        "after=" + "9" * 10_000,
    ],
)
def test_a_page_link_that_cannot_be_read_shows_the_first_page_and_says_so(clerk_client, query):
    InvoiceFactory.create_batch(3)
    response = clerk_client.get(f"/billing/invoices/?{query}")
    assert response.status_code == 200
    assert len(numbers(response.text)) == 3
    assert "This page link cannot be read, so the list starts again from the newest." in (
        unescape(response.text)
    )


def test_a_page_link_beyond_the_last_invoice_offers_the_newest(clerk_client):
    InvoiceFactory.create_batch(3)
    html = clerk_client.get("/billing/invoices/?q=INV&after=1999-01-01~INV00000001").text
    assert numbers(html) == []
    assert 'No invoice lies beyond this page link. <a href="?q=INV">Show the newest</a>.' in html


def test_an_old_page_number_is_ignored(clerk_client):
    InvoiceFactory.create_batch(51)
    html = clerk_client.get("/billing/invoices/?page=2").text
    assert len(numbers(html)) == 50
    assert "?after=" in html and "page=" not in html


def test_all_invoices_has_an_empty_state(clerk_client):
    assert "There are no invoices yet" in clerk_client.get("/billing/invoices/").text
    assert "No invoice matches" in clerk_client.get("/billing/invoices/?q=zzz").text


def test_invoice_page_nests_tax_discount_and_discount_tax_under_their_charge(clerk_client):
    invoice, charge, tax, discount, discount_tax = invoice_with_all_kinds(number="INV00000101")
    second = add_line(invoice, description="Silver Plan", accounting_code=charge.accounting_code)
    html = clerk_client.get("/billing/invoices/INV00000101/").text
    order = [html.index(f">{line.description}<") for line in (charge, tax, discount, discount_tax)]
    assert order == sorted(order)
    assert html.index(">CA State Tax on discount<") < html.index(">Silver Plan<")
    assert '<tr class="depth-2">' in html
    assert second.description in html


def test_invoice_page_offers_write_off_in_the_more_actions_menu(clerk_client):
    invoice_with_all_kinds(number="INV00000101")
    html = clerk_client.get("/billing/invoices/INV00000101/").text
    assert 'aria-label="More actions"' in html
    assert 'hx-get="/billing/invoices/INV00000101/write-off/"' in html


@pytest.mark.parametrize(
    ("status", "balance", "reason"),
    [
        ("Draft", None, "Only posted documents can be written off; INV00000101 is Draft."),
        ("Posted", "0.00", "Nothing is left to write off: the balance is zero."),
    ],
)
def test_write_off_is_shown_disabled_with_the_reason(clerk_client, status, balance, reason):
    invoice = InvoiceFactory(number="INV00000101", status=status)
    add_line(invoice, balance=balance)
    html = clerk_client.get("/billing/invoices/INV00000101/").text
    assert 'disabled aria-describedby="write-off-refusal">Write Off Invoice</button>' in html
    assert reason in html


def test_write_off_is_disabled_for_a_user_without_the_permission(client, viewer):
    invoice_with_all_kinds(number="INV00000101")
    client.force_login(viewer)
    html = client.get("/billing/invoices/INV00000101/").text
    assert "You do not have permission to write off billing documents." in html
    assert 'hx-get="/billing/invoices/INV00000101/write-off/"' not in html


def test_invoice_page_lists_its_credit_memos_with_links(clerk_client, clerk):
    invoice, charge, *_ = invoice_with_all_kinds(number="INV00000101")
    memo = write_off(
        document=invoice,
        user=clerk,
        memo_date=invoice.date,
        reason_code=ReasonCode.objects.get(is_default=True),
        lines=[LineAmount(charge.pk, Decimal("12.50"))],
    )
    html = clerk_client.get("/billing/invoices/INV00000101/").text
    assert f'<a href="/billing/credit-memos/{memo.number}/">{memo.number}</a>' in html
    assert "84.92 USD" in html  # 97.42 - 12.50


def older_link(client, url) -> str:
    return links(client.get(url).text, "Older")[0]


@pytest.mark.parametrize("search", ["", "q=INV&status=Posted"])
def test_every_page_of_the_list_takes_the_same_queries_for_60_and_1000_invoices(
    clerk_client, django_assert_num_queries, search
):
    account = AccountFactory()
    InvoiceFactory.create_batch(60, account=account)
    # session, user with their permissions, the bounded count, the page; a search also reads
    # the accounts it names
    expected = 5 if search else 4
    second = older_link(clerk_client, f"/billing/invoices/?{search}")
    for url in (f"?{search}", second):
        with django_assert_num_queries(expected):
            clerk_client.get(f"/billing/invoices/{url}")
    Invoice.objects.bulk_create(
        InvoiceFactory.build(number=f"INV9{n:07d}", account=account) for n in range(940)
    )
    deep = f"?{search}&after=2026-10-01~INV90000100"
    newer = links(clerk_client.get(f"/billing/invoices/{deep}").text, "Newer")[0]
    for url in (f"?{search}", second, deep, newer):
        with django_assert_num_queries(expected):
            clerk_client.get(f"/billing/invoices/{url}")


def test_invoice_page_queries_are_the_same_for_1_and_200_lines(clerk_client):
    one = InvoiceFactory(number="INV00000001")
    add_line(one)
    many = InvoiceFactory(number="INV00000002")
    LineItemFactory.create_batch(
        200, document=many, accounting_code=LineItem.objects.get().accounting_code
    )
    assert queries(clerk_client, "/billing/invoices/INV00000001/") == queries(
        clerk_client, "/billing/invoices/INV00000002/"
    )


def test_the_page_of_a_document_never_written_off_takes_four_queries(
    clerk_client, django_assert_num_queries
):
    add_line(InvoiceFactory(number="INV00000001"))
    # session, user with their permissions, the document (which says it has no credit memo,
    # so none is read), its lines
    with django_assert_num_queries(4):
        clerk_client.get("/billing/invoices/INV00000001/")


@pytest.mark.parametrize(
    "url",
    [
        "/billing/invoices/INV%00/",
        "/billing/invoices/INV%00/write-off/",
        "/billing/credit-memos/CM%00/",
    ],
)
def test_a_control_character_in_a_number_is_not_found(clerk_client, url):
    assert clerk_client.get(url).status_code == 404
