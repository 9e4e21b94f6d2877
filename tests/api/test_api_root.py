"""/api/v1/: a map of the API for anyone (a browser gets the browsable API with the way back to
the site); it lists links only, each endpoint still checks its own rights."""
import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

COLLECTIONS = {"themes", "photos", "jobs", "training-runs"}


def test_it_lists_the_collections_for_anyone():
    answer = APIClient().get("/api/v1/")
    assert answer.status_code == 200
    assert set(answer.json()) == COLLECTIONS
    assert answer.json()["jobs"] == "http://testserver/api/v1/jobs/"
    assert APIClient().get("/api/v1/jobs/").status_code == 401  # the links open nothing


def test_a_browser_gets_the_browsable_api_with_the_way_back_to_the_site():
    page = APIClient().get("/api/v1/", HTTP_ACCEPT="text/html").content.decode()
    assert 'class="api-back" href="/"' in page
    assert 'rel="icon"' in page


def test_any_other_path_is_still_a_json_404():
    answer = APIClient().get("/api/v1/nothing-here/")
    assert answer.status_code == 404 and answer.json() == {"detail": "Not found."}
