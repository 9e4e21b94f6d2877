"""Reading, converting and writing images: the only place the engine touches image files.

`load_image` is the single door for every image that comes in (a user's upload, a theme's painting, an
init image). It accepts only a few formats, refuses decompression bombs before decoding, decodes the
whole file (a truncated one fails here, not later), applies the EXIF orientation and returns plain
8-bit RGB. `save_image` writes PNG or JPEG through a temporary file renamed into place, so a failure
never leaves a half-written file, and carries no metadata over (no EXIF, GPS, ICC or text chunks).
Every failure is an `ImageError` whose message is meant for the person who sent the file.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Callable, ContextManager

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from .errors import ImageError

if TYPE_CHECKING:  # torch is imported by the two functions that need it, not by the web process
    import torch

# Our own cap, well below Pillow's (it only warns at 89.5 MP and raises at twice that): 40 MP is
# larger than any phone photo, and decoding it already takes 120 MB as 8-bit RGB.
MAX_PIXELS = 40_000_000

# The formats `Image.open` may try, by Pillow's names. Anything else (ICO, PSD, EPS, PDF...) is
# refused before any plugin parses it.
FORMATS = ("JPEG", "PNG", "WEBP", "TIFF", "BMP", "GIF")

# Extension -> Pillow format for `save_image`.
SAVE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}

NOT_AN_IMAGE = "This file is not an image we can read (JPEG, PNG, WebP, TIFF, BMP or GIF)."
DAMAGED = "The image is truncated or damaged."
EMPTY = "The file is empty."

Source = str | os.PathLike | BinaryIO


def load_image(source: Source, *, max_side: int | None = None,
               max_pixels: int = MAX_PIXELS,
               reserve: Callable[[int], ContextManager] | None = None) -> Image.Image:
    """Read `source` (a path, or a binary file object read from its current position, left open)
    as a fully decoded 8-bit RGB image.

    The EXIF orientation is applied; transparency is composited on white; 16- and 32-bit images are
    scaled down to 8 bits; an animated GIF gives its first frame; colours with an embedded ICC profile
    are converted to sRGB. With `max_side`, the image is downscaled (LANCZOS) so its long side is at
    most `max_side` pixels. Raises `ImageError` for anything that cannot be used.

    `reserve(pixels)`, when given, is entered with the image's pixel count (from its header)
    around the decoding: a server holds the memory of its decodes to a budget with it.
    """
    if max_side is not None and max_side < 1:
        raise ValueError(f"max_side must be at least 1, not {max_side}")
    fp = _open_source(source)
    try:
        im = _open(fp, max_pixels)
        # The reservation ends after the image is closed: its pixels are freed inside it.
        with (reserve or _no_reservation)(im.width * im.height), im:
            if max_side is not None and im.format == "JPEG":
                # Let libjpeg decode at 1/2, 1/4 or 1/8 scale (never below max_side on the short
                # side): a big photo shrunk for the engine decodes several times faster.
                im.draft(im.mode, (max_side, max_side))
            _decode(im)
            img = _to_rgb(_upright(im))
            if max_side is not None and max(img.size) > max_side:
                img = resize_long_side(img, max_side)
    finally:
        if fp is not source:
            fp.close()
    img.info.clear()  # nothing of the original file's metadata travels further
    return img


def save_image(img: Image.Image, path: str | os.PathLike, *, quality: int = 95) -> Path:
    """Write `img` to `path` as PNG or JPEG (by the extension), atomically, with no metadata.

    The image is encoded into a temporary file in the same folder, flushed to disk and renamed over
    `path`, so readers see either the old file or the complete new one, and a failure leaves
    nothing behind. Any mode is converted to RGB first. Returns `path` as a `Path`.
    """
    path = Path(path)
    fmt = SAVE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ImageError(f"Cannot save an image as '{path.name}': the name must end in .png, .jpg "
                         "or .jpeg.")
    if not 1 <= quality <= 100:
        raise ValueError(f"quality must be between 1 and 100, not {quality}")
    rgb = _to_rgb(img)
    # A fresh image built from the pixels alone: whatever was in `img.info` (EXIF, GPS, ICC
    # profile, PNG text, comments) cannot leak into the file.
    clean = Image.frombytes("RGB", rgb.size, rgb.tobytes())
    options = {"quality": quality, "optimize": True} if fmt == "JPEG" else {}

    try:
        return write_atomically(path, lambda f: clean.save(f, format=fmt, **options))
    except OSError as exc:
        raise ImageError(f"Cannot write {path}: {exc.strerror or exc}.") from exc


def write_atomically(path: Path, write) -> Path:
    """Call `write(binary file)` on a temporary file in `path`'s folder, flush it to disk and
    rename it over `path`: readers see the old file or the complete new one, and a failure
    (an OSError, re-raised) leaves nothing behind."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    # O_EXCL: never clobber someone else's file; mode 0o666 so the umask applies as it would
    # to a plain open() (tempfile's 0o600 would hide results from the web server).
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def to_tensor(img: Image.Image) -> torch.Tensor:
    """An image as a float32 tensor (3, H, W) with values in [0, 1]."""
    import torch

    arr = np.array(_to_rgb(img), dtype=np.uint8)  # (H, W, 3), a writable copy
    return torch.from_numpy(arr).permute(2, 0, 1).float().div_(255).contiguous()


