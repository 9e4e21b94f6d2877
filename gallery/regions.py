"""A job's regions: the drawing that says where each theme paints.

Gatys, Ecker, Bethge, Hertzmann and Shechtman, "Controlling Perceptual Factors in Neural Style
Transfer" (2017), spatial control, as engine/regions.py does it: a mask per style image. The
person paints one drawing on the photo, white the subject and black the background, and each
theme row says which part it paints (JobTheme.Region): the subject gets the drawing as its
mask, the background its negative, "everywhere" no mask. Where no theme paints, the photo stays.

The drawing is checked like an upload (decoded by engine.images.load_image, under a byte, pixel
and memory budget), shrunk to at most MAX_SIDE px and kept as an 8-bit grey PNG. Soft edges are
kept, not thresholded: a brush's antialiased rim weighs each pixel partly to each side (the
engine weighs a pixel by its grey), so the two styles meet without a jagged seam. Transparency
counts as white (load_image composites it on white): send an opaque drawing.

Functions here check and convert; storing is services.job_create's, reading the worker's.
"""
from __future__ import annotations

import base64
import binascii
import io
import math
import re

from django.conf import settings
from django.core.exceptions import ValidationError

from . import uploads
from .models import JobTheme

Region = JobTheme.Region

# A drawing needs no more: the engine resizes it to each style layer, the finest of which is
# the painting's own size, and a brush stroke has no detail to lose.
MAX_SIDE = 1024
# The drawing as sent: a brush drawing's PNG is tens of KB; 2 MB leaves room for any sane one.
MAX_BYTES = 2 * 1024 * 1024
# Pixels decoded at most (its header says them before decoding): 4096 x 4096.
MAX_PIXELS = 4096 * 4096
# The same drawing as base64 text (a data URL's header included): what a form or the API takes.
MAX_TEXT = 4 * math.ceil(MAX_BYTES / 3) + 100
# A region covering less than this share of the picture counts as not painted: it would be a
# stray dot, and too small for the deep style layers to see.
MIN_AREA = 0.01
# How far the drawing's width/height may be from the photo's (rounding when it was scaled).
ASPECT_TOLERANCE = 0.02

TOO_LARGE = f"The regions drawing is too large; the limit is {MAX_BYTES // 2**20} MB."

_DATA_URL = re.compile(r"^data:image/[a-z0-9.+-]+;base64,", re.IGNORECASE)


def from_text(text: str) -> bytes:
    """The bytes of a drawing sent as base64 text, bare or as a data URL
    ("data:image/png;base64,..."); ValidationError when it is too long or not base64."""
    if len(text) > MAX_TEXT:
        raise ValidationError(TOO_LARGE, code="too_large")
    body = _DATA_URL.sub("", text.strip(), count=1)
    try:
        data = base64.b64decode("".join(body.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("The regions drawing must be a base64-encoded PNG image "
                              "(or a data: URL of one).", code="invalid") from None
    if not data:
        raise ValidationError("The regions drawing is empty.", code="invalid")
    return data


def drawing(data, *, photo_size: tuple[int, int]):
    """`data` (bytes or a binary file) as an 8-bit grey PIL image ("L"), at most MAX_SIDE px
    long; ValidationError keyed "regions" when it is not an image, too large, or not at the
    proportions of the photo (`photo_size`, width and height)."""
    from engine.errors import ImageError
    from engine.images import load_image

    if not isinstance(data, (bytes, bytearray)):  # a file: read no more than the limit allows
        data.seek(0)
        data = data.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _error(TOO_LARGE, "too_large")
    try:
        img = load_image(io.BytesIO(data), max_side=MAX_SIDE,
                         max_pixels=min(MAX_PIXELS, settings.STYLE_UPLOAD_MAX_PIXELS),
                         reserve=uploads.decode_budget)
    except ImageError as exc:
        raise _error(f"The regions drawing cannot be read: {exc}", "invalid_image") from exc
    w, h = img.size
    pw, ph = photo_size
    if pw and ph and abs((w / h) / (pw / ph) - 1) > ASPECT_TOLERANCE:
        raise _error(f"The regions drawing ({w} × {h}) does not have the photo's proportions "
                     f"({pw} × {ph}): paint the regions again on this photo.", "aspect")
    return img.convert("L")


def check_painted(img, rows) -> None:
    """Every region a theme row paints is painted in the drawing `img` (grey): at least MIN_AREA
    of the picture is white for the subject, black for the background. `rows`: (theme, weight,
    region) per theme."""
    subject = _mean(img) / 255
    areas = {Region.SUBJECT: subject, Region.BACKGROUND: 1 - subject}
    for theme, _, region in rows:
        if region == Region.SUBJECT and areas[region] < MIN_AREA:
            raise _error(f"Paint the subject first: “{theme.title}” paints the subject, and the "
                         "drawing has none.", "no_subject")
        if region == Region.BACKGROUND and areas[region] < MIN_AREA:
            raise _error(f"Leave some background: the subject covers the whole photo, so "
                         f"“{theme.title}” (the background) would paint nowhere.", "no_background")


def png_bytes(img) -> bytes:
    """The drawing as an 8-bit grey PNG, pixels only."""
    buf = io.BytesIO()
    img.convert("L").save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def style_masks(img, regions: list[str]) -> list | None:
    """engine.stylize's `style_masks` for theme rows painting `regions` (one per style image, in
    order) with the drawing `img`: the drawing for the subject, its negative for the
    background, None everywhere; None when every row paints everywhere."""
    from PIL import ImageOps

    if all(region == Region.ALL for region in regions):
        return None
    grey = img.convert("L")
    by_region = {Region.ALL: None, Region.SUBJECT: grey, Region.BACKGROUND: ImageOps.invert(grey)}
    return [by_region[region] for region in regions]


def _mean(img) -> float:
    histogram = img.convert("L").histogram()
    return sum(i * n for i, n in enumerate(histogram)) / max(1, sum(histogram))


def _error(message: str, code: str) -> ValidationError:
    return ValidationError({"regions": ValidationError(message, code=code)})
