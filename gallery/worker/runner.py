"""Run one job: claim it, feed `engine.stylize()` its photo and paintings (each with the mask of
its region, when the job has a regions drawing: gallery/regions.py), record every step.

The claim is an atomic conditional UPDATE (queued -> running, attempts + 1), so a job runs once
however many workers get its task. Every later write is fenced by (status running, this attempt):
if the reaper took the job back and another worker claimed it, or the owner deleted it, this run's
writes match no row and it stops (JobLost) instead of overwriting the other run.

While running: progress and the heartbeat are saved at most every PROGRESS_EVERY seconds (and on
snapshots), the cancel flag is read at most every CANCEL_CHECK_EVERY seconds, a Snapshot is kept
every `snapshot_every` iterations (PNG, lossless: a resumed run starts from it), and the result is
saved with the device and the engine version, beside the raw painting it was made from (the
colours can change later without painting again: gallery/colors.py). Any failure ends as status "failed" with a message
for the job's owner; `run_job` never raises, so the worker goes on with its next task.
"""
from __future__ import annotations

import gc
import io
import logging
import sys
import time

from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

import engine
from engine.errors import EngineError, ImageError, WeightsError
from engine.images import load_image
from engine.params import ParamError, StyleParams, draw_seed
from engine.schedule import pixels
from engine.step import STOPPED_ITERATIONS

from .. import queue, regions, services, tasks
from ..estimates import duration
from ..models import Job, JobTheme, Snapshot
from ..params import user_specs
from . import conf, stopping
from .colors import first_result
from .heartbeat import Heartbeat

log = logging.getLogger(__name__)

RUNNING = Job.Status.RUNNING


class JobFailed(Exception):
    """A failure whose message is written for the job's owner."""


class JobLost(Exception):
    """The job is no longer this run's: deleted, or taken back by the reaper."""


def claim(job_id) -> int | None:
    """Take a queued job for this worker (queued -> running): the attempt number, or None.

    One UPDATE ... WHERE status = 'queued': of several workers holding the same task (the ORM
    broker redelivers after `retry`, the reaper re-enqueues), exactly one gets a row back.
    """
    now = timezone.now()
    taken = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED, cancel_requested=False).update(
        status=RUNNING,
        attempts=F("attempts") + 1,
        heartbeat_at=now,
        started_at=Coalesce("started_at", Value(now)),
        finished_at=None,
        error="",
        updated_at=now,
    )
    if not taken:
        return None
    return Job.objects.values_list("attempts", flat=True).get(pk=job_id)


def run_next_job() -> str:
    """Claim and run the fairest queued full painting (gallery/queue.py); what became of it,
    or "skipped" when there is none this worker may start."""
    for job_id in queue.next_jobs(Job.Mode.FULL):
        attempt = claim(job_id)
        if attempt is not None:
            return _run_claimed(job_id, attempt)
    log.info("no queued painting to start")
    return "skipped"


def run_job(job_id) -> str:
    """Claim and run job `job_id`; returns what became of it (for django-q's task result).

    "skipped" when the job is not queued (already run, running elsewhere, cancelled, deleted).
    """
    attempt = claim(job_id)
    if attempt is None:
        log.info("job %s: not queued, nothing to do", job_id)
        return "skipped"
    return _run_claimed(job_id, attempt)


def _run_claimed(job_id, attempt: int) -> str:
    log.info("job %s: claimed (attempt %s)", job_id, attempt)
    with stopping.running():  # SIGTERM meanwhile: handed back, then this process ends
        with Heartbeat(Job.objects.filter(pk=job_id, status=RUNNING, attempts=attempt)) as pulse:
            outcome = _attempt(job_id, attempt, pulse)
        log.info("job %s: %s", job_id, outcome)
        if outcome in ("succeeded", "failed", "cancelled"):
            services.job_drop_state(job_id=job_id)
        if outcome in ("succeeded", "failed"):
            services.job_email_finished(job_id=job_id)  # if its owner asked; never raises
        _wake_for_owner_queue(job_id)
    return outcome


