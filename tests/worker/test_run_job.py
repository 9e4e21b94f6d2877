"""run_job in this process, on the real VGG16 weights at 64 px: the worker's logic, step by step."""
import io
from pathlib import Path

import engine
import numpy as np
import pytest
from django.utils import timezone
from PIL import Image

from gallery import services
from gallery.models import Job, Snapshot
from gallery.tasks import run_job
from gallery.worker import conf, runner
from worker_helpers import Crash, spy_stylize

pytestmark = pytest.mark.django_db


def _pixels(field_file) -> np.ndarray:
    with field_file.open("rb") as f:
        return np.asarray(Image.open(io.BytesIO(f.read())).convert("RGB"))


def test_it_runs_a_queued_job_to_succeeded_with_progress_snapshots_and_a_result(make_job, monkeypatch):
    job = make_job(seed=123)
    mid = []

    def look(step):
        if step.iteration == 5:  # what the job page reads while step 5 is being computed
            mid.append(Job.objects.get(pk=job.pk))

    spy_stylize(monkeypatch, look)
    monkeypatch.setattr(conf, "PROGRESS_EVERY", 0.0)
    cancel_reads = []
    real_check = runner.JobRun._cancel_requested

    def counting(self):
        before = self.checked_at
        out = real_check(self)
        cancel_reads.append(self.checked_at != before)
        return out

    monkeypatch.setattr(runner.JobRun, "_cancel_requested", counting)
    monkeypatch.setattr(conf, "CANCEL_CHECK_EVERY", 3600.0)

    assert run_job(job.pk) == "succeeded"

    # While running: progress, losses, the curve so far, the heartbeat, the snapshots so far.
    (running,) = mid
    assert (running.status, running.iteration) == (Job.Status.RUNNING, 4)
    assert running.remaining is not None and running.remaining > 0
    assert [i for i, _ in running.loss_history] == [1, 2, 3, 4]
    assert (timezone.now() - running.heartbeat_at).total_seconds() < 60
    assert Snapshot.objects.filter(job=job, iteration__lte=4).count() == 2

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert (job.iteration, job.total, job.attempts) == (6, 6, 1)
    assert set(job.losses) == {"content", "style", "tv", "total"}
    assert [i for i, _ in job.loss_history] == list(range(1, 7))
    assert job.remaining == 0
    assert job.elapsed > 0
    assert job.device.startswith("cpu")
    assert job.engine_version == engine.ENGINE_VERSION
    assert job.started_at <= job.finished_at
    assert job.error == ""
    assert job.params["seed"] == 123 and job.params["size"] == 64
    assert "weights" not in job.params  # a server path is the worker's business, not the job's
    assert list(job.snapshots.values_list("iteration", flat=True)) == [2, 4, 6]
    assert all(set(s.losses) >= {"total"} for s in job.snapshots.all())
    result = _pixels(job.result)
    assert max(result.shape[:2]) == 64
    assert job.result.name.endswith(".png")
    # Painted, not a copy of the photo: the last snapshot is the result, the first differs.
    assert np.array_equal(_pixels(job.snapshots.get(iteration=6).image), result)
    assert not np.array_equal(_pixels(job.snapshots.get(iteration=2).image), result)
    # Quick iterations: the cancel flag is read at most once per CANCEL_CHECK_EVERY, here never.
    assert len(cancel_reads) == 5 and not any(cancel_reads)


def test_it_refuses_a_second_claim(make_job):
    job = make_job()
    assert runner.claim(job.pk) == 1
    assert runner.claim(job.pk) is None
    assert run_job(job.pk) == "skipped"  # a second task for the same job
    job.refresh_from_db()
    assert (job.status, job.attempts, job.iteration) == (Job.Status.RUNNING, 1, 0)


def test_it_skips_a_job_that_is_finished_cancelled_or_gone(make_job):
    job = make_job()
    services.job_cancel(job=job)
    assert run_job(job.pk) == "skipped"
    assert run_job(10**9) == "skipped"
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED and job.attempts == 0


