"""The gallery's domain: themes (paintings), users' photos, style jobs and their snapshots,
the training runs of themes' instant networks, and users' account choices.

A job's or a training run's row is the source of truth for its life (status, attempts, heartbeat,
progress, cancel flag): brokers can lose or repeat tasks, the table cannot.
"""
import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone


def _private_path(kind: str, owner_id: int, ext: str) -> str:
    """Unguessable path under private/: served only through views that check the owner."""
    return f"private/{owner_id}/{kind}/{uuid.uuid4().hex}.{ext}"


def theme_image_path(instance, filename):
    return f"themes/{instance.slug}/{uuid.uuid4().hex[:8]}-{filename}"


def photo_image_path(instance, filename):
    return _private_path("photos", instance.owner_id, filename.rsplit(".", 1)[-1])


def job_result_path(instance, filename):
    return _private_path("results", instance.owner_id, filename.rsplit(".", 1)[-1])


def snapshot_image_path(instance, filename):
    return _private_path("snapshots", instance.job.owner_id, filename.rsplit(".", 1)[-1])


def job_state_path(instance, filename):
    return _private_path("states", instance.owner_id, filename.rsplit(".", 1)[-1])


def job_preview_path(instance, filename):
    return _private_path("previews", instance.owner_id, filename.rsplit(".", 1)[-1])


def job_raw_path(instance, filename):
    return _private_path("raw", instance.owner_id, filename.rsplit(".", 1)[-1])


def job_regions_path(instance, filename):
    return _private_path("regions", instance.owner_id, filename.rsplit(".", 1)[-1])


def training_file_path(instance, filename):
    """Checkpoints and samples of a training run: staff-only, never served publicly."""
    run_id = getattr(instance, "run_id", None) or instance.pk
    return f"training/{run_id}/{uuid.uuid4().hex[:8]}-{filename}"


# A theme's slug names it in URLs and in the API: one convention, the one the admin fills in
# from the title (lowercase words joined by hyphens, "the-scream").
validate_theme_slug = RegexValidator(
    r"^[a-z0-9-]+\Z", "Use lowercase letters, digits and hyphens only (e.g. the-scream).",
    code="invalid_slug")


class Theme(models.Model):
    """A painting whose style users can apply. Its images are public."""

    # A CharField with this one rule: a SlugField would also allow underscores and capitals.
    slug = models.CharField(max_length=64, unique=True, validators=[validate_theme_slug],
                            help_text="Lowercase letters, digits and hyphens, e.g. the-scream.")
    title = models.CharField(max_length=200)
    artist = models.CharField(max_length=200, blank=True)
    year = models.CharField(max_length=32, blank=True, help_text="e.g. 1889 or c. 1830")
    image = models.ImageField(upload_to=theme_image_path)
    thumbnail = models.ImageField(upload_to=theme_image_path, blank=True)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=500, blank=True, help_text="where the image comes from")
    licence = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True, db_index=True)
    order = models.PositiveIntegerField(default=0)
    # Engine parameters this painting looks best with (e.g. {"style_weight": 2.0}); a job's own
    # choices override them.
    default_params = models.JSONField(default=dict, blank=True)
    # The instant network (engine/network.py file) and its training record; empty: none yet.
    network = models.FileField(upload_to=theme_image_path, blank=True)
    network_record = models.JSONField(default=dict, blank=True)
    # The network's painting of a sample photo, shown on the themes page.
    instant_sample = models.ImageField(upload_to=theme_image_path, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "title"]

    def __str__(self):
        return f"{self.title} ({self.artist})" if self.artist else self.title

    @property
    def is_instant(self) -> bool:
        return bool(self.network)


