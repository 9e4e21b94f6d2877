"""Private links (gallery/views/share.py): alice shares a finished painting, anyone with the link
sees the painting and its photo and nothing else of hers, and the link stops working for good
when she stops sharing. Bob cannot share or unshare her jobs."""
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse

from gallery import services
from gallery.models import Job
from gallery_helpers import image_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(finished_job):
    return services.job_share(job=finished_job)


def _links(job):
    token = job.share_token
    return (reverse("gallery:shared-job", args=[token]), reverse("gallery:shared-painting", args=[token]),
            reverse("gallery:shared-photo", args=[token]))


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- the services ------------------------------------------------------------------------------

def test_a_finished_painting_gets_a_long_secret_and_keeps_it_when_shared_again(finished_job):
    token = services.job_share(job=finished_job).share_token
    assert len(token) >= 43 and re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert services.job_share(job=finished_job).share_token == token
    finished_job.refresh_from_db()
    assert finished_job.share_token == token


def test_every_job_gets_its_own_secret(finished_job, alice, photo, starry):
    other = services.job_create(owner=alice, photo=photo, themes=[(starry, 1.0)], params={})
    other.result.save("r.png", ContentFile(image_bytes("PNG")), save=False)
    other.status = Job.Status.SUCCEEDED
    other.save()
    assert services.job_share(job=finished_job).share_token != services.job_share(job=other).share_token


@pytest.mark.parametrize("status", [Job.Status.QUEUED, Job.Status.RUNNING, Job.Status.FAILED,
                                    Job.Status.CANCELLED])
def test_a_job_without_a_finished_painting_cannot_be_shared(job, status):
    Job.objects.filter(pk=job.pk).update(status=status)
    job.refresh_from_db()
    with pytest.raises(ValidationError, match="Only a finished painting can be shared"):
        services.job_share(job=job)
    job.refresh_from_db()
    assert job.share_token is None


def test_sharing_again_after_stopping_gives_a_new_link(shared):
    old = shared.share_token
    assert services.job_unshare(job=shared).share_token is None
    assert services.job_share(job=shared).share_token not in (None, old)


# --- the shared page and its images --------------------------------------------------------------

def test_an_anonymous_visitor_sees_the_painting_and_its_photo(anon_client, shared):
    page, painting, photo = _links(shared)
    response = anon_client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'src="{painting}"' in html and f'src="{photo}"' in html
    assert "The Starry Night" in html and "Vincent van Gogh" in html
    assert 'class="compare-range"' in html  # the before/after slider
    image = anon_client.get(painting)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert _body(image) == shared.result.open("rb").read()
    before = anon_client.get(photo)
    assert before.status_code == 200 and _body(before)[:2] == b"\xff\xd8"


def test_the_shared_page_shows_nothing_else_of_the_owners(anon_client, alice, starry):
    photo = services.photo_create(owner=alice, upload=upload("holiday-in-rome.jpg"))
    other = services.job_create(owner=alice, photo=photo, themes=[(starry, 1.0)], params={})
    job = services.job_create(owner=alice, photo=photo, themes=[(starry, 1.0)],
                              params={"iterations": 77, "seed": 987654321})
    job.result.save("r.png", ContentFile(image_bytes("PNG")), save=False)
    job.status = Job.Status.SUCCEEDED
    job.save()
    page = _links(services.job_share(job=job))[0]
    html = anon_client.get(page).content.decode()
    for secret in ["alice", "holiday-in-rome", f"/jobs/{job.pk}/", f"Job {job.pk}",
                   f"/jobs/{other.pk}/", f"/files/photos/{photo.pk}/", f"/files/jobs/{job.pk}/",
                   "987654321", "seed", "iterations", "style_weight", "Download"]:
        assert secret not in html, secret
    assert "My gallery" not in html and "Log in" in html  # a stranger's view of the site


def test_the_shared_page_and_images_stay_out_of_caches_search_engines_and_referers(anon_client, shared):
    page, painting, photo = _links(shared)
    response = anon_client.get(page)
    assert response["Referrer-Policy"] == "no-referrer"
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()
    for url in (page, painting, photo):
        response = anon_client.get(url)
        assert "noindex" in response["X-Robots-Tag"], url
        cache_control = response["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control, url
    assert anon_client.get(painting)["Content-Disposition"] == 'inline; filename="painting.png"'


def test_a_revoked_link_is_gone_with_both_images(anon_client, alice_client, shared):
    links = _links(shared)
    response = alice_client.post(reverse("gallery:job-unshare", args=[shared.pk]))
    assert response.status_code == 302
    for url in links:
        assert anon_client.get(url).status_code == 404, url
        assert alice_client.get(url).status_code == 404, url  # the owner too: the link is dead
    gone = anon_client.get(links[0])
    assert "This link does not work" in gone.content.decode()
    assert gone["X-Robots-Tag"].startswith("noindex")


@pytest.mark.parametrize("token", ["x" * 43, "short", "%00" * 20])
def test_an_unknown_link_is_404(anon_client, shared, token):
    assert anon_client.get(f"/s/{token}/").status_code == 404
    assert anon_client.get(f"/s/{token}/painting").status_code == 404


def test_a_deleted_photo_leaves_the_painting_alone_on_the_page(anon_client, shared):
    services.photo_delete(photo=shared.photo)
    page, painting, photo = _links(shared)
    html = anon_client.get(page).content.decode()
    assert f'src="{painting}"' in html
    assert "compare-before" not in html and 'class="compare-range"' not in html
    assert anon_client.get(painting).status_code == 200
    assert anon_client.get(photo).status_code == 404


# --- the owner's buttons -----------------------------------------------------------------------

def test_the_owner_shares_from_the_job_page_and_sees_the_link(alice_client, finished_job):
    detail = reverse("gallery:job-detail", args=[finished_job.pk])
    assert reverse("gallery:job-share", args=[finished_job.pk]) in alice_client.get(detail).content.decode()
    response = alice_client.post(reverse("gallery:job-share", args=[finished_job.pk]), follow=True)
    finished_job.refresh_from_db()
    html = response.content.decode()
    assert f'value="http://testserver/s/{finished_job.share_token}/"' in html
    assert "Stop sharing" in html and "data-copy" in html
    assert reverse("gallery:job-share", args=[finished_job.pk]) not in html


def test_a_queued_job_cannot_be_shared_from_its_page(alice_client, job):
    response = alice_client.post(reverse("gallery:job-share", args=[job.pk]), follow=True)
    assert "Only a finished painting can be shared" in response.content.decode()
    job.refresh_from_db()
    assert job.share_token is None


@pytest.mark.parametrize("name", ["gallery:job-share", "gallery:job-unshare"])
def test_another_user_cannot_share_or_unshare_it(bob_client, shared, name):
    token = shared.share_token
    assert bob_client.post(reverse(name, args=[shared.pk])).status_code == 404
    shared.refresh_from_db()
    assert shared.share_token == token


@pytest.mark.parametrize("name", ["gallery:job-share", "gallery:job-unshare"])
def test_an_anonymous_visitor_is_sent_to_log_in(anon_client, finished_job, name):
    response = anon_client.post(reverse(name, args=[finished_job.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["gallery:job-share", "gallery:job-unshare"])
def test_sharing_needs_a_post(alice_client, finished_job, name):
    assert alice_client.get(reverse(name, args=[finished_job.pk])).status_code == 405
