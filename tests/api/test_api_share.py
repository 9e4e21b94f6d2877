"""/api/v1/jobs/{id}/share/: POST shares a finished painting by a private link ({"url"}), DELETE
stops sharing it (204); a job shows its link as `share_url`. Another user's job is a 404."""
import pytest

pytestmark = pytest.mark.django_db


def share(pk):
    return f"/api/v1/jobs/{pk}/share/"


def test_it_shares_a_finished_painting_and_the_job_shows_the_link(alice_api, anon_api, finished_job):
    assert alice_api.get(f"/api/v1/jobs/{finished_job.pk}/").json()["share_url"] is None
    r = alice_api.post(share(finished_job.pk))
    assert r.status_code == 200, r.content
    url = r.json()["url"]
    finished_job.refresh_from_db()
    assert url == f"http://testserver/s/{finished_job.share_token}/"
    assert alice_api.get(f"/api/v1/jobs/{finished_job.pk}/").json()["share_url"] == url
    assert alice_api.get("/api/v1/jobs/").json()["results"][0]["share_url"] == url
    assert alice_api.post(share(finished_job.pk)).json()["url"] == url  # the same link again
    assert anon_api.get(url).status_code == 200


def test_it_stops_sharing_and_the_link_is_gone(alice_api, anon_api, finished_job):
    url = alice_api.post(share(finished_job.pk)).json()["url"]
    r = alice_api.delete(share(finished_job.pk))
    assert r.status_code == 204
    assert alice_api.get(f"/api/v1/jobs/{finished_job.pk}/").json()["share_url"] is None
    assert anon_api.get(url).status_code == 404
    assert anon_api.get(f"{url}painting").status_code == 404
    assert alice_api.post(share(finished_job.pk)).json()["url"] != url  # a new link


def test_it_refuses_to_share_an_unfinished_job(alice_api, job):
    r = alice_api.post(share(job.pk))
    assert r.status_code == 400
    assert r.json() == {"non_field_errors": ["Only a finished painting can be shared."]}


@pytest.mark.parametrize("method", ["post", "delete"])
def test_it_returns_404_when_bob_shares_or_unshares_my_job(alice_api, bob_api, finished_job, method):
    url = alice_api.post(share(finished_job.pk)).json()["url"]
    assert getattr(bob_api, method)(share(finished_job.pk)).status_code == 404
    finished_job.refresh_from_db()
    assert url.endswith(f"/s/{finished_job.share_token}/")


@pytest.mark.parametrize("method", ["post", "delete"])
def test_it_returns_401_for_anonymous_share(anon_api, finished_job, method):
    assert getattr(anon_api, method)(share(finished_job.pk)).status_code == 401
