"""The worker's knobs, read from settings (see stylesite/settings.py) with their defaults here."""
from django.conf import settings

# Seconds between progress saves (at most, when iterations are quicker than this): the job page
# polls every 1.5 s, and each save is also the job's heartbeat.
PROGRESS_EVERY = 1.0
# Seconds between reads of the cancel flag (a one-column primary-key read): an iteration that
# takes longer than this is followed by a check every time, so a cancel stops it at the next one.
CANCEL_CHECK_EVERY = 1.0
# The loss curve keeps at most this many points: older ones are thinned, every other one dropped.
MAX_HISTORY = 1000


def stale_seconds() -> int:
    """No heartbeat for this long: the job's worker is taken for dead."""
    return int(getattr(settings, "STYLE_STALE_SECONDS", 20))


def max_attempts() -> int:
    """Claims of a job, crashes included, before the reaper gives up on it."""
    return int(getattr(settings, "STYLE_MAX_ATTEMPTS", 3))


def engine_settings() -> dict:
    """The parameters the worker's machine decides, never the job: backbone, weights, device."""
    from .devices import worker_device

    return {
        "backbone": settings.STYLE_BACKBONE,
        "weights": settings.STYLE_WEIGHTS,
        "device": worker_device(),  # with several GPUs, this worker process's own
    }


def time_limit() -> int:
    """Seconds a painting may run, its attempts together (STYLE_JOB_TIMEOUT)."""
    return int(settings.STYLE_JOB_TIMEOUT)


def worker_memory() -> int | None:
    """Bytes a painting may use on this worker (STYLE_WORKER_MEMORY_MB); None: whatever its
    device has free when the job starts."""
    mb = int(getattr(settings, "STYLE_WORKER_MEMORY_MB", 0) or 0)
    return mb * 1024 * 1024 if mb > 0 else None
