"""Regions per theme: the drawing (white the subject, black the background) is checked and kept
by job_create as a grey PNG, each theme row paints its region, "paint again" keeps a copy, the
owner alone can read it, and it goes with the job. The new-painting form sends it as a data URL."""
import base64
import io
from pathlib import Path

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse
from PIL import Image
from rest_framework.authtoken.models import Token

from gallery import cleanup, regions, services
from gallery.forms import JobForm
from gallery.models import Job, JobTheme

pytestmark = pytest.mark.django_db

NEW = reverse("gallery:job-new")
SUBJECT, BACKGROUND, ALL = JobTheme.Region.SUBJECT, JobTheme.Region.BACKGROUND, JobTheme.Region.ALL


def drawing(size=(64, 48), *, subject=0.5, mode="RGB", fmt="PNG") -> bytes:
    """A drawing of `size` whose left `subject` share is white (the subject), the rest black."""
    img = Image.new("L", size, 0)
    img.paste(255, (0, 0, round(size[0] * subject), size[1]))
    buf = io.BytesIO()
    img.convert(mode).save(buf, format=fmt)
    return buf.getvalue()


def data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def stored(field_file) -> Image.Image:
    with field_file.open("rb") as f:
        img = Image.open(io.BytesIO(f.read()))
        img.load()
    return img


def region_files(settings) -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if "regions" in p.parts and p.is_file()]


@pytest.fixture
def two_regions(alice, photo, starry, scream):
    """alice's job: The Starry Night on the subject, The Scream on the background."""
    return services.job_create(owner=alice, photo=photo, params={"iterations": 10},
                               themes=[(starry, 1.0, SUBJECT), (scream, 2.0, BACKGROUND)],
                               regions=drawing())


# --- the service ---------------------------------------------------------------------------------

def test_it_keeps_the_drawing_as_a_grey_png_and_each_row_its_region(two_regions):
    img = stored(two_regions.regions)
    assert (img.format, img.mode, img.size) == ("PNG", "L", (64, 48))
    assert img.getpixel((5, 5)) == 255 and img.getpixel((60, 40)) == 0
    assert "/regions/" in two_regions.regions.name and two_regions.regions.name.startswith("private/")
    rows = list(two_regions.job_themes.values_list("theme__slug", "weight", "region"))
    assert rows == [("starry-night", 1.0, "subject"), ("the-scream", 2.0, "background")]


def test_a_big_drawing_is_kept_at_most_1024_px_with_its_soft_edges(alice, photo, starry):
    img = Image.linear_gradient("L").resize((2048, 1536))  # soft from black to white
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    job = services.job_create(owner=alice, photo=photo, themes=[(starry, 1.0, SUBJECT)],
                              params={}, regions=io.BytesIO(buf.getvalue()))
    kept = stored(job.regions)
    assert kept.size == (1024, 768)
    assert 0 < kept.getpixel((512, 384)) < 255  # greys stay grey: no threshold


def test_rows_painting_everywhere_ignore_the_drawing(alice, photo, starry):
    job = services.job_create(owner=alice, photo=photo, themes=[(starry, 1.0)], params={},
                              regions=drawing())
    assert not job.regions
    assert job.job_themes.get().region == ALL


def test_a_row_painting_a_region_needs_a_drawing(alice, photo, starry, scream):
    with pytest.raises(ValidationError) as exc:
        services.job_create(owner=alice, photo=photo, params={},
                            themes=[(starry, 1.0, SUBJECT), (scream, 1.0)])
    assert exc.value.message_dict["regions"][0].startswith("Paint the subject first")
    assert not Job.objects.exists()


@pytest.mark.parametrize("subject,region,message", [
    (0.0, SUBJECT, "Paint the subject first: “The Starry Night” paints the subject"),
    (0.005, SUBJECT, "Paint the subject first"),  # a stray dot is no subject
    (1.0, BACKGROUND, "Leave some background"),
])
def test_the_region_a_theme_paints_must_be_painted(alice, photo, starry, subject, region, message):
    with pytest.raises(ValidationError) as exc:
        services.job_create(owner=alice, photo=photo, params={}, themes=[(starry, 1.0, region)],
                            regions=drawing(size=(400, 300), subject=subject))
    assert exc.value.message_dict["regions"][0].startswith(message)


