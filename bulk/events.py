"""What a bulk job does that an auditor would ask about, said in one place: a job started, a job
cancelled, and each document's outcome.

Each is called inside the transaction that made the change it tells of, so an entry is never of
something that was rolled back. A job's start and cancel are `bulk_job` entries of the audit
trail (SPEC D5), through the `bulk` channel from the clerk's address. Each document's write-off
or refusal is recorded by the write-off service itself, as every channel's is: the task runs
inside `audit_channel(Channel.BULK, user=<the job's clerk>)`, so those entries say `bulk` too.
The `bulk` logger also gets a line for each.
"""

import logging

from audit.context import audit_channel, current
from audit.models import Action, Channel
from audit.services import audit_record
from billing.money import plain_amount
from bulk import selectors

logger = logging.getLogger("bulk")


def job_started(job, *, user) -> None:
    # The job's own exact sums: SQLite's SUM would add binary floats.
    progress = selectors.job_progress(job)
    data = {
        "event": "started",
        "chosen_by": job.chosen_by,
        "documents": progress.total,
        "totals": {
            currency: plain_amount(entry.chosen, currency)
            for currency, entry in progress.currencies.items()
        },
        "memo_date": str(job.memo_date),
        "reason_code": job.reason_code and job.reason_code.name,
        "comment": job.comment,
        "revenue_impacting": job.revenue_impacting,
        "accounting_code": job.accounting_code and job.accounting_code.code,
    }
    _record(job, user, data)
    logger.info(
        "bulk write-off %s started by %s: %s document(s), %s",
        job.pk,
        user.get_username(),
        data["documents"],
        job.chosen_by,
    )


def job_cancelled(job, *, user, cancelled: int) -> None:
    _record(job, user, {"event": "cancelled", "documents_left": cancelled})
    logger.info(
        "bulk write-off %s cancelled by %s: %s document(s) left as they were",
        job.pk,
        user.get_username(),
        cancelled,
    )


def _record(job, user, data: dict) -> None:
    here = current()
    with audit_channel(Channel.BULK, address=here.address, request=here.request, user=user):
        audit_record(Action.BULK_JOB, user=user, target=f"Bulk write-off {job.pk}", data=data)


def document_result(job, item) -> None:
    if item.credit_memo_id:
        logger.info(
            "bulk write-off %s: %s written off by credit memo %s (%s %s)",
            job.pk,
            item.document,
            item.credit_memo,
            item.written_off,
            item.currency,
        )
    else:
        logger.info(
            "bulk write-off %s: %s refused (%s): %s",
            job.pk,
            item.document,
            item.refusal_code,
            item.refusal,
        )