def _attempt(job_id, attempt: int, pulse: Heartbeat) -> str:
    """Run the claimed attempt to its outcome; every failure is recorded on the job."""
    run = None
    try:
        run = JobRun(job_id, attempt, pulse)
        return run.execute()
    except JobLost:
        log.warning("job %s: no longer ours (deleted or taken back by the reaper); stopped", job_id)
        return "lost"
    except Exception as exc:  # every failure ends as a readable error; the worker goes on
        message = user_message(exc)
        if isinstance(exc, JobFailed) or _is_engine_error(exc) or _is_out_of_memory(exc):
            log.warning("job %s failed: %s", job_id, message)
        else:
            log.exception("job %s failed unexpectedly", job_id)
        _fail(job_id, attempt, message)
        return "failed"
    finally:
        del run
        _release_memory()


def _wake_for_owner_queue(job_id) -> None:
    """One more wake-up call when the owner of the job just finished has paintings waiting:
    their calls may have found them all blocked by STYLE_MAX_RUNNING_JOBS while this ran."""
    owner = Job.objects.filter(pk=job_id).values_list("owner_id", flat=True).first()
    if owner is not None and Job.objects.filter(owner_id=owner, mode=Job.Mode.FULL,
                                                status=Job.Status.QUEUED).exists():
        tasks.wake_worker()


