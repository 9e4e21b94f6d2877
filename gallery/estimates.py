"""How long a new painting will take, and how long it will wait: measured on this site's jobs.

The worker records each painting's work (megapixel-iterations: every iteration counts the pixels
of its scale, engine/schedule.py) beside its time; their ratio is the worker's speed. A new job's
time is the median speed of the latest paintings times the work `engine.schedule.expected_work`
expects of it, so it follows the machine the worker really runs on. Its wait is when the fair
queue (gallery/queue.py) would start it, behind the paintings it would wait for.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass

from engine.params import ParamError, StyleParams
from engine.schedule import expected_work

from .models import Job

# The latest finished paintings whose speed is the estimate's: a new machine or setting shows
# within a few jobs, one odd job does not swing it.
RECENT_JOBS = 20


@dataclass(frozen=True)
class Estimate:
    seconds: float | None  # the painting itself; None until a painting has been measured
    wait: float | None  # in the queue before it starts
    measured_jobs: int  # how many paintings the speed comes from

    def describe(self) -> str:
        if self.seconds is None:
            return ("No painting has finished on this site yet: the first one measures the "
                    "worker's speed.")
        text = f"About {duration(self.seconds)}"
        if self.wait:
            text += f", after about {duration(self.wait)} in the queue"
        measured = ("the last painting" if self.measured_jobs == 1
                    else f"the last {self.measured_jobs} paintings")
        return f"{text} (measured on {measured})."

    def as_dict(self) -> dict:
        return {"seconds": self.seconds, "wait": self.wait, "measured_jobs": self.measured_jobs,
                "text": self.describe()}


def measured_speed() -> tuple[float | None, int]:
    """(median seconds per megapixel-iteration of the latest paintings, how many), or (None, 0)."""
    rows = list(
        Job.objects.filter(mode=Job.Mode.FULL, status=Job.Status.SUCCEEDED, work__gt=0, elapsed__gt=0)
        .order_by("-finished_at", "-id").values_list("elapsed", "work")[:RECENT_JOBS]
    )
    if not rows:
        return None, 0
    return statistics.median(elapsed / work for elapsed, work in rows), len(rows)


def painting_seconds(params: dict, photo_size: tuple[int, int], speed: float) -> float:
    """Expected seconds of a painting with these (resolved) parameters of a photo this size."""
    try:
        resolved = StyleParams.from_dict(params)
    except (ParamError, TypeError):
        return 0.0  # an unreadable old record: it will fail at once
    return speed * expected_work(photo_size, resolved)


def queued_seconds(job_ids, speed: float) -> dict[int, float]:
    """Expected seconds of each of these queued paintings (0 for one whose photo is gone: it
    fails at once)."""
    jobs = Job.objects.filter(pk__in=job_ids).select_related("photo").only(
        "params", "photo__width", "photo__height")
    return {job.pk: painting_seconds(job.params, (job.photo.width, job.photo.height), speed)
            if job.photo is not None else 0.0 for job in jobs}


def estimate_seconds(*, photo, params: dict) -> float | None:
    """Expected seconds of a painting of `photo` with these resolved parameters, or None
    before any painting has been measured."""
    speed, _ = measured_speed()
    return None if speed is None else painting_seconds(params, (photo.width, photo.height), speed)


def estimate(*, owner, photo, params: dict) -> Estimate:
    """The estimate for a painting of `photo` with these resolved parameters, if `owner`
    submitted it now."""
    from .queue import NEWCOMER, places

    speed, jobs = measured_speed()
    if speed is None:
        return Estimate(None, None, 0)
    wait = places(Job.Mode.FULL, newcomer=owner.pk, speed=speed)[NEWCOMER].starts_in
    return Estimate(painting_seconds(params, (photo.width, photo.height), speed), wait, jobs)


def duration(seconds: float) -> str:
    """"40 s", "3 min", "1 h 20 min": rounded as a person would say it."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{max(seconds, 1)} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min" if minutes % 60 else f"{minutes // 60} h"
