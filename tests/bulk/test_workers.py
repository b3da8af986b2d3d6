"""Real worker processes (`manage.py db_worker`) against PostgreSQL: two share a job and write
each document off exactly once; a worker killed mid-job leaves nothing half done, and the next
one finishes the job; a clerk's write-off during the job never leads to over-crediting."""

import os
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from billing.models import BillingDocument
from bulk.models import BulkJob, BulkJobItem
from bulk.services import bulk_job_work
from bulk.tasks import bulk_job_enqueue
from tests.bulk.conftest import invoices, started_job, total_written_off
from tests.conftest import postgresql_only
from tests.factories import write_off
from writeoffs.models import CreditMemo

ROOT = Path(__file__).resolve().parents[2]
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = DATABASE_TASKS


@pytest.fixture
def start_worker(tmp_path):
    """Start a `db_worker` process on this test's database; all are stopped at the end."""
    started = []
    name = connection.settings_dict["NAME"]
    url = os.environ["DATABASE_URL"].split("?")[0].rsplit("/", 1)[0] + f"/{name}"

    def start(worker_id: str) -> subprocess.Popen:
        env = {**os.environ, "DATABASE_URL": url}
        env.pop("DJANGO_TASKS_BACKEND", None)
        command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
        command += ["--interval", "0.1", "--worker-id", worker_id]
        log_path = tmp_path / f"{worker_id}.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        process.log_path = log_path
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_for(condition, timeout=120.0, what="the job to finish", workers=()):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
            logs = "\n".join(w.log_path.read_text()[-3000:] for w in workers)
            raise AssertionError(f"gave up waiting for {what}; the workers said:\n{logs}")
        time.sleep(0.2)


def sessions_waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def finished(job) -> bool:
    return BulkJob.objects.get(pk=job.pk).status == BulkJob.Status.FINISHED


def assert_each_written_off_exactly_once(job, documents, amount):
    assert set(job.items.values_list("status", flat=True)) == {BulkJobItem.Status.DONE}
    memos = CreditMemo.objects.filter(document__in=documents)
    assert memos.count() == len(documents)
    assert set(memos.values_list("document", flat=True)) == {d.pk for d in documents}
    assert set(memos.values_list("total", flat=True)) == {Decimal(amount)}
    assert set(
        BillingDocument.objects.filter(pk__in=[d.pk for d in documents]).values_list(
            "balance", flat=True
        )
    ) == {Decimal(0)}
    numbers = sorted(memos.values_list("number", flat=True))
    assert numbers == [f"CM{n:08d}" for n in range(1, len(documents) + 1)]  # gapless
    assert set(job.items.values_list("credit_memo", flat=True)) == set(
        memos.values_list("pk", flat=True)
    )


def test_two_workers_write_off_500_documents_each_exactly_once(
    bulk_clerk, database_tasks, start_worker
):
    documents = invoices(500, amount="3.21")
    job = started_job(bulk_clerk, documents, enqueue=bulk_job_enqueue)

    workers = [start_worker("w1"), start_worker("w2")]
    wait_for(lambda: finished(job), workers=workers)

    assert_each_written_off_exactly_once(job, documents, "3.21")
    workers = {
        worker
        for ids in DBTaskResult.objects.successful().values_list("worker_ids", flat=True)
        for worker in ids
    }
    assert workers == {"w1", "w2"}  # both took part


def test_a_worker_killed_mid_job_leaves_its_document_to_the_next_which_finishes_the_job(
    bulk_clerk, database_tasks, start_worker
):
    documents = invoices(500, amount="1.00")
    job = started_job(bulk_clerk, documents, enqueue=bulk_job_enqueue)
    done = job.items.filter(status=BulkJobItem.Status.DONE)

    first = start_worker("w1")
    wait_for(lambda: done.count() >= 50, what="some documents", workers=[first])
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    assert done.count() < 500, "the job ended before the worker could be killed"
    assert not finished(job)

    wait_for(lambda: finished(job), workers=[start_worker("w2")])

    assert_each_written_off_exactly_once(job, documents, "1.00")


