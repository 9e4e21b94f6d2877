"""A real `python manage.py qcluster` process, on the test database and the real VGG16 weights.

The cluster shares this test run's SQLite file (DATABASE_URL) and media folder (STYLE_DATA_DIR),
and signs its queue with the same secret key. Every cluster is started in its own process group
and killed with it in the fixture's teardown, whatever happens in the test.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from django.utils import timezone
from django_q.models import Schedule, Task
from PIL import Image

from gallery import services
from gallery.models import Job, TrainingRun
from gallery.tasks import INSTANT_CLUSTER, enqueue_job
from helpers import database_url, shrunk_upload

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    """The cluster's STYLE_DATA_DIR; its media folder is this test's MEDIA_ROOT too."""
    data = tmp_path / "data"
    (data / "media").mkdir(parents=True)
    settings.MEDIA_ROOT = str(data / "media")
    return data


@pytest.fixture
def qcluster(transactional_db, worker_settings, data_dir, tmp_path):
    """qcluster(workers=1, stale=20, **env) starts a cluster; all are killed at teardown."""
    clusters = []

    def start(*, workers: int = 1, stale: int = 20, **env):
        log = tmp_path / f"qcluster-{len(clusters)}.log"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "stylesite.settings",
            "DATABASE_URL": database_url(),
            "STYLE_DATA_DIR": str(data_dir),
            "DJANGO_SECRET_KEY": worker_settings.SECRET_KEY,  # the queue's payloads are signed
            "STYLE_WEIGHTS": worker_settings.STYLE_WEIGHTS,
            "STYLE_BACKBONE": "vgg16",
            "STYLE_DEVICE": "cpu",
            "STYLE_WORKERS": str(workers),
            "STYLE_STALE_SECONDS": str(stale),
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=environment,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        proc.log = log
        clusters.append(proc)
        return proc

    _empty_redis_queue(worker_settings)
    yield start
    for proc in clusters:
        kill(proc)


def _empty_redis_queue(settings) -> None:
    """With the Redis broker (REDIS_URL), tasks of an earlier test would outlive its database:
    each test starts with empty queues."""
    url = settings.Q_CLUSTER.get("redis")
    if url:
        import redis

        redis.Redis.from_url(url).flushdb()


def kill(proc) -> None:
    """kill -9 the cluster's whole process group (parent, sentinel, workers, pusher, monitor)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def wait_for(condition, *, timeout: float, cluster=None, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if cluster is not None and cluster.poll() is not None:
            break
        time.sleep(0.2)
    log = cluster.log.read_text(errors="replace")[-4000:] if cluster is not None else ""
    pytest.fail(f"timed out waiting for {what}\n--- qcluster log ---\n{log}")


def status_of(job) -> str:
    return Job.objects.values_list("status", flat=True).get(pk=job.pk)


def finished(job):
    return status_of(job) in Job.FINISHED


def test_queued_jobs_run_to_succeeded_and_a_failing_one_records_its_error(qcluster, make_job, photo):
    cluster = qcluster()
    first = make_job()
    wait_for(lambda: finished(first), timeout=90, cluster=cluster, what="the first job")
    first.refresh_from_db()
    assert first.status == Job.Status.SUCCEEDED, first.error
    assert list(first.snapshots.values_list("iteration", flat=True)) == [2, 4, 6]
    assert Path(first.result.path).is_file()
    assert first.device.startswith("cpu") and first.attempts == 1

    failing = make_job()
    Job.objects.filter(pk=failing.pk).update(photo=None)  # as if deleted once queued
    after = make_job()
    wait_for(lambda: finished(failing) and finished(after), timeout=60, cluster=cluster,
             what="the failing job and the next")
    failing.refresh_from_db()
    after.refresh_from_db()
    assert failing.status == Job.Status.FAILED
    assert failing.error == "The photo of this job was deleted before the job could run."
    assert after.status == Job.Status.SUCCEEDED  # the worker went on
    assert cluster.poll() is None
    # The worker created the clean-up's schedule as it started (the reaper needs none).
    assert Schedule.objects.filter(func="gallery.cleanup.remove_orphans").count() == 1


def test_cancel_stops_a_running_job(qcluster, make_job):
    cluster = qcluster()
    job = make_job(iterations=400, exact_iterations=True, snapshot_every=10)  # long enough to cancel
    wait_for(lambda: Job.objects.get(pk=job.pk).iteration >= 3, timeout=90, cluster=cluster,
             what="the job to run")
    services.job_cancel(job=job)
    asked = time.monotonic()
    wait_for(lambda: finished(job), timeout=30, cluster=cluster, what="the cancel")
    stopped_in = time.monotonic() - asked
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert 3 <= job.iteration < 400
    assert not job.result
    assert stopped_in < 10


