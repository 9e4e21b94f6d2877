"""The job page: live progress, loss curve, snapshots, cancel, result (before/after), try again.

The page renders once; static/js/job.js then polls `job_progress` (a small JSON document) every
1.5 s and updates it in place until the job is finished. Every view looks the job up through
selectors.get_job_for_user: anyone but the owner gets 404.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST, require_safe

from engine.step import STOPPED_CONVERGED, STOPPED_ITERATIONS

from .. import colors, downloads, queue, selectors, services
from . import media
from .share import share_url
from ..worker.heartbeat import BEAT_EVERY
from ..models import Job
from ..params import record

POLL_MS = 1500
# Three missed beats: the page says the worker stopped, before the reaper has even acted.
STALLED_AFTER = 3 * BEAT_EVERY
# The parameters an instant painting uses (gallery/worker/instant.py); the rest are a full one's.
INSTANT_PARAMS = ("size", "preserve_colors")


def progress(job: Job) -> dict:
    """What the job page shows, as JSON: status, progress, losses, snapshots, result, error."""
    snapshots = [
        {
            "iteration": s.iteration,
            "url": reverse("gallery:snapshot-image", args=[s.pk]),
            "loss": s.losses.get("total"),
        }
        for s in job.snapshots.order_by("iteration").only("pk", "iteration", "losses")
    ]
    has_result = job.status == Job.Status.SUCCEEDED and bool(job.result)
    result_url = media.result_url(job) if has_result else None  # changes with the colours
    return run_progress(job, done=job.iteration, snapshots=snapshots, result=result_url) | {
        "mode": job.mode,
        # A full painting's instant preview, shown until its first snapshot.
        "instant_preview": reverse("gallery:job-preview", args=[job.pk]) if job.preview else None,
        # The Download choice: the painting as stored (PNG) or made smaller (JPEG), each named
        # after the photo and the themes (gallery/downloads.py).
        "downloads": ({key: f"{result_url}&download={key}" for key in downloads.FORMATS}
                      if result_url else None),
        # The Colours panel's choice, and whether its new version is still being made
        # (gallery/colors.py); null when the painting's colours cannot change.
        "colors": colors.state(job),
        "stopped": job.stopped,
        "stopped_text": stopped_text(job),
        # Where a queued job waits ({position, starts_in, text}; null once it runs).
        "queue": place.as_dict() if (place := queue.place_of(job)) else None,
    }


def is_stalled(run) -> bool:
    """A running job or training run whose worker has stopped beating (gallery/worker/heartbeat.py)."""
    return (run.status == run.Status.RUNNING and run.heartbeat_at is not None
            and (timezone.now() - run.heartbeat_at).total_seconds() > STALLED_AFTER)


def stopped_text(job) -> str:
    """Why a finished painting stopped where it did, for its page ("" until it has)."""
    if job.stopped == STOPPED_CONVERGED:
        return f"it had converged after {job.iteration} of at most {job.total} iterations"
    if job.stopped == STOPPED_ITERATIONS:
        return f"all {job.iteration} iterations run"
    return ""


def run_progress(run, *, done: int, snapshots: list, result: str | None) -> dict:
    """The JSON static/js/job.js reads, for a job or a training run (a WorkerRun): `done` is
    its iterations or steps, `snapshots` its strip ({iteration, url, loss})."""
    return {
        "id": run.pk,
        "status": run.status,
        "status_display": run.get_status_display(),
        "finished": run.is_finished,
        "cancel_requested": run.cancel_requested,
        "iteration": done,
        "total": run.total,
        "percent": run.progress_percent,
        "losses": run.losses or {},
        "loss_history": run.loss_history or [],
        "elapsed": round(run.elapsed, 2),
        "remaining": None if run.remaining is None else round(run.remaining, 2),
        "attempts": run.attempts,
        "snapshots": snapshots,
        "result": result,
        "downloads": None,
        "error": run.error,
        # Its worker has missed several beats: the reaper is about to put it back in the queue.
        "stalled": is_stalled(run),
        "resuming": run.status == run.Status.QUEUED and run.attempts > 0,
        "device": run.device,
        "engine_version": run.engine_version,
    }


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_safe
def job_detail(request, pk):
    job = selectors.get_job_for_user(request.user, pk)
    params = job.params or {}
    context = {
        "job": job,
        "themes": list(job.job_themes.all()),
        "progress": progress(job),
        "poll_ms": POLL_MS,
        "share_url": share_url(request, job),  # the private link, while it is shared
        "params": record(params, None if job.mode == Job.Mode.FULL else INSTANT_PARAMS),
        # The family: the job this one was painted again from, and its own repaintings.
        "parent": job.parent_id and selectors.jobs_for(request.user).filter(pk=job.parent_id).first(),
        "children": list(selectors.jobs_for(request.user).filter(parent=job)
                         .values_list("pk", flat=True)),
        "size": params.get("size"),
        "snapshots_empty": (
            f"A snapshot every {params['snapshot_every']} iterations appears here."
            if params.get("snapshot_every") else "Snapshots are off for this job."),
    }
    return render(request, "gallery/job_detail.html", context)


@login_required
@require_safe
def job_progress(request, pk):
    job = selectors.get_job_for_user(request.user, pk)
    response = JsonResponse(progress(job))
    add_never_cache_headers(response)  # a poll must never be answered from a cache
    return response


@login_required
@require_POST
def job_cancel(request, pk):
    job = services.job_cancel(job=selectors.get_job_for_user(request.user, pk))
    if _wants_json(request):
        return JsonResponse(progress(job))
    if job.status == Job.Status.CANCELLED:
        messages.info(request, f"Job {job.pk} is cancelled.")
    elif job.cancel_requested and not job.is_finished:
        messages.info(request, f"Job {job.pk} stops at its next iteration.")
    return redirect("gallery:job-detail", pk=job.pk)


@login_required
@require_POST
def job_retry(request, pk):
    """A new job with the same photo, themes, weights and parameters (seed included); with
    `mode` "full", an instant painting painted again as a full one."""
    job = selectors.get_job_for_user(request.user, pk)
    try:
        new = services.job_rerun(job=job, mode=request.POST.get("mode"))
    except ValidationError as exc:
        messages.error(request, "This job cannot be run again: " + " ".join(exc.messages))
        return redirect("gallery:job-detail", pk=job.pk)
    messages.success(request, f"Job {new.pk} is queued with the same settings.")
    return redirect("gallery:job-detail", pk=new.pk)
