"""Keyset pages for the long lists (All Invoices, Credit Memos).

A page is the PER_PAGE rows that come after (or before) a row the clerk has already seen, in
the list's order: `WHERE date <= d AND (date < d OR (date = d AND number < n)) ORDER BY date
DESC, number DESC LIMIT 51`. The database starts reading at that row through the list's
index, so the 2,000th page costs what the first costs; OFFSET would read and throw away every
row before the page. The caption counts at most COUNT_LIMIT + 1 rows for the same reason: a
full COUNT(*) reads every row that matches, on every page.

A cursor is the row's ordering values written as text and joined by `~`, which no document or
memo number may hold: `2026-10-15~INV00000101`. It grants nothing (any cursor only names a
place in a list the user may read anyway), so it is read strictly rather than signed.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from billing.models import DOCUMENT_NUMBER_PATTERN

PER_PAGE = 50
#: The caption counts up to here, then says "1,000+": twenty pages say "a lot" as well as
#: two hundred do, and counting 10,000 rows took a third of the page's time.
COUNT_LIMIT = 1_000
SEPARATOR = "~"


def number_reader(max_length: int) -> Callable[[str], str]:
    """A reader of document or credit memo numbers up to `max_length` characters."""

    def read(text: str) -> str:
        if len(text) > max_length or not re.fullmatch(DOCUMENT_NUMBER_PATTERN, text):
            raise ValueError(f"{text!r} is not a number.")
        return text

    return read


class Keyset:
    """A list's order, newest first: the fields that place a row (the last one unique), each
    with the reader that takes its value back from a cursor or raises `ValueError`."""

    def __init__(self, **readers: Callable[[str], Any]):
        self.readers = readers
        self.fields = tuple(readers)

    @property
    def newest_first(self) -> list[str]:
        return [f"-{field}" for field in self.fields]

    def cursor(self, row) -> str:
        """Where `row` (a model instance, or a dict of `values()`) stands in this order."""
        if isinstance(row, dict):
            return SEPARATOR.join(str(row[field]) for field in self.fields)
        return SEPARATOR.join(str(getattr(row, field)) for field in self.fields)

    def read(self, text: str) -> tuple:
        parts = text.split(SEPARATOR)
        if len(parts) != len(self.fields):
            raise ValueError(f"{text!r} does not have {len(self.fields)} parts.")
        return tuple(read(part) for read, part in zip(self.readers.values(), parts, strict=True))

    def beyond(self, values: tuple, *, newer: bool) -> Q:
        """The rows older than the row at `values` in this order, or newer.

        `(date, number) < (d, n)` is written out as `date < d OR (date = d AND number < n)`,
        with the redundant `date <= d` in front: that bound is what lets the database start its
        index scan at the cursor instead of filtering every row before it.
        """
        op = "gt" if newer else "lt"
        past = Q()
        for i, field in enumerate(self.fields):
            same = dict(zip(self.fields[:i], values[:i], strict=True))
            past |= Q(**same, **{f"{field}__{op}": values[i]})
        if len(self.fields) == 1:
            return past
        return Q(**{f"{self.fields[0]}__{op}e": values[0]}) & past


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: just after the row at `values` or, if `newer`, just before it."""

    values: tuple
    newer: bool = False


@dataclass(frozen=True)
class KeysetPage:
    object_list: list
    #: How many rows the whole list has, counted up to COUNT_LIMIT + 1.
    count: int
    #: The cursors of the pages before (newer) and after (older) this one, if there are any.
    newer: str | None
    older: str | None
    #: Whether the page was asked for without a cursor.
    first: bool

    @property
    def count_is_bounded(self) -> bool:
        return self.count > COUNT_LIMIT

    @property
    def count_shown(self) -> int:
        return min(self.count, COUNT_LIMIT)

    @property
    def has_other_pages(self) -> bool:
        return bool(self.newer or self.older)


def keyset_page(
    queryset: QuerySet,
    *,
    keyset: Keyset,
    cursor: Cursor | None = None,
    per_page: int = PER_PAGE,
    counted: QuerySet | None = None,
) -> KeysetPage:
    """One page of `queryset` in `keyset`'s order, and the bounded count: two queries, however
    deep the page. `counted`, when given, is counted instead: the same rows without what only
    shows them. All Invoices' rows join each document's account for its name; counted with
    that join, the thousand rows looked up a thousand accounts, half of the page's time."""
    counted = queryset if counted is None else counted
    count = counted.order_by()[: COUNT_LIMIT + 1].count()
    if cursor is not None:
        queryset = queryset.filter(keyset.beyond(cursor.values, newer=cursor.newer))
    # The rows just before a cursor to newer rows are the first ones in ascending order.
    order = keyset.fields if cursor is not None and cursor.newer else keyset.newest_first
    rows = list(queryset.order_by(*order)[: per_page + 1])
    return page_of(rows, count, keyset=keyset, cursor=cursor, per_page=per_page)


def page_of(
    rows: list, count: int, *, keyset: Keyset, cursor: Cursor | None, per_page: int = PER_PAGE
) -> KeysetPage:
    """The page of `rows`, the first `per_page + 1` rows beyond `cursor` (or from the newest),
    read in the order that starts at the cursor: oldest first for the rows before it."""
    if cursor is not None and cursor.newer:
        newer, rows = len(rows) > per_page, rows[:per_page][::-1]
        older = bool(rows)
    else:
        older, rows = len(rows) > per_page, rows[:per_page]
        newer = cursor is not None and bool(rows)
    return KeysetPage(
        rows,
        count,
        newer=keyset.cursor(rows[0]) if newer else None,
        older=keyset.cursor(rows[-1]) if older else None,
        first=cursor is None,
    )
