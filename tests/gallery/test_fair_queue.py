"""The fair queue (gallery/queue.py): the order paintings will start in, each queued job's place
and estimated start on its page, in the gallery and in the API, and the per-user limits."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from gallery import queue, services
from gallery_helpers import image_bytes, upload
from gallery.models import Job

pytestmark = pytest.mark.django_db


def _queue(owner, photo, theme, n=1) -> list[int]:
    return [services.job_create(owner=owner, photo=photo, themes=[(theme, 1.0)], params={}).pk
            for _ in range(n)]


def _started(job_id, *, minutes_ago: float, status=Job.Status.SUCCEEDED, **fields) -> None:
    Job.objects.filter(pk=job_id).update(
        status=status, started_at=timezone.now() - timedelta(minutes=minutes_ago), **fields)


@pytest.fixture
def carol(django_user_model):
    return django_user_model.objects.create_user("carol", password="x")


@pytest.fixture
def carol_photo(carol):
    return services.photo_create(owner=carol, upload=upload("carol.jpg", image_bytes()))


def test_a_user_with_many_jobs_does_not_hold_back_another_user_s_single_job(
        alice, bob, photo, bob_photo, starry, settings):
    settings.STYLE_MAX_QUEUED_JOBS = 50
    alices = _queue(alice, photo, starry, 5)
    bobs = _queue(bob, bob_photo, starry)
    _started(alices[0], minutes_ago=0, status=Job.Status.RUNNING)  # alice's first one runs
    order = [job_id for job_id, _ in queue.order()]
    assert order == [bobs[0], *alices[1:]]


def test_users_take_turns_the_one_who_waited_longest_first(alice, bob, carol, photo, bob_photo,
                                                           carol_photo, starry, settings):
    settings.STYLE_MAX_QUEUED_JOBS = 50
    old_alice, old_bob = _queue(alice, photo, starry)[0], _queue(bob, bob_photo, starry)[0]
    _started(old_alice, minutes_ago=5)
    _started(old_bob, minutes_ago=60)  # bob's last painting started longest ago
    a = _queue(alice, photo, starry, 3)
    b = _queue(bob, bob_photo, starry, 2)
    c = _queue(carol, carol_photo, starry, 2)  # carol never had a painting: she comes first
    order = [job_id for job_id, _ in queue.order()]
    assert order == [c[0], b[0], a[0], c[1], b[1], a[1], a[2]]


def test_a_user_at_the_running_limit_waits_for_their_own_job(alice, bob, photo, bob_photo, starry,
                                                             settings):
    settings.STYLE_MAX_RUNNING_JOBS = 1
    running, waiting = _queue(alice, photo, starry, 2)
    _started(running, minutes_ago=1, status=Job.Status.RUNNING)
    assert queue.next_jobs() == []  # alice's second waits for her first
    bobs = _queue(bob, bob_photo, starry)
    assert queue.next_jobs() == bobs
    settings.STYLE_MAX_RUNNING_JOBS = 2
    assert queue.next_jobs() == [bobs[0], waiting]


def test_places_and_start_times_follow_the_order_and_the_measured_speed(
        alice, bob, photo, bob_photo, starry, settings):
    settings.STYLE_MAX_QUEUED_JOBS = 50
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "workers": 1}
    measured = _queue(alice, photo, starry)[0]
    _started(measured, minutes_ago=30, elapsed=60.0, work=10.0)  # 6 s per megapixel-iteration
    running = _queue(bob, bob_photo, starry)[0]
    _started(running, minutes_ago=1, status=Job.Status.RUNNING, remaining=100.0)
    a1, a2 = _queue(alice, photo, starry, 2)
    b1 = _queue(bob, bob_photo, starry)[0]
    places = queue.places()
    assert [places[j].position for j in (a1, b1, a2)] == [1, 2, 3]
    assert places[a1].starts_in == pytest.approx(100.0)  # when bob's running job ends
    one = places[b1].starts_in - places[a1].starts_in
    assert one > 0 and places[a2].starts_in == pytest.approx(places[b1].starts_in + one)
    assert places[a1].describe().startswith("next in the queue, starting in about 2 min")
    assert places[b1].describe().startswith("number 2 in the queue")


def test_without_a_measured_painting_the_place_has_no_time(alice, photo, starry):
    job_id = _queue(alice, photo, starry)[0]
    place = queue.places()[job_id]
    assert (place.position, place.starts_in, place.describe()) == (1, None, "next in the queue")


def test_the_job_page_the_gallery_and_the_api_show_the_place(alice_client, alice, bob, photo,
                                                              bob_photo, starry):
    bobs = _queue(bob, bob_photo, starry)[0]
    _started(bobs, minutes_ago=1, status=Job.Status.RUNNING)
    first, second = _queue(alice, photo, starry, 2)
    page = alice_client.get(reverse("gallery:job-detail", args=[second])).content.decode()
    assert "number 2 in the queue" in page
    data = alice_client.get(reverse("gallery:job-progress", args=[second])).json()
    assert data["queue"] == {"position": 2, "starts_in": None, "text": "number 2 in the queue"}
    gallery = alice_client.get(reverse("gallery:job-list")).content.decode()
    assert "Next in the queue" in gallery and "Number 2 in the queue" in gallery
    api = APIClient()
    api.force_authenticate(alice)
    data = api.get(f"/api/v1/jobs/{first}/").json()
    assert data["queue"]["position"] == 1 and data["queue"]["text"] == "next in the queue"
    listed = {j["id"]: j["queue"] for j in api.get("/api/v1/jobs/").json()["results"]}
    assert listed[second]["position"] == 2
    # Another user's queued job shows no place to alice: she cannot see it at all.
    assert bobs not in listed


def test_a_running_job_has_no_place(alice_client, alice, photo, starry):
    job_id = _queue(alice, photo, starry)[0]
    _started(job_id, minutes_ago=0, status=Job.Status.RUNNING)
    assert alice_client.get(reverse("gallery:job-progress", args=[job_id])).json()["queue"] is None