class Photo(models.Model):
    """A user's uploaded photograph, re-encoded (metadata stripped) and EXIF-rotated."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_image_path, width_field="width", height_field="height")
    thumbnail = models.ImageField(upload_to=photo_image_path, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size_bytes = models.PositiveIntegerField(default=0, help_text="stored file size")
    checksum = models.CharField(max_length=64, db_index=True, help_text="sha256 of the stored image")
    original_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="photo_owner_recent")]

    def __str__(self):
        return self.original_name or f"Photo {self.pk}"


class WorkerRun(models.Model):
    """The life of work done by a worker: a job, or a training run.

    The row is the source of truth (status, attempts, heartbeat, progress, cancel flag): brokers
    can lose or repeat tasks, the table cannot. Each kind counts its own progress (iteration,
    step) up to `total`.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    cancel_requested = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="times a worker claimed it")
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="last progress save")

    total = models.PositiveIntegerField(default=0)
    losses = models.JSONField(default=dict, blank=True)  # latest {content, style, tv, total}
    # [[iteration or step, total_loss], ...] sampled at each progress save, for the loss curve.
    loss_history = models.JSONField(default=list, blank=True)
    elapsed = models.FloatField(default=0.0)
    remaining = models.FloatField(null=True, blank=True)

    error = models.TextField(blank=True)
    device = models.CharField(max_length=64, blank=True)
    engine_version = models.CharField(max_length=32, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    # The field that counts this kind's progress towards `total`.
    COUNTER = ""

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def progress_percent(self) -> int:
        """By time when the worker has an estimate (a painting that stops once converged has
        no fixed count to reach), else by count."""
        if self.status == self.Status.SUCCEEDED:
            return 100
        if self.remaining is not None and self.elapsed > 0:
            return min(99, int(100 * self.elapsed / (self.elapsed + self.remaining)))
        return int(100 * getattr(self, self.COUNTER) / self.total) if self.total else 0


class Job(WorkerRun):
    """One style transfer of a photo: every resolved parameter, its progress and its result."""

    class Mode(models.TextChoices):
        INSTANT = "instant", "Instant"
        FULL = "full", "Full painting"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    # Instant: one forward pass of the themes' networks, in its own worker lane; full: stylize().
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.FULL)
    # SET_NULL: deleting a photo keeps the user's finished paintings; a queued job then fails
    # with a readable reason.
    photo = models.ForeignKey(Photo, on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs")
    themes = models.ManyToManyField(Theme, through="JobTheme", related_name="jobs")
    # engine.StyleParams.to_dict(), seed included: re-running with it gives the same image.
    params = models.JSONField(default=dict)
    iteration = models.PositiveIntegerField(default=0)
    # Why the engine stopped (engine.step: "converged" or "iterations"); empty until it has.
    stopped = models.CharField(max_length=16, blank=True)
    # Megapixel-iterations run (each iteration counts its scale's pixels): with `elapsed`, the
    # worker's measured speed, from which new jobs' times are estimated (gallery/estimates.py).
    work = models.FloatField(default=0.0)

    result = models.ImageField(upload_to=job_result_path, blank=True)
    # The engine's exact state at the latest snapshot or hand-back (engine/state.py): a resumed
    # attempt goes on from it with the same pixels. Removed once the job has ended.
    state = models.FileField(upload_to=job_state_path, blank=True)
    # A full painting's instant preview (its themes' networks), shown while it waits and runs.
    preview = models.ImageField(upload_to=job_preview_path, blank=True)
    # The painting as the engine made it, before any colour post-step; `result` is the version
    # shown and downloaded, made from it with the colour choices in `colors`.
    raw_result = models.ImageField(upload_to=job_raw_path, blank=True)
    colors = models.JSONField(default=dict, blank=True)
    # Where the themes paint (Gatys et al. 2017, spatial control): a grey PNG at the photo's
    # aspect, white the subject, black the background (soft edges kept); each theme row's
    # `region` says which part it paints. Empty: every theme paints everywhere.
    regions = models.ImageField(upload_to=job_regions_path, blank=True)
    # The job this one was painted again from ("Paint again" with tweaks).
    parent = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="children")
    # A private link's secret (anyone holding it sees the painting); null: not shared.
    share_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # When its owner was e-mailed that it had finished (services.job_email_finished): at most
    # once per job, however often the worker or the reaper ends it.
    finish_emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta(WorkerRun.Meta):
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="job_owner_recent"),
            models.Index(fields=["owner", "status"], name="job_owner_status"),
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat"),
        ]

    COUNTER = "iteration"

    def __str__(self):
        return f"Job {self.pk} ({self.status})"


class JobTheme(models.Model):
    """A theme in a job: its blend weight (normalized by the engine; themes painting the same
    region blend there) and the part of the job's `regions` drawing it paints."""

    class Region(models.TextChoices):
        ALL = "all", "Everywhere"
        SUBJECT = "subject", "Subject"
        BACKGROUND = "background", "Background"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="job_themes")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="job_themes")
    weight = models.FloatField(default=1.0)
    # A part of the job's `regions` drawing (white: subject, black: background); where no
    # theme paints, the photo stays.
    region = models.CharField(max_length=16, choices=Region.choices, default=Region.ALL)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["job", "theme"], name="job_theme_once")]

    def __str__(self):
        return f"{self.theme.slug} x{self.weight:g}"


class Snapshot(models.Model):
    """The image of a running job at one iteration, shown as a strip on the job page."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="snapshots")
    iteration = models.PositiveIntegerField()
    image = models.ImageField(upload_to=snapshot_image_path)
    losses = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["job", "iteration"]
        constraints = [models.UniqueConstraint(fields=["job", "iteration"], name="snapshot_once")]

    def __str__(self):
        return f"Snapshot {self.iteration} of job {self.job_id}"


class TrainingRun(WorkerRun):
    """Training a theme's instant network on the worker: a job's life, for staff. Its checkpoint
    file (weights and Adam's state) lets a run whose worker died resume where it was."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="training_runs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    params = models.JSONField(default=dict)  # engine.params.TrainParams.to_dict(), seed included
    step = models.PositiveIntegerField(default=0)
    checkpoint = models.FileField(upload_to=training_file_path, blank=True)

    COUNTER = "step"

    class Meta(WorkerRun.Meta):
        pass

    def __str__(self):
        return f"Training {self.pk} of {self.theme.slug} ({self.status})"


class TrainingSample(models.Model):
    """The network's painting of the sample photo at one step: the training page's strip."""

    run = models.ForeignKey(TrainingRun, on_delete=models.CASCADE, related_name="samples")
    step = models.PositiveIntegerField()
    image = models.ImageField(upload_to=training_file_path)
    losses = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["run", "step"]
        constraints = [models.UniqueConstraint(fields=["run", "step"], name="training_sample_once")]


class Profile(models.Model):
    """A user's choices about their account (the e-mail address itself is the user's own field).
    Made when first saved (services.account_update); a user without one has the defaults."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="profile")
    # Full paintings only: an instant one is done before the page has even loaded.
    email_when_finished = models.BooleanField(
        default=False, help_text="e-mail the user when a full painting succeeds or fails")

    def __str__(self):
        return f"Profile of {self.user}"
