"""Private links: the owner of a finished painting shares it (services.job_share) and anyone who
has the link sees it, signed in or not, until the owner stops sharing.

The shared page and its two images are found by the link's secret alone
(selectors.get_shared_job). They show the painting, the photo it was painted from and the
paintings whose style it took, nothing else of the owner's: no name, no photo name, no job id,
no parameters, no link to anything of theirs. They are kept out of caches (a revoked link must
stop at once) and search engines, and the page sends no Referer, so the secret leaks nowhere.
"""
from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST, require_safe

from .. import selectors, services
from .media import file_response


def share_url(request, job) -> str | None:
    """The absolute URL of a job's private link; None while it is not shared."""
    if not job.share_token:
        return None
    return request.build_absolute_uri(reverse("gallery:shared-job", args=[job.share_token]))


@login_required
@require_POST
def job_share(request, pk):
    job = selectors.get_job_for_user(request.user, pk)
    try:
        services.job_share(job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("gallery:job-detail", pk=job.pk)


@login_required
@require_POST
def job_unshare(request, pk):
    job = services.job_unshare(job=selectors.get_job_for_user(request.user, pk))
    messages.info(request, "This painting is no longer shared: its link does not work any more.")
    return redirect("gallery:job-detail", pk=job.pk)


def _unseen(response):
    """Stored by no cache, indexed by no search engine."""
    add_never_cache_headers(response)  # private, no-store
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_safe
def shared_job(request, token):
    try:
        job = selectors.get_shared_job(token)
    except Http404:
        response = render(request, "gallery/shared_gone.html", status=404)
    else:
        response = render(request, "gallery/shared_job.html", {
            "job": job, "token": token, "themes": [jt.theme for jt in job.job_themes.all()]})
    response["Referrer-Policy"] = "no-referrer"
    return _unseen(response)


def _shared_file(field_file, name: str):
    response = file_response(field_file, private=True)
    # Named for what it is, not by its name in storage.
    response["Content-Disposition"] = f'inline; filename="{name}{PurePath(field_file.name).suffix}"'
    return _unseen(response)


@require_safe
def shared_painting(request, token):
    return _shared_file(selectors.get_shared_job(token).result, "painting")


@require_safe
def shared_photo(request, token):
    job = selectors.get_shared_job(token)
    if job.photo is None:
        raise Http404("The photo was deleted.")
    return _shared_file(job.photo.image, "photo")
