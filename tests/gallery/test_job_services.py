"""job_create, job_cancel and job_delete."""
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from engine.params import StyleParams
from gallery import services, tasks
from gallery.models import Job, JobTheme, Snapshot

pytestmark = pytest.mark.django_db


def test_it_stores_every_resolved_parameter_with_a_seed(alice, photo, starry):
    job = services.job_create(owner=alice, photo=photo, themes=[(starry, 1.0)], params={"iterations": 40})
    expected = set(StyleParams().to_dict()) - {"device", "weights", "backbone"}
    assert set(job.params) == expected
    assert isinstance(job.params["seed"], int) and 0 <= job.params["seed"] < 2**31
    assert job.params["iterations"] == 40 == job.total
    assert job.status == Job.Status.QUEUED
    StyleParams.from_dict(job.params)  # a complete, valid record


def test_it_keeps_a_given_seed(alice, photo, starry):
    job = services.job_create(owner=alice, photo=photo, themes=[(starry, 1.0)], params={"seed": 7})
    assert job.params["seed"] == 7


def test_it_stores_the_themes_with_weights_and_order(alice, photo, starry, scream):
    job = services.job_create(owner=alice, photo=photo, themes=[(scream, 2.0), (starry, 1.0)], params={})
    rows = list(JobTheme.objects.filter(job=job).values_list("theme__slug", "weight", "position"))
    assert rows == [("the-scream", 2.0, 0), ("starry-night", 1.0, 1)]
    assert job.params["style_blend_weights"] == [2.0, 1.0]


def test_the_first_themes_defaults_apply_under_the_users_choices(alice, photo, starry, scream):
    starry.default_params = {"style_weight": 3.0, "tv_weight": 0.5, "device": "cuda"}
    starry.save()
    job = services.job_create(owner=alice, photo=photo, themes=[(starry, 1.0), (scream, 1.0)],
                              params={"tv_weight": 2.0})
    assert job.params["style_weight"] == 3.0
    assert job.params["tv_weight"] == 2.0
    assert "device" not in job.params


def test_strength_scales_the_style_weight(alice, photo, starry):
    job = services.job_create(owner=alice, photo=photo, themes=[(starry, 1.0)], params={"style_weight": 2.0},
                              style_strength=1.5)
    assert job.params["style_weight"] == 3.0


@pytest.mark.parametrize("params,field", [
    ({"iterations": -5}, "iterations"),
    ({"size": 8}, "size"),
    ({"optimizer": "sgd"}, "optimizer"),
    ({"beta1": 1.5}, "beta1"),
    ({"init": "/etc/passwd"}, "init"),
    ({"nonsense": 1}, "nonsense"),
])
def test_a_bad_parameter_is_an_error_named_by_its_field(alice, photo, starry, params, field):
    with pytest.raises(ValidationError) as exc:
        services.job_create(owner=alice, photo=photo, themes=[(starry, 1.0)], params=params)
    assert field in exc.value.message_dict
    assert not Job.objects.exists()


def test_the_worker_settings_are_not_a_jobs_choice(alice, photo, starry):
    job = services.job_create(owner=alice, photo=photo, themes=[(starry, 1.0)],
                              params={"weights": "/etc/shadow", "device": "cuda", "backbone": "vgg16"})
    assert not {"weights", "device", "backbone"} & set(job.params)


def test_it_refuses_another_users_photo(bob, photo, starry):
    with pytest.raises(ValidationError) as exc:
        services.job_create(owner=bob, photo=photo, themes=[(starry, 1.0)], params={})
    assert "photo" in exc.value.message_dict


@pytest.mark.parametrize("weight", [0, -1.0, float("nan")])
def test_it_refuses_a_weight_that_is_not_positive(alice, photo, starry, weight):
    with pytest.raises(ValidationError) as exc:
        services.job_create(owner=alice, photo=photo, themes=[(starry, weight)], params={})
    assert "themes" in exc.value.message_dict


def test_it_refuses_no_theme_an_inactive_one_or_one_twice(alice, photo, starry):
    for themes in ([], [(starry, 1.0), (starry, 1.0)]):
        with pytest.raises(ValidationError):
            services.job_create(owner=alice, photo=photo, themes=themes, params={})
    starry.is_active = False
    starry.save()
    with pytest.raises(ValidationError):
        services.job_create(owner=alice, photo=photo, themes=[(starry, 1.0)], params={})
    assert not Job.objects.exists()


def test_it_enqueues_the_job_once_committed(alice, photo, starry, monkeypatch, django_capture_on_commit_callbacks):
    calls = []
    monkeypatch.setattr(tasks, "enqueue_job", calls.append)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(owner=alice, photo=photo, themes=[(starry, 1.0)], params={})
        assert calls == []
    assert calls == [job.pk]


# --- cancel -----------------------------------------------------------------------------------

def test_cancelling_a_queued_job_cancels_it_at_once(job):
    job = services.job_cancel(job=job)
    assert job.status == Job.Status.CANCELLED
    assert job.finished_at is not None


def test_cancelling_a_running_job_asks_the_worker_to_stop(job):
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    job.refresh_from_db()
    job = services.job_cancel(job=job)
    assert job.status == Job.Status.RUNNING
    assert job.cancel_requested is True
    assert job.finished_at is None


@pytest.mark.parametrize("status", [Job.Status.SUCCEEDED, Job.Status.FAILED, Job.Status.CANCELLED])
def test_cancelling_a_finished_job_changes_nothing(job, status):
    Job.objects.filter(pk=job.pk).update(status=status, cancel_requested=False)
    job.refresh_from_db()
    job = services.job_cancel(job=job)
    assert job.status == status
    assert job.cancel_requested is False


def test_cancel_reads_the_status_from_the_database_not_a_stale_object(job):
    stale = Job.objects.get(pk=job.pk)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)  # a worker claimed it meanwhile
    stale = services.job_cancel(job=stale)
    assert stale.status == Job.Status.RUNNING and stale.cancel_requested


# --- delete -----------------------------------------------------------------------------------

def test_deleting_a_job_removes_its_result_and_snapshots(finished_job, django_capture_on_commit_callbacks):
    paths = [Path(finished_job.result.path)] + [Path(s.image.path) for s in finished_job.snapshots.all()]
    assert all(p.exists() for p in paths)
    with django_capture_on_commit_callbacks(execute=True):
        services.job_delete(job=finished_job)
    assert not Job.objects.exists() and not Snapshot.objects.exists()
    assert not any(p.exists() for p in paths)


def test_deleting_a_running_job_cancels_it_first(job, monkeypatch):
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    job.refresh_from_db()
    cancelled = []
    real_cancel = services.job_cancel
    monkeypatch.setattr(services, "job_cancel", lambda *, job: cancelled.append(job.pk) or real_cancel(job=job))
    pk = job.pk
    services.job_delete(job=job)
    assert cancelled == [pk]
    assert not Job.objects.exists()
