"""POST /api/v1/jobs/{id}/rerun/: a job painted again with overrides, its parent recorded."""
import pytest

from gallery import services
from gallery.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def tuned_job(alice, photo, starry, scream):
    job = services.job_create(owner=alice, photo=photo, themes=[(starry, 2.0), (scream, 1.0)],
                              params={"size": 384, "iterations": 40, "tv_weight": 3.0})
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED)
    return job


def _rerun(client, job, body):
    return client.post(f"/api/v1/jobs/{job.pk}/rerun/", body, format="json")


def test_the_api_reruns_with_overrides(alice_api, tuned_job, starry):
    r = _rerun(alice_api, tuned_job, {"tv_weight": 2.5, "seed": 11})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["parent"] == tuned_job.pk
    changed = {k for k in tuned_job.params if body["params"][k] != tuned_job.params[k]}
    assert changed == {"tv_weight", "seed"}
    assert [t["theme"] for t in body["themes"]] == ["starry-night", "the-scream"]

    r = _rerun(alice_api, tuned_job, {"themes": [{"theme": "starry-night"}]})
    assert r.status_code == 201 and [t["theme"] for t in r.json()["themes"]] == ["starry-night"]
    assert r.json()["params"]["seed"] == tuned_job.params["seed"]


def test_the_api_rerun_refuses_what_create_refuses(alice_api, bob_api, tuned_job):
    assert _rerun(bob_api, tuned_job, {}).status_code == 404
    r = _rerun(alice_api, tuned_job, {"device": "cuda:0"})
    assert r.status_code == 400 and "device" in r.json()
    r = _rerun(alice_api, tuned_job, {"tv_weight": -1})
    assert r.status_code == 400 and "tv_weight" in r.json()
    assert Job.objects.count() == 1