def test_the_queue_is_fair_a_single_job_of_another_user_runs_second(qcluster, make_job, bob,
                                                                    tubingen):
    alices = [make_job(seed=i) for i in range(4)]
    bobs_photo = services.photo_create(owner=bob, upload=shrunk_upload(tubingen, "bob.jpg"))
    bobs = make_job(owner=bob, owner_photo=bobs_photo)  # queued last of all
    cluster = qcluster()
    everything = [*alices, bobs]
    wait_for(lambda: all(finished(j) for j in everything), timeout=150, cluster=cluster,
             what="the five jobs")
    started = list(Job.objects.filter(pk__in=[j.pk for j in everything])
                   .order_by("started_at").values_list("pk", "status"))
    assert [pk for pk, _ in started] == [alices[0].pk, bobs.pk, *[j.pk for j in alices[1:]]]
    assert {status for _, status in started} == {Job.Status.SUCCEEDED}


def test_two_workers_never_run_the_same_job(qcluster, make_job):
    cluster = qcluster(workers=2, STYLE_MAX_RUNNING_JOBS="2")
    jobs = [make_job(seed=1), make_job(seed=2)]
    for job in jobs:  # each task delivered three times in all, to two worker processes
        enqueue_job(job.pk)
        enqueue_job(job.pk)
    wait_for(lambda: all(finished(j) for j in jobs), timeout=120, cluster=cluster, what="both jobs")
    wait_for(lambda: Task.objects.filter(func="gallery.tasks.run_job").count() == 6, timeout=30,
             cluster=cluster, what="the six tasks' results")
    for job in jobs:
        job.refresh_from_db()
        assert (job.status, job.attempts) == (Job.Status.SUCCEEDED, 1)
        assert list(job.snapshots.values_list("iteration", flat=True)) == [2, 4, 6]
    results = sorted(t.result for t in Task.objects.filter(func="gallery.tasks.run_job"))
    assert results.count("succeeded") == 2 and set(results) == {"skipped", "succeeded"}


def test_a_job_whose_worker_was_killed_is_resumed_from_its_snapshot(qcluster, make_job):
    first = qcluster()  # the default STYLE_STALE_SECONDS (20)
    job = make_job(iterations=16, exact_iterations=True)
    wait_for(lambda: job.snapshots.filter(iteration__gte=4).exists(), timeout=90, cluster=first,
             what="a snapshot")
    kill(first)  # kill -9 in the middle of the job
    killed = time.monotonic()
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.iteration < 16
    killed_at = job.iteration
    last_snapshot = job.snapshots.order_by("-iteration").first().iteration

    second = qcluster()  # started at once: its Watch notices the silence within seconds
    wait_for(lambda: Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, attempts=2).exists()
             or finished(job), timeout=60, cluster=second, what="the job running again")
    running_again = time.monotonic() - killed
    print(f"kill -9 to running again: {running_again:.1f} s")
    assert running_again < 30
    wait_for(lambda: finished(job), timeout=120, cluster=second, what="the resumed job")
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert (job.iteration, job.attempts) == (16, 2)
    iterations = [i for i, _ in job.loss_history]
    assert iterations == sorted(set(iterations)) and iterations[-1] == 16
    assert iterations[:last_snapshot] == list(range(1, last_snapshot + 1))
    assert list(job.snapshots.values_list("iteration", flat=True)) == list(range(2, 17, 2))
    log = second.log.read_text(errors="replace")
    assert f"resuming exactly from iteration {last_snapshot}" in log, log[-3000:]
    assert killed_at >= last_snapshot


def test_sigterm_hands_the_running_job_back_within_seconds_and_it_resumes_exactly(
        qcluster, make_job):
    from gallery.worker.runner import run_job as run_here

    first = qcluster()
    job = make_job(iterations=40, exact_iterations=True, snapshot_every=0, seed=11)
    wait_for(lambda: Job.objects.get(pk=job.pk).iteration >= 3, timeout=90, cluster=first,
             what="the job to run")
    os.killpg(first.pid, signal.SIGTERM)  # what systemd, Docker and runsite do
    asked = time.monotonic()
    wait_for(lambda: status_of(job) == Job.Status.QUEUED, timeout=30, cluster=None,
             what="the job handed back")
    handed_back = time.monotonic() - asked
    print(f"SIGTERM to handed back: {handed_back:.1f} s")
    assert handed_back < 5
    kill(first)  # django-q2's parent outlives its sentinel on a group SIGTERM; the rest is gone
    job.refresh_from_db()
    assert job.state and job.attempts == 0 and 3 <= job.iteration < 40
    stopped_at = job.iteration

    second = qcluster()
    wait_for(lambda: finished(job), timeout=120, cluster=second, what="the resumed job")
    job.refresh_from_db()
    assert (job.status, job.iteration, job.attempts) == (Job.Status.SUCCEEDED, 40, 1), job.error
    assert f"resuming exactly from iteration {stopped_at}" in second.log.read_text(errors="replace")
    whole = make_job(iterations=40, exact_iterations=True, snapshot_every=0, seed=11)
    kill(second)
    assert run_here(whole.pk) == "succeeded"
    whole.refresh_from_db()
    with job.result.open("rb") as a, whole.result.open("rb") as b:
        resumed, uninterrupted = (np.asarray(Image.open(f).convert("RGB"), dtype=int) for f in (a, b))
    assert np.abs(resumed - uninterrupted).max() <= 1


