"""Image makers and small helpers for the gallery's tests."""
import io
import struct
import zlib
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_bytes(fmt="JPEG", *, size=(64, 48), mode="RGB", color=(200, 120, 40), **save) -> bytes:
    """A small image of `mode` in `fmt`, with a gradient so it is not flat."""
    img = Image.new(mode, size, color if mode not in ("I;16", "L", "1") else 0)
    if mode == "I;16":
        img = Image.frombytes("I;16", size, bytes(range(256)) * (size[0] * size[1] * 2 // 256 + 1))
        img = img.crop((0, 0) + size) if img.size != size else img
    buf = io.BytesIO()
    img.save(buf, format=fmt, **save)
    return buf.getvalue()


def upload(name="photo.jpg", data=None, content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes() if data is None else data, content_type=content_type)


def exif_rotated_jpeg(size=(80, 40)) -> bytes:
    """A landscape JPEG whose EXIF says "rotate 90°" (orientation 6), with a GPS tag to strip."""
    img = Image.new("RGB", size, (10, 200, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW to display
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 29.0)}  # GPSInfo
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif.tobytes())
    return buf.getvalue()


def png_bomb(width=50_000, height=50_000) -> bytes:
    """A PNG whose header claims width x height pixels, with a few bytes of data: a bomb."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def files_under(root) -> list[Path]:
    root = Path(root)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
