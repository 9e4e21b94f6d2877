"""photo_create and the upload page: good files are converted, bad ones leave nothing behind."""
import hashlib
import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image

from gallery import services
from gallery.models import Photo
from gallery_helpers import exif_rotated_jpeg, files_under, image_bytes, png_bomb, upload

pytestmark = pytest.mark.django_db


def _stored(photo) -> Image.Image:
    with photo.image.open("rb") as fh:
        img = Image.open(io.BytesIO(fh.read()))
        img.load()
    return img


# --- accepted, and converted ------------------------------------------------------------------

def test_it_stores_a_jpeg_with_thumbnail_checksum_and_size(alice, settings):
    photo = services.photo_create(owner=alice, upload=upload("holiday.jpg", image_bytes(size=(640, 480))))
    data = photo.image.read()
    assert photo.checksum == hashlib.sha256(data).hexdigest()
    assert photo.size_bytes == len(data)
    assert (photo.width, photo.height) == (640, 480)
    assert photo.original_name == "holiday.jpg"
    assert photo.image.name.startswith(f"private/{alice.pk}/photos/")
    with photo.thumbnail.open("rb") as fh:
        assert max(Image.open(fh).size) <= services.THUMBNAIL_PX
    assert len(files_under(settings.MEDIA_ROOT)) == 2


def test_it_applies_the_exif_rotation_and_strips_gps(alice):
    photo = services.photo_create(owner=alice, upload=upload("phone.jpg", exif_rotated_jpeg((80, 40))))
    img = _stored(photo)
    assert img.size == (40, 80) == (photo.width, photo.height)  # turned upright
    assert not img.getexif()  # no orientation, no GPS, nothing
    assert "exif" not in img.info


def test_it_converts_a_cmyk_jpeg_to_rgb(alice):
    photo = services.photo_create(owner=alice, upload=upload("print.jpg", image_bytes(mode="CMYK", color=(0, 255, 255, 0))))
    img = _stored(photo)
    assert img.mode == "RGB"
    r, g, b = img.getpixel((5, 5))
    assert r > 200 and g < 60 and b < 60  # C=0, M=Y=100%: red


def test_it_converts_a_16_bit_png_to_8_bit_rgb(alice):
    photo = services.photo_create(owner=alice, upload=upload("deep.png", image_bytes("PNG", mode="I;16"), "image/png"))
    assert _stored(photo).mode == "RGB"


def test_it_composites_an_image_with_alpha_on_white(alice):
    data = image_bytes("PNG", mode="RGBA", color=(255, 0, 0, 0))  # fully transparent red
    photo = services.photo_create(owner=alice, upload=upload("alpha.png", data, "image/png"))
    img = _stored(photo)
    assert img.mode == "RGB"
    assert all(c > 245 for c in img.getpixel((3, 3)))


def test_it_downscales_to_the_photo_max_side(alice, settings):
    settings.STYLE_PHOTO_MAX_SIDE = 100
    photo = services.photo_create(owner=alice, upload=upload("big.jpg", image_bytes(size=(400, 200))))
    assert (photo.width, photo.height) == (100, 50)


def test_it_ignores_the_extension_and_content_type(alice):
    photo = services.photo_create(owner=alice, upload=upload("notes.txt", image_bytes("PNG"), "text/plain"))
    assert photo.image.name.endswith(".jpg")


# --- refused, leaving nothing ------------------------------------------------------------------

BAD_UPLOADS = {
    "not_an_image": (b"%PDF-1.4 hello, I am not a picture", "is not an image"),
    "empty": (b"", "empty"),
    "truncated": (image_bytes(size=(300, 200))[:600], "truncated"),
    "bomb": (png_bomb(), "too large"),
}


@pytest.mark.parametrize("kind", BAD_UPLOADS)
def test_it_rejects_a_bad_file_and_writes_nothing(alice, settings, kind):
    data, message = BAD_UPLOADS[kind]
    with pytest.raises(ValidationError) as exc:
        services.photo_create(owner=alice, upload=upload("x.jpg", data))
    assert message in exc.value.messages[0]
    assert files_under(settings.MEDIA_ROOT) == []
    assert not Photo.objects.exists()


def test_it_rejects_a_file_over_the_byte_limit(alice, settings):
    settings.STYLE_UPLOAD_MAX_BYTES = 500
    with pytest.raises(ValidationError, match="too large"):
        services.photo_create(owner=alice, upload=upload("x.jpg", image_bytes(size=(200, 200))))
    assert files_under(settings.MEDIA_ROOT) == []
    assert not Photo.objects.exists()


def test_it_rejects_an_image_over_the_pixel_limit(alice, settings):
    settings.STYLE_UPLOAD_MAX_PIXELS = 100 * 100
    with pytest.raises(ValidationError, match="too large"):
        services.photo_create(owner=alice, upload=upload("x.jpg", image_bytes(size=(200, 101))))
    assert files_under(settings.MEDIA_ROOT) == []


def test_it_removes_the_stored_files_when_the_row_cannot_be_saved(alice, settings, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(Photo, "save", fail)
    with pytest.raises(RuntimeError):
        services.photo_create(owner=alice, upload=upload())
    assert files_under(settings.MEDIA_ROOT) == []


# --- through the page --------------------------------------------------------------------------

def test_the_page_uploads_a_photo_and_lists_it(alice_client, alice):
    response = alice_client.post(reverse("gallery:photos"), {"image": upload("beach.jpg")}, follow=True)
    assert response.status_code == 200
    photo = Photo.objects.get(owner=alice)
    assert reverse("gallery:photo-thumbnail", args=[photo.pk]) in response.content.decode()
    assert "beach.jpg" in response.content.decode()


@pytest.mark.parametrize("kind", BAD_UPLOADS)
def test_the_page_shows_a_form_error_for_a_bad_file(alice_client, settings, kind):
    data, message = BAD_UPLOADS[kind]
    response = alice_client.post(reverse("gallery:photos"), {"image": upload("bad.jpg", data)})
    assert response.status_code == 400
    if kind != "empty":  # Django's FileField refuses an empty file itself
        assert message in response.content.decode()
    assert files_under(settings.MEDIA_ROOT) == []
    assert not Photo.objects.exists()


def test_the_page_shows_the_byte_limit_error(alice_client, settings):
    settings.STYLE_UPLOAD_MAX_BYTES = 500
    response = alice_client.post(reverse("gallery:photos"), {"image": upload("big.jpg", image_bytes(size=(200, 200)))})
    assert response.status_code == 400
    assert "The file is too large" in response.content.decode()
    assert files_under(settings.MEDIA_ROOT) == []
    assert not Photo.objects.exists()


def test_deleting_a_photo_removes_its_files(alice_client, photo, settings, django_capture_on_commit_callbacks):
    paths = [photo.image.path, photo.thumbnail.path]
    confirm = alice_client.get(reverse("gallery:photo-delete", args=[photo.pk]))
    assert confirm.status_code == 200 and "Delete" in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("gallery:photo-delete", args=[photo.pk]))
    assert response.status_code == 302
    assert not Photo.objects.filter(pk=photo.pk).exists()
    assert not any(Path(p).exists() for p in paths)


def test_deleting_a_photo_keeps_its_jobs_and_results(finished_job, django_capture_on_commit_callbacks):
    result = finished_job.result.path
    with django_capture_on_commit_callbacks(execute=True):
        services.photo_delete(photo=finished_job.photo)
    finished_job.refresh_from_db()
    assert finished_job.photo is None
    assert Path(result).exists()
