"""The worker's periodic tasks, as django-q Schedules created once (and kept as staff edit them).

Every worker process makes sure of them as it starts (reaper.at_worker_start).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone


@dataclass(frozen=True)
class Periodic:
    func: str  # dotted path of the task
    name: str  # what the admin lists
    minutes: int  # every so many minutes
    first_after: timedelta = timedelta(0)


PERIODIC = (
    Periodic("gallery.worker.reaper.reap", "Requeue or fail jobs whose worker died", 1),
    Periodic("gallery.cleanup.remove_orphans", "Remove media files nothing points to", 60,
             timedelta(minutes=5)),
)


def ensure_schedules() -> None:
    """Create each periodic task's Schedule if it is missing; remove duplicates."""
    from django_q.models import Schedule

    for task in PERIODIC:
        # One transaction (IMMEDIATE on SQLite: the write lock first), so workers starting
        # together do not both create it; extras from a race elsewhere are removed.
        with transaction.atomic():
            existing = list(Schedule.objects.filter(func=task.func).order_by("pk"))
            if not existing:
                Schedule.objects.create(
                    func=task.func, name=task.name, schedule_type=Schedule.MINUTES,
                    minutes=task.minutes, repeats=-1, next_run=timezone.now() + task.first_after)
            for extra in existing[1:]:
                extra.delete()
