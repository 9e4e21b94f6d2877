"""Themes' slugs: one convention, lowercase words joined by hyphens (what the admin fills in from a
title). Existing slugs with underscores or capitals are renamed ("starry_night" becomes
"starry-night"); their files keep their names, since no file is found by its theme's slug."""
import re

import gallery.models
from django.db import migrations, models


def hyphenated(slug: str) -> str:
    return re.sub(r"[^a-z0-9-]", "-", slug.lower())


def rename_slugs(apps, schema_editor):
    Theme = apps.get_model("gallery", "Theme")
    taken = set(Theme.objects.values_list("slug", flat=True))
    for theme in Theme.objects.order_by("pk"):
        new = hyphenated(theme.slug)
        if new == theme.slug:
            continue
        # Two old slugs that differ only by "_" and "-" (or case) cannot both have the same one.
        candidate, n = new, 2
        while candidate in taken:
            candidate, n = f"{new}-{n}", n + 1
        taken.discard(theme.slug)
        taken.add(candidate)
        Theme.objects.filter(pk=theme.pk).update(slug=candidate)


class Migration(migrations.Migration):

    dependencies = [
        ("gallery", "0005_studio"),
    ]

    operations = [
        # Hyphenated slugs were valid before, so going back leaves them as they are.
        migrations.RunPython(rename_slugs, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="theme",
            name="slug",
            field=models.CharField(
                help_text="Lowercase letters, digits and hyphens, e.g. the-scream.",
                max_length=64, unique=True, validators=[gallery.models.validate_theme_slug]),
        ),
    ]
