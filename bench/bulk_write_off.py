"""`python -m bench.bulk_write_off`: how many documents a second a bulk write-off job writes off
with 1, 2 and 4 worker processes, and what limits it. Not part of `make test` or CI.

Against PostgreSQL (DATABASE_URL, by default `writeoffs_bench_bulk` on 127.0.0.1, made if
missing): a template database is migrated and loaded once with 5,000 invoices of two lines
(a charge and its tax; `bench.data`). Each run copies it, queues one job of every invoice, and
starts that many `manage.py db_worker` processes; the rate is the documents divided by the time
from the first document written off to the last. Meanwhile the database is asked every 20 ms
how many of its sessions wait for a lock, and the machine's CPU time is read from /proc/stat.

Then, in this process, 300 documents of a fresh copy are written off one by one through the
job's own code, timing each transaction and how long it holds the credit memo counter, which
every write-off of the tenant takes (from the statement that locks it to the commit, as
`bench.lock` measures it): at most 1 / (time held) write-offs a second can commit, however
many workers there are.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from bench.database import copy, ensure, sibling_url

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/writeoffs_bench_bulk"
DOCUMENTS = 5000
LOCK_SAMPLES = 300


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bulk_write_off", description=__doc__)
    parser.add_argument("--workers", default="1,2,4", help="worker counts to run (default 1,2,4)")
    parser.add_argument("--phase", choices=["load", "start", "lock"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        _django_phase(args.phase)
        return
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    template, run = sibling_url(url, "_template"), sibling_url(url, "_run")
    ensure(template)
    _in_django("load", template)
    print(f"bulk write-off of {DOCUMENTS:,} two-line invoices; {os.cpu_count()} CPUs")
    print()
    print(
        "| workers | documents/s | first to last | waiting for a lock (mean sessions) | CPU busy |"
    )
    print("| --- | --- | --- | --- | --- |")
    for workers in (int(n) for n in args.workers.split(",")):
        copy(run, template_url=template)
        print(_run(run, workers), flush=True)
    copy(run, template_url=template)
    print()
    print(_in_django("lock", run).strip())
    print(f"Load average at the end: {os.getloadavg()[0]:.1f}.")


def _in_django(phase: str, url: str) -> str:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("DJANGO_TASKS_BACKEND", None)
    command = [sys.executable, "-m", "bench.bulk_write_off", "--phase", phase]
    return subprocess.run(
        command, cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def _run(url: str, workers: int) -> str:
    job_id = int(_in_django("start", url))
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_LOG_LEVEL": "WARNING"}
    env.pop("DJANGO_TASKS_BACKEND", None)
    command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
    command += ["--interval", "0.1", "--verbosity", "0"]
    cpu_before = _cpu_times()
    processes = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        for _ in range(workers)
    ]
    waiting = []
    try:
        with psycopg.connect(url, autocommit=True) as connection:
            while True:
                status, lock_waits = connection.execute(
                    "SELECT (SELECT status FROM bulk_bulkjob WHERE id = %s), "
                    "(SELECT count(*) FROM pg_stat_activity "
                    " WHERE datname = current_database() AND wait_event_type = 'Lock')",
                    [job_id],
                ).fetchone()
                waiting.append(lock_waits)
                if status == "finished":
                    break
                if any(process.poll() is not None for process in processes):
                    raise SystemExit("a worker stopped before the job finished")
                time.sleep(0.02)
            cpu_after = _cpu_times()
            done, seconds = connection.execute(
                "SELECT count(*) FILTER (WHERE status = 'done'), "
                "extract(epoch FROM max(finished_at) - min(finished_at)) "
                "FROM bulk_bulkjobitem WHERE job_id = %s",
                [job_id],
            ).fetchone()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    busy = _busy_share(cpu_before, cpu_after)
    mean_waiting = sum(waiting) / len(waiting)
    return (
        f"| {workers} | {done / float(seconds):,.0f} | {float(seconds):.1f} s | "
        f"{mean_waiting:.2f} | {busy:.0%} |"
    )


def _cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def _busy_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    return (after[0] - before[0]) / max(1, after[1] - before[1])


def _django_phase(phase: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    if phase == "load":
        call_command("migrate", verbosity=0)
        _load()
    elif phase == "start":
        print(_start())
    else:
        _measure_lock()


def _load() -> None:
    from django.contrib.auth.models import Permission

    from bench import data

    data._user_ensure("bench-only")
    user = _user()
    user.user_permissions.add(Permission.objects.get(codename="bulk_write_off"))
    data._bulk_invoices_ensure(DOCUMENTS, data._accounts_ensure(), data._codes_ensure())


def _user():
    from django.contrib.auth import get_user_model

    from bench.data import USERNAME

    return get_user_model().objects.get(username=USERNAME)


def _start() -> int:
    from django.utils import timezone

    from bench.data import BULK_PREFIX
    from billing.models import BillingDocument
    from bulk.services import bulk_job_prepare, bulk_job_start
    from bulk.tasks import bulk_job_enqueue
    from writeoffs.checks import WriteOffProposal
    from writeoffs.models import ReasonCode

    user = _user()
    documents = BillingDocument.objects.filter(number__startswith=BULK_PREFIX).order_by("number")
    job = bulk_job_prepare(user=user, documents=documents[:DOCUMENTS], chosen_by="benchmark")
    proposal = WriteOffProposal(
        memo_date=timezone.localdate(), reason_code=ReasonCode.objects.default(), full_balance=True
    )
    return bulk_job_start(job=job, user=user, proposal=proposal, enqueue=bulk_job_enqueue).pk


def _measure_lock() -> None:
    from django.db import connection

    from bench.lock import _counter_table, _CounterWatch
    from bulk import services
    from bulk.models import BulkJob

    job = BulkJob.objects.select_related("created_by", "reason_code").get(pk=_start())
    proposal = services.job_proposal(job)
    table = _counter_table()
    total = held = 0.0
    for sample in range(LOCK_SAMPLES + 20):
        watch = _CounterWatch(table)
        started = time.perf_counter()
        with connection.execute_wrapper(watch):
            services._write_off_next(job, proposal)
        finished = time.perf_counter()
        if sample >= 20:  # the first ones warm the caches
            total += finished - started
            held += watch.committed - watch.locked
    total_ms, held_ms = total / LOCK_SAMPLES * 1000, held / LOCK_SAMPLES * 1000
    print(
        f"One document's transaction (claim, write-off, outcome), one worker: {total_ms:.1f} ms, "
        f"of which the memo counter is held {held_ms:.2f} ms ({held_ms / total_ms:.0%}): the "
        f"counter alone would allow at most {1000 / held_ms:,.0f} documents/s."
    )


if __name__ == "__main__":
    main()
