"""Bulk write-offs (SPEC D4): prepare a job from the documents chosen, start it, work it off,
cancel it.

Each document is written off in full (W13) by `writeoffs.services.document_write_off`, the one
service every channel uses, in a transaction of its own that also records the outcome on the
document's job row. The row is claimed with `SELECT ... FOR UPDATE SKIP LOCKED` in that same
transaction: any number of worker processes, on any number of machines, take different rows,
and a worker killed mid-document takes its claim with it (PostgreSQL rolls its transaction
back), so the next worker finds the row pending again. The ledger key of each document
(`bulk-job-<job>-document-<document>`, channel `bulk`) makes a repeat return the memo the first
write-off made, never a second one.
"""

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction
from django.utils import timezone

from audit.context import audit_channel
from audit.models import Channel as AuditChannel
from billing.models import BillingDocument
from billing.money import format_amount
from bulk import events
from bulk.models import BulkJob, BulkJobItem
from writeoffs.checks import WriteOffProposal, write_off_fields_check
from writeoffs.errors import WriteOffErrorCode
from writeoffs.keys import Channel, LedgerKey
from writeoffs.models import BULK_WRITE_OFF_PERMISSION, WRITE_OFF_PERMISSION
from writeoffs.services import WriteOffRefused, document_write_off

logger = logging.getLogger(__name__)

#: The refusal code of a document whose write-off failed for a reason no rule names.
UNEXPECTED_ERROR = "unexpected_error"
#: How long a worker waits for documents other workers hold before it leaves them to them.
TAIL_WAIT_SECONDS = 10.0
#: A job with no document written off or refused for this long is offered a Resume.
STALLED_AFTER = timedelta(minutes=1)
#: Previews never started are removed after this long.
DRAFTS_KEPT_FOR = timedelta(days=1)


class JobNotStartable(Exception):
    """The job was started (or cancelled) already: a second Start changes nothing."""


def may_bulk_write_off(user) -> bool:
    return user.has_perm(BULK_WRITE_OFF_PERMISSION) and user.has_perm(WRITE_OFF_PERMISSION)


def bulk_job_prepare(*, user, documents: Iterable[BillingDocument], chosen_by: str) -> BulkJob:
    """A job to preview, holding `documents` in their order with their balances now."""
    if not may_bulk_write_off(user):
        raise PermissionDenied("You do not have permission to write off documents in bulk.")
    with transaction.atomic():
        BulkJob.objects.filter(
            created_by=user,
            status=BulkJob.Status.DRAFT,
            created_at__lt=timezone.now() - DRAFTS_KEPT_FOR,
        ).delete()
        job = BulkJob.objects.create(created_by=user, chosen_by=chosen_by[:300])
        BulkJobItem.objects.bulk_create(
            (
                BulkJobItem(
                    job=job,
                    position=position,
                    document=document,
                    currency=document.currency,
                    balance=document.balance,
                )
                for position, document in enumerate(documents, start=1)
            ),
            batch_size=1000,
        )
    return job


bulk_job_prepare.alters_data = True


def bulk_job_start(
    *, job: BulkJob, user, proposal: WriteOffProposal, enqueue: Callable[[int], object]
) -> BulkJob:
    """Set the write-off fields of a previewed job and queue it.

    The fields go through the one check's rules that hold for every document
    (`write_off_fields_check`); what depends on a document is checked as each is written off.
    `enqueue(job_id)` queues the first task: with the database backend its row is written in
    this transaction, so a job is never queued without its task, nor a task without its job.
    Raises `WriteOffRefused` with the problems, or `JobNotStartable` for a job started before.
    """
    if not may_bulk_write_off(user):
        raise PermissionDenied("You do not have permission to write off documents in bulk.")
    check = write_off_fields_check(proposal)
    if not check.ok:
        raise WriteOffRefused(check)
    with transaction.atomic():
        job = BulkJob.objects.select_for_update().get(pk=job.pk)
        if job.status != BulkJob.Status.DRAFT:
            raise JobNotStartable()
        job.memo_date, job.reason_code = proposal.memo_date, proposal.reason_code
        job.comment, job.revenue_impacting = proposal.comment, proposal.revenue_impacting
        job.accounting_code = proposal.accounting_code
        job.status, job.started_at = BulkJob.Status.QUEUED, timezone.now()
        job.save()
        events.job_started(job, user=user)
        enqueue(job.pk)
    return job


bulk_job_start.alters_data = True


def bulk_job_cancel(*, job: BulkJob, user) -> int:
    """Stop `job`: the documents not yet written off stay as they are; those written off stay
    written off. Waits for the documents being written off at this moment. The number left."""
    if not may_bulk_write_off(user):
        raise PermissionDenied("You do not have permission to write off documents in bulk.")
    with transaction.atomic():
        job = BulkJob.objects.select_for_update().get(pk=job.pk)
        if not job.is_active:
            return 0
        job.status, job.cancelled_by = BulkJob.Status.CANCELLED, user
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "cancelled_by", "finished_at"])
        # Rows a worker holds are waited for; once committed they are no longer pending.
        cancelled = job.items.filter(status=BulkJobItem.Status.PENDING).update(
            status=BulkJobItem.Status.CANCELLED, finished_at=job.finished_at
        )
        events.job_cancelled(job, user=user, cancelled=cancelled)
    return cancelled


bulk_job_cancel.alters_data = True


