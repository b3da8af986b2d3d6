"""The background task of a bulk write-off, on Django's Tasks framework (`django.tasks`).

With the database backend (`django_tasks_db`) every `db_worker` process, on any machine that
reaches the database, takes queued tasks; each task writes off up to `CHUNK` documents of its
job and queues the next one first (`bulk.services.bulk_job_work`), so the workers share a job
and a job outlives any one of them.
"""

from django.tasks import task
from django.tasks.backends.immediate import ImmediateBackend

from bulk.services import bulk_job_work

#: Documents one task writes off before it ends, so that jobs queued together take turns and
#: a worker stopped between tasks leaves nothing half done.
CHUNK = 100


@task
def bulk_job_run(job_id: int) -> None:
    """Work off part of job `job_id`, having queued the next part."""
    if isinstance(bulk_job_run.get_backend(), ImmediateBackend):
        # This backend runs a task inside the call that queues it: handing over first would
        # run the next part before this one, and so on without end. The job runs here whole.
        bulk_job_work(job_id=job_id)
        return
    bulk_job_work(job_id=job_id, limit=CHUNK, hand_over=lambda: bulk_job_run.enqueue(job_id))


def bulk_job_enqueue(job_id: int) -> None:
    bulk_job_run.enqueue(job_id)
