"""A bulk job on the audit trail (SPEC D5): its start and cancel once each, and every document's
write-off or refusal as the job's clerk's, through the `bulk` channel."""

from decimal import Decimal

import pytest

from audit.models import Action, AuditEntry, Channel
from billing.models import BillingDocument
from bulk.services import bulk_job_cancel, bulk_job_work
from tests.bulk.conftest import invoices, started_job

pytestmark = pytest.mark.django_db


def entries(since: int, action: str):
    return AuditEntry.objects.filter(id__gt=since, action=action).order_by("id")


def last_id() -> int:
    return AuditEntry.objects.order_by("id").values_list("id", flat=True).last() or 0


def test_a_job_records_its_start_and_each_documents_write_off_or_refusal(bulk_clerk):
    first, second, third = invoices(3, amount="12.34")
    since = last_id()
    job = started_job(bulk_clerk, [first, second, third])
    (start,) = entries(since, Action.BULK_JOB)
    assert (start.user, start.channel, start.target) == (
        bulk_clerk,
        Channel.BULK,
        f"Bulk write-off {job.pk}",
    )
    assert start.data["event"] == "started"
    assert (start.data["documents"], start.data["totals"]) == (3, {"USD": "37.02"})

    BillingDocument.objects.filter(pk=second.pk).update(status=BillingDocument.Status.CANCELED)
    bulk_job_work(job_id=job.pk)

    written = list(entries(since, Action.WRITE_OFF))
    assert [entry.document_id for entry in written] == [first.pk, third.pk]
    assert {(entry.user, entry.channel) for entry in written} == {(bulk_clerk, Channel.BULK)}
    assert all(entry.amount == Decimal("12.34") for entry in written)
    (refused,) = entries(since, Action.WRITE_OFF_REFUSED)
    assert (refused.document_id, refused.channel, refused.user) == (
        second.pk,
        Channel.BULK,
        bulk_clerk,
    )
    assert refused.data["codes"] == ["not_posted"]


def test_a_cancel_is_recorded_once_with_what_it_left(bulk_clerk):
    job = started_job(bulk_clerk, invoices(3))
    bulk_job_work(job_id=job.pk, limit=1)
    since = last_id()

    bulk_job_cancel(job=job, user=bulk_clerk)
    bulk_job_cancel(job=job, user=bulk_clerk)  # ended already: nothing more to record

    (cancel,) = entries(since, Action.BULK_JOB)
    assert (cancel.user, cancel.channel) == (bulk_clerk, Channel.BULK)
    assert cancel.data == {"event": "cancelled", "documents_left": 2}


def test_a_document_refused_because_the_clerk_lost_the_permission_is_on_the_record(bulk_clerk):
    documents = invoices(2)
    job = started_job(bulk_clerk, documents)
    bulk_clerk.user_permissions.clear()
    since = last_id()

    bulk_job_work(job_id=job.pk)

    refused = list(entries(since, Action.WRITE_OFF_REFUSED))
    assert [entry.document_id for entry in refused] == [document.pk for document in documents]
    assert {(entry.user, entry.channel) for entry in refused} == {(bulk_clerk, Channel.BULK)}
    assert all(entry.data["codes"] == ["permission_denied"] for entry in refused)