def test_a_document_a_clerk_writes_off_during_the_job_is_refused_never_over_credited(
    bulk_clerk, clerk
):
    documents = invoices(3, amount="100.00")
    target = documents[1]
    job = started_job(bulk_clerk, documents)
    clerk_holds_the_document, bulk_may_go_on = threading.Event(), threading.Event()
    outcomes = []

    def clerk_writes_off_part():
        try:
            with transaction.atomic():
                # The clerk's write-off has locked the document (its memo number, drawn at
                # the very end, is not taken yet) when the worker comes to it.
                BillingDocument.objects.select_for_update().get(pk=target.pk)
                clerk_holds_the_document.set()
                bulk_may_go_on.wait(timeout=30)
                write_off(target, clerk, [(target.lines.get(), "40.00")])
        finally:
            connection.close()

    def bulk_worker():
        try:
            bulk_job_work(job_id=job.pk)
            outcomes.append("worked")
        except Exception as error:  # any other outcome fails the test below
            outcomes.append(error)
        finally:
            connection.close()

    clerk_thread = threading.Thread(target=clerk_writes_off_part)
    clerk_thread.start()
    assert clerk_holds_the_document.wait(timeout=30)
    worker_thread = threading.Thread(target=bulk_worker)
    worker_thread.start()
    wait_for(
        lambda: job.items.filter(status=BulkJobItem.Status.DONE).count() == 1,
        what="the first document",
    )
    time.sleep(0.3)  # the worker now waits for the clerk's lock on the second document
    assert job.items.get(document=target).status == BulkJobItem.Status.PENDING
    bulk_may_go_on.set()
    clerk_thread.join(timeout=30)
    worker_thread.join(timeout=30)

    assert outcomes == ["worked"]
    item = job.items.get(document=target)
    assert item.status == BulkJobItem.Status.REFUSED
    assert item.refusal_code == "document_changed"
    target.refresh_from_db()
    assert target.balance == Decimal("60.00")
    assert total_written_off(target) == Decimal("40.00")
    for other in (documents[0], documents[2]):
        other.refresh_from_db()
        assert other.balance == 0
        assert total_written_off(other) == Decimal("100.00")


def test_cancel_waits_for_the_document_being_written_off_and_leaves_it_written_off(
    bulk_clerk,
):
    from bulk.services import bulk_job_cancel

    documents = invoices(5, amount="10.00")
    job = started_job(bulk_clerk, documents)
    held, release = threading.Event(), threading.Event()
    outcomes = []

    def clerk_holds_the_second_document():
        try:
            with transaction.atomic():
                BillingDocument.objects.select_for_update().get(pk=documents[1].pk)
                held.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    def run(name, work):
        try:
            work()
            outcomes.append(name)
        except Exception as error:  # any other outcome fails the test below
            outcomes.append(error)
        finally:
            connection.close()

    holder = threading.Thread(target=clerk_holds_the_second_document)
    holder.start()
    assert held.wait(timeout=30)
    worker = threading.Thread(target=run, args=("worked", lambda: bulk_job_work(job_id=job.pk)))
    worker.start()
    wait_for(lambda: job.items.filter(status="done").count() == 1, what="the first document")
    # The worker has claimed the second document and waits for the clerk's lock on it.
    wait_for(lambda: sessions_waiting_for_a_lock() == 1, what="the worker to wait for the clerk")
    canceller = threading.Thread(
        target=run, args=("cancelled", lambda: bulk_job_cancel(job=job, user=bulk_clerk))
    )
    canceller.start()
    time.sleep(0.3)
    assert canceller.is_alive(), "the cancel did not wait for the document being written off"
    release.set()
    for thread in (holder, worker, canceller):
        thread.join(timeout=30)

    assert sorted(outcomes, key=str) == ["cancelled", "worked"]
    statuses = list(job.items.order_by("position").values_list("status", flat=True))
    assert statuses == ["done", "done", "cancelled", "cancelled", "cancelled"]
    assert CreditMemo.objects.count() == 2
    job.refresh_from_db()
    assert job.status == BulkJob.Status.CANCELLED
