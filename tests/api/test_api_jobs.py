"""/api/v1/jobs/: create with JSON (as DESIGN.md shows), list with filters, get with progress,
snapshots and result, cancel, delete, and jobs/{id}/snapshots/. Another user's job is a 404."""
import dataclasses

import pytest

from engine.params import StyleParams
from gallery import services
from gallery.api.serializers import JobCreateSerializer
from gallery.models import Job

from api_helpers import finish

pytestmark = pytest.mark.django_db
LIST = "/api/v1/jobs/"


def detail(pk, action=""):
    return f"{LIST}{pk}/{action + '/' if action else ''}"


def design_body(photo_id):
    """The request body exactly as DESIGN.md's "Creating a job through the API" shows it."""
    return {"photo": photo_id, "themes": [{"theme": "starry-night", "weight": 1.0}], "size": 512,
            "iterations": 300, "snapshot_every": 25, "seed": 1, "preserve_colors": False}


# --- create -----------------------------------------------------------------------------------

def test_it_creates_a_job_from_the_design_documents_body(alice_api, alice, photo, starry):
    r = alice_api.post(LIST, design_body(photo.pk), format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    job = Job.objects.get(pk=body["id"])
    assert job.owner == alice and job.photo == photo
    assert body["status"] == "queued"
    assert body["themes"] == [{"theme": "starry-night", "title": "The Starry Night", "weight": 1.0,
                               "region": "all"}]
    assert body["regions"] is None
    assert body["params"]["size"] == 512 and body["params"]["seed"] == 1
    assert body["params"]["snapshot_every"] == 25 and body["params"]["preserve_colors"] is False
    assert body["progress"] == {"iteration": 0, "total": 300, "percent": 0, "losses": {}, "elapsed": 0.0,
                                "remaining": None, "loss_history": [], "stopped": ""}
    assert body["snapshots"] == [] and body["result"] is None and body["error"] == ""
    assert r["Location"] == f"http://testserver{detail(job.pk)}"


def test_it_offers_every_engine_parameter_but_the_servers_own():
    fields = set(JobCreateSerializer().fields)
    engine = {f.name for f in dataclasses.fields(StyleParams)}
    assert engine - fields == {"backbone", "weights", "device", "style_blend_weights"}
    assert fields - engine == {"photo", "themes", "mode", "regions"}


def test_it_passes_every_optional_parameter_to_the_engine(alice_api, photo, starry):
    chosen = {"optimizer": "adam", "content_weight": 2.0, "style_weight": 3.0, "tv_weight": 0.5,
              "content_layers": ["relu4_2"], "style_layers": ["relu1_1", "relu2_1"],
              "content_weight_blend": 0.5, "style_layer_weight_exp": 1.0, "style_scale": 0.5,
              "scales": [128, 256], "init": "noise", "match_histogram": True, "pooling": "avg",
              "learning_rate": 0.1, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6}
    r = alice_api.post(LIST, {**design_body(photo.pk), **chosen}, format="json")
    assert r.status_code == 201, r.content
    params = r.json()["params"]
    assert {k: params[k] for k in chosen} == chosen


def test_it_blends_several_themes_with_their_weights(alice_api, photo, starry, scream):
    body = {**design_body(photo.pk), "themes": [{"theme": "starry-night", "weight": 3},
                                                 {"theme": "the-scream", "weight": 1}]}
    r = alice_api.post(LIST, body, format="json")
    assert r.status_code == 201
    assert [t["theme"] for t in r.json()["themes"]] == ["starry-night", "the-scream"]
    assert r.json()["params"]["style_blend_weights"] == [3.0, 1.0]


def test_it_uses_the_themes_defaults_for_what_i_leave_out(alice_api, photo, starry):
    starry.default_params = {"style_weight": 5.0}
    starry.save()
    r = alice_api.post(LIST, {"photo": photo.pk, "themes": [{"theme": "starry-night"}]}, format="json")
    assert r.status_code == 201
    assert r.json()["params"]["style_weight"] == 5.0
    assert r.json()["params"]["iterations"] == StyleParams().iterations


def test_it_rejects_bobs_photo_as_a_field_error(alice_api, bobs_photo, starry):
    r = alice_api.post(LIST, design_body(bobs_photo.pk), format="json")
    assert r.status_code == 400
    assert list(r.json()) == ["photo"]
    assert not Job.objects.filter(owner__username="alice").exists()


def test_it_rejects_an_unknown_theme_slug(alice_api, photo, starry):
    body = {**design_body(photo.pk), "themes": [{"theme": "mona_lisa", "weight": 1}]}
    r = alice_api.post(LIST, body, format="json")
    assert r.status_code == 400
    assert list(r.json()) == ["themes"]


def test_it_rejects_an_inactive_theme(alice_api, photo, retired):
    body = {**design_body(photo.pk), "themes": [{"theme": "retired"}]}
    assert list(alice_api.post(LIST, body, format="json").json()) == ["themes"]


def test_it_rejects_no_theme(alice_api, photo):
    r = alice_api.post(LIST, {**design_body(photo.pk), "themes": []}, format="json")
    assert r.status_code == 400
    assert list(r.json()) == ["themes"]


def test_it_rejects_the_same_theme_twice(alice_api, photo, starry):
    body = {**design_body(photo.pk), "themes": [{"theme": "starry-night"}, {"theme": "starry-night"}]}
    r = alice_api.post(LIST, body, format="json")
    assert r.status_code == 400
    assert list(r.json()) == ["themes"]


def test_it_rejects_a_zero_weight(alice_api, photo, starry):
    body = {**design_body(photo.pk), "themes": [{"theme": "starry-night", "weight": 0}]}
    assert list(alice_api.post(LIST, body, format="json").json()) == ["themes"]


@pytest.mark.parametrize("name, value", [
    ("iterations", -5), ("iterations", "many"), ("size", 8), ("optimizer", "sgd"),
    ("style_layers", ["relu9_9"]), ("init", "/etc/passwd"), ("seed", -1), ("beta1", 1.5),
    ("scales", [256, 128]), ("content_weight", "NaN"), ("tolerance", 1.5), ("tolerance", -1),
    ("exact_iterations", "sometimes"), ("multi_scale", 3),
])
def test_it_names_the_parameter_with_a_wrong_value(alice_api, photo, starry, name, value):
    r = alice_api.post(LIST, {**design_body(photo.pk), name: value}, format="json")
    assert r.status_code == 400
    assert list(r.json()) == [name], r.json()
    assert not Job.objects.exists()


@pytest.mark.parametrize("name", ["weights", "device", "backbone", "iteration"])
def test_it_rejects_parameters_a_job_cannot_set(alice_api, photo, starry, name):
    r = alice_api.post(LIST, {**design_body(photo.pk), name: "x"}, format="json")
    assert r.status_code == 400
    assert r.json() == {name: ["Not a parameter that can be set here."]}


def test_it_takes_json_only(alice_api, photo, starry):
    r = alice_api.post(LIST, {"photo": photo.pk}, format="multipart")
    assert r.status_code == 415


def test_it_returns_401_for_anonymous_create(anon_api, photo, starry):
    assert anon_api.post(LIST, design_body(photo.pk), format="json").status_code == 401
    assert not Job.objects.exists()


# --- list -------------------------------------------------------------------------------------

def test_it_lists_only_my_jobs_newest_first(alice_api, alice, photo, starry, job, bobs_job):
    newer = services.job_create(owner=alice, photo=photo, themes=[(starry, 1.0)], params={})
    r = alice_api.get(LIST)
    assert r.status_code == 200
    assert [j["id"] for j in r.json()["results"]] == [newer.pk, job.pk]
    assert "snapshots" not in r.json()["results"][0]


def test_it_filters_by_status(alice_api, alice, photo, starry, job):
    other = services.job_create(owner=alice, photo=photo, themes=[(starry, 1.0)], params={})
    finish(job)
    assert [j["id"] for j in alice_api.get(LIST, {"status": "succeeded"}).json()["results"]] == [job.pk]
    assert [j["id"] for j in alice_api.get(LIST, {"status": "queued"}).json()["results"]] == [other.pk]


def test_it_filters_by_theme(alice_api, alice, photo, starry, scream, job):
    other = services.job_create(owner=alice, photo=photo, themes=[(scream, 1.0), (starry, 1.0)], params={})
    assert [j["id"] for j in alice_api.get(LIST, {"theme": "the-scream"}).json()["results"]] == [other.pk]
    assert alice_api.get(LIST, {"theme": "starry-night"}).json()["count"] == 2
    assert alice_api.get(LIST, {"theme": "nope"}).json()["count"] == 0


def test_it_rejects_an_unknown_status_filter(alice_api, job):
    r = alice_api.get(LIST, {"status": "done"})
    assert r.status_code == 400
    assert list(r.json()) == ["status"]


def test_it_returns_401_for_anonymous_list(anon_api, job):
    assert anon_api.get(LIST).status_code == 401


# --- get --------------------------------------------------------------------------------------

def test_it_returns_my_job_with_progress_snapshots_and_result(alice_api, finished_job):
    r = alice_api.get(detail(finished_job.pk))
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "succeeded"
    assert body["progress"]["percent"] == 100
    assert body["progress"]["losses"]["total"] == 3.1
    assert [s["iteration"] for s in body["snapshots"]] == [4, 8]
    snap = finished_job.snapshots.order_by("iteration")[0]
    assert body["snapshots"][0]["image"] == f"http://testserver/files/snapshots/{snap.pk}/image/"
    assert body["result"] == f"http://testserver/files/jobs/{finished_job.pk}/result/"
    assert body["photo_image"] == f"http://testserver/files/photos/{finished_job.photo_id}/image/"
    assert "/media/" not in r.content.decode()


def test_its_media_urls_need_the_owners_token(alice_api, bob_api, anon_api, finished_job):
    body = alice_api.get(detail(finished_job.pk)).json()
    for url in (body["result"], body["snapshots"][0]["image"], body["photo_image"]):
        assert alice_api.get(url).status_code == 200, url
        assert bob_api.get(url).status_code == 404, url
        assert anon_api.get(url).status_code == 404, url


def test_it_returns_404_for_bobs_job(alice_api, bobs_job):
    assert alice_api.get(detail(bobs_job.pk)).status_code == 404


def test_staff_get_404_for_someone_elses_job(staff_api, job):
    assert staff_api.get(detail(job.pk)).status_code == 404


def test_it_returns_401_for_anonymous_get(anon_api, job):
    assert anon_api.get(detail(job.pk)).status_code == 401


def test_a_job_keeps_its_result_when_the_photo_is_deleted(alice_api, finished_job):
    alice_api.delete(f"/api/v1/photos/{finished_job.photo_id}/")
    body = alice_api.get(detail(finished_job.pk)).json()
    assert body["photo"] is None and body["photo_image"] is None and body["result"]


# --- snapshots --------------------------------------------------------------------------------

def test_it_lists_my_jobs_snapshots_paginated(alice_api, job):
    finish(job, with_snapshots=3)
    r = alice_api.get(detail(job.pk, "snapshots"), {"page_size": 2})
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 3
    assert [s["iteration"] for s in body["results"]] == [4, 8]
    assert body["results"][0]["losses"] == {"content": 1.0, "style": 2.0, "tv": 0.1, "total": 3.1}


def test_it_returns_404_for_bobs_snapshots(alice_api, bobs_job):
    assert alice_api.get(detail(bobs_job.pk, "snapshots")).status_code == 404


def test_it_returns_401_for_anonymous_snapshots(anon_api, job):
    assert anon_api.get(detail(job.pk, "snapshots")).status_code == 401


# --- cancel -----------------------------------------------------------------------------------

def test_it_cancels_my_queued_job(alice_api, job):
    r = alice_api.post(detail(job.pk, "cancel"))
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED


def test_it_asks_my_running_job_to_stop(alice_api, job):
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    r = alice_api.post(detail(job.pk, "cancel"))
    assert r.status_code == 200
    assert r.json()["status"] == "running" and r.json()["cancel_requested"] is True


def test_it_answers_409_when_cancelling_a_finished_job(alice_api, finished_job):
    r = alice_api.post(detail(finished_job.pk, "cancel"))
    assert r.status_code == 409
    assert "succeeded" in r.json()["detail"]


def test_it_returns_404_when_bob_cancels_my_job(bob_api, job):
    assert bob_api.post(detail(job.pk, "cancel")).status_code == 404
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED


def test_it_returns_401_for_anonymous_cancel(anon_api, job):
    assert anon_api.post(detail(job.pk, "cancel")).status_code == 401


# --- delete -----------------------------------------------------------------------------------

def test_it_deletes_my_job_and_its_files(alice_api, finished_job, django_capture_on_commit_callbacks):
    import os

    paths = [finished_job.result.path] + [s.image.path for s in finished_job.snapshots.all()]
    with django_capture_on_commit_callbacks(execute=True):
        assert alice_api.delete(detail(finished_job.pk)).status_code == 204
    assert not Job.objects.exists()
    assert not any(os.path.exists(p) for p in paths)


def test_it_returns_404_when_bob_deletes_my_job(bob_api, job):
    assert bob_api.delete(detail(job.pk)).status_code == 404
    assert Job.objects.filter(pk=job.pk).exists()


def test_it_returns_401_for_anonymous_delete(anon_api, job):
    assert anon_api.delete(detail(job.pk)).status_code == 401
    assert Job.objects.filter(pk=job.pk).exists()
