"""The bulk write-off service: each document written off in full, once, through the one
write-off service; refusals recorded and the job going on; cancel; start's checks."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from billing.models import AccountingCode, BillingDocument
from bulk import services
from bulk.models import BulkJob, BulkJobItem
from bulk.services import (
    JobNotStartable,
    bulk_job_cancel,
    bulk_job_prepare,
    bulk_job_start,
    bulk_job_work,
)
from bulk.tasks import bulk_job_enqueue
from tests.bulk.conftest import invoices, proposal, started_job, total_written_off
from tests.conftest import VIEW_DOCUMENTS, WRITE_OFF
from tests.factories import AccountingCodeFactory, UserFactory, add_line, write_off
from writeoffs.models import CreditMemo, ReasonCode, RequestKey, WriteOffSettings
from writeoffs.services import WriteOffRefused

pytestmark = pytest.mark.django_db


def test_a_job_writes_off_every_document_in_full_once(bulk_clerk, immediate_tasks):
    documents = invoices(3, amount="12.34")
    job = started_job(bulk_clerk, documents, enqueue=bulk_job_enqueue, comment="Bankrupt")

    job.refresh_from_db()
    assert job.status == BulkJob.Status.FINISHED
    assert job.finished_at is not None
    for document in documents:
        document.refresh_from_db()
        assert document.balance == 0
        memo = document.credit_memos.get()
        assert memo.total == Decimal("12.34")
        assert memo.comment == "Bankrupt"
        assert memo.created_by == bulk_clerk
        assert memo.memo_date == datetime.date(2026, 11, 1)
    items = list(job.items.order_by("position"))
    assert [item.status for item in items] == [BulkJobItem.Status.DONE] * 3
    assert [item.credit_memo.document_id for item in items] == [d.pk for d in documents]
    assert all(item.written_off == Decimal("12.34") for item in items)
    keys = RequestKey.objects.filter(channel=RequestKey.Channel.BULK, user=bulk_clerk)
    assert sorted(keys.values_list("key", flat=True)) == sorted(
        f"bulk-job-{job.pk}-document-{d.pk}" for d in documents
    )


def test_a_repeated_document_gets_the_memo_its_key_made_not_a_second(bulk_clerk):
    """A worker that wrote a document off and then lost its record of it (here: the row put
    back to pending) finds the memo again through the document's ledger key."""
    (document,) = invoices(1)
    job = started_job(bulk_clerk, [document])
    bulk_job_work(job_id=job.pk)
    item = job.items.get()
    memo = item.credit_memo

    # Undo the balance too, so that only the key can tell this document was written off.
    BillingDocument.objects.filter(pk=document.pk).update(balance=Decimal("10.00"))
    BulkJobItem.objects.filter(pk=item.pk).update(
        status=BulkJobItem.Status.PENDING, credit_memo=None, written_off=None
    )
    BulkJob.objects.filter(pk=job.pk).update(status=BulkJob.Status.RUNNING)
    bulk_job_work(job_id=job.pk)

    item.refresh_from_db()
    assert item.status == BulkJobItem.Status.DONE
    assert item.credit_memo == memo
    assert CreditMemo.objects.filter(document=document).count() == 1


def test_a_refused_document_is_recorded_with_its_reason_and_the_job_goes_on(bulk_clerk):
    first, second, third = invoices(3)
    job = started_job(bulk_clerk, [first, second, third])
    BillingDocument.objects.filter(pk=second.pk).update(status=BillingDocument.Status.CANCELED)

    bulk_job_work(job_id=job.pk)

    statuses = dict(job.items.values_list("document_id", "status"))
    assert statuses == {
        first.pk: BulkJobItem.Status.DONE,
        second.pk: BulkJobItem.Status.REFUSED,
        third.pk: BulkJobItem.Status.DONE,
    }
    refused = job.items.get(document=second)
    assert refused.refusal_code == "not_posted"
    assert "Only posted documents can be written off" in refused.refusal
    assert not CreditMemo.objects.filter(document=second).exists()
    job.refresh_from_db()
    assert job.status == BulkJob.Status.FINISHED


def test_a_document_changed_after_the_preview_is_refused_not_written_off_for_more(bulk_clerk):
    (document,) = invoices(1, amount="100.00")
    line = document.lines.get()
    job = started_job(bulk_clerk, [document])
    write_off(document, bulk_clerk, [(line, "30.00")])  # a clerk's own write-off meanwhile

    bulk_job_work(job_id=job.pk)

    item = job.items.get()
    assert item.status == BulkJobItem.Status.REFUSED
    assert item.refusal_code == "document_changed"
    assert "its balance is now 70.00 USD, not 100.00 as in the preview" in item.refusal
    document.refresh_from_db()
    assert document.balance == Decimal("70.00")
    assert total_written_off(document) == Decimal("30.00")


