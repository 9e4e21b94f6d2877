"""The admin pages, and `check --deploy` with production settings."""
import os
import re
import secrets
import subprocess
import sys
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import resolve, reverse

from gallery.models import Job, Photo, Theme
from gallery_helpers import files_under, image_bytes, upload

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.django_db
def test_admin_pages_render(admin_client, finished_job, starry):
    for url in [
        reverse("admin:gallery_theme_changelist"),
        reverse("admin:gallery_theme_change", args=[starry.pk]),
        reverse("admin:gallery_photo_changelist"),
        reverse("admin:gallery_photo_change", args=[finished_job.photo.pk]),
        reverse("admin:gallery_job_changelist"),
        reverse("admin:gallery_job_change", args=[finished_job.pk]),
        reverse("admin:gallery_photo_thumbnail", args=[finished_job.photo.pk]),
        reverse("admin:gallery_job_result", args=[finished_job.pk]),
        reverse("admin:gallery_snapshot_image", args=[finished_job.snapshots.get().pk]),
    ]:
        assert admin_client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_admin_media_need_staff(alice_client, finished_job):
    response = alice_client.get(reverse("admin:gallery_photo_thumbnail", args=[finished_job.photo.pk]))
    assert response.status_code == 302  # to the admin's login


# --- every file in the admin through a view that checks who asks, never /media/ (issue 14) -------

@pytest.fixture
def every_file(finished_job, starry_with_network, admin_user):
    """A row of each model with every file it can have: a theme with its network and instant
    sample, a painted job (result, raw result, preview, regions, state, a snapshot), a training
    run with its checkpoint."""
    from gallery.models import TrainingRun

    job = finished_job
    for field, name, data in [("raw_result", "raw.png", image_bytes("PNG")),
                              ("preview", "preview.jpg", image_bytes()),
                              ("regions", "regions.png", image_bytes("PNG")),
                              ("state", "state.pt", b"state")]:
        getattr(job, field).save(name, ContentFile(data), save=False)
    job.save()
    run = TrainingRun.objects.create(theme=starry_with_network, requested_by=admin_user, total=10)
    run.checkpoint.save("checkpoint.pt", ContentFile(b"weights and moments"), save=True)
    return {"theme": starry_with_network, "photo": job.photo, "job": job, "trainingrun": run}


# The site's public views of a theme's images: anyone may see them, as on the themes page.
PUBLIC = ("gallery:theme-image", "gallery:theme-thumbnail", "gallery:theme-instant-sample")


def _file_urls(html: str) -> set[str]:
    """Every <img src> and <a href> of the page that serves a file (the site's /files/ views and
    the admin's <pk>/files/<field>/ ones)."""
    urls = re.findall(r'<(?:img[^>]*\ssrc|a[^>]*\shref)="([^"]+)"', html)
    return {unescape(u) for u in urls if "/files/" in u}


def _is_public(url: str) -> bool:
    match = resolve(urlsplit(url).path)
    return f"{match.namespace}:{match.url_name}" in PUBLIC


@pytest.mark.django_db
def test_the_admin_shows_every_file_through_a_view_that_checks_who_asks(
        admin_client, alice_client, every_file, django_user_model):
    pages = [reverse(f"admin:gallery_{model}_changelist") for model in every_file]
    pages += [reverse(f"admin:gallery_{model}_change", args=[obj.pk])
              for model, obj in every_file.items()]
    served = set()
    for page in pages:
        response = admin_client.get(page)
        html = response.content.decode()
        assert response.status_code == 200, page
        assert "/media/" not in html, page
        served |= _file_urls(html)
    job, theme = every_file["job"], every_file["theme"]
    expected = {
        reverse("gallery:theme-image", args=[theme.slug]),
        reverse("gallery:theme-thumbnail", args=[theme.slug]),
        reverse("gallery:theme-instant-sample", args=[theme.slug]),
        reverse("admin:gallery_theme_network", args=[theme.pk]),
        reverse("admin:gallery_photo_image", args=[job.photo.pk]),
        reverse("admin:gallery_photo_thumbnail", args=[job.photo.pk]),
        reverse("admin:gallery_snapshot_image", args=[job.snapshots.get().pk]),
        reverse("admin:gallery_trainingrun_checkpoint", args=[every_file["trainingrun"].pk]),
        *[reverse(f"admin:gallery_job_{f}", args=[job.pk])
          for f in ("result", "raw_result", "preview", "regions", "state")],
    }
    assert served == expected

    staff_without_permission = django_user_model.objects.create_user(
        "stan", password="x", is_staff=True)
    nosy = Client()
    nosy.force_login(staff_without_permission)
    for url in served:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert b"".join(response.streaming_content)  # the file itself
        if _is_public(url):
            continue
        assert alice_client.get(url).status_code in (302, 403, 404), url
        assert Client().get(url).status_code in (302, 403, 404), url
        assert nosy.get(url).status_code == 403, url


