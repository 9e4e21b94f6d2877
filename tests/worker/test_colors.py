"""A finished painting's colours, on the worker: it keeps the raw painting, and a colour change
(services.job_set_colors, then the instant lane's recolor_job) makes exactly what
engine.color.recolor makes of the raw painting and the photo, leaving no file behind."""
import io
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image

from engine.color import recolor
from engine.images import load_image, to_image, to_tensor
from gallery import cleanup, services, tasks
from gallery.models import Job
from gallery.worker.instant import run_instant_job

pytestmark = pytest.mark.django_db

PLAIN = {"keep_colors": False, "match_histogram": False, "mix": 0.0}


def _pixels(field_file) -> np.ndarray:
    with field_file.open("rb") as f:
        return np.asarray(Image.open(io.BytesIO(f.read())).convert("RGB"), dtype=np.int16)


def _expected(job, **chosen) -> np.ndarray:
    """What engine.color.recolor makes of the job's raw result and its photo."""
    with job.raw_result.open("rb") as raw, job.photo.image.open("rb") as photo:
        out = recolor(to_tensor(load_image(raw)), to_tensor(load_image(photo)), **chosen)
    return np.asarray(to_image(out), dtype=np.int16)


def _media_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def sent(monkeypatch):
    """The tasks sent to django-q, instead of sending them."""
    calls = []
    monkeypatch.setattr(tasks, "async_task", lambda func, *a, **k: calls.append((func, a, k)))
    return calls


@pytest.fixture
def recolor_now(django_capture_on_commit_callbacks):
    """Run the instant lane's task as its worker would, with what it does once committed."""

    def run(job):
        with django_capture_on_commit_callbacks(execute=True):
            return tasks.recolor_job(job.pk)

    return run


@pytest.fixture
def painted(make_job, django_capture_on_commit_callbacks, monkeypatch):
    """A full painting run to its end with the photo's colours kept (its first choice)."""
    # No heartbeat: its thread's connection would wait for this test's open transaction.
    monkeypatch.setattr("gallery.worker.heartbeat.BEAT_EVERY", 3600.0)
    job = make_job(preserve_colors=True)
    with django_capture_on_commit_callbacks(execute=True):  # its state file dropped
        assert tasks.run_job(job.pk) == "succeeded"
    job.refresh_from_db()
    return job


def _set(job, django_capture_on_commit_callbacks, **chosen):
    with django_capture_on_commit_callbacks(execute=True):
        return services.job_set_colors(job=job, **{**PLAIN, **chosen})


def test_a_painting_keeps_its_raw_result_and_shows_its_first_colours(painted):
    assert painted.raw_result.name.endswith(".png")
    assert painted.raw_result.name != painted.result.name
    assert painted.colors == {"shown": {**PLAIN, "keep_colors": True}, "wanted": None,
                              "asked": 0, "error": ""}
    raw, result = _pixels(painted.raw_result), _pixels(painted.result)
    assert raw.shape == result.shape and max(raw.shape[:2]) == 64
    assert not np.array_equal(raw, result)  # the photo's colours, put back after painting
    assert np.abs(result - _expected(painted, keep_colors=True)).max() <= 1


def test_a_colour_change_is_made_from_the_raw_result_by_engine_color_recolor(
        painted, sent, recolor_now, django_capture_on_commit_callbacks):
    old = painted.result.name
    job = _set(painted, django_capture_on_commit_callbacks, match_histogram=True, mix=0.3)
    assert sent == [("gallery.tasks.recolor_job", (job.pk,),
                     {"group": tasks.TASK_GROUP, "task_name": f"colors-{job.pk}",
                      "cluster": tasks.INSTANT_CLUSTER})]
    assert job.colors["wanted"] == {**PLAIN, "match_histogram": True, "mix": 0.3}
    assert job.result.name == old  # the old version shows until the new one is made

    assert recolor_now(job) == "succeeded"
    job.refresh_from_db()
    assert job.result.name != old
    assert job.colors == {"shown": {**PLAIN, "match_histogram": True, "mix": 0.3}, "wanted": None,
                          "asked": 1, "error": ""}
    assert np.abs(_pixels(job.result) - _expected(job, match_histogram=True, mix=0.3)).max() <= 1
    # Every file on disk is a row's: the old result is gone, nothing was left behind.
    assert _media_files() == cleanup.referenced_files()
    assert recolor_now(job) == "skipped"  # a repeated task finds nothing to do


