"""Instant paintings and previews: one forward pass of the themes' networks (engine/network.py);
and finished paintings' new colours (gallery/colors.py), made from their raw results.

All run in the instant lane (tasks.INSTANT_CLUSTER). An instant job has the life of any job
(claimed by the runner's atomic claim, writes fenced by its attempt, failures in words for the
owner); a preview is an extra picture on a full painting and never fails it; new colours are
fenced by the choice they were made for.
"""
from __future__ import annotations

import io
import logging
import time

from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils import timezone

import engine
from engine.images import load_image

from .. import colors, regions
from ..models import Job
from . import conf
from .colors import first_result, render
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
            photo = job_photo(job)
            raw = paint(job, job.params.get("size"), photo=photo, raw=True)
            picture, record = first_result(raw, photo, job.params)
        elapsed = time.perf_counter() - started
        result, kept = job.result, job.raw_result
        kept.save("raw.png", ContentFile(_png(raw, level=6)), save=False)
        result.save("result.png", ContentFile(_png(picture, level=6)), save=False)
        now = timezone.now()
        if not fence.update(status=Job.Status.SUCCEEDED, result=result.name,
                            raw_result=kept.name, colors=record, iteration=1,
                            total=1, elapsed=elapsed, remaining=0.0, finished_at=now,
                            heartbeat_at=now, updated_at=now,
                            device=describe_device(conf.engine_settings()["device"]),
                            engine_version=engine.ENGINE_VERSION):
            result.delete(save=False)  # deleted or taken back meanwhile
            kept.delete(save=False)
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


def paint(job: Job, size: int | None, *, photo=None, raw: bool = False):
    """The job's photo (`photo`, else read) painted by its themes' networks, blended by the
    themes' weights; with the photo's colours when the job asks for them, unless `raw`."""
    from engine.device import resolve_device
    from engine.network import apply_blend

    links = list(job.job_themes.select_related("theme").order_by("position"))
    if not links:
        raise JobFailed("This job has no theme to paint with.")
    networks = [_network(link.theme) for link in links]
    device = resolve_device(conf.engine_settings()["device"])
    if job.regions:  # a full painting's preview: each theme in its region
        return _paint_regions(job, links, networks, photo if photo is not None else job_photo(job),
                              size, device=device)
    return apply_blend(networks, [float(link.weight) for link in links],
                       photo if photo is not None else job_photo(job), size, device=device,
                       preserve_colors=not raw and bool(job.params.get("preserve_colors")))


def _paint_regions(job: Job, links, networks, photo, size: int | None, *, device):
    """The photo painted by each theme's network in the theme's region of the job's drawing
    (gallery/regions.py): each pixel blends the themes painting there by their weights, and
    keeps the photo as far as none does, as the full painting will."""
    import torch
    from engine.images import resize_long_side, to_image, to_tensor
    from engine.network import apply_blend

    picture = resize_long_side(photo, size) if size else photo
    w, h = picture.size
    with job.regions.open("rb") as f:
        masks = regions.style_masks(load_image(f), [link.region for link in links])
    painted = torch.zeros(3, h, w)
    weight = torch.zeros(1, h, w)  # the weights of the themes painting each pixel
    covered = torch.zeros(1, h, w)  # how far any theme paints it (soft edges: partly)
    for net, link, mask in zip(networks, links, masks or [None] * len(links), strict=True):
        m = torch.ones(1, h, w) if mask is None else to_tensor(mask.resize((w, h)))[:1]
        own = to_tensor(apply_blend([net], [1.0], picture, device=device).resize((w, h)))
        painted += float(link.weight) * m * own
        weight += float(link.weight) * m
        covered = torch.maximum(covered, m)
    blend = painted / weight.clamp_min(1e-6)
    return to_image(covered * blend + (1 - covered) * to_tensor(picture))


def recolor_job(job_id) -> str:
    """Make the colours last asked for of finished painting `job_id` (services.job_set_colors)
    from its raw result: what became of it. Never raises; a failure is told on the job.

    The new result replaces the old only while the job still shows that old file and no newer
    choice was asked for meanwhile (that one has a task of its own); otherwise the new file is
    removed again. The old file goes once the change is committed: no file is lost or left.
    """
    job = Job.objects.select_related("photo").filter(pk=job_id,
                                                     status=Job.Status.SUCCEEDED).first()
    wanted = (job.colors or {}).get("wanted") if job else None
    if wanted is None:
        return "skipped"  # made already (a repeated task), set back meanwhile, or deleted
    asked, old = job.colors["asked"], job.result.name
    fence = Job.objects.filter(pk=job_id, result=old, colors__asked=asked)
    try:
        photo = _photo_for_colors(job) if colors.needs_photo(wanted) else None
        picture = render(_raw_result(job), photo, wanted)
    except Exception as exc:  # told on the job; the picture keeps its colours
        log.warning("job %s: no new colours (%s)", job_id, exc, exc_info=not isinstance(
            exc, (JobFailed, engine.EngineError)))
        fence.update(colors={**job.colors, "wanted": None, "error": user_message(exc)},
                     updated_at=timezone.now())
        return "failed"
    result = job.result
    result.save("result.png", ContentFile(_png(picture, level=6)), save=False)
    try:
        with transaction.atomic():
            if not fence.update(result=result.name, colors=colors.record(wanted, asked=asked),
                                updated_at=timezone.now()):
                result.delete(save=False)  # a newer choice, or the job deleted, meanwhile
                return "lost"
            if old:
                transaction.on_commit(lambda: result.storage.delete(old))
    except DatabaseError:
        log.exception("job %s: could not record its new colours", job_id)
        result.delete(save=False)
        return "failed"
    log.info("job %s: new colours %s", job_id, wanted)
    return "succeeded"


def _photo_for_colors(job: Job):
    if job.photo is None:  # deleted since the colours were asked for
        raise JobFailed("The photo of this painting was deleted: its colours can only be set "
                        "back to the painting's own.")
    return job_photo(job)


def _raw_result(job: Job):
    """The painting as the engine made it, or JobFailed saying why it cannot be had."""
    try:
        with job.raw_result.open("rb") as f:
            return load_image(f)
    except (FileNotFoundError, ValueError):  # ValueError: no file at all
        raise JobFailed("The painting's original is missing: its colours cannot change any "
                        "more.") from None
    except engine.ImageError as exc:
        raise JobFailed(f"The painting's original could not be read: {exc}") from None


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