@pytest.mark.django_db
def test_the_admin_offers_networks_states_and_checkpoints_as_downloads(admin_client, every_file):
    job, run = every_file["job"], every_file["trainingrun"]
    theme = every_file["theme"]
    for url, name in [
        (reverse("admin:gallery_theme_network", args=[theme.pk]), f"theme-{theme.pk}-network.pt"),
        (reverse("admin:gallery_job_state", args=[job.pk]), f"job-{job.pk}-state.pt"),
        (reverse("admin:gallery_trainingrun_checkpoint", args=[run.pk]),
         f"trainingrun-{run.pk}-checkpoint.pt"),
    ]:
        assert admin_client.get(url)["Content-Disposition"] == f'attachment; filename="{name}"'
    html = admin_client.get(reverse("admin:gallery_theme_change", args=[theme.pk])).content.decode()
    assert f'download>Download theme-{theme.pk}-network.pt</a> (7\xa0bytes)' in html


@pytest.mark.django_db
def test_a_theme_sent_back_with_errors_keeps_its_images_under_the_saved_slug(admin_client,
                                                                            starry):
    form = {**_theme_form(""), "title": "", "slug": "renamed"}  # no title: sent back
    response = admin_client.post(reverse("admin:gallery_theme_change", args=[starry.pk]), form)
    html = response.content.decode()
    assert response.status_code == 200 and "This field is required" in html
    assert reverse("gallery:theme-image", args=["starry-night"]) in html
    assert "/themes/renamed/" not in html and "/media/" not in html


def _theme_form(image):
    return {
        "title": "Test", "slug": "test", "artist": "", "year": "", "description": "", "source": "",
        "licence": "", "is_active": "on", "order": "0", "default_params": "{}", "image": image,
    }


@pytest.mark.django_db
def test_admin_theme_upload_is_validated_like_a_photo(admin_client, settings):
    bad = upload("fake.jpg", image_bytes(size=(300, 200))[:500])
    response = admin_client.post(reverse("admin:gallery_theme_add"), _theme_form(bad))
    assert response.status_code == 200
    assert "truncated" in response.content.decode() or "valid image" in response.content.decode()
    assert not Theme.objects.exists()
    assert files_under(settings.MEDIA_ROOT) == []


@pytest.mark.django_db
def test_admin_theme_upload_is_reencoded_with_a_thumbnail(admin_client):
    response = admin_client.post(reverse("admin:gallery_theme_add"), _theme_form(upload("p.png", image_bytes("PNG"), "image/png")))
    assert response.status_code == 302
    theme = Theme.objects.get(slug="test")
    assert theme.image.name.endswith(".jpg") and theme.thumbnail.name


def _delete_one(admin_client, model, pk):
    return admin_client.post(reverse(f"admin:gallery_{model}_delete", args=[pk]), {"post": "yes"},
                             follow=True)


def _delete_selected(admin_client, model, pks):
    return admin_client.post(reverse(f"admin:gallery_{model}_changelist"),
                             {"action": "delete_selected", "_selected_action": pks, "post": "yes"},
                             follow=True)


@pytest.fixture
def starry_with_network(starry):
    starry.network.save("net.pt", ContentFile(b"weights"), save=False)
    starry.instant_sample.save("sample.jpg", ContentFile(image_bytes()), save=True)
    return starry


@pytest.mark.django_db
def test_deleting_a_theme_in_the_admin_removes_its_files(admin_client, starry_with_network,
                                                          settings, django_capture_on_commit_callbacks):
    assert len(files_under(settings.MEDIA_ROOT)) == 4  # painting, thumbnail, network, sample
    with django_capture_on_commit_callbacks(execute=True):
        response = _delete_one(admin_client, "theme", starry_with_network.pk)
    assert response.status_code == 200 and "was deleted successfully" in response.content.decode()
    assert not Theme.objects.exists()
    assert files_under(settings.MEDIA_ROOT) == []


