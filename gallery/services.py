"""Writes: every change to photos, themes and jobs goes through these keyword-only functions.

Pages, the REST API, the admin and the management commands call them, so the rules (upload limits,
re-encoding, parameter resolution, cancel semantics) live in one place. A failure raises
django.core.exceptions.ValidationError with a message for the user and leaves nothing behind.
"""
from __future__ import annotations

import hashlib
import io
import logging
import secrets
import unicodedata
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from engine.params import INIT_KINDS

from . import estimates, limits, uploads
from .models import Job, JobTheme, Photo, Theme, TrainingRun, TrainingSample

log = logging.getLogger(__name__)

THUMBNAIL_PX = 480  # long side of photo and theme thumbnails: sharp on a phone's 2x screen
THUMBNAIL_QUALITY = 85
IMAGE_QUALITY = 95

# Engine parameters chosen by the worker's settings (STYLE_DEVICE, STYLE_WEIGHTS, STYLE_BACKBONE),
# never by a job: a user must not pick a file path on the server or a device it does not have.
WORKER_PARAMS = ("device", "weights", "backbone")
# `init` may also be an image path for the command line; on a shared server it must not be.
JOB_INIT_CHOICES = INIT_KINDS


# --- images ------------------------------------------------------------------------------------

def _upload_size(upload) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        pos = upload.tell()
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
        upload.seek(pos)
    return size


def decode_upload(upload, *, max_side: int | None = None):
    """An uploaded file as a validated, upright 8-bit RGB PIL image, or a ValidationError.

    Checks the byte limit before reading, then lets engine.images.load_image do the rest (format
    allow-list, pixel cap before decoding, full decode, EXIF orientation, any mode to RGB).
    """
    from engine.errors import ImageError
    from engine.images import load_image

    size = _upload_size(upload)
    if size > settings.STYLE_UPLOAD_MAX_BYTES:
        raise ValidationError(uploads.too_large_message(size), code="too_large")
    try:
        upload.seek(0)
        return load_image(upload, max_side=max_side, max_pixels=settings.STYLE_UPLOAD_MAX_PIXELS,
                          reserve=uploads.decode_budget)
    except ImageError as exc:
        raise ValidationError(str(exc), code="invalid_image") from exc


def _jpeg_bytes(img, *, quality: int) -> bytes:
    """JPEG of the pixels alone: no EXIF, GPS, ICC profile or comment is carried over."""
    from PIL import Image

    clean = Image.frombytes("RGB", img.size, img.convert("RGB").tobytes())
    buf = io.BytesIO()
    clean.save(buf, format="JPEG", quality=quality, optimize=True)
    return buf.getvalue()


def _thumbnail_bytes(img) -> bytes:
    from engine.images import thumbnail

    return _jpeg_bytes(thumbnail(img, THUMBNAIL_PX), quality=THUMBNAIL_QUALITY)


def _display_name(name: str | None) -> str:
    """The uploaded file's base name, without control characters, for display only."""
    base = PurePath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return base[:255]


def _delete_files(names) -> None:
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except OSError:  # already gone, or a permission problem: log it, never fail the request
            log.warning("could not delete media file %s", name, exc_info=True)


def _delete_files_on_commit(names) -> None:
    names = [n for n in names if n]
    if names:
        transaction.on_commit(lambda: _delete_files(names))


def _delete_with_files(row, names) -> None:
    """Delete `row`; its files `names` go only once the delete is committed."""
    with transaction.atomic():
        row.delete()
        _delete_files_on_commit(names)


class _StoredFiles:
    """Files saved while building a row; removed again if the row cannot be saved."""

    def __init__(self):
        self.names: list[str] = []

    def save(self, field_file, name: str, data: bytes) -> None:
        field_file.save(name, ContentFile(data), save=False)
        self.names.append(field_file.name)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            _delete_files(self.names)
        return False


# --- photos ------------------------------------------------------------------------------------

