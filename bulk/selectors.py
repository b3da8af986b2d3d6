"""Reads of bulk write-offs: the documents a filter or a file chooses, a job's progress and
its results, each in a fixed number of queries."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Max, QuerySet
from django.shortcuts import get_object_or_404

from billing.aggregates import ExactSum
from billing.models import Account, BillingDocument
from bulk.csvfile import FileRefused, NumberLine, listed
from bulk.models import MAX_DOCUMENTS_PER_JOB, BulkJob, BulkJobItem
from writeoffs.checks import document_problems
from writeoffs.models import CreditMemo

#: Refused documents shown on the job's page; the results file has them all.
REFUSED_SHOWN = 100
#: Documents listed on the preview, first in the job's order.
PREVIEW_SHOWN = 50
_IN_BATCH = 1000


def eligible_documents(
    *,
    account: Account | None = None,
    currency: str = "",
    date_before: date | None = None,
    due_before: date | None = None,
) -> QuerySet[BillingDocument]:
    """Posted invoices and debit memos with a balance (W1) that match every filter given,
    oldest first."""
    documents = BillingDocument.objects.filter(
        status=BillingDocument.Status.POSTED, balance__gt=0
    ).order_by("date", "number")
    if account is not None:
        documents = documents.filter(account=account)
    if currency:
        documents = documents.filter(currency=currency)
    if date_before:
        documents = documents.filter(date__lt=date_before)
    if due_before:
        documents = documents.filter(due_date__lt=due_before)
    return documents


def documents_from_numbers(numbers: list[NumberLine]) -> list[BillingDocument]:
    """The documents the file names, in its order; `FileRefused` naming each line whose number
    is no invoice or debit memo, or one that cannot be written off (W1)."""
    found: dict[str, BillingDocument] = {}
    wanted = [entry.number for entry in numbers]
    for start in range(0, len(wanted), _IN_BATCH):
        batch = BillingDocument.objects.filter(number__in=wanted[start : start + _IN_BATCH])
        found.update((document.number, document) for document in batch)
    missing = [entry.number for entry in numbers if entry.number not in found]
    memos = set()
    for start in range(0, len(missing), _IN_BATCH):
        batch = CreditMemo.objects.filter(number__in=missing[start : start + _IN_BATCH])
        memos.update(batch.values_list("number", flat=True))
    problems = []
    for entry in numbers:
        document = found.get(entry.number)
        if entry.number in memos:
            problems.append(
                f"Line {entry.line}: {entry.number} is a credit memo; only invoices and debit "
                "memos are written off."
            )
        elif document is None:
            problems.append(
                f"Line {entry.line}: no invoice or debit memo is numbered {entry.number}."
            )
        elif refusals := document_problems(document):
            problems.append(f"Line {entry.line}: {refusals[0].message}")
    if problems:
        raise FileRefused(listed(problems))
    return [found[entry.number] for entry in numbers]


def too_many(documents: QuerySet[BillingDocument]) -> bool:
    return documents[MAX_DOCUMENTS_PER_JOB : MAX_DOCUMENTS_PER_JOB + 1].exists()


def job_get(user, job_id: int) -> BulkJob:
    """The user's own job, or 404: another clerk's job is not found."""
    jobs = BulkJob.objects.select_related("reason_code", "accounting_code", "created_by")
    return get_object_or_404(jobs, pk=job_id, created_by=user)


def recent_jobs(user, limit: int = 20) -> list[BulkJob]:
    return list(
        BulkJob.objects.filter(created_by=user)
        .exclude(status=BulkJob.Status.DRAFT)
        .select_related("reason_code")
        .annotate(documents=Count("items"))[:limit]
    )


@dataclass
class CurrencyProgress:
    currency: str
    documents: int = 0
    chosen: Decimal = Decimal(0)  # the balances when chosen
    written_off: Decimal = Decimal(0)


@dataclass
class Progress:
    """A job's counts by outcome and its totals by currency."""

    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    currencies: dict[str, CurrencyProgress] = field(default_factory=dict)
    last_finished: datetime | None = None  # when a document was last written off or refused

    @property
    def done(self) -> int:
        return self.by_status.get(BulkJobItem.Status.DONE, 0)

    @property
    def refused(self) -> int:
        return self.by_status.get(BulkJobItem.Status.REFUSED, 0)

    @property
    def cancelled(self) -> int:
        return self.by_status.get(BulkJobItem.Status.CANCELLED, 0)

    @property
    def pending(self) -> int:
        return self.by_status.get(BulkJobItem.Status.PENDING, 0)

    @property
    def processed(self) -> int:
        return self.done + self.refused

    @property
    def settled(self) -> int:
        """Documents whose turn has come: written off, refused or left by a cancel."""
        return self.total - self.pending


def job_progress(job: BulkJob) -> Progress:
    """One query, its sums exact on every database (`ExactSum`)."""
    progress = Progress()
    rows = (
        job.items.order_by()
        .values_list("status", "currency")
        .annotate(Count("pk"), ExactSum("balance"), ExactSum("written_off"), Max("finished_at"))
    )
    for status, currency, count, chosen, written_off, finished in rows:
        if finished and (progress.last_finished is None or finished > progress.last_finished):
            progress.last_finished = finished
        progress.total += count
        progress.by_status[status] = progress.by_status.get(status, 0) + count
        entry = progress.currencies.setdefault(currency, CurrencyProgress(currency))
        entry.documents += count
        entry.chosen += chosen or 0
        entry.written_off += written_off or 0
    progress.currencies = dict(sorted(progress.currencies.items()))
    return progress


def first_items(job: BulkJob) -> list[BulkJobItem]:
    return list(job.items.select_related("document__account").order_by("position")[:PREVIEW_SHOWN])


def refused_items(job: BulkJob) -> list[BulkJobItem]:
    return list(
        job.items.filter(status=BulkJobItem.Status.REFUSED)
        .select_related("document__account")
        .order_by("position")[:REFUSED_SHOWN]
    )


def result_rows(job: BulkJob) -> Iterator[BulkJobItem]:
    """Every document of the job with its outcome, in the job's order, read in batches."""
    return (
        job.items.select_related("document__account", "credit_memo")
        .order_by("position")
        .iterator(chunk_size=1000)
    )
