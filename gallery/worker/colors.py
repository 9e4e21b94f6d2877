"""Colour post-steps on the worker (gallery/colors.py says what they are): a painting's result
is its raw picture after engine.color.recolor with the colours chosen."""
from __future__ import annotations

from PIL import Image

from .. import colors


def render(raw: Image.Image, photo: Image.Image | None, chosen: dict) -> Image.Image:
    """`raw` with the post-steps `chosen`; `photo` may be None only when none is chosen."""
    if not colors.needs_photo(chosen):
        return raw.convert("RGB")
    from engine.color import recolor
    from engine.images import to_image, to_tensor

    return to_image(recolor(to_tensor(raw), to_tensor(photo), **chosen))


def first_result(raw: Image.Image, photo: Image.Image, params: dict) -> tuple[Image.Image, dict]:
    """A painting just made: its result, shown with its job's first choice (params'
    preserve_colors), and the job's `colors` record."""
    shown = colors.first_choice(params)
    return render(raw, photo, shown), colors.record(shown)
