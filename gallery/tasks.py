"""The worker's entry points, as django-q2 tasks. Tasks take ids; the rows hold the rest.

Two lanes. Full paintings and trainings run on the main cluster (`manage.py qcluster`), one at a
time per worker for minutes. Instant paintings, full paintings' previews and finished paintings'
new colours run on the instant cluster (`Q_CLUSTER_NAME=instant manage.py qcluster`,
settings.Q_CLUSTER["ALT_CLUSTERS"]), whose queue nothing long ever enters: an instant painting
waits for at most other instant ones.

`enqueue_job` is called once the job's transaction commits (services.job_create) and by the
reaper. A full painting's task is a wake-up call: the worker runs the fairest queued painting,
so the table, not the broker, decides the order. Duplicated tasks are harmless: a job is claimed
by an atomic status change, so only one of them runs it, and a spare call finds nothing to do.
"""
from django_q.tasks import async_task

TASK_GROUP = "style-jobs"
INSTANT_CLUSTER = "instant"


def enqueue_job(job_id: int) -> str | None:
    """Queue job `job_id` in its lane (and a full painting's preview in the instant lane)."""
    from .models import Job, Theme

    job = Job.objects.filter(pk=job_id).only("mode", "preview").first()
    if job is None:
        return None
    if job.mode == Job.Mode.INSTANT:
        return async_task("gallery.tasks.run_instant_job", job_id, group=TASK_GROUP,
                          task_name=f"instant-{job_id}", cluster=INSTANT_CLUSTER)
    networks = Theme.objects.filter(job_themes__job_id=job_id).values_list("network", flat=True)
    if not job.preview and networks and all(networks):
        async_task("gallery.tasks.make_preview", job_id, group=TASK_GROUP,
                   task_name=f"preview-{job_id}", cluster=INSTANT_CLUSTER)
    return async_task("gallery.tasks.run_job", job_id, group=TASK_GROUP, task_name=f"job-{job_id}")


def enqueue_recolor(job_id: int) -> str:
    """Queue making a finished painting's new colours (services.job_set_colors) in the instant
    lane: a second's work from its raw result, never behind a full painting."""
    return async_task("gallery.tasks.recolor_job", job_id, group=TASK_GROUP,
                      task_name=f"colors-{job_id}", cluster=INSTANT_CLUSTER)


def wake_worker() -> str:
    """One more wake-up call for a full-painting worker (see `run_job`)."""
    return async_task("gallery.tasks.run_job", None, group=TASK_GROUP, task_name="job-next")


def enqueue_training(run_id: int) -> str:
    """Queue training run `run_id` on the main cluster (it takes as long as a painting)."""
    return async_task("gallery.tasks.run_training", run_id, group=TASK_GROUP,
                      task_name=f"training-{run_id}")


def run_job(job_id: int | None = None) -> str:
    """A wake-up call for a full-painting worker: it runs the fairest queued painting to its
    end (gallery/queue.py), which need not be `job_id`, the job whose creation sent the call.
    Never raises for a job's failure, which is recorded on the job. Returns the outcome."""
    from .worker.runner import run_next_job  # torch is imported in the worker, not the site

    return run_next_job()


def run_instant_job(job_id: int) -> str:
    from .worker.instant import run_instant_job as run

    return run(job_id)


def make_preview(job_id: int) -> str:
    from .worker.instant import make_preview as make

    return make(job_id)


def recolor_job(job_id: int) -> str:
    from .worker.instant import recolor_job as recolor

    return recolor(job_id)


def run_training(run_id: int) -> str:
    from .worker.training import run_training as run

    return run(run_id)
