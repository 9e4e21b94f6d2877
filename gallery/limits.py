"""What one job and one user may ask of the workers: the site's caps, from settings.

`services.job_create` checks them, so the form, "try again" and the API answer alike. Each
failure is a ValidationError keyed by the field to blame, in words for the person who asked.
"""
from __future__ import annotations

import math

from django.conf import settings
from django.core.exceptions import ValidationError

from engine.params import MAX_WEIGHT, ParamError, StyleParams
from engine.schedule import check_sizes

# The "strength" slider multiplies the style weight; the form's slider stops at 5.
MAX_STRENGTH = 10.0
# A queue-full answer asks to come back after this long when the wait cannot be estimated.
DEFAULT_RETRY_AFTER = 60


class QueueFull(ValidationError):
    """The user already has as many jobs waiting as they may; `retry_after` seconds is when
    the first of them should have started (the API's 429 sends it as Retry-After)."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, code="queue_full")
        self.retry_after = retry_after


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _error(name: str, message: str, code: str = "limit") -> ValidationError:
    return ValidationError({name: ValidationError(message, code=code)})


def check_themes(themes: list[tuple]) -> None:
    """At most STYLE_MAX_THEMES themes, each weight a finite number in (0, MAX_WEIGHT]."""
    most = settings.STYLE_MAX_THEMES
    if len(themes) > most:
        raise _error("themes", f"Choose at most {_count(most, 'theme')} for one painting.",
                     "too_many")
    for _, weight in themes:
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) \
                or not 0 < weight <= MAX_WEIGHT:
            raise _error("themes", f"Each theme's weight must be a number greater than 0 and at "
                                   f"most {MAX_WEIGHT:,.0f}.", "weight")


def check_strength(strength) -> None:
    if isinstance(strength, bool) or not isinstance(strength, (int, float)) \
            or not 0 < strength <= MAX_STRENGTH:
        raise _error("style_strength", f"must be a number greater than 0 and at most "
                                       f"{MAX_STRENGTH:g}", "invalid")


def check_job(*, params: dict, photo_size: tuple[int, int]) -> None:
    """The caps on one job's resolved parameters, and the sizes its photo can be painted at."""
    size, iterations = params["size"], params["iterations"]
    if size > settings.STYLE_MAX_SIZE:
        raise _error("size", f"This site paints at most {settings.STYLE_MAX_SIZE} px.")
    if iterations > settings.STYLE_MAX_ITERATIONS:
        raise _error("iterations", f"This site runs at most {settings.STYLE_MAX_ITERATIONS} "
                                   "iterations.")
    every, most = params.get("snapshot_every") or 0, settings.STYLE_MAX_SNAPSHOTS
    if every and iterations // every > most:
        raise _error("snapshot_every", f"That keeps {iterations // every} snapshots and this "
                                       f"site keeps at most {most} per painting: take one every "
                                       f"{math.ceil(iterations / max(most, 1))} iterations or "
                                       "more, or 0 for none.")
    try:
        check_sizes(photo_size, StyleParams.from_dict(params))
    except ParamError as exc:
        raise _error(exc.name, exc.message[:1].upper() + exc.message[1:] + ".") from exc


def check_time(*, seconds: float | None) -> None:
    """A painting expected to run past STYLE_JOB_TIMEOUT would be stopped there: refuse it now."""
    from .estimates import duration

    limit = settings.STYLE_JOB_TIMEOUT
    if seconds is not None and seconds > limit:
        raise _error("size", f"This painting would take about {duration(seconds)} here, and "
                             f"paintings may take at most {duration(limit)}: choose a smaller "
                             "size or fewer iterations.", "too_long")


def check_queue(owner) -> None:
    """QueueFull when `owner` already has STYLE_MAX_QUEUED_JOBS jobs waiting."""
    from .models import Job
    from .queue import places

    most = settings.STYLE_MAX_QUEUED_JOBS
    waiting = set(Job.objects.filter(owner=owner, status=Job.Status.QUEUED)
                  .values_list("pk", "mode"))
    if len(waiting) < most:
        return
    starts = [place.starts_in for mode in {m for _, m in waiting}
              for pk, place in places(mode).items() if (pk, mode) in waiting]
    known = [s for s in starts if s is not None]
    retry = max(1, math.ceil(min(known))) if known else DEFAULT_RETRY_AFTER
    raise QueueFull(f"You already have {_count(len(waiting), 'painting')} waiting, the most this "
                    "site queues for one person: wait until one starts, or cancel one.", retry)
