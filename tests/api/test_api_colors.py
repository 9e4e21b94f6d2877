"""POST /api/v1/jobs/{id}/colors/: a finished painting's colours changed without painting again
(gallery/colors.py). Validated field by field, 404 for anyone but the owner, 400 in words for a
painting whose colours cannot change; documented in the schema."""
import pytest

from api_helpers import finish, image_upload
from gallery import colors, tasks
from gallery.models import Job

pytestmark = pytest.mark.django_db


def url(job):
    return f"/api/v1/jobs/{job.pk}/colors/"


@pytest.fixture
def sent(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks, "async_task", lambda func, *a, **k: calls.append((func, a)))
    return calls


def _painted(job):
    """`job` as today's worker leaves it: a result, its raw result and its colours."""
    finish(job)
    job.raw_result.save("raw.png", image_upload("raw.png", fmt="PNG"), save=False)
    job.colors = colors.record(colors.NONE)
    job.save()
    return job


@pytest.fixture
def painted(job):
    return _painted(job)


@pytest.fixture
def bobs_painting(bobs_job):
    return _painted(bobs_job)


def test_it_changes_the_colours_and_answers_the_job_with_its_new_version_pending(
        alice_api, painted, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = alice_api.post(url(painted), {"keep_colors": True, "mix": 0.4}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["id"] == painted.pk and "snapshots" in body  # the job, in detail
    assert body["colors"] == {"keep_colors": True, "match_histogram": False, "mix": 0.4,
                              "pending": True, "error": "", "has_photo": True}
    assert sent == [("gallery.tasks.recolor_job", (painted.pk,))]
    # A field left out keeps its value.
    r = alice_api.post(url(painted), {"match_histogram": True}, format="json")
    assert r.json()["colors"] | {"pending": None} == {
        "keep_colors": True, "match_histogram": True, "mix": 0.4, "pending": None, "error": "",
        "has_photo": True}
    assert alice_api.get(f"/api/v1/jobs/{painted.pk}/").json()["colors"]["match_histogram"] is True


def test_it_returns_404_for_bobs_painting(alice_api, bobs_painting, sent):
    r = alice_api.post(url(bobs_painting), {"keep_colors": True}, format="json")
    assert r.status_code == 404
    assert alice_api.get(f"/api/v1/jobs/{bobs_painting.pk}/").status_code == 404  # nor sees them
    bobs_painting.refresh_from_db()
    assert bobs_painting.colors == colors.record(colors.NONE) and sent == []


def test_staff_get_404_for_someone_elses_painting_and_anonymous_401(staff_api, anon_api, painted):
    assert staff_api.post(url(painted), {"mix": 0.5}, format="json").status_code == 404
    assert anon_api.post(url(painted), {"mix": 0.5}, format="json").status_code == 401


@pytest.mark.parametrize("body, field", [
    ({"mix": "NaN"}, "mix"),
    ({"mix": "Infinity"}, "mix"),
    ({"mix": 2}, "mix"),
    ({"mix": -0.1}, "mix"),
    ({"mix": "x"}, "mix"),
    ({"mix": None}, "mix"),
    ({"keep_colors": "perhaps"}, "keep_colors"),
    ({"match_histogram": [True]}, "match_histogram"),
    ({"preserve_colors": True}, "preserve_colors"),  # a job parameter, not a post-step
])
def test_a_bad_value_is_a_400_naming_its_field(alice_api, painted, sent, body, field):
    r = alice_api.post(url(painted), body, format="json")
    assert r.status_code == 400
    assert list(r.json()) == [field]
    painted.refresh_from_db()
    assert painted.colors["asked"] == 0


def test_a_nan_that_is_not_even_json_is_a_400_too(alice_api, painted):
    r = alice_api.post(url(painted), '{"mix": NaN}', content_type="application/json")
    assert r.status_code == 400 and "JSON parse error" in r.json()["detail"]


def test_a_failed_painting_cannot_be_recoloured(alice_api, painted, sent):
    Job.objects.filter(pk=painted.pk).update(status=Job.Status.FAILED)
    r = alice_api.post(url(painted), {"keep_colors": True}, format="json")
    assert r.status_code == 400
    assert r.json() == {"non_field_errors": [
        "Only a finished painting's colours can be changed; this one has failed."]}
    assert alice_api.get(f"/api/v1/jobs/{painted.pk}/").json()["colors"] is None


def test_a_painting_made_before_colours_could_change_says_so(alice_api, finished_job, sent):
    r = alice_api.post(url(finished_job), {"keep_colors": True}, format="json")
    assert r.status_code == 400
    assert "paint it again" in r.json()["non_field_errors"][0]


def test_without_its_photo_only_the_painting_s_own_colours_are_left(alice_api, painted, sent):
    painted.photo.delete()
    r = alice_api.post(url(painted), {"keep_colors": True}, format="json")
    assert r.status_code == 400 and "photo" in r.json()["non_field_errors"][0]
    r = alice_api.post(url(painted), {"keep_colors": False, "mix": 0}, format="json")
    assert r.status_code == 200 and r.json()["colors"]["has_photo"] is False


def test_deleting_the_job_leaves_no_raw_result(alice_api, painted,
                                               django_capture_on_commit_callbacks):
    storage, raw = painted.raw_result.storage, painted.raw_result.name
    with django_capture_on_commit_callbacks(execute=True):
        assert alice_api.delete(f"/api/v1/jobs/{painted.pk}/").status_code == 204
    assert not storage.exists(raw)


def test_the_schema_documents_it(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/jobs/{id}/colors/"]["post"]
    assert operation["summary"] == "Change a finished painting's colours"
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    props = schema["components"]["schemas"][body.rsplit("/", 1)[-1]]["properties"]
    assert set(props) == {"keep_colors", "match_histogram", "mix"}
    assert (props["mix"]["minimum"], props["mix"]["maximum"]) == (0, 1)
    assert {"200", "400", "404"} <= set(operation["responses"])
    shown = schema["components"]["schemas"]["JobDetail"]["properties"]["colors"]
    assert shown["nullable"] is True and shown["allOf"] == [{"$ref": "#/components/schemas/Colors"}]
    assert set(schema["components"]["schemas"]["Colors"]["properties"]) == {
        "keep_colors", "match_histogram", "mix", "pending", "error", "has_photo"}
