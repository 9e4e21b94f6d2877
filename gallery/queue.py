"""The fair queue: which queued painting runs next, and where each one waits.

Fair between users: the next job is the oldest queued job of the user who has waited longest
since one of their jobs last started (a user none of whose jobs ever ran comes first), and a
user already running STYLE_MAX_RUNNING_JOBS jobs waits. So one user's fifty queued jobs delay
another user's single job by at most the job in front of it.

The broker's tasks are only wake-up calls (tasks.enqueue_job): the worker that takes one runs
whatever `next_jobs` puts first, so the order is the table's, whatever order tasks arrive in.
"""
from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

from .models import Job

NEWCOMER = 0  # the id `order` gives the job a user is about to submit


@dataclass(frozen=True)
class Place:
    """Where a queued job waits: 1 is next; `starts_in` seconds, None until speed is measured."""

    position: int
    starts_in: float | None

    def describe(self) -> str:
        from .estimates import duration

        text = "next in the queue" if self.position == 1 else f"number {self.position} in the queue"
        if self.starts_in is not None:
            text += (", starting about now" if self.starts_in < 30
                     else f", starting in about {duration(self.starts_in)}")
        return text

    def as_dict(self) -> dict:
        return {"position": self.position, "starts_in": self.starts_in, "text": self.describe()}


def _queued(mode: str) -> list[tuple[int, int, datetime]]:
    """(id, owner id, created) of the queued jobs of this lane, oldest first."""
    return list(Job.objects.filter(status=Job.Status.QUEUED, mode=mode)
                .order_by("created_at", "id").values_list("id", "owner_id", "created_at"))


def _last_starts(owner_ids) -> dict[int, datetime]:
    """When a job of each of these users last started (users none of whose jobs ever ran are
    left out)."""
    rows = (Job.objects.filter(owner_id__in=owner_ids, started_at__isnull=False)
            .values("owner_id").annotate(last=Max("started_at")).values_list("owner_id", "last"))
    return dict(rows)


def order(mode: str = Job.Mode.FULL, *, newcomer: int | None = None) -> list[tuple[int, int]]:
    """(job id, owner id) of every queued job in the order they will start, if nobody else
    submits one. With `newcomer` (a user id), a job that user submits now is placed too, with
    id NEWCOMER.

    Each turn takes the user who has waited longest since their last start and runs their
    oldest job; that user then counts as just started, behind everyone already waiting.
    """
    queued = _queued(mode)
    if newcomer is not None:
        queued.append((NEWCOMER, newcomer, timezone.now()))
    jobs_of: dict[int, list[int]] = {}
    first_queued: dict[int, datetime] = {}
    for job_id, owner, created in queued:
        jobs_of.setdefault(owner, []).append(job_id)
        first_queued.setdefault(owner, created)
    last = _last_starts(jobs_of)
    never, turns = (0,), itertools.count(1)
    # (waited since: never ran < ran at a real time < took a turn in this simulation, ...)
    heap = [((1, last[owner]) if owner in last else never, first_queued[owner], owner)
            for owner in jobs_of]
    heapq.heapify(heap)
    out = []
    while heap:
        _, since, owner = heapq.heappop(heap)
        out.append((jobs_of[owner].pop(0), owner))
        if jobs_of[owner]:
            heapq.heappush(heap, ((2, next(turns)), since, owner))
    return out


def next_jobs(mode: str = Job.Mode.FULL) -> list[int]:
    """The queued jobs a worker may start now, the fairest first: `order`, without the users
    who already run as many jobs as they may."""
    busy = dict(Job.objects.filter(status=Job.Status.RUNNING, mode=mode).values("owner_id")
                .annotate(n=Count("id")).values_list("owner_id", "n"))
    limit = settings.STYLE_MAX_RUNNING_JOBS
    return [job_id for job_id, owner in order(mode) if busy.get(owner, 0) < limit]


def places(mode: str = Job.Mode.FULL, *, newcomer: int | None = None,
           speed: float | None = None) -> dict[int, Place]:
    """Every queued job's Place (with `newcomer`: also the Place of NEWCOMER).

    Start times come from the measured speed (gallery/estimates.py; `speed` when the caller
    has it already): the workers, as many as the site has or as are running jobs, each take
    the next job as they become free.
    """
    from . import estimates

    ordered = order(mode, newcomer=newcomer)
    if speed is None:
        speed, _ = estimates.measured_speed()
    if speed is None:
        return {job_id: Place(i, None) for i, (job_id, _) in enumerate(ordered, 1)}
    running = list(Job.objects.filter(status=Job.Status.RUNNING, mode=mode)
                   .values_list("remaining", flat=True))
    workers = max(int(settings.Q_CLUSTER.get("workers", 1)), len(running))
    free_at = [r or 0.0 for r in running] + [0.0] * (workers - len(running))
    heapq.heapify(free_at)
    seconds = estimates.queued_seconds([job_id for job_id, _ in ordered if job_id != NEWCOMER],
                                       speed)
    out = {}
    for i, (job_id, _) in enumerate(ordered, 1):
        start = heapq.heappop(free_at)
        out[job_id] = Place(i, start)
        heapq.heappush(free_at, start + seconds.get(job_id, 0.0))
    return out


class Places:
    """Where queued jobs wait, each lane computed once: for a page or a response that shows
    several jobs."""

    def __init__(self):
        self._lanes: dict[str, dict[int, Place]] = {}

    def of(self, job: Job) -> Place | None:
        """Where `job` waits, or None when it is not queued."""
        if job.status != Job.Status.QUEUED:
            return None
        if job.mode not in self._lanes:
            self._lanes[job.mode] = places(job.mode)
        return self._lanes[job.mode].get(job.pk)


def place_of(job: Job) -> Place | None:
    """Where `job` waits, or None when it is not queued."""
    return Places().of(job)


def queued_count(owner) -> int:
    return Job.objects.filter(owner=owner, status=Job.Status.QUEUED).count()
