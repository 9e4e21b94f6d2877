"""Per-user and per-address rates, and the stricter one for starting jobs, answer 429."""
import pytest

from helpers import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    """rates(user=..., anon=..., job_create=...) changes the throttle rates for this test."""

    def change(**new):
        conf = settings.REST_FRAMEWORK
        settings.REST_FRAMEWORK = {**conf, "DEFAULT_THROTTLE_RATES": {**conf["DEFAULT_THROTTLE_RATES"], **new}}

    return change


def test_it_answers_429_past_the_users_rate(rates, alice_api):
    rates(user="3/min")
    codes = [alice_api.get("/api/v1/photos/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = alice_api.get("/api/v1/themes/")
    assert r.status_code == 429
    assert int(r["Retry-After"]) > 0
    assert "throttled" in r.json()["detail"]


def test_the_rate_is_per_user(rates, alice_api, bob_api):
    rates(user="2/min")
    for _ in range(3):
        alice_api.get("/api/v1/photos/")
    assert bob_api.get("/api/v1/photos/").status_code == 200


def test_it_answers_429_past_the_anonymous_rate(rates, anon_api, alice):
    rates(anon="2/min")
    body = {"username": "alice", "password": "guess"}
    codes = [anon_api.post("/api/v1/auth/token/", body).status_code for _ in range(3)]
    assert codes == [400, 400, 429]
    r = anon_api.post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD})
    assert r.status_code == 429


def test_it_answers_429_past_the_job_creation_rate(rates, alice_api, photo, starry):
    rates(job_create="2/hour")
    body = {"photo": photo.pk, "themes": [{"theme": "starry-night"}], "size": 64, "iterations": 5}
    codes = [alice_api.post("/api/v1/jobs/", body, format="json").status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    assert alice_api.get("/api/v1/jobs/").status_code == 200  # reading is not limited by it