def photo_create(*, owner, upload) -> Photo:
    """Validate, re-encode and store an uploaded photo with its thumbnail and checksum.

    The image is decoded (never trusted by extension or content type), turned upright, converted to
    RGB, shrunk to STYLE_PHOTO_MAX_SIDE and re-encoded as JPEG quality 95, which strips every bit of
    metadata (GPS included). On any failure nothing is written: no file, no row.
    """
    img = decode_upload(upload, max_side=settings.STYLE_PHOTO_MAX_SIDE)
    image_bytes = _jpeg_bytes(img, quality=IMAGE_QUALITY)
    thumb_bytes = _thumbnail_bytes(img)

    photo = Photo(
        owner=owner,
        size_bytes=len(image_bytes),
        checksum=hashlib.sha256(image_bytes).hexdigest(),
        original_name=_display_name(getattr(upload, "name", "")),
    )
    with _StoredFiles() as files, transaction.atomic():
        files.save(photo.image, "photo.jpg", image_bytes)
        files.save(photo.thumbnail, "thumb.jpg", thumb_bytes)
        photo.width, photo.height = img.size
        photo.save()
    return photo


def photo_delete(*, photo: Photo) -> None:
    """Delete a photo and its files. Jobs keep their results (Job.photo becomes NULL)."""
    _delete_with_files(photo, [photo.image.name, photo.thumbnail.name])


# --- themes ------------------------------------------------------------------------------------

def theme_set_image(*, theme: Theme, upload) -> Theme:
    """Validate a painting like a photo, store it re-encoded with a thumbnail, and save the theme.

    Used by the admin and by `install_themes`; the previous files are removed once saved.
    """
    img = decode_upload(upload, max_side=settings.STYLE_PHOTO_MAX_SIDE)
    old = [theme.image.name, theme.thumbnail.name] if theme.pk else []
    with _StoredFiles() as files, transaction.atomic():
        files.save(theme.image, f"{theme.slug}.jpg", _jpeg_bytes(img, quality=IMAGE_QUALITY))
        files.save(theme.thumbnail, f"{theme.slug}-thumb.jpg", _thumbnail_bytes(img))
        theme.save()
        _delete_files_on_commit([n for n in old if n and n not in files.names])
    return theme


def theme_delete(*, theme: Theme) -> None:
    """Delete a theme and its paintings. Raises ProtectedError while a job uses it."""
    theme.refresh_from_db()  # a network the worker gave it since this object was read
    runs = TrainingRun.objects.filter(theme=theme)
    training_files = [*runs.values_list("checkpoint", flat=True),
                      *TrainingSample.objects.filter(run__in=runs).values_list("image", flat=True)]
    _delete_with_files(theme, [theme.image.name, theme.thumbnail.name, theme.network.name,
                               theme.instant_sample.name, *training_files])


def theme_set_network(*, theme: Theme, network: bytes) -> Theme:
    """Give `theme` an instant network (the bytes of a file made by engine.network), with its
    record and its painting of the shipped sample photo (the themes page shows it).

    Called by the worker when a training run ends and by `install_themes`: both run torch
    already. The old network stays in place until the new one is saved (a retraining never
    leaves a theme without one); its files go once the change is committed.
    """
    from engine.errors import EngineError
    from engine.network import apply, load_network

    try:
        net, record = load_network(network)
        sample = apply(net, sample_photo(), INSTANT_SAMPLE_PX)
    except EngineError as exc:
        raise ValidationError(f"This network cannot be used: {exc}", code="invalid_network") from exc
    old = [theme.network.name, theme.instant_sample.name]
    with _StoredFiles() as files, transaction.atomic():
        files.save(theme.network, f"{theme.slug}.pt", network)
        files.save(theme.instant_sample, f"{theme.slug}-instant.jpg",
                   _jpeg_bytes(sample, quality=THUMBNAIL_QUALITY))
        theme.network_record = record
        theme.save(update_fields=["network", "network_record", "instant_sample", "updated_at"])
        _delete_files_on_commit([n for n in old if n and n not in files.names])
    return theme


# The photo every theme's instant network paints for the themes page (see its README).
SAMPLE_PHOTO = PurePath(__file__).parent / "themes" / "sample_photo.jpg"
INSTANT_SAMPLE_PX = THUMBNAIL_PX


def sample_photo():
    """The shipped sample photo (gallery/themes/networks/README.md says whose it is)."""
    from engine.images import load_image

    return load_image(SAMPLE_PHOTO, max_side=INSTANT_SAMPLE_PX)


# --- training runs -----------------------------------------------------------------------------

