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
    assert response.status_code == 413
    assert "The file is too large" in response.content.decode()
    assert files_under(settings.MEDIA_ROOT) == []
    assert not Photo.objects.exists()


def test_the_page_answers_its_script_in_json(alice_client, alice):
    """static/js/upload.js posts with Accept: JSON, to show progress and errors in place."""
    response = alice_client.post(reverse("gallery:photos"), {"image": upload("beach.jpg")},
                                 headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json() == {"redirect": reverse("gallery:photos")}
    assert Photo.objects.get(owner=alice).original_name == "beach.jpg"
    assert "“beach.jpg” uploaded." in alice_client.get(reverse("gallery:photos")).content.decode()


def test_the_page_answers_its_script_errors_in_json(alice_client, settings):
    data, message = BAD_UPLOADS["not_an_image"]
    response = alice_client.post(reverse("gallery:photos"), {"image": upload("bad.jpg", data)},
                                 headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert message in response.json()["errors"][0]
    settings.STYLE_UPLOAD_MAX_BYTES = 500
    response = alice_client.post(reverse("gallery:photos"), {"image": upload("big.jpg", image_bytes(size=(200, 200)))},
                                 headers={"Accept": "application/json"})
    assert response.status_code == 413
    assert "The file is too large" in response.json()["errors"][0]


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


# --- resource attacks (issue 11) ------------------------------------------------------------

def test_an_upload_over_the_limit_is_refused_while_it_streams_with_nothing_spooled(
        alice_client, settings, tmp_path):
    settings.STYLE_UPLOAD_MAX_BYTES = 100_000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10_000  # anything bigger would go to a temporary file
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    big = upload("big.jpg", b"\xff\xd8" + b"0" * 400_000)
    response = alice_client.post(reverse("gallery:photos"), {"image": big})
    assert response.status_code == 413
    assert "The file is too large" in response.content.decode()
    assert list(tmp_path.iterdir()) == []  # stopped at the limit: never spooled
    assert files_under(settings.MEDIA_ROOT) == [] and not Photo.objects.exists()


def test_a_body_announcing_more_than_the_limit_is_refused_and_let_pass_in_small_chunks(settings,
                                                                                      alice):
    from django.test import RequestFactory

    from gallery import uploads

    settings.STYLE_UPLOAD_MAX_BYTES = 1000
    request = RequestFactory().post("/photos/", data=b"--x\r\n", content_type="multipart/form-data; boundary=x")
    request.META["CONTENT_LENGTH"] = str(50 * 1024 * 1024)  # a 50 MB upload on its way

    class Stream:  # what the server hands over: read() asks for the rest, at once
        left, reads = 50 * 1024 * 1024, []

        def read(self, size=-1):
            size = self.left if size is None or size < 0 else min(size, self.left)
            self.reads.append(size)
            self.left -= size
            return b"\xff" * size

    request._stream = stream = Stream()
    assert not request.FILES and "50.0 MB" in uploads.refusal(request)
    assert stream.left == 0 and max(stream.reads) <= uploads.DISCARD_CHUNK  # never all at once


def test_the_api_refuses_an_oversized_upload_with_a_json_413(settings, alice):
    from rest_framework.test import APIClient

    settings.STYLE_UPLOAD_MAX_BYTES = 100_000
    api = APIClient()
    api.force_authenticate(alice)
    response = api.post("/api/v1/photos/", {"image": upload("big.jpg", b"0" * 300_000)},
                        format="multipart")
    assert response.status_code == 413 and "too large" in response.json()["detail"]
    assert not Photo.objects.exists()


def test_decodes_wait_for_room_in_the_budget_and_give_up_with_a_clear_error(settings, monkeypatch):
    import threading

    from gallery import uploads

    settings.STYLE_DECODE_BUDGET_MB = 100
    monkeypatch.setattr(uploads, "WAIT_SECONDS", 0.3)
    pixels = 8_000_000  # 64 MB each at 8 bytes a pixel: one fits, two do not
    entered = threading.Event()
    release = threading.Event()

    def hold():
        with uploads.decode_budget(pixels):
            entered.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    entered.wait(5)
    with pytest.raises(ValidationError, match="busy reading other large images"):
        with uploads.decode_budget(pixels):
            pass
    with uploads.decode_budget(1000):  # a small one still fits beside it
        pass
    release.set()
    holder.join()
    with uploads.decode_budget(pixels * 4):  # bigger than the budget: runs alone
        pass
    assert uploads._BUDGET.used == 0


def test_a_palette_bomb_is_decoded_under_the_budget(alice, settings, monkeypatch):
    from gallery import uploads

    reserved = []
    real = uploads.decode_budget

    def spy(pixels):
        reserved.append(pixels)
        return real(pixels)

    monkeypatch.setattr(uploads, "decode_budget", spy)
    bomb = io.BytesIO()
    Image.new("P", (3000, 3000)).save(bomb, format="PNG")
    photo = services.photo_create(owner=alice, upload=upload("bomb.png", bomb.getvalue(),
                                                             "image/png"))
    assert reserved == [9_000_000] and max(photo.width, photo.height) <= settings.STYLE_PHOTO_MAX_SIDE


def test_orphaned_files_and_stale_spools_are_cleaned_up_and_nothing_else(alice, photo, settings,
                                                                         tmp_path):
    import os
    import time

    from django.core.management import call_command

    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "spool")
    spool = tmp_path / "spool"
    spool.mkdir()
    media = Path(settings.MEDIA_ROOT)
    orphan = media / "private" / str(alice.pk) / "photos" / "lost.jpg"
    orphan.write_bytes(b"x" * 100)  # a killed server's photo file, without its row
    fresh_orphan = media / "private" / str(alice.pk) / "photos" / "being-written.jpg"
    fresh_orphan.write_bytes(b"y")
    stale_spool = spool / "tmpabc.upload.jpg"
    stale_spool.write_bytes(b"z" * 10)
    two_hours_ago = time.time() - 7200
    for path in (orphan, stale_spool, Path(photo.image.path), Path(photo.thumbnail.path)):
        os.utime(path, (two_hours_ago, two_hours_ago))
    out = io.StringIO()
    call_command("cleanup_media", "--dry-run", stdout=out)
    assert "Would remove 2 file(s), 110 bytes" in out.getvalue() and orphan.exists()
    call_command("cleanup_media", stdout=io.StringIO())
    assert not orphan.exists() and not stale_spool.exists()
    assert fresh_orphan.exists()  # too young: it may be a request's work in progress
    assert Path(photo.image.path).exists() and Path(photo.thumbnail.path).exists()