def instant_cluster(qcluster):
    """The instant lane's cluster: its own name, its own queue (gallery/tasks.py)."""
    return qcluster(Q_CLUSTER_NAME=INSTANT_CLUSTER)


def test_a_training_run_through_qcluster_makes_the_theme_paint_instantly(
        qcluster, starry, photo, alice, settings, tmp_path, tubingen, chicago):
    from engine.images import load_image

    folder = tmp_path / "training-photos"
    folder.mkdir()
    for path in (tubingen, chicago):
        load_image(path, max_side=80).save(folder / f"{path.stem}.png")
    settings.STYLE_TRAINING_PHOTOS = folder
    cluster = qcluster(STYLE_TRAINING_PHOTOS=str(folder))
    run = services.training_start(theme=starry, params={
        "size": 32, "steps": 4, "batch": 1, "width": 8, "blocks": 1, "sample_every": 2,
        "checkpoint_every": 2})
    wait_for(lambda: TrainingRun.objects.get(pk=run.pk).is_finished, timeout=120,
             cluster=cluster, what="the training run")
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    assert list(run.samples.values_list("step", flat=True)) == [2, 4]
    starry.refresh_from_db()
    assert starry.is_instant and starry.network_record["trained_steps"] == 4

    lane = instant_cluster(qcluster)
    job = services.job_create(owner=alice, photo=photo, themes=[(starry, 1.0)],
                              params={"size": 64}, mode=Job.Mode.INSTANT)
    wait_for(lambda: finished(job), timeout=60, cluster=lane, what="the instant job")
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert Path(job.result.path).is_file()


def test_an_instant_job_does_not_wait_behind_a_long_painting(qcluster, make_job, instant_starry,
                                                            alice, photo, settings):
    full = qcluster(workers=1)  # the only full-painting worker
    lane = instant_cluster(qcluster)
    settings.STYLE_MAX_ITERATIONS = 5000
    long_job = make_job(iterations=5000, size=96, exact_iterations=True, snapshot_every=0)
    wait_for(lambda: Job.objects.get(pk=long_job.pk).iteration >= 2, timeout=90, cluster=full,
             what="the long painting to run")
    job = services.job_create(owner=alice, photo=photo, themes=[(instant_starry, 1.0)],
                              params={"size": 96}, mode=Job.Mode.INSTANT)
    wait_for(lambda: finished(job), timeout=60, cluster=lane, what="the instant job")
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert status_of(long_job) == Job.Status.RUNNING  # still painting: nothing waited for it
    # The long painting's preview came from the instant lane too.
    wait_for(lambda: Job.objects.get(pk=long_job.pk).preview, timeout=30, cluster=lane,
             what="the preview")
    services.job_cancel(job=long_job)
    wait_for(lambda: finished(long_job), timeout=30, cluster=full, what="the cancel")


def test_a_training_whose_worker_was_killed_resumes_from_its_checkpoint(
        qcluster, starry, settings, tmp_path, tubingen, chicago):
    from engine.images import load_image

    folder = tmp_path / "training-photos"
    folder.mkdir()
    for path in (tubingen, chicago):
        load_image(path, max_side=80).save(folder / f"{path.stem}.png")
    settings.STYLE_TRAINING_PHOTOS = folder
    stale = 10  # the least STYLE_STALE_SECONDS takes
    first = qcluster(stale=stale, STYLE_TRAINING_PHOTOS=str(folder))
    run = services.training_start(theme=starry, params={
        "size": 32, "steps": 40, "batch": 1, "width": 8, "blocks": 1, "sample_every": 10,
        "checkpoint_every": 5})
    wait_for(lambda: TrainingRun.objects.get(pk=run.pk).step >= 12, timeout=120, cluster=first,
             what="a checkpoint")
    kill(first)  # kill -9 in the middle of the training
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.RUNNING and run.step < 40 and run.checkpoint
    time.sleep(max(0.0, stale + 0.5 - (timezone.now() - run.heartbeat_at).total_seconds()))

    second = qcluster(stale=stale, STYLE_TRAINING_PHOTOS=str(folder))
    wait_for(lambda: TrainingRun.objects.get(pk=run.pk).is_finished, timeout=120,
             cluster=second, what="the resumed training")
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED, run.error
    assert (run.step, run.attempts) == (40, 2)
    steps = [s for s, _ in run.loss_history]
    assert steps == sorted(set(steps)) and steps[-1] == 40
    assert "resuming from step" in second.log.read_text(errors="replace")
    starry.refresh_from_db()
    assert starry.is_instant
