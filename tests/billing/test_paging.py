"""Keyset pages: cursors read strictly, pages that tile the list, a bounded count."""

import datetime

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from billing import paging
from billing.forms import PageForm
from billing.models import Invoice
from billing.paging import Cursor, keyset_page
from billing.selectors import DOCUMENT_ORDER, document_list
from tests.factories import InvoiceFactory


def page_form(query: str) -> PageForm:
    return PageForm(QueryDict(query), keyset=DOCUMENT_ORDER)


def test_a_cursor_names_the_rows_date_and_number():
    invoice = Invoice(date=datetime.date(2026, 10, 15), number="INV00000101")
    assert DOCUMENT_ORDER.cursor(invoice) == "2026-10-15~INV00000101"
    assert DOCUMENT_ORDER.read("2026-10-15~INV00000101") == (
        datetime.date(2026, 10, 15),
        "INV00000101",
    )


@pytest.mark.parametrize(
    ("query", "cursor"),
    [
        ("", None),
        ("after=", None),
        ("q=acme&status=Posted", None),
        ("after=2026-10-15~INV00000101", Cursor((datetime.date(2026, 10, 15), "INV00000101"))),
        ("before=2026-10-15~inv-1.a_b", Cursor((datetime.date(2026, 10, 15), "inv-1.a_b"), True)),
    ],
)
def test_page_form_reads_the_links_the_list_writes(query, cursor):
    form = page_form(query)
    assert form.cursor() == cursor
    assert not form.errors


@pytest.mark.parametrize(
    "query",
    [
        "after=%00",
        "after=2026-10-15",
        "after=INV00000101",
        "after=2026-10-15~INV00000101~x",
        "after=2026-02-30~INV00000101",
        "after=20261015~INV00000101",
        "after=2026-W42-4~INV00000101",
        "after=2026-10-15~",
        "after=2026-10-15~INV%2F1",
        "after=2026-10-15~..",
        "after=2026-10-15~INV%00",
        "after=2026-10-15~%ED%A0%80",
        "after=2026-10-15~INV%C3%A9",
        "after=2026-10-15~" + "9" * 51,
        "after=" + "9" * 1000,
        "after=2026-10-15~INV1&before=2026-10-15~INV2",
        "after=2026-10-15~INV1&after=2026-10-15~INV2",
        "before=%ff%fe",
    ],
)
def test_page_form_reads_nothing_it_did_not_write_and_says_so(query):
    form = page_form(query)
    assert form.cursor() is None
    assert form.non_field_errors() == [PageForm.UNREADABLE]


def newest_first(invoices):
    return sorted(invoices, key=lambda invoice: (invoice.date, invoice.number), reverse=True)


@pytest.fixture
def invoices(db):
    """Seven invoices over three dates, so that pages break inside a day."""
    dates = [datetime.date(2026, 10, day) for day in (1, 1, 1, 2, 2, 3, 3)]
    return newest_first(
        InvoiceFactory(number=f"INV{n:08d}", date=date, due_date=date)
        for n, date in enumerate(dates, 1)
    )


@pytest.mark.django_db
def test_older_pages_tile_the_list_and_newer_pages_come_back(invoices):
    pages, cursor = [], None
    while True:
        page = keyset_page(document_list(), keyset=DOCUMENT_ORDER, cursor=cursor, per_page=3)
        pages.append([invoice["number"] for invoice in page.object_list])
        if not page.older:
            break
        cursor = Cursor(DOCUMENT_ORDER.read(page.older))
    assert [number for numbers in pages for number in numbers] == [i.number for i in invoices]
    assert [len(numbers) for numbers in pages] == [3, 3, 1]

    back = keyset_page(
        document_list(),
        keyset=DOCUMENT_ORDER,
        cursor=Cursor(DOCUMENT_ORDER.read(page.newer), newer=True),
        per_page=3,
    )
    assert [invoice["number"] for invoice in back.object_list] == pages[1]
    assert back.newer and back.older
    top = keyset_page(
        document_list(),
        keyset=DOCUMENT_ORDER,
        cursor=Cursor(DOCUMENT_ORDER.read(back.newer), newer=True),
        per_page=3,
    )
    assert [invoice["number"] for invoice in top.object_list] == pages[0]
    assert top.newer is None


@pytest.mark.django_db
def test_the_first_page_has_no_newer_page_and_a_cursor_page_has_one(invoices):
    first = keyset_page(document_list(), keyset=DOCUMENT_ORDER, per_page=3)
    assert first.first and first.newer is None
    assert first.older == DOCUMENT_ORDER.cursor(invoices[2])
    second = keyset_page(
        document_list(),
        keyset=DOCUMENT_ORDER,
        cursor=Cursor(DOCUMENT_ORDER.read(first.older)),
        per_page=3,
    )
    assert not second.first
    assert second.newer == DOCUMENT_ORDER.cursor(invoices[3])


@pytest.mark.django_db
def test_a_cursor_beyond_the_last_row_is_an_empty_page_without_links(invoices):
    page = keyset_page(
        document_list(), keyset=DOCUMENT_ORDER, cursor=Cursor((datetime.date(1900, 1, 1), "A"))
    )
    assert page.object_list == []
    assert not page.has_other_pages
    assert not page.first


@pytest.mark.django_db
def test_the_count_stops_past_the_limit(invoices, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_LIMIT", 5)
    with CaptureQueriesContext(connection) as captured:
        page = keyset_page(document_list(), keyset=DOCUMENT_ORDER, per_page=3)
    assert (page.count, page.count_shown, page.count_is_bounded) == (6, 5, True)
    assert "LIMIT 6" in captured.captured_queries[0]["sql"]
    monkeypatch.setattr(paging, "COUNT_LIMIT", 7)
    page = keyset_page(document_list(), keyset=DOCUMENT_ORDER, per_page=3)
    assert (page.count, page.count_shown, page.count_is_bounded) == (7, 7, False)


@pytest.mark.django_db
def test_a_deep_page_starts_at_its_cursor_in_the_query(invoices):
    cursor = Cursor(DOCUMENT_ORDER.read(DOCUMENT_ORDER.cursor(invoices[3])))
    with CaptureQueriesContext(connection) as captured:
        keyset_page(document_list(), keyset=DOCUMENT_ORDER, cursor=cursor, per_page=3)
    rows = captured.captured_queries[-1]["sql"]
    assert "OFFSET" not in rows
    assert "LIMIT 4" in rows
