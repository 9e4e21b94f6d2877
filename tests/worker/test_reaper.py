"""The reaper: a running job whose worker went silent is requeued, cancelled or failed, once."""
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_q.models import Schedule
from django_q.signals import post_spawn

from gallery.models import Job
from gallery.worker import reaper
from gallery.worker.schedules import REARM

pytestmark = pytest.mark.django_db


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr("gallery.tasks.enqueue_job", calls.append)
    return calls


@pytest.fixture
def running(make_job, settings):
    """running(silent=seconds, attempts=1, **fields) -> a job a worker claimed, silent that long."""
    settings.STYLE_STALE_SECONDS = 120
    settings.STYLE_MAX_ATTEMPTS = 3

    def make(silent: float, attempts: int = 1, **fields):
        job = make_job()
        Job.objects.filter(pk=job.pk).update(
            status="running", attempts=attempts, iteration=4,
            heartbeat_at=timezone.now() - timedelta(seconds=silent), **fields)
        return Job.objects.get(pk=job.pk)

    return make


def test_it_requeues_a_job_whose_worker_went_silent(running, enqueued, django_capture_on_commit_callbacks):
    job = running(silent=300)
    with django_capture_on_commit_callbacks(execute=True):
        assert reaper.reap() == {"requeued": 1, "failed": 0, "cancelled": 0}
    job.refresh_from_db()
    assert (job.status, job.attempts, job.iteration, job.heartbeat_at) == ("queued", 1, 4, None)
    assert enqueued == [job.pk]


def test_it_leaves_a_job_with_a_fresh_heartbeat_alone(running, enqueued, django_capture_on_commit_callbacks):
    job = running(silent=30)
    with django_capture_on_commit_callbacks(execute=True):
        assert reaper.reap() == {"requeued": 0, "failed": 0, "cancelled": 0}
    job.refresh_from_db()
    assert job.status == "running" and enqueued == []


def test_it_fails_a_job_after_its_last_attempt_with_the_reason(running, enqueued, django_capture_on_commit_callbacks):
    job = running(silent=300, attempts=3)
    with django_capture_on_commit_callbacks(execute=True):
        assert reaper.reap()["failed"] == 1
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at is not None
    assert job.error.startswith("The worker running this job stopped (no progress for 300 s, at iteration 4)")
    assert "tried 3 of 3 times" in job.error
    assert enqueued == []


def test_a_job_it_ends_keeps_no_saved_state(running, enqueued, django_capture_on_commit_callbacks):
    from django.core.files.base import ContentFile

    job = running(silent=300, attempts=3)
    job.state.save("state.pt", ContentFile(b"the optimizer's memory"))
    path = job.state.path
    with django_capture_on_commit_callbacks(execute=True):
        assert reaper.reap()["failed"] == 1
    job.refresh_from_db()
    assert job.state.name == "" and not Path(path).exists()


def test_it_cancels_a_silent_job_whose_owner_asked_to_cancel(running, enqueued, django_capture_on_commit_callbacks):
    job = running(silent=300, cancel_requested=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert reaper.reap()["cancelled"] == 1
    job.refresh_from_db()
    assert job.status == "cancelled" and enqueued == []


def test_reapers_running_at_once_act_on_a_job_once(running, enqueued, django_capture_on_commit_callbacks):
    job = running(silent=300)
    stale = list(Job.objects.filter(pk=job.pk))  # what the second reaper read before the first wrote
    with django_capture_on_commit_callbacks(execute=True):
        reaper.reap()
        assert reaper._settle(stale[0], timezone.now()) is None
    assert enqueued == [job.pk]


def test_a_requeued_job_is_claimed_again_as_a_next_attempt(running, enqueued, django_capture_on_commit_callbacks):
    from gallery.worker.runner import claim

    job = running(silent=300)
    with django_capture_on_commit_callbacks(execute=True):
        reaper.reap()
    assert claim(job.pk) == 2
    assert claim(job.pk) is None


def test_queued_jobs_that_waited_a_stale_while_are_enqueued_again_once(make_job, enqueued, settings,
                                                                      django_capture_on_commit_callbacks):
    settings.STYLE_STALE_SECONDS = 120
    old, fresh = make_job(), make_job()
    Job.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        assert reaper.requeue_lost_tasks() == 1
        assert reaper.requeue_lost_tasks() == 0  # a second worker starting at the same time
    assert enqueued == [old.pk]


def test_a_starting_worker_creates_the_schedule_once_and_reaps(running, enqueued, monkeypatch,
                                                               django_capture_on_commit_callbacks):
    # What else a worker process starts (its Watch thread, its SIGTERM handler) is not for
    # the test process: counted, not started.
    started = []
    monkeypatch.setattr("gallery.worker.heartbeat.start_watch", lambda: started.append("watch"))
    monkeypatch.setattr("gallery.worker.stopping.install", lambda: started.append("sigterm"))
    job = running(silent=300)
    with django_capture_on_commit_callbacks(execute=True):
        post_spawn.send(sender="django_q", proc_name="Process-1")
        post_spawn.send(sender="django_q", proc_name="Process-2")
    # The reaper runs in each worker's Watch thread, never as a queued task.
    assert not Schedule.objects.filter(func="gallery.worker.reaper.reap").exists()
    cleanup = Schedule.objects.get(func="gallery.cleanup.remove_orphans")  # hourly, one at a time
    assert (cleanup.minutes, cleanup.repeats, cleanup.hook) == (60, 1, REARM)
    assert started == ["sigterm", "watch"] * 2
    job.refresh_from_db()
    assert job.status == "queued" and enqueued == [job.pk]
