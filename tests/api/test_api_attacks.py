"""Attacks on the API, as they were found (issue 11): each is a clear 4xx in JSON, and nothing is
stored. Every class of each attack: every number, every list, every size that cannot work."""
import json

import pytest
from django.core.cache import cache
from PIL import Image

from api_helpers import image_upload
from gallery import services
from gallery.models import Job

URL = "/api/v1/jobs/"


def _job(photo, **fields) -> dict:
    return {"photo": photo.pk, "themes": [{"theme": "starry-night", "weight": 1.0}], **fields}


@pytest.fixture
def attacker(alice_api):
    alice_api.raise_request_exception = False  # a crash must show as the 500 a client would get
    return alice_api


def _refused(response, status=400) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert Job.objects.count() == 0
    return response.json()


@pytest.mark.parametrize("name", ["style_weight", "content_weight", "tv_weight"])
@pytest.mark.parametrize("value", [1e308, 1e7, -1.0])
def test_huge_or_negative_weights_are_refused(attacker, photo, starry, name, value):
    body = _refused(attacker.post(URL, _job(photo, **{name: value}), format="json"))
    assert name in body and "from 0 to 1,000,000" in json.dumps(body)


@pytest.mark.parametrize("fields", [
    {"learning_rate": 1e308}, {"epsilon": 1e308}, {"style_layer_weight_exp": 1e308},
    {"tolerance": 1e308},
])
def test_other_numbers_that_would_overflow_are_refused(attacker, photo, starry, fields):
    body = _refused(attacker.post(URL, _job(photo, **fields), format="json"))
    assert next(iter(fields)) in body


@pytest.mark.parametrize("raw", ["Infinity", "NaN", "-Infinity", "1e999"])
def test_non_finite_json_numbers_are_refused(attacker, photo, starry, raw):
    text = json.dumps(_job(photo)).replace('"weight": 1.0', f'"weight": {raw}')
    _refused(attacker.generic("POST", URL, text, content_type="application/json"))
    text = json.dumps(_job(photo, style_weight=1.0)).replace('"style_weight": 1.0',
                                                            f'"style_weight": {raw}')
    _refused(attacker.generic("POST", URL, text, content_type="application/json"))


def test_a_huge_theme_weight_is_refused(attacker, photo, starry, scream):
    themes = [{"theme": "starry-night", "weight": 1e308}, {"theme": "the-scream", "weight": 1e308}]
    body = _refused(attacker.post(URL, {"photo": photo.pk, "themes": themes}, format="json"))
    assert "weight" in json.dumps(body)


def test_thousands_of_themes_are_refused_before_any_is_looked_up(
        attacker, photo, starry, settings, django_assert_max_num_queries):
    themes = [{"theme": "starry-night", "weight": 1.0}] * 15_000
    with django_assert_max_num_queries(10):  # one query per theme would be 15,000
        body = _refused(attacker.post(URL, {"photo": photo.pk, "themes": themes}, format="json"))
    assert f"no more than {settings.STYLE_MAX_THEMES}" in json.dumps(body)


@pytest.mark.parametrize("name", ["style_layers", "content_layers", "scales"])
def test_long_lists_are_refused(attacker, photo, starry, name):
    value = ["relu1_1"] * 5000 if name != "scales" else list(range(16, 5016))
    body = _refused(attacker.post(URL, _job(photo, **{name: value}), format="json"))
    assert name in body


def test_a_json_body_nested_deeply_is_a_400(attacker, photo, starry):
    deep = "[" * 100_000 + "]" * 100_000
    body = _refused(attacker.generic("POST", URL, deep, content_type="application/json"))
    assert "nested too deeply" in body["detail"]


