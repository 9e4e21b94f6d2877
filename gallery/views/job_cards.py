"""My gallery's job cards, live: what each card shows, and the JSON that keeps them current.

The gallery renders each card once from `card(...)`; static/js/gallery.js then polls `job_cards`
with the ids of the page's unfinished jobs and updates those cards in place (picture, badge,
progress bar, line of text), until none is left unfinished.
"""
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.text import capfirst
from django.views.decorators.http import require_safe

from .. import queue, selectors
from ..estimates import duration
from ..models import Job
from .media import result_url

# A card changes at the pace of snapshots, not of iterations: slower than the job page.
POLL_MS = 3000
# More ids than a page of the gallery holds are never asked for (views/jobs.PAGE_SIZE).
MAX_IDS = 50


def describe(jobs) -> None:
    """Give each job of a gallery page its `card`."""
    places, latest = queue.Places(), selectors.latest_snapshots(jobs)
    for job in jobs:
        job.card = card(job, place=places.of(job), snapshot=latest.get(job.pk))


def card(job: Job, *, place: queue.Place | None, snapshot: int | None) -> dict:
    """What the job's card shows: its picture (the painting once there is one, else the
    latest snapshot, the instant preview or the photo), status, progress and a line of text."""
    if job.status == Job.Status.SUCCEEDED and job.result:
        kind, image = "result", result_url(job)
    elif snapshot is not None:
        kind, image = "snapshot", reverse("gallery:snapshot-image", args=[snapshot])
    elif job.preview:
        kind, image = "preview", reverse("gallery:job-preview", args=[job.pk])
    elif job.photo_id:
        kind, image = "photo", reverse("gallery:photo-thumbnail", args=[job.photo_id])
    else:
        kind, image = "none", None
    return {
        "id": job.pk,
        "status": job.status,
        "status_display": job.get_status_display(),
        "finished": job.is_finished,
        "percent": job.progress_percent,
        "image": image,
        "image_kind": kind,
        "alt": _ALT[kind].format(job=job.pk),
        "text": _text(job, place),
    }


_ALT = {
    "result": "Painting of job {job}",
    "snapshot": "Job {job} as it is being painted",
    "preview": "Instant preview of job {job}",
    "photo": "Photo of job {job}",
    "none": "",
}


def _text(job: Job, place: queue.Place | None) -> str:
    if job.status == Job.Status.QUEUED:
        return capfirst(place.describe()) if place else "Waiting for a worker"
    if job.status == Job.Status.RUNNING:
        text = f"{job.iteration} / {job.total} iterations" if job.total else "Painting"
        return text + (f", about {duration(job.remaining)} left" if job.remaining else "")
    if job.status == Job.Status.FAILED:
        return job.error
    return ""


@login_required
@require_safe
def job_cards(request):
    """The cards of the jobs `?id=` names (`?id=3&id=5`), as JSON: {"jobs": [card, ...]}. Only
    the user's own jobs are answered; any other id is left out, as if it did not exist."""
    ids = [int(i) for i in request.GET.getlist("id")[:MAX_IDS] if i.isdigit()]
    jobs = list(selectors.jobs_for(request.user).filter(pk__in=ids))
    describe(jobs)
    response = JsonResponse({"jobs": [job.card for job in jobs], "poll_ms": POLL_MS})
    add_never_cache_headers(response)  # a poll must never be answered from a cache
    return response