def training_start(*, theme: Theme, requested_by=None, params: dict | None = None) -> TrainingRun:
    """Queue the training of `theme`'s instant network on the worker.

    `params`: TrainParams fields staff may choose (steps, size, batch, loss weights...); the
    rest are TrainParams' defaults, and the worker's own settings (device, weights, backbone).
    One run per theme at a time. The theme keeps its current network until the new one is done.
    """
    from engine.params import ParamError, TrainParams

    params = dict(params or {})
    allowed = set(TrainParams().to_dict()) - set(WORKER_PARAMS) - {"style_blend_weights"}
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ValidationError({k: ValidationError("Unknown parameter.", code="unknown")
                               for k in unknown})
    if params.get("seed") is None:
        params["seed"] = secrets.randbelow(2**31)
    try:
        resolved = TrainParams.from_dict({**params, "backbone": settings.STYLE_BACKBONE})
    except ParamError as exc:
        raise _params_error(exc) from exc
    except TypeError as exc:
        raise ValidationError(f"Invalid parameters: {exc}", code="invalid") from exc
    if not settings.STYLE_TRAINING_PHOTOS.is_dir():
        raise ValidationError(
            f"The training photos folder {settings.STYLE_TRAINING_PHOTOS} does not exist: put "
            "photographs there (or set STYLE_TRAINING_PHOTOS) first.", code="no_photos")
    recorded = {k: v for k, v in resolved.to_dict().items() if k not in WORKER_PARAMS}
    with transaction.atomic():
        busy = TrainingRun.objects.select_for_update().filter(
            theme=theme, status__in=[TrainingRun.Status.QUEUED, TrainingRun.Status.RUNNING])
        if busy.exists():
            raise ValidationError(f"The theme “{theme.title}” is already being trained.",
                                  code="busy")
        run = TrainingRun.objects.create(theme=theme, requested_by=requested_by, params=recorded,
                                         total=resolved.steps)
        run_id = run.pk
        transaction.on_commit(lambda: _enqueue_training(run_id))
    return run


def _enqueue_training(run_id: int) -> None:
    from . import tasks

    tasks.enqueue_training(run_id)


def training_cancel(*, run: TrainingRun) -> TrainingRun:
    """Cancel a training run: a queued one at once, a running one at its next step."""
    now = timezone.now()
    if TrainingRun.objects.filter(pk=run.pk, status=TrainingRun.Status.QUEUED).update(
        status=TrainingRun.Status.CANCELLED, cancel_requested=True, finished_at=now,
        updated_at=now,
    ) == 0:
        TrainingRun.objects.filter(pk=run.pk, status=TrainingRun.Status.RUNNING).update(
            cancel_requested=True, updated_at=now)
    run.refresh_from_db()
    return run


# --- jobs --------------------------------------------------------------------------------------

def _params_error(exc) -> ValidationError:
    return ValidationError({exc.name: ValidationError(exc.message, code="invalid")})


def resolve_params(*, themes: list[tuple[Theme, float]], params: dict,
                   style_strength: float = 1.0) -> dict:
    """The complete, validated parameter dict of a new job (seed drawn when none is given).

    Precedence: StyleParams defaults < the first theme's default_params < `params`. The worker's
    own parameters (device, weights, backbone) are not part of a job. `style_strength` multiplies
    the resolved style_weight (the gallery's "strength" slider). Raises ValidationError keyed by
    the parameter's name.
    """
    from engine.params import ParamError, StyleParams

    names = {f for f in StyleParams().to_dict()}
    unknown = sorted(set(params) - names)
    if unknown:
        raise ValidationError({k: ValidationError("Unknown parameter.", code="unknown") for k in unknown})
    chosen = {k: v for k, v in params.items() if k not in WORKER_PARAMS}
    theme_defaults = themes[0][0].default_params if themes else {}
    merged = {
        **StyleParams().to_dict(),
        **{k: v for k, v in (theme_defaults or {}).items() if k in names and k not in WORKER_PARAMS},
        **chosen,
    }
    merged["backbone"] = settings.STYLE_BACKBONE  # layers are validated against the worker's VGG
    if merged.get("init") not in JOB_INIT_CHOICES:
        raise ValidationError({"init": ValidationError(
            f"must be one of {', '.join(JOB_INIT_CHOICES)}", code="invalid")})
    # The theme rows are the one source of the blend: one weight per theme, in their order.
    merged["style_blend_weights"] = [float(weight) for _, weight in themes] if themes else None
    if merged.get("seed") is None:
        merged["seed"] = secrets.randbelow(2**31)
    try:
        resolved = StyleParams.from_dict(merged)
        if style_strength != 1.0:
            resolved = resolved.replace(style_weight=resolved.style_weight * style_strength)
    except ParamError as exc:
        raise _params_error(exc) from exc
    except TypeError as exc:  # a value of a type the dataclass cannot even hold
        raise ValidationError(f"Invalid parameters: {exc}", code="invalid") from exc
    out = resolved.to_dict()
    for name in WORKER_PARAMS:
        out.pop(name, None)
    return out


