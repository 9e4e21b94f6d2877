"""My gallery's live cards: the JSON static/js/gallery.js polls for the page's unfinished jobs."""
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from gallery import services
from gallery.models import Job, Snapshot
from gallery.views.media import result_url
from gallery_helpers import image_bytes

pytestmark = pytest.mark.django_db

URL = reverse("gallery:job-cards")


def _cards(client, *ids) -> dict:
    response = client.get(URL, {"id": [str(i) for i in ids]})
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    return {card["id"]: card for card in response.json()["jobs"]}


def _running(job, *, iteration, total=50, remaining=None):
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, iteration=iteration, total=total,
                                         elapsed=10.0, remaining=remaining)
    job.refresh_from_db()
    return job


def _snapshot(job, iteration):
    snap = Snapshot(job=job, iteration=iteration, losses={"total": 1.0})
    snap.image.save(f"snap-{iteration}.jpg", ContentFile(image_bytes()), save=True)
    return snap


def test_a_queued_job_shows_its_photo_and_place_in_the_queue(alice_client, job):
    card = _cards(alice_client, job.pk)[job.pk]
    assert card["status"] == "queued" and card["finished"] is False
    assert card["image"] == reverse("gallery:photo-thumbnail", args=[job.photo_id])
    assert card["image_kind"] == "photo"
    assert card["text"] == "Next in the queue"


def test_a_running_job_shows_its_latest_snapshot_and_progress(alice_client, job):
    _running(job, iteration=30, total=60, remaining=120.0)
    _snapshot(job, 10)
    latest = _snapshot(job, 20)
    card = _cards(alice_client, job.pk)[job.pk]
    assert card["image"] == reverse("gallery:snapshot-image", args=[latest.pk])
    assert card["image_kind"] == "snapshot"
    assert card["percent"] == job.progress_percent == 7  # by time: 10 s of 130
    assert card["text"] == "30 / 60 iterations, about 2 min left"


def test_a_finished_job_shows_its_painting(alice_client, finished_job):
    card = _cards(alice_client, finished_job.pk)[finished_job.pk]
    assert card["finished"] is True and card["status_display"] == "Succeeded"
    assert card["image"] == result_url(finished_job) and card["image_kind"] == "result"
    assert card["percent"] == 100 and card["text"] == ""


def test_a_failed_job_says_why(alice_client, job):
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, error="The photo was deleted.")
    card = _cards(alice_client, job.pk)[job.pk]
    assert card["finished"] is True and card["text"] == "The photo was deleted."


def test_it_answers_several_jobs_in_one_request(alice_client, alice, photo, starry, job):
    other = services.job_create(owner=alice, photo=photo, themes=[(starry, 1.0)], params={})
    assert set(_cards(alice_client, job.pk, other.pk)) == {job.pk, other.pk}


def test_it_checks_ownership(bob_client, alice_client, job, bob, bob_photo, starry):
    bobs = services.job_create(owner=bob, photo=bob_photo, themes=[(starry, 1.0)], params={})
    assert _cards(bob_client, job.pk, bobs.pk).keys() == {bobs.pk}  # alice's id: left out
    assert _cards(alice_client, bobs.pk) == {}


def test_it_needs_a_signed_in_user(anon_client, job):
    response = anon_client.get(URL, {"id": job.pk})
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_ignores_ids_that_are_not_numbers(alice_client, job):
    assert _cards(alice_client, "x", "-1", "", job.pk).keys() == {job.pk}


def test_the_gallery_renders_the_same_cards_and_the_poll_url(alice_client, job):
    _running(job, iteration=5, total=50)
    latest = _snapshot(job, 5)
    html = alice_client.get(reverse("gallery:job-list")).content.decode()
    assert f'data-live-cards="{URL}"' in html
    assert f'data-job="{job.pk}" data-unfinished' in html
    assert reverse("gallery:snapshot-image", args=[latest.pk]) in html
    assert "5 / 50 iterations" in html
