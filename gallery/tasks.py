"""The worker's entry points, as django-q2 tasks. Tasks take ids; the Job row holds the rest.

`enqueue_job` is called once the job's transaction commits (services.job_create) and by the
reaper; `run_job` runs in a qcluster worker process. Duplicated tasks are harmless: the job is
claimed by an atomic status change, so only one of them runs it.
"""
from django_q.tasks import async_task

TASK_GROUP = "style-jobs"


def enqueue_job(job_id: int) -> str:
    """Queue job `job_id` for a worker; returns django-q's task id."""
    return async_task("gallery.tasks.run_job", job_id, group=TASK_GROUP, task_name=f"job-{job_id}")


def run_job(job_id: int) -> str:
    """Run job `job_id` to its end (succeeded, failed or cancelled); never raises for a job's
    failure, which is recorded on the job. Returns the outcome."""
    from .worker.runner import run_job as run  # torch is imported in the worker, not the site

    return run(job_id)
