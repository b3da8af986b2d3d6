"""Reads of billing documents for the screens and the API, each in a fixed number of queries."""

import re
from collections.abc import Callable, Collection, Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Count, Expression, F, Q, QuerySet, Subquery
from django.http import Http404

from billing.compiled import Compiled
from billing.models import (
    INVOICES,
    Account,
    AccountingCode,
    BillingDocument,
    DocumentKind,
    LineItem,
)
from billing.paging import (
    COUNT_LIMIT,
    PER_PAGE,
    Cursor,
    Keyset,
    KeysetPage,
    keyset_page,
    number_reader,
    page_of,
)
from billing.parsing import parse_iso_date

#: All Invoices' (and All Debit Memos') order, newest first, which their pages follow.
DOCUMENT_ORDER = Keyset(
    date=parse_iso_date,
    number=number_reader(BillingDocument._meta.get_field("number").max_length),
)


#: What a part of a document number may hold (`DOCUMENT_NUMBER_PATTERN`). A search holding
#: anything else (a space: "acme corp") cannot be in any number, so it looks for accounts only
#: and spares the database a look-up of its trigrams in the numbers' index, which found
#: nothing and took as long as the rest of the page.
NUMBER_PART = re.compile(r"[A-Za-z0-9_.-]+")

#: A search that names more accounts than this finds them with a subquery (see below).
ACCOUNT_IDS_LIMIT = 1000


#: The columns of All Invoices, read as plain rows (dicts) rather than model instances: making
#: fifty documents and their accounts, and the template's look-ups in them, cost more than
#: the rest of the page's rows.
LIST_COLUMNS = ("number", "date", "due_date", "status", "currency", "amount", "balance")


def document_search(
    kind: DocumentKind = INVOICES,
    *,
    q: str = "",
    status: str = "",
    accounts: list[int] | QuerySet[Account] | None = None,
) -> QuerySet[BillingDocument]:
    """The documents of `kind` that a search finds by number and account (SPEC C5, D1), in no
    order. A search reads the accounts it names first (one query), unless given them
    (`_accounts_named`)."""
    documents = BillingDocument.objects.filter(type=kind.type)
    if q := q.strip():
        found = Q(account__in=_accounts_named(q) if accounts is None else accounts)
        if NUMBER_PART.fullmatch(q):
            found |= Q(number__icontains=q)
        documents = documents.filter(found)
    if status:
        documents = documents.filter(status=status)
    return documents


def list_rows(documents: QuerySet[BillingDocument]) -> QuerySet[BillingDocument]:
    """`documents` newest first, as rows of `LIST_COLUMNS` and the account's `account_number`
    and `account_name`."""
    return documents.values(
        *LIST_COLUMNS, account_number=F("account__number"), account_name=F("account__name")
    ).order_by(*DOCUMENT_ORDER.newest_first)


def document_list(
    kind: DocumentKind = INVOICES, *, q: str = "", status: str = ""
) -> QuerySet[BillingDocument]:
    """All Invoices or All Debit Memos: the rows of the documents the search finds."""
    return list_rows(document_search(kind, q=q, status=status))


#: A search naming up to this many accounts is compiled (a statement for each number of
#: them); one naming more is written by the ORM each time.
COMPILED_ACCOUNTS_LIMIT = 10


def document_list_page(
    kind: DocumentKind, *, q: str = "", status: str = "", cursor: Cursor | None = None
) -> KeysetPage:
    """A page of All Invoices or All Debit Memos, rows as `list_rows` makes them, with its
    bounded count, the documents `document_search` finds. Its queries are compiled once a
    process (`Compiled`): a statement for each filter, way of reading and number of accounts
    a search names (up to COMPILED_ACCOUNTS_LIMIT); past that, the ORM writes them each time.
    """
    values = {"type": str(kind.type)} | ({"status": status} if status else {})
    accounts, numbers = 0, False
    if q := q.strip():
        named = _accounts_named(q)
        numbers = bool(NUMBER_PART.fullmatch(q))
        if (
            not isinstance(named, list)
            or len(named) > COMPILED_ACCOUNTS_LIMIT
            or not (named or numbers)
        ):
            found = document_search(kind, q=q, status=status, accounts=named)
            rows = list_rows(found)
            return keyset_page(rows, keyset=DOCUMENT_ORDER, cursor=cursor, counted=found)
        accounts = len(named)
        values |= {f"account{n}": id_ for n, id_ in enumerate(named)}
        values |= {"q": q} if numbers else {}
    count = _list_count.count(shape=(accounts, numbers), **values)
    if cursor is None:
        rows = _list_rows.rows(shape=("first", accounts, numbers), **values)
    else:
        date_, number = cursor.values
        direction = "newer" if cursor.newer else "older"
        shape = (direction, accounts, numbers)
        rows = _list_rows.rows(shape=shape, date=date_, number=number, **values)
    rows = [dict(zip(_LIST_NAMES, row, strict=True)) for row in rows]
    return page_of(rows, count, keyset=DOCUMENT_ORDER, cursor=cursor)


