"""/api/v1/themes/: read for everyone signed in (active themes), write for staff only."""
import os

import pytest

from gallery.models import Theme

from api_helpers import image_upload

pytestmark = pytest.mark.django_db
LIST = "/api/v1/themes/"


def detail(slug):
    return f"{LIST}{slug}/"


def test_it_lists_the_active_themes_in_order(alice_api, starry, scream, retired):
    r = alice_api.get(LIST)
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 2
    assert [t["slug"] for t in body["results"]] == ["starry-night", "the-scream"]


def test_it_gives_theme_images_as_urls_of_the_media_views(alice_api, starry):
    theme = alice_api.get(detail("starry-night")).json()
    assert theme["image"] == "http://testserver/files/themes/starry-night/image/"
    assert theme["thumbnail"] == "http://testserver/files/themes/starry-night/thumbnail/"
    assert alice_api.get(theme["thumbnail"]).status_code == 200


def test_it_returns_a_theme_by_slug(alice_api, starry):
    r = alice_api.get(detail("starry-night"))
    assert r.status_code == 200
    assert r.json()["title"] == "The Starry Night"
    assert r.json()["artist"] == "Vincent van Gogh"


def test_it_returns_404_for_an_unknown_theme(alice_api, starry):
    assert alice_api.get(detail("nope")).status_code == 404


def test_it_hides_inactive_themes_from_users(alice_api, retired):
    assert alice_api.get(detail("retired")).status_code == 404


def test_it_shows_inactive_themes_to_staff(staff_api, starry, retired):
    assert staff_api.get(LIST).json()["count"] == 2
    assert staff_api.get(detail("retired")).status_code == 200


@pytest.mark.parametrize("path", [LIST, detail("starry-night")])
def test_it_returns_401_for_anonymous_reads(anon_api, starry, path):
    assert anon_api.get(path).status_code == 401


# --- writes -----------------------------------------------------------------------------------

def new_theme(**extra):
    return {"slug": "wave", "title": "The Great Wave", "artist": "Hokusai", "image": image_upload("wave.png", fmt="PNG"), **extra}


def test_staff_can_create_a_theme_with_a_painting(staff_api):
    r = staff_api.post(LIST, new_theme(), format="multipart")
    assert r.status_code == 201, r.content
    assert r.json()["image"] == "http://testserver/files/themes/wave/image/"
    theme = Theme.objects.get(slug="wave")
    assert theme.image and theme.thumbnail  # stored by the service: re-encoded, with a thumbnail


def test_it_returns_403_when_a_user_creates_a_theme(alice_api):
    assert alice_api.post(LIST, new_theme(), format="multipart").status_code == 403
    assert not Theme.objects.exists()


def test_it_returns_401_when_anonymous_creates_a_theme(anon_api):
    assert anon_api.post(LIST, new_theme(), format="multipart").status_code == 401


def test_it_validates_the_painting_like_a_photo(staff_api):
    bad = image_upload("wave.jpg")
    bad.file.truncate(100)
    r = staff_api.post(LIST, new_theme(image=bad), format="multipart")
    assert r.status_code == 400
    assert "image" in r.json()
    assert not Theme.objects.exists()


def test_it_rejects_a_file_that_is_not_an_image(staff_api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = staff_api.post(LIST, new_theme(image=SimpleUploadedFile("x.jpg", b"hello")), format="multipart")
    assert r.status_code == 400
    assert list(r.json()) == ["image"]


def test_it_rejects_unknown_default_params(staff_api):
    r = staff_api.post(LIST, new_theme(default_params='{"styel_weight": 2}'), format="multipart")
    assert r.status_code == 400
    assert "default_params" in r.json()


def test_it_rejects_wrong_default_param_values(staff_api, starry):
    r = staff_api.patch(detail("starry-night"), {"default_params": {"iterations": -5}}, format="json")
    assert r.status_code == 400
    assert "iterations" in r.json()["default_params"][0]


def test_it_rejects_a_duplicate_slug(staff_api, starry):
    r = staff_api.post(LIST, new_theme(slug="starry-night"), format="multipart")
    assert r.status_code == 400
    assert "slug" in r.json()


@pytest.mark.parametrize("slug", ["the_great_wave", "The-Great-Wave"])
def test_it_rejects_a_slug_that_is_not_lowercase_words_and_hyphens(staff_api, slug):
    r = staff_api.post(LIST, new_theme(slug=slug), format="multipart")
    assert r.status_code == 400
    assert r.json()["slug"] == ["Use lowercase letters, digits and hyphens only (e.g. the-scream)."]
    assert not Theme.objects.exists()


def test_staff_can_change_a_theme(staff_api, starry):
    r = staff_api.patch(detail("starry-night"), {"title": "Starry", "default_params": {"style_weight": 2.0}},
                        format="json")
    assert r.status_code == 200
    starry.refresh_from_db()
    assert starry.title == "Starry"
    assert starry.default_params == {"style_weight": 2.0}


def test_staff_can_replace_the_painting(staff_api, starry):
    old = starry.image.name
    r = staff_api.patch(detail("starry-night"), {"image": image_upload("new.png", fmt="PNG")}, format="multipart")
    assert r.status_code == 200
    starry.refresh_from_db()
    assert starry.image.name != old


def test_it_returns_403_when_a_user_changes_a_theme(alice_api, starry):
    assert alice_api.patch(detail("starry-night"), {"title": "Mine"}, format="json").status_code == 403


def test_it_returns_401_when_anonymous_changes_a_theme(anon_api, starry):
    assert anon_api.patch(detail("starry-night"), {"title": "Mine"}, format="json").status_code == 401


def test_staff_can_delete_an_unused_theme(staff_api, starry, django_capture_on_commit_callbacks):
    path = starry.image.path
    with django_capture_on_commit_callbacks(execute=True):
        assert staff_api.delete(detail("starry-night")).status_code == 204
    assert not Theme.objects.exists()
    assert not os.path.exists(path)


def test_it_refuses_to_delete_a_theme_that_jobs_use(staff_api, job):
    r = staff_api.delete(detail("starry-night"))
    assert r.status_code == 409
    assert "deactivate" in r.json()["detail"]
    assert Theme.objects.filter(slug="starry-night").exists()


def test_staff_can_deactivate_a_theme(staff_api, alice_api, starry):
    assert staff_api.patch(detail("starry-night"), {"is_active": False}, format="json").status_code == 200
    assert alice_api.get(LIST).json()["count"] == 0


def test_it_returns_403_when_a_user_deletes_a_theme(alice_api, starry):
    assert alice_api.delete(detail("starry-night")).status_code == 403
    assert Theme.objects.exists()


def test_it_returns_401_when_anonymous_deletes_a_theme(anon_api, starry):
    assert anon_api.delete(detail("starry-night")).status_code == 401
