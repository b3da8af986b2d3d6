"""The Write-Off Report (SPEC D3): its totals, added up by the database, and the rows of its
CSV, read a chunk at a time.

The netting rule. A report covers the memo dates from one day to another, and counts two kinds
of entry in that period:

- a **write-off** in the month of its memo date, as its items' amounts (positive, but for
  discount lines, so that a memo's items add up to its total);
- a **reversal** (SPEC D2) in the month of its reversal date, as the same items negated.

A reversal is counted under what the write-off it undoes was counted under: the memo's reason
code (not the reversal's own reason), each item's accounting code, the document's account and
currency, and the memo's revenue-impacting flag; every filter picks write-offs and reversals
alike by those. The **net** of a period is its write-offs plus its (negative) reversals. So a
memo written off in October and reversed in November counts +X in October's report and -X in
November's, however late either report is run: a closed period's figures never change, and
the net of consecutive periods adds up to what is still written off. A memo written off and
reversed in the same period counts in both columns, and nets to zero.

Every total is one grouped query per table, the write-offs and the reversals of the period
taken by a `UNION ALL` of two grouped `SELECT`s (each can use its own date index); Python only
puts the two rows of a group side by side. Sums are exact: PostgreSQL adds `numeric` exactly,
and on SQLite, which would add binary floating point, `ExactSum` adds whole ten-thousandths
as 64-bit integers.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models import Count, F, Value
from django.db.models.functions import TruncMonth

from billing.aggregates import ExactSum
from billing.models import Account, AccountingCode
from writeoffs.models import CreditMemoItem, ReasonCode

WRITE_OFF = 0
REVERSAL = 1
ENTRY_NAMES = {WRITE_OFF: "Write-off", REVERSAL: "Reversal"}


@dataclass(frozen=True)
class ReportFilters:
    """What the report covers: memo (and reversal) dates from `date_from` to `date_to`, both
    included, and the filters left as None or "" meaning any."""

    date_from: datetime.date
    date_to: datetime.date
    reason_code: ReasonCode | None = None
    accounting_code: AccountingCode | None = None
    account: Account | None = None
    currency: str = ""
    revenue_impacting: bool | None = None


def _items(filters: ReportFilters) -> models.QuerySet[CreditMemoItem]:
    """The memo items the filters other than the period pick."""
    items = CreditMemoItem.objects.order_by()
    if filters.reason_code is not None:
        items = items.filter(memo__reason_code=filters.reason_code)
    if filters.accounting_code is not None:
        items = items.filter(accounting_code=filters.accounting_code)
    if filters.account is not None:
        items = items.filter(memo__document__account=filters.account)
    if filters.currency:
        items = items.filter(memo__document__currency=filters.currency)
    if filters.revenue_impacting is not None:
        items = items.filter(memo__revenue_impacting=filters.revenue_impacting)
    return items


def written_off_items(filters: ReportFilters) -> models.QuerySet[CreditMemoItem]:
    """The items of the memos written off in the period."""
    period = (filters.date_from, filters.date_to)
    return _items(filters).filter(memo__memo_date__range=period)


def reversed_items(filters: ReportFilters) -> models.QuerySet[CreditMemoItem]:
    """The items of the memos reversed in the period (only a reversed memo has a reversal date,
    a constraint says)."""
    period = (filters.date_from, filters.date_to)
    return _items(filters).filter(memo__reversal_date__range=period)


@dataclass
class Total:
    """One row of a table: what was written off and reversed (negative), the net, and how
    many memo items (written-off lines) each adds up."""

    written_off: Decimal = Decimal(0)
    reversed: Decimal = Decimal(0)
    written_off_lines: int = 0
    reversed_lines: int = 0

    @property
    def net(self) -> Decimal:
        return self.written_off + self.reversed

    def add(self, other: "Total") -> None:
        self.written_off += other.written_off
        self.reversed += other.reversed
        self.written_off_lines += other.written_off_lines
        self.reversed_lines += other.reversed_lines


@dataclass
class Row:
    """A table row: its key (a reason's name, an accounting code, a month) and its total."""

    key: tuple
    total: Total


@dataclass
class CurrencyReport:
    """Everything the report shows of one currency: never added to another currency."""

    currency: str
    by_reason: list[Row] = field(default_factory=list)
    by_accounting_code: list[Row] = field(default_factory=list)
    by_month: list[Row] = field(default_factory=list)
    total: Total = field(default_factory=Total)

    @property
    def months(self) -> list[Row]:
        """Every month from the first to the last with an entry, those without at zero: what
        the chart draws and its table lists."""
        if not self.by_month:
            return []
        found = {row.key[0]: row for row in self.by_month}
        month, last = self.by_month[0].key[0], self.by_month[-1].key[0]
        rows = []
        while month <= last:
            rows.append(found.get(month) or Row((month,), Total()))
            month = (month + datetime.timedelta(days=31)).replace(day=1)
        return rows


@dataclass
class WriteOffReport:
    filters: ReportFilters
    currencies: list[CurrencyReport]


def _grouped(filters: ReportFilters, written: dict, reversed_: dict) -> dict[tuple, Total]:
    """One query: the totals of the period's write-offs and reversals grouped by currency and
    the given keys (the same names in both, their expressions may differ), side by side."""

    def branch(items, entry: int, keys: dict):
        return (
            items.values(
                entry=Value(entry, output_field=models.IntegerField()),
                currency=F("memo__document__currency"),
                **keys,
            )
            .annotate(amount=ExactSum("amount"), lines=Count("*"))
            .order_by()
        )

    query = (
        branch(written_off_items(filters), WRITE_OFF, written)
        .union(branch(reversed_items(filters), REVERSAL, reversed_), all=True)
        .order_by()
    )
    totals: dict[tuple, Total] = defaultdict(Total)
    names = list(written)
    for row in query:
        total = totals[(row["currency"], *(row[name] for name in names))]
        if row["entry"] == WRITE_OFF:
            total.written_off, total.written_off_lines = row["amount"], row["lines"]
        else:
            total.reversed, total.reversed_lines = -row["amount"], row["lines"]
    return totals


def write_off_report(filters: ReportFilters) -> WriteOffReport:
    """The report's tables for every currency with an entry in the period, in three queries:
    by reason code, by accounting code and by month. A currency's total is that of its months."""
    by_reason = {"reason": F("memo__reason_code__name")}
    by_code = {"code": F("accounting_code__code"), "code_name": F("accounting_code__name")}
    tables = {
        "by_reason": _grouped(filters, by_reason, by_reason),
        "by_accounting_code": _grouped(filters, by_code, by_code),
        "by_month": _grouped(
            filters,
            {"month": TruncMonth("memo__memo_date")},
            {"month": TruncMonth("memo__reversal_date")},
        ),
    }
    currencies: dict[str, CurrencyReport] = {}
    for table, totals in tables.items():
        for (currency, *key), total in sorted(totals.items()):
            report = currencies.setdefault(currency, CurrencyReport(currency))
            getattr(report, table).append(Row(tuple(key), total))
    for report in currencies.values():
        for row in report.by_month:
            report.total.add(row.total)
    return WriteOffReport(filters, [currencies[code] for code in sorted(currencies)])


# The CSV's columns: its header, and the value each row takes it from.
CSV_COLUMNS = (
    ("Entry", "entry"),
    ("Entry date", "entry_date"),
    ("Credit memo", "memo__number"),
    ("Memo date", "memo__memo_date"),
    ("Document", "memo__document__number"),
    ("Document type", "memo__document__type"),
    ("Account number", "memo__document__account__number"),
    ("Account name", "memo__document__account__name"),
    ("Currency", "memo__document__currency"),
    ("Line", "source_line__description"),
    ("Line kind", "source_line__kind"),
    ("Accounting code", "accounting_code__code"),
    ("Amount", "amount"),
    ("Reason code", "memo__reason_code__name"),
    ("Revenue impacting", "memo__revenue_impacting"),
    ("Created by", "memo__created_by__username"),
    ("Created at", "memo__created_at"),
    ("Reversal date", "memo__reversal_date"),
    ("Reversing debit memo", "memo__reversing_debit_memo__number"),
    ("Reversed by", "memo__reversed_by__username"),
    ("Reversed at", "memo__reversed_at"),
)
#: Where each value is in a row `entry_rows` yields.
CSV_INDEX = {name: index for index, (_, name) in enumerate(CSV_COLUMNS)}


def entry_rows(filters: ReportFilters, *, chunk_size: int = 2000) -> Iterator[tuple]:
    """One row per memo item and entry in the period, as `CSV_COLUMNS` lists them: first a
    write-off row for each item of a memo dated in the period, by memo date, memo number and
    line; then a reversal row for each item of a memo reversed in it, by reversal date, memo
    number and line (its amount as stored; the caller negates it).

    Two queries, each read from a server-side cursor `chunk_size` rows at a time. Each is in
    the order of an index (`reports` migration 0001), so PostgreSQL sends its first rows at
    once rather than after sorting every row (one `UNION ALL` of both would be sorted whole).
    """
    names = [name for _, name in CSV_COLUMNS]
    entries = (
        (written_off_items(filters), WRITE_OFF, "memo__memo_date"),
        (reversed_items(filters), REVERSAL, "memo__reversal_date"),
    )
    for items, entry, entry_date in entries:
        query = (
            items.annotate(entry=Value(entry, output_field=models.IntegerField()))
            .annotate(entry_date=F(entry_date))
            .values_list(*names)
            .order_by(entry_date, "memo__number", "source_line__position")
        )
        yield from query.iterator(chunk_size=chunk_size)
