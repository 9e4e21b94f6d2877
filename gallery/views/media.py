"""Media files, served only through these views: never from a public MEDIA_URL.

Private files (photos, thumbnails, results, snapshots, regions drawings) are looked up scoped to the requesting
user, so anyone else, anonymous included, gets 404. The REST API hands out these URLs, so a request
may authenticate with the browser session or with `Authorization: Token <key>`. Theme paintings
are public.
"""
import hashlib
import mimetypes
from pathlib import PurePath

from django.contrib.auth.models import AnonymousUser
from django.http import FileResponse, Http404, HttpResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import content_disposition_header, quote_etag
from django.views.decorators.http import require_safe
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from .. import downloads, selectors
from ..services import SAMPLE_PHOTO

PRIVATE_MAX_AGE = 3600  # files never change under a name (new uploads get new names)
PUBLIC_MAX_AGE = 86400


def media_user(request):
    """The session's user, else the user of a valid DRF token, else an anonymous user."""
    if request.user.is_authenticated:
        return request.user
    try:
        found = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        found = None
    return found[0] if found else AnonymousUser()


def file_response(field_file, *, private: bool, download_name: str | None = None) -> FileResponse:
    if not field_file or not field_file.name:
        raise Http404("No file.")
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("No file.") from None
    content_type = mimetypes.guess_type(field_file.name)[0] or "application/octet-stream"
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=download_name is not None,
        filename=download_name or PurePath(field_file.name).name,
    )
    if private:
        patch_cache_control(response, private=True, max_age=PRIVATE_MAX_AGE)
        patch_vary_headers(response, ("Cookie", "Authorization"))
    else:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    return response


def _image(obj):
    return obj.image


def _thumbnail_or_image(obj):
    return obj.thumbnail or obj.image


def _owned_file(request, lookup, pk, file_of=_image) -> FileResponse:
    """`file_of` the requesting user's object `lookup(user, pk)`, privately; anyone else gets 404."""
    return file_response(file_of(lookup(media_user(request), pk)), private=True)


@require_safe
def photo_image(request, pk):
    return _owned_file(request, selectors.get_photo_for_user, pk)


@require_safe
def photo_thumbnail(request, pk):
    return _owned_file(request, selectors.get_photo_for_user, pk, _thumbnail_or_image)


def result_version(job) -> str:
    """Which file the job's result is now: it changes with the colours (gallery/colors.py)."""
    return hashlib.sha256(job.result.name.encode()).hexdigest()[:12]


def result_url(job) -> str:
    """The job's result as the job page shows it: a new URL for each new version, so the
    picture on the page changes with it."""
    return f"{reverse('gallery:job-result', args=[job.pk])}?v={result_version(job)}"


@require_safe
def job_result(request, pk):
    """The version of the painting shown now. Its colours may change under this URL, so a
    cache asks again each time, and gets a 304 while it is the same (ETag).

    `?download=png` (or `1`) sends it as a file as stored, `?download=jpeg` as a JPEG made from
    it, each named after the photo and the themes (gallery/downloads.py)."""
    job = selectors.get_job_for_user(media_user(request), pk)
    if not job.result:
        raise Http404("No file.")
    asked = request.GET.get("download")
    fmt = downloads.format_named(asked) if asked else None
    if asked and fmt is None:
        raise Http404("No such format.")
    made = fmt is not None and not downloads.is_stored_as(job.result, fmt)  # its own bytes
    etag = quote_etag(result_version(job) + (f"-{fmt.key}" if made else ""))
    response = get_conditional_response(request, etag=etag)
    if response is None:
        name = downloads.filename(job, fmt) if fmt else None
        response = (_made_response(job.result, fmt, name) if made
                    else file_response(job.result, private=True, download_name=name))
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ("Cookie", "Authorization"))
    return response


def _made_response(field_file, fmt, name: str) -> HttpResponse:
    """The stored image in another format, as an attachment called `name`."""
    try:
        data = downloads.encode(field_file, fmt)
    except OSError:  # gone, or not an image Pillow reads
        raise Http404("No file.") from None
    response = HttpResponse(data, content_type=fmt.content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response


@require_safe
def job_preview(request, pk):
    return _owned_file(request, selectors.get_job_for_user, pk, lambda job: job.preview)


@require_safe
def job_regions(request, pk):
    """The job's regions drawing (white the subject): the job page and "Paint again" show it."""
    return _owned_file(request, selectors.get_job_for_user, pk, lambda job: job.regions)


@require_safe
def snapshot_image(request, pk):
    return _owned_file(request, selectors.get_snapshot_for_user, pk)


@require_safe
def theme_image(request, slug):
    return file_response(selectors.get_theme(slug).image, private=False)


@require_safe
def theme_thumbnail(request, slug):
    return file_response(_thumbnail_or_image(selectors.get_theme(slug)), private=False)


@require_safe
def theme_instant_sample(request, slug):
    return file_response(selectors.get_theme(slug).instant_sample, private=False)


@require_safe
def sample_photo(request):
    """The shipped photo that every theme's `instant_sample` paints: the home page's "before"."""
    response = FileResponse(open(SAMPLE_PHOTO, "rb"), content_type="image/jpeg")
    patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    return response


@require_safe
def training_sample_image(request, pk):
    """A training run's sample: staff only, like the run itself."""
    return file_response(selectors.get_training_sample_for_user(media_user(request), pk).image,
                         private=True)