def job_create(*, owner, photo: Photo, themes: list[tuple[Theme, float]], params: dict,
               style_strength: float = 1.0, mode: str = Job.Mode.FULL) -> Job:
    """Create a queued job of `photo` in the style of `themes` (theme, blend weight), in order.

    Every parameter is resolved and stored (see `resolve_params`), the seed included, so the job
    is a complete record. The site's limits (gallery/limits.py: themes, strength, sizes, time,
    the owner's queue) are checked first. The worker is told once the transaction commits. An instant job
    (`mode` "instant") needs every theme to have an instant network; it is painted in the
    instant lane in one pass (its size and preserve_colors are what it uses).
    """
    if mode not in Job.Mode.values:
        raise ValidationError({"mode": ValidationError(
            f"must be one of {', '.join(Job.Mode.values)}", code="invalid")})
    if photo is None or photo.owner_id != owner.pk:
        raise ValidationError({"photo": ValidationError("Choose one of your photos.", code="invalid")})
    if not themes:
        raise ValidationError({"themes": ValidationError("Choose at least one theme.", code="required")})
    limits.check_themes(themes)
    limits.check_strength(style_strength)
    seen = set()
    for theme, weight in themes:
        if not theme.is_active:
            raise ValidationError({"themes": ValidationError(
                f"The theme “{theme.title}” is not available.", code="inactive")})
        if theme.pk in seen:
            raise ValidationError({"themes": ValidationError(
                f"The theme “{theme.title}” is chosen twice.", code="duplicate")})
        seen.add(theme.pk)
        if mode == Job.Mode.INSTANT and not theme.is_instant:
            raise ValidationError({"mode": ValidationError(
                f"The theme “{theme.title}” has no instant network yet: choose Full painting.",
                code="not_instant")})

    resolved = resolve_params(themes=themes, params=params, style_strength=style_strength)
    limits.check_job(params=resolved, photo_size=(photo.width, photo.height))
    if mode == Job.Mode.FULL:
        limits.check_time(seconds=estimates.estimate_seconds(photo=photo, params=resolved))
    with transaction.atomic():
        # One writer per user at a time (a row lock; SQLite's IMMEDIATE transactions already
        # serialize writers), so two requests at once cannot both take the last queue place.
        get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
        limits.check_queue(owner)
        job = Job.objects.create(
            owner=owner,
            photo=photo,
            params=resolved,
            mode=mode,
            status=Job.Status.QUEUED,
            total=1 if mode == Job.Mode.INSTANT else resolved["iterations"],
        )
        JobTheme.objects.bulk_create(
            JobTheme(job=job, theme=theme, weight=float(weight), position=i)
            for i, (theme, weight) in enumerate(themes)
        )
        job_id = job.pk
        transaction.on_commit(lambda: _enqueue(job_id))
    return job


def _enqueue(job_id: int) -> None:
    from . import tasks  # the worker's module; imported late so the site runs without it

    tasks.enqueue_job(job_id)


def job_cancel(*, job: Job) -> Job:
    """Cancel a job: a queued one at once, a running one at its next iteration, a finished one not.

    Conditional updates, so a worker claiming the job at the same moment cannot be overwritten.
    """
    now = timezone.now()
    if Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
        status=Job.Status.CANCELLED, cancel_requested=True, finished_at=now, updated_at=now
    ) == 0:
        Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
            cancel_requested=True, updated_at=now
        )
    job.refresh_from_db()
    return job


def job_drop_state(*, job_id: int) -> None:
    """An ended job needs its exact state (engine/state.py) no more: the field is cleared and
    the file goes once that is committed."""
    name = Job.objects.filter(pk=job_id).values_list("state", flat=True).first()
    with transaction.atomic():
        if name and Job.objects.filter(pk=job_id, state=name).update(state=""):
            _delete_files_on_commit([name])


def job_delete(*, job: Job) -> None:
    """Delete a job with its result and snapshot files; a running job is asked to stop first."""
    if job.status == Job.Status.RUNNING:
        job_cancel(job=job)
    _delete_with_files(job, [job.result.name, job.preview.name, job.state.name]
                       + list(job.snapshots.values_list("image", flat=True)))