def test_it_stops_within_one_iteration_of_a_cancel(make_job, monkeypatch):
    job = make_job()

    def cancel_at_3(step):
        if step.iteration == 3:
            services.job_cancel(job=Job.objects.get(pk=job.pk))

    calls = spy_stylize(monkeypatch, cancel_at_3)
    monkeypatch.setattr(conf, "CANCEL_CHECK_EVERY", 0.0)  # an iteration at 512 px takes seconds
    assert run_job(job.pk) == "cancelled"

    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert job.iteration == 3
    assert not job.result
    assert job.finished_at is not None
    assert list(job.snapshots.values_list("iteration", flat=True)) == [2]
    assert len(calls) == 1


def test_a_failure_is_recorded_with_a_readable_error(make_job, monkeypatch):
    broken = make_job()

    def oom(*args, **kwargs):
        raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(engine, "stylize", oom)
    assert run_job(broken.pk) == "failed"

    broken.refresh_from_db()
    assert broken.status == Job.Status.FAILED
    assert broken.error.startswith("Out of memory")
    assert "smaller size" in broken.error
    assert broken.finished_at is not None


def test_it_fails_with_a_reason_when_the_photo_was_deleted(make_job, photo):
    job = make_job()
    services.photo_delete(photo=photo)
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error == "The photo of this job was deleted before the job could run."


def test_it_fails_with_a_reason_when_the_photo_file_is_unreadable(make_job, photo):
    job = make_job()
    with open(photo.image.path, "wb") as f:
        f.write(b"\xff\xd8\xff\xe0 this is not a jpeg any more")
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("The photo could not be read:")


def test_it_fails_with_a_reason_when_the_weights_are_missing(make_job, settings, tmp_path):
    job = make_job()
    settings.STYLE_WEIGHTS = str(tmp_path / "nowhere.pth")
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("The worker cannot load the style network's weights")
    assert "nowhere.pth" in job.error and "administrator" in job.error


def test_it_fails_with_a_reason_when_the_weights_are_not_weights(make_job, settings, tmp_path):
    job = make_job()
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"not a state dict at all")
    settings.STYLE_WEIGHTS = str(bad)
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "weights" in job.error and "not a PyTorch state dict" in job.error


def test_it_fails_with_a_reason_when_cuda_is_asked_for_and_absent(make_job, settings):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    job = make_job()
    settings.STYLE_DEVICE = "cuda"
    run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "CUDA is not available" in job.error


def test_an_unexpected_error_is_recorded_too(make_job, monkeypatch):
    job = make_job()

    def boom(*args, **kwargs):
        raise KeyError("something")

    monkeypatch.setattr(engine, "stylize", boom)
    assert run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.error == "The worker hit an unexpected error (KeyError: 'something')."


def test_it_stops_when_the_job_is_deleted_while_running(make_job, monkeypatch):
    job = make_job()

    def delete_at_3(step):
        if step.iteration == 3:
            Job.objects.filter(pk=job.pk).delete()

    spy_stylize(monkeypatch, delete_at_3)
    monkeypatch.setattr(conf, "PROGRESS_EVERY", 0.0)
    assert run_job(job.pk) == "lost"
    assert not Snapshot.objects.filter(job_id=job.pk).exists()


def _crash_at_5_and_reap(job, monkeypatch):
    """Run `job` until a crash at iteration 5 (what a killed worker leaves), then let the reaper
    put it back in the queue."""
    from gallery.worker import reaper

    def crash_at_5(step):
        if step.iteration == 5:
            raise Crash

    spy_stylize(monkeypatch, crash_at_5)
    with pytest.raises(Crash):
        run_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.state  # the state of iteration 4 is kept
    assert list(job.snapshots.values_list("iteration", flat=True)) == [2, 4]
    monkeypatch.undo()
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timezone.timedelta(hours=1))
    monkeypatch.setattr("gallery.tasks.enqueue_job", lambda job_id: None)
    assert reaper.reap()["requeued"] == 1