class JobRun:
    """One attempt at one job: its inputs, and what it has recorded so far."""

    def __init__(self, job_id, attempt: int, pulse: Heartbeat | None = None):
        self.job = Job.objects.select_related("photo").get(pk=job_id)
        self.attempt = attempt
        self.pulse = pulse  # the heartbeat thread: it notices first when the job is taken away
        # Every write after the claim goes through this: it matches only while the job is ours.
        self.fence = Job.objects.filter(pk=job_id, status=RUNNING, attempts=attempt)
        self.history = [list(point) for point in (self.job.loss_history or [])]
        self.elapsed_before = self.job.elapsed  # time spent by earlier attempts
        self.work = self.job.work  # megapixel-iterations, earlier attempts' included
        self.photo = None  # the job's photo (PIL), once read
        self.photo_size = (0, 0)  # (width, height) of the photo, which prices each iteration
        self.saved_at = self.checked_at = time.monotonic()

    # -- the run --------------------------------------------------------------------------------

    def execute(self) -> str:
        content = self.photo = job_photo(self.job)
        self.photo_size = content.size
        styles, weights = self._paintings()
        masks = self._style_masks()  # the same on every attempt: a resumed run paints alike
        params = self._params(weights)
        start, init, state = self._exact_resume_point(params) or self._resume_point(params)
        self._record_start(params, start)
        if start >= params.iterations:  # died between its last snapshot and saving the result
            self._succeed(params.iterations, init, self.job.losses, remaining=0.0, elapsed=0.0)
            return "succeeded"

        # A size too big for this machine is refused here (ParamError), before any work.
        steps = engine.stylize(content, styles, params, start_iteration=start, init_image=init,
                               resume=state, free_memory=conf.worker_memory(),
                               style_masks=masks)
        try:
            for step in steps:
                self._record(step, params.snapshot_every)
                if step.is_last:
                    self._succeed(step.iteration, _raw_picture(step), step.losses,
                                  remaining=0.0, elapsed=step.elapsed, stopped=step.stopped)
                    return "succeeded"
                if self._cancel_requested():
                    self._stop_cancelled(step)
                    return "cancelled"
                if stopping.requested():
                    self._hand_back(step)
                    return "handed back"
                self._check_time_limit(step)
        finally:
            steps.close()  # frees the optimizer's tensors now, not at the next collection
        raise JobFailed(f"The engine stopped before the last iteration (engine {engine.ENGINE_VERSION}).")

    def _record(self, step, snapshot_every: int) -> None:
        self.work += pixels(self.photo_size, step.scale) / 1e6
        self.history.append([step.iteration, round(float(step.losses.get("total", 0.0)), 6)])
        if len(self.history) > conf.MAX_HISTORY:  # thin the curve, keep its ends
            self.history = self.history[:-1:2] + self.history[-1:]
        is_snapshot = (
            step.image is not None and snapshot_every and step.iteration % snapshot_every == 0
        )
        now = time.monotonic()
        if is_snapshot or now - self.saved_at >= conf.PROGRESS_EVERY or step.iteration == 1:
            self._save_progress(step)
        if is_snapshot:
            self._save_snapshot(step)
            if not step.is_last:
                self._save_state(step)
        if self.pulse is not None and self.pulse.lost.is_set():
            raise JobLost

    def _check_time_limit(self, step) -> None:
        """A painting past STYLE_JOB_TIMEOUT (its attempts together) is stopped with a reason,
        before django-q's own timeout kills the whole worker."""
        limit = conf.time_limit()
        if self.elapsed_before + step.elapsed > limit:
            raise JobFailed(
                f"The painting was stopped after {duration(limit)}, the most this site gives "
                f"one painting (at iteration {step.iteration}): try a smaller size or fewer "
                "iterations.")

    def _cancel_requested(self) -> bool:
        now = time.monotonic()
        if now - self.checked_at < conf.CANCEL_CHECK_EVERY:
            return False
        self.checked_at = now
        flag = Job.objects.filter(pk=self.job.pk).values_list("cancel_requested", flat=True).first()
        if flag is None:
            raise JobLost
        return flag

    # -- inputs ---------------------------------------------------------------------------------

    def _paintings(self):
        links = list(self.job.job_themes.select_related("theme").order_by("position"))
        if not links:
            raise JobFailed("This job has no theme to paint with.")
        styles = []
        for link in links:
            theme = link.theme
            try:
                with theme.image.open("rb") as f:
                    styles.append(load_image(f))
            except (FileNotFoundError, ValueError):  # ValueError: no file at all
                raise JobFailed(f"The painting of the theme “{theme.title}” is missing.") from None
            except ImageError as exc:
                raise JobFailed(f"The painting of the theme “{theme.title}” could not be read: {exc}") from None
        return styles, [float(link.weight) for link in links]

    def _style_masks(self) -> list | None:
        """One mask per theme, in order, from the job's regions drawing and each theme's region
        (gallery/regions.py); None when every theme paints everywhere."""
        wanted = list(self.job.job_themes.order_by("position").values_list("region", flat=True))
        if all(region == JobTheme.Region.ALL for region in wanted):
            return None
        try:
            with self.job.regions.open("rb") as f:
                drawing = load_image(f)
        except (FileNotFoundError, ValueError):  # ValueError: no file at all
            raise JobFailed("The drawing of this job's regions is missing: paint it again.") from None
        except ImageError as exc:
            raise JobFailed(f"The drawing of this job's regions could not be read: {exc}") from None
        return regions.style_masks(drawing, wanted)

    def _params(self, weights: list[float]):
        data = {**self.job.params, **conf.engine_settings()}
        init = user_specs()["init"]
        if not init.allows(data.get("init", init.default)):
            # On a shared server a job must not name a file on it.
            raise JobFailed(f"init: must be {init.rule}.")
        blend = data.get("style_blend_weights")
        if not blend or len(blend) != len(weights):
            data["style_blend_weights"] = weights  # the job's themes are the source of truth
        if data.get("seed") is None:
            data["seed"] = draw_seed()  # recorded below: a re-run repeats it
        return StyleParams.from_dict(data)

    def _exact_resume_point(self, params):
        """(its iteration, None, the state) from the exact state an earlier attempt saved
        (engine/state.py), or None when there is none it can go on from."""
        from engine.state import load

        if not self.job.state:
            return None
        try:
            with self.job.state.open("rb") as f:
                data = f.read()
            saved = load(data, params)
        except (OSError, ValueError) as exc:  # ParamError is a ValueError
            log.warning("job %s: its saved state cannot be used (%s); resuming from a snapshot",
                        self.job.pk, exc)
            return None
        log.info("job %s: resuming exactly from iteration %s", self.job.pk, saved.iteration)
        return saved.iteration, None, data

    def _resume_point(self, params):
        """(start iteration, its image, None) from the latest readable snapshot of an earlier
        attempt."""
        for snap in self.job.snapshots.order_by("-iteration"):
            if snap.iteration > params.iterations:
                continue
            try:
                with snap.image.open("rb") as f:
                    image = load_image(f)
            except (OSError, ValueError, ImageError):
                log.warning("job %s: snapshot %s unreadable, trying an earlier one", self.job.pk, snap.iteration)
                _delete_snapshot(snap)
                continue
            log.info("job %s: resuming from snapshot %s", self.job.pk, snap.iteration)
            return snap.iteration, image, None
        return 0, None, None

    # -- writes (all fenced) --------------------------------------------------------------------

    def _update(self, **fields) -> None:
        now = timezone.now()
        if not self.fence.update(**{"heartbeat_at": now, "updated_at": now, **fields}):
            raise JobLost

    def _record_start(self, params, start: int) -> None:
        self.history = [p for p in self.history if p[0] <= start]
        recorded = dict(self.job.params)
        recorded["seed"] = params.seed
        self._update(
            params=recorded,
            device=describe_device(params.device),
            engine_version=engine.ENGINE_VERSION,
            iteration=start,
            total=params.iterations,
            loss_history=self.history,
            remaining=None,
        )

    def _progress_fields(self, step) -> dict:
        return dict(
            iteration=step.iteration,
            total=step.total,
            losses=_clean_losses(step.losses),
            loss_history=self.history,
            elapsed=self.elapsed_before + step.elapsed,
            remaining=step.remaining,
            work=self.work,
        )

    def _save_progress(self, step) -> None:
        self._update(**self._progress_fields(step))
        self.saved_at = time.monotonic()

    def _save_snapshot(self, step) -> None:
        snap = Snapshot(job=self.job, iteration=step.iteration, losses=_clean_losses(step.losses))
        for old in Snapshot.objects.filter(job=self.job, iteration=step.iteration):
            _delete_snapshot(old)  # from an attempt that restarted from scratch
        snap.image.save(f"snapshot-{step.iteration}.png", ContentFile(_png(step.image, level=3)), save=False)
        try:
            snap.save()
        except IntegrityError:  # the job was deleted under us
            snap.image.delete(save=False)
            raise JobLost from None

    def _succeed(self, iteration: int, raw, losses, *, remaining: float, elapsed: float,
                 stopped: str = STOPPED_ITERATIONS) -> None:
        """Keep `raw`, the painting before any colour post-step, and the result made from it
        with the job's first colours (gallery/colors.py)."""
        if raw is None:
            raise JobFailed("The engine gave no image at the last iteration.")
        picture, colors = first_result(raw, self.photo, self.job.params)
        result, kept = self.job.result, self.job.raw_result
        kept.save("raw.png", ContentFile(_png(raw, level=6)), save=False)
        result.save("result.png", ContentFile(_png(picture, level=6)), save=False)
        try:
            self._update(
                status=Job.Status.SUCCEEDED,
                result=result.name,
                raw_result=kept.name,
                colors=colors,
                iteration=iteration,
                losses=_clean_losses(losses),
                loss_history=self.history,
                elapsed=self.elapsed_before + elapsed,
                remaining=remaining,
                stopped=stopped,
                work=self.work,
                finished_at=timezone.now(),
            )
        except JobLost:
            result.delete(save=False)
            kept.delete(save=False)
            raise

    def _save_state(self, step) -> None:
        """Keep the engine's exact state at this step (replacing the previous one)."""
        if step.state is None:
            return
        old = self.job.state.name
        self.job.state.save("state.pt", ContentFile(step.state()), save=False)
        try:
            self._update(state=self.job.state.name)
        except JobLost:
            self.job.state.delete(save=False)
            raise
        if old:
            self.job.state.storage.delete(old)

    def _hand_back(self, step) -> None:
        """Stopping gracefully: save the exact state and put the job back in the queue for
        another worker, without counting this attempt against it."""
        self._save_state(step)
        self._update(status=Job.Status.QUEUED, attempts=F("attempts") - 1, heartbeat_at=None,
                     **{**self._progress_fields(step), "remaining": None})
        job_id = self.job.pk
        transaction.on_commit(lambda: tasks.enqueue_job(job_id))
        log.warning("job %s: handed back at iteration %s with its exact state", job_id,
                    step.iteration)

    def _stop_cancelled(self, step) -> None:
        self._update(
            status=Job.Status.CANCELLED,
            finished_at=timezone.now(),
            **{**self._progress_fields(step), "remaining": None},
        )


