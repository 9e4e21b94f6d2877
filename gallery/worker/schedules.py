"""The worker's periodic tasks, as django-q Schedules created once (and kept as staff edit them).

Every worker process makes sure of them as it starts (reaper.at_worker_start).

django-q's scheduler queues a schedule's task whenever its time comes, whether or not the last
one has run: behind a painting of an hour, an every-minute task piled up sixty times, then ran in
a burst. So each periodic task here runs one at a time: its Schedule holds a single repeat, which
the scheduler spends as it queues the task (repeats 1 -> 0: nothing more is queued meanwhile),
and which the task's hook gives back once it has run (`rearm`, in the monitor that saves its
result). A task lost on the way (a Redis worker killed while holding it) would hold the repeat
forever, so one not done long after it was queued counts as lost (`rearm_lost`, from every
worker's Watch thread). The reaper is not among them: every worker process's Watch thread reaps
every few seconds (heartbeat.py), busy or idle, which a queued task behind a painting cannot.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone


@dataclass(frozen=True)
class Periodic:
    func: str  # dotted path of the task
    name: str  # what the admin lists
    minutes: int  # every so many minutes
    first_after: timedelta = timedelta(0)


PERIODIC = (
    Periodic("gallery.cleanup.remove_orphans", "Remove media files nothing points to", 60,
             timedelta(minutes=5)),
)
# Schedules of earlier versions, removed as a worker starts: the reaper runs in the Watch thread.
RETIRED = ("gallery.worker.reaper.reap",)
REARM = "gallery.worker.schedules.rearm"  # each periodic task's hook


def ensure_schedules() -> None:
    """Create each periodic task's Schedule if it is missing, give an existing one its repeat
    and hook (earlier versions repeated forever), remove duplicates and retired ones."""
    from django_q.models import Schedule

    Schedule.objects.filter(func__in=RETIRED).delete()
    for task in PERIODIC:
        # One transaction (IMMEDIATE on SQLite: the write lock first), so workers starting
        # together do not both create it; extras from a race elsewhere are removed.
        with transaction.atomic():
            existing = list(Schedule.objects.filter(func=task.func).order_by("pk"))
            if not existing:
                Schedule.objects.create(
                    func=task.func, name=task.name, schedule_type=Schedule.MINUTES,
                    minutes=task.minutes, repeats=1, hook=REARM,
                    next_run=timezone.now() + task.first_after)
            else:
                Schedule.objects.filter(pk=existing[0].pk, repeats__lt=0).update(repeats=1)
                Schedule.objects.filter(pk=existing[0].pk).exclude(hook=REARM).update(hook=REARM)
            for extra in existing[1:]:
                extra.delete()


def rearm(task) -> None:
    """The hook of a periodic task (a django_q Task, run or failed): its schedule may queue the
    next one, at its time (one period from now if that has passed while the task waited)."""
    from django_q.models import Schedule

    for schedule in Schedule.objects.filter(task=task.id, repeats=0):
        _rearm(schedule)


def rearm_lost() -> int:
    """Give back its repeat to a schedule whose task was queued longer ago than the broker's
    `retry` (after which the ORM broker would have handed it out again) and has not run: that
    task is lost. Returns how many."""
    from django_q.models import Schedule

    cutoff = timezone.now() - timedelta(seconds=settings.Q_CLUSTER["retry"])
    # The scheduler moved next_run past the moment it queued the task: earlier than the cutoff,
    # the task was queued earlier still.
    lost = Schedule.objects.filter(func__in=[t.func for t in PERIODIC], repeats=0,
                                   next_run__lt=cutoff)
    count = 0
    for schedule in lost:
        _rearm(schedule)
        count += 1
    return count


def _rearm(schedule) -> None:
    now = timezone.now()
    schedule.repeats = 1
    if schedule.next_run is None or schedule.next_run < now:  # not two runs back to back
        schedule.next_run = now + timedelta(minutes=schedule.minutes or 1)
    schedule.save(update_fields=["repeats", "next_run"])
