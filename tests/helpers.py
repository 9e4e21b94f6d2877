"""Helpers the areas' tests share (imported by name: tests/conftest.py puts tests/ on sys.path,
as tests/ is not a package)."""
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

PASSWORD = "a-long-test-password-42"  # long enough for the sign-up form's validators


def shrunk_upload(path, name: str, px: int = 160) -> SimpleUploadedFile:
    """The shared image at `path` shrunk to `px` (faster to decode), as a browser would upload it."""
    img = Image.open(path).convert("RGB")
    img.thumbnail((px, px))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=92)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def database_url() -> str:
    """This test run's database (the test database, SQLite or PostgreSQL), as a DATABASE_URL
    for the processes a test starts."""
    from django.db import connection

    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    return (f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or 'localhost'}:"
            f"{s['PORT'] or 5432}/{s['NAME']}")
