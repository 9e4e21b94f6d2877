"""Regions through the API: theme rows take a `region`, jobs and reruns take the drawing as
base64 (or a data URL), and a job shows its drawing's URL, readable by its owner alone."""
import base64
import io

import pytest
from PIL import Image

from gallery.models import Job

pytestmark = pytest.mark.django_db
LIST = "/api/v1/jobs/"


def drawing_b64(size=(64, 48), subject=0.5) -> str:
    img = Image.new("L", size, 0)
    img.paste(255, (0, 0, round(size[0] * subject), size[1]))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def body(photo, regions=None, **extra):
    themes = [{"theme": "starry-night", "region": "subject"},
              {"theme": "the-scream", "weight": 2.0, "region": "background"}]
    out = {"photo": photo.pk, "themes": themes, "size": 64, "iterations": 10, **extra}
    if regions is not None:
        out["regions"] = regions
    return out


@pytest.fixture
def regions_job(alice_api, photo, starry, scream):
    r = alice_api.post(LIST, body(photo, drawing_b64()), format="json")
    assert r.status_code == 201, r.content
    return r.json()


def test_it_creates_a_job_with_a_drawing_and_a_region_per_theme(regions_job, alice_api):
    job = Job.objects.get(pk=regions_job["id"])
    assert [(t["theme"], t["weight"], t["region"]) for t in regions_job["themes"]] == [
        ("starry-night", 1.0, "subject"), ("the-scream", 2.0, "background")]
    assert regions_job["regions"].endswith(f"/files/jobs/{job.pk}/regions/")
    r = alice_api.get(regions_job["regions"])
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(b"".join(r.streaming_content))).mode == "L"


def test_a_data_url_is_welcome_too(alice_api, photo, starry, scream):
    r = alice_api.post(LIST, body(photo, "data:image/png;base64," + drawing_b64()), format="json")
    assert r.status_code == 201, r.content


def test_another_user_cannot_read_the_drawing(regions_job, bob_api, anon_api):
    assert bob_api.get(regions_job["regions"]).status_code == 404
    assert anon_api.get(regions_job["regions"]).status_code == 404


@pytest.mark.parametrize("regions,message", [
    ("%%% not base64 %%%", "must be a base64-encoded PNG"),
    (12, "Must be a string"),
    (base64.b64encode(b"not an image").decode(), "The regions drawing cannot be read"),
    (drawing_b64(subject=0.0), "Paint the subject first"),
])
def test_a_bad_drawing_is_a_400_naming_regions(alice_api, photo, starry, scream, regions, message):
    r = alice_api.post(LIST, body(photo, regions), format="json")
    assert r.status_code == 400
    assert message in " ".join(r.json()["regions"]), r.json()
    assert not Job.objects.exists()


def test_a_region_without_a_drawing_is_a_400(alice_api, photo, starry, scream):
    r = alice_api.post(LIST, body(photo), format="json")
    assert r.status_code == 400 and "Paint the subject first" in r.json()["regions"][0]


def test_an_unknown_region_is_a_400(alice_api, photo, starry):
    r = alice_api.post(LIST, {"photo": photo.pk, "themes": [{"theme": "starry-night",
                                                              "region": "sky"}]}, format="json")
    assert r.status_code == 400, r.content
    assert r.json()["themes"] == {"0": {"region": ['"sky" is not a valid choice.']}}


def test_rows_painting_everywhere_keep_no_drawing(alice_api, photo, starry):
    r = alice_api.post(LIST, {"photo": photo.pk, "themes": [{"theme": "starry-night"}],
                              "regions": drawing_b64()}, format="json")
    assert r.status_code == 201 and r.json()["regions"] is None
    assert r.json()["themes"][0]["region"] == "all"


def test_a_rerun_keeps_the_drawing_unless_given_a_new_one(regions_job, alice_api):
    r = alice_api.post(f"{LIST}{regions_job['id']}/rerun/", {}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["regions"] and r.json()["regions"] != regions_job["regions"]
    assert [t["region"] for t in r.json()["themes"]] == ["subject", "background"]

    r = alice_api.post(f"{LIST}{regions_job['id']}/rerun/", {"regions": "nope!"}, format="json")
    assert r.status_code == 400 and "regions" in r.json()
    r = alice_api.post(f"{LIST}{regions_job['id']}/rerun/",
                       {"regions": drawing_b64(subject=1.0)}, format="json")
    assert r.status_code == 400 and "Leave some background" in r.json()["regions"][0]


def test_the_schema_documents_regions(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    components = schema["components"]["schemas"]
    drawing = components["JobCreateRequest"]["properties"]["regions"]
    assert drawing["format"] == "byte" and "white the subject" in drawing["description"]
    region = components["JobThemeInputRequest"]["properties"]["region"]
    enum = components[region["allOf"][0]["$ref"].rsplit("/", 1)[1]]["enum"]
    assert enum == ["all", "subject", "background"] and region["default"] == "all"
    assert "regions" in components["Job"]["properties"]
