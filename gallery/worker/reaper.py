"""Jobs whose worker died are never left "running": resumed, or failed with the reason.

A running job's worker beats for it from a thread of its own (heartbeat.py, every few seconds,
whatever the engine is doing). A job without a heartbeat for STYLE_STALE_SECONDS lost its worker
(killed, out of memory, machine gone; neither broker notices: Redis has no receipts and the ORM broker redelivers only after
`retry`). The reaper then puts it back in the queue, to resume from its last snapshot, or marks it
failed once it has been claimed STYLE_MAX_ATTEMPTS times. A job whose owner asked to cancel it is
simply cancelled.

It runs by itself: in every worker process as it starts (`post_spawn`, see signals.py), then
every few seconds from a thread of each worker process (heartbeat.Watch), busy or idle; never as
a queued task, which would wait behind the paintings. Every change is a conditional UPDATE on the
heartbeat read, so reapers running at once act on a job only once.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ..models import Job, TrainingRun
from . import conf

log = logging.getLogger(__name__)

# What the reaper settles: jobs and training runs share their life (runner.py, training.py).
# model -> (what it is called, its task's name in gallery.tasks)
_KINDS = {Job: ("job", "enqueue_job"), TrainingRun: ("training run", "enqueue_training")}


def reap() -> dict:
    """Settle every running job and training run with a stale heartbeat; counts by outcome."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=conf.stale_seconds())
    counts = {"requeued": 0, "failed": 0, "cancelled": 0}
    for model in _KINDS:
        stale = model.objects.filter(status=model.Status.RUNNING, heartbeat_at__lt=cutoff).only(
            "pk", "attempts", "heartbeat_at", "cancel_requested", model.COUNTER
        )
        for row in stale:
            outcome = _settle(row, now)
            if outcome:
                counts[outcome] += 1
        # A running row without any heartbeat cannot be made by a runner; settle it all the same.
        model.objects.filter(status=model.Status.RUNNING, heartbeat_at__isnull=True).update(
            heartbeat_at=now)
    if any(counts.values()):
        log.warning("reaper: %s", ", ".join(f"{n} {k}" for k, n in counts.items() if n))
    return counts


def _settle(job, now) -> str | None:
    """Requeue, fail or cancel one stale job or training run (`job`)."""
    model = type(job)
    kind, task = _KINDS[model]
    counter = model.COUNTER
    # Matches only if nobody (a live worker, another reaper) touched the row since we read it.
    same = model.objects.filter(pk=job.pk, status=model.Status.RUNNING,
                                heartbeat_at=job.heartbeat_at)
    silent = int((now - job.heartbeat_at).total_seconds())
    if job.cancel_requested:
        done = same.update(status=model.Status.CANCELLED, remaining=None, finished_at=now,
                           updated_at=now)
        _ended(job, done)
        return "cancelled" if done else None
    if job.attempts >= conf.max_attempts():
        reason = (
            f"The worker running this {kind} stopped (no progress for {silent} s, at {counter} "
            f"{getattr(job, counter)}) and it had been tried {job.attempts} of {conf.max_attempts()} "
            "times, so it was given up. This happens when the machine runs out of memory or the "
            "job runs past the worker's time limit: try a smaller size or fewer iterations."
        )
        done = same.update(status=model.Status.FAILED, error=reason, remaining=None,
                           finished_at=now, updated_at=now)
        _ended(job, done)
        return "failed" if done else None
    done = same.update(status=model.Status.QUEUED, remaining=None, heartbeat_at=None,
                       updated_at=now)
    if not done:
        return None
    log.warning("%s %s: worker silent for %s s at %s %s; requeued (attempt %s of %s)", kind,
                job.pk, silent, counter, getattr(job, counter), job.attempts + 1,
                conf.max_attempts())
    _enqueue_on_commit(job.pk, task)
    return "requeued"


def _ended(row, done: int) -> None:
    """A job the reaper has ended keeps no exact state to resume from; its owner hears of a
    failed one as of any other (services.job_email_finished: if they asked, once)."""
    if done and isinstance(row, Job):
        from .. import services

        services.job_drop_state(job_id=row.pk)
        services.job_email_finished(job_id=row.pk)


def requeue_lost_tasks() -> int:
    """Enqueue again the queued jobs and training runs that waited a stale while: their task
    may be lost.

    Run once per worker start only. A worker that dies takes with it the tasks its cluster had
    fetched (the ORM broker gives them out again only after `retry` seconds, Redis never). A
    duplicate task is harmless: the claim lets one run, the other finds the job taken.
    """
    now = timezone.now()
    cutoff = now - timedelta(seconds=conf.stale_seconds())
    count = 0
    for model, (_, task) in _KINDS.items():
        queued = model.objects.filter(status=model.Status.QUEUED, updated_at__lt=cutoff)
        for pk in queued.values_list("pk", flat=True):
            # Touching updated_at first: several workers starting together enqueue it once.
            if queued.filter(pk=pk).update(updated_at=now):
                _enqueue_on_commit(pk, task)
                count += 1
    if count:
        log.warning("reaper: %s queued job(s) or training(s) enqueued again at worker start",
                    count)
    return count


def at_worker_start() -> None:
    """Everything a starting worker does before its first task."""
    from .heartbeat import start_watch
    from .schedules import ensure_schedules

    ensure_schedules()
    start_watch()
    reap()
    requeue_lost_tasks()


def _enqueue_on_commit(pk: int, task: str = "enqueue_job") -> None:
    from .. import tasks

    transaction.on_commit(lambda: getattr(tasks, task)(pk))
