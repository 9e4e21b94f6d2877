"""engine.images: every way an image can arrive, every way it can be bad, and atomic saving.

Fixture images are made here with Pillow (or by hand, for PNGs Pillow will not write).
"""
from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
import torch
from PIL import ExifTags, Image, ImageFile, PngImagePlugin

from engine.errors import ImageError
from engine.images import (
    MAX_PIXELS, load_image, resize_long_side, resize_to, save_image, thumbnail, to_image,
    to_tensor,
)

RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)


def png_bytes(width: int, height: int, *, bit_depth: int, color_type: int,
              rows: bytes | None) -> bytes:
    """A PNG written by hand; `rows=None` gives a header with no pixel data at all."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    idat = chunk(b"IDAT", zlib.compress(rows)) if rows is not None else b""
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + idat + chunk(b"IEND", b"")


def noise(size=(64, 48), seed=0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


def halves(size=(40, 20)) -> Image.Image:
    """Left half red, right half blue: easy to see where a rotation put things."""
    img = Image.new("RGB", size, RED)
    img.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    return img


def near(pixel, expected, tol=8) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(pixel, expected))


# --- modes -------------------------------------------------------------------------------------

def test_it_reads_rgb_as_it_is(tmp_path):
    src = noise()
    src.save(tmp_path / "a.png")
    img = load_image(tmp_path / "a.png")
    assert img.mode == "RGB"
    assert np.array_equal(np.asarray(img), np.asarray(src))


def test_it_composites_rgba_on_white(tmp_path):
    src = Image.new("RGBA", (8, 8), (255, 0, 0, 0))        # fully transparent red
    src.paste((0, 0, 255, 255), (0, 0, 4, 8))              # opaque blue on the left
    src.paste((0, 0, 0, 128), (4, 0, 8, 4))                # half-transparent black
    src.save(tmp_path / "a.png")
    img = load_image(tmp_path / "a.png")
    assert img.mode == "RGB"
    assert img.getpixel((1, 1)) == BLUE
    assert img.getpixel((6, 6)) == WHITE
    assert near(img.getpixel((6, 1)), (127, 127, 127), tol=2)


def test_it_composites_la_on_white(tmp_path):
    src = Image.new("LA", (8, 8), (0, 0))
    src.paste((50, 255), (0, 0, 4, 8))
    src.save(tmp_path / "a.png")
    img = load_image(tmp_path / "a.png")
    assert img.getpixel((1, 1)) == (50, 50, 50)
    assert img.getpixel((6, 1)) == WHITE


def test_it_reads_a_palette_image(tmp_path):
    halves().convert("P", palette=Image.Palette.ADAPTIVE, colors=4).save(tmp_path / "a.png")
    img = load_image(tmp_path / "a.png")
    assert img.mode == "RGB"
    assert img.getpixel((0, 0)) == RED and img.getpixel((39, 0)) == BLUE


def test_it_composites_a_palette_image_with_transparency_on_white(tmp_path):
    src = halves().convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    transparent = src.getpixel((39, 0))                    # the blue entry
    src.save(tmp_path / "a.png", transparency=transparent)
    src.save(tmp_path / "a.gif", transparency=transparent)
    for name in ("a.png", "a.gif"):
        img = load_image(tmp_path / name)
        assert img.mode == "RGB"
        assert img.getpixel((0, 0)) == RED
        assert img.getpixel((39, 0)) == WHITE


@pytest.mark.parametrize("mode", ["L", "1"])
def test_it_reads_greyscale_and_bilevel(tmp_path, mode):
    src = Image.new("L", (8, 8), 0)
    src.paste(255, (4, 0, 8, 8))
    src.convert(mode).save(tmp_path / "a.png")
    img = load_image(tmp_path / "a.png")
    assert img.mode == "RGB"
    assert img.getpixel((0, 0)) == (0, 0, 0) and img.getpixel((7, 0)) == WHITE


def test_it_reads_a_cmyk_jpeg(tmp_path):
    Image.new("CMYK", (16, 16), (0, 255, 255, 0)).save(tmp_path / "a.jpg")
    img = load_image(tmp_path / "a.jpg")
    assert img.mode == "RGB"
    assert near(img.getpixel((8, 8)), RED)


def test_it_scales_a_16_bit_greyscale_png_down_instead_of_clipping_it(tmp_path):
    ramp = np.tile(np.linspace(0, 65535, 256).astype(np.uint16), (4, 1))   # (4, 256)
    src = Image.fromarray(ramp)
    assert src.mode == "I;16"
    src.save(tmp_path / "a.png")
    img = load_image(tmp_path / "a.png")
    grey = np.asarray(img)[..., 0].astype(int)
    assert img.mode == "RGB"
    assert not (grey == 255).all()
    assert grey[0, 0] == 0 and grey[0, -1] == 255
    assert abs(grey[0, 128] - 128) <= 1
    assert (np.diff(grey[0]) >= 0).all()


def test_it_reads_a_16_bit_rgb_png(tmp_path):
    row = b"\x00" + struct.pack(">HHH", 65535, 32768, 0) * 4
    (tmp_path / "a.png").write_bytes(png_bytes(4, 2, bit_depth=16, color_type=2, rows=row * 2))
    img = load_image(tmp_path / "a.png")
    assert img.mode == "RGB"
    assert near(img.getpixel((0, 0)), (255, 128, 0), tol=1)


def test_it_scales_a_32_bit_integer_image(tmp_path):
    ramp = np.tile(np.linspace(0, 65535, 64).astype(np.int32), (4, 1))
    Image.fromarray(ramp).save(tmp_path / "a.tif")
    assert Image.open(tmp_path / "a.tif").mode == "I"
    grey = np.asarray(load_image(tmp_path / "a.tif"))[..., 0].astype(int)
    assert grey[0, 0] == 0 and grey[0, -1] == 255 and abs(grey[0, 32] - 132) <= 2


@pytest.mark.parametrize(("lo", "hi"), [(0.0, 1.0), (-5.0, 1000.0)])
def test_it_scales_a_float_image(tmp_path, lo, hi):
    ramp = np.tile(np.linspace(lo, hi, 64).astype(np.float32), (4, 1))
    Image.fromarray(ramp).save(tmp_path / "a.tif")
    assert Image.open(tmp_path / "a.tif").mode == "F"
    grey = np.asarray(load_image(tmp_path / "a.tif"))[..., 0].astype(int)
    assert grey[0, 0] == 0 and grey[0, -1] == 255
    assert (np.diff(grey[0]) >= 0).all() and 100 < grey[0, 32] < 156


def test_it_reads_a_ycbcr_tiff(tmp_path):
    Image.new("RGB", (8, 8), RED).convert("YCbCr").save(tmp_path / "a.tif")
    img = load_image(tmp_path / "a.tif")
    assert img.mode == "RGB" and near(img.getpixel((4, 4)), RED)


@pytest.mark.parametrize("ext", ["jpg", "png", "webp", "tif", "bmp", "gif"])
def test_it_reads_every_accepted_format(tmp_path, ext):
    halves().save(tmp_path / f"a.{ext}")
    img = load_image(tmp_path / f"a.{ext}")
    assert img.size == (40, 20)
    assert near(img.getpixel((2, 10)), RED, tol=40) and near(img.getpixel((37, 10)), BLUE, tol=40)


def test_it_takes_the_first_frame_of_an_animated_gif(tmp_path):
    frames = [Image.new("RGB", (8, 8), c) for c in (RED, BLUE, WHITE)]
    frames[0].save(tmp_path / "a.gif", save_all=True, append_images=frames[1:], duration=50)
    assert Image.open(tmp_path / "a.gif").n_frames == 3
    assert load_image(tmp_path / "a.gif").getpixel((4, 4)) == RED


def test_it_reads_from_a_file_object_and_leaves_it_open(tmp_path):
    buf = io.BytesIO()
    halves().save(buf, "PNG")
    buf.seek(0)
    img = load_image(buf)
    assert img.size == (40, 20) and not buf.closed
    with open(tmp_path / "a.png", "wb") as f:
        f.write(buf.getvalue())
    with open(tmp_path / "a.png", "rb") as f:
        assert load_image(f).size == (40, 20)


def test_it_returns_an_image_free_of_the_file_and_of_its_metadata(tmp_path):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Camera"
    halves().save(tmp_path / "a.jpg", exif=exif)
    img = load_image(tmp_path / "a.jpg")
    (tmp_path / "a.jpg").unlink()
    assert img.getpixel((2, 2)) is not None
    assert img.info == {}


def test_it_keeps_the_colours_of_an_image_tagged_srgb(tmp_path):
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    src = noise()
    src.save(tmp_path / "a.png", icc_profile=srgb)
    img = load_image(tmp_path / "a.png")
    diff = np.abs(np.asarray(img).astype(int) - np.asarray(src).astype(int))
    assert diff.max() <= 2 and img.info == {}


def test_it_ignores_a_broken_icc_profile(tmp_path):
    src = noise()
    src.save(tmp_path / "a.png", icc_profile=b"not a profile at all")
    assert np.array_equal(np.asarray(load_image(tmp_path / "a.png")), np.asarray(src))


# --- orientation and size ----------------------------------------------------------------------

@pytest.mark.parametrize(("orientation", "size", "red_at", "blue_at"), [
    (1, (40, 20), (2, 10), (37, 10)),
    (3, (40, 20), (37, 10), (2, 10)),       # turned 180 degrees
    (6, (20, 40), (10, 2), (10, 37)),       # phone held upright: turned 90 degrees clockwise
    (8, (20, 40), (10, 37), (10, 2)),       # turned 90 degrees anticlockwise
])
def test_it_applies_the_exif_orientation(tmp_path, orientation, size, red_at, blue_at):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    halves().save(tmp_path / "a.jpg", exif=exif, quality=95)
    img = load_image(tmp_path / "a.jpg")
    assert img.size == size
    assert near(img.getpixel(red_at), RED, tol=30)
    assert near(img.getpixel(blue_at), BLUE, tol=30)


def test_it_ignores_a_malformed_exif_block(tmp_path):
    halves().save(tmp_path / "a.jpg", exif=b"Exif\x00\x00garbage that is not a TIFF header")
    assert load_image(tmp_path / "a.jpg").size == (40, 20)


@pytest.mark.parametrize("ext", ["png", "jpg"])
def test_it_limits_the_long_side_to_max_side(tmp_path, ext):
    noise((300, 200)).save(tmp_path / f"a.{ext}")
    assert load_image(tmp_path / f"a.{ext}", max_side=60).size == (60, 40)
    assert load_image(tmp_path / f"a.{ext}", max_side=1000).size == (300, 200)


def test_it_limits_the_long_side_after_turning_the_image(tmp_path):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    noise((300, 200)).save(tmp_path / "a.jpg", exif=exif)
    assert load_image(tmp_path / "a.jpg", max_side=60).size == (40, 60)


# --- bad input ---------------------------------------------------------------------------------

def test_it_rejects_a_text_file(tmp_path):
    (tmp_path / "a.jpg").write_text("hello, I am not a picture\n")
    with pytest.raises(ImageError, match="not an image we can read"):
        load_image(tmp_path / "a.jpg")


@pytest.mark.parametrize("fmt", ["ICO", "PDF", "EPS", "PSD"])
def test_it_rejects_a_format_it_does_not_accept(tmp_path, fmt):
    path = tmp_path / "a.bin"
    if fmt == "PSD":
        # Pillow cannot write PSD: a header is enough, since it is refused before any decoding.
        path.write_bytes(b"8BPS\x00\x01" + b"\x00" * 6 + struct.pack(">HIIHH", 3, 8, 8, 8, 3)
                         + b"\x00" * 64)
    elif fmt == "EPS":
        path.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 8 8\n")
    else:
        halves().save(path, fmt)
    with pytest.raises(ImageError, match="not an image we can read"):
        load_image(path)


def test_it_rejects_an_empty_file(tmp_path):
    (tmp_path / "a.png").write_bytes(b"")
    with pytest.raises(ImageError, match="^The file is empty.$"):
        load_image(tmp_path / "a.png")
    with pytest.raises(ImageError, match="empty"):
        load_image(io.BytesIO(b""))


def test_it_rejects_a_file_that_does_not_exist(tmp_path):
    with pytest.raises(ImageError, match="Cannot open"):
        load_image(tmp_path / "missing.png")


@pytest.mark.parametrize("ext", ["jpg", "png", "webp", "gif"])
def test_it_rejects_a_truncated_image(tmp_path, ext):
    noise((128, 96)).save(tmp_path / f"a.{ext}")
    data = (tmp_path / f"a.{ext}").read_bytes()
    (tmp_path / f"b.{ext}").write_bytes(data[: len(data) // 2])
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    with pytest.raises(ImageError, match="^The image is truncated or damaged.$"):
        load_image(tmp_path / f"b.{ext}")


def test_it_rejects_a_truncated_jpeg_even_if_someone_allowed_truncated_images(tmp_path,
                                                                              monkeypatch):
    noise((128, 96)).save(tmp_path / "a.jpg")
    data = (tmp_path / "a.jpg").read_bytes()
    (tmp_path / "b.jpg").write_bytes(data[: len(data) // 2])
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(ImageError, match="truncated"):
        load_image(tmp_path / "b.jpg")


def test_it_rejects_a_png_with_corrupt_pixel_data(tmp_path):
    rows = (b"\x00" + b"\x80" * 24) * 8
    data = bytearray(png_bytes(8, 8, bit_depth=8, color_type=2, rows=rows))
    start = data.index(b"IDAT") + 8
    data[start:start + 6] = b"\xff" * 6                    # zlib stream ruined (CRC not fixed)
    (tmp_path / "a.png").write_bytes(bytes(data))
    with pytest.raises(ImageError, match="damaged"):
        load_image(tmp_path / "a.png")


@pytest.mark.parametrize(("side", "pixels"), [(20000, "400 megapixels"),   # Pillow would raise
                                              (10000, "100 megapixels")])  # Pillow would warn
def test_it_rejects_a_decompression_bomb_without_decoding_it(tmp_path, side, pixels):
    # The header claims side x side pixels; there is no pixel data at all.
    (tmp_path / "bomb.png").write_bytes(png_bytes(side, side, bit_depth=8, color_type=2,
                                                  rows=None))
    with pytest.raises(ImageError, match=rf"too large: ({pixels}|{side}x{side} pixels); "
                                         r"the limit is 40 megapixels"):
        load_image(tmp_path / "bomb.png")


def test_it_rejects_a_valid_image_above_its_own_cap(tmp_path):
    # 7000 x 6000 = 42 MP: under Pillow's limits, above ours. Bilevel so it stays cheap.
    Image.new("1", (7000, 6000), 1).save(tmp_path / "big.png")
    with pytest.raises(ImageError, match=r"^The image is too large: 7000x6000 pixels; "
                                         r"the limit is 40 megapixels\.$"):
        load_image(tmp_path / "big.png")
    assert MAX_PIXELS == 40_000_000


def test_it_rejects_an_image_above_a_caller_s_cap(tmp_path):
    halves().save(tmp_path / "a.png")
    with pytest.raises(ImageError, match="40x20 pixels; the limit is 500 pixels"):
        load_image(tmp_path / "a.png", max_pixels=500)


# --- saving ------------------------------------------------------------------------------------

def test_it_saves_a_png_losslessly(tmp_path):
    src = noise()
    out = save_image(src, tmp_path / "out.png")
    assert out == tmp_path / "out.png"
    with Image.open(out) as img:
        assert img.format == "PNG"
        assert np.array_equal(np.asarray(img.convert("RGB")), np.asarray(src))
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]


@pytest.mark.parametrize("ext", [".jpg", ".jpeg", ".JPG"])
def test_it_saves_a_jpeg_at_quality_95(tmp_path, ext):
    src = halves((64, 64))
    out = save_image(src, tmp_path / f"out{ext}")
    with Image.open(out) as img:
        assert img.format == "JPEG"
        assert near(img.convert("RGB").getpixel((5, 5)), RED, tol=6)
    low = save_image(noise((64, 64)), tmp_path / "low.jpg", quality=30)
    high = save_image(noise((64, 64)), tmp_path / "high.jpg")
    assert low.stat().st_size < high.stat().st_size


def test_it_converts_other_modes_when_saving(tmp_path):
    src = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    save_image(src, tmp_path / "out.jpg")
    with Image.open(tmp_path / "out.jpg") as img:
        assert img.mode == "RGB" and near(img.getpixel((1, 1)), WHITE, tol=2)


@pytest.mark.parametrize("name", ["out.gif", "out.webp", "out", "out.png.txt"])
def test_it_rejects_an_unknown_extension(tmp_path, name):
    with pytest.raises(ImageError, match=r"\.png, \.jpg or \.jpeg"):
        save_image(halves(), tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_a_failing_save_leaves_no_file(tmp_path, monkeypatch):
    def save_half_then_fail(self, fp, *args, **kwargs):
        fp.write(b"\x89PNG half of an image")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", save_half_then_fail)
    with pytest.raises(ImageError, match="No space left on device"):
        save_image(halves(), tmp_path / "out.png")
    assert list(tmp_path.iterdir()) == []


def test_a_failing_save_keeps_the_previous_file(tmp_path, monkeypatch):
    save_image(halves(), tmp_path / "out.png")
    before = (tmp_path / "out.png").read_bytes()

    def fail(self, fp, *args, **kwargs):
        fp.write(b"junk")
        raise KeyboardInterrupt

    monkeypatch.setattr(Image.Image, "save", fail)
    with pytest.raises(KeyboardInterrupt):
        save_image(noise(), tmp_path / "out.png")
    assert (tmp_path / "out.png").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]


def test_it_rejects_a_folder_that_does_not_exist(tmp_path):
    with pytest.raises(ImageError, match="Cannot write"):
        save_image(halves(), tmp_path / "missing" / "out.png")
    assert list(tmp_path.iterdir()) == []


def test_re_saving_strips_gps_and_every_other_metadata(tmp_path):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Camera"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (48.0, 31.0, 12.0)
    halves().save(tmp_path / "in.jpg", exif=exif, comment=b"secret comment")
    with Image.open(tmp_path / "in.jpg") as check:
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)

    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "secret author")
    halves().save(tmp_path / "in.png", pnginfo=text)

    for src, out in (("in.jpg", "out.jpg"), ("in.jpg", "out.png"), ("in.png", "out.png")):
        img = load_image(tmp_path / src)
        save_image(img, tmp_path / out)
        data = (tmp_path / out).read_bytes()
        assert b"Exif" not in data and b"secret" not in data
        with Image.open(tmp_path / out) as saved:
            assert not saved.getexif()
            assert not {"exif", "icc_profile", "comment", "Author"} & saved.info.keys()


def test_saving_ignores_metadata_attached_to_the_image_object(tmp_path):
    img = halves()
    img.info["exif"] = b"Exif\x00\x00MM\x00*secret"
    img.info["icc_profile"] = b"secret profile"
    for name in ("out.jpg", "out.png"):
        save_image(img, tmp_path / name)
        assert b"secret" not in (tmp_path / name).read_bytes()


# --- tensors and resizing ----------------------------------------------------------------------

def test_to_tensor_and_to_image_round_trip():
    src = noise((5, 3))
    t = to_tensor(src)
    assert t.shape == (3, 3, 5) and t.dtype == torch.float32
    assert t.min() >= 0 and t.max() <= 1
    assert t[:, 1, 2].mul(255).round().tolist() == list(src.getpixel((2, 1)))
    assert np.array_equal(np.asarray(to_image(t)), np.asarray(src))
    assert np.array_equal(np.asarray(to_image(t.unsqueeze(0))), np.asarray(src))


def test_to_image_clamps_and_rounds_and_leaves_the_tensor_alone():
    t = torch.tensor([[[-0.5, 0.5]], [[1.7, 0.2]], [[float("nan"), 0.999]]], requires_grad=True)
    before = t.detach().clone()
    img = to_image(t)
    assert img.mode == "RGB" and img.size == (2, 1)
    assert img.getpixel((0, 0)) == (0, 255, 0)
    assert img.getpixel((1, 0)) == (128, 51, 255)
    assert torch.allclose(t.detach(), before, equal_nan=True)


def test_to_image_rejects_a_wrong_shape():
    with pytest.raises(ValueError):
        to_image(torch.zeros(4, 2, 2))


def test_resize_long_side_keeps_the_aspect_ratio():
    src = noise((300, 200))
    assert resize_long_side(src, 150).size == (150, 100)
    assert resize_long_side(src, 600).size == (600, 400)
    assert resize_long_side(noise((1000, 2)), 100).size == (100, 1)   # never 0 pixels
    assert resize_long_side(src, 300) is not src
    assert src.size == (300, 200)


def test_resize_to_takes_height_then_width():
    assert resize_to(noise((30, 20)), (10, 40)).size == (40, 10)


def test_thumbnail_fits_in_a_square_and_never_enlarges():
    assert thumbnail(noise((300, 200)), 64).size == (64, 43)
    assert thumbnail(noise((30, 20)), 64).size == (30, 20)