def test_a_document_dated_after_the_write_off_date_is_refused_with_the_rule(bulk_clerk):
    (late,) = invoices(1, date=datetime.date(2026, 11, 5), due_date=datetime.date(2026, 12, 5))
    job = started_job(bulk_clerk, [late], memo_date=datetime.date(2026, 11, 1))

    bulk_job_work(job_id=job.pk)

    item = job.items.get()
    assert item.refusal_code == "date_before_document"
    assert "cannot be before the document date, 2026-11-05" in item.refusal


def test_a_job_books_to_the_expense_code_when_not_revenue_impacting(bulk_clerk):
    bad_debt = AccountingCodeFactory(code="6100", type=AccountingCode.Type.BAD_DEBT)
    (document,) = invoices(1)
    job = started_job(bulk_clerk, [document], revenue_impacting=False, accounting_code=bad_debt)

    bulk_job_work(job_id=job.pk)

    memo = job.items.get().credit_memo
    assert not memo.revenue_impacting
    assert {item.accounting_code for item in memo.items.all()} == {bad_debt}


def test_start_checks_the_fields_through_the_one_check(bulk_clerk):
    (document,) = invoices(1)
    job = bulk_job_prepare(user=bulk_clerk, documents=[document], chosen_by="test")
    inactive = ReasonCode.objects.create(name="Old reason", active=False)
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    wrong = proposal(
        memo_date=tomorrow, reason_code=inactive, comment="x" * 256, revenue_impacting=False
    )

    with pytest.raises(WriteOffRefused) as refused:
        bulk_job_start(job=job, user=bulk_clerk, proposal=wrong, enqueue=bulk_job_enqueue)

    assert refused.value.check.codes() == {
        "memo_date": ["date_in_future"],
        "reason_code": ["inactive"],
        "comment": ["comment_too_long"],
        "accounting_code": ["required"],
    }
    job.refresh_from_db()
    assert job.status == BulkJob.Status.DRAFT


def test_start_refuses_not_revenue_impacting_when_enhanced_write_off_is_off(bulk_clerk):
    WriteOffSettings.objects.update_or_create(pk=1, defaults={"enhanced_write_off": False})
    bad_debt = AccountingCodeFactory(code="6100", type=AccountingCode.Type.BAD_DEBT)
    job = bulk_job_prepare(user=bulk_clerk, documents=invoices(1), chosen_by="test")

    with pytest.raises(WriteOffRefused) as refused:
        bulk_job_start(
            job=job,
            user=bulk_clerk,
            proposal=proposal(revenue_impacting=False, accounting_code=bad_debt),
            enqueue=bulk_job_enqueue,
        )
    assert refused.value.check.codes() == {"revenue_impacting": ["enhanced_write_off_off"]}


def test_a_second_start_queues_nothing_more(bulk_clerk):
    queued = []
    job = started_job(bulk_clerk, invoices(1), enqueue=queued.append)

    with pytest.raises(JobNotStartable):
        bulk_job_start(job=job, user=bulk_clerk, proposal=proposal(), enqueue=queued.append)
    assert queued == [job.pk]


@pytest.mark.parametrize(
    "permissions",
    [[VIEW_DOCUMENTS, WRITE_OFF], [VIEW_DOCUMENTS, "writeoffs.bulk_write_off"]],
    ids=["without the bulk permission", "without the write-off permission"],
)
def test_preparing_and_starting_need_both_permissions(bulk_clerk, permissions):
    user = UserFactory(username="someone", permissions=permissions)
    with pytest.raises(PermissionDenied):
        bulk_job_prepare(user=user, documents=invoices(1), chosen_by="test")
    job = bulk_job_prepare(user=bulk_clerk, documents=invoices(1), chosen_by="test")
    with pytest.raises(PermissionDenied):
        bulk_job_start(job=job, user=user, proposal=proposal(), enqueue=bulk_job_enqueue)


def test_a_clerk_who_lost_the_permission_has_each_document_refused_saying_so(bulk_clerk):
    job = started_job(bulk_clerk, invoices(2))
    bulk_clerk.user_permissions.clear()

    bulk_job_work(job_id=job.pk)

    assert set(job.items.values_list("status", "refusal_code")) == {
        (BulkJobItem.Status.REFUSED, "permission_denied")
    }
    assert not CreditMemo.objects.exists()