@pytest.mark.django_db
def test_deleting_selected_themes_in_the_admin_removes_their_files(
        admin_client, starry_with_network, scream, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _delete_selected(admin_client, "theme", [starry_with_network.pk, scream.pk])
    assert "Successfully deleted 2 themes" in response.content.decode()
    assert not Theme.objects.exists()
    assert files_under(settings.MEDIA_ROOT) == []


@pytest.mark.django_db
@pytest.mark.parametrize("delete", [
    lambda client, theme: _delete_one(client, "theme", theme.pk),
    lambda client, theme: _delete_selected(client, "theme", [theme.pk]),
], ids=["one", "selected"])
def test_the_admin_keeps_a_theme_that_jobs_use_and_says_so(admin_client, finished_job, starry,
                                                            settings, delete):
    before = files_under(settings.MEDIA_ROOT)
    response = delete(admin_client, starry)
    html = response.content.decode()
    assert "Cannot delete theme" in html and "protected related objects" in html
    assert Theme.objects.filter(pk=starry.pk).exists()
    assert files_under(settings.MEDIA_ROOT) == before


@pytest.mark.django_db
@pytest.mark.parametrize("delete", [
    lambda client, theme: _delete_one(client, "theme", theme.pk),
    lambda client, theme: _delete_selected(client, "theme", [theme.pk]),
], ids=["one", "selected"])
def test_a_theme_that_a_job_took_since_the_confirmation_is_kept_with_a_message(
        admin_client, finished_job, starry, settings, monkeypatch, delete):
    # As if the job had been created between the confirmation page and the click.
    from gallery.admin import ThemeAdmin

    monkeypatch.setattr(ThemeAdmin, "get_deleted_objects", lambda *args: ([], {}, set(), []))
    before = files_under(settings.MEDIA_ROOT)
    response = delete(admin_client, starry)
    assert response.status_code == 200
    assert "was not deleted: jobs use it." in response.content.decode()
    assert Theme.objects.filter(pk=starry.pk).exists()
    assert files_under(settings.MEDIA_ROOT) == before


@pytest.mark.django_db
def test_deleting_photos_and_jobs_in_the_admin_removes_their_files(
        admin_client, finished_job, settings, django_capture_on_commit_callbacks):
    photo = finished_job.photo
    theme_files = {Path(settings.MEDIA_ROOT) / name for t in Theme.objects.all()
                   for name in (t.image.name, t.thumbnail.name)}
    with django_capture_on_commit_callbacks(execute=True):
        _delete_selected(admin_client, "job", [finished_job.pk])
        _delete_one(admin_client, "photo", photo.pk)
    assert not Job.objects.exists() and not Photo.objects.exists()
    assert set(files_under(settings.MEDIA_ROOT)) == theme_files


@pytest.mark.django_db
def test_the_admin_refuses_a_slug_that_is_not_lowercase_words_and_hyphens(admin_client, settings):
    for bad in ("la_muse", "La-Muse", "la muse"):
        form = {**_theme_form(upload("p.png", image_bytes("PNG"), "image/png")), "slug": bad}
        response = admin_client.post(reverse("admin:gallery_theme_add"), form)
        assert response.status_code == 200, bad
        assert "lowercase letters, digits and hyphens" in response.content.decode(), bad
    assert not Theme.objects.exists()


def test_check_deploy_with_production_settings_has_no_warnings(tmp_path):
    # The e2e conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; a deployment never has it.
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_HTTPS": "true",
        "DJANGO_ALLOWED_HOSTS": "example.com",
        "STYLE_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "stylesite.settings",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(("variable", "value", "said"), [
    ("STYLE_BACKBONE", "vgg13", "STYLE_BACKBONE must be one of vgg19, vgg16, not 'vgg13'"),
    ("STYLE_DEVICE", "tpu", "STYLE_DEVICE must be auto, cpu, cuda or cuda:N, not 'tpu'"),
    ("STYLE_DEVICES", "cuda:0,gpu1", "STYLE_DEVICES must be a list of auto, cpu, cuda or cuda:N, not 'gpu1'"),
    ("STYLE_WEIGHTS", "/no/such/weights.pth", "STYLE_WEIGHTS must be the path of a file"),
    ("STYLE_MAX_QUEUED_JOBS", "0", "STYLE_MAX_QUEUED_JOBS must be at least 1, not 0"),
    ("STYLE_WORKERS", "two", "STYLE_WORKERS must be an integer, not 'two'"),
])
def test_a_wrong_setting_stops_the_site_at_start_up_with_a_clear_message(tmp_path, variable,
                                                                          value, said):
    env = {**os.environ, "STYLE_DATA_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "stylesite.settings", variable: value}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and said in result.stderr
