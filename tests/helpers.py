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
