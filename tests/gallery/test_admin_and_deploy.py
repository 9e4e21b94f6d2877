"""The admin pages, and `check --deploy` with production settings."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from gallery.models import Theme
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
        reverse("admin:gallery_job_snapshot", args=[finished_job.snapshots.get().pk]),
    ]:
        assert admin_client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_admin_media_need_staff(alice_client, finished_job):
    response = alice_client.get(reverse("admin:gallery_photo_thumbnail", args=[finished_job.photo.pk]))
    assert response.status_code == 302  # to the admin's login


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