_LIST_NAMES = (*LIST_COLUMNS, "account_number", "account_name")


def _listed(
    accounts: int, numbers: bool, *, type: str, status: str | None = None, q=None, **ids
) -> QuerySet[BillingDocument]:
    """`document_search`'s documents, with `accounts` ids `account0`, `account1`... of the
    accounts the search names and, when it could be part of a number (`numbers`), `q`."""
    documents = BillingDocument.objects.filter(type=type)
    if accounts or numbers:
        found = Q(account__in=[ids[f"account{n}"] for n in range(accounts)])
        documents = documents.filter(found | Q(number__icontains=q) if numbers else found)
    return documents if status is None else documents.filter(status=status)


def _list_read(direction: str, accounts: int, numbers: bool, *, date=None, number=None, **values):
    documents = _listed(accounts, numbers, **values)
    order = DOCUMENT_ORDER.newest_first
    if direction != "first":
        newer = direction == "newer"
        documents = documents.filter(DOCUMENT_ORDER.beyond((date, number), newer=newer))
        order = DOCUMENT_ORDER.fields if newer else order
    columns = (*LIST_COLUMNS, "account__number", "account__name")
    return documents.order_by(*order).values_list(*columns)[: PER_PAGE + 1]


_list_rows = Compiled(_list_read)
_list_count = Compiled(
    lambda accounts, numbers, **values: (
        _listed(accounts, numbers, **values).order_by().values_list("pk")[: COUNT_LIMIT + 1]
    )
)


def _accounts_matching(q: str) -> QuerySet[Account]:
    return Account.objects.filter(Q(number__icontains=q) | Q(name__icontains=q)).order_by()


_accounts_read = Compiled(
    lambda q: _accounts_matching(q).values_list("pk")[: ACCOUNT_IDS_LIMIT + 1]
)


def _accounts_named(q: str) -> list[int] | QuerySet[Account]:
    """The accounts whose number or name holds `q`: as a list of ids when there are few.

    With a list, PostgreSQL answers "number holds q, or the account is one of these" from two
    indexes at once (the number's trigrams and `account_id`) and reads only the invoices that
    match. A subquery inside that OR can only be checked invoice by invoice, from the newest
    on: quick when many invoices match, a scan of the whole table when few do. Many accounts
    naming `q` means many invoices matching it, so past ACCOUNT_IDS_LIMIT the subquery is used.
    """
    ids = [id_ for (id_,) in _accounts_read.rows(q=q)]
    return _accounts_matching(q) if len(ids) > ACCOUNT_IDS_LIMIT else ids


#: A document's columns and its account's, in the order `document_from_row` reads them.
_DOCUMENT_FIELDS = tuple(field.attname for field in BillingDocument._meta.concrete_fields)
_ACCOUNT_FIELDS = tuple(field.attname for field in Account._meta.concrete_fields)


class DocumentRead:
    """The document of a kind and number with its account, and `annotations` (expressions,
    made anew by each callable) read with it: what a page shows about the document beyond
    billing. Its SQL is the ORM's, written once (`Compiled`)."""

    def __init__(self, **annotations: Callable[[], Expression]):
        self._names = tuple(annotations)

        def build(type, number):
            documents = BillingDocument.objects.filter(type=type, number=number)
            documents = documents.annotate(**{name: make() for name, make in annotations.items()})
            columns = [*_DOCUMENT_FIELDS, *(f"account__{name}" for name in _ACCOUNT_FIELDS)]
            return documents.values_list(*columns, *annotations).order_by()

        self._read = Compiled(build)

    def __call__(self, kind: DocumentKind, number: str) -> BillingDocument:
        """The document, or 404: an invoice's number under debit memos (or the other way
        round) is not found."""
        rows = self._read.rows(type=str(kind.type), number=number)
        if not rows:
            raise Http404(f"No {kind.name.lower()} {number}.")
        return document_from_row(rows[0], self._names)


def document_from_row(row: tuple, annotations: tuple[str, ...] = ()) -> BillingDocument:
    """A document and its account from a row of their columns, then its `annotations`."""
    documents, accounts = len(_DOCUMENT_FIELDS), len(_ACCOUNT_FIELDS)
    document = BillingDocument.from_db(DEFAULT_DB_ALIAS, _DOCUMENT_FIELDS, row[:documents])
    account = Account.from_db(
        DEFAULT_DB_ALIAS, _ACCOUNT_FIELDS, row[documents : documents + accounts]
    )
    BillingDocument.account.field.set_cached_value(document, account)
    for name, value in zip(annotations, row[documents + accounts :], strict=True):
        setattr(document, name, value)
    return document


document_get = DocumentRead()


class LineRow(NamedTuple):
    """A line as the pages, the API and the write-off check read it: its columns, without a
    model instance each. The dialog reads a document's lines on every keystroke, and building
    2,000 model instances costs more than everything else in that request together."""

    pk: int
    position: int
    kind: str
    parent_id: int | None
    description: str
    service_start: date | None
    service_end: date | None
    amount: Decimal
    balance: Decimal
    accounting_code_id: int
    accounting_code: str

    @property
    def kind_label(self) -> str:
        return LineItem.Kind(self.kind).label

    def __str__(self) -> str:
        return self.description