# -- helpers ------------------------------------------------------------------------------------

def job_photo(job: Job):
    """The job's photo as a PIL image, or JobFailed saying why it cannot be had."""
    photo = job.photo
    if photo is None or not photo.image:
        raise JobFailed("The photo of this job was deleted before the job could run.")
    try:
        with photo.image.open("rb") as f:
            return load_image(f)
    except FileNotFoundError:
        raise JobFailed("The photo's file is missing: it was probably deleted.") from None
    except ImageError as exc:
        raise JobFailed(f"The photo could not be read: {exc}") from None


def _fail(job_id, attempt: int, message: str) -> None:
    now = timezone.now()
    try:
        Job.objects.filter(pk=job_id, status=RUNNING, attempts=attempt).update(
            status=Job.Status.FAILED, error=message[:4000], remaining=None,
            finished_at=now, heartbeat_at=now, updated_at=now,
        )
    except DatabaseError:  # the database itself failed: the reaper will settle the job
        log.exception("job %s: could not record its failure", job_id)


def user_message(exc: BaseException) -> str:
    """What the job's owner reads on the job page for this failure."""
    if isinstance(exc, JobFailed):
        return str(exc)
    if _is_out_of_memory(exc):
        return ("Out of memory: this machine cannot hold an image of this size while painting it. "
                "Try again with a smaller size (or fewer themes).")
    if isinstance(exc, WeightsError):
        return (f"The worker cannot load the style network's weights ({exc}). "
                "This is a problem with the server's setup; tell its administrator.")
    if isinstance(exc, ParamError):
        return f"This job has a parameter the engine cannot use: {exc}."
    if isinstance(exc, ImageError):
        return f"An image of this job could not be read: {exc}"
    if isinstance(exc, EngineError):
        return str(exc)
    if isinstance(exc, DatabaseError):
        return f"The worker lost its database while running this job ({type(exc).__name__}: {exc})."
    return f"The worker hit an unexpected error ({type(exc).__name__}: {exc})."


