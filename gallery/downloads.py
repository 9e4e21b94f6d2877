"""A painting as a file to keep: its name (the photo's and the themes', `tubingen-starry-night.png`)
and its formats, PNG as stored or a JPEG made from it on the fly.

The web process makes the JPEG with Pillow alone (no torch here): the stored result is small (at
most STYLE_MAX_SIZE on its long side), so encoding it takes a fraction of a second.
"""
import io
from dataclasses import dataclass
from pathlib import PurePath

from django.utils.text import slugify
from PIL import Image

JPEG_QUALITY = 95
STEM_MAX = 40  # characters of the photo's name kept in the file's name
NAME_MAX = 150  # characters before the extension: every file system takes it, in UTF-8 too
NO_PHOTO = "painting"  # the stem when the photo is deleted or its name has no letters


@dataclass(frozen=True)
class Format:
    key: str  # what `?download=` says
    extension: str
    content_type: str
    pillow: str  # Pillow's name of the format


FORMATS = {f.key: f for f in (
    Format("png", ".png", "image/png", "PNG"),
    Format("jpeg", ".jpg", "image/jpeg", "JPEG"),
)}
# `?download=1`, what the API documented first, is the file as stored: the PNG.
ALIASES = {"1": "png", "jpg": "jpeg"}


def format_named(value: str) -> Format | None:
    """The format `?download=<value>` asks for; None for one we do not make."""
    return FORMATS.get(ALIASES.get(value.lower(), value.lower()))


def filename(job, fmt: Format) -> str:
    """`tubingen-starry-night.png`: the photo's name, then the themes' slugs in the job's order.
    Only letters, digits and hyphens: no path, no quote, nothing a file system refuses."""
    photo = job.photo
    stem = _slug(PurePath(photo.original_name).stem) if photo else ""
    themes = [jt.theme.slug for jt in job.job_themes.select_related("theme")]
    name = "-".join([stem or NO_PHOTO, *themes])[:NAME_MAX].rstrip("-")
    return name + fmt.extension


def _slug(text: str) -> str:
    # ASCII when the name has it ("Tübingen" is "tubingen"); a name in another script keeps its
    # letters ("東京"); "_" and "." separate words like spaces.
    text = text.replace("_", " ").replace(".", " ")
    slug = slugify(text) or slugify(text, allow_unicode=True)
    return slug[:STEM_MAX].strip("-")


def is_stored_as(field_file, fmt: Format) -> bool:
    """Whether the stored file is already in `fmt`: then it is sent as it is."""
    return PurePath(field_file.name).suffix.lower() in (fmt.extension, f".{fmt.key}")


def encode(field_file, fmt: Format) -> bytes:
    """The stored image in `fmt` (a JPEG at quality 95). Raises OSError when it cannot be read."""
    with field_file.open("rb") as handle, Image.open(handle) as image:
        image.load()
        if fmt.pillow == "JPEG":
            image = _opaque(image)
        buffer = io.BytesIO()
        image.save(buffer, format=fmt.pillow, quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def _opaque(image: Image.Image) -> Image.Image:
    """RGB or greyscale, as JPEG holds them: transparency over white (dropping the alpha channel
    would show whatever colour the transparent pixels happen to hold), 16-bit scaled to 8."""
    if image.mode in ("RGB", "L"):
        return image
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode.startswith("I"):  # 16- or 32-bit greyscale: convert() would clip, not scale
        return image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        image = image.convert("RGBA")
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image, mask=image.getchannel("A"))
        return flat
    return image.convert("RGB")
