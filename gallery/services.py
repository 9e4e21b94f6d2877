"""Writes: every change to photos, themes, jobs and accounts goes through these keyword-only
functions.

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
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from engine.params import draw_seed

from . import colors, estimates, limits, regions as drawings, uploads
from .models import Job, JobTheme, Photo, Profile, Theme, TrainingRun, TrainingSample
from .params import machine_names, user_specs

log = logging.getLogger(__name__)

THUMBNAIL_PX = 480  # long side of photo and theme thumbnails: sharp on a phone's 2x screen
THUMBNAIL_QUALITY = 85
IMAGE_QUALITY = 95



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
    _refuse_unknown(params, user_specs(TrainParams))
    if params.get("seed") is None:
        params["seed"] = draw_seed()
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
    recorded = {k: v for k, v in resolved.to_dict().items()
                if k not in machine_names(TrainParams)}
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


def _refuse_unknown(params: dict, allowed) -> None:
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValidationError({k: ValidationError("Unknown parameter.", code="unknown")
                               for k in unknown})


def check_theme_defaults(params) -> dict:
    """A theme's default_params: parameters a person may choose, each valid for the engine
    (what a new job would refuse is refused here, keyed by the parameter's name)."""
    if not isinstance(params, dict):
        raise ValidationError("Must be an object of job parameters.", code="invalid")
    _refuse_unknown(params, user_specs())
    check_choices(params)
    resolve_params(themes=[], params=params)
    return dict(params)


def check_choices(params: dict) -> None:
    """Each parameter a person chose, on its own, against its description with this site's
    caps: every one outside its limits at once, keyed by its name, in the words the form's help
    uses. How they go together is resolve_params's to say."""
    specs = user_specs()
    errors = {
        name: ValidationError(f"must be {specs[name].rule}", code="invalid")
        for name, value in params.items()
        if name in specs and not specs[name].allows(tuple(value) if isinstance(value, list)
                                                   else value)
    }
    if errors:
        raise ValidationError(errors)


def resolve_params(*, themes: list[tuple[Theme, float]], params: dict,
                   style_strength: float = 1.0) -> dict:
    """The complete, validated parameter dict of a new job (seed drawn when none is given).

    Precedence: the engine's defaults < the first theme's default_params < `params`. Only the
    parameters a person may choose are taken from `params` and the theme (gallery.params); the
    blend weights are the theme rows' and the worker's settings are not part of a job.
    `style_strength` multiplies the resolved style_weight (the gallery's "strength" slider).
    Raises ValidationError keyed by the parameter's name.
    """
    from engine.params import ParamError, StyleParams

    specs = user_specs()
    _refuse_unknown(params, StyleParams().to_dict())  # a whole job's record is welcome back
    theme_defaults = themes[0][0].default_params if themes else {}
    if not isinstance(theme_defaults, dict):  # stored before it was checked: not a default
        theme_defaults = {}
    merged = {
        **StyleParams().to_dict(),
        **{k: v for k, v in theme_defaults.items() if k in specs},
        **{k: v for k, v in params.items() if k in specs},
    }
    for spec in specs.values():  # choices the engine allows but the site does not (init paths)
        if spec.kind == "choice" and not spec.allows(merged[spec.name]):
            raise ValidationError({spec.name: ValidationError(f"must be {spec.rule}", code="invalid")})
    merged["backbone"] = settings.STYLE_BACKBONE  # layers are validated against the worker's VGG
    # The theme rows are the one source of the blend: one weight per theme, in their order.
    merged["style_blend_weights"] = [float(weight) for _, weight in themes] if themes else None
    if merged.get("seed") is None:
        merged["seed"] = draw_seed()
    try:
        resolved = StyleParams.from_dict(merged)
        if style_strength != 1.0:
            resolved = resolved.replace(style_weight=resolved.style_weight * style_strength)
    except ParamError as exc:
        raise _params_error(exc) from exc
    except TypeError as exc:  # a value of a type the dataclass cannot even hold
        raise ValidationError(f"Invalid parameters: {exc}", code="invalid") from exc
    out = resolved.to_dict()
    for name in machine_names():
        out.pop(name, None)
    return out


def job_create(*, owner, photo: Photo, themes: list[tuple], params: dict,
               style_strength: float = 1.0, mode: str = Job.Mode.FULL,
               parent: Job | None = None, regions=None) -> Job:
    """Create a queued job of `photo` in the style of `themes` (theme, blend weight), in order;
    a row (theme, weight, region) paints only that part of the drawing `regions`.

    Every parameter is resolved and stored (see `resolve_params`), the seed included, so the job
    is a complete record. The site's limits (gallery/limits.py: themes, strength, sizes, time,
    the owner's queue) are checked first. The worker is told once the transaction commits. An instant job
    (`mode` "instant") needs every theme to have an instant network; it is painted in the
    instant lane in one pass (its size and preserve_colors are what it uses). `parent`: the
    owner's job this one paints again (see `job_rerun`).

    `regions` (bytes or a file): where the themes paint, a grey drawing at the photo's aspect,
    white the subject, black the background (gallery/regions.py). It is needed, and kept as a
    grey PNG, when a row's region is "subject" or "background" (that part must be painted);
    when every row paints everywhere it is ignored. An instant painting paints everywhere.
    """
    if mode not in Job.Mode.values:
        raise ValidationError({"mode": ValidationError(
            f"must be one of {', '.join(Job.Mode.values)}", code="invalid")})
    if photo is None or photo.owner_id != owner.pk:
        raise ValidationError({"photo": ValidationError("Choose one of your photos.", code="invalid")})
    if parent is not None and parent.owner_id != owner.pk:
        raise ValidationError({"parent": ValidationError("Choose one of your jobs.", code="invalid")})
    if not themes:
        raise ValidationError({"themes": ValidationError("Choose at least one theme.", code="required")})
    rows = [_theme_row(row) for row in themes]  # (theme, weight, region)
    themes = [(theme, weight) for theme, weight, _ in rows]
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

    drawing = _regions_png(regions, rows=rows, photo=photo, mode=mode)
    resolved = resolve_params(themes=themes, params=params, style_strength=style_strength)
    limits.check_job(params=resolved, photo_size=(photo.width, photo.height))
    if mode == Job.Mode.FULL:
        limits.check_time(seconds=estimates.estimate_seconds(photo=photo, params=resolved))
    with _StoredFiles() as files, transaction.atomic():
        # One writer per user at a time (a row lock; SQLite's IMMEDIATE transactions already
        # serialize writers), so two requests at once cannot both take the last queue place.
        get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
        limits.check_queue(owner)
        job = Job(
            owner=owner,
            photo=photo,
            params=resolved,
            mode=mode,
            status=Job.Status.QUEUED,
            total=1 if mode == Job.Mode.INSTANT else resolved["iterations"],
            parent=parent,
        )
        if drawing is not None:
            files.save(job.regions, "regions.png", drawing)
        job.save()
        JobTheme.objects.bulk_create(
            JobTheme(job=job, theme=theme, weight=float(weight), region=region, position=i)
            for i, (theme, weight, region) in enumerate(rows)
        )
        job_id = job.pk
        transaction.on_commit(lambda: _enqueue(job_id))
    return job


def job_rerun(*, job: Job, changes: dict | None = None, themes=None, photo=None, mode=None,
              style_strength: float = 1.0, regions=None) -> Job:
    """Paint `job` again: its photo, themes (with their regions), regions drawing and every
    parameter it recorded (the seed included), but for `changes` (parameters) and whatever
    else is given. The new job records `job` as its parent and has its own copy of the
    drawing; the same checks and limits as any new job apply."""
    photo = photo or job.photo
    if photo is None:
        raise ValidationError({"photo": ValidationError(
            "Its photo was deleted: choose another one.", code="no_photo")})
    chosen = set(user_specs())
    params = {k: v for k, v in (job.params or {}).items() if k in chosen} | dict(changes or {})
    themes = themes or [(jt.theme, jt.weight, jt.region)
                        for jt in job.job_themes.select_related("theme")]
    if regions is None and job.regions:
        regions = _read_regions(job)
    return job_create(owner=job.owner, photo=photo, themes=themes, params=params,
                      style_strength=style_strength, mode=mode or job.mode, parent=job,
                      regions=regions)


def _theme_row(row) -> tuple:
    """A theme row as (theme, weight, region): (theme, weight) paints everywhere."""
    theme, weight, region = (*row, JobTheme.Region.ALL) if len(row) == 2 else row
    if region not in JobTheme.Region.values:
        raise ValidationError({"themes": ValidationError(
            f"A theme's region must be one of {', '.join(JobTheme.Region.values)}.",
            code="invalid_region")})
    return theme, weight, region


def _regions_png(regions, *, rows, photo: Photo, mode: str) -> bytes | None:
    """The drawing to keep with a new job (an 8-bit grey PNG), or None when no row uses one."""
    if all(region == JobTheme.Region.ALL for _, _, region in rows):
        return None
    if mode == Job.Mode.INSTANT:
        raise ValidationError({"mode": ValidationError(
            "An instant painting paints every theme everywhere: choose Full painting to paint "
            "regions.", code="instant_regions")})
    if regions is None:
        raise ValidationError({"regions": ValidationError(
            "Paint the subject first: a theme is set to paint the subject or the background.",
            code="required")})
    img = drawings.drawing(regions, photo_size=(photo.width, photo.height))
    drawings.check_painted(img, rows)
    return drawings.png_bytes(img)


def _read_regions(job: Job) -> bytes:
    try:
        with job.regions.open("rb") as f:
            return f.read()
    except OSError:
        raise ValidationError({"regions": ValidationError(
            "The drawing of its regions is missing: paint them again.", code="missing")}) from None


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
    """Delete a job with its result, raw result, regions and snapshot files; a running job is
    asked to stop first."""
    if job.status == Job.Status.RUNNING:
        job_cancel(job=job)
    with transaction.atomic():
        # The names as they are now, the row locked until the delete commits: a colour change
        # (job_set_colors) may have replaced the result file since `job` was read.
        names = Job.objects.select_for_update().filter(pk=job.pk).values_list(
            "result", "raw_result", "preview", "state", "regions").first() or ()
        _delete_with_files(job, [*names, *job.snapshots.values_list("image", flat=True)])


# --- private links -----------------------------------------------------------------------------

def job_share(*, job: Job) -> Job:
    """Share a finished painting by a private link: anyone who has it sees the painting and its
    photo (gallery/views/share.py), nothing else of the owner's. Sharing it again keeps the link.

    The link's secret is 256 random bits (`share_token`); a ValidationError says why a job
    cannot be shared (it has no painting yet).
    """
    if job.status != Job.Status.SUCCEEDED or not job.result:
        raise ValidationError("Only a finished painting can be shared.", code="not_finished")
    # Conditional, so two clicks at once give one link.
    Job.objects.filter(pk=job.pk, share_token__isnull=True).update(
        share_token=secrets.token_urlsafe(32), updated_at=timezone.now())
    job.refresh_from_db(fields=["share_token", "updated_at"])
    return job


def job_unshare(*, job: Job) -> Job:
    """Stop sharing: the link answers 404 from now on, and sharing again makes a new one."""
    Job.objects.filter(pk=job.pk).update(share_token=None, updated_at=timezone.now())
    job.refresh_from_db(fields=["share_token", "updated_at"])
    return job


def job_set_colors(*, job: Job, keep_colors: bool, match_histogram: bool, mix: float) -> Job:
    """Show a finished painting with other colours (gallery/colors.py): keep the photo's
    colours, match its colour histogram, mix it in (0 to 1).

    The choice is recorded at once and the instant lane's worker makes the picture from the raw
    painting (tasks.recolor_job) once this commits; meanwhile the result shows the previous
    choice and `colors.state` says it is pending. Going back to the choice shown needs no work.
    A ValidationError says why a job's colours cannot change: not finished, made before they
    could, or (for any post-step) its photo deleted.
    """
    wanted = colors.choice(keep_colors=keep_colors, match_histogram=match_histogram, mix=mix)
    with transaction.atomic():
        job = Job.objects.select_for_update(of=("self",)).select_related("photo").get(pk=job.pk)
        if job.status != Job.Status.SUCCEEDED:
            raise ValidationError(
                f"Only a finished painting's colours can be changed; this one has {job.status}.",
                code="not_finished")
        if not job.raw_result or "shown" not in (job.colors or {}):
            raise ValidationError(
                "This painting was made before its colours could be changed: paint it again "
                "to change them.", code="no_raw_result")
        if colors.needs_photo(wanted) and job.photo is None:
            raise ValidationError(
                "The photo of this painting was deleted: its colours can only be set back to "
                "the painting's own.", code="no_photo")
        shown, asked = job.colors["shown"], job.colors.get("asked", 0) + 1
        pending = None if wanted == shown else wanted
        job.colors = {**job.colors, "wanted": pending, "asked": asked, "error": ""}
        job.save(update_fields=["colors", "updated_at"])
        if pending is not None:
            job_id = job.pk
            transaction.on_commit(lambda: _enqueue_recolor(job_id))
    return job


def _enqueue_recolor(job_id: int) -> None:
    from . import tasks

    tasks.enqueue_recolor(job_id)


# --- accounts ----------------------------------------------------------------------------------

def account_update(*, user, email: str, email_when_finished: bool) -> None:
    """Set a user's e-mail address (empty: none) and whether their finished full paintings are
    told by e-mail (forms.AccountForm checks that there is an address for it)."""
    with transaction.atomic():
        if user.email != email:
            user.email = email
            user.save(update_fields=["email"])
        Profile.objects.update_or_create(
            user=user, defaults={"email_when_finished": email_when_finished})


def job_email_finished(*, job_id: int) -> bool:
    """E-mail the owner of full painting `job_id` that it has succeeded or failed, when they
    asked for it (Profile.email_when_finished) and have an address: once per job, whoever asks
    and however often. Whether a mail went out. A mail that cannot be sent is logged, never
    raised: the painting is finished either way, and a mail server is no reason to fail it."""
    job = (
        Job.objects.select_related("owner", "photo")
        .filter(pk=job_id, mode=Job.Mode.FULL, finish_emailed_at__isnull=True,
                status__in=(Job.Status.SUCCEEDED, Job.Status.FAILED),
                owner__profile__email_when_finished=True)
        .exclude(owner__email="")
        .first()
    )
    # Claimed before it is sent: of two callers at once (the worker, the reaper), one sends.
    if job is None or not Job.objects.filter(pk=job.pk, finish_emailed_at__isnull=True).update(
            finish_emailed_at=timezone.now()):
        return False
    context = {
        "job": job,
        "user": job.owner,
        "themes": " + ".join(job.job_themes.order_by("position").values_list("theme__title",
                                                                           flat=True)),
        "succeeded": job.status == Job.Status.SUCCEEDED,
        "elapsed": estimates.duration(job.elapsed),
        "job_url": settings.STYLE_SITE_URL + reverse("gallery:job-detail", args=[job.pk]),
        "account_url": settings.STYLE_SITE_URL + reverse("gallery:account"),
    }
    subject = " ".join(render_to_string("gallery/email/job_finished_subject.txt", context).split())
    try:
        send_mail(subject, render_to_string("gallery/email/job_finished.txt", context),
                  None, [job.owner.email])
    except Exception:  # SMTP refusals, a server out of reach, a full disk: all only logged
        log.exception("job %s: the e-mail to its owner could not be sent", job.pk)
        return False
    log.info("job %s: its owner was e-mailed that it %s", job.pk, job.status)
    return True
