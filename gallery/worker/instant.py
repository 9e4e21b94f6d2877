"""Instant paintings and previews: one forward pass of the themes' networks (engine/network.py).

Both run in the instant lane (tasks.INSTANT_CLUSTER). An instant job has the life of any job
(claimed by the runner's atomic claim, writes fenced by its attempt, failures in words for the
owner); a preview is an extra picture on a full painting and never fails it.
"""
from __future__ import annotations

import io
import logging
import time

from django.core.files.base import ContentFile
from django.utils import timezone

import engine

from ..models import Job
from . import conf
from .heartbeat import Heartbeat
from .runner import (
    RUNNING, JobFailed, _fail, _png, _release_memory, claim, describe_device, job_photo,
    user_message,
)

log = logging.getLogger(__name__)

# A preview is a glance, not the painting: its long side is at most this.
PREVIEW_PX = 512
# Networks loaded by this worker process, by file name (a retrained network gets a new name).
_networks: dict[str, object] = {}


def run_instant_job(job_id) -> str:
    """Claim and paint instant job `job_id`; returns what became of it. Never raises."""
    attempt = claim(job_id)
    if attempt is None:
        return "skipped"
    fence = Job.objects.filter(pk=job_id, status=RUNNING, attempts=attempt)
    try:
        job = Job.objects.select_related("photo").get(pk=job_id)
        started = time.perf_counter()
        with Heartbeat(fence):  # loading the networks may take a while on a cold worker
            picture = paint(job, job.params.get("size"))
        elapsed = time.perf_counter() - started
        result = job.result
        result.save("result.png", ContentFile(_png(picture, level=6)), save=False)
        now = timezone.now()
        if not fence.update(status=Job.Status.SUCCEEDED, result=result.name, iteration=1,
                            total=1, elapsed=elapsed, remaining=0.0, finished_at=now,
                            heartbeat_at=now, updated_at=now,
                            device=describe_device(conf.engine_settings()["device"]),
                            engine_version=engine.ENGINE_VERSION):
            result.delete(save=False)  # deleted or taken back meanwhile
            return "lost"
        log.info("instant job %s: painted in %.2f s", job_id, elapsed)
        return "succeeded"
    except Exception as exc:  # every failure ends as a readable error; the worker goes on
        log.warning("instant job %s failed: %s", job_id, exc, exc_info=not isinstance(
            exc, (JobFailed, engine.EngineError)))
        _fail(job_id, attempt, user_message(exc))
        return "failed"
    finally:
        _release_memory()


def make_preview(job_id) -> str:
    """Paint a full painting's preview with its themes' networks, once; never fails the job."""
    job = Job.objects.select_related("photo").filter(pk=job_id).first()
    if job is None or job.preview or job.status in Job.FINISHED:
        return "skipped"
    try:
        picture = paint(job, min(job.params.get("size") or PREVIEW_PX, PREVIEW_PX))
    except Exception as exc:
        log.warning("job %s: no preview (%s)", job_id, exc)
        return "failed"
    preview = job.preview
    preview.save("preview.jpg", ContentFile(_jpeg(picture)), save=False)
    if not Job.objects.filter(pk=job_id, preview="").update(preview=preview.name):
        preview.delete(save=False)  # deleted meanwhile, or another preview was first
        return "skipped"
    return "succeeded"


def paint(job: Job, size: int | None):
    """The job's photo painted by its themes' networks, blended by the themes' weights."""
    from engine.device import resolve_device
    from engine.network import apply_blend

    links = list(job.job_themes.select_related("theme").order_by("position"))
    if not links:
        raise JobFailed("This job has no theme to paint with.")
    networks = [_network(link.theme) for link in links]
    device = resolve_device(conf.engine_settings()["device"])
    return apply_blend(networks, [float(link.weight) for link in links], job_photo(job), size,
                       device=device, preserve_colors=bool(job.params.get("preserve_colors")))


def _network(theme):
    from engine.network import NetworkError, load_network

    name = theme.network.name
    if not name:
        raise JobFailed(f"The theme “{theme.title}” has no instant network (any more): "
                        "paint it as a full painting instead.")
    if name not in _networks:
        try:
            with theme.network.open("rb") as f:
                _networks[name] = load_network(f.read())[0]
        except (OSError, NetworkError) as exc:
            raise JobFailed(f"The instant network of “{theme.title}” cannot be read ({exc}); "
                            "tell the site's administrator.") from None
    return _networks[name]


def _jpeg(picture) -> bytes:
    buf = io.BytesIO()
    picture.save(buf, format="JPEG", quality=90)
    return buf.getvalue()
