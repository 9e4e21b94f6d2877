"""Files nothing points to: removed once they are old enough that no request is still writing them.

A web server killed in the middle of an upload leaves its temporary file (FILE_UPLOAD_TEMP_DIR),
and one killed between saving a photo's file and committing its row leaves a media file with no
row. Every file of every FileField is listed from the database; any other file under MEDIA_ROOT
or in the upload folder older than GRACE is deleted. Runs hourly on the worker (a django-q
Schedule, gallery/worker/schedules.py) and as `manage.py cleanup_media`.
"""
from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models

log = logging.getLogger(__name__)

# Older than this, a file without a row is no request's work in progress (an upload is refused
# long before: STYLE_UPLOAD_MAX_BYTES at any sane speed, and a row commits right after its files).
GRACE = timedelta(hours=1)


def referenced_files() -> set[str]:
    """Every file name a FileField of the gallery's models holds (relative to MEDIA_ROOT)."""
    names: set[str] = set()
    for model in apps.get_app_config("gallery").get_models():
        fields = [f.name for f in model._meta.get_fields() if isinstance(f, models.FileField)]
        for field in fields:
            names.update(n for n in model.objects.exclude(**{field: ""})
                         .values_list(field, flat=True) if n)
    return names


def _old_files(folder: Path, cutoff: float):
    if not folder.is_dir():
        return
    for path in folder.rglob("*"):
        try:
            if path.is_file() and not path.is_symlink() and path.stat().st_mtime < cutoff:
                yield path
        except OSError:  # gone meanwhile
            continue


def remove_orphans(*, grace: timedelta = GRACE, dry_run: bool = False) -> dict:
    """Delete the orphaned media files and stale upload spools older than `grace`; what was
    (or, with `dry_run`, would be) removed, as counts and bytes."""
    cutoff = time.time() - grace.total_seconds()
    media = Path(settings.MEDIA_ROOT)
    keep = referenced_files()
    found = [p for p in _old_files(media, cutoff)
             if p.relative_to(media).as_posix() not in keep]
    found += list(_old_files(Path(settings.FILE_UPLOAD_TEMP_DIR), cutoff))
    removed = {"files": 0, "bytes": 0}
    for path in found:
        try:
            size = path.stat().st_size
            if not dry_run:
                path.unlink()
        except OSError:
            continue
        removed["files"] += 1
        removed["bytes"] += size
        log.info("clean-up: %s %s", "would remove" if dry_run else "removed", path)
    return removed
