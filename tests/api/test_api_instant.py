"""The API's instant side: jobs choose Instant or Full, previews stay private, themes say whether
they are instant, and training runs are staff business (403 for anyone else, 404 for the rest)."""
import pytest
from django.core.files.base import ContentFile

from gallery.models import Job, Theme, TrainingRun

JOBS = "/api/v1/jobs/"
RUNS = "/api/v1/training-runs/"


def body(photo_id, **extra):
    return {"photo": photo_id, "themes": [{"theme": "starry-night", "weight": 1.0}], **extra}


@pytest.fixture
def photos_folder(settings, tmp_path):
    settings.STYLE_TRAINING_PHOTOS = tmp_path
    return tmp_path


def test_a_job_is_full_unless_instant_is_asked_for(alice_api, photo, starry):
    r = alice_api.post(JOBS, body(photo.pk), format="json")
    assert r.status_code == 201 and r.json()["mode"] == "full" and r.json()["preview"] is None


def test_instant_is_refused_for_a_theme_without_a_network(alice_api, photo, starry):
    r = alice_api.post(JOBS, body(photo.pk, mode="instant"), format="json")
    assert r.status_code == 400 and "no instant network" in r.json()["mode"][0]
    r = alice_api.post(JOBS, body(photo.pk, mode="sketch"), format="json")
    assert r.status_code == 400 and "mode" in r.json()
    assert not Job.objects.exists()


def test_an_instant_theme_takes_instant_jobs(alice_api, photo, starry):
    Theme.objects.filter(pk=starry.pk).update(network="themes/starry-night/net.pt")
    r = alice_api.post(JOBS, body(photo.pk, mode="instant"), format="json")
    assert r.status_code == 201
    assert r.json()["mode"] == "instant" and r.json()["progress"]["total"] == 1
    theme = alice_api.get("/api/v1/themes/starry-night/").json()
    assert theme["instant"] is True


def test_a_preview_is_private_to_the_jobs_owner(alice_api, bob_api, anon_api, job):
    job.preview.save("preview.jpg", ContentFile(b"\xff\xd8 not really a jpeg"), save=True)
    url = alice_api.get(f"{JOBS}{job.pk}/").json()["preview"]
    assert url.endswith(f"/files/jobs/{job.pk}/preview/")
    assert alice_api.get(url).status_code == 200
    assert bob_api.get(url).status_code == 404
    assert anon_api.get(url).status_code == 404


def test_staff_start_a_training_and_follow_it(staff_api, starry, photos_folder):
    r = staff_api.post("/api/v1/themes/starry-night/train/", {"steps": 50, "size": 64},
                       format="json")
    assert r.status_code == 201, r.json()
    run = r.json()
    assert run["theme"] == "starry-night" and run["status"] == "queued" and run["total"] == 50
    assert run["params"]["size"] == 64 and run["params"]["seed"] is not None
    assert staff_api.get(f"{RUNS}{run['id']}/").json()["id"] == run["id"]
    assert staff_api.get(RUNS).json()["count"] == 1
    again = staff_api.post("/api/v1/themes/starry-night/train/", {}, format="json")
    assert again.status_code == 409
    cancelled = staff_api.post(f"{RUNS}{run['id']}/cancel/")
    assert cancelled.json()["status"] == "cancelled"


@pytest.mark.parametrize("data, field", [({"steps": 0}, "steps"), ({"weights": "/x"}, "weights"),
                                         ({"device": "cuda"}, "device"), ({"size": "big"}, "size")])
def test_bad_training_parameters_are_field_errors(staff_api, starry, photos_folder, data, field):
    r = staff_api.post("/api/v1/themes/starry-night/train/", data, format="json")
    assert r.status_code == 400 and field in r.json()
    assert not TrainingRun.objects.exists()


def test_training_is_not_for_users_or_anonymous(alice_api, anon_api, starry, staff, photos_folder):
    from gallery import services

    run = services.training_start(theme=starry, requested_by=staff)
    assert alice_api.post("/api/v1/themes/starry-night/train/", {}, format="json").status_code == 403
    assert anon_api.post("/api/v1/themes/starry-night/train/", {}, format="json").status_code == 401
    assert alice_api.get(RUNS).status_code == 403
    assert alice_api.get(f"{RUNS}{run.pk}/").status_code == 403
    assert alice_api.post(f"{RUNS}{run.pk}/cancel/").status_code == 403
    assert TrainingRun.objects.get().status == TrainingRun.Status.QUEUED


def test_training_pages_are_for_staff_only(client, alice, staff, starry, photos_folder):
    from gallery import services

    run = services.training_start(theme=starry, requested_by=staff)
    client.force_login(alice)
    for url in (f"/training/{run.pk}/", f"/training/{run.pk}/progress/"):
        assert client.get(url).status_code == 302  # to the admin's log-in
    assert client.post(f"/training/{run.pk}/cancel/").status_code == 302
    client.force_login(staff)
    page = client.get(f"/training/{run.pk}/")
    assert page.status_code == 200 and b"Instant network for The Starry Night" in page.content
    assert client.get(f"/training/{run.pk}/progress/").json()["total"] == run.total
    assert TrainingRun.objects.get().status == TrainingRun.Status.QUEUED


def test_an_instant_painting_can_be_painted_again_in_full(client, alice, bob, photo, starry):
    from gallery import services

    Theme.objects.filter(pk=starry.pk).update(network="themes/starry-night/net.pt")
    starry.refresh_from_db()
    job = services.job_create(owner=alice, photo=photo, themes=[(starry, 1.0)],
                              params={"size": 256, "seed": 4}, mode=Job.Mode.INSTANT)
    client.force_login(bob)
    assert client.post(f"/jobs/{job.pk}/retry/", {"mode": "full"}).status_code == 404
    client.force_login(alice)
    r = client.post(f"/jobs/{job.pk}/retry/", {"mode": "full"})
    full = Job.objects.exclude(pk=job.pk).get()
    assert r.status_code == 302 and r.url == f"/jobs/{full.pk}/"
    assert full.mode == Job.Mode.FULL and full.params == job.params and full.owner == alice


def test_staff_choose_steps_and_size_on_the_training_form(client, alice, staff, starry,
                                                         photos_folder, admin_client):
    url = f"/themes/{starry.slug}/train/"
    client.force_login(alice)
    assert client.get(url).status_code == 302  # staff only
    client.force_login(staff)
    page = client.get(url)
    assert page.status_code == 200 and b'name="steps"' in page.content
    bad = client.post(url, {"steps": "0", "size": "128", "batch": "2", "style_weight": "3",
                            "style_scale": "2"})
    assert bad.status_code == 400 and b"must be an integer from 1" in bad.content
    assert not TrainingRun.objects.exists()
    r = client.post(url, {"steps": "40", "size": "64", "batch": "1", "style_weight": "3",
                          "style_scale": "2"})
    run = TrainingRun.objects.get()
    assert r.status_code == 302 and r.url == f"/training/{run.pk}/"
    assert (run.total, run.params["size"], run.requested_by) == (40, 64, staff)
    admin_page = admin_client.get(f"/admin/gallery/theme/{starry.pk}/change/").content.decode()
    assert url in admin_page and f"/training/{run.pk}/" in admin_page
