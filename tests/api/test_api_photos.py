"""/api/v1/photos/: a user's own photos. Another user's photo is not found (404)."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gallery.models import Photo

from api_helpers import image_upload

pytestmark = pytest.mark.django_db
LIST = "/api/v1/photos/"


def detail(pk):
    return f"{LIST}{pk}/"


def test_it_lists_only_my_photos(alice_api, photo, bobs_photo):
    r = alice_api.get(LIST)
    assert r.status_code == 200
    assert [p["id"] for p in r.json()["results"]] == [photo.pk]


def test_it_paginates_the_list(alice_api, alice):
    from gallery import services

    for i in range(3):
        services.photo_create(owner=alice, upload=image_upload(f"{i}.jpg"))
    r = alice_api.get(LIST, {"page_size": 2})
    body = r.json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    assert len(alice_api.get(body["next"]).json()["results"]) == 1


def test_it_returns_401_for_anonymous_list(anon_api, photo):
    assert anon_api.get(LIST).status_code == 401


def test_it_uploads_a_photo(alice_api, alice):
    r = alice_api.post(LIST, {"image": image_upload("holiday.jpg", size=(80, 60))}, format="multipart")
    assert r.status_code == 201, r.content
    body = r.json()
    photo = Photo.objects.get(pk=body["id"])
    assert photo.owner == alice
    assert (body["width"], body["height"], body["original_name"]) == (80, 60, "holiday.jpg")
    assert body["image"] == f"http://testserver/files/photos/{photo.pk}/image/"
    assert body["thumbnail"] == f"http://testserver/files/photos/{photo.pk}/thumbnail/"
    assert "/media/" not in r.content.decode()


def test_it_rejects_a_file_that_is_not_an_image(alice_api):
    r = alice_api.post(LIST, {"image": SimpleUploadedFile("x.jpg", b"not an image")}, format="multipart")
    assert r.status_code == 400
    assert list(r.json()) == ["image"]
    assert not Photo.objects.exists()


def test_it_rejects_a_truncated_jpeg(alice_api):
    upload = image_upload("t.jpg", size=(200, 200))
    upload.file.truncate(300)
    r = alice_api.post(LIST, {"image": upload}, format="multipart")
    assert r.status_code == 400
    assert "image" in r.json()


def test_it_asks_for_the_image_field(alice_api):
    r = alice_api.post(LIST, {}, format="multipart")
    assert r.status_code == 400
    assert r.json() == {"image": ["No file was submitted."]}


def test_it_returns_401_for_anonymous_upload(anon_api):
    assert anon_api.post(LIST, {"image": image_upload()}, format="multipart").status_code == 401
    assert not Photo.objects.exists()


def test_it_returns_my_photo(alice_api, photo):
    r = alice_api.get(detail(photo.pk))
    assert r.status_code == 200
    assert r.json()["checksum"] == photo.checksum


def test_it_returns_404_for_bobs_photo(alice_api, bobs_photo):
    assert alice_api.get(detail(bobs_photo.pk)).status_code == 404


def test_it_returns_401_for_anonymous_get(anon_api, photo):
    assert anon_api.get(detail(photo.pk)).status_code == 401


def test_staff_get_404_for_someone_elses_photo(staff_api, photo):
    assert staff_api.get(detail(photo.pk)).status_code == 404


def test_the_image_url_needs_the_token(alice_api, bob_api, anon_api, photo):
    url = alice_api.get(detail(photo.pk)).json()["image"]
    r = alice_api.get(url)
    assert r.status_code == 200
    assert r["Content-Type"] == "image/jpeg"
    assert bob_api.get(url).status_code == 404
    assert anon_api.get(url).status_code == 404


def test_it_deletes_my_photo(alice_api, photo):
    assert alice_api.delete(detail(photo.pk)).status_code == 204
    assert not Photo.objects.exists()


def test_it_returns_404_when_bob_deletes_my_photo(bob_api, photo):
    assert bob_api.delete(detail(photo.pk)).status_code == 404
    assert Photo.objects.filter(pk=photo.pk).exists()


def test_it_returns_401_for_anonymous_delete(anon_api, photo):
    assert anon_api.delete(detail(photo.pk)).status_code == 401
    assert Photo.objects.filter(pk=photo.pk).exists()


def test_photos_cannot_be_changed(alice_api, photo):
    assert alice_api.patch(detail(photo.pk), {}, format="multipart").status_code == 405
