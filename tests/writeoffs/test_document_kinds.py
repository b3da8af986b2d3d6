"""Invoices and debit memos through the same pages, dialog and save (SPEC D1): each test runs
for both kinds."""

import re
from decimal import Decimal

import pytest

from billing.models import DEBIT_MEMOS, INVOICES
from tests.factories import DebitMemoFactory, InvoiceFactory, invoice_with_all_kinds
from writeoffs.keys import dialog_key_issue
from writeoffs.models import CreditMemo, ReasonCode

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
FACTORIES = {INVOICES: InvoiceFactory, DEBIT_MEMOS: DebitMemoFactory}
NUMBERS = {INVOICES: "INV00000101", DEBIT_MEMOS: "DM00000101"}


@pytest.fixture(params=[INVOICES, DEBIT_MEMOS], ids=["invoices", "debit memos"])
def kind(request):
    return request.param


@pytest.fixture
def document(kind):
    return invoice_with_all_kinds(number=NUMBERS[kind], document_factory=FACTORIES[kind])


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def url(kind, *parts) -> str:
    return "/".join(["/billing", kind.slug, *parts, ""])


def test_the_list_shows_only_its_kind_and_links_each_document(clerk_client, kind, document):
    other = FACTORIES[DEBIT_MEMOS if kind is INVOICES else INVOICES]()
    html = clerk_client.get(url(kind)).text
    assert f'<h1 class="h3 mb-3">All {kind.plural}</h1>' in html
    number = document[0].number
    assert f'<a href="/billing/{kind.slug}/{number}/">{number}</a>' in html
    assert other.number not in html


def test_the_document_page_offers_its_write_off(clerk_client, kind, document):
    html = clerk_client.get(url(kind, document[0].number)).text
    assert f'<h1 class="h3">{kind.name} {document[0].number}</h1>' in html
    assert f">Write Off {kind.name}</button>" in html
    assert f'hx-get="/billing/{kind.slug}/{document[0].number}/write-off/"' in html


def test_a_number_of_the_other_kind_is_not_found(clerk_client, kind, document):
    other = DEBIT_MEMOS if kind is INVOICES else INVOICES
    number = document[0].number
    for path in (url(other, number), url(other, number, "write-off")):
        assert clerk_client.get(path, **HTMX).status_code == 404
    assert (
        clerk_client.post(url(other, number, "write-off", "total"), {}, **HTMX).status_code == 404
    )
    assert clerk_client.post(url(other, number, "write-off"), {}, **HTMX).status_code == 404


def test_the_dialog_is_titled_for_its_kind(clerk_client, kind, document):
    html = clerk_client.get(url(kind, document[0].number, "write-off"), **HTMX).text
    assert f'<h2 class="modal-title h5" id="write-off-title">Write Off {kind.name}</h2>' in html
    assert f'hx-post="/billing/{kind.slug}/{document[0].number}/write-off/"' in html


def test_a_save_writes_off_and_shows_the_document_with_the_memo(
    clerk_client, clerk, kind, document
):
    record, charge, tax, *_ = document
    data = {
        "memo_date": "2026-10-15",
        "reason_code": str(ReasonCode.objects.default().pk),
        "revenue_impacting": "on",
        "request_key": dialog_key_issue(user=clerk, document=record),
        f"amount_{charge.pk}": "40.00",
        f"amount_{tax.pk}": "3.30",
    }
    live = clerk_client.post(url(kind, record.number, "write-off", "total"), data, **HTMX).text
    assert re.search(r'<output id="write-off-amount"[^>]*>43.30</output>', live)
    response = clerk_client.post(url(kind, record.number, "write-off"), data, **HTMX)
    assert response["HX-Redirect"] == url(kind, record.number)
    memo = CreditMemo.objects.get()
    assert (memo.document_id, memo.total) == (record.pk, Decimal("43.30"))
    page = clerk_client.get(url(kind, record.number)).text
    assert f"The {kind.name.lower()} balance is now 54.12 USD." in page
    assert f'<a href="/billing/credit-memos/{memo.number}/">{memo.number}</a>' in page
    memos = clerk_client.get("/billing/credit-memos/").text
    assert (
        f'<a href="/billing/{kind.slug}/{record.number}/">{kind.name} {record.number}</a>' in memos
    )
