"""What a bulk job does that an auditor would ask about, said in one place: a job started, a job
cancelled, and each document's outcome.

Each is called inside the transaction that made the change it tells of, so a record kept here
is never of something that was rolled back. Today they are written to the `bulk` logger; the
audit trail (SPEC D5) records them here.
"""

import logging

logger = logging.getLogger("bulk")


def job_started(job, *, user) -> None:
    logger.info(
        "bulk write-off %s started by %s: %s document(s), %s",
        job.pk,
        user.get_username(),
        job.items.count(),
        job.chosen_by,
    )


def job_cancelled(job, *, user, cancelled: int) -> None:
    logger.info(
        "bulk write-off %s cancelled by %s: %s document(s) left as they were",
        job.pk,
        user.get_username(),
        cancelled,
    )


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