def to_image(t: torch.Tensor) -> Image.Image:
    """A tensor (3, H, W) or (1, 3, H, W) in [0, 1] as an RGB image (clamped, rounded)."""
    import torch

    if t.dim() == 4 and t.shape[0] == 1:
        t = t[0]
    if t.dim() != 3 or t.shape[0] != 3:
        raise ValueError(f"expected a tensor of shape (3, H, W), got {tuple(t.shape)}")
    t = torch.nan_to_num(t.detach().float(), nan=0.0).clamp(0, 1).mul(255).round()
    arr = t.to(device="cpu", dtype=torch.uint8).permute(1, 2, 0).contiguous().numpy()  # (H, W, 3)
    return Image.fromarray(arr)


def resize_long_side(img: Image.Image, px: int) -> Image.Image:
    """`img` scaled (up or down, LANCZOS) so its long side is `px`, keeping the aspect ratio."""
    if px < 1:
        raise ValueError(f"the long side must be at least 1 pixel, not {px}")
    w, h = img.size
    scale = px / max(w, h)
    return resize_to(img, (max(1, round(h * scale)), max(1, round(w * scale))))


def resize_to(img: Image.Image, size_hw: tuple[int, int]) -> Image.Image:
    """`img` resized (LANCZOS) to exactly `size_hw` = (height, width), as tensors count sizes."""
    h, w = size_hw
    if h < 1 or w < 1:
        raise ValueError(f"cannot resize to {h}x{w} (height x width)")
    if (w, h) == img.size:
        return img.copy()
    # reducing_gap: a large downscale first reduces by an integer factor (box filter), then
    # applies LANCZOS; indistinguishable from plain LANCZOS and much faster on big photos.
    return img.resize((w, h), Image.Resampling.LANCZOS, reducing_gap=3.0)


def thumbnail(img: Image.Image, px: int) -> Image.Image:
    """A copy of `img` that fits in a `px` x `px` square; never enlarged."""
    return resize_long_side(img, px) if max(img.size) > px else img.copy()


# --- reading, step by step -----------------------------------------------------------------------

@contextlib.contextmanager
def _no_reservation(pixels: int):
    yield


def _open_source(source: Source) -> BinaryIO:
    """A readable binary file positioned at the image's first byte; refuses empty input."""
    if isinstance(source, (str, os.PathLike)):
        try:
            fp = open(source, "rb")
        except IsADirectoryError as exc:
            raise ImageError(NOT_AN_IMAGE) from exc
        except OSError as exc:
            raise ImageError(f"Cannot open {os.fspath(source)}: {exc.strerror or exc}.") from exc
    else:
        fp = source
        if not (hasattr(fp, "seekable") and fp.seekable()):
            # Pillow needs to seek; an unseekable stream (a pipe, a socket) is read into memory.
            fp = io.BytesIO(fp.read())
    try:
        start = fp.tell()
        first = fp.read(1)
        fp.seek(start)
    except BaseException:
        if fp is not source:
            fp.close()
        raise
    if not first:
        if fp is not source:
            fp.close()
        raise ImageError(EMPTY)
    return fp


