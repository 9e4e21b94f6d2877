"""Run one training run: claim it, feed `engine.training.train()`, record every step.

The same life as a job (runner.py): an atomic claim (queued -> running, attempts + 1), every
write fenced by (running, this attempt), progress and heartbeat at most every PROGRESS_EVERY
seconds, the cancel flag read at most every CANCEL_CHECK_EVERY seconds, failures in words. A
checkpoint (weights and Adam's state) is saved every `checkpoint_every` steps, replacing the
previous one: a run whose worker died resumes from it and continues the same loss curve. At the
end the theme gets its new network (services.theme_set_network); until then it keeps the old one.
"""
from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

import engine

from .. import services
from ..models import TrainingRun, TrainingSample
from . import conf
from .heartbeat import Heartbeat
from .runner import JobFailed, JobLost, _png, _release_memory, describe_device, user_message

log = logging.getLogger(__name__)

RUNNING = TrainingRun.Status.RUNNING


def claim(run_id) -> int | None:
    """Take a queued run (queued -> running): the attempt number, or None."""
    now = timezone.now()
    taken = TrainingRun.objects.filter(
        pk=run_id, status=TrainingRun.Status.QUEUED, cancel_requested=False,
    ).update(status=RUNNING, attempts=F("attempts") + 1, heartbeat_at=now,
             started_at=Coalesce("started_at", Value(now)), finished_at=None, error="",
             updated_at=now)
    if not taken:
        return None
    return TrainingRun.objects.values_list("attempts", flat=True).get(pk=run_id)


def run_training(run_id) -> str:
    """Claim and run training run `run_id`; returns what became of it. Never raises."""
    attempt = claim(run_id)
    if attempt is None:
        return "skipped"
    log.info("training %s: claimed (attempt %s)", run_id, attempt)
    fence = TrainingRun.objects.filter(pk=run_id, status=RUNNING, attempts=attempt)
    try:
        with Heartbeat(fence):  # beats while a slow first step loads the network and photos
            outcome = TrainingRunner(run_id, attempt).execute()
    except JobLost:
        outcome = "lost"
    except Exception as exc:
        message = user_message(exc)
        log.warning("training %s failed: %s", run_id, message,
                    exc_info=not isinstance(exc, (JobFailed, engine.EngineError)))
        now = timezone.now()
        TrainingRun.objects.filter(pk=run_id, status=RUNNING, attempts=attempt).update(
            status=TrainingRun.Status.FAILED, error=message[:4000], remaining=None,
            finished_at=now, heartbeat_at=now, updated_at=now)
        outcome = "failed"
    finally:
        _release_memory()
    log.info("training %s: %s", run_id, outcome)
    return outcome


