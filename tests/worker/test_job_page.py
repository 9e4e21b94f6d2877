"""The job page and its JSON: what the owner sees, and nobody else (404)."""
import numpy as np
import pytest
from django.urls import reverse
from PIL import Image

from gallery.models import Job
from gallery.tasks import run_job

pytestmark = pytest.mark.django_db

ENDPOINTS = ["gallery:job-detail", "gallery:job-progress", "gallery:job-cancel", "gallery:job-retry",
             "gallery:job-colors"]
POSTS = {"gallery:job-cancel", "gallery:job-retry", "gallery:job-colors"}


def _call(client, name, job, **extra):
    url = reverse(name, args=[job.pk])
    return client.post(url, **extra) if name in POSTS else client.get(url, **extra)


@pytest.fixture
def job(make_job):
    return make_job()


@pytest.fixture
def done(job):
    run_job(job.pk)
    job.refresh_from_db()
    return job


@pytest.mark.parametrize("name", ENDPOINTS)
def test_it_checks_ownership(client, bob, job, name):
    client.force_login(bob)
    assert _call(client, name, job).status_code == 404
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED and Job.objects.count() == 1


@pytest.mark.parametrize("name", ENDPOINTS)
def test_it_sends_anonymous_users_to_log_in(client, job, name):
    response = _call(client, name, job)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_progress_json_of_a_queued_job(client, alice, job):
    client.force_login(alice)
    response = client.get(reverse("gallery:job-progress", args=[job.pk]))
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    data = response.json()
    assert data["status"] == "queued" and data["finished"] is False
    assert (data["iteration"], data["total"], data["percent"]) == (0, 6, 0)
    assert data["snapshots"] == [] and data["result"] is None and data["error"] == ""


def test_the_page_of_a_running_job_has_the_live_parts(client, alice, job):
    client.force_login(alice)
    Job.objects.filter(pk=job.pk).update(status="running", iteration=2, total=6, loss_history=[[1, 0.6], [2, 0.5]])
    html = client.get(reverse("gallery:job-detail", args=[job.pk])).content.decode()
    assert 'data-progress-url="%s"' % reverse("gallery:job-progress", args=[job.pk]) in html
    assert 'id="job-progress"' in html  # the first state, so the script draws without waiting
    assert "js/job.js" in html and "css/job.css" in html
    assert 'role="progressbar"' in html and 'class="loss-chart"' in html
    assert 'data-bind="snapshots"' in html
    assert reverse("gallery:job-cancel", args=[job.pk]) in html


def test_a_finished_job_json_and_page_show_result_snapshots_and_download(client, alice, done):
    client.force_login(alice)
    data = client.get(reverse("gallery:job-progress", args=[done.pk])).json()
    assert data["status"] == "succeeded" and data["finished"] is True
    assert (data["iteration"], data["total"], data["percent"]) == (6, 6, 100)
    assert set(data["losses"]) == {"content", "style", "tv", "total"}
    assert [p[0] for p in data["loss_history"]] == [1, 2, 3, 4, 5, 6]
    assert data["remaining"] == 0 and data["elapsed"] > 0
    assert [s["iteration"] for s in data["snapshots"]] == [2, 4, 6]
    # A new URL for each version of the result (its colours can change: gallery/colors.py).
    assert data["result"].startswith(reverse("gallery:job-result", args=[done.pk]) + "?v=")
    assert data["downloads"] == {"png": data["result"] + "&download=png",
                                 "jpeg": data["result"] + "&download=jpeg"}
    # The URLs it hands out work for the owner.
    for url in [data["result"], data["snapshots"][0]["url"]]:
        assert client.get(url).status_code == 200

    html = client.get(reverse("gallery:job-detail", args=[done.pk])).content.decode()
    assert reverse("gallery:photo-image", args=[done.photo.pk]) in html  # before
    assert 'src="%s"' % data["result"] in html  # after
    assert data["result"] + "&amp;download=png" in html and data["result"] + "&amp;download=jpeg" in html
    assert html.count('class="snapshot"') == 3


def test_the_page_of_a_failed_job_shows_its_error_and_try_again(client, alice, job):
    client.force_login(alice)
    Job.objects.filter(pk=job.pk).update(status="failed", error="Out of memory: try a smaller size.")
    html = client.get(reverse("gallery:job-detail", args=[job.pk])).content.decode()
    assert "Out of memory: try a smaller size." in html
    assert reverse("gallery:job-retry", args=[job.pk]) in html


def test_cancel_cancels_a_queued_job_and_answers_json_to_the_script(client, alice, job, make_job):
    client.force_login(alice)
    response = client.post(reverse("gallery:job-cancel", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "cancelled"

    other = make_job()
    Job.objects.filter(pk=other.pk).update(status="running")
    data = client.post(reverse("gallery:job-cancel", args=[other.pk]), HTTP_ACCEPT="application/json").json()
    assert data["status"] == "running" and data["cancel_requested"] is True


def test_cancel_is_post_only(client, alice, job):
    client.force_login(alice)
    assert client.get(reverse("gallery:job-cancel", args=[job.pk])).status_code == 405


def test_try_again_makes_a_new_job_with_the_same_settings_and_the_same_pixels(client, alice, starry, scream_theme, make_job):
    first = make_job(themes=[(starry, 2.0), (scream_theme, 1.0)], seed=99)
    run_job(first.pk)
    Job.objects.filter(pk=first.pk).update(status="failed")  # "Try again" is offered on failed jobs
    client.force_login(alice)
    response = client.post(reverse("gallery:job-retry", args=[first.pk]))
    second = Job.objects.exclude(pk=first.pk).get()
    assert response.status_code == 302 and response["Location"] == reverse("gallery:job-detail", args=[second.pk])
    assert second.status == "queued" and second.photo_id == first.photo_id
    assert second.params == Job.objects.get(pk=first.pk).params
    assert [(jt.theme.slug, jt.weight) for jt in second.job_themes.all()] == [("starry-night", 2.0), ("the-scream", 1.0)]

    run_job(second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    with first.result.open("rb") as a, second.result.open("rb") as b:
        assert np.array_equal(np.asarray(Image.open(a)), np.asarray(Image.open(b)))


def test_try_again_explains_when_the_photo_is_gone(client, alice, job):
    Job.objects.filter(pk=job.pk).update(status="failed", photo=None)
    client.force_login(alice)
    response = client.post(reverse("gallery:job-retry", args=[job.pk]), follow=True)
    assert Job.objects.count() == 1
    assert "Its photo was deleted" in response.content.decode()
