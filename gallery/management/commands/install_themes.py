"""Install the public-domain paintings shipped in gallery/themes/ as themes. Idempotent.

A theme that already exists keeps what staff changed in the admin (title, order, active flag,
default parameters...); only a missing painting file is restored. --update overwrites the
metadata and the default parameters with the shipped values. A theme without an instant network gets the one shipped in
gallery/themes/networks/ (trained by `python -m engine train`, see the README there), so a fresh
install paints instantly from its first minute; a network trained on the site is kept.

Themes are found by their slug (hyphens, "starry-night"; migration 0006 renamed the old
underscored ones); the files they come from keep their names ("starry_night.jpg").
"""
import json
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gallery import services
from gallery.models import Theme

THEMES_DIR = Path(__file__).resolve().parents[2] / "themes"
NETWORKS_DIR = THEMES_DIR / "networks"
METADATA = ("title", "artist", "year", "description", "source", "licence")


def shipped_themes() -> list[dict]:
    return json.loads((THEMES_DIR / "themes.json").read_text(encoding="utf-8"))


class Command(BaseCommand):
    help = "Install (or repair) the default themes: public-domain paintings shipped with the app."

    def add_arguments(self, parser):
        parser.add_argument("--update", action="store_true", help="overwrite title, artist, ... with the shipped values")

    def handle(self, *args, update=False, **options):
        created = repaired = unchanged = networks = 0
        for order, entry in enumerate(shipped_themes()):
            path = THEMES_DIR / entry["file"]
            if not path.is_file():
                raise CommandError(f"missing painting {path}")
            with transaction.atomic():
                theme = Theme.objects.filter(slug=entry["slug"]).first()
                is_new = theme is None
                if is_new:
                    theme = Theme(slug=entry["slug"], order=order * 10)
                if is_new or update:
                    for name in METADATA:
                        setattr(theme, name, entry.get(name, ""))
                    # Tuned per painting (bench/contact_sheet.py) so none overwhelms the photo.
                    theme.default_params = entry.get("default_params", {})
                needs_image = is_new or not _present(theme.image) or not _present(theme.thumbnail)
                if needs_image:
                    with path.open("rb") as fh:
                        services.theme_set_image(theme=theme, upload=File(fh, name=path.name))
                elif update:
                    theme.save()
            network = NETWORKS_DIR / entry["network"]
            if network.is_file() and not _present(theme.network):
                services.theme_set_network(theme=theme, network=network.read_bytes())
                networks += 1
            if is_new:
                created += 1
            elif needs_image:
                repaired += 1
            else:
                unchanged += 1
        self.stdout.write(self.style.SUCCESS(
            f"Themes: {created} installed, {repaired} repaired, {unchanged} already present; "
            f"{networks} instant network(s) installed."
        ))


def _present(field_file) -> bool:
    return bool(field_file and field_file.name and field_file.storage.exists(field_file.name))