class TrainingRunner:
    """One attempt at one training run."""

    def __init__(self, run_id, attempt: int):
        self.run = TrainingRun.objects.select_related("theme").get(pk=run_id)
        self.fence = TrainingRun.objects.filter(pk=run_id, status=RUNNING, attempts=attempt)
        self.history = [list(p) for p in (self.run.loss_history or [])]
        self.saved_at = self.checked_at = time.monotonic()

    def execute(self) -> str:
        from engine.params import TrainParams
        from engine.training import load_photos, train

        theme = self.run.theme
        painting = _painting(theme)
        folder = settings.STYLE_TRAINING_PHOTOS
        photos = load_photos(folder)
        params = TrainParams.from_dict({**self.run.params, **conf.engine_settings()})
        resume = self._checkpoint()
        start = resume["step"] if resume else 0
        self.history = [p for p in self.history if p[0] <= start]
        self._update(device=describe_device(params.device), engine_version=engine.ENGINE_VERSION,
                     total=params.steps, step=start, loss_history=self.history)
        steps = train([painting], photos, params, style_names=[theme.slug],
                      training_set=folder.name, resume=resume, sample=services.sample_photo())
        try:
            for step in steps:
                self._record(step)
                if step.is_last:
                    self._succeed(step)
                    return "succeeded"
                if self._cancel_requested():
                    self._update(status=TrainingRun.Status.CANCELLED, remaining=None,
                                 finished_at=timezone.now())
                    return "cancelled"
        finally:
            steps.close()
        raise JobFailed("The training stopped before its last step.")

    def _checkpoint(self) -> dict | None:
        """The saved checkpoint of an earlier attempt, if it is readable."""
        from engine.network import NetworkError, read_network_file

        if not self.run.checkpoint:
            return None
        try:
            with self.run.checkpoint.open("rb") as f:
                data = read_network_file(f.read())
        except (OSError, NetworkError):
            log.warning("training %s: checkpoint unreadable; starting over", self.run.pk)
            return None
        log.info("training %s: resuming from step %s", self.run.pk, data.get("step"))
        return data

    def _record(self, step) -> None:
        self.history.append([step.step, round(float(step.losses["total"]), 6)])
        if len(self.history) > conf.MAX_HISTORY:
            self.history = self.history[:-1:2] + self.history[-1:]
        if step.sample is not None and not step.is_last:
            self._save_sample(step)
        if step.checkpoint is not None and not step.is_last:
            self._save_checkpoint(step)
        now = time.monotonic()
        if now - self.saved_at >= conf.PROGRESS_EVERY or step.step == 1 or \
                step.sample is not None or step.checkpoint is not None:
            self._update(**self._progress(step))
            self.saved_at = now

    def _progress(self, step) -> dict:
        return dict(step=step.step, total=step.total, losses=dict(step.losses),
                    loss_history=self.history, elapsed=step.elapsed, remaining=step.remaining)

    def _save_sample(self, step) -> None:
        sample = TrainingSample(run=self.run, step=step.step, losses=dict(step.losses))
        TrainingSample.objects.filter(run=self.run, step=step.step).delete()  # an earlier attempt's
        sample.image.save(f"sample-{step.step}.png", ContentFile(_png(step.sample, level=3)),
                          save=False)
        try:
            sample.save()
        except IntegrityError:
            sample.image.delete(save=False)
            raise JobLost from None

    def _save_checkpoint(self, step) -> None:
        from engine.network import network_bytes

        old = self.run.checkpoint.name
        self.run.checkpoint.save("checkpoint.pt", ContentFile(network_bytes(step.checkpoint)),
                                 save=False)
        self._update(checkpoint=self.run.checkpoint.name)
        if old and old != self.run.checkpoint.name:
            self.run.checkpoint.storage.delete(old)

    def _succeed(self, step) -> None:
        from engine.network import network_bytes

        self._update(**self._progress(step))  # still ours? then the theme gets the network
        sample = TrainingSample(run=self.run, step=step.step, losses=dict(step.losses))
        sample.image.save(f"sample-{step.step}.png", ContentFile(_png(step.sample, level=3)),
                          save=False)
        sample.save()
        services.theme_set_network(theme=self.run.theme, network=network_bytes(step.network))
        old = self.run.checkpoint.name
        self._update(status=TrainingRun.Status.SUCCEEDED, checkpoint="", remaining=0.0,
                     finished_at=timezone.now())
        if old:
            self.run.checkpoint.storage.delete(old)

    def _cancel_requested(self) -> bool:
        now = time.monotonic()
        if now - self.checked_at < conf.CANCEL_CHECK_EVERY:
            return False
        self.checked_at = now
        flag = TrainingRun.objects.filter(pk=self.run.pk).values_list(
            "cancel_requested", flat=True).first()
        if flag is None:
            raise JobLost
        return flag

    def _update(self, **fields) -> None:
        now = timezone.now()
        if not self.fence.update(heartbeat_at=now, updated_at=now, **fields):
            raise JobLost


def _painting(theme):
    from engine.errors import ImageError
    from engine.images import load_image

    try:
        with theme.image.open("rb") as f:
            return load_image(f)
    except (FileNotFoundError, ValueError, ImageError):
        raise JobFailed(f"The painting of the theme “{theme.title}” cannot be read.") from None
