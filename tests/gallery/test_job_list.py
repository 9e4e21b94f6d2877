"""My gallery: my jobs newest first, filters by status and theme, pagination."""
import pytest
from django.urls import reverse

from gallery import services
from gallery.models import Job
from gallery.views.jobs import PAGE_SIZE

pytestmark = pytest.mark.django_db

URL = reverse("gallery:job-list")


def _job(owner, photo, *themes, status=Job.Status.QUEUED):
    job = services.job_create(owner=owner, photo=photo, themes=[(t, 1.0) for t in themes], params={})
    Job.objects.filter(pk=job.pk).update(status=status)
    return job


def _ids(response):
    return [job.pk for job in response.context["jobs"]]


def test_it_lists_my_jobs_newest_first(alice_client, alice, photo, starry, bob, bob_photo):
    first = _job(alice, photo, starry)
    second = _job(alice, photo, starry)
    _job(bob, bob_photo, starry)
    assert _ids(alice_client.get(URL)) == [second.pk, first.pk]


def test_it_filters_by_status(alice_client, alice, photo, starry):
    done = _job(alice, photo, starry, status=Job.Status.SUCCEEDED)
    _job(alice, photo, starry, status=Job.Status.QUEUED)
    assert _ids(alice_client.get(URL, {"status": "succeeded"})) == [done.pk]


def test_it_filters_by_theme(alice_client, alice, photo, starry, scream):
    blended = _job(alice, photo, starry, scream)
    _job(alice, photo, starry)
    scream_only = _job(alice, photo, scream)
    assert _ids(alice_client.get(URL, {"theme": "the-scream"})) == [scream_only.pk, blended.pk]
    assert _ids(alice_client.get(URL, {"theme": "the-scream", "status": "running"})) == []


def test_an_unknown_status_is_ignored(alice_client, alice, photo, starry):
    job = _job(alice, photo, starry)
    assert _ids(alice_client.get(URL, {"status": "bogus"})) == [job.pk]


def test_it_paginates_and_keeps_the_filters(alice_client, alice, photo, starry, settings):
    settings.STYLE_MAX_QUEUED_JOBS = PAGE_SIZE + 2
    for _ in range(PAGE_SIZE + 2):
        _job(alice, photo, starry)
    first = alice_client.get(URL, {"theme": "starry-night"})
    assert len(_ids(first)) == PAGE_SIZE
    assert "theme=starry-night&amp;page=2" in first.content.decode()
    assert len(_ids(alice_client.get(URL, {"theme": "starry-night", "page": 2}))) == 2


def test_it_shows_status_progress_and_the_result(alice_client, finished_job, alice, photo, starry):
    queued = _job(alice, photo, starry)
    html = alice_client.get(URL).content.decode()
    assert reverse("gallery:job-result", args=[finished_job.pk]) in html
    assert reverse("gallery:job-detail", args=[queued.pk]) in html
    assert "badge-succeeded" in html and "badge-queued" in html
    assert 'role="progressbar"' in html


def test_an_empty_gallery_invites_a_first_painting(alice_client):
    assert "Your gallery is empty" in alice_client.get(URL).content.decode()


def test_deleting_a_job_from_the_gallery(alice_client, job):
    assert alice_client.get(reverse("gallery:job-delete", args=[job.pk])).status_code == 200
    response = alice_client.post(reverse("gallery:job-delete", args=[job.pk]))
    assert response.status_code == 302
    assert not Job.objects.filter(pk=job.pk).exists()
