"""Downloading a painting (gallery/downloads.py, views/media.job_result): named after the photo and
the themes, as the PNG it is stored as or a JPEG made from it; only its owner gets either."""
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image
from rest_framework.authtoken.models import Token

from gallery import downloads, services
from gallery.models import Photo
from gallery_helpers import image_bytes

pytestmark = pytest.mark.django_db

SAFE_NAME = re.compile(r"^[\w-]+\.(png|jpg)$")


def _download(client, job, asked, **headers):
    return client.get(reverse("gallery:job-result", args=[job.pk]) + f"?download={asked}", **headers)


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _name_of(job, original_name, fmt="png") -> str:
    Photo.objects.filter(pk=job.photo_id).update(original_name=original_name)
    job.refresh_from_db()
    return downloads.filename(job, downloads.FORMATS[fmt])


@pytest.mark.parametrize("original_name,expected", [
    ("tubingen.jpg", "tubingen-starry-night.png"),
    ("Tübingen am Neckar.JPG", "tubingen-am-neckar-starry-night.png"),
    ("IMG_2041.final.jpeg", "img-2041-final-starry-night.png"),
    ("東京タワー.jpg", "東京タワー-starry-night.png"),
    ("!!!.jpg", "painting-starry-night.png"),
    ("", "painting-starry-night.png"),
])
def test_it_names_the_file_after_the_photo_and_the_theme(finished_job, original_name, expected):
    assert _name_of(finished_job, original_name) == expected


@pytest.mark.parametrize("original_name", [
    "../../etc/passwd", "..\\..\\boot.ini", 'a"b;c\r\n.jpg', "x" * 300 + ".jpg", "  .jpg", "..",
    "con.jpg", "résumé\u202e.gpj.jpg", "tab\tname.png",
])
def test_an_odd_photo_name_makes_a_safe_file_name(finished_job, original_name):
    name = _name_of(finished_job, original_name, "jpeg")
    assert SAFE_NAME.match(name), name
    assert not name.startswith("-") and "--" not in name and ".." not in name
    assert name.endswith("-starry-night.jpg") and len(name) <= downloads.NAME_MAX + 4


def test_two_themes_are_named_in_the_jobs_order(alice, photo, starry, scream):
    job = services.job_create(owner=alice, photo=photo, themes=[(scream, 1.0), (starry, 2.0)], params={})
    Photo.objects.filter(pk=photo.pk).update(original_name="tubingen.jpg")
    job.refresh_from_db()
    assert downloads.filename(job, downloads.FORMATS["png"]) == "tubingen-the-scream-starry-night.png"


def test_a_painting_whose_photo_is_deleted_is_a_painting(alice_client, finished_job):
    services.photo_delete(photo=finished_job.photo)
    finished_job.refresh_from_db()
    response = _download(alice_client, finished_job, "jpeg")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="painting-starry-night.jpg"'