def test_going_back_to_the_colours_shown_needs_no_work(painted, sent,
                                                       django_capture_on_commit_callbacks):
    job = _set(painted, django_capture_on_commit_callbacks, mix=0.5)
    job = _set(job, django_capture_on_commit_callbacks, keep_colors=True)  # what is shown
    assert len(sent) == 1 and job.colors["wanted"] is None and job.colors["asked"] == 2


def test_a_picture_made_for_an_older_choice_never_replaces_a_newer_one(
        painted, sent, recolor_now, django_capture_on_commit_callbacks, monkeypatch):
    from gallery.worker import instant

    job = _set(painted, django_capture_on_commit_callbacks, mix=1.0)
    real = instant.render

    def slow_render(raw, photo, chosen):  # the user changes their mind while it works
        _set(Job.objects.get(pk=job.pk), django_capture_on_commit_callbacks, keep_colors=False)
        return real(raw, photo, chosen)

    monkeypatch.setattr(instant, "render", slow_render)
    assert recolor_now(job) == "lost"
    monkeypatch.setattr(instant, "render", real)
    job.refresh_from_db()
    assert job.result.name == painted.result.name and job.colors["wanted"] == PLAIN
    assert _media_files() == cleanup.referenced_files()  # its picture was removed again
    assert recolor_now(job) == "succeeded"
    job.refresh_from_db()
    assert np.array_equal(_pixels(job.result), _pixels(job.raw_result))  # no post-step: raw


def test_a_colour_change_that_cannot_be_made_says_why_and_keeps_the_picture(
        painted, sent, recolor_now, django_capture_on_commit_callbacks):
    job = _set(painted, django_capture_on_commit_callbacks, match_histogram=True)
    job.photo.image.storage.delete(job.photo.image.name)  # the photo's file lost meanwhile
    assert recolor_now(job) == "failed"
    job.refresh_from_db()
    assert job.result.name == painted.result.name
    assert job.colors["wanted"] is None and "photo" in job.colors["error"]
    assert job.colors["shown"] == {**PLAIN, "keep_colors": True}


def test_only_a_finished_painting_with_a_raw_result_and_its_photo_can_change(
        painted, make_job, photo, sent):
    queued = make_job()
    with pytest.raises(ValidationError, match="has queued"):
        services.job_set_colors(job=queued, **PLAIN)
    Job.objects.filter(pk=queued.pk).update(status=Job.Status.SUCCEEDED)  # an old painting
    with pytest.raises(ValidationError, match="before its colours could be changed"):
        services.job_set_colors(job=queued, **PLAIN)
    with pytest.raises(ValidationError) as error:
        services.job_set_colors(job=painted, **{**PLAIN, "mix": float("nan")})
    assert "mix" in error.value.message_dict
    services.photo_delete(photo=photo)
    painted.refresh_from_db()
    with pytest.raises(ValidationError, match="photo of this painting was deleted"):
        services.job_set_colors(job=painted, **{**PLAIN, "keep_colors": True, "mix": 0.2})
    assert services.job_set_colors(job=painted, **PLAIN).colors["wanted"] == PLAIN  # still fine
    assert sent == []  # nothing was enqueued: no commit in this test


def test_an_instant_painting_keeps_its_raw_result_and_changes_colours_too(
        alice, photo, instant_starry, sent, recolor_now, django_capture_on_commit_callbacks):
    job = services.job_create(owner=alice, photo=photo, themes=[(instant_starry, 1.0)],
                              params={"size": 96, "preserve_colors": False}, mode=Job.Mode.INSTANT)
    assert run_instant_job(job.pk) == "succeeded"
    job.refresh_from_db()
    assert job.colors["shown"] == PLAIN
    assert np.array_equal(_pixels(job.result), _pixels(job.raw_result))
    job = _set(job, django_capture_on_commit_callbacks, keep_colors=True)
    assert recolor_now(job) == "succeeded"
    job.refresh_from_db()
    assert np.abs(_pixels(job.result) - _expected(job, keep_colors=True)).max() <= 1


def test_deleting_a_painting_deletes_its_raw_result_and_the_clean_up_keeps_it_till_then(
        painted, django_capture_on_commit_callbacks):
    from datetime import timedelta

    raw = painted.raw_result.name
    assert raw in cleanup.referenced_files()
    cleanup.remove_orphans(grace=timedelta(0))
    assert painted.raw_result.storage.exists(raw)
    with django_capture_on_commit_callbacks(execute=True):
        services.job_delete(job=painted)
    assert not painted.raw_result.storage.exists(raw)
    assert {f for f in _media_files() if "/photos/" not in f and "themes/" not in f} == set()