def _open(fp: BinaryIO, max_pixels: int) -> ImageFile.ImageFile:
    """Identify the image from its header only, and refuse it if it is too large to decode."""
    try:
        with warnings.catch_warnings():
            # Pillow warns (89.5 MP) or raises (179 MP) at its own limits while reading the header.
            # (The warnings filter is process-wide; our own cap below is what protects us anyway.)
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(fp, formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        found = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{int(found.group(1)) / 1e6:.0f} megapixels" if found else "too many pixels"
        raise ImageError(f"The image is too large: {size}; the limit is "
                         f"{_megapixels(max_pixels)}.") from exc
    except UnidentifiedImageError as exc:
        raise ImageError(NOT_AN_IMAGE) from exc
    except Exception as exc:  # a header that fooled a plugin: struct.error, SyntaxError, ...
        raise ImageError(DAMAGED) from exc
    w, h = im.size
    if w * h > max_pixels:
        im.close()
        raise ImageError(f"The image is too large: {w}x{h} pixels; the limit is "
                         f"{_megapixels(max_pixels)}.")
    if w < 1 or h < 1:
        im.close()
        raise ImageError(DAMAGED)
    return im


def _decode(im: ImageFile.ImageFile) -> None:
    """Decode every pixel of the (first) frame now; a truncated or corrupt file fails here."""
    # Pillow's default, restated: with it on, a truncated file would load silently, padded with
    # grey. Something else in the process (a third-party library) may have turned it on.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError("The image is too large to decode safely.") from exc
    except Exception as exc:  # OSError, SyntaxError, ValueError, EOFError, zlib.error, ...
        raise ImageError(DAMAGED) from exc


def _upright(im: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says (a photo taken with the phone on its side)."""
    try:
        return ImageOps.exif_transpose(im)
    except Exception:
        # Malformed EXIF is common in the wild and says nothing about the pixels: keep them as
        # they are rather than refuse the photo.
        return im.copy()


def _to_rgb(im: Image.Image) -> Image.Image:
    """Any Pillow mode as 8-bit RGB, in sRGB where the image carries an ICC profile."""
    mode = im.mode
    if mode == "RGB" and "icc_profile" not in im.info:
        return im.copy()
    if mode.startswith("I") or mode.startswith("F"):  # I;16*, I, F: wider than 8 bits
        return Image.fromarray(_to_uint8(im)).convert("RGB")
    if mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in im.info:
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if mode in ("RGB", "CMYK") and im.info.get("icc_profile"):
        converted = _icc_to_srgb(im)
        if converted is not None:
            return converted
    try:
        # 1, L, P, CMYK (Pillow undoes Adobe's inverted CMYK when it reads the JPEG), YCbCr, ...
        return im.convert("RGB")
    except (ValueError, OSError) as exc:
        raise ImageError(f"The image uses a colour mode we cannot convert ({mode}).") from exc


def _to_uint8(im: Image.Image) -> np.ndarray:
    """A greyscale image deeper than 8 bits as uint8 (H, W): values are scaled, never clipped."""
    a = np.nan_to_num(np.asarray(im).astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    lo, hi = (float(a.min()), float(a.max())) if a.size else (0.0, 0.0)
    if im.mode.startswith("I;16"):
        scaled = a / 257.0        # 16-bit: 65535 -> 255
    elif im.mode == "F" and lo >= 0 and hi <= 1.0:
        scaled = a * 255.0        # the usual convention for float images
    elif lo >= 0 and hi <= 255:
        scaled = a                # 8-bit values carried in a wider mode
    elif lo >= 0 and hi <= 65535:
        scaled = a / 257.0        # mode I holding 16-bit samples, as older Pillows read PNG and TIFF
    else:
        # Any other range (signed, full 32-bit, HDR floats): stretch what is there to 0..255.
        scaled = (a - lo) * (255.0 / (hi - lo))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def _icc_to_srgb(im: Image.Image) -> Image.Image | None:
    """Convert through the embedded ICC profile (Display P3, Adobe RGB, a print CMYK) to sRGB."""
    try:
        from PIL import ImageCms

        src = ImageCms.ImageCmsProfile(io.BytesIO(im.info["icc_profile"]))
        dst = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
        return ImageCms.profileToProfile(im, src, dst, outputMode="RGB")
    except Exception:
        return None  # a broken or unsupported profile: plain conversion is the best we can do


def _megapixels(pixels: int) -> str:
    if pixels >= 1_000_000:
        return f"{pixels / 1e6:g} megapixels"
    return f"{pixels} pixels"