def test_the_png_is_the_stored_file(alice_client, finished_job):
    response = _download(alice_client, finished_job, "png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="alice-starry-night.png"'
    body = _body(response)
    with finished_job.result.open("rb") as stored:
        assert body == stored.read()
    assert Image.open(io.BytesIO(body)).format == "PNG"


def test_the_jpeg_is_made_from_it_at_quality_95(alice_client, finished_job):
    response = _download(alice_client, finished_job, "jpeg")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'attachment; filename="alice-starry-night.jpg"'
    jpeg = Image.open(io.BytesIO(_body(response)))
    with finished_job.result.open("rb") as stored:
        png = Image.open(stored)
        png.load()
    assert jpeg.format == "JPEG" and jpeg.mode == "RGB" and jpeg.size == png.size
    # Quality 95: every pixel within a few levels of the painting's.
    worst = max(abs(a - b) for p, q in zip(jpeg.get_flattened_data(), png.get_flattened_data())
                for a, b in zip(p, q))
    assert worst <= 12


def test_a_name_in_another_script_is_sent_as_utf8(alice_client, finished_job):
    Photo.objects.filter(pk=finished_job.photo_id).update(original_name="東京.jpg")
    response = _download(alice_client, finished_job, "jpeg")
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E6%9D%B1%E4%BA%AC-starry-night.jpg")


@pytest.mark.parametrize("asked", ["png", "jpeg"])
def test_each_format_keeps_the_etag_and_no_cache(alice_client, finished_job, asked):
    first = _download(alice_client, finished_job, asked)
    assert first["Cache-Control"] == "private, no-cache"
    assert {"Cookie", "Authorization"} <= {v.strip() for v in first["Vary"].split(",")}
    again = _download(alice_client, finished_job, asked, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]


def test_the_jpeg_has_its_own_etag(alice_client, finished_job):
    shown = alice_client.get(reverse("gallery:job-result", args=[finished_job.pk]))
    png, jpeg = (_download(alice_client, finished_job, asked) for asked in ("png", "jpeg"))
    assert png["ETag"] == shown["ETag"]  # the same bytes
    assert jpeg["ETag"] != png["ETag"]
    assert _download(alice_client, finished_job, "jpeg", HTTP_IF_NONE_MATCH=png["ETag"]).status_code == 200


@pytest.mark.parametrize("asked", ["png", "jpeg"])
def test_another_user_or_nobody_gets_404(bob_client, anon_client, finished_job, asked):
    assert _download(bob_client, finished_job, asked).status_code == 404
    assert _download(anon_client, finished_job, asked).status_code == 404


def test_the_owners_api_token_downloads_the_jpeg(anon_client, alice, bob, finished_job):
    mine, bobs = (Token.objects.create(user=user) for user in (alice, bob))
    response = _download(anon_client, finished_job, "jpeg", HTTP_AUTHORIZATION=f"Token {mine.key}")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert _download(anon_client, finished_job, "jpeg",
                     HTTP_AUTHORIZATION=f"Token {bobs.key}").status_code == 404


@pytest.mark.parametrize("asked", ["gif", "../x", "PNG"])
def test_a_format_it_does_not_make(alice_client, finished_job, asked):
    expected = 200 if asked == "PNG" else 404
    assert _download(alice_client, finished_job, asked).status_code == expected


def test_a_job_without_a_result_has_no_download(alice_client, job):
    assert _download(alice_client, job, "jpeg").status_code == 404


def test_a_result_file_gone_from_storage_is_404(alice_client, finished_job):
    finished_job.result.storage.delete(finished_job.result.name)
    assert _download(alice_client, finished_job, "jpeg").status_code == 404
    assert _download(alice_client, finished_job, "png").status_code == 404


def _transparent_left_half(mode: str) -> bytes:
    """A PNG of `mode` whose left half is transparent (over black pixels) and right half red."""
    img = Image.new("RGBA", (40, 20), (0, 0, 0, 0))
    img.paste((230, 20, 20, 255), (20, 0, 40, 20))
    if mode == "LA":
        img = img.convert("LA")
    elif mode == "P":
        img = img.convert("P")  # RGBA to P keeps the transparency as a palette entry
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_the_jpeg_of_a_transparent_result_is_on_white(alice_client, finished_job, mode):
    finished_job.result.save("odd.png", ContentFile(_transparent_left_half(mode)), save=True)
    response = _download(alice_client, finished_job, "jpeg")
    assert response.status_code == 200
    jpeg = Image.open(io.BytesIO(_body(response))).convert("RGB")
    assert jpeg.size == (40, 20)
    assert min(jpeg.getpixel((4, 10))) >= 245  # white, not the black under the transparency
    assert min(jpeg.getpixel((34, 10))) <= 100  # the painted half stays painted


@pytest.mark.parametrize("data,mode", [
    (image_bytes("PNG", mode="L"), "L"),
    (image_bytes("PNG", mode="I;16"), "L"),
    (image_bytes("PNG", mode="RGB", size=(3, 1)), "RGB"),
    (image_bytes("GIF"), "RGB"),
])
def test_the_jpeg_of_an_odd_result_decodes(alice_client, finished_job, data, mode):
    finished_job.result.save("odd.png", ContentFile(data), save=True)
    jpeg = Image.open(io.BytesIO(_body(_download(alice_client, finished_job, "jpeg"))))
    assert jpeg.format == "JPEG" and jpeg.mode == mode


def test_sixteen_bit_grey_is_scaled_not_clipped(finished_job):
    grey = Image.new("I;16", (8, 8), 0x4000)  # a quarter of 16 bits: 64 of 8
    buf = io.BytesIO()
    grey.save(buf, format="PNG")
    finished_job.result.save("grey.png", ContentFile(buf.getvalue()), save=True)
    jpeg = Image.open(io.BytesIO(downloads.encode(finished_job.result, downloads.FORMATS["jpeg"])))
    assert abs(jpeg.getpixel((4, 4)) - 64) <= 2


def test_a_result_stored_as_jpeg_downloads_as_a_png_made_from_it(alice_client, finished_job):
    finished_job.result.save("old.jpg", ContentFile(image_bytes("JPEG")), save=True)
    response = _download(alice_client, finished_job, "png")
    assert response["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(_body(response))).format == "PNG"
    stored = _download(alice_client, finished_job, "jpeg")
    with finished_job.result.open("rb") as f:
        assert _body(stored) == f.read()  # already a JPEG: sent as it is


def test_the_web_process_makes_the_jpeg_without_torch():
    code = ("import io, sys; from django.core.files import File; from PIL import Image; "
            "from gallery import downloads; buf = io.BytesIO(); "
            "Image.new('RGB', (8, 8), 'red').save(buf, 'PNG'); "
            "data = downloads.encode(File(buf, name='r.png'), downloads.FORMATS['jpeg']); "
            "assert data[:2] == b'\\xff\\xd8'; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