def test_a_resumed_job_goes_on_exactly_and_ends_with_the_pixels_of_an_uninterrupted_one(
        make_job, monkeypatch, settings, django_capture_on_commit_callbacks):
    whole = make_job(seed=5)
    with django_capture_on_commit_callbacks(execute=True):
        assert run_job(whole.pk) == "succeeded"
    whole.refresh_from_db()
    job = make_job(seed=5)
    _crash_at_5_and_reap(job, monkeypatch)
    calls = spy_stylize(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        assert run_job(job.pk) == "succeeded"
    assert calls[0]["resume"] is not None and calls[0]["init_image"] is None
    job.refresh_from_db()
    assert (job.iteration, job.attempts, job.state.name) == (6, 2, "")  # the state is gone
    assert np.abs(_pixels(job.result).astype(int) - _pixels(whole.result).astype(int)).max() <= 1
    assert [p for p in Path(settings.MEDIA_ROOT).rglob("*") if "states" in p.parts and p.is_file()] == []


def test_without_a_usable_state_it_resumes_from_the_last_snapshot(make_job, monkeypatch):
    job = make_job()
    _crash_at_5_and_reap(job, monkeypatch)
    job.refresh_from_db()
    with job.state.open("wb") as f:
        f.write(b"damaged")
    calls = spy_stylize(monkeypatch)
    assert run_job(job.pk) == "succeeded"

    assert calls[0]["start_iteration"] == 4 and calls[0]["resume"] is None
    assert calls[0]["init_image"].size == _pixels(job.snapshots.get(iteration=4).image).shape[1::-1]
    job.refresh_from_db()
    assert (job.status, job.iteration, job.attempts) == (Job.Status.SUCCEEDED, 6, 2)
    assert [i for i, _ in job.loss_history] == list(range(1, 7))
    assert list(job.snapshots.values_list("iteration", flat=True)) == [2, 4, 6]


def test_it_blends_several_themes_with_their_weights(make_job, starry, scream_theme, monkeypatch):
    job = make_job(themes=[(starry, 3.0), (scream_theme, 1.0)])
    calls = spy_stylize(monkeypatch)
    assert run_job(job.pk) == "succeeded"
    assert calls[0]["params"].style_blend_weights == (3.0, 1.0)


def test_a_job_that_converges_early_succeeds_and_records_why_and_its_work(make_job):
    job = make_job(iterations=60, tolerance=0.5)  # converged as soon as a window is seen
    assert run_job(job.pk) == "succeeded"
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.result
    assert (job.iteration, job.total, job.stopped) == (11, 60, "converged")
    assert job.progress_percent == 100
    w, h = _pixels(job.result).shape[1::-1]
    assert job.work == pytest.approx(11 * w * h / 1e6)  # every iteration at its scale's pixels


def test_a_job_asking_for_exact_iterations_runs_them_all(make_job):
    job = make_job(iterations=14, tolerance=0.5, exact_iterations=True)
    assert run_job(job.pk) == "succeeded"
    job.refresh_from_db()
    assert (job.iteration, job.total, job.stopped) == (14, 14, "iterations")


def test_a_size_that_cannot_fit_in_the_worker_s_memory_is_refused_before_it_runs(
        make_job, settings, monkeypatch):
    calls = spy_stylize(monkeypatch)
    settings.STYLE_WORKER_MEMORY_MB = 1
    job = make_job()
    assert run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.iteration == 0 and not job.result
    assert "GB of memory" in job.error and "smaller size" in job.error
    assert not job.snapshots.exists() and len(calls) == 1
    # The same job fits in a worker with the memory it needs.
    settings.STYLE_WORKER_MEMORY_MB = 2048
    again = make_job()
    assert run_job(again.pk) == "succeeded"
