"""Reads whose SQL the ORM writes once (`billing.compiled`): the same rows as the ORM reads,
values in their own types on every database, and nothing run for a value it cannot take."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Count, F
from django.http import Http404

from billing import selectors
from billing.compiled import Compiled
from billing.models import DEBIT_MEMOS, INVOICES, Account, BillingDocument, LineItem
from billing.paging import COUNT_LIMIT, PER_PAGE, Cursor, keyset_page
from tests.factories import (
    AccountFactory,
    DebitMemoFactory,
    InvoiceFactory,
    add_line,
    invoice_with_all_kinds,
)
from writeoffs.selectors import document_for_page

pytestmark = pytest.mark.django_db


def test_a_documents_lines_are_the_rows_the_orm_reads_in_their_types():
    invoice, *_ = invoice_with_all_kinds()
    add_line(invoice, amount="0.10", description='It\'s 100% \\N\t"quoted" %s')
    other, *_ = invoice_with_all_kinds()

    rows = selectors.line_rows(invoice)

    expected = LineItem.objects.filter(document=invoice).order_by("position")
    expected = expected.values_list(*selectors._LINE_COLUMNS)
    assert rows == [selectors.LineRow(*values) for values in expected]
    assert [row.description for row in rows][-1] == 'It\'s 100% \\N\t"quoted" %s'
    assert {type(row.amount) for row in rows} == {Decimal}  # SQLite's are converted too
    assert rows[-1].amount == Decimal("0.10")
    assert selectors.line_rows(other) != rows
    assert selectors.line_rows(InvoiceFactory()) == []


def test_the_orm_writes_the_sql_once_per_database():
    builds = []

    def build(number):
        builds.append(number)
        return Account.objects.filter(number=number).values_list("name")

    read = Compiled(build)
    Account.objects.create(number="A-1", name="One")
    Account.objects.create(number="A-2", name="Two")

    assert read.rows(number="A-1") == [("One",)]
    assert read.rows(number="A-2") == [("Two",)]
    assert read.rows(number="A-3") == []
    assert len(builds) == 1
    assert builds[0] not in {"A-1", "A-2", "A-3"}  # the ORM saw a marker, not a value


def test_a_value_the_read_cannot_take_is_refused_before_anything_runs(
    django_assert_num_queries,
):
    read = Compiled(lambda number: Account.objects.filter(number=number).values_list("name"))
    read.rows(number="A-1")
    with django_assert_num_queries(0):
        for values in ({"number": None}, {"number": 1}, {"number": ["A-1"]}, {}, {"name": "x"}):
            with pytest.raises(TypeError):
                read.rows(**values)


def test_a_first_value_of_another_type_is_refused():
    read = Compiled(lambda pk: Account.objects.filter(pk=pk).values_list("name"))
    with pytest.raises(TypeError):
        read.rows(pk=1.5)
    with pytest.raises(TypeError):
        read.rows(pk=True)


def test_a_read_whose_sql_does_not_take_its_value_is_refused():
    ignoring = Compiled(lambda number: Account.objects.values_list("name"))
    with pytest.raises(ValueError, match="not every value"):
        ignoring.rows(number="A-1")


def test_a_read_that_is_not_a_values_list_naming_its_annotations_last_is_refused():
    annotated_first = Compiled(
        lambda number: (
            Account.objects.filter(number=number)
            .annotate(count=Count("documents"), shown=F("name"))
            .values_list("count", "name")
        )
    )
    with pytest.raises(ValueError, match="annotations last"):
        annotated_first.rows(number="A-1")
    with pytest.raises(ValueError, match="values_list"):
        Compiled(lambda number: Account.objects.filter(number=number)).rows(number="A-1")


def test_a_document_is_read_with_its_account_and_annotations_in_one_query(
    django_assert_num_queries,
):
    invoice, *_ = invoice_with_all_kinds()
    with django_assert_num_queries(1):
        document = document_for_page(INVOICES, invoice.number)
        assert document.account.name == invoice.account.name
        assert document.written_off is False
    assert document == invoice
    assert (document.number, document.amount, document.balance, document.date) == (
        invoice.number,
        invoice.amount,
        invoice.balance,
        invoice.date,
    )
    assert document._state.adding is False  # a saved document, as the ORM's


def test_a_document_of_another_kind_or_number_is_not_found():
    invoice, *_ = invoice_with_all_kinds()
    for kind, number in ((DEBIT_MEMOS, invoice.number), (INVOICES, invoice.number + "%")):
        with pytest.raises(Http404):
            selectors.document_get(kind, number)


@pytest.fixture
def listed():
    """Invoices over a few days, several a day (the keyset's second field matters), of two
    statuses and two accounts, and debit memos, which All Invoices never lists."""
    accounts = [AccountFactory(), AccountFactory()]
    for n in range(130):
        InvoiceFactory(
            date=datetime.date(2026, 10, 1 + n % 9),
            status=BillingDocument.Status.DRAFT if n % 4 == 0 else BillingDocument.Status.POSTED,
            account=accounts[n % 2],
        )
    DebitMemoFactory.create_batch(3)


def _orm_page(status, cursor):
    found = selectors.document_search(INVOICES, status=status)
    return keyset_page(
        selectors.list_rows(found), keyset=selectors.DOCUMENT_ORDER, cursor=cursor, counted=found
    )


@pytest.mark.parametrize("status", ["", "Posted", "Draft", "Cancelled"])
def test_a_list_page_without_a_search_is_the_page_the_orm_reads(listed, status):
    first = _orm_page(status, None)
    assert selectors.document_list_page(INVOICES, status=status) == first
    place = selectors.DOCUMENT_ORDER.read
    cursors = [Cursor(place(first.older), newer=False)] if first.older else []
    cursors += [Cursor(place("2026-10-05~INV99999999"), newer=newer) for newer in (False, True)]
    cursors += [Cursor(place("2026-12-31~INV00000000"), newer=newer) for newer in (False, True)]
    for cursor in cursors:
        page = selectors.document_list_page(INVOICES, status=status, cursor=cursor)
        assert page == _orm_page(status, cursor)
        if page.newer:
            newer = Cursor(place(page.newer), newer=True)
            assert selectors.document_list_page(INVOICES, status=status, cursor=newer) == (
                _orm_page(status, newer)
            )


def test_a_list_count_stops_past_the_limit(django_assert_num_queries):
    account = AccountFactory()
    BillingDocument.objects.bulk_create(
        InvoiceFactory.build(account=account, number=f"INV{n:08d}") for n in range(COUNT_LIMIT + 5)
    )
    with django_assert_num_queries(2):
        page = selectors.document_list_page(INVOICES)
    assert (page.count, page.count_shown, page.count_is_bounded) == (COUNT_LIMIT + 1, 1000, True)
    assert len(page.object_list) == PER_PAGE


@pytest.fixture
def searched():
    """Invoices of twelve accounts; their numbers and the accounts' share digits."""
    accounts = [AccountFactory(number=f"ACC{n:04d}", name=f"Client {n} Ltd") for n in range(12)]
    for n in range(90):
        InvoiceFactory(
            number=f"INV{n:08d}",
            date=datetime.date(2026, 10, 1 + n % 7),
            status=BillingDocument.Status.DRAFT if n % 5 == 0 else BillingDocument.Status.POSTED,
            account=accounts[n % 12],
        )


@pytest.mark.parametrize(
    "q",
    [
        "Client 1",  # four accounts, no number holds a space: accounts only
        "client 1 ltd",  # one account
        "ACC0003",  # one account, and what a number might hold
        "INV0000004",  # no account, numbers only
        "0000",  # every account (past the compiled limit) and every number
        "Client",  # every account, no number
        "nobody here",  # nothing
        "%",
        "_1",
        "é",
    ],
)
@pytest.mark.parametrize("status", ["", "Draft"])
def test_a_searched_list_page_is_the_page_the_orm_reads(searched, q, status):
    def orm_page(cursor):
        found = selectors.document_search(INVOICES, q=q, status=status)
        rows = selectors.list_rows(found)
        return keyset_page(rows, keyset=selectors.DOCUMENT_ORDER, cursor=cursor, counted=found)

    first = orm_page(None)
    assert selectors.document_list_page(INVOICES, q=q, status=status) == first
    place = selectors.DOCUMENT_ORDER.read
    cursors = [Cursor(place("2026-10-04~INV00000050"), newer=newer) for newer in (False, True)]
    for cursor in cursors:
        assert selectors.document_list_page(INVOICES, q=q, status=status, cursor=cursor) == (
            orm_page(cursor)
        )


def test_document_lines_reads_the_lines_named_and_counts_them_all(django_assert_num_queries):
    invoice, charge, tax, discount, _ = invoice_with_all_kinds()
    _, stranger, *_ = invoice_with_all_kinds()
    every = selectors.line_rows(invoice)

    with django_assert_num_queries(1):
        lines = selectors.DocumentLines(invoice, {discount.pk, charge.pk, stranger.pk})
    with django_assert_num_queries(0):
        assert lines.named() == [row for row in every if row.pk in {charge.pk, discount.pk}]
        assert len(lines) == 4
        assert lines[charge.pk] == every[0]
        assert lines.get(stranger.pk) is None  # named, and no line of the invoice
    with django_assert_num_queries(1):  # a line not named: every line is read, once
        assert lines[tax.pk].description == tax.description
        assert list(lines) == [row.pk for row in every]
        assert list(lines.values()) == every
        assert lines.get(stranger.pk) is None


@pytest.mark.parametrize("named", [set(), {-1, 10**17}], ids=["nothing", "no line of it"])
def test_document_lines_counts_the_lines_when_none_named_is_the_documents(
    django_assert_num_queries, named
):
    invoice, *_ = invoice_with_all_kinds()
    with django_assert_num_queries(2 if named else 1):
        lines = selectors.DocumentLines(invoice, named)
    assert (len(lines), lines.named()) == (4, [])
    assert selectors.DocumentLines(InvoiceFactory(), named).named() == []
    assert len(selectors.DocumentLines(InvoiceFactory(), named)) == 0


def test_document_lines_naming_many_lines_reads_them_all_at_once(django_assert_num_queries):
    invoice = InvoiceFactory()
    added = [add_line(invoice, amount="1.00") for _ in range(selectors.NAMED_LINES_LIMIT + 1)]
    every = selectors.line_rows(invoice)
    with django_assert_num_queries(1):
        lines = selectors.DocumentLines(invoice, {line.pk for line in added})
    with django_assert_num_queries(0):
        assert lines.named() == every
        assert len(lines) == len(added)
        assert list(lines) == [line.pk for line in added]
