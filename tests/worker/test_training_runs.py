"""Training runs on the worker (gallery/worker/training.py), called directly: the theme becomes
instant, a run whose worker died resumes from its checkpoint to the very same network, cancel,
failures in words, one run per theme, and the old network kept until the new one is done."""
from datetime import timedelta

import pytest
import torch
from django.core.exceptions import ValidationError
from django.utils import timezone

from engine.network import read_network_file
from gallery import services
from gallery.models import TrainingRun
from gallery.worker import reaper, training
from gallery.worker.training import run_training

TINY = {"size": 32, "steps": 4, "batch": 1, "width": 8, "blocks": 1, "seed": 5,
        "sample_every": 1, "checkpoint_every": 2}


@pytest.fixture
def photos_folder(settings, tmp_path, tubingen, chicago):
    from engine.images import load_image

    folder = tmp_path / "training-photos"
    folder.mkdir()
    load_image(tubingen, max_side=80).save(folder / "tubingen.png")
    load_image(chicago, max_side=80).save(folder / "chicago.png")
    settings.STYLE_TRAINING_PHOTOS = folder
    return folder


def network_of(theme):
    theme.refresh_from_db()
    with theme.network.open("rb") as f:
        return read_network_file(f.read())


def test_a_training_run_gives_the_theme_an_instant_network(starry, alice, photos_folder,
                                                             worker_settings):
    run = services.training_start(theme=starry, requested_by=alice, params=TINY)
    assert run.status == TrainingRun.Status.QUEUED and run.total == 4
    assert run_training(run.pk) == "succeeded"
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED and run.step == 4 and not run.checkpoint
    assert [s.step for s in run.samples.all()] == [1, 2, 3, 4]
    assert [p[0] for p in run.loss_history] == [1, 2, 3, 4]
    starry.refresh_from_db()
    assert starry.is_instant and starry.instant_sample
    record = starry.network_record
    assert record["styles"] == ["starry-night"] and record["trained_steps"] == 4
    assert record["training_set"] == {"name": "training-photos", "photos": 2}


def test_a_run_whose_worker_died_resumes_from_its_checkpoint_to_the_same_network(
        starry, photos_folder, worker_settings, monkeypatch, settings):
    whole = services.training_start(theme=starry, params=TINY)
    assert run_training(whole.pk) == "succeeded"
    uninterrupted = network_of(starry)["state_dict"]

    real = training.TrainingRunner._record

    def dies_at_step_3(self, step):
        real(self, step)
        if step.step == 3:
            raise SystemExit("killed")  # like kill -9: nothing recorded after this

    run = services.training_start(theme=starry, params=TINY)
    monkeypatch.setattr(training.TrainingRunner, "_record", dies_at_step_3)
    with pytest.raises(SystemExit):
        run_training(run.pk)
    monkeypatch.undo()
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.RUNNING and run.checkpoint  # step 2's
    TrainingRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    settings.STYLE_STALE_SECONDS = 60
    assert reaper.reap()["requeued"] == 1
    assert run_training(run.pk) == "succeeded"
    run.refresh_from_db()
    assert run.attempts == 2 and [p[0] for p in run.loss_history] == [1, 2, 3, 4]
    resumed = network_of(starry)["state_dict"]
    assert all(torch.equal(resumed[k], uninterrupted[k]) for k in resumed)  # the same network


def test_a_cancelled_run_stops_and_the_theme_keeps_its_network(
        instant_starry, photos_folder, worker_settings, monkeypatch):
    before = instant_starry.network.name
    run = services.training_start(theme=instant_starry, params=TINY)
    monkeypatch.setattr("gallery.worker.conf.CANCEL_CHECK_EVERY", 0.0)
    real = training.TrainingRunner._record

    def cancel_at_step_2(self, step):
        real(self, step)
        if step.step == 2:
            services.training_cancel(run=run)

    monkeypatch.setattr(training.TrainingRunner, "_record", cancel_at_step_2)
    assert run_training(run.pk) == "cancelled"
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.CANCELLED and run.step == 2
    instant_starry.refresh_from_db()
    assert instant_starry.network.name == before


def test_one_run_per_theme_and_bad_parameters_are_refused(starry, photos_folder):
    services.training_start(theme=starry, params=TINY)
    with pytest.raises(ValidationError, match="already being trained"):
        services.training_start(theme=starry, params=TINY)
    TrainingRun.objects.all().delete()
    for bad, name in [({"steps": 0}, "steps"), ({"size": 10**9}, "size"),
                      ({"learning_rate": float("nan")}, "learning_rate"),
                      ({"weights": "/etc/passwd"}, "weights"), ({"nonsense": 1}, "nonsense")]:
        with pytest.raises(ValidationError) as error:
            services.training_start(theme=starry, params=bad)
        assert name in error.value.message_dict
    assert not TrainingRun.objects.exists()


def test_without_a_photos_folder_training_is_refused_in_words(starry, settings, tmp_path):
    settings.STYLE_TRAINING_PHOTOS = tmp_path / "none"
    with pytest.raises(ValidationError, match="training photos folder"):
        services.training_start(theme=starry, params=TINY)


def test_a_folder_without_photos_fails_the_run_in_words(starry, photos_folder, worker_settings):
    for photo in photos_folder.iterdir():
        photo.unlink()
    run = services.training_start(theme=starry, params=TINY)
    assert run_training(run.pk) == "failed"
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.FAILED and "has no photo we can read" in run.error


def test_deleting_the_theme_leaves_no_training_file_behind(
        starry, photos_folder, worker_settings, settings, django_capture_on_commit_callbacks):
    from pathlib import Path

    run = services.training_start(theme=starry, params={**TINY, "steps": 3})
    assert run_training(run.pk) == "succeeded"
    media = Path(settings.MEDIA_ROOT)
    assert any(media.rglob("*.pt")) and any(media.rglob("*sample-*.png"))
    with django_capture_on_commit_callbacks(execute=True):
        services.theme_delete(theme=starry)
    assert not [p for p in media.rglob("*") if p.is_file()]


def test_a_queued_run_whose_task_was_lost_is_enqueued_again_at_worker_start(
        starry, photos_folder, monkeypatch, settings, django_capture_on_commit_callbacks):
    run = services.training_start(theme=starry, params=TINY)
    TrainingRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    sent = []
    monkeypatch.setattr("gallery.tasks.enqueue_training", sent.append)
    with django_capture_on_commit_callbacks(execute=True):
        assert reaper.requeue_lost_tasks() == 1
    assert sent == [run.pk]
