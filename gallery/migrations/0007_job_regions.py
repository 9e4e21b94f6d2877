"""Regions per theme: a job's regions drawing (a grey PNG, white the subject) and the part of it
each of its themes paints (all, subject, background; existing rows paint everywhere)."""

import gallery.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('gallery', '0006_theme_slug_hyphens'),
    ]

    operations = [
        migrations.AddField(
            model_name='job',
            name='regions',
            field=models.ImageField(blank=True, upload_to=gallery.models.job_regions_path),
        ),
        migrations.AddField(
            model_name='jobtheme',
            name='region',
            field=models.CharField(choices=[('all', 'Everywhere'), ('subject', 'Subject'), ('background', 'Background')], default='all', max_length=16),
        ),
    ]
