"""`python manage.py cleanup_media [--dry-run]`: remove media files nothing points to (see
gallery/cleanup.py; the worker also runs it every hour)."""
from django.core.management.base import BaseCommand

from gallery.cleanup import remove_orphans


class Command(BaseCommand):
    help = "Remove media files and upload spools that no row points to, older than an hour."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only list what would go")

    def handle(self, *args, dry_run, **options):
        removed = remove_orphans(dry_run=dry_run)
        verb = "Would remove" if dry_run else "Removed"
        self.stdout.write(f"{verb} {removed['files']} file(s), {removed['bytes']} bytes.")