def bulk_job_resume(*, job: BulkJob, user, enqueue: Callable[[int], object]) -> bool:
    """Queue another task for a job that has stopped moving (no worker ran, or one died just
    as it took its task, before queueing the next). Harmless while the job does move: a task
    with nothing to claim ends at once. Whether the job still had documents to write off."""
    if not may_bulk_write_off(user):
        raise PermissionDenied("You do not have permission to write off documents in bulk.")
    if not job.is_active:
        return False
    enqueue(job.pk)
    return True


bulk_job_resume.alters_data = True


def job_proposal(job: BulkJob) -> WriteOffProposal:
    """What the job asks of every document: its whole balance, with the job's fields."""
    return WriteOffProposal(
        memo_date=job.memo_date,
        reason_code=job.reason_code,
        comment=job.comment,
        revenue_impacting=job.revenue_impacting,
        accounting_code=job.accounting_code,
        full_balance=True,
    )


def bulk_job_work(
    *, job_id: int, limit: int | None = None, hand_over: Callable[[], object] | None = None
) -> None:
    """Write off the job's pending documents, one transaction each, up to `limit` of them.

    `hand_over` queues the next task for this job; it is called first, while documents are
    pending, so that another worker can join at once and a killed worker's job goes on in the
    task it left queued. When no document is free but some are held by other workers, this
    waits for them (up to `TAIL_WAIT_SECONDS`): if their worker dies, its rows come back and
    are taken here. The last worker to find nothing pending marks the job finished.
    """
    job = (
        BulkJob.objects.select_related("created_by", "reason_code", "accounting_code")
        .filter(pk=job_id)
        .first()
    )
    if job is None or not job.is_active:
        return
    BulkJob.objects.filter(pk=job.pk, status=BulkJob.Status.QUEUED).update(
        status=BulkJob.Status.RUNNING
    )
    pending = job.items.filter(status=BulkJobItem.Status.PENDING)
    if hand_over is not None and pending.exists():
        hand_over()
    proposal = job_proposal(job)
    # Every write-off and refusal below is recorded as the job's clerk's, through `bulk`.
    with audit_channel(AuditChannel.BULK, user=job.created_by):
        _work(job, proposal, pending, limit)


bulk_job_work.alters_data = True


def _work(job: BulkJob, proposal: WriteOffProposal, pending, limit: int | None) -> None:
    written, waiting_since = 0, None
    while limit is None or written < limit:
        if _write_off_next(job, proposal):
            written, waiting_since = written + 1, None
        elif not pending.exists():
            _finish(job)
            return
        else:
            waiting_since = waiting_since or time.monotonic()
            if time.monotonic() - waiting_since > TAIL_WAIT_SECONDS:
                return
            time.sleep(0.05)


def _write_off_next(job: BulkJob, proposal: WriteOffProposal) -> bool:
    """Claim the next pending document no other worker holds, write it off and record the
    outcome, all in one transaction. False when there is none to claim."""
    with transaction.atomic():
        item = (
            BulkJobItem.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("document")
            .filter(job=job, status=BulkJobItem.Status.PENDING)
            .order_by("position")
            .first()
        )
        if item is None:
            return False
        document = item.document
        key = LedgerKey(
            Channel.BULK,
            f"bulk-job-{job.pk}-document-{document.pk}",
            proposal.fingerprint(document),
        )
        try:
            memo = document_write_off(
                document=document,
                user=job.created_by,
                # A document changed since the preview is refused, not written off for more
                # or less than the clerk was shown.
                proposal=replace(proposal, seen_balance=item.balance),
                key=key,
            )
        except WriteOffRefused as refused:
            item.status = BulkJobItem.Status.REFUSED
            item.refusal_code, item.refusal = _refusal(item, refused)
        except PermissionDenied as denied:
            item.status = BulkJobItem.Status.REFUSED
            item.refusal_code, item.refusal = WriteOffErrorCode.PERMISSION_DENIED, str(denied)
        except DatabaseError:
            raise  # the connection itself may be gone: the task fails, and its successor retries
        except Exception:
            # Rolled back with the write-off's own savepoint. Recorded, or every later task
            # would stop at this document, and the job with it.
            logger.exception("bulk write-off %s: %s could not be written off", job.pk, document)
            item.status, item.refusal_code = BulkJobItem.Status.REFUSED, UNEXPECTED_ERROR
            item.refusal = (
                "This document could not be written off because of an unexpected error (the "
                "server log has its details). Write it off on its own page, or ask an "
                "administrator."
            )
        else:
            item.status, item.credit_memo, item.written_off = (
                BulkJobItem.Status.DONE,
                memo,
                memo.total,
            )
        item.finished_at = timezone.now()
        item.save(
            update_fields=[
                "status",
                "credit_memo",
                "written_off",
                "refusal_code",
                "refusal",
                "finished_at",
            ]
        )
        events.document_result(job, item)
    return True


def _refusal(item: BulkJobItem, refused: WriteOffRefused) -> tuple[str, str]:
    """The first problem's code and every problem's message, in a bulk job's words."""
    problems = refused.check.problems
    if refused.check.document_changed:
        document, currency = BillingDocument.objects.get(pk=item.document_id), item.currency
        message = (
            f"{document} changed after it was chosen: its balance is now "
            f"{format_amount(document.balance, currency)} {currency}, not "
            f"{format_amount(item.balance, currency)} as in the preview. Write it off on its "
            "own page, or choose it again in a new bulk write-off."
        )
        return WriteOffErrorCode.DOCUMENT_CHANGED, message
    return problems[0].code, " ".join(problem.message for problem in problems)


def _finish(job: BulkJob) -> None:
    BulkJob.objects.filter(pk=job.pk, status__in=BulkJob.ACTIVE).update(
        status=BulkJob.Status.FINISHED, finished_at=timezone.now()
    )
