"""Themes (install command, grid), accounts pages (the home page: test_home.py)."""
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from gallery.management.commands.install_themes import THEMES_DIR, shipped_themes
from gallery.models import Theme
from gallery_helpers import files_under
from helpers import PASSWORD

pytestmark = pytest.mark.django_db

PUBLIC_DOMAIN = {"starry-night", "the-scream", "wave", "the-shipwreck-of-the-minotaur", "udnie"}


def test_install_themes_installs_the_five_public_domain_paintings(settings):
    call_command("install_themes", stdout=open("/dev/null", "w"))
    themes = {t.slug: t for t in Theme.objects.all()}
    assert set(themes) == PUBLIC_DOMAIN
    for theme in themes.values():
        assert theme.title and theme.artist and theme.year and theme.source
        assert theme.licence == "Public domain"
        assert theme.image.storage.exists(theme.image.name)
        assert theme.thumbnail.storage.exists(theme.thumbnail.name)


def test_install_themes_makes_every_shipped_theme_instant(settings):
    call_command("install_themes", stdout=open("/dev/null", "w"))
    for entry in shipped_themes():
        theme = Theme.objects.get(slug=entry["slug"])
        assert theme.is_instant, theme.slug
        # The network's record names the painting it learned: its file, not the theme's slug.
        assert theme.network_record["styles"] == [Path(entry["file"]).stem]
        assert theme.network_record["trained_steps"] == theme.network_record["steps"]
        assert theme.network_record["training_set"]["name"] == "debian-wallpaper-photos"
        assert theme.instant_sample.storage.exists(theme.instant_sample.name)
    # A network trained on the site is kept: installing again changes nothing.
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    retrained = default_storage.save("themes/wave/retrained.pt", ContentFile(b"weights"))
    Theme.objects.filter(slug="wave").update(network=retrained)
    call_command("install_themes", stdout=open("/dev/null", "w"))
    assert Theme.objects.get(slug="wave").network.name == retrained


def test_install_themes_gives_each_theme_its_tuned_defaults_and_keeps_staff_edits(settings):
    from engine.params import StyleParams

    call_command("install_themes", stdout=open("/dev/null", "w"))
    shipped = {entry["slug"]: entry.get("default_params", {}) for entry in shipped_themes()}
    for theme in Theme.objects.all():
        assert theme.default_params == shipped[theme.slug]
        StyleParams.from_dict(theme.default_params)  # every shipped default is a valid parameter
    Theme.objects.filter(slug="wave").update(default_params={"style_weight": 99.0})
    call_command("install_themes", stdout=open("/dev/null", "w"))
    assert Theme.objects.get(slug="wave").default_params == {"style_weight": 99.0}
    call_command("install_themes", "--update", stdout=open("/dev/null", "w"))
    assert Theme.objects.get(slug="wave").default_params == shipped["wave"] != {"style_weight": 99.0}


def test_install_themes_is_idempotent_and_keeps_admin_edits(settings):
    call_command("install_themes", stdout=open("/dev/null", "w"))
    Theme.objects.filter(slug="wave").update(title="Edited", is_active=False)
    before = files_under(settings.MEDIA_ROOT)
    call_command("install_themes", stdout=open("/dev/null", "w"))
    assert Theme.objects.count() == 5
    assert files_under(settings.MEDIA_ROOT) == before
    wave = Theme.objects.get(slug="wave")
    assert (wave.title, wave.is_active) == ("Edited", False)


def test_install_themes_restores_a_missing_painting(settings):
    call_command("install_themes", stdout=open("/dev/null", "w"))
    udnie = Theme.objects.get(slug="udnie")
    udnie.image.storage.delete(udnie.image.name)
    call_command("install_themes", stdout=open("/dev/null", "w"))
    udnie.refresh_from_db()
    assert udnie.image.storage.exists(udnie.image.name)


def test_no_non_free_painting_is_shipped():
    shipped = {e["slug"] for e in shipped_themes()} | {p.stem for p in THEMES_DIR.iterdir()}
    assert not {"la-muse", "la_muse", "rain-princess", "rain_princess"} & shipped
    assert {e["slug"] for e in shipped_themes()} == PUBLIC_DOMAIN
    for entry in shipped_themes():
        path = THEMES_DIR / entry["file"]
        assert path.stat().st_size < 500_000  # downscaled to keep the repo small


def test_the_themes_grid_shows_active_paintings(anon_client, starry, scream):
    scream.is_active = False
    scream.save()
    html = anon_client.get(reverse("gallery:themes")).content.decode()
    assert "The Starry Night" in html and "Vincent van Gogh" in html and "1900" in html
    assert reverse("gallery:theme-thumbnail", args=["starry-night"]) in html
    assert "The Scream" not in html


def test_sign_up_creates_the_user_and_logs_in(anon_client):
    response = anon_client.post(reverse("gallery:signup"), {
        "username": "carol", "password1": PASSWORD, "password2": PASSWORD,
    })
    assert response.status_code == 302
    assert response["Location"] == reverse("gallery:photos")
    assert get_user_model().objects.filter(username="carol").exists()
    page = anon_client.get(reverse("gallery:photos"))
    assert page.status_code == 200 and "carol" in page.content.decode()


def test_sign_up_shows_errors(anon_client):
    response = anon_client.post(reverse("gallery:signup"), {"username": "carol", "password1": "x", "password2": "y"})
    assert response.status_code == 200
    assert "didn’t match" in response.content.decode() or "didn't match" in response.content.decode()


def test_log_in_and_log_out(anon_client, alice):
    assert anon_client.get(reverse("login")).status_code == 200
    response = anon_client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert anon_client.get(reverse("gallery:photos")).status_code == 200
    assert anon_client.post(reverse("logout")).status_code == 302
    assert anon_client.get(reverse("gallery:photos")).status_code == 302


def test_password_change_page(alice_client):
    response = alice_client.get(reverse("password_change"))
    assert response.status_code == 200
    assert "Change password" in response.content.decode()


def test_pages_link_the_stylesheet_from_the_repo(anon_client):
    html = anon_client.get(reverse("login")).content.decode()
    assert "/static/css/site.css" in html
    assert "http://" not in html.replace("http://testserver", "") and "https://" not in html
    assert (Path(__file__).resolve().parents[2] / "static" / "css" / "site.css").is_file()
