"""Themes' slugs have one convention, lowercase words joined by hyphens: migration 0006 renames
the old underscored ones, install_themes then finds them by their new slug, and a slug that does
not follow it is refused."""
from importlib import import_module

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command

from gallery import services
from gallery.management.commands.install_themes import shipped_themes
from gallery.models import Theme
from gallery_helpers import files_under, upload

pytestmark = pytest.mark.django_db

migration = import_module("gallery.migrations.0006_theme_slug_hyphens")


def _old_theme(slug):
    """A theme as an install before 0006 made it (its slug never validated)."""
    return services.theme_set_image(theme=Theme(slug=slug, title=slug), upload=upload(f"{slug}.jpg"))


def test_every_shipped_slug_is_lowercase_words_and_hyphens():
    for entry in shipped_themes():
        Theme._meta.get_field("slug").run_validators(entry["slug"])


def test_the_migration_hyphenates_underscored_slugs_and_keeps_the_files():
    starry, wave = _old_theme("starry_night"), _old_theme("wave")
    migration.rename_slugs(apps, None)
    starry.refresh_from_db()
    wave.refresh_from_db()
    assert (starry.slug, wave.slug) == ("starry-night", "wave")
    assert starry.image.name.startswith("themes/starry_night/")  # the file keeps its name
    assert starry.image.storage.exists(starry.image.name)


def test_the_migration_never_gives_two_themes_one_slug():
    _old_theme("the_scream")
    _old_theme("the-scream")
    _old_theme("The_Scream")
    migration.rename_slugs(apps, None)
    assert sorted(Theme.objects.values_list("slug", flat=True)) == [
        "the-scream", "the-scream-2", "the-scream-3"]


def test_install_themes_finds_the_renamed_themes_and_installs_nothing_twice(settings):
    call_command("install_themes", stdout=open("/dev/null", "w"))
    # As an old install had them: the shipped themes under their underscored slugs.
    for theme in Theme.objects.all():
        Theme.objects.filter(pk=theme.pk).update(slug=theme.slug.replace("-", "_"))
    Theme.objects.filter(slug="wave").update(title="Edited by staff")
    before = files_under(settings.MEDIA_ROOT)
    migration.rename_slugs(apps, None)
    call_command("install_themes", stdout=open("/dev/null", "w"))
    assert sorted(Theme.objects.values_list("slug", flat=True)) == sorted(
        entry["slug"] for entry in shipped_themes())
    assert Theme.objects.get(slug="wave").title == "Edited by staff"
    assert files_under(settings.MEDIA_ROOT) == before


@pytest.mark.parametrize("slug", ["starry_night", "Starry-Night", "starry night", "starry/night", ""])
def test_a_slug_with_anything_but_lowercase_letters_digits_and_hyphens_is_refused(slug):
    theme = Theme(slug=slug, title="T", image="themes/x.jpg")
    with pytest.raises(ValidationError) as caught:
        theme.full_clean()
    assert "slug" in caught.value.message_dict
