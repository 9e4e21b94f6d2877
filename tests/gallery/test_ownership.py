"""Every page and media file of alice: alice gets it, bob gets 404, anonymous is sent to log in
(pages) or gets 404 (media files). Token authentication works for media files too."""
import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db

# (url name, which of alice's objects gives the pk)
PAGES = [
    ("gallery:photo-delete", "photo"),
    ("gallery:job-delete", "job"),
    ("gallery:job-detail", "job"),
    ("gallery:job-progress", "job"),
]
MEDIA = [
    ("gallery:photo-image", "photo"),
    ("gallery:photo-thumbnail", "photo"),
    ("gallery:job-result", "job"),
    ("gallery:snapshot-image", "snapshot"),
]
LOGIN_ONLY_PAGES = ["gallery:photos", "gallery:job-list", "gallery:job-cards", "gallery:job-new", "password_change"]


@pytest.fixture
def objects(finished_job):
    return {"photo": finished_job.photo, "job": finished_job, "snapshot": finished_job.snapshots.get()}


def _url(name, kind, objects):
    return reverse(name, args=[objects[kind].pk])


@pytest.mark.parametrize("name,kind", PAGES + MEDIA)
def test_alice_gets_her_own(alice_client, objects, name, kind):
    assert alice_client.get(_url(name, kind, objects)).status_code == 200


@pytest.mark.parametrize("name,kind", PAGES + MEDIA)
def test_it_returns_404_for_another_users_object(bob_client, objects, name, kind):
    assert bob_client.get(_url(name, kind, objects)).status_code == 404


@pytest.mark.parametrize("name,kind", PAGES)
def test_it_sends_anonymous_visitors_of_a_page_to_log_in(anon_client, objects, name, kind):
    response = anon_client.get(_url(name, kind, objects))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name,kind", MEDIA)
def test_it_returns_404_for_anonymous_media_requests(anon_client, objects, name, kind):
    assert anon_client.get(_url(name, kind, objects)).status_code == 404


@pytest.mark.parametrize("name", LOGIN_ONLY_PAGES)
def test_it_sends_anonymous_visitors_of_private_lists_to_log_in(anon_client, name):
    response = anon_client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_bob_cannot_delete_alices_photo_or_job(bob_client, objects):
    assert bob_client.post(_url("gallery:photo-delete", "photo", objects)).status_code == 404
    assert bob_client.post(_url("gallery:job-delete", "job", objects)).status_code == 404
    assert bob_client.post(_url("gallery:job-cancel", "job", objects)).status_code == 404
    objects["photo"].refresh_from_db()
    objects["job"].refresh_from_db()


def test_bobs_lists_do_not_show_alices_things(bob_client, objects):
    photos = bob_client.get(reverse("gallery:photos")).content.decode()
    assert reverse("gallery:photo-thumbnail", args=[objects["photo"].pk]) not in photos
    jobs = bob_client.get(reverse("gallery:job-list")).content.decode()
    assert reverse("gallery:job-detail", args=[objects["job"].pk]) not in jobs


@pytest.mark.parametrize("name,kind", MEDIA)
def test_media_accept_the_owners_api_token(anon_client, alice, objects, name, kind):
    token = Token.objects.create(user=alice)
    response = anon_client.get(_url(name, kind, objects), HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


@pytest.mark.parametrize("name,kind", MEDIA)
def test_media_return_404_for_another_users_token(anon_client, bob, objects, name, kind):
    token = Token.objects.create(user=bob)
    response = anon_client.get(_url(name, kind, objects), HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 404


def test_media_return_404_for_a_bad_token(anon_client, objects):
    response = anon_client.get(_url("gallery:photo-image", "photo", objects), HTTP_AUTHORIZATION="Token nope")
    assert response.status_code == 404


def test_private_media_are_private_in_caches(alice_client, objects):
    response = alice_client.get(_url("gallery:photo-image", "photo", objects))
    assert "private" in response["Cache-Control"]
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


@pytest.mark.parametrize("asked", ["1", "png", "jpeg"])
def test_the_result_downloads_as_an_attachment(alice_client, objects, asked):
    response = alice_client.get(_url("gallery:job-result", "job", objects) + f"?download={asked}")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "alice-starry-night." in response["Content-Disposition"]  # tests/gallery/test_downloads.py


@pytest.mark.parametrize("asked", ["png", "jpeg"])
def test_another_users_download_is_404(bob_client, objects, asked):
    response = bob_client.get(_url("gallery:job-result", "job", objects) + f"?download={asked}")
    assert response.status_code == 404


def test_a_job_without_a_result_has_no_result_file(alice_client, job):
    assert alice_client.get(reverse("gallery:job-result", args=[job.pk])).status_code == 404


@pytest.mark.parametrize("name", ["gallery:theme-image", "gallery:theme-thumbnail"])
def test_theme_paintings_are_public(anon_client, starry, name):
    response = anon_client.get(reverse(name, args=[starry.slug]))
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]


def test_an_unknown_theme_image_is_404(anon_client, db):
    assert anon_client.get(reverse("gallery:theme-image", args=["la-muse"])).status_code == 404


def test_media_files_are_not_reachable_by_their_storage_path(alice_client, objects):
    path = "/media/" + objects["photo"].image.name
    assert alice_client.get(path).status_code == 404