_LINE_COLUMNS = [*LineRow._fields[:-1], "accounting_code__code"]
_lines = Compiled(
    lambda document: (
        LineItem.objects.filter(document=document).order_by("position").values_list(*_LINE_COLUMNS)
    )
)


def line_rows(document: BillingDocument) -> list[LineRow]:
    """The document's lines in their order on the document, in one query."""
    return list(map(LineRow._make, _lines.rows(document=document.pk)))


#: A check naming up to this many lines reads only them (`DocumentLines`); one naming more
#: reads every line at once.
NAMED_LINES_LIMIT = 32


def _lines_named(count: int, *, document: int, **ids: int) -> QuerySet[LineItem]:
    """The lines `line0`, `line1`... of `document`, each with how many lines it has (counted
    once: the subquery names the document, not each row's)."""
    lines = LineItem.objects.filter(document=document).order_by()
    counted = lines.values("document").annotate(count=Count("pk")).values("count")
    named = LineItem.objects.filter(
        document=document, pk__in=[ids[f"line{n}"] for n in range(count)]
    )
    return (
        named.annotate(count=Subquery(counted))
        .order_by("position")
        .values_list(*_LINE_COLUMNS, "count")
    )


_named_lines = Compiled(_lines_named)
_line_ids = Compiled(
    lambda document: LineItem.objects.filter(document=document).order_by().values_list("pk")
)


class DocumentLines(Mapping[int, LineRow]):
    """A document's lines by id, in their order on the document, read as far as they are
    asked for: the lines `named` and how many lines there are (one query), then every line
    (another) only when something goes through them all.

    The live total checks what was typed on a few lines of an invoice of hundreds: reading
    and making every line took more than the rest of its answer. The check goes through
    every line only to write off every balance, or to find the lines a total equal to the
    balance would leave open; then they are all read, as they were before.
    """

    def __init__(self, document: BillingDocument, named: Collection[int]):
        self._document = document
        self._every: dict[int, LineRow] | None = None
        named = set(named)
        if len(named) > NAMED_LINES_LIMIT:
            self._read_every()
            return
        ids = {f"line{n}": id_ for n, id_ in enumerate(sorted(named))}
        rows = _named_lines.rows(shape=(len(ids),), document=document.pk, **ids) if ids else []
        self._named = {row[0]: LineRow._make(row[:-1]) for row in rows}
        self._asked = named
        # Nothing named that is a line of the document: counted on their own.
        self._count = rows[0][-1] if rows else _line_ids.count(document=document.pk)

    def _read_every(self) -> dict[int, LineRow]:
        if self._every is None:
            self._every = {line.pk: line for line in line_rows(self._document)}
            self._named, self._asked, self._count = self._every, set(), len(self._every)
        return self._every

    def named(self) -> list[LineRow]:
        """The lines named that are the document's, in their order on it (every line, once
        all are read)."""
        return list(self._named.values())

    def __getitem__(self, pk: int) -> LineRow:
        if pk in self._named or pk in self._asked:
            return self._named[pk]  # a named id that is no line of the document: KeyError
        return self._read_every()[pk]

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[int]:
        return iter(self._read_every())


class DisplayLine(NamedTuple):
    """A line in the order a clerk reads an invoice, with how deep it is nested."""

    line: LineRow
    depth: int


def document_lines(document: BillingDocument) -> list[DisplayLine]:
    """Every charge followed by its taxes, then its discounts each followed by its tax.

    One query; the tree is put together here rather than by recursive SQL, depth first from a
    stack of the lines still to place (the next one on top) rather than by recursion: a
    2,000-line invoice took as long to put in order as to read.
    """
    children: dict[int | None, list[LineRow]] = {}
    for line in line_rows(document):
        children.setdefault(line.parent_id, []).append(line)
    ordered = []
    pending = [(line, 0) for line in reversed(_taxes_first(children.get(None, [])))]
    while pending:
        line, depth = pending.pop()
        ordered.append(DisplayLine(line, depth))
        if (kids := children.get(line.pk)) is None:
            continue
        if len(kids) == 1:  # most charges have a tax and nothing else
            pending.append((kids[0], depth + 1))
        else:
            pending.extend([(kid, depth + 1) for kid in reversed(_taxes_first(kids))])
    return ordered


def _taxes_first(lines: list[LineRow]) -> list[LineRow]:
    """Taxes first, then discounts, each group in document order."""
    if len(lines) < 2:
        return lines
    return sorted(lines, key=lambda line: line.kind != LineItem.Kind.TAX)


def accounting_code_by_code(code: str) -> AccountingCode | None:
    """The accounting code of exactly that code, active or not."""
    if len(code) > AccountingCode._meta.get_field("code").max_length:
        return None
    return AccountingCode.objects.filter(code=code).first()