@pytest.mark.parametrize("data,message", [
    (b"not an image at all", "The regions drawing cannot be read"),
    (drawing(size=(48, 64)), "The regions drawing (48 × 64) does not have the photo's proportions"),
    (b"\x89PNG" + b"0" * regions.MAX_BYTES, "The regions drawing is too large"),
])
def test_a_drawing_is_checked_like_an_upload(alice, photo, starry, data, message):
    with pytest.raises(ValidationError) as exc:
        services.job_create(owner=alice, photo=photo, params={}, themes=[(starry, 1.0, SUBJECT)],
                            regions=data)
    assert exc.value.message_dict["regions"][0].startswith(message)


def test_an_unknown_region_is_refused(alice, photo, starry):
    with pytest.raises(ValidationError) as exc:
        services.job_create(owner=alice, photo=photo, params={}, themes=[(starry, 1.0, "sky")],
                            regions=drawing())
    assert "themes" in exc.value.message_dict


def test_an_instant_painting_refuses_regions(alice, photo, starry):
    starry.network.name = "themes/starry-night/net.pt"  # an instant theme, as far as the form sees
    starry.save()
    with pytest.raises(ValidationError) as exc:
        services.job_create(owner=alice, photo=photo, params={}, mode=Job.Mode.INSTANT,
                            themes=[(starry, 1.0, SUBJECT)], regions=drawing())
    assert "choose Full painting to paint regions" in exc.value.message_dict["mode"][0]


def test_nothing_is_left_behind_when_the_job_cannot_be_saved(alice, photo, starry, monkeypatch,
                                                             settings):
    def broken(*args, **kwargs):
        raise IntegrityError("the database said no")

    monkeypatch.setattr(JobTheme.objects, "bulk_create", broken)
    with pytest.raises(IntegrityError):
        services.job_create(owner=alice, photo=photo, params={}, themes=[(starry, 1.0, SUBJECT)],
                            regions=drawing())
    assert not Job.objects.exists()
    assert region_files(settings) == []


def test_deleting_the_job_deletes_its_drawing(two_regions, settings,
                                              django_capture_on_commit_callbacks):
    assert len(region_files(settings)) == 1
    assert two_regions.regions.name in cleanup.referenced_files()  # the clean-up keeps it meanwhile
    with django_capture_on_commit_callbacks(execute=True):
        services.job_delete(job=two_regions)
    assert region_files(settings) == []


def test_painting_again_keeps_a_copy_of_the_drawing_and_the_regions(
        two_regions, django_capture_on_commit_callbacks):
    again = services.job_rerun(job=two_regions)
    assert again.regions.name != two_regions.regions.name
    assert stored(again.regions).tobytes() == stored(two_regions.regions).tobytes()
    assert list(again.job_themes.values_list("region", flat=True)) == ["subject", "background"]
    with django_capture_on_commit_callbacks(execute=True):
        services.job_delete(job=two_regions)  # the copy is the new job's own
    assert stored(again.regions).size == (64, 48)


def test_painting_again_with_a_new_drawing_uses_it(two_regions):
    again = services.job_rerun(job=two_regions, regions=drawing(subject=0.25))
    assert stored(again.regions).getpixel((20, 5)) == 0


# --- who may see it ------------------------------------------------------------------------------

def test_only_the_owner_can_read_the_drawing(two_regions, bob, alice_client, bob_client,
                                             anon_client):
    url = reverse("gallery:job-regions", args=[two_regions.pk])
    response = alice_client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "private" in response["Cache-Control"]
    assert bob_client.get(url).status_code == 404
    assert anon_client.get(url).status_code == 404
    bobs_token = Token.objects.get_or_create(user=bob)[0].key
    assert anon_client.get(url, HTTP_AUTHORIZATION=f"Token {bobs_token}").status_code == 404


