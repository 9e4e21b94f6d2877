"""A job created through the API runs through the worker (gallery.tasks.run_job, in this process,
on the real VGG16 weights at 64 px) to a result its owner downloads with the token, and nobody
else can."""
import io

import pytest
from PIL import Image

from gallery import services, tasks
from gallery.models import Theme
from helpers import shrunk_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def starry_theme(starry_night):
    theme = Theme(slug="starry-night", title="The Starry Night", artist="Vincent van Gogh")
    return services.theme_set_image(theme=theme, upload=shrunk_upload(starry_night, "starry.jpg", 192))


def test_a_job_created_through_the_api_runs_to_a_result_i_can_download(
        worker_settings, alice_api, bob_api, anon_api, starry_theme, tubingen):
    r = alice_api.post("/api/v1/photos/", {"image": shrunk_upload(tubingen, "tubingen.jpg")}, format="multipart")
    assert r.status_code == 201, r.content
    body = {"photo": r.json()["id"], "themes": [{"theme": "starry-night", "weight": 1.0}],
            "size": 64, "iterations": 6, "snapshot_every": 2, "seed": 1, "preserve_colors": False}
    r = alice_api.post("/api/v1/jobs/", body, format="json")
    assert r.status_code == 201, r.content
    job_url = r["Location"]
    assert r.json()["status"] == "queued"

    assert tasks.run_job(r.json()["id"]) is not None  # what the qcluster worker runs

    job = alice_api.get(job_url).json()
    assert job["status"] == "succeeded", job["error"]
    assert job["progress"]["iteration"] == 6 and job["progress"]["percent"] == 100
    assert set(job["progress"]["losses"]) >= {"content", "style", "tv", "total"}
    assert [s["iteration"] for s in job["snapshots"]][:2] == [2, 4]
    assert job["params"]["seed"] == 1 and job["device"]
    assert alice_api.get(job_url + "snapshots/").json()["count"] == len(job["snapshots"])

    result = alice_api.get(job["result"])
    assert result.status_code == 200
    painting = Image.open(io.BytesIO(b"".join(result.streaming_content)))
    assert max(painting.size) == 64
    download = alice_api.get(job["result"] + "?download=1")
    assert download["Content-Disposition"].startswith("attachment")
    snapshot = alice_api.get(job["snapshots"][0]["image"])
    assert snapshot.status_code == 200

    assert bob_api.get(job["result"]).status_code == 404
    assert anon_api.get(job["result"]).status_code == 404
    assert bob_api.get(job_url).status_code == 404