def _is_engine_error(exc: BaseException) -> bool:
    return isinstance(exc, EngineError)


def _is_out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and (
        "out of memory" in text or "can't allocate memory" in text or "not enough memory" in text
    )


def _release_memory() -> None:
    """After a job (an out-of-memory one above all): give the memory back before the next."""
    gc.collect()
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_initialized():
        torch.cuda.empty_cache()


def describe_device(name: str) -> str:
    """The device a job runs on, as recorded on the job: "cuda:1 (NVIDIA H200)", "cpu (2 threads)"."""
    import torch
    from engine.device import resolve_device

    device = resolve_device(name)  # ParamError when cuda is asked for and absent
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"cuda:{index} ({torch.cuda.get_device_name(index)})"[:64]
    return f"cpu ({torch.get_num_threads()} threads)"


def _raw_picture(step):
    """The last step's painting before any colour recombination (the image itself when the
    engine gave no raw one)."""
    return step.raw if step.raw is not None else step.image


def _clean_losses(losses) -> dict:
    return {k: float(v) for k, v in dict(losses or {}).items()}


def _png(image, *, level: int) -> bytes:
    buf = io.BytesIO()
    image.convert("RGB").save(buf, format="PNG", compress_level=level)
    return buf.getvalue()


def _delete_snapshot(snap: Snapshot) -> None:
    try:
        snap.image.delete(save=False)
    except OSError:
        log.warning("could not delete snapshot file %s", snap.image.name, exc_info=True)
    snap.delete()

