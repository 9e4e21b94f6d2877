"""Instant jobs and previews, run by the instant lane's functions on a real (tiny) network."""
import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from gallery import services
from gallery.models import Job
from gallery.worker.instant import make_preview, run_instant_job


@pytest.fixture
def instant_job(alice, photo, instant_starry, worker_settings):
    return services.job_create(owner=alice, photo=photo, themes=[(instant_starry, 1.0)],
                               params={"size": 96}, mode=Job.Mode.INSTANT)


def test_a_theme_with_a_network_is_instant_with_its_record_and_sample(instant_starry):
    assert instant_starry.is_instant
    assert instant_starry.network_record["styles"] == ["starry_night"]
    with instant_starry.instant_sample.open("rb") as f:
        assert max(Image.open(f).size) == services.INSTANT_SAMPLE_PX


def test_an_instant_job_is_painted_in_one_pass(instant_job):
    assert instant_job.total == 1
    assert run_instant_job(instant_job.pk) == "succeeded"
    job = Job.objects.get(pk=instant_job.pk)
    assert job.status == Job.Status.SUCCEEDED and job.iteration == job.total == 1
    with job.result.open("rb") as f:
        assert Image.open(f).size == (96, 72)
    assert job.device.startswith("cpu") and job.engine_version
    assert run_instant_job(instant_job.pk) == "skipped"  # claimed once only


def test_blended_themes_paint_by_their_weights(alice, photo, instant_starry, scream_theme,
                                                tiny_network, worker_settings):
    scream = services.theme_set_network(theme=scream_theme, network=tiny_network)
    jobs = [services.job_create(owner=alice, photo=photo, themes=themes, params={"size": 64},
                                mode=Job.Mode.INSTANT)
            for themes in ([(instant_starry, 1.0)], [(instant_starry, 1.0), (scream, 3.0)])]
    for job in jobs:
        assert run_instant_job(job.pk) == "succeeded"
    with Job.objects.get(pk=jobs[1].pk).result.open("rb") as f:
        assert Image.open(f).size == (64, 48)


def test_instant_needs_every_theme_to_have_a_network(alice, photo, instant_starry, scream_theme,
                                                     worker_settings):
    with pytest.raises(ValidationError) as error:
        services.job_create(owner=alice, photo=photo,
                            themes=[(instant_starry, 1.0), (scream_theme, 1.0)],
                            params={}, mode=Job.Mode.INSTANT)
    assert "no instant network" in str(error.value.message_dict["mode"])
    with pytest.raises(ValidationError):
        services.job_create(owner=alice, photo=photo, themes=[(instant_starry, 1.0)], params={},
                            mode="sketch")


def test_an_instant_job_whose_network_went_away_fails_in_words(instant_job, instant_starry):
    instant_starry.network.delete(save=True)
    assert run_instant_job(instant_job.pk) == "failed"
    job = Job.objects.get(pk=instant_job.pk)
    assert job.status == Job.Status.FAILED and "no instant network" in job.error


def test_a_full_painting_gets_an_instant_preview(alice, photo, instant_starry, worker_settings):
    job = services.job_create(owner=alice, photo=photo, themes=[(instant_starry, 1.0)],
                              params={"size": 1024, "iterations": 5})
    assert make_preview(job.pk) == "succeeded"
    job.refresh_from_db()
    with job.preview.open("rb") as f:
        assert max(Image.open(f).size) == 512  # a glance, not the painting
    assert make_preview(job.pk) == "skipped"  # once


def test_the_instant_lane_gets_instant_jobs_and_previews(alice, photo, instant_starry,
                                                         scream_theme, worker_settings,
                                                         django_capture_on_commit_callbacks,
                                                         monkeypatch):
    sent = []
    monkeypatch.setattr("gallery.tasks.async_task",
                        lambda func, *a, **k: sent.append((func, k.get("cluster"))))
    with django_capture_on_commit_callbacks(execute=True):
        services.job_create(owner=alice, photo=photo, themes=[(instant_starry, 1.0)], params={},
                            mode=Job.Mode.INSTANT)
        services.job_create(owner=alice, photo=photo, themes=[(instant_starry, 1.0)], params={})
        services.job_create(owner=alice, photo=photo, themes=[(scream_theme, 1.0)], params={})
    assert sent == [
        ("gallery.tasks.run_instant_job", "instant"),
        ("gallery.tasks.make_preview", "instant"),
        ("gallery.tasks.run_job", None),
        ("gallery.tasks.run_job", None),  # no network: no preview
    ]
