"""The heartbeat beats from its own thread (a slow first step is never taken for a dead worker),
notices a job taken away, and the job page says when a worker has stopped."""
import threading
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

import engine
from gallery.models import Job
from gallery.views.job_detail import STALLED_AFTER
from gallery.worker import heartbeat, reaper
from gallery.worker.runner import claim, run_job

pytestmark = pytest.mark.django_db(transaction=True)  # the heartbeat thread has its own connection


def _running(job, seconds_ago: float) -> Job:
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, attempts=1,
                                         heartbeat_at=timezone.now() - timedelta(seconds=seconds_ago))
    return Job.objects.get(pk=job.pk)


def test_it_beats_while_the_main_thread_is_busy_and_stops_when_asked(make_job):
    job = _running(make_job(), seconds_ago=600)
    fence = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, attempts=1)
    with heartbeat.Heartbeat(fence, every=0.05) as pulse:
        time.sleep(0.4)  # the main thread does nothing the database could see
        beaten = Job.objects.get(pk=job.pk).heartbeat_at
    assert timezone.now() - beaten < timedelta(seconds=1)
    assert not pulse.is_alive() and not pulse.lost.is_set()


def test_it_notices_when_the_job_is_taken_away(make_job):
    job = _running(make_job(), seconds_ago=0)
    fence = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, attempts=1)
    with heartbeat.Heartbeat(fence, every=0.05) as pulse:
        Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED)  # the reaper took it
        assert pulse.lost.wait(2)


def test_a_slow_first_step_is_never_taken_for_a_dead_worker(make_job, settings, monkeypatch):
    settings.STYLE_STALE_SECONDS = 1
    monkeypatch.setattr(heartbeat, "BEAT_EVERY", 0.1)
    job = make_job()
    real = engine.stylize
    reaped = []

    def slow_start(*args, **kwargs):
        steps = real(*args, **kwargs)

        def generator():
            time.sleep(2.5)  # a weights download, a huge first step: no iteration for 2.5 s
            reaped.append(reaper.reap())  # another worker's reaper looks at it meanwhile
            yield from steps
        return generator()

    monkeypatch.setattr(engine, "stylize", slow_start)
    assert run_job(job.pk) == "succeeded"
    assert reaped == [{"requeued": 0, "failed": 0, "cancelled": 0}]


def test_a_worker_that_stops_beating_is_said_on_the_job_page(client, alice, make_job):
    client.force_login(alice)
    job = make_job()
    assert claim(job.pk) == 1
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    url = reverse("gallery:job-progress", args=[job.pk])
    assert client.get(url).json()["stalled"] is False
    _running(job, seconds_ago=STALLED_AFTER + 1)
    assert client.get(url).json()["stalled"] is True
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED)  # the reaper requeued it
    data = client.get(url).json()
    assert data["resuming"] is True and data["stalled"] is False


def test_each_worker_process_watches_for_dead_jobs_busy_or_idle(make_job, settings, monkeypatch):
    settings.STYLE_STALE_SECONDS = 10
    monkeypatch.setattr(heartbeat, "_watch", None)
    monkeypatch.setattr(heartbeat, "REAP_EVERY", 0.05)
    enqueued = []
    monkeypatch.setattr("gallery.tasks.enqueue_job", enqueued.append)
    heartbeat.start_watch()
    try:
        heartbeat.start_watch()  # once per process
        assert threading.active_count() >= 2
        job = _running(make_job(), seconds_ago=60)
        deadline = time.monotonic() + 5
        while Job.objects.get(pk=job.pk).status != Job.Status.QUEUED and time.monotonic() < deadline:
            time.sleep(0.05)
        assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED
    finally:
        heartbeat._watch.stop()