def test_a_body_over_the_limit_is_a_json_413(attacker, photo, starry, settings):
    huge = json.dumps(_job(photo, seed=1) | {"padding": "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    body = _refused(attacker.generic("POST", URL, huge, content_type="application/json"), 413)
    assert "too large" in body["detail"]


@pytest.mark.parametrize(("fields", "blamed", "said"), [
    ({"size": 16}, "size", "At 16 px the picture is 16x12 px"),
    ({"scales": [16]}, "scales", "At 16 px the picture is 16x12 px"),
])
def test_sizes_that_cannot_be_painted_are_refused_when_the_job_is_created(
        attacker, photo, starry, fields, blamed, said):
    assert (photo.width, photo.height) == (64, 48)
    body = _refused(attacker.post(URL, _job(photo, **fields), format="json"))
    assert said in json.dumps(body) and blamed in body


def test_a_photo_too_long_and_thin_is_refused_when_the_job_is_created(attacker, alice, starry):
    thin = services.photo_create(owner=alice, upload=image_upload("thin.png", size=(4000, 2),
                                                                  fmt="PNG"))
    body = _refused(attacker.post(URL, _job(thin), format="json"))
    assert "less long and thin" in json.dumps(body)


@pytest.mark.parametrize(("setting", "fields", "blamed"), [
    ("STYLE_MAX_SIZE", {"size": 2048}, "size"),
    ("STYLE_MAX_ITERATIONS", {"iterations": 5000}, "iterations"),
    ("STYLE_MAX_SNAPSHOTS", {"iterations": 1000, "snapshot_every": 1}, "snapshot_every"),
])
def test_the_site_s_caps_hold_for_the_api(attacker, photo, starry, settings, setting, fields,
                                          blamed):
    body = _refused(attacker.post(URL, _job(photo, **fields), format="json"))
    assert blamed in body and str(getattr(settings, setting)) in json.dumps(body)


def test_a_painting_expected_to_run_past_the_time_limit_is_refused(attacker, alice, photo, starry,
                                                                    settings):
    done = services.job_create(owner=alice, photo=photo, themes=[(starry, 1.0)], params={})
    Job.objects.filter(pk=done.pk).update(status=Job.Status.SUCCEEDED, elapsed=1e6, work=1.0)
    settings.STYLE_JOB_TIMEOUT = 3600
    response = attacker.post(URL, _job(photo), format="json")
    assert response.status_code == 400 and "at most 1 h" in json.dumps(response.json())
    assert Job.objects.count() == 1


def test_a_full_queue_is_a_429_with_retry_after(attacker, alice, photo, starry, settings):
    settings.STYLE_MAX_QUEUED_JOBS = 2
    for _ in range(2):
        assert attacker.post(URL, _job(photo, seed=1), format="json").status_code == 201
    cache.clear()  # the per-hour job throttle is another matter
    response = attacker.post(URL, _job(photo, seed=1), format="json")
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert "2 paintings waiting" in response.json()["detail"]
    assert Job.objects.count() == 2


def test_the_queue_limit_is_per_user(attacker, bob_api, alice, bob, photo, bobs_photo, starry,
                                     settings):
    settings.STYLE_MAX_QUEUED_JOBS = 1
    assert attacker.post(URL, _job(photo), format="json").status_code == 201
    assert bob_api.post(URL, _job(bobs_photo), format="json").status_code == 201


def test_an_unknown_api_path_and_a_wrong_method_answer_json(attacker):
    for response in (attacker.get("/api/v1/nothing/here/"), attacker.put(URL, {}, format="json")):
        assert response.status_code in (404, 405)
        assert response["Content-Type"].startswith("application/json")


def test_an_image_upload_with_a_palette_bomb_is_refused_by_its_pixels(attacker, settings,
                                                                       tmp_path):
    settings.STYLE_UPLOAD_MAX_PIXELS = 1_000_000
    path = tmp_path / "bomb.png"
    Image.new("P", (1100, 1100)).save(path)  # a few KB on disk, 1.2 megapixels
    with open(path, "rb") as f:
        response = attacker.post("/api/v1/photos/", {"image": f}, format="multipart")
    assert response.status_code == 400 and "megapixels" in json.dumps(response.json())
