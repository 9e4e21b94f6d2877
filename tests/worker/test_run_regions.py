"""A job with regions, run by the worker on the real VGG16 weights at 64 px: each theme gets the
mask of its region (the drawing for the subject, its negative for the background), and a resumed
attempt paints with the same masks."""
import io

import numpy as np
import pytest
from django.utils import timezone
from PIL import Image

from gallery import services
from gallery.models import Job, JobTheme
from gallery.tasks import run_job
from gallery.worker import conf
from worker_helpers import Crash, spy_stylize

pytestmark = pytest.mark.django_db

TINY = {"size": 64, "iterations": 6, "snapshot_every": 2, "seed": 7}  # as tests/worker/conftest.py


def _drawing(photo) -> bytes:
    """The left 40% of `photo` painted as the subject, with a soft edge."""
    w, h = photo.width, photo.height
    img = Image.new("L", (w, h), 0)
    img.paste(255, (0, 0, int(w * 0.4), h))
    img.paste(128, (int(w * 0.4), 0, int(w * 0.4) + 2, h))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def regions_job(worker_settings, alice, photo, starry, scream_theme):
    """alice's tiny job: The Starry Night on the subject, The Scream on the background."""
    return services.job_create(
        owner=alice, photo=photo, params=TINY, regions=_drawing(photo),
        themes=[(starry, 1.0, JobTheme.Region.SUBJECT),
                (scream_theme, 1.0, JobTheme.Region.BACKGROUND)])


def _masks(call) -> list[np.ndarray]:
    return [np.asarray(mask.convert("L"), dtype=int) for mask in call["style_masks"]]


def test_each_theme_paints_its_region_with_complementary_masks(regions_job, monkeypatch):
    calls = spy_stylize(monkeypatch)
    assert run_job(regions_job.pk) == "succeeded"
    regions_job.refresh_from_db()
    assert regions_job.status == Job.Status.SUCCEEDED and regions_job.result
    subject, background = _masks(calls[0])
    assert subject.shape == background.shape == (regions_job.photo.height,
                                                 regions_job.photo.width)
    assert (subject + background == 255).all()  # complements, soft edge included
    assert subject[:, 0].min() == 255 and subject[:, -1].max() == 0
    assert set(np.unique(subject)) == {0, 128, 255}


def test_a_job_painting_everywhere_gets_no_masks(make_job, monkeypatch):
    calls = spy_stylize(monkeypatch)
    assert run_job(make_job().pk) == "succeeded"
    assert calls[0]["style_masks"] is None


def test_a_resumed_attempt_paints_with_the_same_masks(regions_job, monkeypatch):
    from gallery.worker import reaper

    def crash_at_3(step):
        if step.iteration == 3:
            raise Crash

    first = spy_stylize(monkeypatch, crash_at_3)
    with pytest.raises(Crash):
        run_job(regions_job.pk)
    monkeypatch.undo()
    Job.objects.filter(pk=regions_job.pk).update(
        heartbeat_at=timezone.now() - timezone.timedelta(hours=1))
    monkeypatch.setattr("gallery.tasks.enqueue_job", lambda job_id: None)
    monkeypatch.setattr(conf, "PROGRESS_EVERY", 0.0)
    assert reaper.reap()["requeued"] == 1

    second = spy_stylize(monkeypatch)
    assert run_job(regions_job.pk) == "succeeded"
    assert second[0]["resume"] is not None or second[0]["start_iteration"] > 0  # it went on
    assert all((a == b).all() for a, b in zip(_masks(first[0]), _masks(second[0]), strict=True))


def test_a_missing_drawing_fails_the_job_with_a_reason(regions_job):
    regions_job.regions.storage.delete(regions_job.regions.name)
    assert run_job(regions_job.pk) == "failed"
    regions_job.refresh_from_db()
    assert "drawing of this job's regions is missing" in regions_job.error


def test_the_instant_preview_paints_only_the_regions_themes_paint(
        worker_settings, alice, photo, instant_starry):
    from engine.images import resize_long_side
    from gallery.worker.instant import make_preview

    job = services.job_create(owner=alice, photo=photo, params={**TINY, "size": 96},
                              themes=[(instant_starry, 1.0, JobTheme.Region.SUBJECT)],
                              regions=_drawing(photo))
    assert make_preview(job.pk) == "succeeded"
    job.refresh_from_db()
    with job.preview.open("rb") as f:
        preview = np.asarray(Image.open(f).convert("RGB"), dtype=int)
    with photo.image.open("rb") as f:
        original = np.asarray(resize_long_side(Image.open(f).convert("RGB"), 96), dtype=int)
    assert preview.shape == original.shape
    w = preview.shape[1]
    subject, background = slice(0, int(w * 0.35)), slice(int(w * 0.45), w)
    assert np.abs(preview[:, background] - original[:, background]).mean() < 4  # the photo stays
    assert np.abs(preview[:, subject] - original[:, subject]).mean() > 10  # painted