def test_cancel_leaves_what_is_written_off_and_stops_the_rest(bulk_clerk):
    documents = invoices(5)
    job = started_job(bulk_clerk, documents)
    bulk_job_work(job_id=job.pk, limit=2)

    assert bulk_job_cancel(job=job, user=bulk_clerk) == 3
    bulk_job_work(job_id=job.pk)  # a task queued before the cancel does nothing

    job.refresh_from_db()
    assert job.status == BulkJob.Status.CANCELLED
    assert job.cancelled_by == bulk_clerk
    statuses = list(job.items.order_by("position").values_list("status", flat=True))
    assert statuses == ["done", "done", "cancelled", "cancelled", "cancelled"]
    assert CreditMemo.objects.count() == 2
    assert bulk_job_cancel(job=job, user=bulk_clerk) == 0


def test_a_task_hands_the_rest_over_before_it_starts_its_part(bulk_clerk):
    job = started_job(bulk_clerk, invoices(5))
    handed_over = []

    bulk_job_work(job_id=job.pk, limit=2, hand_over=lambda: handed_over.append(len(handed_over)))
    assert handed_over == [0]
    assert job.items.filter(status=BulkJobItem.Status.DONE).count() == 2
    job.refresh_from_db()
    assert job.status == BulkJob.Status.RUNNING

    bulk_job_work(job_id=job.pk, limit=10, hand_over=lambda: handed_over.append(1))
    bulk_job_work(job_id=job.pk, limit=10, hand_over=lambda: handed_over.append(2))
    assert handed_over == [0, 1]  # the last task found nothing pending: nothing more queued
    job.refresh_from_db()
    assert job.status == BulkJob.Status.FINISHED


def test_a_worker_waits_for_documents_others_hold_then_leaves_them(bulk_clerk, monkeypatch):
    """While every pending document is held by another worker, this one waits a while for them
    (their worker may die, and then they are its to take), then leaves them."""
    job = started_job(bulk_clerk, invoices(1))
    monkeypatch.setattr(services, "_write_off_next", lambda job, proposal: False)
    monkeypatch.setattr(services, "TAIL_WAIT_SECONDS", 0.2)

    bulk_job_work(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == BulkJob.Status.RUNNING  # not finished: the document is still pending


def test_drafts_of_more_than_a_day_are_removed_when_the_clerk_previews_again(bulk_clerk):
    old = bulk_job_prepare(user=bulk_clerk, documents=invoices(1), chosen_by="old")
    BulkJob.objects.filter(pk=old.pk).update(created_at=old.created_at - datetime.timedelta(days=2))
    started = started_job(bulk_clerk, invoices(1))

    bulk_job_prepare(user=bulk_clerk, documents=invoices(1), chosen_by="new")

    assert not BulkJob.objects.filter(pk=old.pk).exists()
    assert BulkJob.objects.filter(pk=started.pk).exists()


def test_a_debit_memo_is_written_off_as_an_invoice_is(bulk_clerk):
    from tests.factories import DebitMemoFactory

    memo_document = DebitMemoFactory()
    add_line(memo_document, amount="5.00")
    job = started_job(bulk_clerk, [memo_document])

    bulk_job_work(job_id=job.pk)

    memo_document.refresh_from_db()
    assert memo_document.balance == 0
    assert job.items.get().status == BulkJobItem.Status.DONE


def test_a_document_that_fails_unexpectedly_is_refused_saying_so_and_the_job_goes_on(
    bulk_clerk, monkeypatch, caplog
):
    first, broken, last = invoices(3)
    job = started_job(bulk_clerk, [first, broken, last])
    real = services.document_write_off

    def failing(*, document, **kwargs):
        if document.pk == broken.pk:
            raise ValueError("something no rule names")
        return real(document=document, **kwargs)

    monkeypatch.setattr(services, "document_write_off", failing)
    bulk_job_work(job_id=job.pk)

    item = job.items.get(document=broken)
    assert item.status == BulkJobItem.Status.REFUSED
    assert item.refusal_code == "unexpected_error"
    assert item.refusal.startswith("This document could not be written off because of an")
    assert "something no rule names" in caplog.text  # in the log, not shown to the clerk
    assert list(job.items.values_list("status", flat=True).order_by("position")) == [
        "done",
        "refused",
        "done",
    ]
    job.refresh_from_db()
    assert job.status == BulkJob.Status.FINISHED
