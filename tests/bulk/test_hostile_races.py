"""Double submits of Start and Cancel at the same moment, on PostgreSQL's row locks: one
start queues one task and records one entry; one cancel records one entry."""

import threading

import pytest
from django.db import connection

from audit.models import Action, AuditEntry
from bulk.models import BulkJob
from bulk.services import bulk_job_cancel, bulk_job_prepare, bulk_job_start
from tests.bulk.conftest import invoices, proposal, started_job
from tests.conftest import postgresql_only

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]


def at_once(action, times=2):
    """Run `action()` in `times` threads released together; what each returned or raised."""
    barrier, outcomes = threading.Barrier(times), []

    def run():
        try:
            barrier.wait()
            outcomes.append(action())
        except Exception as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_starts_at_once_queue_one_task_and_record_one_start(bulk_clerk):
    job = bulk_job_prepare(user=bulk_clerk, documents=invoices(3), chosen_by="test")
    queued = []

    outcomes = at_once(
        lambda: bulk_job_start(job=job, user=bulk_clerk, proposal=proposal(), enqueue=queued.append)
    )

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["BulkJob", "JobNotStartable"]
    assert queued == [job.pk]
    assert AuditEntry.objects.filter(action=Action.BULK_JOB).count() == 1
    assert BulkJob.objects.get(pk=job.pk).status == BulkJob.Status.QUEUED


def test_two_cancels_at_once_record_one_cancel(bulk_clerk):
    job = started_job(bulk_clerk, invoices(3))

    outcomes = at_once(lambda: bulk_job_cancel(job=job, user=bulk_clerk))

    assert sorted(outcomes) == [0, 3]
    cancels = AuditEntry.objects.filter(action=Action.BULK_JOB, data__event="cancelled")
    assert list(cancels.values_list("data__documents_left", flat=True)) == [3]