def test_a_job_without_regions_has_no_drawing_to_read(alice_client, job):
    assert alice_client.get(reverse("gallery:job-regions", args=[job.pk])).status_code == 404


# --- the pages -----------------------------------------------------------------------------------

def _form_data(photo, rows, **extra) -> dict:
    """What the browser sends: every field as the form first shows it, then `rows` and `extra`."""
    form = JobForm(user=photo.owner)
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = list(value) if isinstance(value, (list, tuple)) else str(value)
    data.update({"photo": photo.pk, "mode": "full", "size": "64", "iterations": "10",
                 "themes-TOTAL_FORMS": len(rows), "themes-INITIAL_FORMS": 0,
                 "themes-MIN_NUM_FORMS": 1, "themes-MAX_NUM_FORMS": 5, **extra})
    for i, row in enumerate(rows):
        data.update({f"themes-{i}-{name}": value for name, value in row.items()})
    return data


def test_the_form_sends_the_drawing_and_each_rows_region(alice_client, photo, starry, scream):
    rows = [{"theme": "starry-night", "weight": "1", "region": "subject"},
            {"theme": "the-scream", "weight": "1", "region": "background"}]
    response = alice_client.post(NEW, _form_data(photo, rows, regions=data_url(drawing())))
    assert response.status_code == 302, response.context["form"].errors
    job = Job.objects.get()
    assert stored(job.regions).mode == "L"
    assert list(job.job_themes.values_list("region", flat=True)) == ["subject", "background"]


def test_a_form_without_regions_paints_everywhere(alice_client, photo, starry):
    rows = [{"theme": "starry-night", "weight": "1"}]  # no JS: the "Where" select is not sent
    assert alice_client.post(NEW, _form_data(photo, rows)).status_code == 302
    job = Job.objects.get()
    assert not job.regions and job.job_themes.get().region == ALL


@pytest.mark.parametrize("value,message", [
    ("data:image/png;base64,%%%not-base64%%%", "must be a base64-encoded PNG"),
    ("A" * (regions.MAX_TEXT + 1), "The regions drawing is too large"),
])
def test_a_malformed_or_huge_drawing_is_a_clear_error(alice_client, photo, starry, value, message):
    rows = [{"theme": "starry-night", "weight": "1", "region": "subject"}]
    response = alice_client.post(NEW, _form_data(photo, rows, regions=value))
    assert response.status_code == 400
    assert message in response.context["form"].errors["regions"][0]
    assert not Job.objects.exists()


def test_an_empty_subject_is_said_on_the_form(alice_client, photo, starry):
    rows = [{"theme": "starry-night", "weight": "1", "region": "subject"}]
    response = alice_client.post(NEW, _form_data(photo, rows,
                                                 regions=data_url(drawing(subject=0.0))))
    assert response.status_code == 400
    assert "Paint the subject first" in response.context["form"].errors["regions"][0]
    assert "Paint the subject first" in response.content.decode()


def test_paint_again_opens_the_form_with_the_regions(alice_client, two_regions):
    response = alice_client.get(NEW, {"again": two_regions.pk})
    formset = response.context["formset"]
    assert [row["region"].value() for row in formset.forms] == ["subject", "background"]
    url = reverse("gallery:job-regions", args=[two_regions.pk])
    assert f'data-regions-url="{url}"' in response.content.decode()


def test_the_job_page_says_where_each_theme_paints(alice_client, two_regions):
    page = alice_client.get(reverse("gallery:job-detail", args=[two_regions.pk])).content.decode()
    assert 'data-region="subject">the subject<' in page
    assert 'data-region="background">the background<' in page
    assert reverse("gallery:job-regions", args=[two_regions.pk]) in page


def test_the_job_page_of_a_job_without_regions_says_nothing_of_them(alice_client, job):
    page = alice_client.get(reverse("gallery:job-detail", args=[job.pk])).content.decode()
    assert "data-region=" not in page and "data-regions-thumb" not in page
