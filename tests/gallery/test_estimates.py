"""The new-job form's expected time: from the speed recorded on this site's finished paintings,
plus the wait behind the paintings ahead in the queue."""
import pytest
from django.urls import reverse
from django.utils import timezone

from engine.params import StyleParams
from engine.schedule import expected_work
from gallery import estimates, services
from gallery.models import Job

pytestmark = pytest.mark.django_db

URL = reverse("gallery:job-estimate")


def _finished(owner, photo, theme, *, elapsed: float, work: float) -> Job:
    """A full painting as the worker leaves it: its time and its megapixel-iterations."""
    job = services.job_create(owner=owner, photo=photo, themes=[(theme, 1.0)], params={})
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED, elapsed=elapsed, work=work,
                                         finished_at=timezone.now())
    return job


def _query(photo, **fields) -> dict:
    return {"photo": photo.pk, "mode": "full", "size": "512", "themes-TOTAL_FORMS": "1",
            "themes-INITIAL_FORMS": "0", "themes-0-theme": "starry-night",
            "themes-0-weight": "1", "multi_scale": "on", **fields}


def _expected(photo, **params) -> float:
    resolved = services.resolve_params(themes=[], params=params)
    return expected_work((photo.width, photo.height), StyleParams.from_dict(resolved))


def test_before_any_painting_has_finished_it_says_the_first_one_measures(alice_client, photo, starry):
    data = alice_client.get(URL, _query(photo)).json()
    assert data["seconds"] is None and "first one measures" in data["text"]


def test_the_estimate_is_the_recorded_speed_times_the_expected_work(
        alice_client, alice, bob, photo, bob_photo, starry):
    # Speeds of 2, 3 and 10 s per megapixel-iteration (bob's job counts: it is the same worker).
    _finished(alice, photo, starry, elapsed=20.0, work=10.0)
    _finished(alice, photo, starry, elapsed=30.0, work=10.0)
    _finished(bob, bob_photo, starry, elapsed=100.0, work=10.0)
    failed = _finished(alice, photo, starry, elapsed=999.0, work=1.0)
    Job.objects.filter(pk=failed.pk).update(status=Job.Status.FAILED)  # not a measurement
    data = alice_client.get(URL, _query(photo, size="1024")).json()
    assert data["measured_jobs"] == 3
    assert data["seconds"] == pytest.approx(3.0 * _expected(photo, size=1024))
    assert data["wait"] == 0
    assert data["text"].startswith("About ") and "last 3 paintings" in data["text"]
    # Twice the size, about four times the work.
    small = alice_client.get(URL, _query(photo, size="512")).json()["seconds"]
    assert small == pytest.approx(3.0 * _expected(photo, size=512))
    assert 3 < data["seconds"] / small < 5


def test_the_wait_counts_the_paintings_ahead(alice_client, alice, bob, photo, bob_photo, starry):
    _finished(alice, photo, starry, elapsed=40.0, work=10.0)  # 4 s per megapixel-iteration
    running = services.job_create(owner=bob, photo=bob_photo, themes=[(starry, 1.0)], params={})
    Job.objects.filter(pk=running.pk).update(status=Job.Status.RUNNING, remaining=100.0)
    services.job_create(owner=bob, photo=bob_photo, themes=[(starry, 1.0)], params={"size": 256})
    data = alice_client.get(URL, _query(photo)).json()
    assert data["wait"] == pytest.approx(100.0 + 4.0 * _expected(bob_photo, size=256))
    assert "in the queue" in data["text"]


def test_an_instant_painting_takes_about_a_second(alice_client, photo, starry):
    data = alice_client.get(URL, _query(photo, mode="instant")).json()
    assert data["text"] == "About a second."


def test_no_estimate_for_someone_else_s_photo_or_an_anonymous_visitor(
        alice_client, anon_client, alice, photo, bob_photo, starry):
    _finished(alice, photo, starry, elapsed=20.0, work=10.0)
    assert alice_client.get(URL, _query(bob_photo)).json() == {"text": ""}
    assert anon_client.get(URL, _query(photo)).status_code == 302  # to the log-in page


def test_the_form_shows_the_estimate_of_what_it_holds(alice_client, alice, photo, starry):
    _finished(alice, photo, starry, elapsed=20.0, work=10.0)
    html = alice_client.get(reverse("gallery:job-new")).content.decode()
    assert "Expected time" in html and "About a second." in html  # instant, the form's default
    # A full painting sent back with an error shows its own estimate.
    html = alice_client.post(reverse("gallery:job-new"), _query(photo, strength="x")).content.decode()
    assert f"About {estimates.duration(2.0 * _expected(photo))}" in html


@pytest.mark.parametrize(("seconds", "said"), [(0.2, "1 s"), (42, "42 s"), (150, "2 min"),
                                               (3600, "1 h"), (4800, "1 h 20 min")])
def test_durations_read_as_a_person_would_say_them(seconds, said):
    assert estimates.duration(seconds) == said


@pytest.mark.parametrize("query", [
    {"photo": "abc"}, {"photo": "99999"}, {},
    {"size": "-5"}, {"size": "nan"}, {"tolerance": "2"}, {"iterations": "1e9"},
    {"themes-TOTAL_FORMS": "x"}, {"scales": "a,b"}, {"mode": "warp"},
])
def test_nonsense_in_the_query_gives_no_estimate_or_a_plain_one_never_an_error(
        alice_client, alice, photo, starry, query):
    _finished(alice, photo, starry, elapsed=20.0, work=10.0)
    response = alice_client.get(URL, {**_query(photo), **query})
    assert response.status_code == 200
    data = response.json()
    assert set(data) >= {"text"} and (data.get("seconds") is None or data["seconds"] >= 0)
