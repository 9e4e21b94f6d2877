"""The job page's Colours panel (gallery/views/job_colors.py) and the result file it swaps: alice
changes her finished painting's colours (by the page's script or a plain form post), bob cannot
see or change them (404), and what cannot change says why."""
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from gallery import colors, services, tasks
from gallery.models import Job
from gallery_helpers import image_bytes

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def sent(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks, "async_task", lambda func, *a, **k: calls.append((func, a)))
    return calls


@pytest.fixture
def painted(finished_job):
    """alice's finished painting as today's worker leaves it: with its raw result."""
    finished_job.raw_result.save("raw.png", ContentFile(image_bytes("PNG")), save=False)
    finished_job.colors = colors.record(colors.NONE)
    finished_job.save()
    return finished_job


def _post(client, job, data, **extra):
    return client.post(reverse("gallery:job-colors", args=[job.pk]), data, **extra)


def test_the_page_of_a_finished_painting_has_the_colours_panel(alice_client, painted):
    html = alice_client.get(reverse("gallery:job-detail", args=[painted.pk])).content.decode()
    assert 'action="%s"' % reverse("gallery:job-colors", args=[painted.pk]) in html
    for label in ("Keep the photo's colours", "Match the photo's colour histogram",
                  "Mix with the photo"):
        assert label in html
    assert 'type="range" id="colors-mix" name="mix_percent"' in html
    assert '<label for="colors-mix">' in html  # the slider has its label


def test_the_panel_is_hidden_while_the_colours_cannot_change(alice_client, job, finished_job):
    for shown in (job, finished_job):  # queued; finished before colours could change
        html = alice_client.get(reverse("gallery:job-detail", args=[shown.pk])).content.decode()
        assert 'data-colors hidden' in html


def test_the_script_s_change_answers_the_progress_with_the_choice_pending(
        alice_client, painted, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(alice_client, painted, {"keep_colors": "on", "mix_percent": "25"}, **JSON)
    assert response.status_code == 200
    assert response.json()["colors"] == {"keep_colors": True, "match_histogram": False,
                                         "mix": 0.25, "pending": True, "error": "",
                                         "has_photo": True}
    assert sent == [("gallery.tasks.recolor_job", (painted.pk,))]
    progress = alice_client.get(reverse("gallery:job-progress", args=[painted.pk])).json()
    assert progress["colors"]["pending"] is True


def test_without_javascript_it_is_a_plain_form_post_back_to_the_page(alice_client, painted, sent):
    response = _post(alice_client, painted, {"match_histogram": "on", "mix_percent": "0"})
    assert response.status_code == 302
    assert response["Location"] == reverse("gallery:job-detail", args=[painted.pk])
    painted.refresh_from_db()
    assert painted.colors["wanted"] == {"keep_colors": False, "match_histogram": True, "mix": 0.0}


def test_it_checks_ownership(bob_client, painted, sent):
    assert _post(bob_client, painted, {"keep_colors": "on", "mix_percent": "50"}, **JSON
                 ).status_code == 404
    assert _post(bob_client, painted, {"mix_percent": "50"}).status_code == 404
    assert bob_client.get(reverse("gallery:job-progress", args=[painted.pk])).status_code == 404
    painted.refresh_from_db()
    assert painted.colors == colors.record(colors.NONE) and sent == []


def test_it_sends_anonymous_users_to_log_in(anon_client, painted):
    response = _post(anon_client, painted, {"mix_percent": "50"})
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_is_post_only(alice_client, painted):
    assert alice_client.get(reverse("gallery:job-colors", args=[painted.pk])).status_code == 405


@pytest.mark.parametrize("mix", ["nan", "101", "-1", "x", "", "50.5"])
def test_a_bad_mix_is_refused_in_words(alice_client, painted, sent, mix):
    response = _post(alice_client, painted, {"mix_percent": mix}, **JSON)
    assert response.status_code == 400
    assert response.json()["errors"][0].startswith("Mix with the photo:")
    painted.refresh_from_db()
    assert painted.colors["asked"] == 0


def test_a_failed_painting_cannot_be_recoloured(alice_client, painted, sent):
    Job.objects.filter(pk=painted.pk).update(status=Job.Status.FAILED)
    response = _post(alice_client, painted, {"keep_colors": "on", "mix_percent": "0"}, **JSON)
    assert response.status_code == 400
    assert response.json() == {"errors": [
        "Only a finished painting's colours can be changed; this one has failed."]}
    page = _post(alice_client, painted, {"keep_colors": "on", "mix_percent": "0"}, follow=True)
    assert "The colours cannot change: Only a finished painting" in page.content.decode()


def test_the_result_url_changes_with_each_version_and_is_revalidated(alice_client, painted):
    url = alice_client.get(reverse("gallery:job-progress", args=[painted.pk])).json()["result"]
    first = alice_client.get(url)
    assert first.status_code == 200 and first["Cache-Control"] == "private, no-cache"
    assert alice_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    old = painted.result.name
    painted.result.save("result.png", ContentFile(image_bytes("PNG")), save=True)  # new colours
    painted.result.storage.delete(old)
    again = alice_client.get(reverse("gallery:job-progress", args=[painted.pk])).json()["result"]
    assert again != url
    fresh = alice_client.get(again, HTTP_IF_NONE_MATCH=first["ETag"])
    assert fresh.status_code == 200 and fresh["ETag"] != first["ETag"]


def test_deleting_the_painting_deletes_its_raw_result(alice_client, painted,
                                                      django_capture_on_commit_callbacks):
    storage, names = painted.result.storage, [painted.result.name, painted.raw_result.name]
    with django_capture_on_commit_callbacks(execute=True):
        services.job_delete(job=painted)
    assert not any(storage.exists(name) for name in names)


def test_the_web_process_changes_colours_without_importing_torch():
    """The picture is made by the worker; the site only records the choice."""
    import subprocess
    import sys
    from pathlib import Path

    code = ("import os, sys, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'stylesite.settings'; "
            "django.setup(); import stylesite.urls, gallery.views.job_colors, gallery.api.views; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
